package backup

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/iosbackup/iosbackup/internal/aeskw"
	"github.com/iosbackup/iosbackup/internal/cbcio"
	"github.com/iosbackup/iosbackup/internal/keybag"
	"github.com/iosbackup/iosbackup/internal/manifestdb"
	"github.com/iosbackup/iosbackup/internal/sqlitemem"
	"github.com/iosbackup/iosbackup/manifest"
)

// maxManifestSize bounds Manifest.db, which is read into memory (a
// manifest of 500,000 files is about 150 MB).
const maxManifestSize = 4 << 30

// maxMBDBSize bounds Manifest.mbdb (iOS 4-9), which is streamed into
// entries of about 500 bytes each: real ones of 300,000 files are about
// 60 MB; the record count is bounded too (manifestdb.MaxMBDBEntries,
// 1,048,576).
const maxMBDBSize = 256 << 20

// Backup is an opened backup folder. It is an fs.FS whose names are
// Domain/relative/path; after Unlock it serves decrypted contents.
//
// A Backup is safe for concurrent use.
type Backup struct {
	fsys  fs.FS
	root  *os.Root // when opened from a folder
	info  *Info
	mp    *manifestPlist
	kb    *keybag.Keybag
	kbErr error

	mu       sync.RWMutex
	unlocked bool
	kek      []byte
	keys     map[int][]byte
	bound    []int

	idxOnce sync.Once
	idx     index
	idxErr  error

	treeOnce sync.Once
	treeMu   sync.Mutex // guards tree for readers outside treeOnce
	tree     *tree
	treeErr  error
}

// Open opens the backup folder dir (the one holding Manifest.plist). It
// reads the root plists only: no password and no key derivation. Files in
// the folder are only ever read.
func Open(dir string) (*Backup, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s: %v", ErrNotBackup, dir, err)
		}
		return nil, err
	}
	b, err := New(root.FS())
	if err != nil {
		root.Close()
		return nil, err
	}
	b.root = root
	return b, nil
}

// New opens a backup laid out in fsys (the backup folder's contents at its
// root), as Open does for a folder.
func New(fsys fs.FS) (*Backup, error) {
	b := &Backup{fsys: fsys}
	var problems []string
	mp := &manifestPlist{}
	if err := readPlist(fsys, "Manifest.plist", mp); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		mp = nil
	}
	format := ""
	for _, name := range []string{"Manifest.db", "Manifest.mbdb"} {
		if st, err := fs.Stat(fsys, name); err == nil && !st.IsDir() {
			format = name
			break
		}
	}
	if mp == nil && format == "" {
		return nil, ErrNotBackup
	}
	if mp == nil {
		problems = append(problems, "Manifest.plist is missing")
	}
	if format == "" {
		problems = append(problems, "no Manifest.db or Manifest.mbdb")
	}
	ip := &infoPlist{}
	if err := readPlist(fsys, "Info.plist", ip); err != nil {
		problems = append(problems, "Info.plist: "+describe(err))
		ip = nil
	}
	sp := &statusPlist{}
	if err := readPlist(fsys, "Status.plist", sp); err != nil {
		problems = append(problems, "Status.plist: "+describe(err))
		sp = nil
	}
	b.mp = mp
	b.info = buildInfo(ip, mp, sp)
	b.info.Format = format
	b.info.Problems = problems
	if mp != nil && len(mp.BackupKeyBag) > 0 {
		b.kb, b.kbErr = keybag.Parse(mp.BackupKeyBag)
		if b.kbErr != nil {
			b.kbErr = &FormatError{File: "Manifest.plist", Offset: -1, Err: b.kbErr}
		}
	} else if b.info.Encrypted {
		b.kbErr = &FormatError{File: "Manifest.plist", Offset: -1, Err: errors.New("encrypted backup without BackupKeyBag")}
	}
	return b, nil
}

func describe(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "missing"
	}
	return err.Error()
}

// Close releases the folder and the in-memory manifest, and forgets the keys.
func (b *Backup) Close() error {
	b.mu.Lock()
	for _, k := range b.keys {
		clear(k)
	}
	clear(b.kek)
	b.keys, b.kek, b.unlocked = nil, nil, false
	b.mu.Unlock()
	if b.idx != nil {
		b.idx.close()
	}
	if b.root != nil {
		return b.root.Close()
	}
	return nil
}

// Info returns the device and backup facts read from the root plists. It
// returns a copy each time: changing it changes nothing in the Backup.
func (b *Backup) Info() *Info { return b.info.clone() }

// Encrypted reports whether the backup is encrypted.
func (b *Backup) Encrypted() bool { return b.info.Encrypted }

// readable reports whether the backup's contents can be read: it is not
// encrypted, or Unlock succeeded.
func (b *Backup) readable() bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return !b.info.Encrypted || b.unlocked
}

// Unlock derives the key from password and unwraps the class keys. It
// returns ErrIncorrectPassword when the password is wrong. On an
// unencrypted backup it does nothing.
//
// The derivation takes about a second (PBKDF2 with millions of rounds).
// Unlock returns ctx.Err() as soon as ctx is done; the derivation stage
// then running ends in the background, its result discarded.
func (b *Backup) Unlock(ctx context.Context, password string) error {
	if !b.info.Encrypted {
		return nil
	}
	if b.kbErr != nil {
		return b.kbErr
	}
	if password == "" {
		return ErrPasswordRequired
	}
	kek, err := b.derive(ctx, password)
	if err != nil {
		return err
	}
	defer clear(kek)
	return b.UnlockWithKey(kek)
}

// derivations counts the key derivations that ran to their end (tests).
var derivations atomic.Int64

// derive runs the key derivation in a goroutine, so that a done ctx
// returns at once; the keybag stops the derivation at the end of the
// stage it is in.
func (b *Backup) derive(ctx context.Context, password string) ([]byte, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type result struct {
		k   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		pw := []byte(password)
		defer clear(pw)
		k, err := b.kb.DeriveKeyContext(ctx, pw)
		if err == nil {
			derivations.Add(1)
		}
		done <- result{k, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, b.keybagError(r.err)
		}
		return r.k, nil
	case <-ctx.Done():
		go func() { clear((<-done).k) }()
		return nil, ctx.Err()
	}
}

func (b *Backup) keybagError(err error) error {
	if errors.Is(err, keybag.ErrTooManyIterations) {
		return err
	}
	var fe *keybag.FormatError
	if errors.As(err, &fe) {
		return &FormatError{File: "Manifest.plist", Offset: -1, Err: err}
	}
	return err
}

// UnlockWithKey unlocks with a key previously derived from the password
// (DerivedKey, or `ibackup key`), skipping the slow derivation.
func (b *Backup) UnlockWithKey(kek []byte) error {
	if !b.info.Encrypted {
		return nil
	}
	if b.kbErr != nil {
		return b.kbErr
	}
	if b.kb == nil {
		return &FormatError{File: "Manifest.plist", Offset: -1, Err: errors.New("no BackupKeyBag")}
	}
	u, err := b.kb.Unlock(kek)
	if err != nil {
		if errors.Is(err, keybag.ErrIncorrectKey) {
			return ErrIncorrectPassword
		}
		return &FormatError{File: "Manifest.plist", Offset: -1, Err: err}
	}
	b.mu.Lock()
	b.kek = append([]byte(nil), kek...)
	b.keys = u.Keys
	b.bound = u.DeviceBound
	b.unlocked = true
	b.mu.Unlock()
	return nil
}

// DerivedKey returns a copy of the key-encryption key after a successful
// unlock, for later UnlockWithKey calls; nil otherwise.
func (b *Backup) DerivedKey() []byte {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return slices.Clone(b.kek)
}

// deviceBoundClasses lists the protection classes whose keys are wrapped
// with the device key too and so cannot be used: files in them cannot be
// decrypted off the device (ErrDeviceBound).
func (b *Backup) deviceBoundClasses() []int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return slices.Clone(b.bound)
}

// HashLine returns the backup's "$itunes_backup$" line for hashcat (modes
// 14700 and 14800) and John the Ripper.
func (b *Backup) HashLine() (string, error) {
	if !b.info.Encrypted {
		return "", ErrNotEncrypted
	}
	if b.kbErr != nil {
		return "", b.kbErr
	}
	if b.kb == nil {
		return "", &FormatError{File: "Manifest.plist", Offset: -1, Err: errors.New("no BackupKeyBag")}
	}
	return b.kb.HashLine()
}

func (b *Backup) classKey(class int) ([]byte, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if !b.unlocked {
		return nil, ErrPasswordRequired
	}
	k, ok := b.keys[class]
	if ok {
		return k, nil
	}
	if slices.Contains(b.bound, class) {
		return nil, fmt.Errorf("%w: class %d", ErrDeviceBound, class)
	}
	return nil, fmt.Errorf("%w: protection class %d is not in the keybag", ErrNoKey, class)
}

// fileKey unwraps an entry's file key.
func (b *Backup) fileKey(e *manifest.Entry) ([]byte, error) {
	class := e.KeyClass
	if class == 0 {
		class = e.ProtectionClass
	}
	ck, err := b.classKey(class)
	if err != nil {
		return nil, err
	}
	k, err := aeskw.Unwrap(ck, e.WrappedKey)
	if err != nil {
		return nil, fmt.Errorf("%w: file key does not unwrap with class %d", ErrCorruptPayload, class)
	}
	return k, nil
}

// index is the loaded manifest.
type index interface {
	lookup(domain, path string) ([]*manifest.Entry, error)
	all() iter.Seq2[*manifest.Entry, error]
	names() iter.Seq2[*manifest.Entry, error]
	// under yields up to limit entries of domain below the directory
	// rel ("" for the whole domain), names only.
	under(domain, rel string, limit int) iter.Seq2[*manifest.Entry, error]
	close()
}

type dbIndex struct{ db *manifestdb.DB }

func (x dbIndex) lookup(d, p string) ([]*manifest.Entry, error) { return x.db.Lookup(d, p) }
func (x dbIndex) all() iter.Seq2[*manifest.Entry, error]        { return x.db.All() }
func (x dbIndex) names() iter.Seq2[*manifest.Entry, error]      { return x.db.Names() }
func (x dbIndex) close()                                        { x.db.Close() }
func (x dbIndex) under(d, rel string, limit int) iter.Seq2[*manifest.Entry, error] {
	return x.db.Under(d, rel, limit)
}

type listIndex struct {
	entries []*manifest.Entry
	byName  map[domainPath]*manifest.Entry   // the first entry of each name
	dups    map[domainPath][]*manifest.Entry // every entry of a repeated name
}

// domainPath keys listIndex without allocating a joined string per entry.
type domainPath struct{ domain, path string }

func newListIndex(es []*manifest.Entry) *listIndex {
	x := &listIndex{entries: es, byName: make(map[domainPath]*manifest.Entry, len(es)), dups: map[domainPath][]*manifest.Entry{}}
	for _, e := range es {
		k := domainPath{e.Domain, e.Path}
		first, ok := x.byName[k]
		switch {
		case !ok:
			x.byName[k] = e
		case x.dups[k] == nil:
			x.dups[k] = []*manifest.Entry{first, e}
		default:
			x.dups[k] = append(x.dups[k], e)
		}
	}
	return x
}

func (x *listIndex) lookup(d, p string) ([]*manifest.Entry, error) {
	k := domainPath{d, p}
	if es := x.dups[k]; es != nil {
		return es, nil
	}
	if e := x.byName[k]; e != nil {
		return []*manifest.Entry{e}, nil
	}
	return nil, nil
}

func (x *listIndex) all() iter.Seq2[*manifest.Entry, error] {
	return func(yield func(*manifest.Entry, error) bool) {
		for _, e := range x.entries {
			if !yield(e, nil) {
				return
			}
		}
	}
}
func (x *listIndex) names() iter.Seq2[*manifest.Entry, error] { return x.all() }
func (x *listIndex) under(d, rel string, limit int) iter.Seq2[*manifest.Entry, error] {
	return func(yield func(*manifest.Entry, error) bool) {
		n := 0
		for _, e := range x.entries {
			if e.Domain != d || !(rel == "" || len(e.Path) > len(rel) && e.Path[len(rel)] == '/' && e.Path[:len(rel)] == rel) {
				continue
			}
			if n++; n > limit || !yield(e, nil) {
				return
			}
		}
	}
}
func (x *listIndex) close() {}

// manifest loads the file index once.
func (b *Backup) manifest() (index, error) {
	if b.info.ManifestEncrypted && !b.readable() {
		return nil, ErrPasswordRequired
	}
	b.idxOnce.Do(func() { b.idx, b.idxErr = b.loadManifest() })
	return b.idx, b.idxErr
}

func (b *Backup) loadManifest() (index, error) {
	switch b.info.Format {
	case "Manifest.db":
		return b.loadManifestDB()
	case "Manifest.mbdb":
		f, st, err := openRegular(b.fsys, "Manifest.mbdb")
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if st.Size() > maxMBDBSize {
			return nil, &FormatError{File: "Manifest.mbdb", Offset: -1, Err: fmt.Errorf("file of %d bytes exceeds the %d-byte limit", st.Size(), int64(maxMBDBSize))}
		}
		// Streamed: the file itself is never held in memory.
		es, err := manifestdb.ReadMBDB(io.LimitReader(f, maxMBDBSize))
		if err != nil {
			if errors.Is(err, manifestdb.ErrUnsupported) {
				return nil, &UnsupportedError{What: err.Error()}
			}
			var fe *manifest.FormatError
			if errors.As(err, &fe) {
				return nil, &FormatError{File: fe.File, Offset: fe.Offset, Err: fe.Err}
			}
			return nil, err
		}
		return newListIndex(es), nil
	}
	return nil, fmt.Errorf("%w: no Manifest.db or Manifest.mbdb", ErrNotBackup)
}

// loadManifestDB reads Manifest.db into memory outside the Go heap,
// decrypts it there in place when it is encrypted, and opens it so that
// SQLite reads that one copy: no plaintext is written anywhere, and a
// manifest of hundreds of megabytes is not copied again.
func (b *Backup) loadManifestDB() (index, error) {
	f, st, err := openRegular(b.fsys, "Manifest.db")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st.Size() > maxManifestSize {
		return nil, &FormatError{File: "Manifest.db", Offset: -1, Err: fmt.Errorf("%d bytes exceeds the limit", st.Size())}
	}
	if st.Size() < 100 {
		return nil, &FormatError{File: "Manifest.db", Offset: 0, Err: fmt.Errorf("file of %d bytes is too short", st.Size())}
	}
	buf, err := sqlitemem.NewBuffer(int(st.Size()))
	if err != nil {
		return nil, err
	}
	handed := false
	defer func() {
		if !handed {
			buf.Free()
		}
	}()
	img := buf.Bytes()
	if _, err := io.ReadFull(f, img); err != nil {
		return nil, &FormatError{File: "Manifest.db", Offset: -1, Err: fmt.Errorf("read: %w", err)}
	}
	var db *sql.DB
	if sqlitemem.IsSQLite(img) {
		// A plaintext manifest may have a WAL beside it.
		if wal, err := readSmall(b.fsys, "Manifest.db-wal", maxManifestSize); err == nil && len(wal) > 0 {
			db, err = sqlitemem.Open(img, wal)
			if err != nil {
				return nil, &FormatError{File: "Manifest.db", Offset: -1, Err: err}
			}
		}
	} else {
		if !b.info.Encrypted || b.mp == nil || len(b.mp.ManifestKey) == 0 {
			return nil, &FormatError{File: "Manifest.db", Offset: 0, Err: errors.New("not an SQLite database and no ManifestKey to decrypt it")}
		}
		n, err := b.decryptManifest(img)
		if err != nil {
			return nil, err
		}
		buf.Truncate(n)
	}
	if db == nil {
		handed = true
		db, err = sqlitemem.OpenBuffer(buf)
		if err != nil {
			handed = false
			return nil, &FormatError{File: "Manifest.db", Offset: -1, Err: err}
		}
	}
	mdb, err := manifestdb.FromSQL(db)
	if err != nil {
		if errors.Is(err, manifestdb.ErrUnsupported) {
			return nil, &UnsupportedError{What: err.Error()}
		}
		return nil, &FormatError{File: "Manifest.db", Offset: -1, Err: err}
	}
	return dbIndex{mdb}, nil
}

// decryptManifest decrypts Manifest.db in place with the ManifestKey and
// returns its length without padding.
func (b *Backup) decryptManifest(ct []byte) (int, error) {
	mk := b.mp.ManifestKey
	if len(mk) != 44 {
		return 0, &FormatError{File: "Manifest.plist", Offset: -1, Err: fmt.Errorf("ManifestKey is %d bytes, want 44", len(mk))}
	}
	class := int(binary.LittleEndian.Uint32(mk[:4]))
	ck, err := b.classKey(class)
	if err != nil {
		return 0, err
	}
	key, err := aeskw.Unwrap(ck, mk[4:])
	if err != nil {
		return 0, &FormatError{File: "Manifest.plist", Offset: -1, Err: errors.New("ManifestKey does not unwrap")}
	}
	defer clear(key)
	if err := cbcio.DecryptInPlace(ct, key, runtime.GOMAXPROCS(0)); err != nil {
		return 0, &FormatError{File: "Manifest.db", Offset: int64(len(ct)), Err: err}
	}
	n := len(ct)
	if k, err := cbcio.Unpad(ct); err == nil {
		n = k
	}
	if !sqlitemem.IsSQLite(ct) {
		clear(ct)
		return 0, &FormatError{File: "Manifest.db", Offset: 0, Err: errors.New("decrypted manifest is not an SQLite database")}
	}
	return n, nil
}

// Entries yields every file, directory and symlink of the manifest, in
// the manifest's order. An entry whose metadata could not be decoded is
// yielded with Err set; a failure of the manifest itself is yielded as
// an error (a *manifest.FormatError for a row that cannot be read).
func (b *Backup) Entries() iter.Seq2[*File, error] {
	return func(yield func(*File, error) bool) {
		for e, err := range b.entries() {
			var f *File
			if e != nil {
				f = &File{Entry: *e, b: b}
			}
			if !yield(f, err) {
				return
			}
		}
	}
}

// entries yields the manifest's entries (Entries without the File).
func (b *Backup) entries() iter.Seq2[*manifest.Entry, error] {
	return func(yield func(*manifest.Entry, error) bool) {
		idx, err := b.manifest()
		if err != nil {
			yield(nil, err)
			return
		}
		for e, err := range idx.all() {
			if !yield(e, err) {
				return
			}
		}
	}
}

// Lookup returns the file, directory or symlink at a domain and relative
// path. It returns an error wrapping fs.ErrNotExist when there is none.
// Entries whose domain, path or fileID are unsafe (see
// manifest.Entry.Problem) are never returned.
func (b *Backup) Lookup(domain, path string) (*File, error) {
	e, err := b.lookup(domain, path)
	if err != nil {
		return nil, err
	}
	return &File{Entry: *e, b: b}, nil
}

func (b *Backup) lookup(domain, path string) (*manifest.Entry, error) {
	idx, err := b.manifest()
	if err != nil {
		return nil, err
	}
	es, err := idx.lookup(domain, path)
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		if e.Problem() == "" {
			return e, nil
		}
	}
	return nil, &fs.PathError{Op: "lookup", Path: domain + "/" + path, Err: fs.ErrNotExist}
}
