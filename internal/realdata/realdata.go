package realdata

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the real-data folder, or skips the test when it is absent.
// With IOSBACKUP_REQUIRE_REALDATA=1 (set by the project's .ci/run) an absent
// folder fails the test instead. The generic CI variable is not used: hosted
// CI services set it for every clone, and a public clone has no real data.
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := find()
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("real data folder is required (%s=1): %v", RequireEnv, err)
		}
		t.Skipf("real data not available: %v", err)
	}
	return dir
}

// Path returns filepath.Join(Dir(t), elem...).
func Path(t testing.TB, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{Dir(t)}, elem...)...)
}

// Read returns the bytes of a real-data file, failing the test on error.
func Read(t testing.TB, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(Path(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RequireEnv names the variable that turns a missing real-data folder into
// a test failure.
const RequireEnv = "IOSBACKUP_REQUIRE_REALDATA"

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

func find() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir := os.Getenv("IOSBACKUP_REALDATA")
	if dir == "" {
		dir = filepath.Join("..", "shared", "realdata")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "SOURCES.md")); err != nil {
		return "", err
	}
	return dir, nil
}
