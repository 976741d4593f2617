package backup

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/iosbackup/iosbackup/internal/cbcio"
	"github.com/iosbackup/iosbackup/internal/manifestdb"
	"github.com/iosbackup/iosbackup/manifest"
)

var (
	_ fs.FS         = (*Backup)(nil)
	_ fs.StatFS     = (*Backup)(nil)
	_ fs.ReadDirFS  = (*Backup)(nil)
	_ fs.ReadLinkFS = (*Backup)(nil)
	_ fs.ReadFileFS = (*Backup)(nil)
)

// tree is the directory structure of the manifest, built on first need
// from names only (no metadata decoding).
type tree struct {
	dirs map[string]*dirNode // "" is the root, then "Domain", "Domain/a", ...
}

type dirNode struct {
	children map[string]manifest.Kind
	sorted   []string
}

func (t *tree) add(name string, kind manifest.Kind) {
	dir, base := path.Split(name)
	dir = strings.TrimSuffix(dir, "/")
	n := t.dir(dir)
	if k, ok := n.children[base]; ok && k == manifest.Dir {
		return // a directory implied by a child wins over a duplicate
	}
	n.children[base] = kind
	if kind == manifest.Dir {
		t.dir(name)
	}
}

func (t *tree) dir(name string) *dirNode {
	if n, ok := t.dirs[name]; ok {
		return n
	}
	n := &dirNode{children: map[string]manifest.Kind{}}
	t.dirs[name] = n
	if name != "" {
		parent, base := path.Split(name)
		t.dir(strings.TrimSuffix(parent, "/")).children[base] = manifest.Dir
	}
	return n
}

func (b *Backup) loadTree() (*tree, error) {
	idx, err := b.manifest()
	if err != nil {
		return nil, err
	}
	b.treeOnce.Do(func() {
		t := &tree{dirs: map[string]*dirNode{}}
		t.dir("")
		for e, err := range idx.names() {
			if err != nil {
				b.treeErr = err
				return
			}
			if e.Problem() != "" {
				continue
			}
			if e.Path == "" {
				t.dir(e.Domain)
				continue
			}
			t.add(e.Domain+"/"+e.Path, e.Kind)
		}
		for _, n := range t.dirs {
			for c := range n.children {
				n.sorted = append(n.sorted, c)
			}
			slices.Sort(n.sorted)
		}
		b.treeMu.Lock()
		b.tree = t
		b.treeMu.Unlock()
	})
	return b.tree, b.treeErr
}

func splitName(name string) (domain, rel string) {
	domain, rel, _ = strings.Cut(name, "/")
	return
}

// entry finds the manifest entry of a file system name, or reports an
// implicit directory (nil entry, isDir true).
func (b *Backup) entry(op, name string) (*manifest.Entry, bool, error) {
	if !fs.ValidPath(name) {
		return nil, false, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		if _, err := b.manifest(); err != nil {
			return nil, false, &fs.PathError{Op: op, Path: name, Err: err}
		}
		return nil, true, nil
	}
	domain, rel := splitName(name)
	e, err := b.lookup(domain, rel)
	if err == nil {
		return e, e.Kind == manifest.Dir, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, &fs.PathError{Op: op, Path: name, Err: err}
	}
	isDir, err := b.impliedDir(domain, rel)
	if err != nil {
		return nil, false, &fs.PathError{Op: op, Path: name, Err: err}
	}
	if isDir {
		return nil, true, nil
	}
	return nil, false, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
}

// impliedDirProbe bounds the rows impliedDir reads before it falls back to
// the tree.
const impliedDirProbe = 64

// impliedDir reports whether domain/rel, which has no entry of its own, is
// a directory implied by the entries below it. It asks the index for a few
// of those entries rather than building the whole tree, so that looking
// up a missing name (a database's "-wal", say) in a manifest of a million
// files costs one indexed query. Only when every entry it got is unsafe
// (and so not in the tree) does it build the tree to decide.
func (b *Backup) impliedDir(domain, rel string) (bool, error) {
	b.treeMu.Lock()
	t := b.tree
	b.treeMu.Unlock()
	if t != nil {
		_, ok := t.dirs[joinName(domain, rel)]
		return ok, nil
	}
	idx, err := b.manifest()
	if err != nil {
		return false, err
	}
	n := 0
	for e, err := range idx.under(domain, rel, impliedDirProbe) {
		if err != nil {
			return false, err
		}
		n++
		if e.Problem() == "" {
			return true, nil
		}
	}
	if n < impliedDirProbe {
		return false, nil
	}
	t, err = b.loadTree()
	if err != nil {
		return false, err
	}
	_, ok := t.dirs[joinName(domain, rel)]
	return ok, nil
}

func joinName(domain, rel string) string {
	if rel == "" {
		return domain
	}
	return domain + "/" + rel
}

// Open opens a file by its name, Domain/relative/path. Regular files are
// decrypted as they are read; directories can be listed; a symlink reads
// as its target text (as in archive/zip).
func (b *Backup) Open(name string) (fs.File, error) {
	e, isDir, err := b.entry("open", name)
	if err != nil {
		return nil, err
	}
	if isDir {
		info, err := b.stat(name, e, true)
		if err != nil {
			return nil, err
		}
		return &dirFile{b: b, name: name, info: info}, nil
	}
	if e.Kind == manifest.File {
		// One open of the payload and one key unwrap serve both the
		// reader and the real size.
		rc, size, err := b.openEntrySized(name, e, true)
		if err != nil {
			return nil, err
		}
		info := &fileInfo{name: path.Base(name), size: size, mode: e.FileMode(), mtime: e.Modified, entry: e}
		return &payloadFile{info: info, rc: rc, name: name}, nil
	}
	info, err := b.stat(name, e, false)
	if err != nil {
		return nil, err
	}
	if e.Kind == manifest.Symlink {
		return &memFile{info: info, r: strings.NewReader(e.Target)}, nil
	}
	return &memFile{info: info, r: strings.NewReader("")}, nil
}

// Stat returns a FileInfo for name. The size of a regular file is its real
// decrypted size (read from the final cipher block), not the size recorded
// in the manifest.
func (b *Backup) Stat(name string) (fs.FileInfo, error) {
	e, isDir, err := b.entry("stat", name)
	if err != nil {
		return nil, err
	}
	return b.stat(name, e, isDir)
}

// ReadFile reads the whole content of a regular file (fs.ReadFileFS). It
// starts from a buffer of at most readFileChunk bytes and grows it with
// the bytes actually read, never preallocating a size it was told.
func (b *Backup) ReadFile(name string) ([]byte, error) {
	f, err := b.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	data := make([]byte, 0, min(max(size, 0), readFileChunk)+1)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err != nil {
			if err == io.EOF {
				return data, nil
			}
			return data, err
		}
	}
}

// readFileChunk bounds ReadFile's first allocation.
const readFileChunk = 16 << 20

// Lstat is Stat: symlinks are never followed (fs.ReadLinkFS, with
// ReadLink).
func (b *Backup) Lstat(name string) (fs.FileInfo, error) { return b.Stat(name) }

// ReadLink returns a symlink's target as recorded (fs.ReadLinkFS).
func (b *Backup) ReadLink(name string) (string, error) {
	e, _, err := b.entry("readlink", name)
	if err != nil {
		return "", err
	}
	if e == nil || e.Kind != manifest.Symlink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return e.Target, nil
}

// ReadDir lists a directory, sorted by name.
func (b *Backup) ReadDir(name string) ([]fs.DirEntry, error) {
	_, isDir, err := b.entry("readdir", name)
	if err != nil {
		return nil, err
	}
	if !isDir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	return b.readDir(name)
}

func (b *Backup) readDir(name string) ([]fs.DirEntry, error) {
	t, err := b.loadTree()
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	key := name
	if key == "." {
		key = ""
	}
	n := t.dirs[key]
	if n == nil {
		return []fs.DirEntry{}, nil
	}
	out := make([]fs.DirEntry, 0, len(n.sorted))
	for _, c := range n.sorted {
		full := c
		if key != "" {
			full = key + "/" + c
		}
		out = append(out, &dirEntry{b: b, name: full, base: c, kind: n.children[c]})
	}
	return out, nil
}

func (b *Backup) stat(name string, e *manifest.Entry, isDir bool) (fs.FileInfo, error) {
	fi := &fileInfo{name: path.Base(name)}
	if name == "." {
		fi.name = "."
	}
	if e != nil {
		fi.mode = e.FileMode()
		fi.mtime = e.Modified
		fi.size = e.Size
		fi.entry = e
	}
	if isDir {
		fi.mode = fs.ModeDir | 0o755
		if e != nil {
			fi.mode = fs.ModeDir | fs.FileMode(e.Mode&0o777)
		}
		fi.size = 0
		return fi, nil
	}
	switch e.Kind {
	case manifest.Symlink:
		fi.size = int64(len(e.Target))
	case manifest.File:
		// When the real size cannot be read (backup locked, payload
		// corrupt) it is estimated as the recorded size, but never more
		// than the payload's size on disk, which bounds it; with no
		// payload at all the recorded size stands. Open reports the error.
		if size, err := b.plainSize(e); err == nil {
			fi.size = size
		} else if _, st, err := b.payloadName(e); err == nil {
			fi.size = min(max(e.Size, 0), st.Size())
		}
	default:
		fi.size = 0
	}
	return fi, nil
}

// validFileID reports whether a fileID is 40 lowercase hex digits, and
// so can name a payload file.
func validFileID(id string) bool { return manifestdb.ValidFileID(id) }

// payloadName returns the stored file of an entry: xx/<fileID> (iOS 10+)
// or <fileID> (iOS 4-9). It returns ErrMissingPayload when neither exists,
// and ErrUnsafePath when the fileID is not 40 hex digits.
func (b *Backup) payloadName(e *manifest.Entry) (string, fs.FileInfo, error) {
	if !validFileID(e.FileID) {
		return "", nil, fmt.Errorf("%w: fileID %q", ErrUnsafePath, e.FileID)
	}
	var irregular error
	for _, name := range []string{e.FileID[:2] + "/" + e.FileID, e.FileID} {
		st, err := fs.Stat(b.fsys, name)
		if err != nil {
			continue
		}
		if st.Mode().IsRegular() {
			return name, st, nil
		}
		if irregular == nil {
			irregular = fmt.Errorf("%w: payload %s is %s", ErrNotRegular, name, typeName(st.Mode()))
		}
	}
	if irregular != nil {
		return "", nil, irregular
	}
	return "", nil, ErrMissingPayload
}

// keyProblem reports an entry of an encrypted backup whose metadata could
// not be decoded and that has no key: its payload is presumably encrypted,
// and serving it raw would pass ciphertext off as content.
func (b *Backup) keyProblem(e *manifest.Entry) error {
	if b.info.Encrypted && e.WrappedKey == nil && e.Err != nil {
		return fmt.Errorf("%w: metadata undecodable (%v)", ErrNoKey, e.Err)
	}
	return nil
}

// openPayload opens an entry's stored file (xx/<fileID>, then <fileID>)
// and returns it with its size.
// Anything but a regular file is refused before it is opened (see
// openRegular), with an error wrapping ErrNotRegular.
func (b *Backup) openPayload(e *manifest.Entry) (fs.File, int64, error) {
	name, _, err := b.payloadName(e)
	if err != nil {
		return nil, 0, err
	}
	f, st, err := openRegular(b.fsys, name)
	if err != nil {
		var fe *FormatError
		if errors.As(err, &fe) {
			return nil, 0, fe.Err
		}
		return nil, 0, ErrMissingPayload // gone since the Stat
	}
	return f, st.Size(), nil
}

// plainSize returns the decrypted size of a regular file's payload.
func (b *Backup) plainSize(e *manifest.Entry) (int64, error) {
	name, st, err := b.payloadName(e)
	if err != nil {
		if errors.Is(err, ErrMissingPayload) && e.Size == 0 {
			return 0, nil
		}
		return 0, err
	}
	if !b.info.Encrypted || e.WrappedKey == nil {
		return st.Size(), nil
	}
	key, err := b.fileKey(e)
	if err != nil {
		return 0, err
	}
	defer clear(key)
	f, err := b.fsys.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	ra, ok := f.(io.ReaderAt)
	if !ok {
		// Fall back to reading the whole stream.
		r, err := cbcio.NewReader(f, key)
		if err != nil {
			return 0, err
		}
		n, err := io.Copy(io.Discard, r)
		if err != nil {
			return 0, fmt.Errorf("%w: %w", ErrCorruptPayload, err)
		}
		return n, nil
	}
	n, err := cbcio.PlainSize(ra, st.Size(), key)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrCorruptPayload, err)
	}
	return n, nil
}

func (b *Backup) openEntry(name string, e *manifest.Entry) (io.ReadCloser, error) {
	rc, _, err := b.openEntrySized(name, e, false)
	return rc, err
}

// openEntrySized is openEntry that also returns the content's size: the
// real decrypted size, read from the final cipher block of the payload it
// opened, or the payload's size on disk when that cannot be read. Without
// wantSize an encrypted file's size is not worked out (0).
func (b *Backup) openEntrySized(name string, e *manifest.Entry, wantSize bool) (io.ReadCloser, int64, error) {
	if e.Kind != manifest.File {
		return nil, 0, &fs.PathError{Op: "open", Path: name, Err: errors.New("not a regular file")}
	}
	var key []byte
	var err error
	if err := b.keyProblem(e); err != nil {
		return nil, 0, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if b.info.Encrypted && e.WrappedKey != nil {
		key, err = b.fileKey(e)
		if err != nil {
			return nil, 0, &fs.PathError{Op: "open", Path: name, Err: err}
		}
	}
	f, size, err := b.openPayload(e)
	if err != nil {
		clear(key)
		if errors.Is(err, ErrMissingPayload) && e.Size == 0 {
			return io.NopCloser(strings.NewReader("")), 0, nil
		}
		return nil, 0, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if key == nil {
		return f, size, nil
	}
	defer clear(key)
	var plain int64
	if wantSize {
		// When the final block does not give the size (bad padding), the
		// size on disk stands: the recorded size is never trusted, as
		// fs.ReadFile allocates what Stat reports.
		plain = size
		if ra, ok := f.(io.ReaderAt); ok {
			if n, err := cbcio.PlainSize(ra, size, key); err == nil {
				plain = n
			}
		}
	}
	r, err := cbcio.NewReaderSize(f, key, size)
	if err != nil {
		f.Close()
		return nil, 0, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &decryptReader{r: r, f: f, name: name}, plain, nil
}

type decryptReader struct {
	r    *cbcio.Reader
	f    fs.File
	name string
}

func (d *decryptReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		if errors.Is(err, cbcio.ErrTruncated) || errors.Is(err, cbcio.ErrPadding) {
			err = fmt.Errorf("%w: %w", ErrCorruptPayload, err)
		}
		err = &fs.PathError{Op: "read", Path: d.name, Err: err}
	}
	return n, err
}

func (d *decryptReader) WriteTo(w io.Writer) (int64, error) {
	n, err := d.r.WriteTo(w)
	if err != nil && (errors.Is(err, cbcio.ErrTruncated) || errors.Is(err, cbcio.ErrPadding)) {
		err = &fs.PathError{Op: "read", Path: d.name, Err: fmt.Errorf("%w: %w", ErrCorruptPayload, err)}
	}
	return n, err
}

func (d *decryptReader) Close() error {
	d.r.Close()
	return d.f.Close()
}

type fileInfo struct {
	name  string
	size  int64
	mode  fs.FileMode
	mtime time.Time
	entry *manifest.Entry
}

func (fi *fileInfo) Name() string       { return fi.name }
func (fi *fileInfo) Size() int64        { return fi.size }
func (fi *fileInfo) Mode() fs.FileMode  { return fi.mode }
func (fi *fileInfo) ModTime() time.Time { return fi.mtime }
func (fi *fileInfo) IsDir() bool        { return fi.mode.IsDir() }

// Sys returns the *manifest.Entry, or nil for implicit directories.
func (fi *fileInfo) Sys() any {
	if fi.entry == nil {
		return nil
	}
	return fi.entry
}

type payloadFile struct {
	info fs.FileInfo
	rc   io.ReadCloser
	name string
}

func (f *payloadFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *payloadFile) Read(p []byte) (int, error) { return f.rc.Read(p) }
func (f *payloadFile) Close() error               { return f.rc.Close() }

type memFile struct {
	info fs.FileInfo
	r    *strings.Reader
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *memFile) Close() error               { return nil }

type dirFile struct {
	b       *Backup
	name    string
	info    fs.FileInfo
	entries []fs.DirEntry
	loaded  bool
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}
func (d *dirFile) Close() error { return nil }

func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.loaded {
		es, err := d.b.readDir(d.name)
		if err != nil {
			return nil, err
		}
		d.entries, d.loaded = es, true
	}
	if n <= 0 {
		out := d.entries
		d.entries = nil
		return out, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(d.entries))
	out := d.entries[:n]
	d.entries = d.entries[n:]
	return out, nil
}

type dirEntry struct {
	b    *Backup
	name string
	base string
	kind manifest.Kind
}

func (d *dirEntry) Name() string { return d.base }
func (d *dirEntry) IsDir() bool  { return d.kind == manifest.Dir }
func (d *dirEntry) Type() fs.FileMode {
	switch d.kind {
	case manifest.Dir:
		return fs.ModeDir
	case manifest.Symlink:
		return fs.ModeSymlink
	case manifest.Other:
		return fs.ModeIrregular
	}
	return 0
}
func (d *dirEntry) Info() (fs.FileInfo, error) { return d.b.Stat(d.name) }
