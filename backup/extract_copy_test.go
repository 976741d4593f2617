package backup

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/iosbackup/iosbackup/internal/backuptest"
)

// TestExtractCopyPaths: every way a file is copied gives the stored bytes
// and modification time, encrypted or not, with either sink: one piece
// (up to smallFile), the read/decrypt + write pipeline at and around
// segment boundaries, and for unencrypted backups the in-kernel copy
// (copy_file_range on Linux) in several calls.
func TestExtractCopyPaths(t *testing.T) {
	seg := int(segmentSize)
	sizes := []int{0, 1, 15, 16, 17, int(smallFile) - 17, int(smallFile), int(smallFile) + 1,
		2*seg - 16, 2 * seg, 2*seg + 1, pipeDepth*seg + 5, copyChunkForTest + 3}
	var files []backuptest.File
	for i, n := range sizes {
		data := make([]byte, n)
		for j := range data {
			data[j] = byte(j*7 + i*131 + j>>9)
		}
		files = append(files, backuptest.File{Domain: "MediaDomain", Path: fmt.Sprintf("Media/f%02d-%d.bin", i, n), Data: data})
	}
	for _, encrypted := range []bool{true, false} {
		t.Run(fmt.Sprintf("encrypted=%v", encrypted), func(t *testing.T) {
			b, _, _ := extractFixture(t, backuptest.Options{Era: backuptest.Era10_2, Encrypted: encrypted, Password: "pw"}, files)
			eachSink(t, func(t *testing.T) {
				dest := t.TempDir()
				rep, err := b.Extract(t.Context(), dest, &ExtractOptions{Workers: 2})
				if err != nil || !rep.OK() || rep.Files != len(files) {
					t.Fatalf("report %+v, %v", rep, err)
				}
				var total int64
				for _, f := range files {
					got, err := os.ReadFile(filepath.Join(dest, f.Domain, filepath.FromSlash(f.Path)))
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got, f.Data) {
						t.Errorf("%s: %d bytes differ from the %d stored", f.Path, len(got), len(f.Data))
					}
					total += int64(len(f.Data))
					e, err := b.Lookup(f.Domain, f.Path)
					if err != nil {
						t.Fatal(err)
					}
					st, err := os.Stat(filepath.Join(dest, f.Domain, filepath.FromSlash(f.Path)))
					if err != nil {
						t.Fatal(err)
					}
					if !e.Modified.IsZero() && !st.ModTime().Equal(e.Modified) {
						t.Errorf("%s: modified %v, want %v", f.Path, st.ModTime(), e.Modified)
					}
					if st.Mode().Perm() != 0o600 {
						t.Errorf("%s: mode %v, want 0600", f.Path, st.Mode())
					}
				}
				if rep.Bytes != total {
					t.Errorf("report %d bytes, want %d", rep.Bytes, total)
				}
				noTemps(t, dest)
			})
		})
	}
}

// TestExtractPayloadTruncatedWhileRead: a payload cut short while it is
// being decrypted (someone else truncates it) fails that file as corrupt,
// leaves nothing under its name, and the others go on.
func TestExtractPayloadTruncatedWhileRead(t *testing.T) {
	big := make([]byte, 12<<20)
	for i := range big {
		big[i] = byte(i * 29)
	}
	files := []backuptest.File{
		{Domain: "CameraRollDomain", Path: "Media/cut.MOV", Data: big},
		{Domain: "HomeDomain", Path: "Library/after.txt", Data: []byte("still extracted")},
	}
	eachSink(t, func(t *testing.T) {
		b, dir, _ := extractFixture(t, backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw"}, files)
		id := backuptest.FileID("CameraRollDomain", "Media/cut.MOV")
		payload := filepath.Join(dir, id[:2], id)
		dest := t.TempDir()
		cut := false
		rep, err := b.Extract(t.Context(), dest, &ExtractOptions{Workers: 1, Progress: func(p Progress) {
			if !cut && p.Entry.Path == "Media/cut.MOV" && p.Bytes > 0 {
				cut = true
				if err := os.Truncate(payload, 4096); err != nil {
					t.Error(err)
				}
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		if !cut || len(rep.Failed) != 1 || !errors.Is(rep.Failed[0].Err, ErrCorruptPayload) || rep.Files != 1 {
			t.Fatalf("cut %v, report %+v (failed %v)", cut, rep, rep.Failed)
		}
		got := noTemps(t, dest)
		if got["CameraRollDomain/Media/cut.MOV"] || !got["HomeDomain/Library/after.txt"] {
			t.Errorf("files left: %v", got)
		}
	})
}
