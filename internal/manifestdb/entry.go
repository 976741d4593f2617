package manifestdb

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/iosbackup/iosbackup/internal/kdf"
	"github.com/iosbackup/iosbackup/manifest"
)

// ErrUnsupported reports a manifest that is valid but not handled.
var ErrUnsupported = errors.New("manifest: unsupported")

// ComputeFileID returns the fileID of a domain and relative path: the
// lowercase hex SHA-1 of domain + "-" + path. It returns kdf.ErrFIPSOnly
// in FIPS 140-only mode.
func ComputeFileID(domain, path string) (string, error) {
	if err := kdf.CheckSHA1(); err != nil {
		return "", err
	}
	h := sha1.Sum([]byte(domain + "-" + path))
	return hex.EncodeToString(h[:]), nil
}

// ValidFileID reports whether id is 40 lowercase hex digits, and so can
// name a payload file.
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

// setKey decodes a 44-byte EncryptionKey (uint32 LE class ‖ 40-byte
// wrapped key) into e.
func setKey(e *manifest.Entry, k []byte) error {
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

func kindFromMode(mode uint32) manifest.Kind {
	switch mode & 0xF000 {
	case 0x8000:
		return manifest.File
	case 0x4000:
		return manifest.Dir
	case 0xA000:
		return manifest.Symlink
	}
	return manifest.Other
}
