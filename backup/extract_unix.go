//go:build unix

package backup

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/iosbackup/iosbackup/manifest"
)

// On Unix, Extract works on raw descriptors: each payload is opened with
// one openat relative to a kept handle on its xx/ folder, and each output
// file with one openat relative to a kept handle on its destination
// folder, all with O_NOFOLLOW (nothing outside dest can be reached, no
// symlink is followed) and without the runtime poller's per-file fcntl
// and epoll calls.

func allocated(fi fs.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return -1
}

func openSink(dest string) (sink, error) {
	if forceRootSink {
		return newRootSink(dest)
	}
	fd, err := openDir(unix.AT_FDCWD, dest, false)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dest, Err: err}
	}
	s := &unixSink{}
	s.cache = dirCache[int]{
		root:  &cachedDir[int]{h: fd},
		m:     map[string]*cachedDir[int]{},
		open:  mkdirOpen,
		close: func(fd int) { unix.Close(fd) },
	}
	return s, nil
}

func retry[T any](f func() (T, error)) (T, error) {
	for {
		v, err := f()
		if err != unix.EINTR {
			return v, err
		}
	}
}

func openDir(parent int, name string, nofollow bool) (int, error) {
	flags := unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC
	if nofollow {
		flags |= unix.O_NOFOLLOW
	}
	return retry(func() (int, error) { return unix.Openat(parent, name, flags, 0) })
}

// mkdirOpen creates the folder base in parent (0700) unless it exists,
// and opens it; a symlink or file in the way is an error.
func mkdirOpen(parent int, base string) (int, error) {
	if err := unix.Mkdirat(parent, base, 0o700); err != nil && err != unix.EEXIST {
		return -1, err
	}
	fd, err := openDir(parent, base, true)
	if err == unix.ELOOP || err == unix.ENOTDIR {
		return -1, errors.New("not a directory (a file or symlink is in the way)")
	}
	return fd, err
}

type unixSink struct {
	cache dirCache[int]
	mu    sync.Mutex
	seq   uint64
}

type unixDir struct {
	s *unixSink
	d *cachedDir[int]
}

func (s *unixSink) dir(rel string) (outDir, error) {
	d, err := s.cache.get(rel)
	if err != nil {
		return nil, err
	}
	return unixDir{s, d}, nil
}

func (s *unixSink) release(h outDir) { s.cache.put(h.(unixDir).d) }
func (s *unixSink) close()           { s.cache.closeAll() }

func (d unixDir) create() (outFile, error) {
	for range 100 {
		d.s.mu.Lock()
		d.s.seq++
		name := tempName(d.s.seq)
		d.s.mu.Unlock()
		fd, err := retry(func() (int, error) {
			return unix.Openat(d.d.h, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		})
		if err == unix.EEXIST {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &unixFile{fd: fd, dir: d.d.h, tmp: name}, nil
	}
	return nil, errors.New("no free temporary name")
}

func timespecs(t time.Time) []unix.Timespec {
	ts := unix.NsecToTimespec(t.UnixNano())
	return []unix.Timespec{ts, ts}
}

func (d unixDir) chtimes(name string, t time.Time) error {
	return unix.UtimesNanoAt(d.d.h, name, timespecs(t), unix.AT_SYMLINK_NOFOLLOW)
}

type unixFile struct {
	fd, dir int
	tmp     string
}

func (f *unixFile) WriteAt(p []byte, off int64) (int, error) {
	done := 0
	for done < len(p) {
		n, err := unix.Pwrite(f.fd, p[done:], off+int64(done))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return done, err
		}
		if n == 0 {
			return done, io.ErrShortWrite
		}
		done += n
	}
	return done, nil
}

func (f *unixFile) commit(name string, mtime time.Time) error {
	var err error
	if !mtime.IsZero() {
		err = unix.UtimesNanoAt(f.dir, f.tmp, timespecs(mtime), unix.AT_SYMLINK_NOFOLLOW)
	}
	if cerr := unix.Close(f.fd); err == nil {
		err = cerr
	}
	f.fd = -1
	if err == nil {
		err = unix.Renameat(f.dir, f.tmp, f.dir, name)
	}
	return err
}

func (f *unixFile) abort() {
	if f.fd >= 0 {
		unix.Close(f.fd)
		f.fd = -1
	}
	_ = unix.Unlinkat(f.dir, f.tmp, 0)
}

// payloadSource opens payloads with raw descriptors when the backup was
// opened from a folder, through its fs.FS otherwise.
func (b *Backup) payloadSource() payloadSource {
	if b.root == nil || forceRootSink {
		return fsSource{b}
	}
	f, err := b.root.Open(".")
	if err != nil {
		return fsSource{b}
	}
	defer f.Close()
	fd, err := openDir(int(f.Fd()), ".", false)
	if err != nil {
		return fsSource{b}
	}
	return &unixSource{root: fd, sub: map[string]int{}}
}

type unixSource struct {
	root int
	mu   sync.Mutex
	sub  map[string]int // xx folder handles, -1 when absent
}

func (s *unixSource) close() {
	for _, fd := range s.sub {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	unix.Close(s.root)
}

func (s *unixSource) subdir(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fd, ok := s.sub[name]; ok {
		return fd
	}
	fd, err := openDir(s.root, name, true)
	if err != nil {
		fd = -1
	}
	s.sub[name] = fd
	return fd
}

// open opens xx/<fileID>, then <fileID>, as openPayload does: only
// regular files, no symlink followed, a FIFO never waited on.
func (s *unixSource) open(e *manifest.Entry) (*payload, error) {
	if !validFileID(e.FileID) {
		return nil, fmt.Errorf("%w: fileID %q", ErrUnsafePath, e.FileID)
	}
	id := e.FileID
	var irregular error
	try := func(dir int, name string) (*payload, error) {
		p, mode, err := openRegularAt(dir, id)
		if mode != 0 && irregular == nil {
			irregular = fmt.Errorf("%w: payload %s is %s", ErrNotRegular, name, typeName(fileModeOf(mode)))
		}
		return p, err
	}
	if dfd := s.subdir(id[:2]); dfd >= 0 {
		if p, err := try(dfd, id[:2]+"/"+id); p != nil || err != nil {
			return p, err
		}
	}
	if p, err := try(s.root, id); p != nil || err != nil {
		return p, err
	}
	if irregular != nil {
		return nil, irregular
	}
	return nil, ErrMissingPayload
}

// fileModeOf converts the type bits of a stat mode to an fs.FileMode.
func fileModeOf(m uint32) fs.FileMode {
	switch m & unix.S_IFMT {
	case unix.S_IFIFO:
		return fs.ModeNamedPipe
	case unix.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		return fs.ModeDevice
	case unix.S_IFSOCK:
		return fs.ModeSocket
	case unix.S_IFDIR:
		return fs.ModeDir
	case unix.S_IFLNK:
		return fs.ModeSymlink
	}
	return fs.ModeIrregular
}

// openRegularAt returns nil, 0, nil when name is absent, and nil with the
// file's stat mode when it is there but not a regular file (a FIFO is
// opened non-blocking, so it is never waited on).
func openRegularAt(dir int, name string) (*payload, uint32, error) {
	fd, err := retry(func() (int, error) {
		return unix.Openat(dir, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	})
	switch err {
	case nil:
	case unix.ENOENT, unix.ELOOP, unix.ENOTDIR, unix.ENXIO, unix.EISDIR, unix.EOPNOTSUPP:
		return nil, 0, nil
	default:
		return nil, 0, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, 0, err
	}
	if uint32(st.Mode)&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return nil, uint32(st.Mode), nil
	}
	r := rawFile(fd)
	return &payload{ra: r, c: r, size: st.Size, alloc: int64(st.Blocks) * 512}, 0, nil
}

type rawFile int

func (f rawFile) ReadAt(p []byte, off int64) (int, error) {
	done := 0
	for done < len(p) {
		n, err := unix.Pread(int(f), p[done:], off+int64(done))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return done, err
		}
		if n == 0 {
			return done, io.EOF
		}
		done += n
	}
	return done, nil
}

func (f rawFile) Close() error { return unix.Close(int(f)) }
