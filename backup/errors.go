package backup

import (
	"errors"
	"fmt"

	"github.com/iosbackup/iosbackup/internal/kdf"
	"github.com/iosbackup/iosbackup/internal/keybag"
)

var (
	// ErrNotBackup means the folder holds no Manifest.plist, Manifest.db
	// or Manifest.mbdb.
	ErrNotBackup = errors.New("backup: not a backup folder")
	// ErrPasswordRequired means the operation needs the backup password
	// (or derived key) and Unlock has not succeeded.
	ErrPasswordRequired = errors.New("backup: password required")
	// ErrIncorrectPassword means the password or derived key does not
	// unwrap the class keys.
	ErrIncorrectPassword = errors.New("backup: incorrect password")
	// ErrTooManyIterations means the keybag asks for more key-derivation
	// work than the cap allows.
	ErrTooManyIterations = keybag.ErrTooManyIterations
	// ErrMissingPayload means a manifest entry's stored file is absent.
	ErrMissingPayload = errors.New("backup: payload missing")
	// ErrCorruptPayload means a stored file is truncated, badly padded or
	// otherwise cannot be decrypted.
	ErrCorruptPayload = errors.New("backup: payload truncated or corrupt")
	// ErrUnsafePath means an entry's domain, path or fileID would leave
	// the backup or destination folder.
	ErrUnsafePath = errors.New("backup: unsafe path")
	// ErrDeviceBound means the file's protection class key is wrapped with
	// the device key, which is not in the backup.
	ErrDeviceBound = errors.New("backup: protection class is bound to the device")
	// ErrNotEncrypted means the operation needs an encrypted backup
	// (HashLine) and this one is not.
	ErrNotEncrypted = errors.New("backup: not encrypted")
	// ErrNoKey means an encrypted backup's entry has no usable file key.
	ErrNoKey = errors.New("backup: no file key")
	// ErrNotRegular means a file of the backup folder is not a regular file
	// (a named pipe, a device, a socket, a directory): it is refused before
	// being opened, as opening a pipe blocks until a writer appears and a
	// device may never end.
	ErrNotRegular = errors.New("backup: not a regular file")
	// ErrFIPSOnly means SHA-1 is forbidden (GODEBUG=fips140=only): iOS
	// backups need it for their key derivation and file IDs, so Unlock,
	// Check and Manifest.mbdb backups fail with it in that mode.
	ErrFIPSOnly = kdf.ErrFIPSOnly
)

// FormatError reports a malformed backup file: which file, where, and why.
type FormatError struct {
	File   string // file inside the backup folder, e.g. "Manifest.plist"
	Offset int64  // byte offset, -1 when unknown
	Err    error
}

func (e *FormatError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("backup: %s: malformed at offset %d: %v", e.File, e.Offset, e.Err)
	}
	return fmt.Sprintf("backup: %s: malformed: %v", e.File, e.Err)
}

// Unwrap returns the underlying cause.
func (e *FormatError) Unwrap() error { return e.Err }

// UnsupportedError reports a valid backup feature that is not handled.
type UnsupportedError struct {
	What string
}

func (e *UnsupportedError) Error() string { return "backup: unsupported: " + e.What }

// EntryError reports a failure on one manifest entry.
type EntryError struct {
	Domain, Path, FileID string
	Err                  error
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("%s/%s: %v", e.Domain, e.Path, e.Err)
}

func (e *EntryError) Unwrap() error { return e.Err }
