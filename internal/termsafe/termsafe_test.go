package termsafe

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/iosbackup/iosbackup/internal/fuzzcorpus"
)

const (
	osc52   = "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07\x1b]0;pwned\x07"
	rloName = "invoice\u202Efdp.exe"
)

// TestLine checks the escaping of every unsafe rune class.
func TestLine(t *testing.T) {
	cases := []struct{ in, line, lines string }{
		{"plain Ünïcødé 日本語 👨‍👩‍👧", "plain Ünïcødé 日本語 👨‍👩‍👧", "plain Ünïcødé 日本語 👨‍👩‍👧"},
		{osc52 + "x", `\e]52;c;Y3VybCBldmlsIHwgc2g=\x07\e]0;pwned\x07x`, `\e]52;c;Y3VybCBldmlsIHwgc2g=\x07\e]0;pwned\x07x`},
		{rloName, `invoice\u{202E}fdp.exe`, `invoice\u{202E}fdp.exe`},
		{"a\u2066b\u2069c\u200Fd\u061Ce\u200Ef\u202Ag", `a\u{2066}b\u{2069}c\u{200F}d\u{061C}e\u{200E}f\u{202A}g`, `a\u{2066}b\u{2069}c\u{200F}d\u{061C}e\u{200E}f\u{202A}g`},
		{"c1\u009b31m del\x7f nul\x00", `c1\u{009B}31m del\x7f nul\x00`, `c1\u{009B}31m del\x7f nul\x00`},
		{"bad\xff\xfeutf8", `bad\xff\xfeutf8`, `bad\xff\xfeutf8`},
		{"tab\there\nnew\rret", `tab\there\nnew\rret`, "tab\\there\nnew\\rret"},
		{"para\u2028sep\u2029", `para\u{2028}sep\u{2029}`, `para\u{2028}sep\u{2029}`},
	}
	for _, c := range cases {
		if got := Line(c.in); got != c.line {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.line)
		}
		if got := Lines(c.in); got != c.lines {
			t.Errorf("Lines(%q) = %q, want %q", c.in, got, c.lines)
		}
	}
}

var seeds = []string{osc52, rloName, "\xc2\x9b31m", "\xff", "a\u2028b", "日本\u200f語", "a\nb\x1b"}

// FuzzLine checks that Line never lets an unsafe rune or invalid UTF-8
// through and never produces more than one line, and that Lines keeps
// exactly the line feeds of its input.
func FuzzLine(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Line(s)
		if !utf8.ValidString(out) || strings.ContainsRune(out, '\n') {
			t.Fatalf("Line(%q) = %q", s, out)
		}
		for _, r := range out {
			if Unsafe(r) {
				t.Fatalf("Line(%q) = %q holds %U", s, out, r)
			}
		}
		multi := Lines(s)
		if strings.Count(multi, "\n") != strings.Count(s, "\n") {
			t.Fatalf("Lines(%q) = %q changed the line feeds", s, multi)
		}
		for _, r := range multi {
			if r != '\n' && Unsafe(r) {
				t.Fatalf("Lines(%q) = %q holds %U", s, multi, r)
			}
		}
	})
}

func TestFuzzCorpus(t *testing.T) {
	var c [][]any
	for _, s := range seeds {
		c = append(c, []any{s})
	}
	fuzzcorpus.Check(t, "FuzzLine", c)
}

// TestEscapeJSON: DEL, C1 controls and bidi marks inside JSON strings
// become \u escapes that decode to the same runes; clean text and the
// newline that ends an encoded value are left as they are.
func TestEscapeJSON(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":"plain 日本語"}` + "\n":                   `{"a":"plain 日本語"}` + "\n",
		`{"a":"x` + "\u202E\u0085\x7f\u2066" + `y"}`: `{"a":"x\u202e\u0085\u007f\u2066y"}`,
		`{"a":"` + "\u200f\u061c" + `"}`:             `{"a":"\u200f\u061c"}`,
		`{"a":"bad ` + "\xff" + `"}`:                 `{"a":"bad ` + "\xff" + `"}`,
	} {
		if got := string(EscapeJSON([]byte(in))); got != want {
			t.Errorf("EscapeJSON(%q) = %q, want %q", in, got, want)
		}
	}
}
