package manifest

import (
	"fmt"
	"io/fs"
	"strings"
	"time"
)

// Kind is the kind of a manifest entry.
type Kind uint8

const (
	Other   Kind = iota // unknown flags
	File                // regular file (Manifest.db flags 1)
	Dir                 // directory (flags 2)
	Symlink             // symbolic link (flags 4)
)

// String returns "file", "dir", "symlink" or "other".
func (k Kind) String() string {
	switch k {
	case File:
		return "file"
	case Dir:
		return "dir"
	case Symlink:
		return "symlink"
	}
	return "other"
}

// Entry is one file, directory or symlink recorded in the manifest.
type Entry struct {
	FileID string // lowercase hex SHA-1 of Domain + "-" + Path, as stored
	Domain string
	Path   string // relative path inside the domain, no leading slash
	Kind   Kind
	Flags  int // Manifest.db flags column (1, 2, 4; for Manifest.mbdb, from Kind)

	Size            int64 // recorded plaintext size (may be stale for live databases)
	Mode            uint32
	UID, GID        int64
	Inode           uint64
	Modified        time.Time
	Changed         time.Time // last status change
	Birth           time.Time
	ProtectionClass int
	KeyClass        int    // protection class from the EncryptionKey prefix
	WrappedKey      []byte // 40-byte RFC 3394 wrapped file key; nil when not encrypted
	Target          string // symlink target
	Digest          []byte

	// Err is set when the entry's metadata could not be decoded; the
	// entry is still listed with what was readable.
	Err error
}

// Name returns the entry's name in the backup's file system (the
// *backup.Backup fs.FS): Domain/Path.
func (e *Entry) Name() string {
	if e.Path == "" {
		return e.Domain
	}
	return e.Domain + "/" + e.Path
}

// Encrypted reports whether the entry has a wrapped file key: its
// payload is encrypted with that key when the backup is encrypted.
func (e *Entry) Encrypted() bool { return e.WrappedKey != nil }

// FileMode converts Mode and Kind to an fs.FileMode.
func (e *Entry) FileMode() fs.FileMode {
	m := fs.FileMode(e.Mode & 0o777)
	switch e.Kind {
	case Dir:
		m |= fs.ModeDir
	case Symlink:
		m |= fs.ModeSymlink
	case Other:
		m |= fs.ModeIrregular
	}
	return m
}

// validFileID reports whether id is 40 lowercase hex digits.
func validFileID(id string) bool {
	if len(id) != 40 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// validDomain reports whether a domain can be used as one path element.
func validDomain(d string) bool {
	return d != "" && d != "." && d != ".." && fs.ValidPath(d) && !strings.ContainsAny(d, "/\\:\x00")
}

// Problem returns why the entry cannot be mapped safely to a name inside a
// folder, or "" when it can: an invalid fileID, a domain or path that
// would leave the folder (.., absolute, backslashes, NUL bytes, empty
// elements).
func (e *Entry) Problem() string {
	switch {
	case !validFileID(e.FileID):
		return "fileID is not 40 lowercase hex digits"
	case !validDomain(e.Domain):
		return fmt.Sprintf("unsafe domain %q", e.Domain)
	case e.Path != "" && !fs.ValidPath(e.Path):
		return fmt.Sprintf("unsafe relative path %q", e.Path)
	case strings.ContainsAny(e.Path, "\\\x00"):
		return fmt.Sprintf("unsafe relative path %q", e.Path)
	}
	return ""
}
