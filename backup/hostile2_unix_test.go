//go:build unix

package backup

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/backuptest"
)

// TestSpecialFiles: a named pipe as a payload, as Info.plist, as
// Manifest.plist or as Manifest.db hung every command (opening a pipe
// blocks until a writer comes); now each is refused before being opened,
// with an error wrapping ErrNotRegular.
func TestSpecialFiles(t *testing.T) {
	for _, era := range []backuptest.Era{backuptest.Era10_2, backuptest.EraMBDB} {
		for _, target := range []string{"payload", "Info.plist", "Status.plist", "Manifest.plist", "manifest"} {
			t.Run(era.String()+"/"+target, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "backup")
				res, err := backuptest.Write(dir, plain(era), goodFiles())
				if err != nil {
					t.Fatal(err)
				}
				name := target
				switch target {
				case "payload":
					e, _ := res.Entry(backuptest.FileID("HomeDomain", "Library/SMS/sms.db"))
					name = e.PayloadName
				case "manifest":
					name = "Manifest.db"
					if era == backuptest.EraMBDB {
						name = "Manifest.mbdb"
					}
				}
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				if err := syscall.Mkfifo(p, 0o600); err != nil {
					t.Skipf("mkfifo: %v", err)
				}
				done := make(chan struct{})
				go func() {
					defer close(done)
					guard(t, dir, 30*time.Second, 64<<20, func() { specialFileCase(t, dir, target) })
				}()
				select {
				case <-done:
				case <-time.After(60 * time.Second):
					// Unblock the hung open so the test can end.
					if f, err := os.OpenFile(p, os.O_WRONLY, 0); err == nil {
						f.Close()
					}
					t.Fatal("hung on the named pipe")
				}
			})
		}
	}
}

func specialFileCase(t *testing.T, dir, target string) {
	b, err := Open(dir)
	if target == "Manifest.plist" {
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("Open: %v", err)
		}
		return
	}
	if err != nil {
		t.Errorf("Open: %v", err)
		return
	}
	defer b.Close()
	switch target {
	case "Info.plist", "Status.plist":
		if !slices.ContainsFunc(b.Info().Problems, func(p string) bool { return strings.Contains(p, "not a regular file") }) {
			t.Errorf("problems %q", b.Info().Problems)
		}
	case "manifest":
		_, err := fs.ReadFile(b, "HomeDomain/Library/SMS/sms.db")
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("ReadFile: %v", err)
		}
		return
	case "payload":
		_, err := fs.ReadFile(b, "HomeDomain/Library/SMS/sms.db")
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("ReadFile: %v", err)
		}
		h, err := b.Check(context.Background())
		if err != nil || len(h.Undecodable) != 1 || !errors.Is(h.Undecodable[0].Err, ErrNotRegular) {
			t.Errorf("Check: %v %v", h.Undecodable, err)
		}
		// Extraction's own open path (openat on the payload folders)
		// names the pipe too, rather than calling the payload missing.
		rep, err := b.Extract(context.Background(), filepath.Join(t.TempDir(), "out"), nil)
		if err != nil {
			t.Errorf("Extract: %v", err)
		} else if len(rep.Failed) != 1 || !errors.Is(rep.Failed[0].Err, ErrNotRegular) {
			t.Errorf("Extract failed: %v", rep.Failed)
		}
	}
	if got, err := fs.ReadFile(b, "HomeDomain/Library/Notes/notes.txt"); err != nil || string(got) != "good notes\n" {
		t.Errorf("notes.txt: %q %v", got, err)
	}
}
