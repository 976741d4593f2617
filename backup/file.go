package backup

import (
	"io"
	"io/fs"

	"github.com/iosbackup/iosbackup/manifest"
)

// File is one file, directory or symlink of a backup, as archive/zip's
// File is one of an archive: its manifest metadata (the embedded
// manifest.Entry) and the means to read its content. Entries and Lookup
// return them.
type File struct {
	manifest.Entry
	b *Backup
}

// Open returns a reader of the file's content, decrypted when the backup
// is encrypted (it must be unlocked first: ErrPasswordRequired). Content
// is decrypted as it is read, in bounded memory, and not cut to the
// recorded Size, which is often stale for databases. A truncated or badly
// padded payload gives an error wrapping ErrCorruptPayload from Read; a
// missing one ErrMissingPayload from Open. Only regular files can be
// opened; the name and content of the backup's file system are also
// served by the Backup itself (Backup.Open).
func (f *File) Open() (io.ReadCloser, error) {
	return f.b.openEntry(f.Name(), &f.Entry)
}

// OpenRaw returns the file's payload exactly as stored in the backup
// folder (encrypted or not), for hashing evidence. It needs no password.
func (f *File) OpenRaw() (io.ReadCloser, error) {
	pname, _, err := f.b.payloadName(&f.Entry)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: f.Name(), Err: err}
	}
	r, _, err := openRegular(f.b.fsys, pname)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: f.Name(), Err: err}
	}
	return r, nil
}
