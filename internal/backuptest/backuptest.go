package backuptest

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing/fstest"
	"time"
)

// Era selects the on-disk generation of the backup (docs/FORMAT.md §1.3).
type Era int

const (
	// EraMBDB is iOS 4–9: Manifest.mbdb, flat <fileID> payloads, a keybag
	// without DPSL/DPIC, Status.plist Version "2.4", Manifest.plist Version "9.1".
	EraMBDB Era = iota
	// Era10_1 is iOS 10.0–10.1: plaintext Manifest.db, xx/<fileID>
	// payloads, a keybag without DPSL/DPIC; payloads are encrypted when
	// Options.Encrypted is set.
	Era10_1
	// Era10_2 is iOS 10.2 and later: Manifest.db encrypted with the
	// ManifestKey when Options.Encrypted is set, DPWT/DPIC/DPSL in the keybag.
	Era10_2
)

// String returns a short name of the era.
func (e Era) String() string {
	switch e {
	case EraMBDB:
		return "mbdb"
	case Era10_1:
		return "10.1"
	case Era10_2:
		return "10.2"
	}
	return fmt.Sprintf("Era(%d)", int(e))
}

// Kind is the type of a manifest entry.
type Kind int

const (
	// KindFile is a regular file (Manifest.db flags 1).
	KindFile Kind = iota
	// KindDir is a directory (flags 2).
	KindDir
	// KindSymlink is a symbolic link (flags 4).
	KindSymlink
)

// Flags returns the Manifest.db flags value of the kind.
func (k Kind) Flags() int64 {
	switch k {
	case KindDir:
		return 2
	case KindSymlink:
		return 4
	}
	return 1
}

// Default POSIX modes.
const (
	ModeFile    uint16 = 0o100644
	ModeDir     uint16 = 0o40755
	ModeSymlink uint16 = 0o120755
)

// File describes one entry of the synthetic backup. Zero fields take
// deterministic defaults.
type File struct {
	Domain string
	Path   string
	Kind   Kind
	// Data is the plaintext content of a regular file.
	Data []byte
	// Target is the target of a symlink.
	Target string
	// Mode is st_mode; 0 means ModeFile, ModeDir or ModeSymlink.
	Mode uint16
	// ModTime, Birth and Changed default to the backup date minus one
	// hour, minus one day, and ModTime respectively. Use time.Unix(0, 0)
	// for the epoch (the zero time.Time means "default").
	ModTime, Birth, Changed time.Time
	// Class is the protection class; 0 means 3 for files and 0 for
	// directories and symlinks. Set NoClass to write 0 for a file.
	Class   int
	NoClass bool
	// UID and GID default to 501; set NoOwner to write 0/0.
	UID, GID int
	NoOwner  bool
	// Inode defaults to a sequence number.
	Inode uint64
	// RecordedSize overrides the size written in the manifest (stale sizes).
	RecordedSize *int64
	// Digest, when non-nil, is written as MBFile Digest (inline data) or
	// mbdb DataHash.
	Digest []byte

	// Key overrides the seeded 32-byte file key (encrypted backups).
	Key []byte

	// Damage knobs for encrypted backups.

	// KeyClass, when non-zero, is the class written in the 4-byte prefix
	// of EncryptionKey, while the key is still wrapped with Class's key.
	KeyClass int
	// BadWrappedKey replaces the 40-byte wrapped file key by bytes no
	// class key unwraps.
	BadWrappedKey bool
	// NoKey stores the file unencrypted and without EncryptionKey even in
	// an encrypted backup.
	NoKey bool
	// NoPayload leaves the payload file out of the folder.
	NoPayload bool
	// Payload, when non-nil, is written as the payload verbatim (after the
	// entry's key is recorded), instead of the encrypted/plain Data.
	Payload []byte
}

// KeybagOptions tunes the keybag TLV (docs/FORMAT.md §5).
type KeybagOptions struct {
	// Version is VERS; 0 means 3 (EraMBDB, Era10_1) or 5 (Era10_2).
	Version uint32
	// Classes lists the class records in order; nil means classes 1–11
	// with WRAP=2 for 1–4,6–8 and WRAP=3 for 5,9,10,11 (the hv20 keybag).
	Classes []ClassSpec
	// NoClassKeys writes the header only.
	NoClassKeys bool
	// Salt and DPSL override the 20-byte salts (nil means seeded).
	Salt, DPSL []byte
	// ITER and DPIC, when non-zero, are written instead of the values used
	// for derivation (e.g. 1<<31): the KEK in Result is then the one
	// derived from Options.Iterations / Options.DPIC.
	ITER, DPIC uint32
	// DPWT/DPIC/DPSL are written for encrypted Era10_2 backups only (the
	// real unencrypted keybag of docs/FORMAT.md §5.4 has none). NoDP leaves them
	// out even then; ForceDP writes them in every era (and derives the KEK
	// accordingly when encrypted).
	NoDP, ForceDP bool
	// Extra is appended verbatim after the last class record (e.g. a TLV
	// with a giant length, see TLV and GiantTLV).
	Extra []byte
	// Raw replaces the whole keybag.
	Raw []byte
}

// ClassSpec is one class record of the keybag. In an encrypted backup the
// WPKY is the class key wrapped with the KEK when Wrap&2 != 0 (so WRAP=3
// records unwrap, to a value that is not a usable key) and seeded random
// bytes otherwise (WRAP=1, device key only).
type ClassSpec struct {
	Class int
	Wrap  uint32
	// Key overrides the 32-byte class key (nil means seeded).
	Key []byte
}

// DeviceInfo is the device description written to the plists. Empty
// fields take per-era defaults.
type DeviceInfo struct {
	Name, ProductType, ProductVersion, BuildVersion string
	Serial, UDID, IMEI, PhoneNumber, ICCID          string
	Date                                            time.Time
	// Apps are bundle IDs; nil means one default app, an empty non-nil
	// slice means none.
	Apps []string
}

// Options controls Build and Write.
type Options struct {
	Era       Era
	Encrypted bool
	// Password defaults to "test".
	Password string
	// Iterations is ITER (PBKDF2-SHA1), default 10.
	Iterations int
	// DPIC is the PBKDF2-SHA256 count (Era10_2 encrypted), default 10.
	DPIC int
	// Seed determines every salt, key and UUID.
	Seed   int64
	Device DeviceInfo
	// Flat forces the flat <fileID> payload layout; Nested forces xx/<fileID>.
	Flat, Nested bool
	// XMLPlists writes XML instead of binary plists.
	XMLPlists bool
	// SnapshotState defaults to "finished".
	SnapshotState string
	PasscodeSet   bool
	Keybag        KeybagOptions
	// ManifestKeyClass is the class of the ManifestKey, default 4.
	ManifestKeyClass int
	// ManifestDBNoPadding encrypts Manifest.db without PKCS#7 padding
	// (the image is a whole number of pages, hence of blocks).
	ManifestDBNoPadding bool
	// KeyDataAsUID stores EncryptionKey NS.data as a UID to a separate
	// data object (the pyiosbackup variant) instead of inline bytes.
	KeyDataAsUID bool
	// NoDomainRoots leaves out the directory rows with an empty path that
	// are added for every domain.
	NoDomainRoots bool
	// ParentDirs adds directory rows for every missing parent directory.
	ParentDirs bool
	// MBDBNullEmptyPath writes an empty relative path as 0xFFFF in the
	// mbdb (real files use length 0).
	MBDBNullEmptyPath bool
	// Raw rows are added after the files, verbatim.
	Raw []RawRow
	// Extra files written as is (slash paths relative to the root), e.g.
	// "Manifest.db-wal" or "Snapshot/Manifest.plist".
	Extra map[string][]byte
	// Omit lists root files not to write (e.g. "Status.plist").
	Omit []string
	// Mutate, when set, may replace the bytes of every written file.
	Mutate func(name string, data []byte) []byte
}

// RawRow is a manifest row written verbatim (hostile or damaged input).
type RawRow struct {
	// FileID, Domain, Path and Flags go to the Manifest.db columns as is;
	// FileID need not be 40 hex nor unique.
	FileID       string
	Domain, Path string
	Flags        int64
	// File is the `file` column; nil writes SQL NULL.
	File []byte
	// NullFileID, NullDomain, NullPath and NullFlags write SQL NULL.
	NullFileID, NullDomain, NullPath, NullFlags bool
	// Record is appended verbatim to the mbdb stream (EraMBDB); nil means
	// a record built from Domain and Path (regular file, no key).
	Record []byte
	// Payload, when non-nil, is written under the payload name of FileID
	// (only when FileID is a plain file name).
	Payload []byte
}

// ResultEntry describes one manifest entry written.
type ResultEntry struct {
	FileID, Domain, Path string
	Kind                 Kind
	Class                int
	// Size is the size written in the manifest.
	Size int64
	// FileKey is the unwrapped per-file key (encrypted regular files).
	FileKey []byte
	// WrappedKey is the 44-byte EncryptionKey value (class ‖ wrapped key).
	WrappedKey []byte
	// PayloadName is the slash path of the payload relative to the root,
	// "" when no payload was written.
	PayloadName string
	// Data is the plaintext.
	Data []byte
}

// Result reports what was built, with the secrets a reader must recover.
type Result struct {
	// Dir is the folder (Write only).
	Dir string
	// KEK is the password-derived key (nil for unencrypted backups).
	KEK []byte
	// ClassKeys maps each class of the keybag to the 32-byte value that
	// was wrapped in its WPKY (nil for unencrypted backups, whose WPKYs are
	// random). For WRAP=3 classes this value is not a
	// usable key (a reader must report those classes as device-bound).
	ClassKeys map[int][]byte
	// ClassWrap maps each class to its WRAP value.
	ClassWrap map[int]uint32
	// ManifestKey is the unwrapped Manifest.db key (Era10_2 encrypted).
	ManifestKey []byte
	// ManifestKeyBlob is the Manifest.plist ManifestKey value.
	ManifestKeyBlob []byte
	// Keybag is the BackupKeyBag TLV.
	Keybag []byte
	// ManifestDB is the plaintext Manifest.db image (Manifest.db eras).
	ManifestDB []byte
	// MBDB is the Manifest.mbdb stream (EraMBDB).
	MBDB []byte
	// UDID is the device identifier written.
	UDID string
	// Entries lists the rows built from files (including the added
	// directory rows) in manifest order; Options.Raw rows are not listed.
	Entries []ResultEntry
}

// Entry returns the first entry with the given fileID.
func (r *Result) Entry(fileID string) (ResultEntry, bool) {
	for _, e := range r.Entries {
		if e.FileID == fileID {
			return e, true
		}
	}
	return ResultEntry{}, false
}

// FileID returns lowercase hex SHA1(domain + "-" + path).
func FileID(domain, path string) string {
	h := sha1.Sum([]byte(domain + "-" + path))
	return hex.EncodeToString(h[:])
}

// Build builds a complete backup into a MapFS whose keys are slash paths
// relative to the backup root.
func Build(opts Options, files []File) (fstest.MapFS, *Result, error) {
	b, err := newBuilder(opts)
	if err != nil {
		return nil, nil, err
	}
	out, err := b.build(files)
	if err != nil {
		return nil, nil, err
	}
	m := fstest.MapFS{}
	for name, data := range out {
		m[name] = &fstest.MapFile{Data: data, Mode: 0o644, ModTime: b.dev.Date}
	}
	return m, b.res, nil
}

// Write builds a complete backup into dir (created if needed).
func Write(dir string, opts Options, files []File) (*Result, error) {
	b, err := newBuilder(opts)
	if err != nil {
		return nil, err
	}
	out, err := b.build(files)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !fs.ValidPath(name) {
			return nil, fmt.Errorf("backuptest: invalid output name %q", name)
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, out[name], 0o644); err != nil {
			return nil, err
		}
	}
	b.res.Dir = dir
	return b.res, nil
}

// ErrOption reports options, files or helper arguments the builder rejects.
var ErrOption = errors.New("backuptest: invalid option")

// safeName reports whether a payload name derived from an untrusted
// fileID stays a plain file name.
func safeName(id string) bool {
	return id != "" && id != "." && id != ".." && !strings.ContainsAny(id, "/\\\x00")
}
