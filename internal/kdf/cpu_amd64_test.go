//go:build amd64 && !purego

package kdf

import (
	"os"
	"strings"
	"testing"
)

// TestDetectSHANIMatchesKernel compares the CPUID probe with the flags the
// Linux kernel reports (sha_ni), where /proc/cpuinfo exists.
func TestDetectSHANIMatchesKernel(t *testing.T) {
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
	has := func(f string) bool {
		for _, g := range flags {
			if g == f {
				return true
			}
		}
		return false
	}
	want := has("sha_ni") && has("ssse3") && has("sse4_1")
	if haveSHANI != want {
		t.Errorf("haveSHANI = %v, kernel flags say %v", haveSHANI, want)
	}
}
