package plistsafe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"howett.net/plist"

	"github.com/iosbackup/iosbackup/internal/plistsafe/plisttest"
	"github.com/iosbackup/iosbackup/internal/realdata"
)

// bplistOf assembles a binary plist from its objects (top object 0),
// with 1-byte references and 4-byte offsets.
func bplistOf(objs ...[]byte) []byte {
	b := []byte("bplist00")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = len(b)
		b = append(b, o...)
	}
	table := len(b)
	for _, o := range offs {
		b = binary.BigEndian.AppendUint32(b, uint32(o))
	}
	tr := make([]byte, 32)
	tr[6], tr[7] = 4, 1
	binary.BigEndian.PutUint64(tr[8:], uint64(len(objs)))
	binary.BigEndian.PutUint64(tr[24:], uint64(table))
	return append(b, tr...)
}

// doubling returns a binary plist of n arrays where each holds the next
// one twice: 2^n values once expanded.
func doubling(n int) []byte {
	var objs [][]byte
	for i := 0; i < n; i++ {
		objs = append(objs, []byte{0xa2, byte(i + 1), byte(i + 1)})
	}
	return bplistOf(append(objs, []byte{0x09})...)
}

func TestHostile(t *testing.T) {
	selfRef := bplistOf([]byte{0xa1, 0})
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"wrapped data length", plisttest.WrappedLength(), ErrMalformed},
		{"wrapped string length", func() []byte { b := plisttest.WrappedLength(); b[8] = 0x5F; return b }(), ErrMalformed},
		{"wrapped utf16 length", func() []byte { b := plisttest.WrappedLength(); b[8] = 0x6F; return b }(), ErrMalformed},
		{"wrapped array count", func() []byte { b := plisttest.WrappedLength(); b[8] = 0xAF; return b }(), ErrMalformed},
		{"wrapped dict count", func() []byte { b := plisttest.WrappedLength(); b[8] = 0xDF; return b }(), ErrMalformed},
		{"array contains itself", selfRef, ErrMalformed},
		{"reference out of range", bplistOf([]byte{0xa1, 7}), ErrMalformed},
		{"integer past the end", bplistOf([]byte{0x13, 1}), ErrMalformed},
		{"binary 200k deep", plisttest.DeepBinary(200000), ErrLimit},
		{"binary doubling 2^60", doubling(60), ErrLimit},
		{"XML 1M deep", plisttest.DeepXML(1000000), ErrLimit},
		{"OpenStep 1M deep", plisttest.DeepText(1000000), ErrLimit},
		{"OpenStep dictionaries 1M deep", []byte(strings.Repeat("{a=", 1000000)), ErrLimit},
		{"GNUstep 1M deep", []byte("<*I1>" + strings.Repeat("(", 1000000)), ErrLimit},
		{"UTF-16 OpenStep 1M deep", append([]byte{0xFF, 0xFE}, bytes.Repeat([]byte{'(', 0}, 1000000)...), ErrLimit},
		{"XML falling back to text", append([]byte("<abcd>"), plisttest.DeepText(1000000)...), ErrLimit},
		{"XML many containers", []byte("<plist><array>" + strings.Repeat("<dict/>", 100000) + "</array></plist>"), ErrLimit},
		{"text many containers", []byte("(" + strings.Repeat("{},", 100000) + ")"), ErrLimit},
		{"too large", make([]byte, DefaultLimits.MaxSize+1), ErrLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			var v any
			_, err := Unmarshal("Info.plist", tc.in, &v, DefaultLimits)
			var fe *FormatError
			if !errors.Is(err, tc.want) || !errors.As(err, &fe) || fe.Name != "Info.plist" {
				t.Fatalf("got %v, want %v in a FormatError naming Info.plist", err, tc.want)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

// TestWithinLimits: what the limits allow decodes as the decoder alone
// decodes it, in all three formats.
func TestWithinLimits(t *testing.T) {
	lim := Limits{MaxDepth: 10, MaxNodes: 100, MaxContainers: 20}
	val := map[string]any{"a": []any{"x", uint64(1), true, []byte{1, 2}, map[string]any{"b": []any{[]any{"deep"}}}}}
	for _, f := range []int{plist.BinaryFormat, plist.XMLFormat, plist.OpenStepFormat, plist.GNUStepFormat} {
		b, err := plist.Marshal(val, f)
		if err != nil {
			t.Fatal(err)
		}
		var got, want any
		gf, err := Unmarshal("x", b, &got, lim)
		if err != nil {
			t.Fatalf("format %d: %v\n%s", f, err, b)
		}
		wf, _ := plist.Unmarshal(b, &want)
		if gf != wf || !equal(got, want) {
			t.Fatalf("format %d: got %v (%d), want %v (%d)", f, got, gf, want, wf)
		}
		// One level less is refused.
		if err := Check(b, Limits{MaxDepth: 4}); !errors.Is(err, ErrLimit) {
			t.Errorf("format %d at depth 4: %v", f, err)
		}
		if err := Check(b, Limits{MaxDepth: 5}); err != nil {
			t.Errorf("format %d at depth 5: %v", f, err)
		}
	}
	// Shared binary objects count once per use: 2^10 leaves.
	if err := Check(doubling(10), Limits{MaxNodes: 2047}); err != nil {
		t.Error(err)
	}
	if err := Check(doubling(10), Limits{MaxNodes: 2046}); !errors.Is(err, ErrLimit) {
		t.Error(err)
	}
	// Brackets inside strings and comments do not nest.
	text := []byte(`{ a = "((((((((((("; /* (((((((((((( */ b = <*I5>; // ((((((((((((((
c = (x, "\"(((((((((((((("); d = <0a0b>; }`)
	var v any
	if _, err := Unmarshal("t", text, &v, Limits{MaxDepth: 2}); err != nil {
		t.Fatal(err)
	}
}

func equal(a, b any) bool { return plistString(a) == plistString(b) }

func plistString(v any) string {
	b, _ := plist.Marshal(v, plist.XMLFormat)
	return string(b)
}

// TestRealPlists: every real plist the project has passes DefaultLimits,
// and none needs more than a tenth of them.
func TestRealPlists(t *testing.T) {
	root := realdata.Dir(t)
	tight := Limits{MaxDepth: DefaultLimits.MaxDepth / 10, MaxNodes: DefaultLimits.MaxNodes / 10, MaxContainers: DefaultLimits.MaxContainers / 10}
	n := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".plist") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var v any
		if _, err := Unmarshal(p, b, &v, tight); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 40 {
		t.Fatalf("only %d real plists", n)
	}
}

// TestDecoderPanicRecovered: a panic inside the decoder (here from an
// Unmarshaler) is an ErrDecoder error.
func TestDecoderPanicRecovered(t *testing.T) {
	b, _ := plist.Marshal(map[string]any{"a": "b"}, plist.XMLFormat)
	var p panicky
	if _, err := Unmarshal("p", b, &p, DefaultLimits); !errors.Is(err, ErrDecoder) {
		t.Fatalf("got %v", err)
	}
}

type panicky struct{}

func (*panicky) UnmarshalPlist(func(any) error) error { panic("boom") }
