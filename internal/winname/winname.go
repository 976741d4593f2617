// Package winname maps file names to names Windows can store, for the
// extraction of backups whose paths hold characters or names Windows
// refuses.
package winname

import (
	"fmt"
	"strings"
)

// Safe maps one path element to a name Windows can store:
// characters <>:"\|?* and control characters become %XX escapes (as does
// %), trailing dots and spaces are escaped, and reserved device names
// (CON, NUL, COM1, ...) get a trailing underscore.
func Safe(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		trailing := (c == '.' || c == ' ') && strings.TrimRight(s[i:], ". ") == ""
		if c < 0x20 || strings.IndexByte(`<>:"\|?*%`, c) >= 0 || trailing {
			fmt.Fprintf(&sb, "%%%02X", c)
			continue
		}
		sb.WriteByte(c)
	}
	out := sb.String()
	base, _, _ := strings.Cut(out, ".")
	switch strings.ToUpper(base) {
	case "CON", "PRN", "AUX", "NUL",
		"COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		out = base + "_" + out[len(base):]
	}
	return out
}
