package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/iosbackup/iosbackup/internal/backuptest"
	"github.com/iosbackup/iosbackup/internal/realdata"
)

// found renders what Find yields, one line per yield.
func found(root string, seq func(func(*Found, error) bool)) []string {
	var out []string
	for f, err := range seq {
		switch {
		case f == nil:
			out = append(out, fmt.Sprintf("listing failed: %v", err))
		case err != nil:
			out = append(out, fmt.Sprintf("%s: error: %v", rel(root, f.Dir), err))
		default:
			out = append(out, fmt.Sprintf("%s: %s %s encrypted=%v", rel(root, f.Dir), f.Info.DeviceName, f.Info.ProductVersion, f.Info.Encrypted))
		}
	}
	return out
}

func rel(root, dir string) string {
	r, err := filepath.Rel(root, dir)
	if err != nil {
		return dir
	}
	return filepath.ToSlash(r)
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	write := func(name string, opts backuptest.Options) {
		t.Helper()
		if _, err := backuptest.Write(filepath.Join(root, name), opts, sampleFiles()); err != nil {
			t.Fatal(err)
		}
	}
	write("b-mbdb", backuptest.Options{Era: backuptest.EraMBDB, Device: backuptest.DeviceInfo{Name: "Old Phone", ProductVersion: "9.3.6"}})
	write("a-encrypted", backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw", Device: backuptest.DeviceInfo{Name: "New Phone", ProductVersion: "17.5"}})
	write("c-broken", backuptest.Options{Era: backuptest.Era10_2})
	must(t, os.WriteFile(filepath.Join(root, "c-broken", "Manifest.plist"), []byte("bplist00 garbage"), 0o600))
	must(t, os.Mkdir(filepath.Join(root, "d-empty"), 0o700))
	must(t, os.WriteFile(filepath.Join(root, "e-file"), []byte("x"), 0o600))
	if runtime.GOOS != "windows" {
		must(t, os.Symlink(filepath.Join(root, "a-encrypted"), filepath.Join(root, "f-link")))
	}

	want := []string{
		"a-encrypted: New Phone 17.5 encrypted=true",
		"b-mbdb: Old Phone 9.3.6 encrypted=false",
		"c-broken: error: backup: Manifest.plist: malformed",
	}
	got := found(root, Find(root))
	if len(got) != len(want) {
		t.Fatalf("Find:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("Find #%d: %q, want %q", i, got[i], want[i])
		}
	}
	for f, err := range Find(root) {
		if f.Dir == filepath.Join(root, "c-broken") {
			var fe *FormatError
			if !errors.As(err, &fe) || fe.File != "Manifest.plist" || f.Info != nil {
				t.Errorf("broken backup: %v, info %v", err, f.Info)
			}
		}
	}

	// The folder itself is a backup: it is yielded, its payload folders
	// are not backups.
	got = found(root, Find(filepath.Join(root, "b-mbdb")))
	if !slices.Equal(got, []string{"b-mbdb: Old Phone 9.3.6 encrypted=false"}) {
		t.Errorf("Find of a backup folder: %q", got)
	}
	// Stopping early.
	n := 0
	for range Find(root) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("%d yields after break", n)
	}
	// A folder that does not exist, and a file.
	for _, dir := range []string{filepath.Join(root, "nowhere"), filepath.Join(root, "e-file")} {
		var errs []error
		for f, err := range Find(dir) {
			if f != nil {
				t.Errorf("%s: yielded %+v", dir, f)
			}
			errs = append(errs, err)
		}
		if len(errs) != 1 || errs[0] == nil {
			t.Errorf("%s: errors %v", dir, errs)
		}
	}
	for f, err := range Find(filepath.Join(root, "nowhere")) {
		if f != nil || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("missing folder: %v %v", f, err)
		}
	}
}

// TestFindRealData finds the real backups of the real-data folder.
func TestFindRealData(t *testing.T) {
	root := realdata.Path(t, "DERIVED-ios5-mbdb-backup")
	got := found(root, Find(root))
	want := []string{"clean: Holdout derived iPhone 5.1.1 encrypted=false", "faulty: Holdout derived iPhone 5.1.1 encrypted=false"}
	if !slices.Equal(got, want) {
		t.Errorf("Find: %q, want %q", got, want)
	}
	root = realdata.Path(t, "hv20/day23")
	for f, err := range Find(root) {
		if err != nil || f.Dir != filepath.Join(root, "Backup") || f.Info.DeviceName != "Santas Phone" || !f.Info.Encrypted ||
			f.Info.UDID != "5e8dfbc7f9f29a7645d66ef70b6f2d3f5dad8583" {
			t.Errorf("hv20: %+v %v", f, err)
		}
	}
}

func TestDefaultDirs(t *testing.T) {
	env := map[string]string{`APPDATA`: `C:\Users\u\AppData\Roaming`, `USERPROFILE`: `C:\Users\u`}
	home := func() (string, error) { return "/Users/u", nil }
	for _, c := range []struct {
		goos string
		want []string
	}{
		{"darwin", []string{filepath.Join("/Users/u", "Library", "Application Support", "MobileSync", "Backup")}},
		{"windows", []string{filepath.Join(env["APPDATA"], "Apple Computer", "MobileSync", "Backup"), filepath.Join(env["USERPROFILE"], "Apple", "MobileSync", "Backup")}},
		{"linux", nil},
	} {
		got := defaultDirs(c.goos, func(k string) string { return env[k] }, home)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.goos, got, c.want)
		}
	}
	// Without the variables or a home folder: nothing.
	none := func() (string, error) { return "", errors.New("no home") }
	if got := defaultDirs("windows", func(string) string { return "" }, none); got != nil {
		t.Errorf("windows without variables: %q", got)
	}
	if got := defaultDirs("darwin", os.Getenv, none); got != nil {
		t.Errorf("darwin without a home: %q", got)
	}
	if runtime.GOOS == "linux" && DefaultDirs() != nil {
		t.Errorf("DefaultDirs on linux: %q", DefaultDirs())
	}
}
