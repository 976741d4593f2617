package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Every byte of a backup is attacker-controlled, and a device name, a file
// path or a message may hold terminal escape sequences (OSC 52 sets the
// clipboard, OSC 0 the window title) or bidirectional controls that make
// "invoice\u202Efdp.exe" look like "invoiceexe.pdf". Everything ibackup
// writes for people (text formats, info, list, files, check, warnings and
// errors on standard error) goes through safe or safeLines, which show such
// characters as visible escapes instead of passing them to the terminal.
// Machine formats stay exact: JSON Lines escapes them as \u sequences
// (jsonSafe), CSV drops C0/C1 controls other than tab and line breaks (the
// export package's rule).

// unsafeRune reports whether r must not reach a terminal raw: C0 and C1
// controls, DEL, the bidirectional embedding, override and isolate
// controls, the implicit direction marks and the line and paragraph
// separators.
func unsafeRune(r rune) bool {
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

// safe returns s with every unsafe rune (unsafeRune) and every byte of
// invalid UTF-8 written as a visible escape: \n, \t, \r, \e for the common
// ones, \xNN for other bytes below 0x80 and invalid bytes, \u{NNNN} for
// the rest. The result is one line.
func safe(s string) string {
	return escape(s, false)
}

// safeLines is safe but keeps line feeds, for multi-line text (a message
// body) that the caller lays out itself.
func safeLines(s string) string {
	return escape(s, true)
}

func escape(s string, keepNewlines bool) string {
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 || unsafeRune(r) && !(keepNewlines && r == '\n') {
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
		case r < 0x80 && unsafeRune(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u{%04X}`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// warnf writes "ibackup: " and the formatted message to standard error, on
// one line, made safe.
func (a *app) warnf(format string, args ...any) {
	fmt.Fprintf(a.stderr, "ibackup: %s\n", safe(fmt.Sprintf(format, args...)))
}

// jsonSafe rewrites, in place when it can, the runes of JSON text b that
// encoding/json leaves raw but a terminal acts on (DEL, C1 controls,
// bidirectional controls) as \uXXXX escapes. JSON text holds non-ASCII
// runes only inside strings, where the escape decodes to the same rune, so
// the values stay exact.
func jsonSafe(b []byte) []byte {
	i := 0
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf && c != 0x7f {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if c == 0x7f || unsafeRune(r) {
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
		if (r == 0x7f || r >= 0x80) && unsafeRune(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

// jsonWriter passes JSON text through jsonSafe. Each Write must hold whole
// runes (encoding/json's Encoder writes one whole value per call).
type jsonWriter struct{ w io.Writer }

func (j jsonWriter) Write(p []byte) (int, error) {
	if _, err := j.w.Write(jsonSafe(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// linef writes one line to w: the formatted text made safe, then "\n".
// The format itself is ibackup's; only the values come from the backup.
func linef(w io.Writer, format string, args ...any) {
	fmt.Fprintln(w, safe(fmt.Sprintf(format, args...)))
}
