package typedstream

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// Attribute names written by Messages that callers commonly need.
const (
	AttrMessagePart      = "__kIMMessagePartAttributeName"       // int64 part index
	AttrFileTransferGUID = "__kIMFileTransferGUIDAttributeName"  // attachment GUID (string)
	AttrMention          = "__kIMMentionConfirmedMention"        // mentioned handle (string)
	AttrLink             = "__kIMLinkAttributeName"              // URL (string)
	AttrBold             = "__kIMTextBoldAttributeName"          // int64 1
	AttrItalic           = "__kIMTextItalicAttributeName"        // int64 1
	AttrUnderline        = "__kIMTextUnderlineAttributeName"     // int64 1
	AttrStrikethrough    = "__kIMTextStrikethroughAttributeName" // int64 1
	AttrTextEffect       = "__kIMTextEffectAttributeName"        // int64 effect id
)

// AttributedString is a decoded NSAttributedString (an iMessage
// attributedBody): its text and its attribute runs.
type AttributedString struct {
	Text string
	Runs []Run
}

// Run is a range of the text (in UTF-16 code units, as Foundation counts)
// with its attributes.
type Run struct {
	Start, Length int
	// Attributes maps attribute names to values converted by Native:
	// string, int64, float64, []byte, []any, map[string]any or nil, and
	// rarely uint64, bool, time.Time (NSDate) or *AttributedString.
	// Runs that share an attribute dictionary share the same map: treat it
	// as read-only.
	Attributes map[string]any
}

// Text returns the main string of an attributedBody blob: the string of the
// root NSAttributedString or NSString, or else the first NSString found in
// the archive (depth first). For a root attributed string decoding stops
// as soon as the text is known, so a body damaged only in its attribute
// runs still gives its text (Parse reports the damage); a blob damaged
// before that returns a *FormatError (see Recover). A well-formed archive
// without any string returns ErrNoText.
func Text(b []byte) (string, error) {
	// Fastest path: the exact bytes iMessage writes before the text.
	if s, ok := canonicalText(b); ok {
		return s, nil
	}
	// Fast path: a message body is a root attributed string whose first
	// value is the text; decoding can stop there, before the attribute runs.
	if s, ok := fastText(b); ok {
		return s, nil
	}
	vals, err := Decode(b)
	if err != nil {
		return "", err
	}
	s, ok := rootString(vals)
	if !ok {
		return "", ErrNoText
	}
	return s, nil
}

// Parse decodes an attributedBody blob into its text and attribute runs.
// For archives whose root is not an attributed string, Text is as for Text
// and Runs is empty.
func Parse(b []byte) (*AttributedString, error) {
	vals, err := Decode(b)
	if err != nil {
		return nil, err
	}
	for _, v := range vals {
		if o, ok := v.(*Object); ok && o.Is("NSAttributedString") {
			if as, err := newConverter().attributed(o, 0); err == nil {
				return as, nil
			}
		}
	}
	s, ok := rootString(vals)
	if !ok {
		return nil, ErrNoText
	}
	return &AttributedString{Text: s}, nil
}

// Slice returns the text between UTF-16 offsets start and start+length,
// clamped to the text. A surrogate pair cut in half is dropped.
func (s *AttributedString) Slice(start, length int) string {
	if s == nil || start < 0 || length <= 0 {
		return ""
	}
	end := start + length
	if end < start { // overflow
		return ""
	}
	pos := 0 // UTF-16 offset of the current rune
	from, to := -1, len(s.Text)
	for i, r := range s.Text {
		if pos >= start && from < 0 {
			from = i
		}
		if pos >= end {
			to = i
			break
		}
		pos += utf16Len(r)
	}
	if from < 0 {
		return ""
	}
	return s.Text[from:to]
}

// RunText returns the text covered by r.
func (s *AttributedString) RunText(r Run) string { return s.Slice(r.Start, r.Length) }

// UTF16Len returns the length of the text in UTF-16 code units, the unit
// of Run.Start and Run.Length.
func (s *AttributedString) UTF16Len() int {
	n := 0
	for _, r := range s.Text {
		n += utf16Len(r)
	}
	return n
}

func utf16Len(r rune) int {
	if r == utf8.RuneError {
		return 1
	}
	if n := utf16.RuneLen(r); n > 0 {
		return n
	}
	return 1
}

// AttachmentGUIDs returns the attachment GUIDs
// (__kIMFileTransferGUIDAttributeName) in text order, one per run that
// carries one.
func (s *AttributedString) AttachmentGUIDs() []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, r := range s.Runs {
		if g, ok := r.Attributes[AttrFileTransferGUID].(string); ok && g != "" {
			out = append(out, g)
		}
	}
	return out
}

// Span is a range of the text carrying one attribute value.
type Span struct {
	Start, Length int    // UTF-16 code units
	Text          string // the covered text
	Value         string // the attribute value (handle for mentions, URL for links)
}

// spans merges adjacent runs whose attribute name has the same string value.
func (s *AttributedString) spans(name string) []Span {
	if s == nil {
		return nil
	}
	var out []Span
	for _, r := range s.Runs {
		v, ok := r.Attributes[name].(string)
		if !ok {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Value == v && out[n-1].Start+out[n-1].Length == r.Start {
			out[n-1].Length += r.Length
			continue
		}
		out = append(out, Span{Start: r.Start, Length: r.Length, Value: v})
	}
	for i := range out {
		out[i].Text = s.Slice(out[i].Start, out[i].Length)
	}
	return out
}

// Mentions returns the confirmed mentions (__kIMMentionConfirmedMention):
// the mentioned text and, in Value, the handle (phone number or e-mail).
func (s *AttributedString) Mentions() []Span { return s.spans(AttrMention) }

// Links returns the link ranges (__kIMLinkAttributeName) with their URL in
// Value.
func (s *AttributedString) Links() []Span { return s.spans(AttrLink) }

// fastText decodes only up to the first NSString of a root attributed
// string. ok is false when the archive is not of that shape or is
// malformed before the text; Text then decodes it whole.
func fastText(b []byte) (string, bool) {
	d := decoder{b: b, budget: 2*len(b) + 1024, chunk: 8, textOnly: true}
	var h Header
	if err := d.header(&h); err != nil {
		return "", false
	}
	for d.off < len(d.b) {
		hb, err := d.head()
		if err != nil {
			return "", false
		}
		if err := d.group(hb, 0); err != nil {
			if err == errTextFound && d.text != nil {
				return validUTF8(*d.text), true
			}
			return "", false
		}
	}
	return "", false
}

// canonicalPrefixes are the two starts of an iMessage attributedBody as
// Messages writes them, up to the length of the text: the little-endian
// header (version 1000), then either a new NSAttributedString (class
// version 0, superclass NSObject version 0) whose first value is a new
// NSString (version 1, superclass a reference to NSObject), or a new
// NSMutableAttributedString (superclasses NSAttributedString, NSObject)
// whose first value is a new NSMutableString (superclass NSString
// version 1, then a reference to NSObject); the string is an unshared
// '+' string.
var canonicalPrefixes = [][]byte{
	[]byte("\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12NSAttributedString\x00" +
		"\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x08NSString\x01\x94\x84\x01+"),
	[]byte("\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x19NSMutableAttributedString\x00" +
		"\x84\x84\x12NSAttributedString\x00\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x0fNSMutableString\x01" +
		"\x84\x84\x08NSString\x01\x95\x84\x01+"),
}

// canonicalText reads the text of a blob that starts with one of
// canonicalPrefixes without the general decoder: the length (one byte,
// or 0x81 and a 16-bit, or 0x82 and a 32-bit little-endian integer), the
// bytes after it, and the END that closes the string object. It gives
// what fastText gives for such a blob (the fuzz target checks it), with
// one allocation instead of about twenty; ok is false for any other
// shape.
func canonicalText(b []byte) (string, bool) {
	var p []byte
	for _, pre := range canonicalPrefixes {
		if bytes.HasPrefix(b, pre) {
			p = b[len(pre):]
			break
		}
	}
	if len(p) == 0 {
		return "", false
	}
	var n uint64
	switch h := p[0]; {
	case h == tagInt16:
		if len(p) < 3 {
			return "", false
		}
		n, p = uint64(binary.LittleEndian.Uint16(p[1:])), p[3:]
	case h == tagInt32:
		if len(p) < 5 {
			return "", false
		}
		n, p = uint64(binary.LittleEndian.Uint32(p[1:])), p[5:]
	case isTag(h):
		return "", false // NIL, a 64-bit length or a malformed one: the decoder decides
	default:
		n, p = uint64(h), p[1:]
	}
	// The string object must end right after its one value, as the
	// decoder requires before it takes the text.
	if n >= uint64(len(p)) || p[n] != tagEnd {
		return "", false
	}
	return validUTF8(string(p[:n])), true
}
