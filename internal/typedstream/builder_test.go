package typedstream

import (
	"encoding/binary"
	"math"
	"sort"
)

// tsb builds typedstream bytes by hand (docs/FORMAT.md §11) for tests and seeds.
type tsb struct {
	b       []byte
	order   binary.AppendByteOrder
	shared  map[string]int
	classes map[string]int
	nobj    int
}

func newTSB(bigEndian bool) *tsb {
	e := &tsb{order: binary.LittleEndian, shared: map[string]int{}, classes: map[string]int{}}
	sig := "streamtyped"
	if bigEndian {
		e.order = binary.BigEndian
		sig = "typedstream"
	}
	e.b = append(e.b, 4, byte(len(sig)))
	e.b = append(e.b, sig...)
	e.int(1000)
	return e
}

func (e *tsb) raw(p ...byte) *tsb { e.b = append(e.b, p...); return e }

// int writes a signed integer with the shortest encoding.
func (e *tsb) int(v int64) {
	switch {
	case v >= -110 && v <= 127:
		e.b = append(e.b, byte(int8(v)))
	case v >= math.MinInt16 && v <= math.MaxInt16:
		e.b = append(e.b, tagInt16)
		e.b = e.order.AppendUint16(e.b, uint16(v))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		e.b = append(e.b, tagInt32)
		e.b = e.order.AppendUint32(e.b, uint32(v))
	default:
		e.b = append(e.b, tagInt64)
		e.b = e.order.AppendUint64(e.b, uint64(v))
	}
}

// uint writes an unsigned integer (lengths).
func (e *tsb) uint(v int) {
	switch {
	case v < 128:
		e.b = append(e.b, byte(v))
	case v <= math.MaxUint16:
		e.b = append(e.b, tagInt16)
		e.b = e.order.AppendUint16(e.b, uint16(v))
	default:
		e.b = append(e.b, tagInt32)
		e.b = e.order.AppendUint32(e.b, uint32(v))
	}
}

func (e *tsb) ref(idx int) { e.int(int64(idx - refBias)) }

func (e *tsb) unshared(s string) { e.uint(len(s)); e.b = append(e.b, s...) }

func (e *tsb) sharedStr(s string) {
	if i, ok := e.shared[s]; ok {
		e.ref(i)
		return
	}
	e.b = append(e.b, tagNew)
	e.unshared(s)
	e.shared[s] = len(e.shared)
}

// class writes a class chain; each element is name and version.
func (e *tsb) class(chain ...any) {
	for i := 0; i+1 < len(chain); i += 2 {
		name := chain[i].(string)
		if n, ok := e.classes[name]; ok {
			e.ref(n)
			return
		}
		e.b = append(e.b, tagNew)
		e.classes[name] = e.nobj
		e.nobj++
		e.sharedStr(name)
		e.int(int64(chain[i+1].(int)))
	}
	e.b = append(e.b, tagNil)
}

// object writes NEW, the class chain, the body and END; it returns the
// object number.
func (e *tsb) object(chain []any, body func()) int {
	e.b = append(e.b, tagNew)
	n := e.nobj
	e.nobj++
	e.class(chain...)
	body()
	e.b = append(e.b, tagEnd)
	return n
}

var (
	chString   = []any{"NSString", 1, "NSObject", 0}
	chMString  = []any{"NSMutableString", 1, "NSString", 1, "NSObject", 0}
	chNumber   = []any{"NSNumber", 0, "NSValue", 0, "NSObject", 0}
	chDict     = []any{"NSDictionary", 0, "NSObject", 0}
	chArray    = []any{"NSArray", 0, "NSObject", 0}
	chData     = []any{"NSData", 0, "NSObject", 0}
	chDate     = []any{"NSDate", 0, "NSObject", 0}
	chURL      = []any{"NSURL", 0, "NSObject", 0}
	chMAttrStr = []any{"NSMutableAttributedString", 0, "NSAttributedString", 0, "NSObject", 0}
)

// objGroup starts a '@' group.
func (e *tsb) objGroup() { e.sharedStr("@") }

func (e *tsb) nsString(chain []any, s string) int {
	return e.object(chain, func() { e.sharedStr("+"); e.unshared(s) })
}

// cstr writes a literal C string (object numbered).
func (e *tsb) cstr(s string) { e.b = append(e.b, tagNew); e.nobj++; e.sharedStr(s) }

func (e *tsb) nsNumberInt(v int64) int {
	return e.object(chNumber, func() {
		t := "q"
		if v >= math.MinInt32 && v <= math.MaxInt32 {
			t = "i"
		}
		e.sharedStr("*")
		e.cstr(t)
		e.sharedStr(t)
		e.int(v)
	})
}

func (e *tsb) nsNumberFloat(v float32) int {
	return e.object(chNumber, func() {
		e.sharedStr("*")
		e.cstr("f")
		e.sharedStr("f")
		e.b = append(e.b, tagFloat)
		e.b = e.order.AppendUint32(e.b, math.Float32bits(v))
	})
}

func (e *tsb) nsDate(sec float64) int {
	return e.object(chDate, func() {
		e.sharedStr("d")
		e.b = append(e.b, tagFloat)
		e.b = e.order.AppendUint64(e.b, math.Float64bits(sec))
	})
}

func (e *tsb) nsData(p []byte) int {
	return e.object(chData, func() {
		e.sharedStr("i")
		e.int(int64(len(p)))
		e.sharedStr("[" + itoa(len(p)) + "c]")
		e.b = append(e.b, p...)
	})
}

func (e *tsb) nsURL(s string) int {
	return e.object(chURL, func() {
		e.sharedStr("c")
		e.b = append(e.b, 0)
		e.objGroup()
		e.nsString(chString, s)
	})
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}

// value writes one attribute value as an object (strings, ints, float32,
// []byte, refObj back-references).
type refObj int

func (e *tsb) value(v any) {
	switch x := v.(type) {
	case string:
		e.nsString(chString, x)
	case int:
		e.nsNumberInt(int64(x))
	case int64:
		e.nsNumberInt(x)
	case float32:
		e.nsNumberFloat(x)
	case []byte:
		e.nsData(x)
	case refObj:
		e.ref(int(x))
	case nil:
		e.b = append(e.b, tagNil)
	default:
		panic("tsb: unsupported value")
	}
}

func (e *tsb) dict(m map[string]any) int {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return e.object(chDict, func() {
		e.sharedStr("i")
		e.int(int64(len(keys)))
		for _, k := range keys {
			e.objGroup()
			e.nsString(chString, k)
			e.objGroup()
			e.value(m[k])
		}
	})
}

type tRun struct {
	length int
	attrs  map[string]any
	reuse  int // >0: reuse run id instead of writing attrs
}

// attributedBody builds a NSMutableAttributedString blob like Messages does.
func attributedBody(text string, runs []tRun) []byte {
	e := newTSB(false)
	e.objGroup()
	e.object(chMAttrStr, func() {
		e.objGroup()
		e.nsString(chMString, text)
		next := 1
		for _, r := range runs {
			e.sharedStr("iI")
			if r.reuse > 0 {
				e.int(int64(r.reuse))
				e.uint(r.length)
				continue
			}
			e.int(int64(next))
			next++
			e.uint(r.length)
			e.objGroup()
			e.dict(r.attrs)
		}
	})
	return e.b
}

// simpleBody mirrors docs/FORMAT.md §11.6: one run covering the text with
// __kIMMessagePartAttributeName = 0.
func simpleBody(text string) []byte {
	return attributedBody(text, []tRun{{length: utf16Count(text), attrs: map[string]any{AttrMessagePart: 0}}})
}

func utf16Count(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}
