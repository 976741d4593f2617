package typedstream

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Limits applied to untrusted input.
const (
	// MaxDepth is the deepest nesting of objects, arrays and structs that
	// Decode accepts.
	MaxDepth = 256
	// maxTypeDepth caps the nesting of a single type encoding.
	maxTypeDepth = 32
	// maxClassChain caps how many classes a class chain may list.
	maxClassChain = 64
)

// Tag bytes (signed values −128…−111 are reserved for tags).
const (
	tagInt16   = 0x81
	tagInt32   = 0x82
	tagFloat   = 0x83
	tagNew     = 0x84
	tagNil     = 0x85
	tagEnd     = 0x86
	tagInt64   = 0x87
	tagFirst   = 0x80
	tagLast    = 0x91
	refBias    = 110 // reference r (signed) → index r + 110; 0x92 → 0
	headerSize = 2   // version + signature length, before the signature
)

// Sentinel errors. Every decoding error is a *FormatError that matches
// ErrMalformed with errors.Is; a blob that is not a typedstream at all also
// matches ErrNotTypedstream.
var (
	ErrMalformed      = errors.New("typedstream: malformed stream")
	ErrNotTypedstream = errors.New("typedstream: not a typedstream")
	// ErrNoText is returned by Text and Parse when the archive is well formed
	// but holds no string.
	ErrNoText = errors.New("typedstream: archive holds no string")
)

// FormatError reports malformed input: the file (if known) and the byte
// offset where decoding stopped. Err describes the problem; it matches
// ErrMalformed (every FormatError does) and, for input that is not a
// typedstream at all, ErrNotTypedstream.
type FormatError struct {
	File   string // the file the blob came from; "" for a blob
	Offset int64  // byte offset where decoding stopped, -1 when unknown
	Err    error
}

// Error formats the error with its offset; it never includes decoded text.
func (e *FormatError) Error() string {
	s := "typedstream: "
	if e.File != "" {
		s += e.File + ": "
	}
	if e.Offset >= 0 {
		s += "offset " + strconv.FormatInt(e.Offset, 10) + ": "
	}
	if e.Err == nil {
		return s + "malformed stream"
	}
	return s + e.Err.Error()
}

// Unwrap returns Err, which matches ErrMalformed (and ErrNotTypedstream
// for input that is not a typedstream).
func (e *FormatError) Unwrap() error { return e.Err }

// problem is the Err of a FormatError: a message that matches
// ErrMalformed and, for input that is not a typedstream, ErrNotTypedstream.
type problem struct {
	msg   string
	notTS bool
}

func (p *problem) Error() string { return p.msg }

func (p *problem) Unwrap() []error {
	if p.notTS {
		return []error{ErrNotTypedstream, ErrMalformed}
	}
	return []error{ErrMalformed}
}

// formatError returns the *FormatError at off with message msg.
func formatError(off int, msg string) error {
	return &FormatError{Offset: int64(off), Err: &problem{msg: msg}}
}

// Class is one class of a class chain, with its archived version.
type Class struct {
	Name    string
	Version int64
	Super   *Class // nil for a root class
}

// Group is one typed group: its type encoding and one value per type.
type Group struct {
	Type   string
	Values []any
}

// Object is an archived object: its class chain and the typed groups its
// encodeWithCoder: wrote, in order. Objects may be shared (the same pointer
// reached from several places) and may even reference themselves.
type Object struct {
	Class     string   // most-derived class name ("" when the class is nil)
	Classes   []string // class chain, most-derived first
	ClassInfo *Class
	Groups    []Group
	Values    []any // all group values, flattened in stream order
}

// Is reports whether name appears in the object's class chain.
func (o *Object) Is(name string) bool {
	if o == nil {
		return false
	}
	for _, c := range o.Classes {
		if c == name {
			return true
		}
	}
	return false
}

// Struct is a C struct value ({name=...}).
type Struct struct {
	Name   string
	Fields []any
}

// Header is the typedstream header.
type Header struct {
	StreamerVersion int
	Signature       string // "streamtyped" (little-endian) or "typedstream" (big-endian)
	SystemVersion   int64
}

// Archive is a decoded typedstream.
type Archive struct {
	Header Header
	// Values are the top-level values (usually one root *Object).
	Values []any
	// Groups are the top-level typed groups.
	Groups []Group
}

// Decode decodes a typedstream and returns its top-level values. Values are
// raw: *Object, *Class, string (unshared, C and shared strings), int64,
// uint64 (unsigned 64-bit values above MaxInt64), float64, bool, []byte
// (char arrays), []any (other arrays), Struct, or nil. Use Native to turn
// well-known Foundation objects into Go values.
func Decode(b []byte) ([]any, error) {
	a, err := DecodeArchive(b)
	if err != nil {
		return nil, err
	}
	return a.Values, nil
}

// DecodeArchive is like Decode but also returns the header and the groups.
func DecodeArchive(b []byte) (*Archive, error) {
	d := decoder{b: b, budget: 2*len(b) + 1024, chunk: min(max(len(b)/40, 8), 256)}
	d.shared = make([]string, 0, 16)
	d.objs = make([]any, 0, 16)
	d.stack = make([]any, 0, 16)
	d.pending = make([]pendingGroup, 0, 16)
	a := &Archive{}
	if err := d.header(&a.Header); err != nil {
		return nil, err
	}
	for d.off < len(d.b) {
		h, err := d.head()
		if err != nil {
			return nil, err
		}
		if err := d.group(h, 0); err != nil {
			return nil, err
		}
	}
	a.Values, a.Groups = d.collect(0, 0)
	return a, nil
}

// typ is a parsed type encoding.
type typ struct {
	kind   byte // encoding char; '[' array, '{' struct
	n      int  // array length
	elem   *typ
	name   string
	fields []typ
}

type decoder struct {
	b      []byte
	off    int
	order  binary.ByteOrder
	shared []string
	objs   []any // object table: *Object, *Class, string (C strings)
	types  map[string][]typ
	budget int // remaining value reads allowed (guards zero-size types)

	// Values of the objects being decoded are pushed on stack, then moved
	// in one piece into arenas when the object ends (fewer allocations).
	stack   []any
	pending []pendingGroup
	chunk   int // arena chunk size
	varena  []any
	garena  []Group
	oarena  []Object
	carena  []Class
	chains  map[*Class][]string

	// textOnly stops decoding at the first NSString of a root attributed
	// string (Text's fast path); the string is left in text.
	textOnly bool
	text     *string
}

// errTextFound stops a textOnly decode once the text is known.
var errTextFound = errors.New("typedstream: text found")

func (d *decoder) errf(format string, args ...any) error {
	return formatError(d.off, fmt.Sprintf(format, args...))
}

func (d *decoder) header(h *Header) error {
	notTS := func(msg string) error {
		return &FormatError{Offset: int64(d.off), Err: &problem{msg: msg, notTS: true}}
	}
	if len(d.b) < headerSize {
		return notTS("too short for a header")
	}
	h.StreamerVersion = int(d.b[0])
	n := int(d.b[1])
	if len(d.b) < headerSize+n {
		return notTS("too short for a header")
	}
	sig := string(d.b[headerSize : headerSize+n])
	switch sig {
	case "streamtyped":
		d.order = binary.LittleEndian
	case "typedstream":
		d.order = binary.BigEndian
	default:
		return notTS("bad signature")
	}
	if h.StreamerVersion != 3 && h.StreamerVersion != 4 {
		return notTS("unsupported streamer version " + strconv.Itoa(h.StreamerVersion))
	}
	h.Signature = sig
	d.off = headerSize + n
	hb, err := d.head()
	if err != nil {
		return err
	}
	v, err := d.integer(hb, true)
	if err != nil {
		return err
	}
	h.SystemVersion = v
	return nil
}

func (d *decoder) head() (byte, error) {
	if d.off >= len(d.b) {
		return 0, d.errf("unexpected end of data")
	}
	c := d.b[d.off]
	d.off++
	return c, nil
}

func (d *decoder) take(n int) ([]byte, error) {
	if n < 0 || n > len(d.b)-d.off {
		return nil, d.errf("length %d exceeds the %d bytes left", n, len(d.b)-d.off)
	}
	s := d.b[d.off : d.off+n : d.off+n]
	d.off += n
	return s, nil
}

func isTag(h byte) bool { return h >= tagFirst && h <= tagLast }

// integer decodes an integer whose head byte has been read.
func (d *decoder) integer(h byte, signed bool) (int64, error) {
	switch h {
	case tagInt16:
		p, err := d.take(2)
		if err != nil {
			return 0, err
		}
		u := d.order.Uint16(p)
		if signed {
			return int64(int16(u)), nil
		}
		return int64(u), nil
	case tagInt32:
		p, err := d.take(4)
		if err != nil {
			return 0, err
		}
		u := d.order.Uint32(p)
		if signed {
			return int64(int32(u)), nil
		}
		return int64(u), nil
	case tagInt64:
		p, err := d.take(8)
		if err != nil {
			return 0, err
		}
		return int64(d.order.Uint64(p)), nil
	}
	if isTag(h) {
		d.off--
		return 0, d.errf("unexpected tag 0x%02x where an integer was expected", h)
	}
	if signed {
		return int64(int8(h)), nil
	}
	return int64(h), nil
}

func (d *decoder) float(h byte, double bool) (float64, error) {
	if h == tagFloat {
		if double {
			p, err := d.take(8)
			if err != nil {
				return 0, err
			}
			return math.Float64frombits(d.order.Uint64(p)), nil
		}
		p, err := d.take(4)
		if err != nil {
			return 0, err
		}
		return float64(math.Float32frombits(d.order.Uint32(p))), nil
	}
	v, err := d.integer(h, true)
	return float64(v), err
}

// ref decodes a reference number whose head byte has been read.
func (d *decoder) ref(h byte) (int, error) {
	v, err := d.integer(h, true)
	if err != nil {
		return 0, err
	}
	return int(v + refBias), nil
}

// unshared reads an unshared string (type '+') body whose head byte has been
// read. ok is false for NIL.
func (d *decoder) unshared(h byte) (s string, ok bool, err error) {
	if h == tagNil {
		return "", false, nil
	}
	n, err := d.integer(h, false)
	if err != nil {
		return "", false, err
	}
	if n > int64(len(d.b)-d.off) {
		return "", false, d.errf("string length %d exceeds the %d bytes left", n, len(d.b)-d.off)
	}
	p, err := d.take(int(n))
	if err != nil {
		return "", false, err
	}
	if s, ok := interned[string(p)]; ok { // no allocation for the lookup
		return s, true, nil
	}
	return string(p), true, nil
}

// sharedString reads a shared string (type encodings, class names).
func (d *decoder) sharedString(h byte) (s string, ok bool, err error) {
	switch h {
	case tagNil:
		return "", false, nil
	case tagNew:
		h2, err := d.head()
		if err != nil {
			return "", false, err
		}
		s, ok, err := d.unshared(h2)
		if err != nil {
			return "", false, err
		}
		if !ok {
			return "", false, d.errf("NIL shared string body")
		}
		d.shared = append(d.shared, s)
		return s, true, nil
	}
	start := d.off - 1
	i, err := d.ref(h)
	if err != nil {
		return "", false, err
	}
	if i < 0 || i >= len(d.shared) {
		return "", false, formatError(start, fmt.Sprintf("shared string reference %d out of range (%d known)", i, len(d.shared)))
	}
	return d.shared[i], true, nil
}

// cString reads a C string (type '*'); literal ones take an object number.
func (d *decoder) cString(h byte) (any, error) {
	switch h {
	case tagNil:
		return nil, nil
	case tagNew:
		h2, err := d.head()
		if err != nil {
			return nil, err
		}
		s, ok, err := d.sharedString(h2)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, d.errf("NIL C string body")
		}
		d.objs = append(d.objs, s)
		return s, nil
	}
	return d.objectRef(h)
}

func (d *decoder) objectRef(h byte) (any, error) {
	start := d.off - 1
	i, err := d.ref(h)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= len(d.objs) {
		return nil, formatError(start, fmt.Sprintf("object reference %d out of range (%d known)", i, len(d.objs)))
	}
	return d.objs[i], nil
}

// class reads a class chain whose first head byte has been read.
func (d *decoder) class(h byte) (*Class, error) {
	var first, prev *Class
	link := func(c *Class) {
		if prev == nil {
			first = c
		} else {
			prev.Super = c
		}
		prev = c
	}
	for n := 0; ; n++ {
		if n > maxClassChain {
			return nil, d.errf("class chain longer than %d", maxClassChain)
		}
		switch h {
		case tagNil:
			return first, nil
		case tagNew:
			c := d.newClass()
			d.objs = append(d.objs, c)
			h2, err := d.head()
			if err != nil {
				return nil, err
			}
			name, ok, err := d.sharedString(h2)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, d.errf("NIL class name")
			}
			c.Name = name
			h3, err := d.head()
			if err != nil {
				return nil, err
			}
			if c.Version, err = d.integer(h3, true); err != nil {
				return nil, err
			}
			link(c)
		default:
			start := d.off - 1
			v, err := d.objectRef(h)
			if err != nil {
				return nil, err
			}
			c, ok := v.(*Class)
			if !ok {
				return nil, formatError(start, fmt.Sprintf("reference to a %T where a class was expected", v))
			}
			link(c)
			return first, nil
		}
		var err error
		if h, err = d.head(); err != nil {
			return nil, err
		}
	}
}

// object reads an object whose head byte has been read.
func (d *decoder) object(h byte, depth int) (any, error) {
	switch h {
	case tagNil:
		return nil, nil
	case tagNew:
	default:
		return d.objectRef(h)
	}
	if depth > MaxDepth {
		return nil, d.errf("objects nested deeper than %d", MaxDepth)
	}
	o := d.newObject()
	d.objs = append(d.objs, o)
	h2, err := d.head()
	if err != nil {
		return nil, err
	}
	c, err := d.class(h2)
	if err != nil {
		return nil, err
	}
	o.ClassInfo = c
	o.Classes = d.chain(c)
	if len(o.Classes) > 0 {
		o.Class = o.Classes[0]
	}
	vbase, gbase := len(d.stack), len(d.pending)
	for {
		h, err := d.head()
		if err != nil {
			return nil, err
		}
		if h == tagEnd {
			break
		}
		if err := d.group(h, depth+1); err != nil {
			return nil, err
		}
	}
	o.Values, o.Groups = d.collect(vbase, gbase)
	if d.textOnly && d.text == nil && o.Is("NSString") && len(d.objs) > 0 {
		if root, ok := d.objs[0].(*Object); ok && root != o && root.Is("NSAttributedString") {
			if s, ok := objectString(o); ok {
				d.text = &s
				return nil, errTextFound
			}
		}
	}
	return o, nil
}

// pendingGroup is a group whose values are still on the value stack.
type pendingGroup struct {
	typ        string
	start, end int // positions on the value stack
}

// group reads a typed group whose first head byte has been read, pushing
// its values on the value stack.
func (d *decoder) group(h byte, depth int) error {
	start := d.off - 1
	enc, ok, err := d.sharedString(h)
	if err != nil {
		return err
	}
	if !ok {
		return formatError(start, "NIL type encoding")
	}
	ts, err := d.parseTypes(enc, start)
	if err != nil {
		return err
	}
	vstart := len(d.stack)
	for i := range ts {
		v, err := d.value(&ts[i], depth)
		if err != nil {
			return err
		}
		d.stack = append(d.stack, v)
	}
	d.pending = append(d.pending, pendingGroup{typ: enc, start: vstart, end: len(d.stack)})
	return nil
}

// collect moves the values and groups pushed since vbase/gbase into the
// arenas and pops them.
func (d *decoder) collect(vbase, gbase int) ([]any, []Group) {
	vals := d.allocValues(d.stack[vbase:])
	var groups []Group
	if n := len(d.pending) - gbase; n > 0 {
		if cap(d.garena)-len(d.garena) < n {
			d.garena = make([]Group, 0, max(n, d.chunk))
		}
		s := len(d.garena)
		for _, p := range d.pending[gbase:] {
			g := Group{Type: p.typ}
			if p.end > p.start {
				g.Values = vals[p.start-vbase : p.end-vbase : p.end-vbase]
			}
			d.garena = append(d.garena, g)
		}
		groups = d.garena[s:len(d.garena):len(d.garena)]
	}
	clear(d.stack[vbase:])
	d.stack = d.stack[:vbase]
	d.pending = d.pending[:gbase]
	return vals, groups
}

func (d *decoder) allocValues(v []any) []any {
	if len(v) == 0 {
		return nil
	}
	if cap(d.varena)-len(d.varena) < len(v) {
		d.varena = make([]any, 0, max(len(v), 4*d.chunk))
	}
	s := len(d.varena)
	d.varena = append(d.varena, v...)
	return d.varena[s:len(d.varena):len(d.varena)]
}

func (d *decoder) newClass() *Class {
	if len(d.carena) == cap(d.carena) {
		d.carena = make([]Class, 0, 8)
	}
	d.carena = d.carena[:len(d.carena)+1]
	return &d.carena[len(d.carena)-1]
}

func (d *decoder) newObject() *Object {
	if len(d.oarena) == cap(d.oarena) {
		d.oarena = make([]Object, 0, d.chunk)
	}
	d.oarena = d.oarena[:len(d.oarena)+1]
	return &d.oarena[len(d.oarena)-1]
}

// chain returns the class names of a chain (shared between objects of the
// same class).
func (d *decoder) chain(c *Class) []string {
	if c == nil {
		return nil
	}
	if d.chains == nil {
		d.chains = make(map[*Class][]string)
	}
	if ch, ok := d.chains[c]; ok {
		return ch
	}
	n := 0
	for i := c; i != nil && n < maxClassChain; i = i.Super {
		n++
	}
	ch := make([]string, 0, n)
	for i := c; i != nil && len(ch) < n; i = i.Super {
		ch = append(ch, i.Name)
	}
	d.chains[c] = ch
	return ch
}

func (d *decoder) value(t *typ, depth int) (any, error) {
	d.budget--
	if d.budget < 0 {
		return nil, d.errf("too many values for the input size")
	}
	switch t.kind {
	case '[':
		if depth > MaxDepth {
			return nil, d.errf("values nested deeper than %d", MaxDepth)
		}
		if t.elem.kind == 'c' || t.elem.kind == 'C' {
			p, err := d.take(t.n)
			if err != nil {
				return nil, err
			}
			return append([]byte(nil), p...), nil
		}
		if t.n > len(d.b)-d.off {
			return nil, d.errf("array of %d elements exceeds the %d bytes left", t.n, len(d.b)-d.off)
		}
		out := make([]any, 0, t.n)
		for i := 0; i < t.n; i++ {
			v, err := d.value(t.elem, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case '{':
		if depth > MaxDepth {
			return nil, d.errf("values nested deeper than %d", MaxDepth)
		}
		s := Struct{Name: t.name, Fields: make([]any, 0, len(t.fields))}
		for i := range t.fields {
			v, err := d.value(&t.fields[i], depth+1)
			if err != nil {
				return nil, err
			}
			s.Fields = append(s.Fields, v)
		}
		return s, nil
	case 'c', 'C', 'B':
		h, err := d.head()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case 'c':
			return int64(int8(h)), nil
		case 'C':
			return int64(h), nil
		}
		return h != 0, nil
	}
	h, err := d.head()
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case '@':
		return d.object(h, depth)
	case '#':
		c, err := d.class(h)
		if err != nil || c == nil {
			return nil, err
		}
		return c, nil
	case '*':
		return d.cString(h)
	case '+':
		s, ok, err := d.unshared(h)
		if err != nil || !ok {
			return nil, err
		}
		return s, nil
	case '%', ':':
		s, ok, err := d.sharedString(h)
		if err != nil || !ok {
			return nil, err
		}
		return s, nil
	case 's', 'i', 'l', 'q':
		return d.integer(h, true)
	case 'S', 'I', 'L', 'Q':
		if h == tagInt64 {
			p, err := d.take(8)
			if err != nil {
				return nil, err
			}
			u := d.order.Uint64(p)
			if u > math.MaxInt64 {
				return u, nil
			}
			return int64(u), nil
		}
		return d.integer(h, false)
	case 'f':
		return d.float(h, false)
	case 'd':
		return d.float(h, true)
	}
	return nil, d.errf("unsupported type %q", t.kind)
}

// parseTypes parses a type encoding string (cached per string).
func (d *decoder) parseTypes(enc string, off int) ([]typ, error) {
	if ts, ok := commonTypes[enc]; ok {
		return ts, nil
	}
	if ts, ok := d.types[enc]; ok {
		return ts, nil
	}
	p := typeParser{s: enc}
	var ts []typ
	for {
		p.skipQualifiers()
		if p.i >= len(p.s) {
			break
		}
		t, err := p.parse(0)
		if err != nil {
			return nil, formatError(off, fmt.Sprintf("type encoding %q: %v", enc, err))
		}
		ts = append(ts, t)
	}
	if d.types == nil {
		d.types = make(map[string][]typ)
	}
	d.types[enc] = ts
	return ts, nil
}

// interned holds strings that nearly every attributedBody repeats (class
// names, type encodings, attribute names), so decoding them does not
// allocate (read-only after init).
var interned = func() map[string]string {
	m := map[string]string{}
	for _, s := range []string{
		"NSObject", "NSString", "NSMutableString", "NSAttributedString", "NSMutableAttributedString",
		"NSDictionary", "NSMutableDictionary", "NSArray", "NSMutableArray", "NSNumber", "NSValue",
		"NSData", "NSMutableData", "NSURL", "NSDate", "NSSet", "NSMutableSet", "NSNull",
		"@", "+", "*", "#", "i", "I", "iI", "q", "Q", "s", "S", "l", "L", "c", "C", "B", "f", "d",
		AttrMessagePart, AttrFileTransferGUID, AttrMention, AttrLink, AttrBold, AttrItalic,
		AttrUnderline, AttrStrikethrough, AttrTextEffect,
		"__kIMBaseWritingDirectionAttributeName", "__kIMDataDetectedAttributeName",
		"__kIMFilenameAttributeName", "__kIMInlineMediaWidthAttributeName",
		"__kIMInlineMediaHeightAttributeName",
	} {
		m[s] = s
	}
	return m
}()

// commonTypes holds the parsed type encodings that nearly every archive
// uses (read-only after init).
var commonTypes = func() map[string][]typ {
	m := map[string][]typ{}
	for _, enc := range []string{"@", "+", "*", "#", "i", "I", "iI", "q", "Q", "s", "S", "l", "L", "c", "C", "B", "f", "d", "%", ":"} {
		p := typeParser{s: enc}
		t, _ := p.parse(0) // built-in encodings always parse
		ts := []typ{t}
		if enc == "iI" {
			ts = []typ{{kind: 'i'}, {kind: 'I'}}
		}
		m[enc] = ts
	}
	return m
}()

type typeParser struct {
	s string
	i int
}

func (p *typeParser) skipQualifiers() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case 'r', 'n', 'N', 'o', 'O', 'R', 'V', 'A':
			p.i++
		default:
			return
		}
	}
}

func (p *typeParser) parse(depth int) (typ, error) {
	if depth > maxTypeDepth {
		return typ{}, errors.New("nested too deeply")
	}
	p.skipQualifiers()
	if p.i >= len(p.s) {
		return typ{}, errors.New("unexpected end")
	}
	c := p.s[p.i]
	p.i++
	switch c {
	case '@', '#', '*', '+', '%', ':', 'c', 'C', 'B', 's', 'S', 'i', 'I', 'l', 'L', 'q', 'Q', 'f', 'd':
		return typ{kind: c}, nil
	case '[':
		n := 0
		digits := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			n = n*10 + int(p.s[p.i]-'0')
			p.i++
			digits++
			if n > 1<<30 {
				return typ{}, errors.New("array too long")
			}
		}
		if digits == 0 {
			return typ{}, errors.New("array without length")
		}
		e, err := p.parse(depth + 1)
		if err != nil {
			return typ{}, err
		}
		if p.i >= len(p.s) || p.s[p.i] != ']' {
			return typ{}, errors.New("unterminated array")
		}
		p.i++
		return typ{kind: '[', n: n, elem: &e}, nil
	case '{':
		start := p.i
		for p.i < len(p.s) && p.s[p.i] != '=' && p.s[p.i] != '}' {
			p.i++
		}
		if p.i >= len(p.s) {
			return typ{}, errors.New("unterminated struct")
		}
		t := typ{kind: '{', name: p.s[start:p.i]}
		if p.s[p.i] == '=' {
			p.i++
			for {
				if p.i >= len(p.s) {
					return typ{}, errors.New("unterminated struct")
				}
				if p.s[p.i] == '}' {
					break
				}
				f, err := p.parse(depth + 1)
				if err != nil {
					return typ{}, err
				}
				t.fields = append(t.fields, f)
			}
		}
		p.i++ // '}'
		return t, nil
	}
	return typ{}, fmt.Errorf("unsupported type %q", c)
}
