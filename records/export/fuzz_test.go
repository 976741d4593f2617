package export

import (
	"encoding/xml"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzXMLAttr checks that any string survives as an attribute value:
// well-formed XML whose parsed value is the input minus forbidden
// characters.
func FuzzXMLAttr(f *testing.F) {
	for _, s := range []string{"", "plain", "<&>\"'", "a\nb\r\tc", "\x00\x01\x1f", "\xff\xfe", "😀\uFFFE\uFFFF", "]]>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		doc := `<a v="` + string(appendXMLAttr(nil, s)) + `"/>`
		var v struct {
			V string `xml:"v,attr"`
		}
		if err := xml.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		want := strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0xFFFE || r == 0xFFFF {
				return -1
			}
			return r
		}, strings.ToValidUTF8(s, "\uFFFD"))
		// ToValidUTF8 merges runs of bad bytes; ours replaces each byte.
		if utf8.ValidString(s) && v.V != want {
			t.Errorf("%q parsed as %q, want %q", s, v.V, want)
		}
	})
}

// FuzzSafeBase checks that a file name can never leave its directory.
func FuzzSafeBase(f *testing.F) {
	for _, s := range []string{"", "..", "../../etc/passwd", `a\b`, "CON", "chat123", "+1 555", strings.Repeat("é", 90)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := safeBase(s, 80)
		if n == "" || n == "." || n == ".." || strings.ContainsAny(n, `/\:`) || strings.HasPrefix(n, ".") || len(n) > 81 {
			t.Errorf("safeBase(%q) = %q", s, n)
		}
	})
}
