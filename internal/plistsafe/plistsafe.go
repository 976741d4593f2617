package plistsafe

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"

	"howett.net/plist"
)

// UID is a CoreFoundation keyed-archiver reference, as decoded into an
// interface value.
type UID = plist.UID

// Formats reported by Unmarshal.
const (
	InvalidFormat  = plist.InvalidFormat
	BinaryFormat   = plist.BinaryFormat
	XMLFormat      = plist.XMLFormat
	OpenStepFormat = plist.OpenStepFormat
	GNUStepFormat  = plist.GNUStepFormat
)

// Limits bound what a property list may hold before it is decoded.
type Limits struct {
	// MaxSize is the largest input in bytes.
	MaxSize int
	// MaxDepth is the deepest nesting of containers (arrays and
	// dictionaries). In XML, where every element is a level, the
	// elements below <plist> may nest one more level than this, for the
	// value inside the deepest container.
	MaxDepth int
	// MaxNodes bounds the values (dictionary keys included), counted
	// after expanding the binary objects that several containers share:
	// the decoder builds one Go value per use.
	MaxNodes int
	// MaxContainers bounds the arrays and dictionaries, counted the same
	// way (each costs the decoder about a kilobyte).
	MaxContainers int
}

// DefaultLimits suit the root plists of a backup and the archives inside
// it: real ones nest at most 6 levels and hold about 1,000 values at most
// (see the package documentation).
var DefaultLimits = Limits{
	MaxSize:       32 << 20,
	MaxDepth:      128,
	MaxNodes:      1 << 20,
	MaxContainers: 1 << 16,
}

// ErrLimit reports a property list over one of its Limits.
var ErrLimit = errors.New("plist over its limits")

// ErrMalformed reports a property list whose structure is invalid (a
// length, count, offset or reference outside the data, a container that
// contains itself), found before decoding.
var ErrMalformed = errors.New("malformed property list")

// ErrDecoder reports a panic of the decoder, turned into an error.
var ErrDecoder = errors.New("property list decoder failed")

// FormatError reports a property list that could not be decoded.
type FormatError struct {
	Name string // what was decoded: a file name, or a field
	Err  error
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("plist %s: %v", e.Name, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

// Unmarshal checks data against lim (see Check) and decodes it into v as
// howett.net/plist's Unmarshal does, returning the format found. Every
// error is a *FormatError naming name; a panic of the decoder is one too,
// wrapping ErrDecoder.
func Unmarshal(name string, data []byte, v any, lim Limits) (format int, err error) {
	if err := Check(data, lim); err != nil {
		return InvalidFormat, &FormatError{Name: name, Err: err}
	}
	defer func() {
		if r := recover(); r != nil {
			format, err = InvalidFormat, &FormatError{Name: name, Err: fmt.Errorf("%w: %v", ErrDecoder, r)}
		}
	}()
	format, err = plist.Unmarshal(data, v)
	if err != nil {
		return format, &FormatError{Name: name, Err: err}
	}
	return format, nil
}

// Check measures data as the decoder would read it, without decoding it
// and without recursion: its size, nesting depth, values and containers
// must be within lim, and a binary plist's structure must be sound. The
// error wraps ErrLimit or ErrMalformed.
func Check(data []byte, lim Limits) error {
	if lim.MaxSize > 0 && len(data) > lim.MaxSize {
		return fmt.Errorf("%w: %d bytes, more than %d", ErrLimit, len(data), lim.MaxSize)
	}
	if bytes.HasPrefix(data, []byte("bplist")) {
		return checkBinary(data, lim)
	}
	xmlDoc, err := checkXML(data, lim)
	if xmlDoc {
		return err
	}
	return checkText(data, lim)
}

// counter accumulates what a check measured.
type counter struct {
	lim               Limits
	nodes, containers int
}

func (c *counter) add(nodes, containers int) error {
	c.nodes += nodes
	c.containers += containers
	if c.lim.MaxNodes > 0 && c.nodes > c.lim.MaxNodes {
		return fmt.Errorf("%w: more than %d values", ErrLimit, c.lim.MaxNodes)
	}
	if c.lim.MaxContainers > 0 && c.containers > c.lim.MaxContainers {
		return fmt.Errorf("%w: more than %d arrays and dictionaries", ErrLimit, c.lim.MaxContainers)
	}
	return nil
}

func (c *counter) depth(d int) error {
	if c.lim.MaxDepth > 0 && d > c.lim.MaxDepth {
		return fmt.Errorf("%w: nested deeper than %d", ErrLimit, c.lim.MaxDepth)
	}
	return nil
}

// knownXML lists the elements the decoder understands as a first
// element; any other makes it read the input as text instead.
var knownXML = map[string]bool{"plist": true, "string": true, "integer": true, "real": true, "true": true,
	"false": true, "date": true, "data": true, "dict": true, "array": true}

// checkXML reports whether the decoder would read data as XML and, if so,
// checks it. The decoder reads the same tokens with the same
// encoding/xml tokenizer, so it never reads past a point where this scan
// stopped on a tokenizer error.
func checkXML(data []byte, lim Limits) (isXML bool, err error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	c := counter{lim: lim}
	depth, base := 0, 0 // base: the <plist> element is not a level
	started := false
	for {
		tok, err := dec.Token()
		if err != nil {
			// Before the first element: the decoder tries text. After it,
			// the decoder stops at the same error (or earlier).
			return started, nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !started {
				if !knownXML[t.Name.Local] {
					return false, nil
				}
				started = true
				if t.Name.Local == "plist" {
					base = 1
				}
			}
			depth++
			// A value inside the deepest container is one more element.
			if err := c.depth(depth - base - 1); err != nil {
				return true, err
			}
			cont := 0
			if t.Name.Local == "dict" || t.Name.Local == "array" {
				cont = 1
			}
			if err := c.add(1, cont); err != nil {
				return true, err
			}
		case xml.EndElement:
			depth--
			if started && depth == 0 {
				return true, nil // the decoder reads no further
			}
		}
	}
}

// gsQuotable is the decoder's set of characters that end an unquoted
// string (characters below 256).
var gsQuotable = [4]uint64{0x78001385ffffffff, 0xa800000138000000, 0xffffffffffffffff, 0xffffffffffffffff}

func quotable(c byte) bool { return gsQuotable[c/64]&(1<<(c%64)) != 0 }

// textInput converts data as the decoder does: a UTF-8 BOM is dropped,
// UTF-16 (by BOM or a zero byte among the first two) is decoded.
func textInput(b []byte) ([]byte, error) {
	u16 := func(b []byte, bo binary.ByteOrder) ([]byte, error) {
		if len(b)%2 != 0 {
			return nil, fmt.Errorf("%w: truncated UTF-16", ErrMalformed)
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = bo.Uint16(b[2*i:])
		}
		return []byte(string(utf16.Decode(u))), nil
	}
	switch {
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		return b[3:], nil
	case len(b) < 2:
		return b, nil
	case b[0] == 0xFE && b[1] == 0xFF:
		return u16(b[2:], binary.BigEndian)
	case b[0] == 0 && b[1] != 0:
		return u16(b, binary.BigEndian)
	case b[0] == 0xFF && b[1] == 0xFE:
		return u16(b[2:], binary.LittleEndian)
	case b[0] != 0 && b[1] == 0:
		return u16(b, binary.LittleEndian)
	}
	return b, nil
}

// checkText scans an OpenStep/GNUstep text plist. It errs on the side of
// counting: whatever it cannot tell apart from structure (a bracket in an
// unterminated comment, say) counts as structure.
func checkText(data []byte, lim Limits) error {
	in, err := textInput(data)
	if err != nil {
		return err
	}
	c := counter{lim: lim}
	depth := 0
	skipTo := func(i int, s string) int { // index just past s, or len(in)
		if k := bytes.Index(in[i:], []byte(s)); k >= 0 {
			return i + k + len(s)
		}
		return len(in)
	}
	for i := 0; i < len(in); {
		ch := in[i]
		switch {
		case ch == '/' && i+1 < len(in) && in[i+1] == '/':
			i += 2
			for i < len(in) && in[i] != '\n' && in[i] != '\r' {
				i++
			}
		case ch == '/' && i+1 < len(in) && in[i+1] == '*':
			i = skipTo(i+2, "*/")
		case ch == '"':
			if err := c.add(1, 0); err != nil {
				return err
			}
			i++
			for i < len(in) && in[i] != '"' {
				if in[i] == '\\' {
					i++
				}
				i++
			}
			i++
		case ch == '(' || ch == '{':
			depth++
			if err := c.depth(depth); err != nil {
				return err
			}
			if err := c.add(1, 1); err != nil {
				return err
			}
			i++
		case ch == ')' || ch == '}':
			if depth > 0 {
				depth--
			}
			i++
		case ch == '<':
			if err := c.add(1, 0); err != nil {
				return err
			}
			if i+1 < len(in) && in[i+1] == '[' {
				i = skipTo(i+2, "]")
			} else {
				i = skipTo(i+1, ">")
			}
		case ch < 0x80 && quotable(ch):
			i++ // whitespace, = ; , > and other separators
		default:
			// An unquoted string: runs to the next quotable ASCII
			// character ('/' included, as the decoder reads it).
			if err := c.add(1, 0); err != nil {
				return err
			}
			for i < len(in) && (in[i] >= 0x80 || !quotable(in[i])) {
				i++
			}
		}
	}
	return nil
}

// bplist holds a binary plist whose trailer has been checked.
type bplist struct {
	b                []byte
	offSize, refSize uint64
	n, top, table    uint64
}

func beUint(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: binary: "+format, append([]any{ErrMalformed}, args...)...)
}

// object returns the offset table entry of object i and checks the
// object there: its marker and its bytes must lie inside the object area.
// For a container it returns the references (two per dictionary entry).
func (p *bplist) object(i uint64) (refs []byte, container bool, err error) {
	o := p.table + i*p.offSize
	off := beUint(p.b[o : o+p.offSize])
	if off < 8 || off >= p.table {
		return nil, false, malformed("object %d at offset %d outside the object area", i, off)
	}
	m := p.b[off]
	lo := uint64(m & 0xF)
	room := p.table - off - 1 // bytes after the marker
	fixed := func(n uint64) error {
		if n > room {
			return malformed("object %d at offset %d runs past the object area", i, off)
		}
		return nil
	}
	// count reads the length of a data, string or container object and
	// returns it with the offset of its contents.
	count := func() (uint64, uint64, error) {
		if lo != 0xF {
			return lo, off + 1, nil
		}
		p1 := off + 1
		if p1 >= p.table || p.b[p1]>>4 != 1 || p.b[p1]&0xF > 3 {
			return 0, 0, malformed("object %d at offset %d has a bad length", i, off)
		}
		w := uint64(1) << (p.b[p1] & 0xF)
		if w > p.table-p1-1 {
			return 0, 0, malformed("object %d at offset %d has a truncated length", i, off)
		}
		return beUint(p.b[p1+1 : p1+1+w]), p1 + 1 + w, nil
	}
	switch m >> 4 {
	case 0x0:
		if m != 0x08 && m != 0x09 {
			return nil, false, malformed("object %d at offset %d has marker 0x%02x", i, off, m)
		}
		return nil, false, nil
	case 0x1:
		if lo > 4 {
			return nil, false, malformed("object %d at offset %d: integer of 2^%d bytes", i, off, lo)
		}
		return nil, false, fixed(1 << lo)
	case 0x2:
		if lo != 2 && lo != 3 {
			return nil, false, malformed("object %d at offset %d: real of 2^%d bytes", i, off, lo)
		}
		return nil, false, fixed(1 << lo)
	case 0x3:
		if m != 0x33 {
			return nil, false, malformed("object %d at offset %d has marker 0x%02x", i, off, m)
		}
		return nil, false, fixed(8)
	case 0x4, 0x5, 0x6:
		n, start, err := count()
		if err != nil {
			return nil, false, err
		}
		unit := uint64(1)
		if m>>4 == 0x6 {
			unit = 2
		}
		if n > (p.table-start)/unit {
			return nil, false, malformed("object %d at offset %d: length %d runs past the object area", i, off, n)
		}
		return nil, false, nil
	case 0x8:
		if lo+1 > 8 && lo+1 != 16 {
			return nil, false, malformed("object %d at offset %d: UID of %d bytes", i, off, lo+1)
		}
		return nil, false, fixed(lo + 1)
	case 0xA, 0xD:
		n, start, err := count()
		if err != nil {
			return nil, false, err
		}
		per := p.refSize
		if m>>4 == 0xD {
			per *= 2
		}
		if n > (p.table-start)/per {
			return nil, false, malformed("object %d at offset %d: %d entries run past the object area", i, off, n)
		}
		return p.b[start : start+n*per], true, nil
	}
	return nil, false, malformed("object %d at offset %d has marker 0x%02x", i, off, m)
}

// checkBinary validates a binary plist's trailer and walks the objects
// reachable from the top one, iteratively, each once: it computes each
// container's height and the number of values and containers its
// expansion holds (saturating above the limits).
func checkBinary(b []byte, lim Limits) error {
	if len(b) < 8+32 {
		return malformed("%d bytes, too short", len(b))
	}
	tr := b[len(b)-32:]
	p := &bplist{b: b, offSize: uint64(tr[6]), refSize: uint64(tr[7]),
		n: binary.BigEndian.Uint64(tr[8:]), top: binary.BigEndian.Uint64(tr[16:]), table: binary.BigEndian.Uint64(tr[24:])}
	end := uint64(len(b) - 32)
	switch {
	case p.offSize < 1 || p.offSize > 8 || p.refSize < 1 || p.refSize > 7:
		return malformed("offset size %d, reference size %d", p.offSize, p.refSize)
	case p.table < 9 || p.table >= end:
		return malformed("offset table at %d outside the data", p.table)
	case (end-p.table)%p.offSize != 0 || (end-p.table)/p.offSize != p.n:
		return malformed("offset table of %d bytes does not hold %d offsets", end-p.table, p.n)
	case p.n == 0 || p.top >= p.n || p.n > 1<<(8*p.refSize):
		return malformed("%d objects, top object %d", p.n, p.top)
	case p.offSize < 8 && p.table >= 1<<(8*p.offSize):
		return malformed("offsets of %d bytes cannot reach the offset table", p.offSize)
	}
	if lim.MaxNodes > 0 && p.n > uint64(lim.MaxNodes) {
		return fmt.Errorf("%w: %d objects, more than %d values", ErrLimit, p.n, lim.MaxNodes)
	}
	maxNodes, maxConts := uint64(lim.MaxNodes), uint64(lim.MaxContainers)
	if lim.MaxNodes <= 0 {
		maxNodes = 1 << 62
	}
	if lim.MaxContainers <= 0 {
		maxConts = 1 << 62
	}
	const (
		unseen = iota
		onStack
		done
	)
	state := make([]uint8, p.n)
	height := make([]int32, p.n)
	nodes := make([]uint64, p.n) // saturating at maxNodes+1
	conts := make([]uint64, p.n) // saturating at maxConts+1
	sat := func(v, max uint64) uint64 { return min(v, max+1) }
	type frame struct {
		obj  uint64
		refs []byte // references not yet visited
		all  []byte
	}
	var stack []frame
	// visit checks object i; a container is pushed, a scalar done.
	visit := func(i uint64) error {
		refs, isCont, err := p.object(i)
		if err != nil {
			return err
		}
		if !isCont {
			state[i], nodes[i] = done, 1
			return nil
		}
		if lim.MaxDepth > 0 && len(stack) >= lim.MaxDepth {
			return fmt.Errorf("%w: nested deeper than %d", ErrLimit, lim.MaxDepth)
		}
		state[i] = onStack
		stack = append(stack, frame{obj: i, refs: refs, all: refs})
		return nil
	}
	if err := visit(p.top); err != nil {
		return err
	}
	rs := int(p.refSize)
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if len(f.refs) > 0 {
			r := beUint(f.refs[:rs])
			f.refs = f.refs[rs:]
			if r >= p.n {
				return malformed("reference to object %d of %d", r, p.n)
			}
			switch state[r] {
			case onStack:
				return malformed("container (object %d) contains itself", r)
			case unseen:
				if err := visit(r); err != nil {
					return err
				}
			}
			continue
		}
		// All children done: total this container.
		h, nn, nc := int32(0), uint64(1), uint64(1)
		for k := 0; k < len(f.all); k += rs {
			c := beUint(f.all[k : k+rs])
			h = max(h, height[c])
			nn = sat(nn+nodes[c], maxNodes)
			nc = sat(nc+conts[c], maxConts)
		}
		i := f.obj
		height[i], nodes[i], conts[i], state[i] = h+1, nn, nc, done
		stack = stack[:len(stack)-1]
	}
	switch t := p.top; {
	case lim.MaxDepth > 0 && int(height[t]) > lim.MaxDepth:
		return fmt.Errorf("%w: nested deeper than %d", ErrLimit, lim.MaxDepth)
	case nodes[t] > maxNodes:
		return fmt.Errorf("%w: more than %d values", ErrLimit, maxNodes)
	case conts[t] > maxConts:
		return fmt.Errorf("%w: more than %d arrays and dictionaries", ErrLimit, maxConts)
	}
	return nil
}

// ReadAll reads at most lim.MaxSize bytes of r, for Unmarshal: a longer
// input gives an error wrapping ErrLimit without being read in full.
func ReadAll(r io.Reader, lim Limits) ([]byte, error) {
	if lim.MaxSize <= 0 {
		return io.ReadAll(r)
	}
	b, err := io.ReadAll(io.LimitReader(r, int64(lim.MaxSize)+1))
	if err != nil {
		return nil, err
	}
	if len(b) > lim.MaxSize {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrLimit, lim.MaxSize)
	}
	return b, nil
}
