package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/iosbackup/iosbackup/internal/aescbc"
	"github.com/iosbackup/iosbackup/internal/cbcio"
	"github.com/iosbackup/iosbackup/internal/winname"
	"github.com/iosbackup/iosbackup/manifest"
)

// ExtractOptions controls Extract.
type ExtractOptions struct {
	// Filter selects entries; nil selects all. Calls are serialized.
	Filter func(*manifest.Entry) bool
	// Workers is the number of files decrypted at once; 0 means the
	// number of CPUs.
	Workers int
	// Progress, if set, is called as bytes are decrypted (after each
	// segment of a large file) and after each entry, with running totals.
	// Calls are serialized.
	Progress func(Progress)
	// WindowsNames maps names that Windows cannot store (reserved names,
	// <>:"|?* characters, trailing dots and spaces). It is always on when
	// running on Windows.
	WindowsNames bool
}

// Progress reports extraction progress.
type Progress struct {
	Entry  *manifest.Entry // the entry being written or just handled
	Done   int             // entries handled
	Bytes  int64           // bytes written, counted as they are decrypted
	Failed int
	// TotalBytes is the recorded size of the selected files (may be
	// stale, so Bytes can exceed it). It is summed from the manifest
	// while extraction runs, and covers every selected file once
	// TotalKnown is set.
	TotalBytes int64
	TotalKnown bool
}

// ExtractReport summarises an extraction.
type ExtractReport struct {
	Files   int             // regular files written
	Dirs    int             // directories created
	Bytes   int64           // bytes written in the files listed in Files
	Failed  []*EntryError   // entries that could not be extracted
	Skipped []*SkippedEntry // entries not extracted by policy: symlinks, unsafe paths, duplicates
}

// OK reports whether nothing failed and no file was left out for an
// unsafe path or a case collision (symlinks and exact duplicates are left
// out by design).
func (r *ExtractReport) OK() bool {
	if len(r.Failed) > 0 {
		return false
	}
	for _, s := range r.Skipped {
		if s.Reason == SkipUnsafePath || s.Reason == SkipNameCollision {
			return false
		}
	}
	return true
}

// ErrSizeMismatch is recorded for a file whose payload is larger than its
// recorded size (plus the final padding block) by more than the payload
// occupies on disk: a sparse payload, which would make a small backup
// write without bound. Nothing is written for such a file. A payload that
// outgrew its recorded size with data actually stored (a live database
// whose recorded size is stale, which is common) is extracted whole.
var ErrSizeMismatch = errors.New("backup: payload larger than its recorded size and not stored on disk")

// Extract decrypts the selected entries to dest/<domain>/<relativePath>,
// keeping modification times. Files are written 0600 and folders made
// 0700 (they hold private data); each file is written under a temporary
// name in its folder and renamed over its final name when complete, so
// that no partial file is ever left under a final name and an existing
// file (or hard link) in dest is replaced, never written through.
//
// Every path is confined under dest: folders are opened one component at
// a time without following symlinks, and entries whose domain, path or
// fileID would leave dest are skipped and reported (SkipUnsafePath);
// symlinks are not created (SkipSymlink). A file that fails (missing or corrupt
// payload, ErrSizeMismatch, a symlink or file in the way in dest) is
// reported in the report's Failed list, leaves nothing behind, and the
// others go on.
//
// Extract stops soon after ctx is cancelled (within one segment of
// decryption per worker): the temporary files of the files in progress
// are removed, and the report of what was done is returned with
// ctx.Err(). The error is otherwise non-nil only when extraction could
// not run at all (locked backup, unreadable manifest, dest not
// creatable).
func (b *Backup) Extract(ctx context.Context, dest string, opt *ExtractOptions) (*ExtractReport, error) {
	if opt == nil {
		opt = &ExtractOptions{}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if b.info.Encrypted && !b.readable() {
		return nil, ErrPasswordRequired
	}
	if _, err := b.manifest(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dest, 0o700); err != nil {
		return nil, err
	}
	out, err := openSink(dest)
	if err != nil {
		return nil, err
	}
	defer out.close()
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	x := &extractor{b: b, ctx: ctx, opt: opt, out: out, src: b.payloadSource(), rep: &ExtractReport{}}
	defer x.src.close()
	return x.run(workers)
}

type extractor struct {
	b   *Backup
	ctx context.Context
	opt *ExtractOptions
	out sink
	src payloadSource

	filterMu sync.Mutex
	mu       sync.Mutex // guards rep, prog, dirTimes
	rep      *ExtractReport
	prog     Progress
	dirTimes []dirTime
}

type dirTime struct {
	name string
	t    time.Time
}

type job struct {
	e   *manifest.Entry
	rel string
}

func (x *extractor) filter(e *manifest.Entry) bool {
	if x.opt.Filter == nil {
		return true
	}
	x.filterMu.Lock()
	defer x.filterMu.Unlock()
	return x.opt.Filter(e)
}

// sizeTotal sums the recorded sizes of the selected files for the
// progress total, concurrently with the extraction.
func (x *extractor) sizeTotal(stop <-chan struct{}) {
	var total int64
	n := 0
	for e, err := range x.b.entries() {
		if err != nil {
			return
		}
		if e.Kind != manifest.File || e.Problem() != "" || !x.filter(e) {
			continue
		}
		total += max(e.Size, 0)
		if n++; n%1024 == 0 {
			select {
			case <-stop:
				return
			default:
			}
			x.mu.Lock()
			x.prog.TotalBytes = total
			x.mu.Unlock()
		}
	}
	x.mu.Lock()
	x.prog.TotalBytes, x.prog.TotalKnown = total, true
	x.mu.Unlock()
}

func (x *extractor) run(workers int) (*ExtractReport, error) {
	b, opt, ctx := x.b, x.opt, x.ctx
	winNames := opt.WindowsNames || runtime.GOOS == "windows"
	foldCase := winNames || runtime.GOOS == "darwin"
	seen := map[string]bool{}
	folded := map[string]bool{} // lower-cased file names, where case is ignored

	var sizer sync.WaitGroup
	stopSizer := make(chan struct{})
	if opt.Progress != nil {
		sizer.Go(func() { x.sizeTotal(stopSizer) })
	}
	defer func() {
		close(stopSizer)
		sizer.Wait()
	}()

	// Files go to the workers in batches (of a bounded count and recorded
	// size), so that workers seldom wait on the producer.
	jobs := make(chan []job, workers*2)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var scratch []byte
			for batch := range jobs {
				for _, j := range batch {
					if ctx.Err() != nil {
						break
					}
					n, err := x.extractFile(j.e, j.rel, &scratch)
					if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
						continue // cancelled: not a failure of this file
					}
					x.report(j.e, err, nil, n)
				}
			}
		})
	}
	var batch []job
	var batchBytes int64
	flush := func() {
		if len(batch) == 0 {
			return
		}
		select {
		case jobs <- batch:
		case <-ctx.Done():
		}
		batch, batchBytes = nil, 0
	}

	var iterErr error
	for e, err := range b.entries() {
		if err != nil {
			iterErr = err
			break
		}
		if ctx.Err() != nil {
			break
		}
		if !x.filter(e) {
			continue
		}
		if p := e.Problem(); p != "" {
			x.report(e, nil, skip(e, SkipUnsafePath, p), 0)
			continue
		}
		rel := outName(e, winNames)
		dup := seen[rel]
		seen[rel] = true
		collide := false
		if foldCase && e.Kind == manifest.File {
			k := strings.ToLower(rel)
			collide = !dup && folded[k]
			folded[k] = true
		}
		if dup {
			x.report(e, nil, skip(e, SkipDuplicate, ""), 0)
			continue
		}
		if collide {
			x.report(e, nil, skip(e, SkipNameCollision, ""), 0)
			continue
		}
		switch e.Kind {
		case manifest.Dir:
			h, err := x.out.dir(rel)
			if err != nil {
				x.report(e, err, nil, 0)
				continue
			}
			x.out.release(h)
			x.mu.Lock()
			x.rep.Dirs++
			if !e.Modified.IsZero() {
				x.dirTimes = append(x.dirTimes, dirTime{rel, e.Modified})
			}
			x.mu.Unlock()
			x.report(e, nil, nil, 0)
		case manifest.File:
			batch = append(batch, job{e, rel})
			batchBytes += max(e.Size, 0)
			if len(batch) >= batchFiles || batchBytes >= batchBytesMax {
				flush()
			}
		case manifest.Symlink:
			x.report(e, nil, skip(e, SkipSymlink, e.Target), 0)
		default:
			x.report(e, nil, skip(e, SkipOther, ""), 0)
		}
	}
	flush()
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return x.rep, err
	}
	if opt.Progress != nil {
		// The total is summed long before a real extraction ends; make
		// sure the last call carries it.
		sizer.Wait()
		x.mu.Lock()
		opt.Progress(x.prog)
		x.mu.Unlock()
	}
	// Folder times last: writing files into them changed them.
	for i := len(x.dirTimes) - 1; i >= 0; i-- {
		dt := x.dirTimes[i]
		parent, base := splitRel(dt.name)
		if h, err := x.out.dir(parent); err == nil {
			_ = h.chtimes(base, dt.t)
			x.out.release(h)
		}
	}
	return x.rep, iterErr
}

// report records the outcome of one entry.
func (x *extractor) report(e *manifest.Entry, failed error, skipped *SkippedEntry, n int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	ee := func(err error) *EntryError {
		return &EntryError{Domain: e.Domain, Path: e.Path, FileID: e.FileID, Err: err}
	}
	switch {
	case failed != nil:
		x.rep.Failed = append(x.rep.Failed, ee(failed))
		x.prog.Failed++
	case skipped != nil:
		x.rep.Skipped = append(x.rep.Skipped, skipped)
	case e.Kind == manifest.File:
		x.rep.Files++
		x.rep.Bytes += n
	}
	x.prog.Done++
	x.prog.Entry = e
	if x.opt.Progress != nil {
		x.opt.Progress(x.prog)
	}
}

// written counts bytes as they are decrypted.
func (x *extractor) written(e *manifest.Entry, n int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.prog.Bytes += n
	x.prog.Entry = e
	if x.opt.Progress != nil && n > 0 {
		x.opt.Progress(x.prog)
	}
}

// Sizes of the decryption work: files up to smallFile bytes of payload
// are read, decrypted and written in one piece each; larger ones in
// segments of segmentSize, read and decrypted by the worker and written
// by a second goroutine (pipeCopy).
// Pieces that stay in the CPU's cache are cheaper for the kernel too:
// copying a 512 MiB file through a 128 KiB buffer took a fifth of the
// system time it took through 1 MiB or 4 MiB buffers (BENCHMARKS.md).
var (
	smallFile   int64 = 128 << 10
	segmentSize int64 = 128 << 10
)

// Batches of files handed to a worker.
const (
	batchFiles    = 32
	batchBytesMax = 1 << 20
)

// sparseSlack is how far a payload may exceed its recorded size beyond
// the bytes it occupies on disk (file systems that store small files
// inline or compressed report fewer blocks than bytes).
const sparseSlack = 64 << 10

// checkBound refuses a payload that would write far more than the backup
// holds: larger than the recorded size (plus the padding block when
// encrypted) by more than it occupies on disk. alloc < 0 means unknown.
func checkBound(e *manifest.Entry, size, alloc int64, encrypted bool) error {
	rec := max(e.Size, 0)
	if size <= rec {
		return nil
	}
	excess := size - rec
	if encrypted {
		excess -= blockSize - rec%blockSize
	}
	if excess <= 0 || alloc < 0 || excess <= alloc+sparseSlack {
		return nil
	}
	return fmt.Errorf("%w: %d bytes stored, %d recorded, %d on disk", ErrSizeMismatch, size, e.Size, alloc)
}

const blockSize = aescbc.BlockSize

func corrupt(name string, err error) error {
	return &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w: %w", ErrCorruptPayload, err)}
}

// extractFile writes one regular file and returns its size. scratch is
// the worker's buffer for small files.
func (x *extractor) extractFile(e *manifest.Entry, rel string, scratch *[]byte) (int64, error) {
	b := x.b
	name := e.Name()
	if err := b.keyProblem(e); err != nil {
		return 0, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	var key []byte
	if b.info.Encrypted && e.WrappedKey != nil {
		k, err := b.fileKey(e)
		if err != nil {
			return 0, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		key = k
		defer clear(key)
	}
	p, err := x.src.open(e)
	empty := false
	if err != nil {
		if !errors.Is(err, ErrMissingPayload) || e.Size != 0 {
			return 0, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		empty = true // nothing stored, nothing recorded: an empty file
	} else {
		defer p.close()
		if err := checkBound(e, p.size, p.alloc, key != nil); err != nil {
			return 0, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		if key != nil && (p.size == 0 || p.size%blockSize != 0) {
			return 0, corrupt(name, cbcio.ErrTruncated)
		}
	}
	dir, base := splitRel(rel)
	h, err := x.out.dir(dir)
	if err != nil {
		return 0, err
	}
	defer x.out.release(h)
	f, err := h.create()
	if err != nil {
		return 0, &fs.PathError{Op: "create", Path: rel, Err: err}
	}
	var n int64
	switch {
	case empty:
	case key == nil:
		n, err = x.copyPlain(f, p, e, scratch)
	default:
		n, err = x.decrypt(f, p, key, e, scratch)
	}
	if err == nil {
		if err = f.commit(base, e.Modified); err != nil {
			err = &fs.PathError{Op: "rename", Path: rel, Err: err}
		}
	}
	if err != nil {
		f.abort()
		return 0, err
	}
	return n, nil
}

// readFull reads len(p) bytes at off; a short payload is corrupt.
func readFull(p *payload, buf []byte, off int64, name string) error {
	for len(buf) > 0 {
		n, err := p.ra.ReadAt(buf, off)
		buf, off = buf[n:], off+int64(n)
		if len(buf) == 0 {
			return nil
		}
		if err == io.EOF || (err == nil && n == 0) {
			return corrupt(name, cbcio.ErrTruncated)
		}
		if err != nil {
			return &fs.PathError{Op: "read", Path: name, Err: err}
		}
	}
	return nil
}

func grow(scratch *[]byte, n int64) []byte {
	if int64(cap(*scratch)) < n {
		*scratch = make([]byte, n)
	}
	return (*scratch)[:n]
}

// copyPlain copies an unencrypted payload, up to the size it had when
// opened.
func (x *extractor) copyPlain(f outFile, p *payload, e *manifest.Entry, scratch *[]byte) (int64, error) {
	if n, ok, err := x.copyKernel(f, p, e); ok {
		return n, err
	}
	if p.size > smallFile {
		return x.pipeCopy(f, p, nil, e)
	}
	buf := grow(scratch, p.size)
	if err := readFull(p, buf, 0, e.Name()); err != nil {
		return 0, err
	}
	if _, err := f.WriteAt(buf, 0); err != nil {
		return 0, err
	}
	x.written(e, p.size)
	return p.size, nil
}

// decrypt decrypts an encrypted payload (a positive multiple of the block
// size) into f: small files in one piece, large ones in segments.
func (x *extractor) decrypt(f outFile, p *payload, key []byte, e *manifest.Entry, scratch *[]byte) (int64, error) {
	dec, err := aescbc.NewDecrypter(key)
	if err != nil {
		return 0, &fs.PathError{Op: "open", Path: e.Name(), Err: cbcio.ErrKey}
	}
	defer dec.Close()
	name := e.Name()
	if p.size <= smallFile {
		buf := grow(scratch, p.size)
		if err := readFull(p, buf, 0, name); err != nil {
			return 0, err
		}
		var iv [blockSize]byte
		dec.CryptBlocks(buf, buf, &iv)
		n, err := cbcio.Unpad(buf)
		if err != nil {
			return 0, corrupt(name, err)
		}
		if _, err := f.WriteAt(buf[:n], 0); err != nil {
			return 0, err
		}
		x.written(e, int64(n))
		return int64(n), nil
	}
	return x.pipeCopy(f, p, dec, e)
}

// A payload is an opened stored file: its size and, where the platform
// says, the bytes it occupies on disk (alloc, -1 when unknown).
type payload struct {
	ra    io.ReaderAt
	c     io.Closer
	size  int64
	alloc int64
	// sequential is set when ra serves in-order reads only.
	sequential bool
}

func (p *payload) close() { p.c.Close() }

// payloadSource opens the stored files of entries.
type payloadSource interface {
	open(e *manifest.Entry) (*payload, error)
	close()
}

// fsSource opens payloads through the backup's fs.FS.
type fsSource struct{ b *Backup }

func (s fsSource) close() {}

func (s fsSource) open(e *manifest.Entry) (*payload, error) {
	f, size, err := s.b.openPayload(e)
	if err != nil {
		return nil, err
	}
	alloc := int64(-1)
	if st, err := f.Stat(); err == nil {
		alloc = allocated(st)
	}
	ra, ok := f.(io.ReaderAt)
	if !ok {
		ra = &seqReaderAt{r: f}
	}
	return &payload{ra: ra, c: f, size: size, alloc: alloc, sequential: !ok}, nil
}

// seqReaderAt serves the in-order reads of a file that cannot seek.
type seqReaderAt struct {
	r   io.Reader
	off int64
}

func (s *seqReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off != s.off {
		return 0, errors.New("backup: payload cannot be read out of order")
	}
	n, err := io.ReadFull(s.r, p)
	s.off += int64(n)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

// sink is the destination folder tree. Folders are created once and
// handles on them kept (a bounded number), so that each file costs one
// open relative to its folder; nothing is resolved through a symlink.
type sink interface {
	// dir returns a handle on the folder rel (slash-separated, "" for
	// dest itself), creating it and its parents (0700) as needed. The
	// handle must be released.
	dir(rel string) (outDir, error)
	release(outDir)
	close()
}

type outDir interface {
	// create makes a new file (0600) under a temporary name.
	create() (outFile, error)
	// chtimes sets the modification time of name, not following symlinks.
	chtimes(name string, t time.Time) error
}

type outFile interface {
	WriteAt(p []byte, off int64) (int, error)
	// commit sets the modification time (unless zero), closes the file
	// and renames it over name.
	commit(name string, mtime time.Time) error
	// abort closes and removes the temporary file.
	abort()
}

// forceRootSink makes tests use the portable os.Root sink everywhere.
var forceRootSink bool

func splitRel(rel string) (dir, base string) {
	dir, base = path.Split(rel)
	return strings.TrimSuffix(dir, "/"), base
}

// maxDirHandles bounds the folder handles kept open.
const maxDirHandles = 512

// dirCache keeps handles on the destination's folders, opened one
// component at a time from dest.
type dirCache[H any] struct {
	mu    sync.Mutex
	root  *cachedDir[H]
	m     map[string]*cachedDir[H]
	clock uint64
	// open creates (if needed) and opens the folder base in parent.
	open  func(parent H, base string) (H, error)
	close func(H)
}

type cachedDir[H any] struct {
	h    H
	refs int
	used uint64
}

func (c *dirCache[H]) get(rel string) (*cachedDir[H], error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, err := c.getLocked(rel)
	if err != nil {
		return nil, err
	}
	d.refs++
	return d, nil
}

func (c *dirCache[H]) getLocked(rel string) (*cachedDir[H], error) {
	if rel == "" {
		return c.root, nil
	}
	c.clock++
	if d, ok := c.m[rel]; ok {
		d.used = c.clock
		return d, nil
	}
	parentRel, base := splitRel(rel)
	parent, err := c.getLocked(parentRel)
	if err != nil {
		return nil, err
	}
	parent.refs++ // not evicted while its child is opened
	h, err := c.open(parent.h, base)
	parent.refs--
	if err != nil {
		return nil, &fs.PathError{Op: "mkdir", Path: rel, Err: err}
	}
	if len(c.m) >= maxDirHandles {
		c.evict()
	}
	d := &cachedDir[H]{h: h, used: c.clock}
	c.m[rel] = d
	return d, nil
}

// evict closes the least recently used handle not in use.
func (c *dirCache[H]) evict() {
	var victim string
	var oldest *cachedDir[H]
	for k, d := range c.m {
		if d.refs == 0 && (oldest == nil || d.used < oldest.used) {
			victim, oldest = k, d
		}
	}
	if oldest != nil {
		delete(c.m, victim)
		c.close(oldest.h)
	}
}

func (c *dirCache[H]) put(d *cachedDir[H]) {
	c.mu.Lock()
	d.refs--
	c.mu.Unlock()
}

func (c *dirCache[H]) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, d := range c.m {
		c.close(d.h)
		delete(c.m, k)
	}
	c.close(c.root.h)
}

var pid = os.Getpid()

// tempName returns a name for a file being written.
func tempName(seq uint64) string {
	return ".ibackup-" + strconv.Itoa(pid) + "-" + strconv.FormatUint(seq, 10) + ".tmp"
}

// rootSink is the portable sink, on os.Root.
type rootSink struct {
	cache dirCache[*os.Root]
	mu    sync.Mutex
	seq   uint64
}

type rootDir struct {
	s *rootSink
	d *cachedDir[*os.Root]
}

func newRootSink(dest string) (*rootSink, error) {
	r, err := os.OpenRoot(dest)
	if err != nil {
		return nil, err
	}
	s := &rootSink{}
	s.cache = dirCache[*os.Root]{
		root: &cachedDir[*os.Root]{h: r},
		m:    map[string]*cachedDir[*os.Root]{},
		open: func(parent *os.Root, base string) (*os.Root, error) {
			if err := parent.Mkdir(base, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return nil, err
			}
			st, err := parent.Lstat(base)
			if err != nil {
				return nil, err
			}
			if !st.IsDir() {
				return nil, errors.New("not a directory (a file or symlink is in the way)")
			}
			return parent.OpenRoot(base)
		},
		close: func(r *os.Root) { r.Close() },
	}
	return s, nil
}

func (s *rootSink) dir(rel string) (outDir, error) {
	d, err := s.cache.get(rel)
	if err != nil {
		return nil, err
	}
	return rootDir{s, d}, nil
}

func (s *rootSink) release(h outDir) { s.cache.put(h.(rootDir).d) }
func (s *rootSink) close()           { s.cache.closeAll() }

func (d rootDir) create() (outFile, error) {
	for range 100 {
		d.s.mu.Lock()
		d.s.seq++
		name := tempName(d.s.seq)
		d.s.mu.Unlock()
		f, err := d.d.h.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &rootFile{f: f, r: d.d.h, tmp: name}, nil
	}
	return nil, errors.New("no free temporary name")
}

func (d rootDir) chtimes(name string, t time.Time) error { return d.d.h.Chtimes(name, t, t) }

type rootFile struct {
	f   *os.File
	r   *os.Root
	tmp string
}

func (f *rootFile) WriteAt(p []byte, off int64) (int, error) { return f.f.WriteAt(p, off) }

func (f *rootFile) commit(name string, mtime time.Time) error {
	err := f.f.Close()
	f.f = nil
	if err == nil && !mtime.IsZero() {
		err = f.r.Chtimes(f.tmp, mtime, mtime)
	}
	if err == nil {
		err = f.r.Rename(f.tmp, name)
	}
	return err
}

func (f *rootFile) abort() {
	if f.f != nil {
		f.f.Close()
	}
	_ = f.r.Remove(f.tmp)
}

// outName is the slash-separated name of an entry under the destination.
func outName(e *manifest.Entry, windows bool) string {
	name := e.Name()
	if !windows {
		return name
	}
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = winname.Safe(p)
	}
	return strings.Join(parts, "/")
}
