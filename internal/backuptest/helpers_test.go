package backuptest

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"testing"
)

// Test-local parsers written from docs/FORMAT.md, independent of the builder.

type kbItem struct {
	tag string
	val []byte
}

type parsedKeybag struct {
	items   []kbItem // header items in order
	header  map[string][]byte
	classes []map[string][]byte
}

func (k parsedKeybag) u32(tag string) uint32 {
	v := k.header[tag]
	if len(v) != 4 {
		return 0
	}
	return binary.BigEndian.Uint32(v)
}

// parseKeybag follows §5.1/§5.2: first UUID and WRAP belong to the
// header, every later UUID opens a class record.
func parseKeybag(t *testing.T, b []byte) parsedKeybag {
	t.Helper()
	k := parsedKeybag{header: map[string][]byte{}}
	var cur map[string][]byte
	off := 0
	for off+8 <= len(b) {
		tag := string(b[off : off+4])
		n := int(binary.BigEndian.Uint32(b[off+4 : off+8]))
		if n > len(b)-off-8 {
			t.Fatalf("keybag item %q length %d exceeds remaining %d", tag, n, len(b)-off-8)
		}
		v := b[off+8 : off+8+n]
		off += 8 + n
		switch {
		case tag == "UUID" && k.header["UUID"] == nil:
			k.header[tag] = v
			k.items = append(k.items, kbItem{tag, v})
		case tag == "UUID":
			cur = map[string][]byte{"UUID": v}
			k.classes = append(k.classes, cur)
		case tag == "WRAP" && k.header["WRAP"] == nil && cur == nil:
			k.header[tag] = v
			k.items = append(k.items, kbItem{tag, v})
		case cur != nil && (tag == "CLAS" || tag == "WRAP" || tag == "WPKY" || tag == "KTYP" || tag == "PBKY"):
			cur[tag] = v
		default:
			k.header[tag] = v
			k.items = append(k.items, kbItem{tag, v})
		}
	}
	if off != len(b) {
		t.Fatalf("keybag has %d trailing bytes", len(b)-off)
	}
	return k
}

func be32(v []byte) uint32 {
	if len(v) != 4 {
		return 1<<32 - 1
	}
	return binary.BigEndian.Uint32(v)
}

type mbdbRec struct {
	domain, path        string
	pathNull            bool
	target, hash, key   []byte
	mode                uint16
	inode               uint64
	uid, gid            uint32
	mtime, ctime, btime int32
	size                int64
	class               uint8
	props               int
}

// parseMBDB follows §4.1.
func parseMBDB(t *testing.T, b []byte) []mbdbRec {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("mbdb\x05\x00")) {
		t.Fatalf("mbdb header %x", b[:min(6, len(b))])
	}
	off := 6
	str := func() ([]byte, bool) {
		if off+2 > len(b) {
			t.Fatalf("mbdb truncated at %d", off)
		}
		n := int(binary.BigEndian.Uint16(b[off:]))
		off += 2
		if n == 0xFFFF {
			return nil, true
		}
		if off+n > len(b) {
			t.Fatalf("mbdb string overruns at %d", off)
		}
		v := b[off : off+n]
		off += n
		return v, false
	}
	var recs []mbdbRec
	for off < len(b) {
		var r mbdbRec
		d, _ := str()
		p, pn := str()
		r.domain, r.path, r.pathNull = string(d), string(p), pn
		r.target, _ = str()
		r.hash, _ = str()
		r.key, _ = str()
		if off+40 > len(b) {
			t.Fatalf("mbdb fixed block truncated")
		}
		f := b[off : off+40]
		off += 40
		r.mode = binary.BigEndian.Uint16(f[0:])
		r.inode = binary.BigEndian.Uint64(f[2:])
		r.uid = binary.BigEndian.Uint32(f[10:])
		r.gid = binary.BigEndian.Uint32(f[14:])
		r.mtime = int32(binary.BigEndian.Uint32(f[18:]))
		r.ctime = int32(binary.BigEndian.Uint32(f[22:]))
		r.btime = int32(binary.BigEndian.Uint32(f[26:]))
		r.size = int64(binary.BigEndian.Uint64(f[30:]))
		r.class = f[38]
		r.props = int(f[39])
		for range r.props {
			str()
			str()
		}
		recs = append(recs, r)
	}
	return recs
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// unpad strips valid PKCS#7 padding or fails.
func unpad(t *testing.T, b []byte) []byte {
	t.Helper()
	if len(b) == 0 || len(b)%16 != 0 {
		t.Fatalf("bad padded length %d", len(b))
	}
	n := int(b[len(b)-1])
	if n < 1 || n > 16 {
		t.Fatalf("bad pad byte %d", n)
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			t.Fatalf("bad padding %x", b[len(b)-n:])
		}
	}
	return b[:len(b)-n]
}
