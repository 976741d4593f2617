package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/backuptest"
	"github.com/iosbackup/iosbackup/manifest"
)

// TestFileOpen reads every regular file of every era, encrypted and not,
// through the *File values Entries yields: Open gives the plaintext,
// OpenRaw the stored payload byte for byte.
func TestFileOpen(t *testing.T) {
	for _, era := range eras {
		for _, enc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/encrypted=%v", era, enc), func(t *testing.T) {
				files := sampleFiles()
				m, res := build(t, backuptest.Options{Era: era, Encrypted: enc, Password: "pw", Seed: 3}, files)
				b, err := New(m)
				if err != nil {
					t.Fatal(err)
				}
				defer b.Close()
				if enc {
					if era != backuptest.Era10_2 {
						// The manifest is readable, the contents are not.
						f, err := b.Lookup("HomeDomain", "Library/Block")
						if err != nil {
							t.Fatal(err)
						}
						if _, err := f.Open(); !errors.Is(err, ErrPasswordRequired) {
							t.Fatalf("locked Open: %v", err)
						}
						raw, err := f.OpenRaw()
						if err != nil {
							t.Fatalf("locked OpenRaw: %v", err)
						}
						raw.Close()
					}
					if err := b.Unlock(t.Context(), "pw"); err != nil {
						t.Fatal(err)
					}
				}
				want := map[string][]byte{}
				for _, f := range files {
					if f.Kind == backuptest.KindFile {
						want[f.Domain+"/"+f.Path] = f.Data
					}
				}
				opened := 0
				for f, err := range b.Entries() {
					if err != nil {
						t.Fatal(err)
					}
					if f.Kind != manifest.File {
						if rc, err := f.Open(); err == nil {
							rc.Close()
							t.Errorf("%s (%v): Open succeeded", f.Name(), f.Kind)
						}
						continue
					}
					rc, err := f.Open()
					if err != nil {
						t.Fatalf("%s: %v", f.Name(), err)
					}
					got, err := io.ReadAll(rc)
					rc.Close()
					if err != nil || !bytes.Equal(got, want[f.Name()]) {
						t.Fatalf("%s: Open read %d bytes (want %d), %v", f.Name(), len(got), len(want[f.Name()]), err)
					}
					re, _ := res.Entry(f.FileID)
					raw, err := f.OpenRaw()
					if re.PayloadName == "" {
						if !errors.Is(err, ErrMissingPayload) {
							t.Fatalf("%s: OpenRaw without payload: %v", f.Name(), err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("%s: OpenRaw: %v", f.Name(), err)
					}
					rb, err := io.ReadAll(raw)
					raw.Close()
					if err != nil || !bytes.Equal(rb, m[re.PayloadName].Data) {
						t.Fatalf("%s: OpenRaw read %d bytes, want the %d stored, %v", f.Name(), len(rb), len(m[re.PayloadName].Data), err)
					}
					if enc && len(got) > 0 && bytes.Contains(rb, got) {
						t.Fatalf("%s: the stored bytes hold the plaintext", f.Name())
					}
					opened++
				}
				if opened < 4 {
					t.Fatalf("%d files opened", opened)
				}
				// Lookup gives the same File as Entries.
				f, err := b.Lookup("AppDomain-com.example.app", "Documents/notes.txt")
				if err != nil || f.Size != 6 || f.ProtectionClass != 1 || f.Encrypted() != enc {
					t.Fatalf("lookup %+v %v", f, err)
				}
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				defer rc.Close()
				if got, err := io.ReadAll(rc); err != nil || string(got) != "hello\n" {
					t.Fatalf("%q %v", got, err)
				}
			})
		}
	}
}

// TestFileOpenDamaged: a missing payload fails Open (ErrMissingPayload),
// a truncated encrypted one fails Read (ErrCorruptPayload).
func TestFileOpenDamaged(t *testing.T) {
	files := []backuptest.File{
		{Domain: "HomeDomain", Path: "gone", Data: []byte("lost"), NoPayload: true},
		{Domain: "HomeDomain", Path: "cut", Data: bytes.Repeat([]byte("x"), 100)},
	}
	m, _ := build(t, backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw"}, files)
	b, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Unlock(t.Context(), "pw"); err != nil {
		t.Fatal(err)
	}
	gone, err := b.Lookup("HomeDomain", "gone")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gone.Open(); !errors.Is(err, ErrMissingPayload) {
		t.Fatalf("missing payload: %v", err)
	}
	if _, err := gone.OpenRaw(); !errors.Is(err, ErrMissingPayload) {
		t.Fatalf("missing payload raw: %v", err)
	}
	cut, err := b.Lookup("HomeDomain", "cut")
	if err != nil {
		t.Fatal(err)
	}
	if err := backuptest.TruncatePayload(backuptest.InMap(m), cut.FileID, 40); err != nil {
		t.Fatal(err)
	}
	rc, err := cut.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadAll(rc); !errors.Is(err, ErrCorruptPayload) {
		t.Fatalf("truncated payload: %v", err)
	}
}

// cancelAfter is a context whose Err reports Canceled from its n-th call
// on, to stop a loop at a known point.
type cancelAfter struct {
	context.Context
	n int
}

func (c *cancelAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

func TestCheckContext(t *testing.T) {
	var files []backuptest.File
	for i := range 1000 {
		files = append(files, backuptest.File{Domain: "HomeDomain", Path: fmt.Sprintf("f%04d", i), Data: []byte("x")})
	}
	m, _ := build(t, backuptest.Options{Era: backuptest.Era10_2}, files)
	b, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if h, err := b.Check(ctx); !errors.Is(err, context.Canceled) || h != nil {
		t.Fatalf("cancelled before: %v %v", h, err)
	}
	// Cancelled after the third look: stopped within checkCtxEvery entries.
	h, err := b.Check(&cancelAfter{Context: context.Background(), n: 3})
	if !errors.Is(err, context.Canceled) || h == nil || h.Entries != 2*checkCtxEvery {
		t.Fatalf("cancelled during: %d entries, %v", h.Entries, err)
	}
	h, err = b.Check(t.Context())
	if err != nil || h.Entries != 1000+1 || h.Files != 1000 {
		t.Fatalf("full check: %+v %v", h, err)
	}
}

// TestUnlockContext: a done context stops Unlock with
// context.Canceled, before the derivation when it is done already, and
// at once (the derivation still running) when it is cancelled during.
func TestUnlockContext(t *testing.T) {
	// The keybag asks for 10,000,000 PBKDF2-SHA256 rounds, as iOS does:
	// about a second at least.
	m, _ := build(t, backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw",
		Keybag: backuptest.KeybagOptions{DPIC: 10_000_000}}, sampleFiles())
	b, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before := derivations.Load()
	if err := b.Unlock(ctx, "pw"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Unlock: %v", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = b.Unlock(ctx, "pw")
	t.Logf("cancelled Unlock returned after %v", time.Since(start))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Unlock cancelled during: %v", err)
	}
	// It returned before the derivation could end.
	if n := derivations.Load(); n != before {
		t.Fatalf("%d derivations ended before Unlock returned", n-before)
	}
	if b.readable() || b.DerivedKey() != nil {
		t.Fatal("unlocked after a cancelled Unlock")
	}
}

// TestLiveWALSorted: Health.LiveWAL lists its databases sorted, whatever
// the manifest's order and the map's.
func TestLiveWALSorted(t *testing.T) {
	var files []backuptest.File
	var want []string
	for _, d := range []string{"WirelessDomain", "HomeDomain", "AppDomain-z", "AppDomain-a", "MediaDomain", "HomeDomain"} {
		p := fmt.Sprintf("Library/db%d.sqlite", len(files)/2)
		files = append(files,
			backuptest.File{Domain: d, Path: p, Data: []byte("main")},
			backuptest.File{Domain: d, Path: p + "-wal", Data: []byte("frames")})
		want = append(want, d+"/"+p)
	}
	slices.Sort(want)
	for _, era := range []backuptest.Era{backuptest.EraMBDB, backuptest.Era10_2} {
		m, _ := build(t, backuptest.Options{Era: era}, files)
		b, err := New(m)
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			h, err := b.Check(t.Context())
			if err != nil || !slices.Equal(h.LiveWAL, want) {
				t.Fatalf("%v: LiveWAL %q, want %q (%v)", era, h.LiveWAL, want, err)
			}
		}
		b.Close()
	}
}

func TestFormatErrorUnwrap(t *testing.T) {
	cause := errors.New("bad header")
	for _, c := range []struct {
		e    *FormatError
		want string
	}{
		{&FormatError{File: "Manifest.mbdb", Offset: 6, Err: cause}, "backup: Manifest.mbdb: malformed at offset 6: bad header"},
		{&FormatError{File: "Manifest.plist", Offset: -1, Err: cause}, "backup: Manifest.plist: malformed: bad header"},
	} {
		var err error = fmt.Errorf("open: %w", c.e)
		if c.e.Error() != c.want || !errors.Is(err, cause) {
			t.Errorf("%q (want %q), Is cause %v", c.e.Error(), c.want, errors.Is(err, cause))
		}
	}
	// A damaged Manifest.mbdb: the record's offset, the sentinel matchable.
	m, _ := build(t, backuptest.Options{Era: backuptest.EraMBDB}, sampleFiles())
	m["Manifest.mbdb"].Data = m["Manifest.mbdb"].Data[:60]
	b, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Lookup("HomeDomain", "x")
	var fe *FormatError
	if !errors.As(err, &fe) || fe.File != "Manifest.mbdb" || fe.Offset < 6 || fe.Err == nil {
		t.Fatalf("truncated mbdb: %#v", err)
	}
	// A non-regular Manifest.db: ErrNotRegular through the FormatError.
	m, _ = build(t, backuptest.Options{Era: backuptest.Era10_2}, sampleFiles())
	m["Manifest.db"].Mode = fs.ModeNamedPipe
	b, err = New(m)
	if err == nil {
		_, err = b.Lookup("HomeDomain", "x")
	}
	if !errors.As(err, &fe) || fe.File != "Manifest.db" || !errors.Is(err, ErrNotRegular) {
		t.Fatalf("named pipe manifest: %v", err)
	}
}

// TestSkipReasons: the words of each reason (the CLI prints them after
// "backup: "), and which reasons make a report not OK.
func TestSkipReasons(t *testing.T) {
	for _, c := range []struct {
		s    SkippedEntry
		want string
		ok   bool
	}{
		{SkippedEntry{Reason: SkipSymlink, Detail: "/var/mobile/x"}, `symlink not created (target "/var/mobile/x")`, true},
		{SkippedEntry{Reason: SkipUnsafePath, Detail: `unsafe relative path "../x"`}, `unsafe path: unsafe relative path "../x"`, false},
		{SkippedEntry{Reason: SkipDuplicate}, "duplicate entry", true},
		{SkippedEntry{Reason: SkipNameCollision}, "name differs from another only in case", false},
		{SkippedEntry{Reason: SkipOther}, "not a regular file, directory or symlink", true},
		{SkippedEntry{Reason: 99}, "SkipReason(99)", true},
	} {
		if got := c.s.String(); got != c.want {
			t.Errorf("%d: %q, want %q", c.s.Reason, got, c.want)
		}
		rep := &ExtractReport{Skipped: []*SkippedEntry{&c.s}}
		if rep.OK() != c.ok {
			t.Errorf("%v: OK() = %v", c.s.Reason, rep.OK())
		}
	}
}
