package export

import (
	"bufio"
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// JSONL writes one JSON object per line for each record of seq, as
// spec/CLI.md describes. Field names, omitempty and "-" come from the
// records' json tags, so the output matches encoding/json except that:
//
//   - time.Time and *time.Time render as RFC 3339 UTC with milliseconds
//     ("2023-05-01T09:30:12.345Z"); nil pointers and zero times as null;
//   - nil slices render as [] (so consumers can always iterate), nil
//     []byte as null;
//   - NaN and infinite floats render as null instead of failing;
//   - <, > and & are not escaped to \u003c etc. (the output is not HTML).
//
// A record that cannot be encoded, a nil record and an error from seq are
// counted in Stats.Failed and skipped. The returned error joins the row
// errors and, when writing to w failed (ErrOutput), that failure; the
// export stops at the first write failure.
func JSONL[T any](w io.Writer, seq iter.Seq2[*T, error]) (Stats, error) {
	var st Stats
	enc := encoderFor(reflect.TypeFor[T]())
	bw := bufio.NewWriterSize(w, 64<<10)
	buf := make([]byte, 0, 2048)
	i := -1
	for rec, err := range seq {
		i++
		if err != nil {
			st.fail(i, err)
			continue
		}
		if rec == nil {
			st.fail(i, ErrNilRecord)
			continue
		}
		var encErr error
		buf, encErr = enc(buf[:0], reflect.ValueOf(rec).Elem())
		if encErr != nil {
			st.fail(i, encErr)
			continue
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return st, st.result(err)
		}
		st.Written++
		if cap(buf) > 1<<20 { // don't keep a huge buffer after one big record
			buf = make([]byte, 0, 2048)
		}
	}
	if err := bw.Flush(); err != nil {
		return st, st.result(err)
	}
	return st, st.result(nil)
}

// encFunc appends the JSON form of v to b.
type encFunc func(b []byte, v reflect.Value) ([]byte, error)

var (
	encCache          sync.Map // reflect.Type → encFunc
	timeType          = reflect.TypeFor[time.Time]()
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// errUnsupported is returned for values JSON cannot hold (chan, func,
// complex).
var errUnsupported = errors.New("export: unsupported type for JSON")

// encoderFor returns the cached encoder of t, building it once. Recursive
// types get a forwarding stub while their encoder is being built.
func encoderFor(t reflect.Type) encFunc {
	if f, ok := encCache.Load(t); ok {
		return f.(encFunc)
	}
	var (
		wg   sync.WaitGroup
		real encFunc
	)
	wg.Add(1)
	stub := encFunc(func(b []byte, v reflect.Value) ([]byte, error) {
		wg.Wait()
		return real(b, v)
	})
	if f, loaded := encCache.LoadOrStore(t, stub); loaded {
		return f.(encFunc)
	}
	real = newEncoder(t)
	wg.Done()
	encCache.Store(t, real)
	return real
}

func newEncoder(t reflect.Type) encFunc {
	if t == timeType {
		return encodeTime
	}
	if t.Kind() != reflect.Pointer {
		if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
			return encodeMarshaler
		}
		if t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType) {
			return encodeTextMarshaler
		}
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(b []byte, v reflect.Value) ([]byte, error) { return strconv.AppendBool(b, v.Bool()), nil }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(b []byte, v reflect.Value) ([]byte, error) { return strconv.AppendInt(b, v.Int(), 10), nil }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(b []byte, v reflect.Value) ([]byte, error) { return strconv.AppendUint(b, v.Uint(), 10), nil }
	case reflect.Float32, reflect.Float64:
		bits := t.Bits()
		return func(b []byte, v reflect.Value) ([]byte, error) { return appendFloat(b, v.Float(), bits), nil }
	case reflect.String:
		return func(b []byte, v reflect.Value) ([]byte, error) { return appendJSONString(b, v.String()), nil }
	case reflect.Pointer:
		elem := encoderFor(t.Elem())
		return func(b []byte, v reflect.Value) ([]byte, error) {
			if v.IsNil() {
				return append(b, "null"...), nil
			}
			return elem(b, v.Elem())
		}
	case reflect.Interface:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			if v.IsNil() {
				return append(b, "null"...), nil
			}
			e := v.Elem()
			return encoderFor(e.Type())(b, e)
		}
	case reflect.Struct:
		return newStructEncoder(t)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !t.Elem().Implements(marshalerType) {
			return encodeBytes
		}
		elem := encoderFor(t.Elem())
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return encodeList(b, v, elem)
		}
	case reflect.Array:
		elem := encoderFor(t.Elem())
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return encodeList(b, v, elem)
		}
	case reflect.Map:
		if t.Key().Kind() == reflect.String {
			elem := encoderFor(t.Elem())
			return func(b []byte, v reflect.Value) ([]byte, error) {
				return encodeStringMap(b, v, elem)
			}
		}
		return encodeFallback
	default:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return b, fmt.Errorf("%w: %s", errUnsupported, v.Type())
		}
	}
}

func encodeTime(b []byte, v reflect.Value) ([]byte, error) {
	var t time.Time
	if v.CanAddr() {
		t = *v.Addr().Interface().(*time.Time) // no allocation
	} else {
		t = v.Interface().(time.Time)
	}
	if t.IsZero() {
		return append(b, "null"...), nil
	}
	b = append(b, '"')
	b = appendTime(b, t)
	return append(b, '"'), nil
}

// methodReceiver returns v or its address, whichever has the method set
// holding iface.
func methodReceiver(v reflect.Value, iface reflect.Type) (any, bool) {
	if v.Type().Implements(iface) {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return nil, false
		}
		return v.Interface(), true
	}
	if v.CanAddr() {
		return v.Addr().Interface(), true
	}
	// Not addressable: copy to make the pointer method reachable.
	p := reflect.New(v.Type())
	p.Elem().Set(v)
	return p.Interface(), true
}

func encodeMarshaler(b []byte, v reflect.Value) ([]byte, error) {
	m, ok := methodReceiver(v, marshalerType)
	if !ok {
		return append(b, "null"...), nil
	}
	out, err := m.(json.Marshaler).MarshalJSON()
	if err != nil {
		return b, fmt.Errorf("export: %s: %w", v.Type(), err)
	}
	var c bytes.Buffer
	if err := json.Compact(&c, out); err != nil {
		return b, fmt.Errorf("export: %s: %w", v.Type(), err)
	}
	return append(b, c.Bytes()...), nil
}

func encodeTextMarshaler(b []byte, v reflect.Value) ([]byte, error) {
	m, ok := methodReceiver(v, textMarshalerType)
	if !ok {
		return append(b, "null"...), nil
	}
	out, err := m.(encoding.TextMarshaler).MarshalText()
	if err != nil {
		return b, fmt.Errorf("export: %s: %w", v.Type(), err)
	}
	return appendJSONString(b, string(out)), nil
}

func encodeFallback(b []byte, v reflect.Value) ([]byte, error) {
	out, err := json.Marshal(v.Interface())
	if err != nil {
		return b, fmt.Errorf("export: %w", err)
	}
	return append(b, out...), nil
}

func encodeBytes(b []byte, v reflect.Value) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	raw := v.Bytes()
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, raw)
	return append(b, '"'), nil
}

func encodeList(b []byte, v reflect.Value, elem encFunc) ([]byte, error) {
	b = append(b, '[')
	n := v.Len()
	var err error
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = elem(b, v.Index(i)); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

func encodeStringMap(b []byte, v reflect.Value, elem encFunc) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, c reflect.Value) int { return strings.Compare(a.String(), c.String()) })
	b = append(b, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k.String())
		b = append(b, ':')
		if b, err = elem(b, v.MapIndex(k)); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// field is one JSON member of a struct.
type field struct {
	index     []int  // path through embedded structs
	key       []byte // `"name":`
	omitEmpty bool
	enc       encFunc
}

func newStructEncoder(t reflect.Type) encFunc {
	fields := structFields(t, nil)
	return func(b []byte, v reflect.Value) ([]byte, error) {
		b = append(b, '{')
		first := true
		var err error
	next:
		for i := range fields {
			f := &fields[i]
			fv := v
			for _, x := range f.index {
				if fv.Kind() == reflect.Pointer {
					if fv.IsNil() {
						continue next
					}
					fv = fv.Elem()
				}
				fv = fv.Field(x)
			}
			if f.omitEmpty && isEmptyValue(fv) {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, f.key...)
			if b, err = f.enc(b, fv); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
}

// structFields lists the JSON members of t, flattening untagged embedded
// structs (their fields come in place; no Go-style conflict resolution).
func structFields(t reflect.Type, prefix []int) []field {
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := sf.Type
		if sf.Anonymous && name == "" {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				out = append(out, structFields(et, append(slices.Clone(prefix), i))...)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		key := appendJSONString(nil, name)
		key = append(key, ':')
		out = append(out, field{
			index:     append(slices.Clone(prefix), i),
			key:       key,
			omitEmpty: strings.Contains(","+opts+",", ",omitempty,"),
			enc:       encoderFor(ft),
		})
	}
	return out
}

func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// appendFloat formats f like encoding/json (shortest representation,
// exponent form outside [1e-6, 1e21)); NaN and ±Inf become null.
func appendFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' { // e-09 → e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD; U+2028 and U+2029 are escaped so the line is also valid
// JavaScript.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
