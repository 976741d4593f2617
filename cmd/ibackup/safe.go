package main

import (
	"fmt"
	"io"

	"github.com/iosbackup/iosbackup/internal/termsafe"
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

// The escaping itself is internal/termsafe, shared with the export
// package's text writers so that both show hostile text the same way.

// unsafeRune reports whether r must not reach a terminal raw (termsafe.Unsafe).
func unsafeRune(r rune) bool { return termsafe.Unsafe(r) }

// safe returns s as one line with every unsafe rune and invalid byte
// written as a visible escape (termsafe.Line).
func safe(s string) string { return termsafe.Line(s) }

// safeLines is safe but keeps line feeds, for multi-line text (a message
// body) that the caller lays out itself (termsafe.Lines).
func safeLines(s string) string { return termsafe.Lines(s) }

// warnf writes "ibackup: " and the formatted message to standard error, on
// one line, made safe.
func (a *app) warnf(format string, args ...any) {
	fmt.Fprintf(a.stderr, "ibackup: %s\n", safe(fmt.Sprintf(format, args...)))
}

// jsonSafe escapes the runes of JSON text b that a terminal acts on
// (termsafe.EscapeJSON).
func jsonSafe(b []byte) []byte { return termsafe.EscapeJSON(b) }

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
