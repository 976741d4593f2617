package backuptest

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"strings"

	"howett.net/plist"

	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

// MBFile holds the fields of one NSKeyedArchiver MBFile object
// (docs/FORMAT.md §3.2). Archive encodes it as the Manifest.db `file` blob.
type MBFile struct {
	RelativePath                          string
	Target                                string // written when non-empty
	Size                                  int64
	LastModified, Birth, LastStatusChange int64
	Mode                                  uint16
	UserID, GroupID                       int
	InodeNumber                           uint64
	ProtectionClass                       int
	Flags                                 int
	// EncryptionKey (44 bytes) is written as an NSMutableData when non-nil.
	EncryptionKey []byte
	// Digest is written as a separate data object when non-nil.
	Digest []byte
	// KeyDataAsUID stores NS.data as a UID to a data object (pyiosbackup).
	KeyDataAsUID bool
}

// Archive returns the binary-plist NSKeyedArchiver encoding of m, with
// the object order of real backups: $null, the MBFile dict, its path,
// digest, target, key data and class descriptions.
func (m MBFile) Archive() ([]byte, error) {
	objs := []any{"$null", nil}
	add := func(v any) plist.UID {
		objs = append(objs, v)
		return plist.UID(len(objs) - 1)
	}
	root := map[string]any{
		"Birth":            m.Birth,
		"Flags":            m.Flags,
		"GroupID":          m.GroupID,
		"InodeNumber":      m.InodeNumber,
		"LastModified":     m.LastModified,
		"LastStatusChange": m.LastStatusChange,
		"Mode":             m.Mode,
		"ProtectionClass":  m.ProtectionClass,
		"Size":             m.Size,
		"UserID":           m.UserID,
	}
	root["RelativePath"] = add(m.RelativePath)
	if m.Digest != nil {
		root["Digest"] = add(m.Digest)
	}
	if m.Target != "" {
		root["Target"] = add(m.Target)
	}
	if m.EncryptionKey != nil {
		kd := map[string]any{}
		root["EncryptionKey"] = add(kd)
		if m.KeyDataAsUID {
			kd["NS.data"] = add(m.EncryptionKey)
		} else {
			kd["NS.data"] = m.EncryptionKey
		}
		kd["$class"] = add(map[string]any{
			"$classname": "NSMutableData",
			"$classes":   []string{"NSMutableData", "NSData", "NSObject"},
		})
	}
	root["$class"] = add(map[string]any{
		"$classname": "MBFile",
		"$classes":   []string{"MBFile", "NSObject"},
	})
	objs[1] = root
	top := map[string]any{
		"$version":  100000,
		"$archiver": "NSKeyedArchiver",
		"$top":      map[string]any{"root": plist.UID(1)},
		"$objects":  objs,
	}
	out, err := plist.Marshal(top, plist.BinaryFormat)
	if err != nil {
		return nil, fmt.Errorf("backuptest: archive MBFile: %w", err)
	}
	return out, nil
}

func (e *entry) mbfile(keyAsUID bool) MBFile {
	m := MBFile{
		RelativePath: e.f.Path, Size: e.size,
		LastModified: e.mtime, Birth: e.birth, LastStatusChange: e.changed,
		Mode: e.mode, UserID: e.uid, GroupID: e.gid, InodeNumber: e.inode,
		ProtectionClass: e.class, EncryptionKey: e.wrapped, Digest: e.f.Digest,
		KeyDataAsUID: keyAsUID,
	}
	if e.f.Kind == KindSymlink {
		m.Target = e.f.Target
	}
	return m
}

// ManifestSchema is the Manifest.db schema (docs/FORMAT.md §3).
const ManifestSchema = `CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);
CREATE INDEX FilesDomainIdx ON Files(domain);
CREATE INDEX FilesRelativePathIdx ON Files(relativePath);
CREATE INDEX FilesFlagsIdx ON Files(flags);
CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);`

func (b *builder) manifestDB(es []*entry) ([]byte, error) {
	type row struct{ vals [5]any }
	var rows []row
	ids := map[string]bool{}
	dup := false
	note := func(id string) {
		if ids[id] {
			dup = true
		}
		ids[id] = true
	}
	for _, e := range es {
		blob, err := e.mbfile(b.opts.KeyDataAsUID).Archive()
		if err != nil {
			return nil, err
		}
		note(e.id)
		rows = append(rows, row{[5]any{e.id, e.f.Domain, e.f.Path, e.f.Kind.Flags(), blob}})
	}
	for _, r := range b.opts.Raw {
		v := [5]any{r.FileID, r.Domain, r.Path, r.Flags, nil}
		if r.File != nil {
			v[4] = r.File
		}
		if r.NullFileID {
			v[0] = nil
		} else {
			note(r.FileID)
		}
		if r.NullDomain {
			v[1] = nil
		}
		if r.NullPath {
			v[2] = nil
		}
		if r.NullFlags {
			v[3] = nil
		}
		rows = append(rows, row{v})
	}
	schema := ManifestSchema
	if dup {
		// A hostile layout: duplicate fileIDs need the key constraint gone.
		schema = strings.Replace(schema, "fileID TEXT PRIMARY KEY", "fileID TEXT", 1)
	}
	return sqlitemem.Build(func(c *sql.Conn) error {
		ctx := context.Background()
		for _, stmt := range strings.Split(schema, ";") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if _, err := c.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
		if _, err := c.ExecContext(ctx, "PRAGMA user_version = 2"); err != nil {
			return err
		}
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, "INSERT INTO Files (fileID, domain, relativePath, flags, file) VALUES (?, ?, ?, ?, ?)", r.vals[:]...); err != nil {
				_ = tx.Rollback()
				return err
			}
		}
		return tx.Commit()
	})
}

// MBDBHeader is the 6-byte header of Manifest.mbdb.
var MBDBHeader = []byte{'m', 'b', 'd', 'b', 5, 0}

// MBDBRecord holds one Manifest.mbdb record (docs/FORMAT.md §4.1). Nil
// LinkTarget, DataHash and EncryptionKey are written as 0xFFFF.
type MBDBRecord struct {
	Domain, Path                        string
	NullPath                            bool // write Path as 0xFFFF
	LinkTarget, DataHash, EncryptionKey []byte
	Mode                                uint16
	Inode                               uint64
	UserID, GroupID                     uint32
	LastModified, LastStatusChange      int32
	Birth                               int32
	Size                                int64
	ProtectionClass                     uint8
	// Properties are written as (name, value) pairs.
	Properties [][2][]byte
}

func appendMBDBString(out, s []byte, null bool) ([]byte, error) {
	if null {
		return binary.BigEndian.AppendUint16(out, 0xFFFF), nil
	}
	if len(s) >= 0xFFFF {
		return nil, fmt.Errorf("%w: mbdb string of %d bytes", ErrOption, len(s))
	}
	out = binary.BigEndian.AppendUint16(out, uint16(len(s)))
	return append(out, s...), nil
}

// Append encodes r (big-endian) after out.
func (r MBDBRecord) Append(out []byte) ([]byte, error) {
	var err error
	if out, err = appendMBDBString(out, []byte(r.Domain), false); err != nil {
		return nil, err
	}
	if out, err = appendMBDBString(out, []byte(r.Path), r.NullPath); err != nil {
		return nil, err
	}
	for _, v := range [][]byte{r.LinkTarget, r.DataHash, r.EncryptionKey} {
		if out, err = appendMBDBString(out, v, v == nil); err != nil {
			return nil, err
		}
	}
	out = binary.BigEndian.AppendUint16(out, r.Mode)
	out = binary.BigEndian.AppendUint64(out, r.Inode)
	out = binary.BigEndian.AppendUint32(out, r.UserID)
	out = binary.BigEndian.AppendUint32(out, r.GroupID)
	out = binary.BigEndian.AppendUint32(out, uint32(r.LastModified))
	out = binary.BigEndian.AppendUint32(out, uint32(r.LastStatusChange))
	out = binary.BigEndian.AppendUint32(out, uint32(r.Birth))
	out = binary.BigEndian.AppendUint64(out, uint64(r.Size))
	if len(r.Properties) > 255 {
		return nil, fmt.Errorf("%w: %d mbdb properties", ErrOption, len(r.Properties))
	}
	out = append(out, r.ProtectionClass, byte(len(r.Properties)))
	for _, p := range r.Properties {
		if out, err = appendMBDBString(out, p[0], false); err != nil {
			return nil, err
		}
		if out, err = appendMBDBString(out, p[1], false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (b *builder) mbdb(es []*entry) ([]byte, error) {
	out := append([]byte(nil), MBDBHeader...)
	var err error
	for _, e := range es {
		r := MBDBRecord{
			Domain: e.f.Domain, Path: e.f.Path,
			NullPath:      e.f.Path == "" && b.opts.MBDBNullEmptyPath,
			DataHash:      e.f.Digest,
			EncryptionKey: e.wrapped,
			Mode:          e.mode, Inode: e.inode,
			UserID: uint32(e.uid), GroupID: uint32(e.gid),
			LastModified: int32(e.mtime), LastStatusChange: int32(e.changed), Birth: int32(e.birth),
			Size: e.size, ProtectionClass: uint8(e.class),
		}
		if e.f.Kind == KindSymlink {
			r.LinkTarget = []byte(e.f.Target)
		}
		if out, err = r.Append(out); err != nil {
			return nil, err
		}
	}
	for _, raw := range b.opts.Raw {
		if raw.Record != nil {
			out = append(out, raw.Record...)
			continue
		}
		r := MBDBRecord{Domain: raw.Domain, Path: raw.Path, Mode: ModeFile, UserID: 501, GroupID: 501, ProtectionClass: 3}
		switch raw.Flags {
		case 2:
			r.Mode, r.ProtectionClass = ModeDir, 0
		case 4:
			r.Mode, r.ProtectionClass = ModeSymlink, 0
		}
		if out, err = r.Append(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}
