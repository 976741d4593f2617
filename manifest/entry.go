package manifest

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/iosbackup/iosbackup/internal/kdf"
)

// Kind is the kind of a manifest entry.
type Kind uint8

const (
	Other   Kind = iota // unknown flags
	File                // regular file (Manifest.db flags 1)
	Dir                 // directory (flags 2)
	Symlink             // symbolic link (flags 4)
)

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
	Flags  int // Manifest.db flags column (0 for mbdb)

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

// Name returns the entry's name in a backup file system: Domain/Path.
func (e *Entry) Name() string {
	if e.Path == "" {
		return e.Domain
	}
	return e.Domain + "/" + e.Path
}

// Encrypted reports whether the entry has a wrapped file key.
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

// ErrFIPSOnly reports that SHA-1 is forbidden (GODEBUG=fips140=only, in
// which crypto/sha1 panics). iOS backups need SHA-1 for their file IDs and
// their key derivation, so that mode cannot be supported.
var ErrFIPSOnly = kdf.ErrFIPSOnly

// ComputeFileID returns the fileID of a domain and relative path: the
// lowercase hex SHA-1 of domain + "-" + path. It returns ErrFIPSOnly in
// FIPS 140-only mode.
func ComputeFileID(domain, path string) (string, error) {
	if err := kdf.CheckSHA1(); err != nil {
		return "", err
	}
	h := sha1.Sum([]byte(domain + "-" + path))
	return hex.EncodeToString(h[:]), nil
}

// ValidFileID reports whether id is 40 lowercase hex digits.
func ValidFileID(id string) bool {
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

// ValidDomain reports whether a domain can be used as one path element.
func ValidDomain(d string) bool {
	return d != "" && d != "." && d != ".." && fs.ValidPath(d) && !strings.ContainsAny(d, "/\\:\x00")
}

// Problem returns why the entry cannot be mapped safely to a name inside a
// folder, or "" when it can: an invalid fileID, a domain or path that
// would leave the folder (.., absolute, backslashes, NUL bytes, empty
// elements).
func (e *Entry) Problem() string {
	switch {
	case !ValidFileID(e.FileID):
		return "fileID is not 40 lowercase hex digits"
	case !ValidDomain(e.Domain):
		return fmt.Sprintf("unsafe domain %q", e.Domain)
	case e.Path != "" && !fs.ValidPath(e.Path):
		return fmt.Sprintf("unsafe relative path %q", e.Path)
	case strings.ContainsAny(e.Path, "\\\x00"):
		return fmt.Sprintf("unsafe relative path %q", e.Path)
	}
	return ""
}

// setKey decodes a 44-byte EncryptionKey (uint32 LE class ‖ 40-byte wrapped key).
func (e *Entry) setKey(k []byte) error {
	if len(k) == 0 {
		return nil
	}
	if len(k) != 44 {
		return fmt.Errorf("EncryptionKey is %d bytes, want 44", len(k))
	}
	e.KeyClass = int(binary.LittleEndian.Uint32(k[:4]))
	e.WrappedKey = append([]byte(nil), k[4:]...)
	return nil
}

func kindFromMode(mode uint32) Kind {
	switch mode & 0xF000 {
	case 0x8000:
		return File
	case 0x4000:
		return Dir
	case 0xA000:
		return Symlink
	}
	return Other
}
