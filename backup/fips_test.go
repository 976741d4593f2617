package backup

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/iosbackup/iosbackup/internal/backuptest"
)

// TestFIPSOnlyIsAnError: with GODEBUG=fips140=only crypto/sha1 panics;
// iOS backups need SHA-1 (file IDs, PBKDF2-HMAC-SHA1), so Unlock, Check
// and reading a Manifest.mbdb return ErrFIPSOnly instead of panicking
// (issue 11, bug 3). The backups are built by this process and read by a
// child running in that mode.
func TestFIPSOnlyIsAnError(t *testing.T) {
	if dir := os.Getenv("IOSBACKUP_FIPS_DIR"); dir != "" {
		fipsChild(t, dir)
		return
	}
	parent := t.TempDir()
	if _, err := backuptest.Write(filepath.Join(parent, "enc"), enc(backuptest.Era10_2), goodFiles()); err != nil {
		t.Fatal(err)
	}
	if _, err := backuptest.Write(filepath.Join(parent, "mbdb"), plain(backuptest.EraMBDB), goodFiles()); err != nil {
		t.Fatal(err)
	}
	if _, err := backuptest.Write(filepath.Join(parent, "db"), plain(backuptest.Era10_2), goodFiles()); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFIPSOnlyIsAnError$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "IOSBACKUP_FIPS_DIR="+parent, "GODEBUG=fips140=only")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func fipsChild(t *testing.T, parent string) {
	b, err := Open(filepath.Join(parent, "enc"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Unlock(context.Background(), "pw"); !errors.Is(err, ErrFIPSOnly) {
		t.Errorf("Unlock: %v", err)
	}
	b.Close()
	b, err = Open(filepath.Join(parent, "mbdb"))
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range b.Entries() {
		if !errors.Is(err, ErrFIPSOnly) {
			t.Errorf("mbdb Entries: %v", err)
		}
	}
	b.Close()
	b, err = Open(filepath.Join(parent, "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Check(context.Background()); !errors.Is(err, ErrFIPSOnly) {
		t.Errorf("Check: %v", err)
	}
	// Reading files needs no SHA-1.
	if got, err := os.ReadFile(filepath.Join(parent, "db", "Info.plist")); err != nil || len(got) == 0 {
		t.Fatal(err)
	}
}
