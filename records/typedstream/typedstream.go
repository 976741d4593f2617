package typedstream

import (
	impl "github.com/iosbackup/iosbackup/internal/typedstream"
)

// The decoder lives in internal/typedstream (with the general archive
// decoder, the Foundation conversion and the lenient recovery that the
// records package uses); this package is its public face. The types are
// aliases, so that a nested attributed string inside an attribute value
// is the same *AttributedString that Parse returns.

// Attribute names written by Messages that callers commonly need: the
// keys of Run.Attributes.
const (
	AttrMessagePart      = impl.AttrMessagePart      // int64 part index
	AttrFileTransferGUID = impl.AttrFileTransferGUID // attachment GUID (string)
	AttrMention          = impl.AttrMention          // mentioned handle (string)
	AttrLink             = impl.AttrLink             // URL (string)
	AttrBold             = impl.AttrBold             // int64 1
	AttrItalic           = impl.AttrItalic           // int64 1
	AttrUnderline        = impl.AttrUnderline        // int64 1
	AttrStrikethrough    = impl.AttrStrikethrough    // int64 1
	AttrTextEffect       = impl.AttrTextEffect       // int64 effect id
)

// AttributedString is a decoded NSAttributedString (an iMessage
// attributedBody): its Text and its attribute Runs. Its methods:
//
//   - Slice(start, length int) string: the text between two UTF-16
//     offsets, clamped to the text;
//   - RunText(r Run) string: the text a run covers;
//   - UTF16Len() int: the length of the text in UTF-16 code units, the
//     unit of Run.Start and Run.Length;
//   - AttachmentGUIDs() []string: the attachment GUIDs
//     (AttrFileTransferGUID) in text order;
//   - Mentions() []Span: the confirmed mentions (AttrMention), the
//     handle in Span.Value;
//   - Links() []Span: the links (AttrLink), the URL in Span.Value.
type AttributedString = impl.AttributedString

// Run is a range of the text (Start and Length in UTF-16 code units, as
// Foundation counts) with its Attributes: a map from attribute names
// (the Attr constants and others) to values: string, int64, float64,
// []byte, []any, map[string]any or nil, and rarely uint64, bool,
// time.Time (an NSDate) or *AttributedString. Runs that share an
// attribute dictionary share the same map: treat it as read-only.
type Run = impl.Run

// Span is a range of the text carrying one attribute value, as Mentions
// and Links return them: Start and Length (UTF-16 code units), the
// covered Text, and the attribute's Value (the handle of a mention, the
// URL of a link).
type Span = impl.Span

// FormatError reports malformed input. File names the file the blob came
// from ("" for a blob, as Text and Parse return it); Offset is the byte
// offset where decoding stopped (-1 when unknown); Err describes the
// problem. Error() never includes decoded text. Unwrap returns Err,
// which matches ErrMalformed, and also ErrNotTypedstream for input that
// is not a typedstream at all.
type FormatError = impl.FormatError

// Sentinel errors, for errors.Is.
var (
	// ErrMalformed matches every *FormatError.
	ErrMalformed = impl.ErrMalformed
	// ErrNotTypedstream matches a *FormatError for input that is not a
	// typedstream at all (a bad header).
	ErrNotTypedstream = impl.ErrNotTypedstream
	// ErrNoText is returned by Text and Parse when the archive is well
	// formed but holds no string.
	ErrNoText = impl.ErrNoText
)

// Text returns the main string of an attributedBody blob: the string of
// the root NSAttributedString or NSString, or else the first NSString
// found in the archive (depth first). For a root attributed string
// decoding stops as soon as the text is known, so a body damaged only in
// its attribute runs still gives its text (Parse reports the damage); a
// blob damaged before that returns a *FormatError. A well-formed archive
// without any string returns ErrNoText.
func Text(b []byte) (string, error) { return impl.Text(b) }

// Parse decodes an attributedBody blob into its text and attribute runs.
// For archives whose root is not an attributed string, Text is as for
// Text and Runs is empty. Errors are as for Text, except that damage
// anywhere in the archive is a *FormatError.
func Parse(b []byte) (*AttributedString, error) { return impl.Parse(b) }
