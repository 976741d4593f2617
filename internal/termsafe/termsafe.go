// Package termsafe shows text from a backup on a terminal without letting
// it act on the terminal.
//
// Every byte of a backup is attacker-controlled, and a device name, a file
// path or a message may hold terminal escape sequences (OSC 52 sets the
// clipboard, OSC 0 the window title) or bidirectional controls that make
// "invoice\u202Efdp.exe" look like "invoiceexe.pdf". Line and Lines show
// such characters as visible escapes instead. The text formats of
// records/export and ibackup's text go through them, and EscapeJSON does the
// same for JSON text, keeping its values exact.
package termsafe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Unsafe reports whether r must not reach a terminal raw: C0 and C1
// controls, DEL, the bidirectional embedding, override and isolate
// controls, the implicit direction marks and the line and paragraph
// separators.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r < 0xa0:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c, r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// Line returns s with every Unsafe rune and every byte of invalid UTF-8
// written as a visible escape: \n, \t, \r, \e for the common ones, \xNN
// for other bytes below 0x80 and invalid bytes, \u{NNNN} for the rest.
// The result is one line.
func Line(s string) string {
	return escape(s, false)
}

// Lines is Line but keeps line feeds, for multi-line text (a message
// body) that the caller lays out itself.
func Lines(s string) string {
	return escape(s, true)
}

func escape(s string, keepNewlines bool) string {
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 || Unsafe(r) && !(keepNewlines && r == '\n') {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' && keepNewlines:
			b.WriteByte('\n')
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == 0x1b:
			b.WriteString(`\e`)
		case r < 0x80 && Unsafe(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case Unsafe(r):
			fmt.Fprintf(&b, `\u{%04X}`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// EscapeJSON rewrites the runes of JSON text b that
// encoding/json leaves raw but a terminal acts on (DEL, C1 controls,
// bidirectional controls) as \uXXXX escapes. JSON text holds non-ASCII
// runes only inside strings, where the escape decodes to the same rune, so
// the values stay exact.
func EscapeJSON(b []byte) []byte {
	i := 0
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf && c != 0x7f {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if c == 0x7f || Unsafe(r) {
			break
		}
		i += n
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if (r == 0x7f || r >= 0x80) && Unsafe(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}
