package backup

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/backuptest"
	"github.com/iosbackup/iosbackup/manifest"
)

// eachSink runs f with the raw-descriptor sink (where the platform has
// one) and with the portable os.Root sink.
func eachSink(t *testing.T, f func(t *testing.T)) {
	for _, force := range []bool{false, true} {
		name := "native"
		if force {
			name = "osroot"
		}
		t.Run(name, func(t *testing.T) {
			old := forceRootSink
			forceRootSink = force
			t.Cleanup(func() { forceRootSink = old })
			f(t)
		})
	}
}

// extractFixture writes an encrypted backup of files and opens and
// unlocks it.
func extractFixture(t *testing.T, opts backuptest.Options, files []backuptest.File) (*Backup, string, *backuptest.Result) {
	t.Helper()
	dir := t.TempDir()
	res, err := backuptest.Write(dir, opts, files)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if b.Encrypted() {
		if err := b.UnlockWithKey(res.KEK); err != nil {
			t.Fatal(err)
		}
	}
	return b, dir, res
}

// noTemps fails when a temporary file is left anywhere under dest, and
// returns the regular files found there.
func noTemps(t *testing.T, dest string) map[string]bool {
	t.Helper()
	files := map[string]bool{}
	filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".ibackup-") {
			t.Errorf("temporary file left: %s", p)
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dest, p)
			files[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	return files
}

// TestExtractSparsePayload: a payload far larger than its recorded size
// and hollow on disk (a 2 GiB sparse file in a small backup) fails with
// ErrSizeMismatch and writes nothing; a payload that grew with real data
// (a stale recorded size, as live databases have) is extracted whole.
func TestExtractSparsePayload(t *testing.T) {
	for _, encrypted := range []bool{true, false} {
		t.Run(map[bool]string{true: "encrypted", false: "plain"}[encrypted], func(t *testing.T) {
			grown := bytes.Repeat([]byte("grown since the manifest was written "), 3000) // 111 KB
			files := []backuptest.File{
				{Domain: "HomeDomain", Path: "Library/sparse.bin", Data: []byte("small recorded file")},
				{Domain: "HomeDomain", Path: "Library/SMS/sms.db", Data: grown, RecordedSize: new(int64(4096))},
				{Domain: "HomeDomain", Path: "Library/ok.txt", Data: []byte("ok")},
			}
			opts := backuptest.Options{Era: backuptest.Era10_2, Encrypted: encrypted, Password: "pw"}
			b, dir, _ := extractFixture(t, opts, files)
			id := backuptest.FileID("HomeDomain", "Library/sparse.bin")
			payload := filepath.Join(dir, id[:2], id)
			must(t, os.Truncate(payload, 2<<30))
			var st syscall.Stat_t
			if err := syscall.Stat(payload, &st); err != nil || st.Blocks*512 > 1<<20 {
				t.Skipf("the file system does not make sparse files (%d blocks, %v)", st.Blocks, err)
			}
			eachSink(t, func(t *testing.T) {
				dest := t.TempDir()
				start := time.Now()
				rep, err := b.Extract(t.Context(), dest, nil)
				if err != nil {
					t.Fatal(err)
				}
				if d := time.Since(start); d > 30*time.Second {
					t.Errorf("took %v", d)
				}
				if len(rep.Failed) != 1 || rep.Failed[0].Path != "Library/sparse.bin" || !errors.Is(rep.Failed[0].Err, ErrSizeMismatch) {
					t.Fatalf("failed: %v", rep.Failed)
				}
				if !strings.Contains(rep.Failed[0].Err.Error(), "2147483648 bytes stored, 19 recorded") {
					t.Errorf("error does not state the sizes: %v", rep.Failed[0].Err)
				}
				got := noTemps(t, dest)
				if got["HomeDomain/Library/sparse.bin"] || len(got) != 2 || rep.Files != 2 {
					t.Errorf("dest holds %v (%d files reported)", keys(got), rep.Files)
				}
				data, err := os.ReadFile(filepath.Join(dest, "HomeDomain/Library/SMS/sms.db"))
				if err != nil || !bytes.Equal(data, grown) {
					t.Errorf("stale-size file: %d bytes, want %d (%v)", len(data), len(grown), err)
				}
				if rep.Bytes != int64(len(grown)+2) {
					t.Errorf("report counts %d bytes", rep.Bytes)
				}
			})
		})
	}
}

func TestCheckBound(t *testing.T) {
	for _, c := range []struct {
		rec, size, alloc int64
		enc, ok          bool
	}{
		{rec: 0, size: 16, alloc: 0, enc: true, ok: true},            // empty file: the padding block
		{rec: 16, size: 32, alloc: 0, enc: true, ok: true},           // a full padding block
		{rec: 17, size: 32, alloc: 0, enc: true, ok: true},           // padded to the block
		{rec: 0, size: 1 << 20, alloc: 1 << 20, enc: true, ok: true}, // stale, stored on disk
		{rec: 0, size: 1 << 20, alloc: 4096, enc: true},              // sparse
		{rec: 0, size: sparseSlack + 4096, alloc: 4096, ok: true},    // within the slack
		{rec: 0, size: 2 << 30, alloc: -1, ok: true},                 // unknown allocation
		{rec: -5, size: 1 << 30, alloc: 0},                           // negative recorded size
		{rec: 1<<63 - 1, size: 1 << 40, alloc: 0, enc: true, ok: true},
		{rec: 0, size: 1<<63 - 1, alloc: 0, enc: true},
	} {
		err := checkBound(&manifest.Entry{Size: c.rec}, c.size, c.alloc, c.enc)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrSizeMismatch)) {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

// TestExtractOverExistingFiles: a hard link or a symlink already in dest
// under a file's final name is replaced, never written through; files are
// 0600 and folders 0700, with their modification times.
func TestExtractOverExistingFiles(t *testing.T) {
	mtime := time.Date(2023, 4, 5, 6, 7, 8, 0, time.UTC)
	dirTime := time.Date(2022, 1, 2, 3, 4, 5, 0, time.UTC)
	big := bytes.Repeat([]byte("0123456789abcdef"), 200000) // 3.2 MB: segments
	files := []backuptest.File{
		{Domain: "HomeDomain", Path: "Library", Kind: backuptest.KindDir, ModTime: dirTime},
		{Domain: "HomeDomain", Path: "Library/Notes/notes.txt", Data: []byte("good notes"), ModTime: mtime},
		{Domain: "HomeDomain", Path: "Library/Notes/linked.txt", Data: []byte("good linked")},
		{Domain: "HomeDomain", Path: "Library/big.bin", Data: big, ModTime: mtime},
	}
	b, _, _ := extractFixture(t, backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw"}, files)
	eachSink(t, func(t *testing.T) {
		parent := t.TempDir()
		outside := filepath.Join(parent, "outside")
		must(t, os.MkdirAll(outside, 0o755))
		victim := filepath.Join(outside, "victim")
		target := filepath.Join(outside, "target")
		bigVictim := filepath.Join(outside, "big")
		must(t, os.WriteFile(victim, []byte("victim"), 0o644))
		must(t, os.WriteFile(target, []byte("target"), 0o644))
		must(t, os.WriteFile(bigVictim, []byte("big victim"), 0o644))
		dest := filepath.Join(parent, "dest")
		must(t, os.MkdirAll(filepath.Join(dest, "HomeDomain/Library/Notes"), 0o755))
		must(t, os.Link(victim, filepath.Join(dest, "HomeDomain/Library/Notes/linked.txt")))
		must(t, os.Link(bigVictim, filepath.Join(dest, "HomeDomain/Library/big.bin")))
		must(t, os.Symlink(target, filepath.Join(dest, "HomeDomain/Library/Notes/notes.txt")))

		rep, err := b.Extract(t.Context(), dest, &ExtractOptions{Workers: 2})
		if err != nil || rep.Files != 3 || !rep.OK() {
			t.Fatalf("%+v %v", rep, err)
		}
		for name, want := range map[string]string{victim: "victim", target: "target", bigVictim: "big victim"} {
			if got, err := os.ReadFile(name); err != nil || string(got) != want {
				t.Errorf("%s written through: %q %v", name, got, err)
			}
		}
		for name, want := range map[string][]byte{
			"HomeDomain/Library/Notes/notes.txt":  []byte("good notes"),
			"HomeDomain/Library/Notes/linked.txt": []byte("good linked"),
			"HomeDomain/Library/big.bin":          big,
		} {
			p := filepath.Join(dest, name)
			st, err := os.Lstat(p)
			if err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o600 {
				t.Errorf("%s: %v %v", name, st.Mode(), err)
				continue
			}
			if n := st.Sys().(*syscall.Stat_t).Nlink; n != 1 {
				t.Errorf("%s: %d links", name, n)
			}
			if got, _ := os.ReadFile(p); !bytes.Equal(got, want) {
				t.Errorf("%s: %d bytes", name, len(got))
			}
		}
		if st, _ := os.Stat(filepath.Join(dest, "HomeDomain/Library/Notes/notes.txt")); !st.ModTime().Equal(mtime) {
			t.Errorf("file mtime %v", st.ModTime())
		}
		if st, _ := os.Stat(filepath.Join(dest, "HomeDomain/Library/big.bin")); !st.ModTime().Equal(mtime) {
			t.Errorf("large file mtime %v", st.ModTime())
		}
		if st, _ := os.Stat(filepath.Join(dest, "HomeDomain/Library")); !st.ModTime().Equal(dirTime) {
			t.Errorf("folder mtime %v", st.ModTime())
		}
		noTemps(t, dest)

		// In a fresh dest every folder made is 0700.
		fresh := filepath.Join(parent, "fresh")
		if _, err := b.Extract(t.Context(), fresh, nil); err != nil {
			t.Fatal(err)
		}
		filepath.WalkDir(fresh, func(p string, d fs.DirEntry, err error) error {
			st, _ := d.Info()
			want := fs.FileMode(0o600)
			if d.IsDir() {
				want = 0o700
			}
			if st.Mode().Perm() != want {
				t.Errorf("%s: %v", p, st.Mode())
			}
			return nil
		})
	})
}

// TestExtractBlockedFolder: a file where a folder must go fails the files
// under it, and nothing is written elsewhere.
func TestExtractBlockedFolder(t *testing.T) {
	files := []backuptest.File{
		{Domain: "HomeDomain", Path: "Library/Notes/notes.txt", Data: []byte("good notes")},
		{Domain: "HomeDomain", Path: "Documents/a.txt", Data: []byte("a")},
	}
	b, _, _ := extractFixture(t, backuptest.Options{Era: backuptest.Era10_2}, files)
	eachSink(t, func(t *testing.T) {
		dest := t.TempDir()
		must(t, os.MkdirAll(filepath.Join(dest, "HomeDomain"), 0o755))
		must(t, os.WriteFile(filepath.Join(dest, "HomeDomain/Library"), []byte("in the way"), 0o644))
		rep, err := b.Extract(t.Context(), dest, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := reportNames(rep.Failed)
		if got["HomeDomain/Library/Notes/notes.txt"] == nil || rep.Files != 1 {
			t.Errorf("failed %v, %d files", keys(got), rep.Files)
		}
		if data, _ := os.ReadFile(filepath.Join(dest, "HomeDomain/Library")); string(data) != "in the way" {
			t.Errorf("the file in the way changed: %q", data)
		}
		noTemps(t, dest)
	})
}

// TestExtractCancel cancels during a large file: Extract returns quickly
// with context.Canceled, the file in progress is not left under its final
// name, no temporary file remains, and every file present is complete.
func TestExtractCancel(t *testing.T) {
	big := make([]byte, 24<<20)
	for i := range big {
		big[i] = byte(i * 13)
	}
	files := []backuptest.File{
		{Domain: "CameraRollDomain", Path: "Media/a.MOV", Data: big},
		{Domain: "CameraRollDomain", Path: "Media/b.MOV", Data: big[:20<<20]},
	}
	for i := range 40 {
		files = append(files, backuptest.File{Domain: "HomeDomain", Path: "Library/small/" + string(rune('a'+i%26)) + strings.Repeat("x", i) + ".txt", Data: []byte(strings.Repeat("s", 100+i))})
	}
	want := map[string][]byte{}
	for _, f := range files {
		want[f.Domain+"/"+f.Path] = f.Data
	}
	b, _, _ := extractFixture(t, backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw"}, files)
	eachSink(t, func(t *testing.T) {
		old := segmentSize
		segmentSize = 256 << 10
		defer func() { segmentSize = old }()
		dest := t.TempDir()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var cancelled time.Time
		var calls, inFile int
		rep, err := b.Extract(ctx, dest, &ExtractOptions{Workers: 1, Progress: func(p Progress) {
			calls++
			if p.Entry != nil && p.Entry.Path == "Media/a.MOV" && p.Bytes > 4<<20 && cancelled.IsZero() {
				inFile++
				cancelled = time.Now()
				cancel()
			}
		}})
		if !errors.Is(err, context.Canceled) || rep == nil {
			t.Fatalf("%v %v", rep, err)
		}
		if cancelled.IsZero() {
			t.Fatal("never cancelled")
		}
		if d := time.Since(cancelled); d > 10*time.Second {
			t.Errorf("returned %v after the cancellation", d)
		}
		got := noTemps(t, dest)
		if got["CameraRollDomain/Media/a.MOV"] {
			t.Errorf("the file being written is under its final name")
		}
		for name := range got {
			data, _ := os.ReadFile(filepath.Join(dest, name))
			if !bytes.Equal(data, want[name]) {
				t.Errorf("%s: %d bytes, want %d", name, len(data), len(want[name]))
			}
		}
		if len(rep.Failed) != 0 {
			t.Errorf("cancellation reported as failures: %v", rep.Failed)
		}
	})
	// Cancelled before it starts: nothing is done.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	dest := filepath.Join(t.TempDir(), "never")
	if _, err := b.Extract(ctx, dest, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("pre-cancelled: %v", err)
	}
	if _, err := os.Stat(dest); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("pre-cancelled extraction made dest: %v", err)
	}
}

// TestExtractProgressBytes: the progress moves within a large file, as
// bytes are decrypted, and its total is the recorded size of the files
// selected.
func TestExtractProgressBytes(t *testing.T) {
	big := bytes.Repeat([]byte("video frame "), 1<<20) // 12 MiB
	files := []backuptest.File{
		{Domain: "CameraRollDomain", Path: "Media/IMG_0001.MOV", Data: big},
		{Domain: "HomeDomain", Path: "Library/a.txt", Data: []byte("aaa")},
		{Domain: "HomeDomain", Path: "Library/b.txt", Data: []byte("bbbbb")},
	}
	for _, encrypted := range []bool{true, false} {
		b, _, _ := extractFixture(t, backuptest.Options{Era: backuptest.Era10_2, Encrypted: encrypted, Password: "pw"}, files)
		var last Progress
		within := 0
		rep, err := b.Extract(t.Context(), t.TempDir(), &ExtractOptions{Workers: 1, Progress: func(p Progress) {
			if p.Bytes < last.Bytes || p.Done < last.Done {
				t.Errorf("progress went back: %+v after %+v", p, last)
			}
			if p.Entry.Path == "Media/IMG_0001.MOV" && p.Bytes > last.Bytes && p.Done == last.Done {
				within++
			}
			last = p
		}})
		if err != nil || !rep.OK() {
			t.Fatal(rep, err)
		}
		total := int64(len(big) + 8)
		if within < 8 {
			t.Errorf("encrypted %v: %d progress calls within the large file", encrypted, within)
		}
		if last.Bytes != total || rep.Bytes != total || last.TotalBytes != total || !last.TotalKnown {
			t.Errorf("encrypted %v: last %+v, report %d bytes", encrypted, last, rep.Bytes)
		}
		// With a filter the total counts the selected files only.
		rep, err = b.Extract(t.Context(), t.TempDir(), &ExtractOptions{
			Filter:   func(e *manifest.Entry) bool { return e.Domain == "HomeDomain" },
			Progress: func(p Progress) { last = p },
		})
		if err != nil || rep.Files != 2 || last.TotalBytes != 8 || last.Bytes != 8 {
			t.Errorf("filtered: %+v %+v %v", rep, last, err)
		}
	}
}

// TestExtractFromFS extracts a backup given as an fs.FS (no folder to
// open descriptors on), including one whose files cannot seek.
func TestExtractFromFS(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789"), 300000)
	files := []backuptest.File{
		{Domain: "HomeDomain", Path: "Library/a.txt", Data: []byte("aaa")},
		{Domain: "CameraRollDomain", Path: "Media/big.MOV", Data: big},
	}
	fsys, res, err := backuptest.Build(backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw"}, files)
	if err != nil {
		t.Fatal(err)
	}
	old := segmentSize
	segmentSize = 256 << 10
	defer func() { segmentSize = old }()
	for name, f := range map[string]fs.FS{"MapFS": fsys, "no ReaderAt": noSeekFS{fsys}} {
		b, err := New(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.UnlockWithKey(res.KEK); err != nil {
			t.Fatal(err)
		}
		dest := t.TempDir()
		rep, err := b.Extract(t.Context(), dest, nil)
		if err != nil || rep.Files != 2 || !rep.OK() {
			t.Fatalf("%s: %+v %v", name, rep, err)
		}
		if got, _ := os.ReadFile(filepath.Join(dest, "CameraRollDomain/Media/big.MOV")); !bytes.Equal(got, big) {
			t.Errorf("%s: big.MOV %d bytes", name, len(got))
		}
		b.Close()
	}
}

type noSeekFS struct{ fs.FS }

func (n noSeekFS) Open(name string) (fs.File, error) {
	f, err := n.FS.Open(name)
	if err != nil {
		return nil, err
	}
	return noSeekFile{f}, nil
}

type noSeekFile struct{ f fs.File }

func (n noSeekFile) Stat() (fs.FileInfo, error) { return n.f.Stat() }
func (n noSeekFile) Read(p []byte) (int, error) { return n.f.Read(p) }
func (n noSeekFile) Close() error               { return n.f.Close() }
