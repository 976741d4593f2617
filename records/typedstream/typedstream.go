package typedstream

import "errors"

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
	Attributes    map[string]any // values: string, int64, float64, []byte, []any, map[string]any, nil
}

// Text returns the main string of an attributedBody blob.
func Text(b []byte) (string, error) {
	s, err := Parse(b)
	if err != nil {
		return "", err
	}
	return s.Text, nil
}

// Parse decodes an attributedBody blob. (Stub: being implemented.)
func Parse(b []byte) (*AttributedString, error) {
	return nil, errors.New("typedstream: not implemented yet")
}
