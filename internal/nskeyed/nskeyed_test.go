package nskeyed

import (
	"errors"
	"testing"

	"github.com/iosbackup/iosbackup/internal/realdata"
	"howett.net/plist"
)

func TestPlasoSample(t *testing.T) {
	a, err := Parse(realdata.Read(t, "plaso/test_data/plist/NSKeyedArchiver.plist"))
	if err != nil {
		t.Fatal(err)
	}
	root, err := a.Root()
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.Decode(root)
	if err != nil {
		t.Fatal(err)
	}
	m := d.(map[string]any)
	if m["MyString"] != "Some string" || m["MyBool"] != true || string(m["MyData"].([]byte)) != "DATA\n" {
		t.Fatalf("decoded %#v", m)
	}
	if v, ok := m["MyInteger"].(uint64); !ok || v != 98 {
		t.Fatalf("MyInteger %#v", m["MyInteger"])
	}
	if arr, ok := m["MyArray"].([]any); !ok || len(arr) != 0 {
		t.Fatalf("MyArray %#v", m["MyArray"])
	}
}

func TestHostile(t *testing.T) {
	// A self-referencing object and an out-of-range UID.
	arch := map[string]any{
		"$archiver": "NSKeyedArchiver", "$version": 100000,
		"$top": map[string]any{"root": plist.UID(1)},
		"$objects": []any{"$null",
			map[string]any{"$class": plist.UID(2), "self": plist.UID(1), "bad": plist.UID(99)},
			map[string]any{"$classname": "Loop", "$classes": []any{"Loop"}},
		},
	}
	b, err := plist.Marshal(arch, plist.BinaryFormat)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := a.Root()
	if _, err := a.Decode(root); !errors.Is(err, ErrFormat) {
		t.Fatalf("out-of-range UID: %v", err)
	}
	obj := root.(map[string]any)
	delete(obj, "bad")
	d, err := a.Decode(plist.UID(1))
	if err != nil {
		t.Fatal(err)
	}
	if d.(map[string]any)["$class"] != "Loop" {
		t.Fatalf("class: %#v", d)
	}
	for _, junk := range [][]byte{nil, []byte("bplist00"), []byte("<plist><dict/></plist>")} {
		if _, err := Parse(junk); !errors.Is(err, ErrFormat) {
			t.Errorf("junk %q: %v", junk, err)
		}
	}
}
