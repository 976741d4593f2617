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
	"strings"
	"sync"
	"time"

	"github.com/iosbackup/iosbackup/internal/cbcio"
	"github.com/iosbackup/iosbackup/manifest"
)

// ExtractOptions controls Extract.
type ExtractOptions struct {
	// Filter selects entries; nil selects all.
	Filter func(*manifest.Entry) bool
	// Workers is the number of files decrypted at once; 0 means the
	// number of CPUs.
	Workers int
	// Progress, if set, is called after each entry with running totals.
	// Calls are serialized.
	Progress func(Progress)
	// WindowsNames maps names that Windows cannot store (reserved names,
	// <>:"|?* characters, trailing dots and spaces). It is always on when
	// running on Windows.
	WindowsNames bool
}

// Progress reports extraction progress.
type Progress struct {
	Entry      *manifest.Entry
	Done       int   // entries handled
	Bytes      int64 // bytes written
	Failed     int
	TotalBytes int64 // recorded size of the selected files (may be stale)
}

// ExtractReport summarises an extraction.
type ExtractReport struct {
	Files   int           // regular files written
	Dirs    int           // directories created
	Bytes   int64         // bytes written
	Failed  []*EntryError // entries that could not be extracted
	Skipped []*EntryError // entries not extracted by policy: symlinks, unsafe paths, duplicates
}

// OK reports whether nothing failed and no file was left out for an
// unsafe path or a case collision (symlinks and exact duplicates are left
// out by design).
func (r *ExtractReport) OK() bool {
	if len(r.Failed) > 0 {
		return false
	}
	for _, s := range r.Skipped {
		if errors.Is(s.Err, ErrUnsafePath) || errors.Is(s.Err, ErrNameCollision) {
			return false
		}
	}
	return true
}

// ErrSymlinkSkipped is the reason recorded for symlinks, which Extract
// never creates.
var ErrSymlinkSkipped = errors.New("backup: symlink not created")

// ErrDuplicate is recorded for entries whose name was already extracted.
var ErrDuplicate = errors.New("backup: duplicate entry")

// ErrNameCollision is recorded for a file whose name differs from an
// already extracted one only in letter case, on file systems that ignore
// case (macOS and Windows by default, or ExtractOptions.WindowsNames): it
// would overwrite the other file.
var ErrNameCollision = errors.New("backup: name differs from another only in case")

// Extract decrypts the selected entries to dest/<domain>/<relativePath>,
// keeping modification times. Every path is confined under dest (an
// os.Root): entries whose domain, path or fileID would leave it are
// skipped and reported with ErrUnsafePath, symlinks are not created. A
// file that fails is removed, reported in the report's Failed list, and
// the others go on. The error is non-nil only when extraction could not
// run at all (locked backup, unreadable manifest, dest not creatable) or
// ctx was cancelled.
func (b *Backup) Extract(ctx context.Context, dest string, opt *ExtractOptions) (*ExtractReport, error) {
	if opt == nil {
		opt = &ExtractOptions{}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if b.info.Encrypted && !b.Unlocked() {
		return nil, ErrPasswordRequired
	}
	if _, err := b.manifest(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	dd := &destDirs{root: root, dirs: map[string]*os.Root{}}
	defer dd.close()
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	winNames := opt.WindowsNames || runtime.GOOS == "windows"

	rep := &ExtractReport{}
	var mu sync.Mutex // guards rep, prog, dirTimes, seen
	var prog Progress
	type dirTime struct {
		name string
		t    time.Time
	}
	var dirTimes []dirTime
	seen := map[string]bool{}
	folded := map[string]bool{} // lower-cased file names, where case is ignored
	foldCase := winNames || runtime.GOOS == "darwin"
	report := func(e *manifest.Entry, failed, skipped error, n int64) {
		mu.Lock()
		defer mu.Unlock()
		ee := func(err error) *EntryError {
			return &EntryError{Domain: e.Domain, Path: e.Path, FileID: e.FileID, Err: err}
		}
		switch {
		case failed != nil:
			rep.Failed = append(rep.Failed, ee(failed))
			prog.Failed++
		case skipped != nil:
			rep.Skipped = append(rep.Skipped, ee(skipped))
		}
		rep.Bytes += n
		prog.Done++
		prog.Bytes += n
		prog.Entry = e
		if opt.Progress != nil {
			opt.Progress(prog)
		}
	}

	jobs := make(chan *manifest.Entry, workers*4)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range jobs {
				if ctx.Err() != nil {
					continue
				}
				rel := outName(e, winNames)
				n, err := b.extractFile(dd, rel, e)
				if err != nil {
					report(e, err, nil, n)
					continue
				}
				mu.Lock()
				rep.Files++
				mu.Unlock()
				report(e, nil, nil, n)
			}
		}()
	}

	var iterErr error
	for e, err := range b.Entries() {
		if err != nil {
			iterErr = err
			break
		}
		if ctx.Err() != nil {
			break
		}
		if opt.Filter != nil && !opt.Filter(e) {
			continue
		}
		if p := e.Problem(); p != "" {
			report(e, nil, fmt.Errorf("%w: %s", ErrUnsafePath, p), 0)
			continue
		}
		rel := outName(e, winNames)
		mu.Lock()
		dup := seen[rel]
		seen[rel] = true
		collide := false
		if foldCase && e.Kind == manifest.File {
			k := strings.ToLower(rel)
			collide = !dup && folded[k]
			folded[k] = true
		}
		mu.Unlock()
		if dup {
			report(e, nil, ErrDuplicate, 0)
			continue
		}
		if collide {
			report(e, nil, ErrNameCollision, 0)
			continue
		}
		switch e.Kind {
		case manifest.Dir:
			if err := root.MkdirAll(rel, 0o755); err != nil {
				report(e, err, nil, 0)
				continue
			}
			mu.Lock()
			rep.Dirs++
			if !e.Modified.IsZero() {
				dirTimes = append(dirTimes, dirTime{rel, e.Modified})
			}
			mu.Unlock()
			report(e, nil, nil, 0)
		case manifest.File:
			mu.Lock()
			prog.TotalBytes += e.Size
			mu.Unlock()
			jobs <- e
		case manifest.Symlink:
			report(e, nil, fmt.Errorf("%w (target %q)", ErrSymlinkSkipped, e.Target), 0)
		default:
			report(e, nil, errors.New("backup: not a regular file, directory or symlink"), 0)
		}
	}
	close(jobs)
	wg.Wait()
	// Directory times last: writing files into them changed them.
	for i := len(dirTimes) - 1; i >= 0; i-- {
		_ = root.Chtimes(dirTimes[i].name, dirTimes[i].t, dirTimes[i].t)
	}
	if iterErr != nil {
		return rep, iterErr
	}
	return rep, ctx.Err()
}

// Files at least this large are decrypted in parallel segments.
const (
	parallelThreshold = 8 << 20
	segmentSize       = 4 << 20
)

func (b *Backup) extractFile(dd *destDirs, rel string, e *manifest.Entry) (int64, error) {
	if n, ok, err := b.extractLarge(dd, rel, e); ok {
		return n, err
	}
	rc, err := b.OpenEntry(e)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	dir, base, err := dd.get(rel)
	if err != nil {
		return 0, err
	}
	f, err := dir.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, rc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = dir.Remove(base)
		return n, err
	}
	if !e.Modified.IsZero() {
		_ = dir.Chtimes(base, e.Modified, e.Modified)
	}
	return n, nil
}

// destDirs creates the destination's folders once and keeps handles on
// them (os.Root, so nothing can leave dest), so that each file costs one
// openat instead of a walk from the top.
type destDirs struct {
	root  *os.Root
	mu    sync.Mutex
	dirs  map[string]*os.Root
	extra []*os.Root
}

// maxDirHandles bounds the open folder handles kept.
const maxDirHandles = 256

func (d *destDirs) get(rel string) (*os.Root, string, error) {
	dir, base := path.Split(rel)
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		return d.root, base, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if r, ok := d.dirs[dir]; ok {
		return r, base, nil
	}
	if err := d.root.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	r, err := d.root.OpenRoot(dir)
	if err != nil {
		return nil, "", err
	}
	if len(d.dirs) >= maxDirHandles {
		// Handles may still be in use by other workers: keep them open
		// until close, but stop caching new ones past the bound.
		d.extra = append(d.extra, r)
		return r, base, nil
	}
	d.dirs[dir] = r
	return r, base, nil
}

func (d *destDirs) close() {
	for _, r := range d.dirs {
		r.Close()
	}
	for _, r := range d.extra {
		r.Close()
	}
}

// outName is the slash-separated name of an entry under the destination.
func outName(e *manifest.Entry, windows bool) string {
	name := e.Name()
	if !windows {
		return name
	}
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = WindowsSafeName(p)
	}
	return strings.Join(parts, "/")
}

// WindowsSafeName maps one path element to a name Windows can store:
// characters <>:"\|?* and control characters become %XX escapes (as does
// %), trailing dots and spaces are escaped, and reserved device names
// (CON, NUL, COM1, ...) get a trailing underscore.
func WindowsSafeName(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		trailing := (c == '.' || c == ' ') && strings.TrimRight(s[i:], ". ") == ""
		if c < 0x20 || strings.IndexByte(`<>:"\|?*%`, c) >= 0 || trailing {
			fmt.Fprintf(&sb, "%%%02X", c)
			continue
		}
		sb.WriteByte(c)
	}
	out := sb.String()
	base, _, _ := strings.Cut(out, ".")
	switch strings.ToUpper(base) {
	case "CON", "PRN", "AUX", "NUL",
		"COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		out = base + "_" + out[len(base):]
	}
	return out
}

// extractLarge decrypts a large encrypted payload in parallel segments,
// reading and writing at offsets. ok is false when the entry does not
// qualify (small, not encrypted, payload not seekable); the caller then
// streams it.
func (b *Backup) extractLarge(dd *destDirs, rel string, e *manifest.Entry) (n int64, ok bool, err error) {
	if !b.info.Encrypted || e.WrappedKey == nil || e.Kind != manifest.File {
		return 0, false, nil
	}
	src, size, err := b.openPayload(e)
	if err != nil {
		return 0, false, nil
	}
	defer src.Close()
	ra, isRA := src.(io.ReaderAt)
	if !isRA || size < parallelThreshold {
		return 0, false, nil
	}
	key, err := b.fileKey(e)
	if err != nil {
		return 0, true, &fs.PathError{Op: "open", Path: e.Name(), Err: err}
	}
	defer clear(key)
	dir, base, err := dd.get(rel)
	if err != nil {
		return 0, true, err
	}
	f, err := dir.OpenFile(base, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, true, err
	}
	n, err = cbcio.DecryptAt(f, ra, size, key, segmentSize, runtime.GOMAXPROCS(0))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = dir.Remove(base)
		if errors.Is(err, cbcio.ErrPadding) || errors.Is(err, cbcio.ErrTruncated) {
			err = fmt.Errorf("%w: %w", ErrCorruptPayload, err)
		}
		return 0, true, &fs.PathError{Op: "read", Path: e.Name(), Err: err}
	}
	if !e.Modified.IsZero() {
		_ = dir.Chtimes(base, e.Modified, e.Modified)
	}
	return n, true, nil
}
