//go:build amd64 && !purego

package aescbc

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestDetectMatchesKernel compares the CPU feature probe with the flags the
// Linux kernel reports, where /proc/cpuinfo exists.
func TestDetectMatchesKernel(t *testing.T) {
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skip("no /proc/cpuinfo")
	}
	var flags []string
	for line := range strings.SplitSeq(string(info), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "flags" {
			flags = strings.Fields(v)
			break
		}
	}
	if flags == nil {
		t.Skip("no flags line in /proc/cpuinfo")
	}
	if want := slices.Contains(flags, "aes"); haveAsm != want {
		t.Errorf("haveAsm = %v, kernel flag aes = %v", haveAsm, want)
	}
}
