package manifestdb

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"testing"
	"testing/iotest"
	"unsafe"

	"github.com/iosbackup/iosbackup/internal/backuptest"
	"github.com/iosbackup/iosbackup/internal/kdf"
	"github.com/iosbackup/iosbackup/manifest"
)

func mbdbOf(t *testing.T, n int) []byte {
	out := append([]byte(nil), backuptest.MBDBHeader...)
	var err error
	for i := range n {
		r := backuptest.MBDBRecord{Domain: fmt.Sprintf("AppDomain-com.example.app%d", i/100), Path: fmt.Sprintf("Library/f%03d", i),
			DataHash: bytes.Repeat([]byte{byte(i)}, 20), EncryptionKey: append([]byte{3, 0, 0, 0}, bytes.Repeat([]byte{byte(i)}, 40)...),
			Mode: 0o100644, Size: int64(i), ProtectionClass: 3, Inode: uint64(i), Properties: [][2][]byte{{[]byte("k"), []byte("v")}}}
		if out, err = r.Append(out); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestReadMBDBStream: reading from a stream, one byte at a time, gives
// what parsing the bytes in memory gives; domains are shared strings.
func TestReadMBDBStream(t *testing.T) {
	in := mbdbOf(t, 300)
	want, err := ParseMBDB(in)
	if err != nil || len(want) != 300 {
		t.Fatal(len(want), err)
	}
	got, err := ReadMBDB(iotest.OneByteReader(bytes.NewReader(in)))
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("stream: %d entries, %v", len(got), err)
	}
	if e := want[7]; e.Path != "Library/f007" || e.Size != 7 || e.KeyClass != 3 || len(e.WrappedKey) != 40 || e.Digest[0] != 7 ||
		e.FileID != backuptest.FileID(e.Domain, e.Path) {
		t.Fatalf("entry 7: %+v", e)
	}
	if unsafeStringData(want[0].Domain) != unsafeStringData(want[99].Domain) || want[0].Domain == want[100].Domain {
		t.Error("equal domains are not shared")
	}
	// A stream cut inside a record: the records before it and the offset.
	es, err := ReadMBDB(iotest.HalfReader(bytes.NewReader(in[:len(in)-5])))
	var fe *manifest.FormatError
	if len(es) != 299 || !errors.As(err, &fe) || fe.Offset < int64(len(in)-200) {
		t.Fatalf("cut: %d, %v", len(es), err)
	}
}

// TestMBDBRecordCap: more records than the cap is a manifest.FormatError at the
// first record over it.
func TestMBDBRecordCap(t *testing.T) {
	defer func(n int) { maxMBDBEntries = n }(maxMBDBEntries)
	maxMBDBEntries = 10
	in := mbdbOf(t, 11)
	es, err := ParseMBDB(in)
	var fe *manifest.FormatError
	if len(es) != 10 || !errors.As(err, &fe) || fe.Offset <= 6 {
		t.Fatalf("%d entries, %v", len(es), err)
	}
	if es, err := ParseMBDB(mbdbOf(t, 10)); len(es) != 10 || err != nil {
		t.Fatalf("at the cap: %d, %v", len(es), err)
	}
}

// TestFIPSOnly: in FIPS 140-only mode (GODEBUG=fips140=only, where
// crypto/sha1 panics) ComputeFileID and ReadMBDB return kdf.ErrFIPSOnly.
func TestFIPSOnly(t *testing.T) {
	if os.Getenv("IOSBACKUP_FIPS_CHILD") == "1" {
		if _, err := ComputeFileID("HomeDomain", "x"); !errors.Is(err, kdf.ErrFIPSOnly) {
			t.Fatalf("ComputeFileID: %v", err)
		}
		if _, err := ParseMBDB(mbdbOf(t, 0)); !errors.Is(err, kdf.ErrFIPSOnly) {
			t.Fatalf("ParseMBDB: %v", err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFIPSOnly$", "-test.count=1")
	cmd.Env = append(os.Environ(), "IOSBACKUP_FIPS_CHILD=1", "GODEBUG=fips140=only")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func unsafeStringData(s string) *byte { return unsafe.StringData(s) }
