package manifest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// mbdbMagic is the header of Manifest.mbdb version 5.0.
const mbdbMagic = "mbdb\x05\x00"

// FormatError reports a malformed manifest.
type FormatError struct {
	File   string // Manifest.mbdb or Manifest.db
	Offset int64  // byte offset (mbdb) or -1
	Msg    string
}

func (e *FormatError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("manifest: %s: malformed at offset %d: %s", e.File, e.Offset, e.Msg)
	}
	return fmt.Sprintf("manifest: %s: %s", e.File, e.Msg)
}

// ErrUnsupported reports a manifest that is valid but not handled.
var ErrUnsupported = errors.New("manifest: unsupported")

type mbdbReader struct {
	b   []byte
	off int
	err error
}

func (r *mbdbReader) fail(msg string) {
	if r.err == nil {
		r.err = &FormatError{File: "Manifest.mbdb", Offset: int64(r.off), Msg: msg}
	}
}

func (r *mbdbReader) need(n int) bool {
	if r.err != nil {
		return false
	}
	if n > len(r.b)-r.off {
		r.fail(fmt.Sprintf("record truncated (need %d bytes, %d left)", n, len(r.b)-r.off))
		return false
	}
	return true
}

// bytes reads a uint16-length-prefixed field; 0xFFFF means absent.
func (r *mbdbReader) bytes() []byte {
	if !r.need(2) {
		return nil
	}
	n := int(binary.BigEndian.Uint16(r.b[r.off:]))
	r.off += 2
	if n == 0xFFFF {
		return nil
	}
	if !r.need(n) {
		return nil
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v
}

func (r *mbdbReader) fixed(n int) []byte {
	if !r.need(n) {
		return nil
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v
}

// ParseMBDB decodes a Manifest.mbdb. Records are returned in file order.
// A truncated or malformed record stops the parse: the records before it
// are returned together with a *FormatError.
func ParseMBDB(b []byte) ([]*Entry, error) {
	if len(b) < len(mbdbMagic) || string(b[:len(mbdbMagic)]) != mbdbMagic {
		if len(b) >= len(mbdbMagic) && string(b[:4]) == "mbdb" {
			return nil, fmt.Errorf("%w: Manifest.mbdb version %d.%d", ErrUnsupported, b[4], b[5])
		}
		return nil, &FormatError{File: "Manifest.mbdb", Offset: 0, Msg: "bad header"}
	}
	r := &mbdbReader{b: b, off: len(mbdbMagic)}
	var out []*Entry
	for r.off < len(b) {
		start := r.off
		e := &Entry{}
		e.Domain = string(r.bytes())
		e.Path = string(r.bytes())
		e.Target = string(r.bytes())
		if d := r.bytes(); d != nil {
			e.Digest = append([]byte(nil), d...)
		}
		key := r.bytes()
		f := r.fixed(40)
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
		for i := 0; i < props; i++ {
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
		case File:
			e.Flags = 1
		case Dir:
			e.Flags = 2
		case Symlink:
			e.Flags = 4
		}
		if err := e.setKey(key); err != nil {
			e.Err = err
		}
		e.FileID = ComputeFileID(e.Domain, e.Path)
		out = append(out, e)
	}
	return out, nil
}

func unixTime(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}
