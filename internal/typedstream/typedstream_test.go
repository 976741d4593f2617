package typedstream

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestHandBuiltWorkedExample builds the docs/FORMAT.md §11.6 layout for
// "Noter test" (233 bytes) and decodes it.
func TestHandBuiltWorkedExample(t *testing.T) {
	b := simpleBody("Noter test")
	if len(b) != 233 {
		t.Fatalf("hand-built §11.6 blob is %d bytes, want 233", len(b))
	}
	// Spot-check bytes from the worked example.
	if !bytes.HasPrefix(b, []byte("\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x19NSMutableAttributedString\x00")) {
		t.Fatalf("unexpected prefix % x", b[:48])
	}
	if !bytes.Contains(b, []byte("\x95\x84\x01+\x0aNoter test\x86\x84\x02iI\x01\x0a\x92\x84\x84\x84\x0cNSDictionary\x00\x95")) {
		t.Fatal("string/run section differs from §11.6")
	}
	if !bytes.HasSuffix(b, []byte("\x84\x01*\x84\x9b\x9b\x00\x86\x86\x86")) {
		t.Fatalf("unexpected suffix % x", b[len(b)-12:])
	}
	s, err := Text(b)
	if err != nil || s != "Noter test" {
		t.Fatalf("Text = %q, %v", s, err)
	}
	as, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []Run{{Start: 0, Length: 10, Attributes: map[string]any{AttrMessagePart: int64(0)}}}
	if as.Text != "Noter test" || !reflect.DeepEqual(as.Runs, want) {
		t.Fatalf("Parse = %+v", as)
	}

	a, err := DecodeArchive(b)
	if err != nil {
		t.Fatal(err)
	}
	if a.Header != (Header{StreamerVersion: 4, Signature: "streamtyped", SystemVersion: 1000}) {
		t.Fatalf("header %+v", a.Header)
	}
	root := a.Values[0].(*Object)
	if root.Class != "NSMutableAttributedString" ||
		!reflect.DeepEqual(root.Classes, []string{"NSMutableAttributedString", "NSAttributedString", "NSObject"}) {
		t.Fatalf("root classes %v", root.Classes)
	}
	str := root.Values[0].(*Object)
	if str.ClassInfo.Version != 1 || str.ClassInfo.Super.Name != "NSString" || str.ClassInfo.Super.Super.Name != "NSObject" {
		t.Fatalf("string class %+v", str.ClassInfo)
	}
	// Groups: string, iI run, dictionary.
	var types []string
	for _, g := range root.Groups {
		types = append(types, g.Type)
	}
	if !reflect.DeepEqual(types, []string{"@", "iI", "@"}) {
		t.Fatalf("root group types %v", types)
	}
	if root.Groups[1].Values[0] != int64(1) || root.Groups[1].Values[1] != int64(10) {
		t.Fatalf("run group %v", root.Groups[1].Values)
	}
}

// A literal blob written byte by byte: NSString "Hi ✓" (no builder).
func TestLiteralNSString(t *testing.T) {
	b := []byte("\x04\x0bstreamtyped\x81\xe8\x03" +
		"\x84\x01@" + // group "@"  shared#0
		"\x84" + // NEW object      obj#0
		"\x84\x84\x08NSString\x01" + // class NSString v1  shared#1 obj#1
		"\x84\x84\x08NSObject\x00" + // NSObject v0     shared#2 obj#2
		"\x85" + // end of chain
		"\x84\x01+" + // group "+"    shared#3
		"\x06Hi \xe2\x9c\x93" +
		"\x86")
	s, err := Text(b)
	if err != nil || s != "Hi ✓" {
		t.Fatalf("Text = %q, %v", s, err)
	}
	v, err := Decode(b)
	if err != nil || len(v) != 1 || Native(v[0]) != "Hi ✓" {
		t.Fatalf("Decode = %v, %v", v, err)
	}
	as, err := Parse(b)
	if err != nil || as.Text != "Hi ✓" || len(as.Runs) != 0 {
		t.Fatalf("Parse = %+v, %v", as, err)
	}
}

func TestRunsAndConvenience(t *testing.T) {
	// "😀 Dad ￼ see https://x.example/a" with a mention, an attachment, a
	// link split over two runs (bold on part of it) and a reused dictionary.
	text := "😀 Dad \uFFFC see https://x.example/a"
	b := attributedBody(text, []tRun{
		{length: 3, attrs: map[string]any{AttrMessagePart: 0}},                              // "😀 " (2+1 UTF-16)
		{length: 3, attrs: map[string]any{AttrMessagePart: 0, AttrMention: "+15550001111"}}, // "Dad"
		{length: 1, reuse: 1}, // " "
		{length: 1, attrs: map[string]any{AttrMessagePart: 1, AttrFileTransferGUID: "at_1_GUID"}}, // ￼
		{length: 5, attrs: map[string]any{AttrMessagePart: 2}},                                    // " see "
		{length: 9, attrs: map[string]any{AttrMessagePart: 2, AttrLink: "https://x.example/a"}},   // "https://x"
		{length: 10, attrs: map[string]any{AttrMessagePart: 2, AttrLink: "https://x.example/a", AttrBold: 1}},
	})
	as, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if as.Text != text {
		t.Fatalf("text %q", as.Text)
	}
	if as.UTF16Len() != 32 {
		t.Fatalf("UTF16Len = %d", as.UTF16Len())
	}
	starts := []int{0, 3, 6, 7, 8, 13, 22}
	lengths := []int{3, 3, 1, 1, 5, 9, 10}
	if len(as.Runs) != len(starts) {
		t.Fatalf("%d runs", len(as.Runs))
	}
	for i, r := range as.Runs {
		if r.Start != starts[i] || r.Length != lengths[i] {
			t.Errorf("run %d = %d+%d, want %d+%d", i, r.Start, r.Length, starts[i], lengths[i])
		}
	}
	if got := as.RunText(as.Runs[0]); got != "😀 " {
		t.Errorf("run 0 text %q", got)
	}
	if as.Runs[2].Attributes[AttrMessagePart] != int64(0) || len(as.Runs[2].Attributes) != 1 {
		t.Errorf("reused run attrs %v", as.Runs[2].Attributes)
	}
	if as.Runs[6].Attributes[AttrBold] != int64(1) {
		t.Errorf("bold attr %v", as.Runs[6].Attributes)
	}
	if g := as.AttachmentGUIDs(); !reflect.DeepEqual(g, []string{"at_1_GUID"}) {
		t.Errorf("AttachmentGUIDs = %v", g)
	}
	if m := as.Mentions(); !reflect.DeepEqual(m, []Span{{Start: 3, Length: 3, Text: "Dad", Value: "+15550001111"}}) {
		t.Errorf("Mentions = %+v", m)
	}
	if l := as.Links(); !reflect.DeepEqual(l, []Span{{Start: 13, Length: 19, Text: "https://x.example/a", Value: "https://x.example/a"}}) {
		t.Errorf("Links = %+v", l)
	}
	// Slice edge cases: half a surrogate pair, out of range.
	if s := as.Slice(1, 2); s != " " {
		t.Errorf("Slice(1,2) = %q", s)
	}
	if s := as.Slice(30, 100); s != "/a" {
		t.Errorf("Slice(30,100) = %q", s)
	}
	if s := as.Slice(40, 1); s != "" {
		t.Errorf("Slice(40,1) = %q", s)
	}
}

func TestFoundationObjectsBigEndian(t *testing.T) {
	for _, be := range []bool{false, true} {
		e := newTSB(be)
		e.objGroup()
		e.object(chArray, func() {
			e.sharedStr("i")
			e.int(8)
			e.objGroup()
			e.nsNumberInt(70000) // 0x82 int32
			e.objGroup()
			e.nsNumberInt(-9000000000) // 0x87 int64
			e.objGroup()
			e.nsNumberFloat(3.5) // 0x83 float
			e.objGroup()
			e.nsDate(21692800.25)
			e.objGroup()
			e.nsData([]byte{0xDE, 0xAD, 0xBE, 0xEF})
			e.objGroup()
			e.nsURL("https://example.com/")
			e.objGroup()
			d := e.dict(map[string]any{"k": "v", "n": -300})
			e.objGroup()
			e.ref(d) // back-reference to the dictionary
		})
		vals, err := Decode(e.b)
		if err != nil {
			t.Fatalf("be=%v: %v", be, err)
		}
		got := Native(vals[0])
		want := []any{
			int64(70000), int64(-9000000000), 3.5,
			time.Date(2001, 9, 9, 1, 46, 40, 250000000, time.UTC),
			[]byte{0xDE, 0xAD, 0xBE, 0xEF},
			"https://example.com/",
			map[string]any{"k": "v", "n": int64(-300)},
			map[string]any{"k": "v", "n": int64(-300)},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("be=%v: Native = %#v", be, got)
		}
		s, err := Text(e.b)
		if err != nil || s != "https://example.com/" {
			t.Fatalf("be=%v: Text = %q, %v", be, s, err)
		}
	}
}

func TestTypedValues(t *testing.T) {
	// One object with a group of many encodings, including struct, array,
	// selector, class, C string, NIL object and raw bytes.
	e := newTSB(false)
	e.objGroup()
	e.object([]any{"Custom", 3, "NSObject", 0}, func() {
		e.sharedStr("sSlLqQcCBfd[3i]{P=dd}:#*@[2c]")
		e.int(-2)                                                           // s
		e.uint(40000)                                                       // S (0x81)
		e.int(-100000)                                                      // l (0x82)
		e.uint(0x7fffffff)                                                  // L
		e.int(1 << 40)                                                      // q (0x87)
		e.raw(tagInt64).raw(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff) // Q = MaxUint64
		e.raw(0xfe)                                                         // c = -2
		e.raw(0xfe)                                                         // C = 254
		e.raw(1)                                                            // B
		e.int(7)                                                            // f (integer-coded float)
		e.raw(tagFloat)                                                     // d
		e.b = e.order.AppendUint64(e.b, 0x4059200000000000)                 // 100.5
		e.int(1)                                                            // [3i]
		e.int(2)
		e.int(3)
		e.int(5) // {P=dd}
		e.int(6)
		e.sharedStr("init")              // :
		e.class("Foo", 2, "NSObject", 0) // #
		e.cstr("cstr")                   // *
		e.raw(tagNil)                    // @ nil
		e.raw(0x41, 0x42)                // [2c]
	})
	vals, err := Decode(e.b)
	if err != nil {
		t.Fatal(err)
	}
	o := vals[0].(*Object)
	if o.Class != "Custom" || o.ClassInfo.Version != 3 || len(o.Groups) != 1 {
		t.Fatalf("object %+v", o)
	}
	v := o.Values
	want := []any{int64(-2), int64(40000), int64(-100000), int64(0x7fffffff), int64(1 << 40), uint64(1<<64 - 1),
		int64(-2), int64(254), true, 7.0, 100.5, []any{int64(1), int64(2), int64(3)},
		Struct{Name: "P", Fields: []any{5.0, 6.0}}, "init"}
	if !reflect.DeepEqual(v[:len(want)], want) {
		t.Fatalf("values %#v", v)
	}
	c := v[14].(*Class)
	if c.Name != "Foo" || c.Version != 2 || c.Super.Name != "NSObject" {
		t.Fatalf("class %+v", c)
	}
	if v[15] != "cstr" || v[16] != nil || !bytes.Equal(v[17].([]byte), []byte("AB")) {
		t.Fatalf("tail %#v", v[15:])
	}
	n := Native(o).(map[string]any)
	if n["$class"] != "Custom" || len(n["$values"].([]any)) != 18 {
		t.Fatalf("native %#v", n)
	}
	if _, err := Text(e.b); !errors.Is(err, ErrNoText) {
		t.Fatalf("Text err = %v, want ErrNoText", err)
	}
}

func TestCircularAndShared(t *testing.T) {
	// NSArray [self, self] and a dictionary shared twice.
	e := newTSB(false)
	e.objGroup()
	e.object(chArray, func() {
		e.sharedStr("i")
		e.int(4)
		e.objGroup()
		e.ref(0) // the array itself
		e.objGroup()
		d := e.dict(map[string]any{"a": 1})
		e.objGroup()
		e.ref(d)
		e.objGroup()
		e.ref(0)
	})
	vals, err := Decode(e.b)
	if err != nil {
		t.Fatal(err)
	}
	root := vals[0].(*Object)
	if root.Values[1] != any(root) {
		t.Fatal("self reference not resolved to the same object")
	}
	n := Native(root).([]any)
	if n[0] != nil || n[3] != nil {
		t.Fatalf("cycles not cut: %#v", n)
	}
	if !reflect.DeepEqual(n[1], map[string]any{"a": int64(1)}) || !reflect.DeepEqual(n[2], n[1]) {
		t.Fatalf("shared dict: %#v", n)
	}

	// A class whose superclass is itself.
	self := []byte("\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x03Foo\x00\x93\x86")
	vals, err = Decode(self)
	if err != nil {
		t.Fatal(err)
	}
	o := vals[0].(*Object)
	if o.Class != "Foo" || len(o.Classes) != maxClassChain {
		t.Fatalf("self-superclass: %q, %d classes", o.Class, len(o.Classes))
	}
}

func TestBlank(t *testing.T) {
	b := attributedBody("", nil)
	s, err := Text(b)
	if err != nil || s != "" {
		t.Fatalf("Text = %q, %v", s, err)
	}
	as, err := Parse(b)
	if err != nil || as.Text != "" || len(as.Runs) != 0 {
		t.Fatalf("Parse = %+v, %v", as, err)
	}
}

func TestLongText(t *testing.T) {
	text := strings.Repeat("ab€", 20000) // 160000 bytes: 0x82 length
	b := simpleBody(text)
	as, err := Parse(b)
	if err != nil || as.Text != text || as.Runs[0].Length != 60000 {
		t.Fatalf("long text: %v, %d", err, len(as.Text))
	}
}

func TestErrors(t *testing.T) {
	good := simpleBody("hello")
	cases := map[string][]byte{
		"empty":         nil,
		"short":         {4},
		"bad signature": []byte("\x04\x0bstreamtypex\x81\xe8\x03"),
		"bad version":   []byte("\x09\x0bstreamtyped\x81\xe8\x03"),
		"plist":         []byte("bplist00\xd4\x01\x02"),
	}
	for name, b := range cases {
		_, err := Parse(b)
		var fe *FormatError
		if !errors.Is(err, ErrNotTypedstream) || !errors.Is(err, ErrMalformed) || !errors.As(err, &fe) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// Every truncation of a valid blob fails cleanly with a FormatError.
	for n := 17; n < len(good); n++ {
		_, err := Parse(good[:n])
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Offset > int64(n) || fe.Offset < 0 || errors.Is(err, ErrNotTypedstream) {
			t.Fatalf("truncated at %d: %v", n, err)
		}
	}
	bad := map[string]string{
		"length beyond data":  "\x84\x01+\x81\xff\x7fabc",
		"bad shared ref":      "\xa0",
		"bad object ref":      "\x84\x01@\xa0",
		"class ref to string": "\x84\x01*\x84\x84\x01x\x84\x01@\x84\x92",
		"NIL type":            "\x85",
		"unknown type":        "\x84\x01^\x00",
		"huge array":          "\x84\x0c[999999999i]\x01",
		"empty struct array":  "\x84\x0f[999999999{a=}]",
		"unterminated struct": "\x84\x04{a=i\x01",
		"reserved tag":        "\x84\x01i\x88",
		"tag as length":       "\x84\x01+\x86",
	}
	hdr := "\x04\x0bstreamtyped\x81\xe8\x03"
	for name, body := range bad {
		_, err := Decode([]byte(hdr + body))
		var fe *FormatError
		if !errors.As(err, &fe) || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// Deep nesting is refused, not a stack overflow.
	var deep bytes.Buffer
	deep.WriteString(hdr + "\x84\x01@")
	deep.WriteString("\x84\x84\x84\x07NSArray\x00\x85\x92")
	for i := 0; i < 2*MaxDepth; i++ {
		deep.WriteString("\x84\x93\x92")
	}
	if _, err := Decode(deep.Bytes()); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("deep nesting: %v", err)
	}
	// Deep type encodings too.
	deepType := strings.Repeat("{a=", 100) + "i" + strings.Repeat("}", 100)
	e := newTSB(false)
	e.sharedStr(deepType)
	if _, err := Decode(e.b); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("deep type: %v", err)
	}
}

// TestFormatErrorShape checks the message and the matching of a
// FormatError: the offset, the file when one is named, and the sentinels
// reached through Unwrap.
func TestFormatErrorShape(t *testing.T) {
	good := simpleBody("hello")
	_, err := Parse(good[:20])
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Offset != 20 || fe.File != "" {
		t.Fatalf("truncated: %#v", err)
	}
	if got := err.Error(); got != "typedstream: offset 20: unexpected end of data" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(fe.Unwrap(), ErrMalformed) || errors.Is(fe.Unwrap(), ErrNotTypedstream) {
		t.Errorf("Unwrap() = %v does not match ErrMalformed alone", fe.Unwrap())
	}
	_, err = Text([]byte("bplist00"))
	if !errors.As(err, &fe) || !errors.Is(err, ErrNotTypedstream) || !errors.Is(err, ErrMalformed) {
		t.Fatalf("not a typedstream: %v", err)
	}
	if got := err.Error(); got != "typedstream: offset 0: too short for a header" {
		t.Errorf("Error() = %q", got)
	}
	named := &FormatError{File: "sms.db", Offset: -1, Err: fe.Err}
	if got := named.Error(); got != "typedstream: sms.db: too short for a header" || !errors.Is(named, ErrNotTypedstream) {
		t.Errorf("named: %q", got)
	}
}

func TestRecover(t *testing.T) {
	// Declared length 157 but only "This is parsing  " follows before the
	// runs (like crabstep ExtraData).
	good := simpleBody("This is parsing  ")
	i := bytes.Index(good, []byte("\x01+\x11This"))
	bad := append(append(append([]byte{}, good[:i+2]...), 0x81, 0x9d, 0x00), good[i+3:]...)
	if _, err := Parse(bad); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Parse(bad) err = %v", err)
	}
	if _, err := Text(bad); err == nil {
		t.Fatal("Text(bad) succeeded")
	}
	s, ok := Recover(bad)
	if !ok || s != "This is parsing  " {
		t.Fatalf("Recover = %q, %v", s, ok)
	}
	// On valid input Recover equals Text.
	if s, ok := Recover(good); !ok || s != "This is parsing  " {
		t.Fatalf("Recover(good) = %q, %v", s, ok)
	}
	if s, ok := Recover([]byte("nothing here")); ok || s != "" {
		t.Fatalf("Recover(garbage) = %q, %v", s, ok)
	}
	// Invalid UTF-8 comes back repaired.
	if s, ok := Recover([]byte("\x01+\x81\xff\x00a\xffb")); !ok || s != "a\uFFFDb" {
		t.Fatalf("Recover(invalid) = %q, %v", s, ok)
	}
}

func TestInvalidUTF8Repaired(t *testing.T) {
	b := simpleBody("a\xffb")
	s, err := Text(b)
	if err != nil || s != "a\uFFFDb" || !utf8.ValidString(s) {
		t.Fatalf("Text = %q, %v", s, err)
	}
}

func TestFuzzCorpusPresent(t *testing.T) {
	ents, err := os.ReadDir(filepath.Join("testdata", "fuzz", "FuzzParse"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) < 10 {
		t.Fatalf("only %d seeds in testdata/fuzz/FuzzParse", len(ents))
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzParse", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("go test fuzz v1\n[]byte(")) {
			t.Fatalf("%s is not a go test fuzz v1 []byte file", e.Name())
		}
	}
}

// seedBlobs are hand-built valid blobs (and a few broken ones) used as the
// fuzz seed corpus.
func seedBlobs() map[string][]byte {
	m := map[string][]byte{
		"simple":  simpleBody("Noter test"),
		"blank":   attributedBody("", nil),
		"unicode": simpleBody("أهلاً 𝖍𝖊𝖑𝖑𝖔 🅱️"),
		"runs": attributedBody("Test Dad ￼", []tRun{
			{length: 5, attrs: map[string]any{AttrMessagePart: 0}},
			{length: 3, attrs: map[string]any{AttrMessagePart: 0, AttrMention: "+15558675309"}},
			{length: 1, reuse: 1},
			{length: 1, attrs: map[string]any{AttrMessagePart: 1, AttrFileTransferGUID: "at_1_X", "w": float32(1.5), "d": []byte{1, 2}}},
		}),
		"long": simpleBody(strings.Repeat("x", 300)),
	}
	e := newTSB(true)
	e.objGroup()
	e.object(chArray, func() {
		e.sharedStr("i")
		e.int(5)
		e.objGroup()
		e.nsNumberInt(-9000000000)
		e.objGroup()
		e.nsDate(1.5)
		e.objGroup()
		e.nsURL("https://example.com/")
		e.objGroup()
		e.dict(map[string]any{"k": "v"})
		e.objGroup()
		e.ref(0)
	})
	m["bigendian"] = e.b
	t := newTSB(false)
	t.objGroup()
	t.object([]any{"Custom", 3, "NSObject", 0}, func() {
		t.sharedStr("[2{P=dd}][3c]:#*%")
		t.int(1)
		t.int(2)
		t.int(3)
		t.int(4)
		t.raw('a', 'b', 'c')
		t.sharedStr("sel")
		t.class("Foo", 1, "NSObject", 0)
		t.cstr("c")
		t.sharedStr("atom")
	})
	m["types"] = t.b
	simple := m["simple"]
	m["truncated"] = simple[:100]
	runs := m["runs"]
	for _, n := range []int{40, 150, 260, len(runs) - 1} {
		m[fmt.Sprintf("runs-trunc-%d", n)] = runs[:n]
	}
	m["selfclass"] = []byte("\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x03Foo\x00\x93\x86")
	m["nsstring"] = []byte("\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x08NSString\x01\x84\x84\x08NSObject\x00\x85\x84\x01+\x02Hi\x86")
	bad := append([]byte{}, simple...)
	i := bytes.Index(bad, []byte("\x01+\x0a"))
	bad[i+2] = 0x7f
	m["extradata"] = bad
	return m
}

// TestWriteFuzzSeeds regenerates testdata/fuzz/FuzzParse when
// TYPEDSTREAM_WRITE_SEEDS=1.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("TYPEDSTREAM_WRITE_SEEDS") != "1" {
		t.Skip("set TYPEDSTREAM_WRITE_SEEDS=1 to regenerate the seed corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range seedBlobs() {
		data := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, b := range seedBlobs() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		as, perr := Parse(b)
		s, terr := Text(b)
		// Text stops once the text is known, so damage after it (in the
		// attribute runs) fails Parse but not Text; the reverse must not
		// happen.
		if perr == nil && terr != nil {
			t.Fatalf("Parse succeeded but Text err %v", terr)
		}
		if terr == nil && !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 %q", s)
		}
		// The canonical-layout shortcut agrees with the decoder.
		if cs, ok := canonicalText(b); ok {
			if fs, fok := fastText(b); !fok || fs != cs {
				t.Fatalf("canonicalText %q, fastText %q (ok %v)", cs, fs, fok)
			}
		}
		if perr != nil && terr == nil {
			if full, ok := fullText(b); ok && full != s {
				t.Fatalf("fast text %q differs from the full decode's %q", s, full)
			}
		}
		if perr == nil {
			if as.Text != s {
				t.Fatalf("Parse text %q != Text %q", as.Text, s)
			}
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
			for _, r := range as.Runs {
				_ = as.RunText(r)
			}
			_ = as.AttachmentGUIDs()
			_ = as.Mentions()
			_ = as.Links()
		} else {
			var fe *FormatError
			if !errors.As(perr, &fe) && !errors.Is(perr, ErrNoText) {
				t.Fatalf("untyped error %v", perr)
			}
		}
		if vals, err := Decode(b); err == nil {
			for _, v := range vals {
				_ = Native(v)
			}
		}
		if r, ok := Recover(b); ok && !utf8.ValidString(r) {
			t.Fatalf("Recover returned invalid UTF-8 %q", r)
		} else if !ok && r != "" {
			t.Fatalf("Recover failed but returned %q", r)
		}
	})
}

func BenchmarkText(b *testing.B) {
	blob := attributedBody("Hey! Are we still on for lunch at 12:30? I'll bring the ￼ photos.", []tRun{
		{length: 55, attrs: map[string]any{AttrMessagePart: 0}},
		{length: 1, attrs: map[string]any{AttrMessagePart: 1, AttrFileTransferGUID: "at_1_2E5F12C3-E649-48AA-954D-3EA67C016BCC"}},
		{length: 8, attrs: map[string]any{AttrMessagePart: 2}},
	})
	b.SetBytes(int64(len(blob)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Text(blob); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	blob := simpleBody("Hey! Are we still on for lunch at 12:30?")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(blob); err != nil {
			b.Fatal(err)
		}
	}
}

// fullText is Text without the fast path, tolerating an error after the
// root string.
func fullText(b []byte) (string, bool) {
	vals, err := Decode(b)
	if err != nil {
		return "", false
	}
	return rootString(vals)
}

// TestCanonicalText: the shortcut reads the canonical layout with 1-,
// 2- and 4-byte lengths as the decoder does, and declines a length that
// runs past the end, a NIL string and other layouts.
func TestCanonicalText(t *testing.T) {
	tail := "\x86\x84\x02iI\x01\x05\x86\x86"
	cases := []struct {
		name string
		body string
		ok   bool
		want string
	}{
		{"short", "\x05Hello" + tail, true, "Hello"},
		{"int16", "\x81\x2c\x01" + strings.Repeat("é", 150) + tail, true, strings.Repeat("é", 150)},
		{"int32", "\x82\x03\x00\x00\x00abc" + tail, true, "abc"},
		{"empty", "\x00" + tail, true, ""},
		{"past the end", "\x40abc", false, ""},
		{"no END after the text", "\x03abc", false, ""},
		{"another value before END", "\x03abc\x84\x01i\x05\x86", false, ""},
		{"int16 cut", "\x81\x05", false, ""},
		{"nil", "\x85" + tail, false, ""},
		{"invalid UTF-8", "\x02\xff\xfe" + tail, true, "\uFFFD"},
	}
	for i, pre := range canonicalPrefixes {
		for _, c := range cases {
			b := append(append([]byte{}, pre...), c.body...)
			got, ok := canonicalText(b)
			if ok != c.ok || got != c.want {
				t.Errorf("prefix %d %s: canonicalText = %q, %v; want %q, %v", i, c.name, got, ok, c.want, c.ok)
			}
			if ok {
				if fs, fok := fastText(b); !fok || fs != got {
					t.Errorf("prefix %d %s: fastText = %q, %v", i, c.name, fs, fok)
				}
			}
		}
	}
	// The test builder writes the mutable layout.
	if s, ok := canonicalText(simpleBody("Noter test")); !ok || s != "Noter test" {
		t.Errorf("builder body: %q, %v", s, ok)
	}
}

func BenchmarkTextCanonical(b *testing.B) {
	blob := append(append([]byte{}, canonicalPrefixes[0]...), "\x3bHey! Are we still on for lunch at 12:30? I'll bring photos.\x86\x86"...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Text(blob); err != nil {
			b.Fatal(err)
		}
	}
}
