package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"testing/fstest"
	"time"

	"github.com/iosbackup/iosbackup/internal/backuptest"
	"github.com/iosbackup/iosbackup/manifest"
)

var eras = []backuptest.Era{backuptest.EraMBDB, backuptest.Era10_1, backuptest.Era10_2}

func sampleFiles() []backuptest.File {
	big := bytes.Repeat([]byte("0123456789abcdef"), 40000) // 640,000 bytes: several CBC chunks
	big = append(big, "tail"...)
	return []backuptest.File{
		{Domain: "HomeDomain", Path: "Library/SMS/sms.db", Data: []byte("SQLite format 3\x00 not really")},
		{Domain: "HomeDomain", Path: "Library/SMS", Kind: backuptest.KindDir},
		{Domain: "HomeDomain", Path: "Library", Kind: backuptest.KindDir},
		{Domain: "HomeDomain", Path: "Library/Empty", Data: []byte{}},
		{Domain: "HomeDomain", Path: "Library/Block", Data: []byte("0123456789abcdef")},
		{Domain: "MediaDomain", Path: "Library/SMS/Attachments/ab/cd/IMG_0001.JPG", Data: big, Class: 2},
		{Domain: "AppDomain-com.example.app", Path: "Documents/notes.txt", Data: []byte("hello\n"), Class: 1},
		{Domain: "AppDomain-com.example.app", Path: "Library/link", Kind: backuptest.KindSymlink, Target: "/var/mobile/elsewhere"},
	}
}

func build(t *testing.T, opts backuptest.Options, files []backuptest.File) (fstest.MapFS, *backuptest.Result) {
	t.Helper()
	m, res, err := backuptest.Build(opts, files)
	if err != nil {
		t.Fatal(err)
	}
	return m, res
}

// TestEras opens every era, encrypted and not, and reads every file back.
func TestEras(t *testing.T) {
	for _, era := range eras {
		for _, enc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/encrypted=%v", era, enc), func(t *testing.T) {
				files := sampleFiles()
				m, res := build(t, backuptest.Options{Era: era, Encrypted: enc, Password: "pw", Seed: 7}, files)
				b, err := New(m)
				if err != nil {
					t.Fatal(err)
				}
				defer b.Close()
				if b.Encrypted() != enc {
					t.Fatalf("Encrypted() = %v", b.Encrypted())
				}
				wantFormat := "Manifest.db"
				if era == backuptest.EraMBDB {
					wantFormat = "Manifest.mbdb"
				}
				if b.Info().Format != wantFormat || b.Info().ManifestEncrypted != (enc && era == backuptest.Era10_2) {
					t.Fatalf("info %+v", b.Info())
				}
				if enc {
					if _, err := fs.ReadFile(b, "HomeDomain/Library/Block"); !errors.Is(err, ErrPasswordRequired) {
						t.Fatalf("locked read: %v", err)
					}
					if err := b.Unlock(context.Background(), "wrong"); !errors.Is(err, ErrIncorrectPassword) {
						t.Fatalf("wrong password: %v", err)
					}
					if err := b.Unlock(context.Background(), "pw"); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(b.DerivedKey(), res.KEK) {
						t.Fatalf("derived key differs from the builder's")
					}
				}
				for _, f := range files {
					name := f.Domain + "/" + f.Path
					switch f.Kind {
					case backuptest.KindFile:
						got, err := fs.ReadFile(b, name)
						if err != nil || !bytes.Equal(got, f.Data) {
							t.Fatalf("%s: %d bytes, %v", name, len(got), err)
						}
						st, err := fs.Stat(b, name)
						if err != nil || st.Size() != int64(len(f.Data)) || !st.Mode().IsRegular() {
							t.Fatalf("%s: stat %v %v", name, st, err)
						}
					case backuptest.KindSymlink:
						target, err := b.ReadLink(name)
						if err != nil || target != f.Target {
							t.Fatalf("%s: readlink %q %v", name, target, err)
						}
					case backuptest.KindDir:
						st, err := fs.Stat(b, name)
						if err != nil || !st.IsDir() {
							t.Fatalf("%s: %v %v", name, st, err)
						}
					}
				}
				e, err := b.Lookup("MediaDomain", "Library/SMS/Attachments/ab/cd/IMG_0001.JPG")
				if err != nil || e.Size != int64(len(files[5].Data)) || e.Kind != manifest.File || e.ProtectionClass != 2 {
					t.Fatalf("lookup: %+v %v", e, err)
				}
				if enc != e.Encrypted() {
					t.Fatalf("entry encrypted = %v", e.Encrypted())
				}
				if err := fstest.TestFS(b, "HomeDomain/Library/SMS/sms.db", "MediaDomain/Library/SMS/Attachments/ab/cd/IMG_0001.JPG",
					"AppDomain-com.example.app/Documents/notes.txt", "AppDomain-com.example.app/Library/link"); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestPlistFormats reads XML plists and the iOS 10.1 encrypted era with
// flat payloads, and missing Info/Status plists.
func TestPlistVariants(t *testing.T) {
	m, _ := build(t, backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw", XMLPlists: true, Flat: true, KeyDataAsUID: true, ManifestDBNoPadding: true,
		Omit: []string{"Info.plist", "Status.plist"}}, sampleFiles())
	b, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Info().Problems) != 2 || b.Info().Status != nil {
		t.Fatalf("problems %v", b.Info().Problems)
	}
	if err := b.Unlock(context.Background(), "pw"); err != nil {
		t.Fatal(err)
	}
	got, err := fs.ReadFile(b, "AppDomain-com.example.app/Documents/notes.txt")
	if err != nil || string(got) != "hello\n" {
		t.Fatalf("%q %v", got, err)
	}
	h, err := b.Check(context.Background())
	if err != nil || h.Healthy() {
		t.Fatalf("check without Status.plist must not be healthy: %+v %v", h, err)
	}
}

func TestInfoFields(t *testing.T) {
	date := time.Date(2024, 5, 1, 9, 30, 12, 0, time.UTC)
	m, _ := build(t, backuptest.Options{Era: backuptest.Era10_2, Device: backuptest.DeviceInfo{
		Name: "Ada's iPhone", ProductType: "iPhone15,2", ProductVersion: "17.5", BuildVersion: "21F79", Serial: "SERIAL1",
		UDID: "00008120-001234567890ABCD", IMEI: "356789012345678", PhoneNumber: "+1 555 0100", Date: date, Apps: []string{"com.example.a", "com.example.b"},
	}, PasscodeSet: true}, nil)
	b, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	in := b.Info()
	if in.DeviceName != "Ada's iPhone" || in.ProductType != "iPhone15,2" || in.ProductVersion != "17.5" || in.BuildVersion != "21F79" ||
		in.SerialNumber != "SERIAL1" || in.UDID != "00008120-001234567890ABCD" || in.IMEI != "356789012345678" || in.PhoneNumber != "+1 555 0100" ||
		!in.LastBackupDate.Equal(date) || in.Encrypted || !in.PasscodeSet || len(in.InstalledApps) != 2 || in.Status.SnapshotState != "finished" {
		t.Fatalf("info %+v", in)
	}
	if h, err := b.Check(context.Background()); err != nil || !h.Healthy() {
		t.Fatalf("health %+v %v", h, err)
	}
	if _, err := b.HashLine(); !errors.Is(err, ErrNotEncrypted) {
		t.Fatalf("hash line of an unencrypted backup: %v", err)
	}
	if err := b.Unlock(context.Background(), "x"); err != nil || b.DerivedKey() != nil {
		t.Fatalf("Unlock of an unencrypted backup: %v", err)
	}
}

func TestExtractSynthetic(t *testing.T) {
	files := sampleFiles()
	dir := t.TempDir()
	_, err := backuptest.Write(dir, backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw"}, files)
	if err != nil {
		t.Fatal(err)
	}
	before := treeHash(t, dir)
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Unlock(context.Background(), "pw"); err != nil {
		t.Fatal(err)
	}
	dest := t.TempDir()
	rep, err := b.Extract(t.Context(), dest, &ExtractOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files != 5 || len(rep.Failed) != 0 || len(rep.Skipped) != 1 || rep.Skipped[0].Reason != SkipSymlink || rep.Skipped[0].Detail != "/var/mobile/elsewhere" {
		t.Fatalf("report %+v", rep)
	}
	for _, f := range files {
		if f.Kind != backuptest.KindFile {
			continue
		}
		got, err := os.ReadFile(filepath.Join(dest, f.Domain, filepath.FromSlash(f.Path)))
		if err != nil || !bytes.Equal(got, f.Data) {
			t.Fatalf("%s: %v", f.Path, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(dest, "AppDomain-com.example.app/Library/link")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("symlink was created: %v", err)
	}
	// Filter.
	dest2 := t.TempDir()
	rep, err = b.Extract(t.Context(), dest2, &ExtractOptions{Filter: func(e *manifest.Entry) bool { return e.Domain == "MediaDomain" }})
	if err != nil || rep.Files != 1 {
		t.Fatalf("filtered: %+v %v", rep, err)
	}
	if after := treeHash(t, dir); after != before {
		t.Fatal("the backup folder changed")
	}
}

// TestNoPlaintextInTmp opens an encrypted backup, reads its manifest and a
// database, and checks that nothing was written to TMPDIR.
func TestNoPlaintextInTmp(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dir := t.TempDir()
	if _, err := backuptest.Write(dir, backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw"}, sampleFiles()); err != nil {
		t.Fatal(err)
	}
	before := treeHash(t, dir)
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Unlock(context.Background(), "pw"); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range b.Entries() {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if _, err := fs.ReadFile(b, "HomeDomain/Library/SMS/sms.db"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	b.Close()
	left, _ := os.ReadDir(tmp)
	if len(left) != 0 || n == 0 {
		t.Fatalf("TMPDIR holds %d entries after use (entries %d)", len(left), n)
	}
	if treeHash(t, dir) != before {
		t.Fatal("the backup folder changed")
	}
}

func treeHash(t *testing.T, dir string) string {
	t.Helper()
	var buf bytes.Buffer
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&buf, "%s %v %d %v\n", p, info.Mode(), info.Size(), info.ModTime().UnixNano())
		if d.Type().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			io.Copy(&buf, f)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", bytes.Clone(buf.Bytes()))
}

// TestExtractLarge covers the parallel path for large encrypted files,
// including a corrupt one, which is removed and reported.
func TestExtractLarge(t *testing.T) {
	big := make([]byte, 9<<20+5)
	for i := range big {
		big[i] = byte(i * 7)
	}
	files := []backuptest.File{
		{Domain: "CameraRollDomain", Path: "Media/good.MOV", Data: big},
		{Domain: "CameraRollDomain", Path: "Media/bad.MOV", Data: big[:9<<20]},
	}
	dir := t.TempDir()
	res, err := backuptest.Write(dir, backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw"}, files)
	if err != nil {
		t.Fatal(err)
	}
	if err := backuptest.CorruptPadding(backuptest.InDir(dir), res, backuptest.FileID("CameraRollDomain", "Media/bad.MOV")); err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Unlock(context.Background(), "pw"); err != nil {
		t.Fatal(err)
	}
	dest := t.TempDir()
	rep, err := b.Extract(t.Context(), dest, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files != 1 || len(rep.Failed) != 1 || !errors.Is(rep.Failed[0].Err, ErrCorruptPayload) || rep.Failed[0].Path != "Media/bad.MOV" {
		t.Fatalf("report %+v %v", rep, rep.Failed)
	}
	got, err := os.ReadFile(filepath.Join(dest, "CameraRollDomain/Media/good.MOV"))
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("good.MOV: %d bytes, %v", len(got), err)
	}
	if _, err := os.Stat(filepath.Join(dest, "CameraRollDomain/Media/bad.MOV")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the corrupt file was left behind: %v", err)
	}
	// The streaming path agrees on both.
	if _, err := fs.ReadFile(b, "CameraRollDomain/Media/bad.MOV"); !errors.Is(err, ErrCorruptPayload) {
		t.Fatalf("streaming read of the corrupt file: %v", err)
	}
}

// TestWindowsNames: ExtractOptions.WindowsNames maps the names Windows
// cannot store (internal/winname).
func TestWindowsNames(t *testing.T) {
	files := []backuptest.File{{Domain: "HomeDomain", Path: "Library/a:b/CON", Data: []byte("x")}}
	dir := t.TempDir()
	if _, err := backuptest.Write(dir, backuptest.Options{Era: backuptest.Era10_2}, files); err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	dest := t.TempDir()
	rep, err := b.Extract(t.Context(), dest, &ExtractOptions{WindowsNames: true})
	if err != nil || rep.Files != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	if got, err := os.ReadFile(filepath.Join(dest, "HomeDomain/Library/a%3Ab/CON_")); err != nil || string(got) != "x" {
		t.Fatalf("mapped file: %q %v", got, err)
	}
}

func TestCheckLiveWALAndSnapshot(t *testing.T) {
	files := []backuptest.File{
		{Domain: "HomeDomain", Path: "Library/SMS/sms.db", Data: []byte("main")},
		{Domain: "HomeDomain", Path: "Library/SMS/sms.db-wal", Data: []byte("wal frames")},
		{Domain: "HomeDomain", Path: "Library/Other/gone", Data: []byte("lost"), NoPayload: true},
		{Domain: "HomeDomain", Path: "Library/Other/stale", Data: []byte("0123456789"), RecordedSize: new(int64(4))},
	}
	m, _ := build(t, backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw", SnapshotState: "uploading",
		Extra: map[string][]byte{"Snapshot/Manifest.plist": []byte("x")}}, files)
	b, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Unlock(context.Background(), "pw"); err != nil {
		t.Fatal(err)
	}
	h, err := b.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if h.Healthy() || h.SnapshotState != "uploading" || !h.SnapshotDir || len(h.LiveWAL) != 1 || h.LiveWAL[0] != "HomeDomain/Library/SMS/sms.db" {
		t.Fatalf("health %+v", h)
	}
	if len(h.Missing) != 1 || h.Missing[0].Path != "Library/Other/gone" {
		t.Fatalf("missing %v", h.Missing)
	}
	if len(h.SizeMismatch) != 1 || h.SizeMismatch[0].Recorded != 4 || h.SizeMismatch[0].Actual != 10 {
		t.Fatalf("size mismatch %+v", h.SizeMismatch)
	}
}

// TestExtractCaseCollision: where case is ignored, a second file whose name
// differs only in case is reported instead of overwriting the first.
func TestExtractCaseCollision(t *testing.T) {
	files := []backuptest.File{
		{Domain: "HomeDomain", Path: "Library/Notes/a.txt", Data: []byte("lower")},
		{Domain: "HomeDomain", Path: "Library/Notes/A.txt", Data: []byte("UPPER")},
	}
	dir := t.TempDir()
	if _, err := backuptest.Write(dir, backuptest.Options{Era: backuptest.Era10_2}, files); err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	rep, err := b.Extract(t.Context(), t.TempDir(), &ExtractOptions{WindowsNames: true, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files != 1 || len(rep.Skipped) != 1 || rep.Skipped[0].Reason != SkipNameCollision || rep.OK() {
		t.Fatalf("report %+v %v", rep, rep.Skipped)
	}
	// Where case matters both are written.
	if runtime.GOOS == "linux" {
		dest := t.TempDir()
		rep, err = b.Extract(t.Context(), dest, nil)
		if err != nil || rep.Files != 2 {
			t.Fatalf("%+v %v", rep, err)
		}
	}
}
