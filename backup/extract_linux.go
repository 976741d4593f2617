package backup

import (
	"io/fs"

	"golang.org/x/sys/unix"

	"github.com/iosbackup/iosbackup/internal/cbcio"
	"github.com/iosbackup/iosbackup/manifest"
)

// copyChunk is the most one copy_file_range call copies, so that
// cancellation and progress are seen between calls.
const copyChunk = 1 << 20

// copyKernel copies an unencrypted payload into f with copy_file_range,
// inside the kernel (one copy, as `cp` does), when both ends are raw
// descriptors. It copies the size the payload had when opened; a payload
// that shrank is corrupt. ok is false when the kernel cannot copy between
// these files (then nothing was written and the caller copies itself).
func (x *extractor) copyKernel(f outFile, p *payload, e *manifest.Entry) (n int64, ok bool, err error) {
	src, ok1 := p.ra.(rawFile)
	dst, ok2 := f.(*unixFile)
	if !ok1 || !ok2 || p.size == 0 {
		return 0, false, nil
	}
	var roff, woff int64
	for woff < p.size {
		if err := x.ctx.Err(); err != nil {
			return 0, true, err
		}
		c, err := unix.CopyFileRange(int(src), &roff, dst.fd, &woff, int(min(p.size-woff, copyChunk)), 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			switch err {
			case unix.EXDEV, unix.EINVAL, unix.ENOSYS, unix.EOPNOTSUPP, unix.EPERM, unix.EBADF:
				if woff == 0 {
					return 0, false, nil
				}
			}
			return 0, true, &fs.PathError{Op: "copy", Path: e.Name(), Err: err}
		}
		if c == 0 {
			return 0, true, corrupt(e.Name(), cbcio.ErrTruncated)
		}
		x.written(e, int64(c))
	}
	return woff, true, nil
}
