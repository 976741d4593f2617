package dbfixture

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"
)

// Attribute names of iMessage attributedBody runs.
const (
	AttrMessagePart  = "__kIMMessagePartAttributeName"
	AttrFileTransfer = "__kIMFileTransferGUIDAttributeName"
)

// AttributedBody returns a typedstream ("streamtyped") archive of an
// NSMutableAttributedString holding text, laid out as Messages writes an
// attributedBody (docs/FORMAT.md §11.6): the NSMutableString, then one attribute
// run per message part. Every U+FFFC in text is its own part and carries
// the next of attachmentGUIDs as __kIMFileTransferGUIDAttributeName; the
// text between them forms the other parts. Every run has a
// __kIMMessagePartAttributeName NSNumber. For a text without U+FFFC the
// output is byte-for-byte what Messages writes for a plain message.
func AttributedBody(text string, attachmentGUIDs ...string) []byte {
	w := newTSWriter()
	w.object() // the NSMutableAttributedString
	w.class("NSMutableAttributedString", 0, "NSAttributedString", 0, "NSObject", 0)
	w.nsString("NSMutableString", text)

	part := 0
	runID := 0
	emit := func(seg string, guid string) {
		runID++
		w.shared("iI")
		w.int(int64(runID))
		w.int(int64(len(utf16.Encode([]rune(seg)))))
		var keys []string
		var vals []any
		if guid != "" {
			keys, vals = append(keys, AttrFileTransfer), append(vals, guid)
		}
		keys, vals = append(keys, AttrMessagePart), append(vals, int64(part))
		w.dict(keys, vals)
		part++
	}
	rest := text
	guids := attachmentGUIDs
	for rest != "" {
		i := strings.IndexRune(rest, '\uFFFC')
		switch {
		case i < 0:
			emit(rest, "")
			rest = ""
		case i > 0:
			emit(rest[:i], "")
			rest = rest[i:]
		default:
			g := ""
			if len(guids) > 0 {
				g, guids = guids[0], guids[1:]
			}
			emit("\uFFFC", g)
			rest = rest[len("\uFFFC"):]
		}
	}
	w.b = append(w.b, tsEnd)
	return w.b
}

const (
	tsInt16 = 0x81
	tsInt32 = 0x82
	tsNew   = 0x84
	tsNil   = 0x85
	tsEnd   = 0x86
	tsRef0  = 110 // reference r encodes index r-110... see ref
)

// tsWriter writes a little-endian typedstream, version 4, system 1000.
type tsWriter struct {
	b       []byte
	shareds map[string]int // shared-string table
	nShared int
	classes map[string]int // object-table index of each class written
	cstrs   map[string]int // object-table index of each C string written
	nObj    int
}

func newTSWriter() *tsWriter {
	w := &tsWriter{shareds: map[string]int{}, classes: map[string]int{}, cstrs: map[string]int{}}
	w.b = append(w.b, 0x04, 0x0B)
	w.b = append(w.b, "streamtyped"...)
	w.int(1000)
	return w
}

// int writes a signed integer in the shortest form.
func (w *tsWriter) int(v int64) {
	switch {
	case v >= -110 && v <= 127:
		w.b = append(w.b, byte(int8(v)))
	case v >= -32768 && v <= 32767:
		w.b = append(w.b, tsInt16)
		w.b = binary.LittleEndian.AppendUint16(w.b, uint16(int16(v)))
	default:
		w.b = append(w.b, tsInt32)
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(int32(v)))
	}
}

// length writes an unsigned length.
func (w *tsWriter) length(n int) {
	if n < 0x80 {
		w.b = append(w.b, byte(n))
		return
	}
	w.int(int64(n))
}

// ref writes a reference to table index i.
func (w *tsWriter) ref(i int) { w.int(int64(i) - tsRef0) }

func (w *tsWriter) shared(s string) {
	if i, ok := w.shareds[s]; ok {
		w.ref(i)
		return
	}
	w.b = append(w.b, tsNew)
	w.length(len(s))
	w.b = append(w.b, s...)
	w.shareds[s] = w.nShared
	w.nShared++
}

func (w *tsWriter) object() {
	w.shared("@")
	w.b = append(w.b, tsNew)
	w.nObj++
}

// class writes a class chain given as name, version pairs, most derived
// first; it stops at the first class already written.
func (w *tsWriter) class(chain ...any) {
	for i := 0; i+1 < len(chain); i += 2 {
		name := chain[i].(string)
		if idx, ok := w.classes[name]; ok {
			w.ref(idx)
			return
		}
		w.b = append(w.b, tsNew)
		w.classes[name] = w.nObj
		w.nObj++
		w.shared(name)
		w.int(int64(chain[i+1].(int)))
	}
	w.b = append(w.b, tsNil)
}

func (w *tsWriter) nsString(class, s string) {
	w.object()
	if class == "NSMutableString" {
		w.class("NSMutableString", 1, "NSString", 1, "NSObject", 0)
	} else {
		w.class("NSString", 1, "NSObject", 0)
	}
	w.shared("+")
	w.length(len(s))
	w.b = append(w.b, s...)
	w.b = append(w.b, tsEnd)
}

func (w *tsWriter) cstring(s string) {
	if idx, ok := w.cstrs[s]; ok {
		w.ref(idx)
		return
	}
	w.b = append(w.b, tsNew)
	w.cstrs[s] = w.nObj
	w.nObj++
	w.shared(s)
}

func (w *tsWriter) number(v int64) {
	w.object()
	w.class("NSNumber", 0, "NSValue", 0, "NSObject", 0)
	w.shared("*")
	w.cstring("i")
	w.shared("i")
	w.int(v)
	w.b = append(w.b, tsEnd)
}

func (w *tsWriter) value(v any) {
	switch v := v.(type) {
	case string:
		w.nsString("NSString", v)
	case int64:
		w.number(v)
	}
}

func (w *tsWriter) dict(keys []string, vals []any) {
	w.object()
	w.class("NSDictionary", 0, "NSObject", 0)
	w.shared("i")
	w.int(int64(len(keys)))
	for i, k := range keys {
		w.nsString("NSString", k)
		w.value(vals[i])
	}
	w.b = append(w.b, tsEnd)
}
