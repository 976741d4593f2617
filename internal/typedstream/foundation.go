package typedstream

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// cocoaEpoch is 2001-01-01T00:00:00Z, the NSDate reference date.
var cocoaEpoch = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)

// Native converts a decoded value into plain Go values, interpreting the
// Foundation classes it knows:
//
//	NSString, NSMutableString              → string
//	NSAttributedString (and mutable)       → *AttributedString
//	NSNumber                               → int64, uint64, float64 or bool ('B' only;
//	                                         NSArchiver stores BOOL as 'c' → int64 0/1)
//	NSArray, NSMutableArray, NSSet, ...    → []any
//	NSDictionary, NSMutableDictionary      → map[string]any (non-string keys are formatted with %v)
//	NSData, NSMutableData                  → []byte
//	NSDate                                 → time.Time (UTC)
//	NSURL                                  → string (absolute when it has a base URL)
//	NSNull                                 → nil
//	any other class                        → map[string]any{"$class": name, "$values": []any{...}}
//
// Shared objects are converted once (the result is shared too); a reference
// cycle is cut by returning nil where an object would contain itself.
func Native(v any) any {
	c := newConverter()
	return c.native(v, 0)
}

type converter struct {
	done       map[*Object]any
	inProgress map[*Object]bool
}

func newConverter() *converter {
	return &converter{done: map[*Object]any{}, inProgress: map[*Object]bool{}}
}

func (c *converter) native(v any, depth int) any {
	if depth > MaxDepth {
		return nil
	}
	switch x := v.(type) {
	case *Object:
		if x == nil {
			return nil
		}
		if r, ok := c.done[x]; ok {
			return r
		}
		if c.inProgress[x] {
			return nil
		}
		c.inProgress[x] = true
		r := c.object(x, depth)
		delete(c.inProgress, x)
		c.done[x] = r
		return r
	case *Class:
		if x == nil {
			return nil
		}
		return x.Name
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = c.native(e, depth+1)
		}
		return out
	case Struct:
		out := make([]any, len(x.Fields))
		for i, e := range x.Fields {
			out[i] = c.native(e, depth+1)
		}
		return out
	}
	return v
}

// count returns the leading element count of a collection object.
func collectionCount(o *Object) (int, bool) {
	if len(o.Values) == 0 {
		return 0, false
	}
	switch n := o.Values[0].(type) {
	case int64:
		if n >= 0 && int(n) <= len(o.Values)-1 {
			return int(n), true
		}
	}
	return 0, false
}

func (c *converter) object(o *Object, depth int) any {
	switch {
	case o.Is("NSAttributedString"):
		if s, err := c.attributed(o, depth); err == nil {
			return s
		}
	case o.Is("NSString"):
		if s, ok := objectString(o); ok {
			return s
		}
	case o.Is("NSNumber"):
		if v, ok := numberValue(o); ok {
			return v
		}
	case o.Is("NSDictionary"):
		if n, ok := collectionCount(o); ok && 1+2*n <= len(o.Values) {
			m := make(map[string]any, n)
			for i := 0; i < n; i++ {
				k := c.native(o.Values[1+2*i], depth+1)
				val := c.native(o.Values[2+2*i], depth+1)
				ks, ok := k.(string)
				if !ok {
					ks = fmt.Sprintf("%v", k)
				}
				m[ks] = val
			}
			return m
		}
	case o.Is("NSArray"), o.Is("NSSet"), o.Is("NSOrderedSet"), o.Is("NSCountedSet"):
		if n, ok := collectionCount(o); ok {
			out := make([]any, n)
			for i := 0; i < n; i++ {
				out[i] = c.native(o.Values[1+i], depth+1)
			}
			return out
		}
	case o.Is("NSData"):
		if len(o.Values) >= 2 {
			if p, ok := o.Values[1].([]byte); ok {
				return p
			}
		}
		if n, ok := collectionCount(o); ok && n == 0 {
			return []byte{}
		}
	case o.Is("NSDate"):
		if len(o.Values) == 1 {
			if f, ok := o.Values[0].(float64); ok {
				return cocoaTime(f)
			}
		}
	case o.Is("NSURL"):
		if u, ok := c.url(o, depth); ok {
			return u
		}
	case o.Is("NSNull"):
		return nil
	}
	vals := make([]any, len(o.Values))
	for i, e := range o.Values {
		vals[i] = c.native(e, depth+1)
	}
	return map[string]any{"$class": o.Class, "$values": vals}
}

// cocoaTime converts seconds since 2001-01-01 into a UTC time, rounded to
// the microsecond (a float64 carries about that much precision).
func cocoaTime(f float64) time.Time {
	const maxSec = 1 << 40 // keep the Duration arithmetic in range
	if f != f || f > maxSec || f < -maxSec {
		return time.Time{}
	}
	sec := int64(f)
	frac := f - float64(sec)
	us := int64(frac*1e6 + 0.5)
	if frac < 0 {
		us = int64(frac*1e6 - 0.5)
	}
	return cocoaEpoch.Add(time.Duration(sec) * time.Second).Add(time.Duration(us) * time.Microsecond)
}

func (c *converter) url(o *Object, depth int) (string, bool) {
	// Layout: group c (has base), [group @ base], group @ NSString.
	if len(o.Values) < 2 {
		return "", false
	}
	rel, ok := o.Values[0].(int64)
	if !ok {
		return "", false
	}
	var base string
	i := 1
	if rel != 0 {
		if len(o.Values) < 3 {
			return "", false
		}
		if b, ok := c.native(o.Values[1], depth+1).(string); ok {
			base = b
		}
		i = 2
	}
	s, ok := c.native(o.Values[i], depth+1).(string)
	if !ok {
		return "", false
	}
	if base == "" {
		return s, true
	}
	bu, err1 := url.Parse(base)
	ru, err2 := url.Parse(s)
	if err1 != nil || err2 != nil {
		return base + s, true
	}
	return bu.ResolveReference(ru).String(), true
}

// objectString returns the string payload of an NSString object.
func objectString(o *Object) (string, bool) {
	for _, v := range o.Values {
		if s, ok := v.(string); ok {
			return s, true
		}
	}
	return "", false
}

// numberValue interprets an NSNumber: group '*' with the ObjC type, then a
// group holding the value.
func numberValue(o *Object) (any, bool) {
	if len(o.Groups) < 2 || len(o.Groups[1].Values) != 1 {
		return nil, false
	}
	v := o.Groups[1].Values[0]
	switch x := v.(type) {
	case int64, uint64, float64, bool:
		return x, true
	}
	return nil, false
}

// attributed interprets an NSAttributedString object.
func (c *converter) attributed(o *Object, depth int) (*AttributedString, error) {
	if len(o.Groups) == 0 || len(o.Groups[0].Values) != 1 {
		return nil, ErrNoText
	}
	as := &AttributedString{}
	switch s := o.Groups[0].Values[0].(type) {
	case *Object:
		str, ok := objectString(s)
		if !ok {
			return nil, ErrNoText
		}
		as.Text = validUTF8(str)
	case string:
		as.Text = validUTF8(s)
	default:
		return nil, ErrNoText
	}
	if c == nil {
		return as, nil
	}
	dicts := map[int64]map[string]any{}
	pos := 0
	gs := o.Groups
	for i := 1; i < len(gs); i++ {
		g := gs[i]
		if len(g.Values) != 2 {
			continue
		}
		id, ok1 := g.Values[0].(int64)
		length, ok2 := g.Values[1].(int64)
		if !ok1 || !ok2 || length < 0 {
			continue
		}
		attrs, known := dicts[id]
		if i+1 < len(gs) && gs[i+1].Type == "@" && len(gs[i+1].Values) == 1 {
			i++
			m, _ := c.native(gs[i].Values[0], depth+1).(map[string]any)
			if !known {
				dicts[id] = m
			}
			attrs = m
		}
		as.Runs = append(as.Runs, Run{Start: pos, Length: int(length), Attributes: attrs})
		pos += int(length)
	}
	return as, nil
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// rootString finds the main string of an archive: the string of a root
// NSAttributedString or NSString, else the first NSString found depth first.
func rootString(vals []any) (string, bool) {
	for _, v := range vals {
		if o, ok := v.(*Object); ok && o != nil {
			if o.Is("NSAttributedString") {
				if as, err := (*converter)(nil).attributed(o, 0); err == nil {
					return as.Text, true
				}
			}
		}
	}
	seen := map[*Object]bool{}
	var walk func(v any, depth int) (string, bool)
	walk = func(v any, depth int) (string, bool) {
		if depth > MaxDepth {
			return "", false
		}
		switch x := v.(type) {
		case *Object:
			if x == nil || seen[x] {
				return "", false
			}
			seen[x] = true
			if x.Is("NSString") {
				if s, ok := objectString(x); ok {
					return validUTF8(s), true
				}
			}
			for _, e := range x.Values {
				if s, ok := walk(e, depth+1); ok {
					return s, true
				}
			}
		case []any:
			for _, e := range x {
				if s, ok := walk(e, depth+1); ok {
					return s, true
				}
			}
		case Struct:
			for _, e := range x.Fields {
				if s, ok := walk(e, depth+1); ok {
					return s, true
				}
			}
		}
		return "", false
	}
	for _, v := range vals {
		if s, ok := walk(v, 0); ok {
			return s, true
		}
	}
	return "", false
}

// Recover is a best-effort fallback for blobs that Parse rejects (for
// example a declared string length that exceeds the data). It first tries
// Text; failing that it looks for the first "+" type marker (bytes 01 2B,
// the shared type string "+"), or else for the first bare 2B byte after
// the class name NSString or NSMutableString (the form some encoders
// write), reads the length-prefixed string after it, clamps it to the
// bytes available and, when clamped, cuts it at the first END+NEW pair
// (86 84) that follows the text. It returns the text and whether anything
// was recovered. The result is valid UTF-8.
func Recover(b []byte) (string, bool) {
	if s, err := Text(b); err == nil {
		return s, true
	}
	start := -1
	if i := bytes.Index(b, []byte{0x01, 0x2B}); i >= 0 {
		start = i + 2
	} else if i := bytes.Index(b, []byte("NSString")); i >= 0 {
		// The class version and a few tag bytes sit between the name and
		// the type marker.
		rest := b[i+len("NSString"):]
		if j := bytes.IndexByte(rest[:min(len(rest), 8)], 0x2B); j >= 0 {
			start = i + len("NSString") + j + 1
		}
	} else if i := bytes.Index(b, []byte("NSMutableString")); i >= 0 {
		rest := b[i+len("NSMutableString"):]
		if j := bytes.IndexByte(rest[:min(len(rest), 8)], 0x2B); j >= 0 {
			start = i + len("NSMutableString") + j + 1
		}
	}
	if start < 0 {
		return "", false
	}
	d := decoder{b: b, off: start}
	if len(b) >= 13 && string(b[2:13]) == "typedstream" {
		d.order = binary.BigEndian
	} else {
		d.order = binary.LittleEndian
	}
	h, err := d.head()
	if err != nil {
		return "", false
	}
	n, err := d.integer(h, false)
	if err != nil || n < 0 {
		return "", false
	}
	rest := b[d.off:]
	if n <= int64(len(rest)) {
		return validUTF8(string(rest[:n])), true
	}
	if j := bytes.Index(rest, []byte{tagEnd, tagNew}); j >= 0 {
		rest = rest[:j]
	}
	if len(rest) == 0 {
		return "", false
	}
	return validUTF8(string(rest)), true
}
