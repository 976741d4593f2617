package manifestdb

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/iosbackup/iosbackup/internal/kdf"
	"github.com/iosbackup/iosbackup/manifest"
)

// mbdbMagic is the header of Manifest.mbdb version 5.0.
const mbdbMagic = "mbdb\x05\x00"

// MaxMBDBEntries bounds the records ReadMBDB returns: each costs about
// 500 bytes in memory (so at most about 520 MB), and real manifests hold
// at most a few hundred thousand. More is a *FormatError.
const MaxMBDBEntries = 1 << 20

// maxMBDBEntries is MaxMBDBEntries (tests lower it).
var maxMBDBEntries = MaxMBDBEntries

type mbdbReader struct {
	r          io.Reader
	off        int64
	err        error
	scratch    []byte
	lastDomain string
	lb         [2]byte  // a length prefix
	fb         [40]byte // a record's fixed part
}

func (r *mbdbReader) fail(msg string) {
	if r.err == nil {
		r.err = &manifest.FormatError{File: "Manifest.mbdb", Offset: r.off, Err: errors.New(msg)}
	}
}

// read fills p; a short input is a truncated record.
func (r *mbdbReader) read(p []byte) bool {
	if r.err != nil {
		return false
	}
	n, err := io.ReadFull(r.r, p)
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			r.fail(fmt.Sprintf("record truncated (need %d bytes, %d left)", len(p), n))
		} else {
			r.err = err
		}
		return false
	}
	r.off += int64(n)
	return true
}

// bytes reads a uint16-length-prefixed field; 0xFFFF means absent. The
// result is valid until the next call.
func (r *mbdbReader) bytes() []byte {
	if !r.read(r.lb[:]) {
		return nil
	}
	return r.field(r.lb)
}

// field reads the field whose length prefix is l. Its buffer grows with
// the bytes actually read, not with the length claimed.
func (r *mbdbReader) field(l [2]byte) []byte {
	n := int(binary.BigEndian.Uint16(l[:]))
	if n == 0xFFFF || r.err != nil {
		return nil
	}
	r.scratch = r.scratch[:0]
	for len(r.scratch) < n {
		k := min(n-len(r.scratch), max(len(r.scratch), 256)) // doubling
		r.scratch = slices.Grow(r.scratch, k)
		if !r.read(r.scratch[len(r.scratch) : len(r.scratch)+k]) {
			return nil
		}
		r.scratch = r.scratch[:len(r.scratch)+k]
	}
	return r.scratch
}

// domain reads the domain field of length prefix l. Records come grouped
// by domain, so a domain equal to the previous record's shares its string.
func (r *mbdbReader) domain(l [2]byte) string {
	b := r.field(l)
	if string(b) != r.lastDomain {
		r.lastDomain = string(b)
	}
	return r.lastDomain
}

// ParseMBDB decodes a Manifest.mbdb held in memory (see ReadMBDB).
func ParseMBDB(b []byte) ([]*manifest.Entry, error) {
	return ReadMBDB(bytes.NewReader(b))
}

// ReadMBDB decodes a Manifest.mbdb from r, reading it once: records are
// returned in file order, and the stream itself is never held in memory.
// A truncated or malformed record stops the parse: the records before it
// are returned together with a *FormatError. More than MaxMBDBEntries
// records is a *FormatError too. In FIPS 140-only mode it returns
// ErrFIPSOnly (file IDs are SHA-1 digests).
func ReadMBDB(rd io.Reader) ([]*manifest.Entry, error) {
	if err := kdf.CheckSHA1(); err != nil {
		return nil, err
	}
	if _, ok := rd.(*bytes.Reader); !ok {
		rd = bufio.NewReaderSize(rd, 64<<10)
	}
	r := &mbdbReader{r: rd}
	var magic [len(mbdbMagic)]byte
	if n, _ := io.ReadFull(r.r, magic[:]); n < len(magic) || string(magic[:]) != mbdbMagic {
		if n == len(magic) && string(magic[:4]) == "mbdb" {
			return nil, fmt.Errorf("%w: Manifest.mbdb version %d.%d", ErrUnsupported, magic[4], magic[5])
		}
		return nil, &manifest.FormatError{File: "Manifest.mbdb", Offset: 0, Err: errors.New("bad header")}
	}
	r.off = int64(len(magic))
	var out []*manifest.Entry
	var key []byte
	for {
		start := r.off
		if n, err := io.ReadFull(r.r, r.lb[:]); n == 0 && err == io.EOF {
			return out, nil // the end, between records
		} else if err != nil && err != io.ErrUnexpectedEOF {
			return out, err
		} else if n < 2 {
			r.fail("record truncated (need 2 bytes, 1 left)")
			return out, r.err
		}
		r.off += 2
		if len(out) >= maxMBDBEntries {
			r.off = start
			r.fail(fmt.Sprintf("more than %d records", maxMBDBEntries))
			return out, r.err
		}
		e := &manifest.Entry{}
		e.Domain = r.domain(r.lb)
		e.Path = string(r.bytes())
		e.Target = string(r.bytes())
		if d := r.bytes(); d != nil {
			e.Digest = append([]byte(nil), d...)
		}
		key = append(key[:0], r.bytes()...)
		f := &r.fb
		r.read(f[:])
		if r.err != nil {
			return out, r.err
		}
		e.Mode = uint32(binary.BigEndian.Uint16(f[0:2]))
		e.Inode = binary.BigEndian.Uint64(f[2:10])
		e.UID = int64(binary.BigEndian.Uint32(f[10:14]))
		e.GID = int64(binary.BigEndian.Uint32(f[14:18]))
		e.Modified = unixTime(int64(int32(binary.BigEndian.Uint32(f[18:22]))))
		e.Changed = unixTime(int64(int32(binary.BigEndian.Uint32(f[22:26]))))
		e.Birth = unixTime(int64(int32(binary.BigEndian.Uint32(f[26:30]))))
		size := int64(binary.BigEndian.Uint64(f[30:38]))
		e.ProtectionClass = int(f[38])
		props := int(f[39])
		for i := 0; i < props && r.err == nil; i++ {
			r.bytes()
			r.bytes()
		}
		if r.err != nil {
			return out, r.err
		}
		if size < 0 {
			r.off = start
			r.fail("negative size")
			return out, r.err
		}
		e.Size = size
		e.Kind = kindFromMode(e.Mode)
		switch e.Kind {
		case manifest.File:
			e.Flags = 1
		case manifest.Dir:
			e.Flags = 2
		case manifest.Symlink:
			e.Flags = 4
		}
		if err := setKey(e, key); err != nil {
			e.Err = err
		}
		id, err := ComputeFileID(e.Domain, e.Path)
		if err != nil {
			return out, err
		}
		e.FileID = id
		out = append(out, e)
	}
}

func unixTime(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}
