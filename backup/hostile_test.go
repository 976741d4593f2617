package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iosbackup/iosbackup/internal/backuptest"
	"github.com/iosbackup/iosbackup/internal/keybag"
	"github.com/iosbackup/iosbackup/manifest"
)

// The hostile tests build damaged or malicious backups in a layout
//
//	parent/backup          the backup folder (must stay byte-for-byte unchanged)
//	parent/secret          a file a traversal would read ("SECRET-OUTSIDE")
//	parent/out/dest        the extraction destination
//	parent/out/sibling/    a sibling folder a traversal would write into
//
// and check, for each: the typed error where it is reported, that every
// sound file is still extracted with its exact content, that nothing is
// written anywhere but under dest, and that nothing panics.

// parentMarker in a File's Domain, Path or Target is replaced by the
// absolute path of the test's parent folder.
const parentMarker = "$PARENT"

const secretContent = "SECRET-OUTSIDE"

// matcher tests an error.
type matcher struct {
	desc string
	ok   func(error) bool
}

func is(target error) matcher {
	return matcher{fmt.Sprintf("errors.Is %v", target), func(err error) bool { return errors.Is(err, target) }}
}

// formatErr matches a *FormatError about the given backup file ("" for any).
func formatErr(path string) matcher {
	return matcher{"*backup.FormatError " + path, func(err error) bool {
		var fe *FormatError
		return errors.As(err, &fe) && (path == "" || fe.File == path)
	}}
}

// both matches errors satisfying every matcher.
func both(ms ...matcher) matcher {
	var d []string
	for _, m := range ms {
		d = append(d, m.desc)
	}
	return matcher{strings.Join(d, " and "), func(err error) bool {
		for _, m := range ms {
			if !m.ok(err) {
				return false
			}
		}
		return true
	}}
}

func (m matcher) check(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil || !m.ok(err) {
		t.Errorf("%s: got error %v, want %s", what, err, m.desc)
	}
}

type hostileCase struct {
	name     string
	opts     backuptest.Options
	files    []backuptest.File // added to goodFiles()
	password string            // Unlock password for encrypted backups; "" means "pw"
	// damage changes the written backup folder before the test opens it.
	damage func(t *testing.T, dir string, res *backuptest.Result)

	openErr    *matcher // expected from Open (and New over os.DirFS); the case stops there
	unlockErr  *matcher // expected from Unlock; Extract must then need the password
	checkErr   *matcher // expected from Check
	extractErr *matcher // expected from Extract

	// failed and skipped map entry names (domain/path) to the reason
	// expected in the Extract report; those entries must not be in dest.
	failed  map[string]matcher
	skipped map[string]matcher
	// Check's lists, by entry name.
	missing, unsafe, undecodable []string
	inconsistent                 []string // Check.Inconsistent: fileID not the hash of domain-path, duplicates
	unhealthy                    bool     // not healthy for another reason (snapshot)
	// maybe lists extra names that may be extracted, with the content
	// they must then have.
	maybe map[string][]byte
	// extra assertions on the opened backup.
	more func(t *testing.T, b *Backup, env *hostileEnv)
	// bug, when set, skips the case: a known bug of package backup that
	// the case reproduces (see the message).
	bug string
}

type hostileEnv struct {
	parent, dir, dest string
	res               *backuptest.Result
}

// goodFiles are present in every case and must always be extracted intact.
func goodFiles() []backuptest.File {
	big := bytes.Repeat([]byte("hostile-good-big"), 20000) // 320,000 bytes: two CBC chunks
	return []backuptest.File{
		{Domain: "HomeDomain", Path: "Library/SMS/sms.db", Data: []byte("SQLite format 3\x00 fake sms")},
		{Domain: "HomeDomain", Path: "Library/Notes/notes.txt", Data: []byte("good notes\n")},
		{Domain: "MediaDomain", Path: "Media/DCIM/100APPLE/IMG_0001.JPG", Data: big, Class: 2},
		{Domain: "AppDomain-com.example.app", Path: "Documents/a.txt", Data: []byte("app file"), Class: 1},
	}
}

func ptr(m matcher) *matcher { return &m }

func enc(era backuptest.Era) backuptest.Options {
	return backuptest.Options{Era: era, Encrypted: true, Password: "pw", Seed: 11}
}

func plain(era backuptest.Era) backuptest.Options {
	return backuptest.Options{Era: era, Seed: 12}
}

func archive(t *testing.T, m backuptest.MBFile) []byte {
	t.Helper()
	b, err := m.Archive()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hostileCases(t *testing.T) []hostileCase {
	unsafe := is(ErrUnsafePath)
	symlink := is(errSkipSymlink)
	corrupt := is(ErrCorruptPayload)
	notesID := backuptest.FileID("HomeDomain", "Library/Notes/notes.txt")
	rawFile := func(path string, size int64) []byte {
		return archive(t, backuptest.MBFile{RelativePath: path, Size: size, Mode: backuptest.ModeFile, UserID: 501, GroupID: 501,
			ProtectionClass: 3, Flags: 1, LastModified: 1700000000, Birth: 1700000000, LastStatusChange: 1700000000})
	}
	bigSecret := bytes.Repeat([]byte("padding-victim.."), 20000)
	return []hostileCase{
		{
			name: "dotdot-relative-path",
			opts: enc(backuptest.Era10_2),
			files: []backuptest.File{
				{Domain: "HomeDomain", Path: "../../../escape-dotdot.txt", Data: []byte("evil")},
				{Domain: "HomeDomain", Path: "Library/../../../../escape-inner.txt", Data: []byte("evil")},
				{Domain: "HomeDomain", Path: "..", Data: []byte("evil")},
			},
			skipped: map[string]matcher{
				"HomeDomain/../../../escape-dotdot.txt":           unsafe,
				"HomeDomain/Library/../../../../escape-inner.txt": unsafe,
				"HomeDomain/..": unsafe,
			},
			unsafe: []string{"HomeDomain/../../../escape-dotdot.txt", "HomeDomain/Library/../../../../escape-inner.txt", "HomeDomain/.."},
			more: func(t *testing.T, b *Backup, env *hostileEnv) {
				if _, err := fs.ReadFile(b, "HomeDomain/../../../escape-dotdot.txt"); !errors.Is(err, fs.ErrInvalid) {
					t.Errorf("ReadFile of a .. name: %v", err)
				}
				if _, err := b.Lookup("HomeDomain", "../../../escape-dotdot.txt"); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("Lookup of an unsafe entry: %v", err)
				}
			},
		},
		{
			name: "absolute-path",
			opts: enc(backuptest.EraMBDB),
			files: []backuptest.File{
				{Domain: "HomeDomain", Path: parentMarker + "/out/sibling/abs.txt", Data: []byte("evil")},
				{Domain: "HomeDomain", Path: "/escape-abs.txt", Data: []byte("evil")},
			},
			skipped: map[string]matcher{
				"HomeDomain/" + parentMarker + "/out/sibling/abs.txt": unsafe,
				"HomeDomain//escape-abs.txt":                          unsafe,
			},
			unsafe: []string{"HomeDomain/" + parentMarker + "/out/sibling/abs.txt", "HomeDomain//escape-abs.txt"},
		},
		{
			name: "appdomain-dotdot",
			opts: enc(backuptest.Era10_2),
			files: []backuptest.File{
				{Domain: "AppDomain-../..", Path: "Library/escape.txt", Data: []byte("evil")},
				{Domain: "AppDomain-../../../out/sibling", Path: "x.txt", Data: []byte("evil")},
			},
			// The domain-root directory rows (empty path) are unsafe too.
			skipped: map[string]matcher{"AppDomain-../../Library/escape.txt": unsafe, "AppDomain-../../../out/sibling/x.txt": unsafe,
				"AppDomain-../../": unsafe, "AppDomain-../../../out/sibling/": unsafe},
			unsafe: []string{"AppDomain-../../Library/escape.txt", "AppDomain-../../../out/sibling/x.txt", "AppDomain-../../", "AppDomain-../../../out/sibling/"},
		},
		{
			name: "domain-with-slash-or-dots",
			opts: plain(backuptest.Era10_1),
			files: []backuptest.File{
				{Domain: "Home/Domain", Path: "x.txt", Data: []byte("evil")},
				{Domain: "..", Path: "out/sibling/y.txt", Data: []byte("evil")},
				{Domain: "/abs", Path: "z.txt", Data: []byte("evil")},
				{Domain: `Home\..\Domain`, Path: "w.txt", Data: []byte("evil")},
			},
			skipped: map[string]matcher{"Home/Domain/x.txt": unsafe, "../out/sibling/y.txt": unsafe, "/abs/z.txt": unsafe, `Home\..\Domain/w.txt`: unsafe,
				"Home/Domain/": unsafe, "../": unsafe, "/abs/": unsafe, `Home\..\Domain/`: unsafe},
			unsafe: []string{"Home/Domain/x.txt", "../out/sibling/y.txt", "/abs/z.txt", `Home\..\Domain/w.txt`, "Home/Domain/", "../", "/abs/", `Home\..\Domain/`},
		},
		{
			name: "nul-bytes",
			opts: enc(backuptest.Era10_2),
			files: []backuptest.File{
				{Domain: "HomeDomain", Path: "Library/evil\x00.txt", Data: []byte("evil")},
				{Domain: "Home\x00Domain", Path: "x.txt", Data: []byte("evil")},
				{Domain: "HomeDomain", Path: "Library/back\\slash.txt", Data: []byte("evil")},
			},
			skipped: map[string]matcher{"HomeDomain/Library/evil\x00.txt": unsafe, "Home\x00Domain/x.txt": unsafe, "HomeDomain/Library/back\\slash.txt": unsafe, "Home\x00Domain/": unsafe},
			unsafe:  []string{"HomeDomain/Library/evil\x00.txt", "Home\x00Domain/x.txt", "HomeDomain/Library/back\\slash.txt", "Home\x00Domain/"},
		},
		{
			name: "fileid-not-40-hex",
			opts: backuptest.Options{Era: backuptest.Era10_1, Seed: 9, Raw: hexRows(t)},
			damage: func(t *testing.T, dir string, res *backuptest.Result) {
				// The payload of the uppercase row also exists under its lowercase name.
				id := backuptest.FileID("HomeDomain", "Library/uppercase")
				must(t, os.MkdirAll(filepath.Join(dir, id[:2]), 0o755))
				must(t, os.WriteFile(filepath.Join(dir, id[:2], id), []byte(secretContent), 0o644))
			},
			skipped: map[string]matcher{
				"HomeDomain/Library/dotdot.txt":  unsafe,
				"HomeDomain/Library/short.txt":   unsafe,
				"HomeDomain/Library/uppercase":   unsafe,
				"HomeDomain/Library/slashid.txt": unsafe,
			},
			unsafe: []string{"HomeDomain/Library/dotdot.txt", "HomeDomain/Library/short.txt", "HomeDomain/Library/slashid.txt", "HomeDomain/Library/uppercase"},
		},
		{
			name: "symlink-outside",
			opts: enc(backuptest.Era10_2),
			files: []backuptest.File{
				{Domain: "HomeDomain", Path: "Library/evil", Kind: backuptest.KindSymlink, Target: parentMarker + "/out/sibling"},
				{Domain: "HomeDomain", Path: "Library/evil/inside.txt", Data: []byte("through the link")},
				{Domain: "HomeDomain", Path: "Library/up", Kind: backuptest.KindSymlink, Target: "../../../../../../../etc"},
				{Domain: "HomeDomain", Path: "Library/up/passwd", Data: []byte("root::0:0")},
			},
			skipped: map[string]matcher{"HomeDomain/Library/evil": symlink, "HomeDomain/Library/up": symlink},
			more: func(t *testing.T, b *Backup, env *hostileEnv) {
				// The symlinks became plain directories in dest.
				for _, p := range []string{"HomeDomain/Library/evil", "HomeDomain/Library/up"} {
					st, err := os.Lstat(filepath.Join(env.dest, p))
					if err != nil || !st.IsDir() {
						t.Errorf("%s in dest: %v %v", p, st, err)
					}
				}
				if target, err := b.ReadLink("HomeDomain/Library/evil"); err != nil || target != env.parent+"/out/sibling" {
					t.Errorf("ReadLink: %q %v", target, err)
				}
			},
		},
		{
			name: "symlink-loop",
			opts: plain(backuptest.EraMBDB),
			files: []backuptest.File{
				{Domain: "HomeDomain", Path: "Library/a", Kind: backuptest.KindSymlink, Target: "b"},
				{Domain: "HomeDomain", Path: "Library/b", Kind: backuptest.KindSymlink, Target: "a"},
				{Domain: "HomeDomain", Path: "Library/self", Kind: backuptest.KindSymlink, Target: "self"},
			},
			skipped: map[string]matcher{"HomeDomain/Library/a": symlink, "HomeDomain/Library/b": symlink, "HomeDomain/Library/self": symlink},
			more: func(t *testing.T, b *Backup, env *hostileEnv) {
				got, err := fs.ReadFile(b, "HomeDomain/Library/a")
				if err != nil || string(got) != "b" {
					t.Errorf("a symlink reads as its target: %q %v", got, err)
				}
				st, err := fs.Stat(b, "HomeDomain/Library/self")
				if err != nil || st.Mode()&fs.ModeSymlink == 0 || st.Size() != 4 {
					t.Errorf("stat of a self loop: %v %v", st, err)
				}
				for _, p := range []string{"a", "b", "self"} {
					if _, err := os.Lstat(filepath.Join(env.dest, "HomeDomain/Library", p)); !errors.Is(err, fs.ErrNotExist) {
						t.Errorf("symlink %s created in dest: %v", p, err)
					}
				}
			},
		},
		{
			name: "truncated-payload",
			opts: enc(backuptest.Era10_2),
			files: []backuptest.File{
				{Domain: "HomeDomain", Path: "Library/trunc-big.bin", Data: bigSecret},
				{Domain: "HomeDomain", Path: "Library/trunc-small.txt", Data: []byte("short content")},
				{Domain: "HomeDomain", Path: "Library/trunc-empty.txt", Data: []byte("x")},
			},
			damage: func(t *testing.T, dir string, res *backuptest.Result) {
				tr := backuptest.InDir(dir)
				must(t, backuptest.TruncatePayload(tr, backuptest.FileID("HomeDomain", "Library/trunc-big.bin"), len(bigSecret)-7))
				must(t, backuptest.TruncatePayload(tr, backuptest.FileID("HomeDomain", "Library/trunc-small.txt"), 5))
				must(t, backuptest.TruncatePayload(tr, backuptest.FileID("HomeDomain", "Library/trunc-empty.txt"), 0))
			},
			failed:      map[string]matcher{"HomeDomain/Library/trunc-big.bin": corrupt, "HomeDomain/Library/trunc-small.txt": corrupt, "HomeDomain/Library/trunc-empty.txt": corrupt},
			undecodable: []string{"HomeDomain/Library/trunc-big.bin", "HomeDomain/Library/trunc-small.txt", "HomeDomain/Library/trunc-empty.txt"},
		},
		{
			name: "bad-padding",
			opts: enc(backuptest.Era10_1),
			files: []backuptest.File{
				{Domain: "HomeDomain", Path: "Library/pad-big.bin", Data: bigSecret},
				{Domain: "HomeDomain", Path: "Library/pad-small.txt", Data: []byte("0123456789abcdef0123")},
			},
			damage: func(t *testing.T, dir string, res *backuptest.Result) {
				tr := backuptest.InDir(dir)
				must(t, backuptest.CorruptPadding(tr, res, backuptest.FileID("HomeDomain", "Library/pad-big.bin")))
				must(t, backuptest.CorruptPadding(tr, res, backuptest.FileID("HomeDomain", "Library/pad-small.txt")))
			},
			failed:      map[string]matcher{"HomeDomain/Library/pad-big.bin": corrupt, "HomeDomain/Library/pad-small.txt": corrupt},
			undecodable: []string{"HomeDomain/Library/pad-big.bin", "HomeDomain/Library/pad-small.txt"},
			more: func(t *testing.T, b *Backup, env *hostileEnv) {
				_, err := fs.ReadFile(b, "HomeDomain/Library/pad-big.bin")
				var pe *fs.PathError
				if !errors.Is(err, ErrCorruptPayload) || !errors.As(err, &pe) {
					t.Errorf("ReadFile of a badly padded payload: %v", err)
				}
			},
		},
		{
			// Payloads of 8 MiB and more take the parallel decryption path.
			name: "large-corrupt-payloads",
			opts: enc(backuptest.Era10_2),
			files: []backuptest.File{
				{Domain: "MediaDomain", Path: "Media/large-pad.mov", Data: bytes.Repeat([]byte("L"), 8<<20+100)},
				{Domain: "MediaDomain", Path: "Media/large-trunc.mov", Data: bytes.Repeat([]byte("T"), 8<<20+100)},
				{Domain: "MediaDomain", Path: "Media/large-ok.mov", Data: bytes.Repeat([]byte("0123456789"), 840000)},
			},
			damage: func(t *testing.T, dir string, res *backuptest.Result) {
				tr := backuptest.InDir(dir)
				must(t, backuptest.CorruptPadding(tr, res, backuptest.FileID("MediaDomain", "Media/large-pad.mov")))
				must(t, backuptest.TruncatePayload(tr, backuptest.FileID("MediaDomain", "Media/large-trunc.mov"), 8<<20+33))
			},
			failed:      map[string]matcher{"MediaDomain/Media/large-pad.mov": corrupt, "MediaDomain/Media/large-trunc.mov": corrupt},
			undecodable: []string{"MediaDomain/Media/large-pad.mov", "MediaDomain/Media/large-trunc.mov"},
		},
		{
			name: "missing-payload",
			opts: enc(backuptest.Era10_2),
			files: []backuptest.File{
				{Domain: "HomeDomain", Path: "Library/gone.txt", Data: []byte("never stored"), NoPayload: true},
				{Domain: "HomeDomain", Path: "Library/removed.txt", Data: []byte("removed later")},
				// An empty file without payload is fine: there is nothing to lose.
				{Domain: "HomeDomain", Path: "Library/empty.txt", Data: []byte{}, NoPayload: true},
			},
			damage: func(t *testing.T, dir string, res *backuptest.Result) {
				must(t, backuptest.RemovePayload(backuptest.InDir(dir), backuptest.FileID("HomeDomain", "Library/removed.txt")))
			},
			failed:  map[string]matcher{"HomeDomain/Library/gone.txt": is(ErrMissingPayload), "HomeDomain/Library/removed.txt": is(ErrMissingPayload)},
			missing: []string{"HomeDomain/Library/gone.txt", "HomeDomain/Library/removed.txt"},
			more: func(t *testing.T, b *Backup, env *hostileEnv) {
				if _, err := fs.ReadFile(b, "HomeDomain/Library/gone.txt"); !errors.Is(err, ErrMissingPayload) {
					t.Errorf("ReadFile of a missing payload: %v", err)
				}
			},
		},
		{
			name: "wrong-class-in-key-prefix",
			opts: enc(backuptest.Era10_2),
			files: []backuptest.File{
				{Domain: "HomeDomain", Path: "Library/wrongclass.txt", Data: []byte("class 3 key, prefix 1"), Class: 3, KeyClass: 1},
				{Domain: "HomeDomain", Path: "Library/noclass.txt", Data: []byte("prefix 12"), Class: 3, KeyClass: 12},
				{Domain: "HomeDomain", Path: "Library/badwrap.txt", Data: []byte("bad wrapped key"), BadWrappedKey: true},
			},
			failed: map[string]matcher{
				"HomeDomain/Library/wrongclass.txt": corrupt,
				"HomeDomain/Library/noclass.txt":    is(ErrNoKey),
				"HomeDomain/Library/badwrap.txt":    corrupt,
			},
			undecodable: []string{"HomeDomain/Library/badwrap.txt", "HomeDomain/Library/noclass.txt", "HomeDomain/Library/wrongclass.txt"},
		},
		{
			name: "device-bound-classes",
			opts: enc(backuptest.Era10_2),
			files: []backuptest.File{
				{Domain: "KeychainDomain", Path: "c5.bin", Data: []byte("class 5"), Class: 5},
				{Domain: "KeychainDomain", Path: "c9.bin", Data: []byte("class 9"), Class: 9},
				{Domain: "KeychainDomain", Path: "c10.bin", Data: []byte("class 10"), Class: 10},
				{Domain: "KeychainDomain", Path: "c11.bin", Data: []byte("class 11"), Class: 11},
			},
			failed: map[string]matcher{
				"KeychainDomain/c5.bin": is(ErrDeviceBound), "KeychainDomain/c9.bin": is(ErrDeviceBound),
				"KeychainDomain/c10.bin": is(ErrDeviceBound), "KeychainDomain/c11.bin": is(ErrDeviceBound),
			},
			undecodable: []string{"KeychainDomain/c10.bin", "KeychainDomain/c11.bin", "KeychainDomain/c5.bin", "KeychainDomain/c9.bin"},
			more: func(t *testing.T, b *Backup, env *hostileEnv) {
				if got := b.deviceBoundClasses(); !slices.Equal(got, []int{5, 9, 10, 11}) {
					t.Errorf("deviceBoundClasses = %v", got)
				}
			},
		},
		{
			name:      "keybag-without-class-keys",
			opts:      backuptest.Options{Era: backuptest.Era10_1, Encrypted: true, Password: "pw", Keybag: backuptest.KeybagOptions{NoClassKeys: true}},
			unlockErr: ptr(both(formatErr("Manifest.plist"), is(keybag.ErrNoClassKeys))),
			more: func(t *testing.T, b *Backup, env *hostileEnv) {
				if _, err := b.HashLine(); !errors.Is(err, keybag.ErrNoClassKeys) {
					t.Errorf("HashLine: %v", err)
				}
			},
		},
		{
			name:      "absurd-iter",
			opts:      backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw", Keybag: backuptest.KeybagOptions{ITER: 1 << 31}},
			unlockErr: ptr(is(ErrTooManyIterations)),
			more: func(t *testing.T, b *Backup, env *hostileEnv) {
				line, err := b.HashLine()
				if err != nil || !strings.Contains(line, "*2147483648*") {
					t.Errorf("HashLine: %q %v", line, err)
				}
				if err := b.Unlock(context.Background(), "pw"); !errors.Is(err, ErrTooManyIterations) {
					t.Errorf("DeriveKey: %v", err)
				}
			},
		},
		{
			name:      "absurd-dpic",
			opts:      backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw", Keybag: backuptest.KeybagOptions{DPIC: 0xFFFFFFFF}},
			unlockErr: ptr(is(ErrTooManyIterations)),
		},
		{
			name:      "giant-tlv-in-keybag",
			opts:      backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw", Keybag: backuptest.KeybagOptions{Extra: backuptest.GiantTLV("EVIL", 0xFFFFFFF0)}},
			unlockErr: ptr(formatErr("Manifest.plist")),
			more: func(t *testing.T, b *Backup, env *hostileEnv) {
				var ke *keybag.FormatError
				if _, err := b.HashLine(); !errors.As(err, &ke) {
					t.Errorf("HashLine: %v", err)
				}
			},
		},
		{
			name:     "wrong-password",
			opts:     enc(backuptest.Era10_2),
			password: "not the password",
			unlockErr: ptr(matcher{"ErrIncorrectPassword", func(err error) bool {
				return errors.Is(err, ErrIncorrectPassword) && !strings.Contains(err.Error(), "not the password")
			}}),
		},
		{
			name:      "empty-password",
			opts:      enc(backuptest.Era10_2),
			password:  "-",
			unlockErr: ptr(is(ErrPasswordRequired)),
		},
		{
			name: "duplicate-fileids",
			opts: backuptest.Options{Era: backuptest.Era10_1, Seed: 3, Raw: []backuptest.RawRow{
				// An exact duplicate of a good row.
				{FileID: notesID, Domain: "HomeDomain", Path: "Library/Notes/notes.txt", Flags: 1, File: rawFile("Library/Notes/notes.txt", 11)},
				// Another name pointing at the same payload.
				{FileID: notesID, Domain: "HomeDomain", Path: "Library/Notes/alias.txt", Flags: 1, File: rawFile("Library/Notes/alias.txt", 11)},
			}},
			skipped: map[string]matcher{"HomeDomain/Library/Notes/notes.txt#2": is(errSkipDuplicate)},
			// alias.txt: fileID not its hash; both notes.txt rows repeat its fileID.
			inconsistent: []string{"HomeDomain/Library/Notes/alias.txt", "HomeDomain/Library/Notes/notes.txt", "HomeDomain/Library/Notes/notes.txt"},
			maybe:        map[string][]byte{"HomeDomain/Library/Notes/alias.txt": []byte("good notes\n")},
		},
		{
			name: "null-or-garbage-file-blob",
			opts: backuptest.Options{Era: backuptest.Era10_1, Seed: 4, Raw: []backuptest.RawRow{
				{FileID: backuptest.FileID("HomeDomain", "Library/null.txt"), Domain: "HomeDomain", Path: "Library/null.txt", Flags: 1, Payload: []byte("null blob payload")},
				{FileID: backuptest.FileID("HomeDomain", "Library/garbage.txt"), Domain: "HomeDomain", Path: "Library/garbage.txt", Flags: 1, File: backuptest.Garbage(300), Payload: []byte("garbage blob payload")},
				{FileID: backuptest.FileID("HomeDomain", "Library/bplist.txt"), Domain: "HomeDomain", Path: "Library/bplist.txt", Flags: 1, File: []byte("bplist00\xff\xff\xff"), Payload: []byte("x")},
				{NullFileID: true, NullDomain: true, NullPath: true, NullFlags: true},
			}},
			unsafe:      []string{"/"},
			undecodable: []string{"HomeDomain/Library/bplist.txt", "HomeDomain/Library/garbage.txt", "HomeDomain/Library/null.txt"},
			skipped:     map[string]matcher{"/": unsafe},
			// The metadata is lost but an unencrypted payload is the content.
			maybe: map[string][]byte{
				"HomeDomain/Library/null.txt":    []byte("null blob payload"),
				"HomeDomain/Library/garbage.txt": []byte("garbage blob payload"),
				"HomeDomain/Library/bplist.txt":  []byte("x"),
			},
		},
		{
			name: "null-file-blob-encrypted",
			opts: backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw", Seed: 5, Raw: []backuptest.RawRow{
				{FileID: backuptest.FileID("HomeDomain", "Library/null.db"), Domain: "HomeDomain", Path: "Library/null.db", Flags: 1,
					Payload: bytes.Repeat([]byte{0x5a}, 64)}, // ciphertext of unknown key
			}},
			undecodable: []string{"HomeDomain/Library/null.db"},
			// Without its MBFile the entry has no EncryptionKey: its
			// ciphertext must not be written out as if it were the content.
			failed: map[string]matcher{"HomeDomain/Library/null.db": is(ErrNoKey)},
		},
		{
			name: "corrupt-manifest-db",
			opts: plain(backuptest.Era10_1),
			damage: func(t *testing.T, dir string, res *backuptest.Result) {
				must(t, backuptest.CorruptManifestDB(backuptest.InDir(dir)))
			},
			checkErr:   ptr(formatErr("Manifest.db")),
			extractErr: ptr(formatErr("Manifest.db")),
			more: func(t *testing.T, b *Backup, env *hostileEnv) {
				_, err := fs.ReadFile(b, "HomeDomain/Library/Notes/notes.txt")
				formatErr("Manifest.db").check(t, "ReadFile", err)
				_, err = b.Open("HomeDomain/Library/Notes/notes.txt")
				formatErr("Manifest.db").check(t, "Open", err)
				_, err = fs.ReadDir(b, ".")
				formatErr("Manifest.db").check(t, "ReadDir", err)
			},
		},
		{
			name: "corrupt-encrypted-manifest-db",
			opts: enc(backuptest.Era10_2),
			damage: func(t *testing.T, dir string, res *backuptest.Result) {
				must(t, backuptest.CorruptManifestDB(backuptest.InDir(dir)))
			},
			checkErr:   ptr(formatErr("Manifest.db")),
			extractErr: ptr(formatErr("Manifest.db")),
		},
		{
			name: "garbage-manifest-db-wal",
			opts: backuptest.Options{Era: backuptest.Era10_1, Seed: 6, Extra: map[string][]byte{"Manifest.db-wal": backuptest.Garbage(5000)}},
		},
		{
			name: "damaged-manifest-plist",
			opts: enc(backuptest.Era10_2),
			damage: func(t *testing.T, dir string, res *backuptest.Result) {
				must(t, backuptest.CorruptManifestPlist(backuptest.InDir(dir)))
			},
			openErr: ptr(formatErr("Manifest.plist")),
		},
		{
			name: "manifest-plist-wrong-types",
			opts: enc(backuptest.Era10_2),
			damage: func(t *testing.T, dir string, res *backuptest.Result) {
				must(t, backuptest.EditPlist(backuptest.InDir(dir), "Manifest.plist", func(m map[string]any) {
					m["BackupKeyBag"] = "not data"
					m["IsEncrypted"] = []any{1, 2}
				}))
			},
			openErr: ptr(formatErr("Manifest.plist")),
		},
		{
			name: "truncated-mbdb",
			opts: plain(backuptest.EraMBDB),
			damage: func(t *testing.T, dir string, res *backuptest.Result) {
				must(t, backuptest.TruncateFile(backuptest.InDir(dir), "Manifest.mbdb", len(res.MBDB)-9))
			},
			checkErr:   ptr(formatErr("Manifest.mbdb")),
			extractErr: ptr(formatErr("Manifest.mbdb")),
		},
		{
			name: "mbdb-giant-string-length",
			opts: backuptest.Options{Era: backuptest.EraMBDB, Seed: 8, Raw: []backuptest.RawRow{
				{Record: []byte{0x00, 0x0a, 'H', 'o', 'm', 'e', 'D', 'o', 'm', 'a', 'i', 'n', 0xff, 0xfe}},
			}},
			checkErr:   ptr(formatErr("Manifest.mbdb")),
			extractErr: ptr(formatErr("Manifest.mbdb")),
		},
		{
			name: "corrupt-record-database",
			opts: enc(backuptest.Era10_2),
			files: []backuptest.File{
				{Domain: "HomeDomain", Path: "Library/CallHistoryDB/CallHistory.storedata", Data: backuptest.Garbage(9000)},
				{Domain: "HomeDomain", Path: "Library/AddressBook/AddressBook.sqlitedb", Data: append([]byte("SQLite format 3\x00"), backuptest.Garbage(4000)...)},
			},
		},
		{
			name: "stale-sizes",
			opts: plain(backuptest.Era10_1),
			files: []backuptest.File{
				{Domain: "HomeDomain", Path: "Library/stale.db", Data: []byte("grown since"), RecordedSize: new(int64(3))},
			},
		},
		{
			name: "snapshot-leftover",
			opts: backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw", SnapshotState: "uploading",
				Extra: map[string][]byte{"Snapshot/Manifest.plist": []byte("partial"), "Snapshot/ab/abababababababababababababababababababab": []byte("x")}},
			unhealthy: true,
			more: func(t *testing.T, b *Backup, env *hostileEnv) {
				h, err := b.Check(context.Background())
				if err != nil || !h.SnapshotDir || h.SnapshotState != "uploading" || h.Healthy() {
					t.Errorf("health %+v %v", h, err)
				}
			},
		},
		{
			name: "not-a-backup",
			opts: plain(backuptest.Era10_2),
			damage: func(t *testing.T, dir string, res *backuptest.Result) {
				mustRemoveAll(t, dir, "Manifest.plist", "Manifest.db")
			},
			openErr: ptr(is(ErrNotBackup)),
		},
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustRemoveAll(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		must(t, os.Remove(filepath.Join(dir, n)))
	}
}

// TestHostileBackups runs every hostile case end to end on a real folder.
func TestHostileBackups(t *testing.T) {
	for _, c := range hostileCases(t) {
		t.Run(c.name, func(t *testing.T) { runHostile(t, c) })
	}
}

func replaceParent(s, parent string) string { return strings.ReplaceAll(s, parentMarker, parent) }

func runHostile(t *testing.T, c hostileCase) {
	if c.bug != "" {
		t.Skip("BUG: " + c.bug)
	}
	parent := t.TempDir()
	env := &hostileEnv{parent: parent, dir: filepath.Join(parent, "backup"), dest: filepath.Join(parent, "out", "dest")}
	must(t, os.WriteFile(filepath.Join(parent, "secret"), []byte(secretContent), 0o644))
	must(t, os.MkdirAll(filepath.Join(parent, "out", "sibling"), 0o755))
	must(t, os.WriteFile(filepath.Join(parent, "out", "sibling", "keep.txt"), []byte("keep"), 0o644))

	files := append(goodFiles(), c.files...)
	for i := range files {
		files[i].Domain = replaceParent(files[i].Domain, parent)
		files[i].Path = replaceParent(files[i].Path, parent)
		files[i].Target = replaceParent(files[i].Target, parent)
	}
	opts := c.opts
	res, err := backuptest.Write(env.dir, opts, files)
	if err != nil {
		t.Fatal(err)
	}
	env.res = res
	if c.damage != nil {
		c.damage(t, env.dir, res)
	}
	before := treeHash(t, env.dir)
	outside := outsideSnapshot(t, env)
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic: %v", r)
		}
		if treeHash(t, env.dir) != before {
			t.Errorf("the backup folder changed")
		}
		if got := outsideSnapshot(t, env); got != outside {
			t.Errorf("something was written outside dest:\nbefore:\n%s\nafter:\n%s", outside, got)
		}
	}()

	b, err := Open(env.dir)
	b2, err2 := New(os.DirFS(env.dir))
	if c.openErr != nil {
		c.openErr.check(t, "Open", err)
		c.openErr.check(t, "New", err2)
		if b != nil || b2 != nil {
			t.Errorf("Open returned a backup with an error")
		}
		return
	}
	if err != nil || err2 != nil {
		t.Fatalf("Open: %v / New: %v", err, err2)
	}
	defer b.Close()
	defer b2.Close()

	if b.Encrypted() {
		pw := c.password
		switch pw {
		case "":
			pw = "pw"
		case "-":
			pw = ""
		}
		err := b.Unlock(context.Background(), pw)
		if c.unlockErr != nil {
			c.unlockErr.check(t, "Unlock", err)
			if c.more != nil {
				c.more(t, b, env)
			}
			if b.readable() {
				t.Errorf("unlocked after a failed Unlock")
			}
			_, err := b.Extract(t.Context(), env.dest, nil)
			if !errors.Is(err, ErrPasswordRequired) {
				t.Errorf("Extract of a locked backup: %v", err)
			}
			walkAll(t, b)
			return
		}
		if err != nil {
			t.Fatalf("Unlock: %v", err)
		}
	} else if c.unlockErr != nil {
		t.Fatalf("case expects an Unlock error on an unencrypted backup")
	}

	// Check.
	h, err := b.Check(context.Background())
	if c.checkErr != nil {
		c.checkErr.check(t, "Check", err)
	} else if err != nil {
		t.Fatalf("Check: %v", err)
	} else {
		var missing, unsafe, undec []string
		for _, e := range h.Missing {
			missing = append(missing, e.Name())
		}
		for _, e := range h.Unsafe {
			unsafe = append(unsafe, e.Domain+"/"+e.Path)
			if !validFileID(e.FileID) && e.Err == nil {
				t.Errorf("unsafe entry without reason: %+v", e)
			}
		}
		for _, e := range h.Undecodable {
			undec = append(undec, e.Domain+"/"+e.Path)
		}
		var incons []string
		for _, e := range h.Inconsistent {
			incons = append(incons, e.Domain+"/"+e.Path)
		}
		sameNames(t, "Check.Inconsistent", incons, c.inconsistent, parent)
		sameNames(t, "Check.Missing", missing, c.missing, parent)
		sameNames(t, "Check.Unsafe", unsafe, c.unsafe, parent)
		sameNames(t, "Check.Undecodable", undec, c.undecodable, parent)
		wantHealthy := len(c.missing)+len(c.unsafe)+len(c.undecodable)+len(c.inconsistent) == 0 && !c.unhealthy
		if h.Healthy() != wantHealthy {
			t.Errorf("Healthy() = %v, want %v (%+v)", h.Healthy(), wantHealthy, h)
		}
	}

	// Extract for real.
	rep, err := b.Extract(t.Context(), env.dest, &ExtractOptions{Workers: 3})
	if c.extractErr != nil {
		c.extractErr.check(t, "Extract", err)
		if c.more != nil {
			c.more(t, b, env)
		}
		walkAll(t, b)
		checkDest(t, env, map[string][]byte{}, nil)
		return
	}
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	gotFailed := reportNames(rep.Failed)
	gotSkipped := reportNames(skipErrors(rep.Skipped))
	checkReport(t, "Failed", gotFailed, c.failed, parent)
	checkReport(t, "Skipped", gotSkipped, c.skipped, parent, symlinkNames(files)...)

	// What must be in dest: every regular file not failed or skipped.
	want := map[string][]byte{}
	for _, f := range files {
		if f.Kind != backuptest.KindFile {
			continue
		}
		name := f.Domain + "/" + f.Path
		if _, ok := gotFailed[name]; ok {
			continue
		}
		if err, ok := gotSkipped[name]; ok && !errors.Is(err, errSkipDuplicate) {
			continue
		}
		if (&manifest.Entry{FileID: backuptest.FileID(f.Domain, f.Path), Domain: f.Domain, Path: f.Path}).Problem() != "" {
			t.Errorf("%q: unsafe entry neither skipped nor failed", name)
			continue
		}
		data := f.Data
		if f.Payload != nil && (!opts.Encrypted || f.NoKey) {
			data = f.Payload
		}
		want[name] = data
	}
	maybe := map[string][]byte{}
	for k, v := range c.maybe {
		maybe[replaceParent(k, parent)] = v
	}
	checkDest(t, env, want, maybe)
	if rep.Files != len(want)+countPresent(env.dest, maybe) {
		t.Errorf("report counts %d files, dest holds %d (+maybe)", rep.Files, len(want))
	}
	// The fs.FS view serves the same bytes.
	for name, data := range want {
		got, err := fs.ReadFile(b2, name)
		if b2.Encrypted() {
			if err := b2.Unlock(context.Background(), "pw"); err != nil {
				t.Fatal(err)
			}
			got, err = fs.ReadFile(b2, name)
		}
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("fs.ReadFile(%q) = %d bytes, %v; want %d bytes", name, len(got), err, len(data))
		}
	}
	walkAll(t, b)
	if c.more != nil {
		c.more(t, b, env)
	}
}

// hexRows are Manifest.db rows whose fileID is not 40 lowercase hex.
func hexRows(t *testing.T) []backuptest.RawRow {
	up := strings.ToUpper(backuptest.FileID("HomeDomain", "Library/uppercase"))
	row := func(id, path string) backuptest.RawRow {
		return backuptest.RawRow{FileID: id, Domain: "HomeDomain", Path: path, Flags: 1, File: archive(t, backuptest.MBFile{
			RelativePath: path, Size: 14, Mode: backuptest.ModeFile, ProtectionClass: 3, Flags: 1})}
	}
	return []backuptest.RawRow{
		row("../../secret", "Library/dotdot.txt"),
		row("abc", "Library/short.txt"),
		row("ab/"+strings.Repeat("ab", 19), "Library/slashid.txt"),
		{FileID: up, Domain: "HomeDomain", Path: "Library/uppercase", Flags: 1, Payload: []byte(secretContent), File: archive(t, backuptest.MBFile{
			RelativePath: "Library/uppercase", Size: 14, Mode: backuptest.ModeFile, ProtectionClass: 3, Flags: 1})},
	}
}

func symlinkNames(files []backuptest.File) []string {
	var out []string
	for _, f := range files {
		if f.Kind == backuptest.KindSymlink {
			out = append(out, f.Domain+"/"+f.Path)
		}
	}
	return out
}

// Errors standing for the skip reasons in the tables of expected reports.
var (
	errSkipSymlink   = errors.New("skipped: symlink")
	errSkipDuplicate = errors.New("skipped: duplicate")
	errSkipCollision = errors.New("skipped: name collision")
	errSkipOther     = errors.New("skipped: not a file, directory or symlink")
)

// skipErrors turns skipped entries into entry errors for reportNames: an
// unsafe path wraps ErrUnsafePath (as Open's errors do), the other
// reasons the errSkip values.
func skipErrors(ss []*SkippedEntry) []*EntryError {
	var out []*EntryError
	for _, s := range ss {
		err := map[SkipReason]error{SkipSymlink: errSkipSymlink, SkipDuplicate: errSkipDuplicate,
			SkipNameCollision: errSkipCollision, SkipOther: errSkipOther}[s.Reason]
		if s.Reason == SkipUnsafePath {
			err = fmt.Errorf("%w: %s", ErrUnsafePath, s.Detail)
		}
		out = append(out, &EntryError{Domain: s.Domain, Path: s.Path, FileID: s.FileID, Err: err})
	}
	return out
}

// reportNames indexes report entries by name; a repeated name gets "#2", "#3".
func reportNames(es []*EntryError) map[string]error {
	out := map[string]error{}
	for _, e := range es {
		name := e.Domain + "/" + e.Path
		if _, dup := out[name]; dup {
			for i := 2; ; i++ {
				if _, ok := out[fmt.Sprintf("%s#%d", name, i)]; !ok {
					name = fmt.Sprintf("%s#%d", name, i)
					break
				}
			}
		}
		out[name] = e.Err
	}
	return out
}

func checkReport(t *testing.T, what string, got map[string]error, want map[string]matcher, parent string, allowSymlinks ...string) {
	t.Helper()
	w := map[string]matcher{}
	for k, m := range want {
		w[replaceParent(k, parent)] = m
	}
	for _, s := range allowSymlinks {
		if _, ok := w[s]; !ok && what == "Skipped" {
			w[s] = is(errSkipSymlink)
		}
	}
	for name, m := range w {
		err, ok := got[name]
		if !ok {
			// A duplicate may be reported under either of its names.
			if base, _, dup := strings.Cut(name, "#"); dup {
				err, ok = got[base]
			}
		}
		if !ok {
			t.Errorf("%s: %q not reported (report: %v)", what, name, keys(got))
			continue
		}
		m.check(t, what+" "+name, err)
	}
	for name, err := range got {
		if _, ok := w[name]; !ok {
			if base, _, dup := strings.Cut(name, "#"); dup {
				if _, ok := w[base]; ok {
					continue
				}
			}
			if _, ok := w[name+"#2"]; ok {
				continue
			}
			t.Errorf("%s: unexpected %q: %v", what, name, err)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sameNames(t *testing.T, what string, got, want []string, parent string) {
	t.Helper()
	w := make([]string, len(want))
	for i, s := range want {
		w[i] = replaceParent(s, parent)
	}
	got = slices.Clone(got)
	slices.Sort(got)
	slices.Sort(w)
	if !slices.Equal(got, w) {
		t.Errorf("%s = %q, want %q", what, got, w)
	}
}

func countPresent(dest string, maybe map[string][]byte) int {
	n := 0
	for name := range maybe {
		if _, err := os.Lstat(filepath.Join(dest, filepath.FromSlash(name))); err == nil {
			n++
		}
	}
	return n
}

// checkDest asserts that dest holds exactly the files of want (with their
// contents), possibly some of maybe, no symlink, and nothing containing
// the outside secret.
func checkDest(t *testing.T, env *hostileEnv, want, maybe map[string][]byte) {
	t.Helper()
	seen := map[string]bool{}
	if _, err := os.Stat(env.dest); errors.Is(err, fs.ErrNotExist) && len(want) == 0 {
		return
	}
	err := filepath.WalkDir(env.dest, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(env.dest, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			t.Errorf("dest holds a symlink %q", rel)
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if bytes.Contains(data, []byte(secretContent)) {
				t.Errorf("dest file %q holds the outside secret", rel)
			}
			exp, ok := want[rel]
			if !ok {
				exp, ok = maybe[rel]
			}
			if !ok {
				t.Errorf("unexpected file in dest: %q (%d bytes)", rel, len(data))
			} else if !bytes.Equal(data, exp) {
				t.Errorf("dest %q: %d bytes, want %d bytes", rel, len(data), len(exp))
			}
			seen[rel] = true
		case d.IsDir():
		default:
			t.Errorf("dest holds an irregular file %q", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("%q was not extracted", name)
		}
	}
}

// outsideSnapshot describes everything under parent except the backup
// folder (hashed separately) and dest.
func outsideSnapshot(t *testing.T, env *hostileEnv) string {
	t.Helper()
	var sb strings.Builder
	err := filepath.WalkDir(env.parent, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == env.dir || p == env.dest {
			return fs.SkipDir
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&sb, "%s %v %d", p, info.Mode(), info.Size())
		if d.Type().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&sb, " %x", sha256.Sum256(data))
		}
		sb.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sb.String()
}

// walkAll visits the whole fs.FS view, reading every file, and requires
// only that nothing panics and that every name it lists is valid.
func walkAll(t *testing.T, b *Backup) {
	t.Helper()
	n := 0
	_ = fs.WalkDir(b, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if !fs.ValidPath(p) {
			t.Errorf("fs.WalkDir yields an invalid name %q", p)
		}
		if n++; n > 10000 {
			return fs.SkipAll
		}
		if d.Type().IsRegular() {
			_, _ = fs.ReadFile(b, p)
			_, _ = fs.Stat(b, p)
		}
		return nil
	})
}

// TestCheckNamesDamagedEntries puts many kinds of damage in one backup and
// checks that Check names each damaged entry, and only those.
func TestCheckNamesDamagedEntries(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backup")
	files := append(goodFiles(),
		backuptest.File{Domain: "HomeDomain", Path: "../escape.txt", Data: []byte("evil")},
		backuptest.File{Domain: "AppDomain-../..", Path: "x", Data: []byte("evil")},
		backuptest.File{Domain: "HomeDomain", Path: "Library/missing.txt", Data: []byte("gone"), NoPayload: true},
		backuptest.File{Domain: "HomeDomain", Path: "Library/trunc.txt", Data: []byte("truncated payload")},
		backuptest.File{Domain: "HomeDomain", Path: "Library/pad.txt", Data: []byte("bad padding")},
		backuptest.File{Domain: "HomeDomain", Path: "Library/bound.txt", Data: []byte("device"), Class: 11},
		backuptest.File{Domain: "HomeDomain", Path: "Library/wrongkey.txt", Data: []byte("wrong key"), BadWrappedKey: true},
		backuptest.File{Domain: "HomeDomain", Path: "Library/stale.txt", Data: []byte("stale"), RecordedSize: new(int64(99))},
	)
	res, err := backuptest.Write(dir, backuptest.Options{Era: backuptest.Era10_1, Encrypted: true, Password: "pw", Seed: 21, Raw: []backuptest.RawRow{
		{FileID: backuptest.FileID("HomeDomain", "Library/nullblob"), Domain: "HomeDomain", Path: "Library/nullblob", Flags: 1},
		{FileID: "NOT-HEX", Domain: "HomeDomain", Path: "Library/nothex", Flags: 1},
	}}, files)
	if err != nil {
		t.Fatal(err)
	}
	tr := backuptest.InDir(dir)
	must(t, backuptest.TruncatePayload(tr, backuptest.FileID("HomeDomain", "Library/trunc.txt"), 8))
	must(t, backuptest.CorruptPadding(tr, res, backuptest.FileID("HomeDomain", "Library/pad.txt")))
	before := treeHash(t, dir)
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	// Locked: the manifest of 10.1 is plaintext, so structure is checked.
	h, err := b.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	names := func(es []*EntryError) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Domain+"/"+e.Path)
		}
		slices.Sort(out)
		return out
	}
	if h.SizesChecked || len(h.Missing) != 1 || h.Missing[0].Name() != "HomeDomain/Library/missing.txt" {
		t.Errorf("locked: sizes checked %v, missing %v", h.SizesChecked, h.Missing)
	}
	if got := names(h.Unsafe); !slices.Equal(got, []string{"AppDomain-../../", "AppDomain-../../x", "HomeDomain/../escape.txt", "HomeDomain/Library/nothex"}) {
		t.Errorf("locked: unsafe %q", got)
	}
	if got := names(h.Undecodable); !slices.Equal(got, []string{"HomeDomain/Library/nullblob"}) {
		t.Errorf("locked: undecodable %q", got)
	}

	if err := b.Unlock(context.Background(), "pw"); err != nil {
		t.Fatal(err)
	}
	h, err = b.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !h.SizesChecked || h.Healthy() || h.Entries != len(res.Entries)+2 {
		t.Errorf("unlocked: %+v (entries %d, built %d)", h, h.Entries, len(res.Entries)+2)
	}
	if got := names(h.Undecodable); !slices.Equal(got, []string{"HomeDomain/Library/bound.txt", "HomeDomain/Library/nullblob", "HomeDomain/Library/pad.txt", "HomeDomain/Library/trunc.txt", "HomeDomain/Library/wrongkey.txt"}) {
		t.Errorf("unlocked: undecodable %q", got)
	}
	for _, e := range h.Undecodable {
		want := ErrCorruptPayload
		switch e.Path {
		case "Library/bound.txt":
			want = ErrDeviceBound
		case "Library/nullblob":
			continue
		}
		if !errors.Is(e, want) || e.FileID == "" {
			t.Errorf("undecodable %s: %v, want %v", e.Path, e.Err, want)
		}
	}
	var mism []string
	for _, m := range h.SizeMismatch {
		mism = append(mism, fmt.Sprintf("%s %d %d", m.Entry.Path, m.Recorded, m.Actual))
	}
	if !slices.Equal(mism, []string{"Library/stale.txt 99 5"}) {
		t.Errorf("size mismatches %q", mism)
	}
	if treeHash(t, dir) != before {
		t.Error("the backup folder changed")
	}
}

// TestExtractIntoPlantedSymlink extracts into a destination where an
// attacker left a symlink pointing outside: nothing may be written through it.
func TestExtractIntoPlantedSymlink(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "backup")
	if _, err := backuptest.Write(dir, plain(backuptest.Era10_1), goodFiles()); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(parent, "outside")
	must(t, os.MkdirAll(outside, 0o755))
	dest := filepath.Join(parent, "dest")
	must(t, os.MkdirAll(dest, 0o755))
	must(t, os.Symlink(outside, filepath.Join(dest, "HomeDomain")))
	must(t, os.Symlink("../outside", filepath.Join(dest, "MediaDomain")))
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	rep, err := b.Extract(t.Context(), dest, &ExtractOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(outside)
	if len(left) != 0 {
		t.Fatalf("%d entries written through a planted symlink", len(left))
	}
	got := reportNames(rep.Failed)
	for _, name := range []string{"HomeDomain/Library/SMS/sms.db", "HomeDomain/Library/Notes/notes.txt", "MediaDomain/Media/DCIM/100APPLE/IMG_0001.JPG"} {
		if got[name] == nil {
			t.Errorf("%s: not reported as failed (%v)", name, keys(got))
		}
	}
	data, err := os.ReadFile(filepath.Join(dest, "AppDomain-com.example.app/Documents/a.txt"))
	if err != nil || string(data) != "app file" || rep.Files != 1 {
		t.Errorf("the unaffected file: %q %v (%d files)", data, err, rep.Files)
	}
}

// TestConcurrentReads reads one *Backup from many goroutines at once:
// fs.ReadFile, Stat, ReadDir, Lookup and Check, comparing every result.
func TestConcurrentReads(t *testing.T) {
	files := goodFiles()
	for i := range 24 {
		files = append(files, backuptest.File{Domain: "HomeDomain", Path: fmt.Sprintf("Library/many/f%02d.txt", i),
			Data: bytes.Repeat([]byte{byte('a' + i)}, 100*i+1)})
	}
	for _, era := range []backuptest.Era{backuptest.EraMBDB, backuptest.Era10_2} {
		t.Run(era.String(), func(t *testing.T) {
			dir := t.TempDir()
			if _, err := backuptest.Write(dir, enc(era), files); err != nil {
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
			const workers = 8
			errs := make(chan error, workers)
			for w := range workers {
				go func() {
					errs <- concurrentReader(b, files, w)
				}()
			}
			for range workers {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func concurrentReader(b *Backup, files []backuptest.File, w int) error {
	for round := range 3 {
		for i := range files {
			f := files[(i+w*5+round)%len(files)]
			name := f.Domain + "/" + f.Path
			got, err := fs.ReadFile(b, name)
			if err != nil || !bytes.Equal(got, f.Data) {
				return fmt.Errorf("worker %d: ReadFile %s: %d bytes, %v", w, name, len(got), err)
			}
			st, err := fs.Stat(b, name)
			if err != nil || st.Size() != int64(len(f.Data)) {
				return fmt.Errorf("worker %d: Stat %s: %v %v", w, name, st, err)
			}
			e, err := b.Lookup(f.Domain, f.Path)
			if err != nil || e.FileID != backuptest.FileID(f.Domain, f.Path) {
				return fmt.Errorf("worker %d: Lookup %s: %v", w, name, err)
			}
		}
		des, err := fs.ReadDir(b, "HomeDomain/Library/many")
		if err != nil || len(des) != 24 || des[0].Name() != "f00.txt" || des[23].Name() != "f23.txt" {
			return fmt.Errorf("worker %d: ReadDir: %d entries, %v", w, len(des), err)
		}
		if w%4 == 0 {
			h, err := b.Check(context.Background())
			if err != nil || !h.Healthy() || h.Files != len(files) {
				return fmt.Errorf("worker %d: Check: %+v %v", w, h, err)
			}
		}
	}
	return nil
}
