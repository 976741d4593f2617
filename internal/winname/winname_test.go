package winname

import "testing"

func TestSafe(t *testing.T) {
	for in, want := range map[string]string{
		"normal.txt": "normal.txt",
		"CON":        "CON_",
		"nul.txt":    "nul_.txt",
		"a:b?c*":     "a%3Ab%3Fc%2A",
		"trail. ":    "trail%2E%20",
		"100%":       "100%25",
		"tab\there":  "tab%09here",
		"COM1.log":   "COM1_.log",
		"CONSOLE":    "CONSOLE",
	} {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q) = %q, want %q", in, got, want)
		}
	}
}
