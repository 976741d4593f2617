package typedstream_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/realdata"
	"github.com/iosbackup/iosbackup/records/typedstream"
)

// The public face gives the text, the runs and the typed errors of the
// decoder behind it; the decoder's own tests are in internal/typedstream.

func TestTextAndParse(t *testing.T) {
	body := dbfixture.AttributedBody("\uFFFCsee you at 8", "GUID-1")
	text, err := typedstream.Text(body)
	if err != nil || text != "\uFFFCsee you at 8" {
		t.Fatalf("Text = %q, %v", text, err)
	}
	as, err := typedstream.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if as.Text != text || as.UTF16Len() != 13 {
		t.Fatalf("Parse = %q (%d UTF-16 units)", as.Text, as.UTF16Len())
	}
	if g := as.AttachmentGUIDs(); !reflect.DeepEqual(g, []string{"GUID-1"}) {
		t.Errorf("AttachmentGUIDs = %v", g)
	}
	var att typedstream.Run
	for _, r := range as.Runs {
		if r.Attributes[typedstream.AttrFileTransferGUID] != nil {
			att = r
		}
	}
	if att.Start != 0 || att.Length != 1 || as.RunText(att) != "\uFFFC" || att.Attributes[typedstream.AttrMessagePart] != int64(0) {
		t.Errorf("attachment run %+v", att)
	}
}

func TestErrors(t *testing.T) {
	body := dbfixture.AttributedBody("hello")
	cases := []struct {
		name   string
		in     []byte
		msg    string
		offset int64
		notTS  bool
	}{
		{"not a typedstream", []byte("\x04\x0bstreamtypex\x81\xe8\x03"), "typedstream: offset 0: bad signature", 0, true},
		{"truncated", body[:20], "typedstream: offset 20: unexpected end of data", 20, false},
	}
	for _, c := range cases {
		for name, f := range map[string]func([]byte) error{
			"Text":  func(b []byte) error { _, err := typedstream.Text(b); return err },
			"Parse": func(b []byte) error { _, err := typedstream.Parse(b); return err },
		} {
			err := f(c.in)
			var fe *typedstream.FormatError
			if !errors.As(err, &fe) || fe.Offset != c.offset || fe.File != "" || err.Error() != c.msg {
				t.Errorf("%s %s: %v", name, c.name, err)
				continue
			}
			if !errors.Is(err, typedstream.ErrMalformed) || errors.Is(err, typedstream.ErrNotTypedstream) != c.notTS {
				t.Errorf("%s %s: %v matches the wrong sentinels", name, c.name, err)
			}
			if !errors.Is(fe.Unwrap(), typedstream.ErrMalformed) {
				t.Errorf("%s %s: Unwrap() = %v", name, c.name, fe.Unwrap())
			}
		}
	}
}

// TestRealMention reads a real attributedBody with a confirmed mention
// (crabstep's test data, see SOURCES.md).
func TestRealMention(t *testing.T) {
	as, err := typedstream.Parse(realdata.Read(t, "crabstep/src/test_data", "Mention"))
	if err != nil {
		t.Fatal(err)
	}
	want := []typedstream.Span{{Start: 5, Length: 3, Text: "Dad", Value: "+15558675309"}}
	if as.Text != "Test Dad " || !reflect.DeepEqual(as.Mentions(), want) || len(as.Links()) != 0 {
		t.Fatalf("Parse = %q, mentions %+v", as.Text, as.Mentions())
	}
}
