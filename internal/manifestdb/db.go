package manifestdb

import (
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"math"
	"strings"

	"github.com/iosbackup/iosbackup/internal/nskeyed"
	"github.com/iosbackup/iosbackup/internal/sqlitemem"
	"github.com/iosbackup/iosbackup/manifest"
)

// DB is an open Manifest.db. Lookups are answered by SQL through the
// table's indexes, so opening a manifest of hundreds of thousands of files
// does not decode them all.
type DB struct {
	db *sql.DB
	// rowid is a name of the rowid of Files that no column hides, or ""
	// when Files has none usable (WITHOUT ROWID, or all names taken).
	rowid string
}

// OpenDB opens a plaintext Manifest.db image (and its -wal, if any) in
// memory. The caller hands img over: without a WAL it is used in place
// (not copied) and must not be used afterwards.
func OpenDB(img, wal []byte) (*DB, error) {
	var db *sql.DB
	var err error
	if len(wal) > 0 {
		db, err = sqlitemem.Open(img, wal)
	} else {
		db, err = sqlitemem.OpenOwned(img)
	}
	if err != nil {
		return nil, &manifest.FormatError{File: "Manifest.db", Offset: -1, Err: err}
	}
	return FromSQL(db)
}

// FromSQL checks that db, an open read-only Manifest.db, is one, and
// takes it over (Close closes it, also on error).
func FromSQL(db *sql.DB) (*DB, error) {
	if msg := checkTables(db); msg != "" {
		db.Close()
		return nil, &manifest.FormatError{File: "Manifest.db", Offset: -1, Err: errors.New(msg)}
	}
	// iOS 10.0 stored each file record encrypted with a key derived from a
	// password hash in Properties.
	var ph int
	_ = db.QueryRow("SELECT count(*) FROM Properties WHERE key='passwordHash'").Scan(&ph)
	if ph > 0 {
		db.Close()
		return nil, fmt.Errorf("%w: iOS 10.0 Manifest.db with encrypted file records", ErrUnsupported)
	}
	return &DB{db: db, rowid: rowidName(db)}, nil
}

// rowidName returns rowid, _rowid_ or oid, the first that names the rowid
// of Files (a column of that name would hide it), or "".
func rowidName(db *sql.DB) string {
	cols := map[string]bool{}
	rows, err := db.Query("SELECT lower(name) FROM pragma_table_info('Files')")
	if err != nil {
		return ""
	}
	for rows.Next() {
		var c string
		if rows.Scan(&c) == nil {
			cols[c] = true
		}
	}
	if rows.Close() != nil || rows.Err() != nil {
		return ""
	}
	for _, a := range []string{"rowid", "_rowid_", "oid"} {
		if cols[a] {
			continue
		}
		if r, err := db.Query("SELECT " + a + " FROM Files LIMIT 0"); err == nil {
			r.Close()
			return a
		}
		return "" // WITHOUT ROWID
	}
	return ""
}

// checkTables returns what is wrong with the Files and Properties tables,
// or "". Files must be a plain table; Properties, when present, too: a
// view or a virtual table under either name could make every query over
// it endless or huge (the database is opened with limits, but a clear
// refusal is better than a stopped query).
func checkTables(db *sql.DB) string {
	rows, err := db.Query("SELECT type, name, coalesce(sql, '') FROM sqlite_master WHERE lower(name) IN ('files', 'properties')")
	if err != nil {
		return "cannot read the schema: " + err.Error()
	}
	defer rows.Close()
	files := false
	for rows.Next() {
		var typ, name, def string
		if err := rows.Scan(&typ, &name, &def); err != nil {
			return "cannot read the schema: " + err.Error()
		}
		switch f := strings.Fields(strings.ToUpper(def)); {
		case typ != "table":
			return fmt.Sprintf("%s is not a table (%s)", name, typ)
		case len(f) >= 2 && f[0] == "CREATE" && f[1] == "VIRTUAL":
			return name + " is a virtual table, not a plain table"
		}
		if strings.EqualFold(name, "Files") {
			files = true
		}
	}
	if err := rows.Err(); err != nil {
		return "cannot read the schema: " + err.Error()
	}
	if !files {
		return "no Files table"
	}
	return ""
}

// Close releases the in-memory database.
func (d *DB) Close() error { return d.db.Close() }

const selectFiles = "SELECT fileID, domain, relativePath, flags, file FROM Files"

// Count returns the number of rows.
func (d *DB) Count() (int, error) {
	var n int
	err := d.db.QueryRow("SELECT count(*) FROM Files").Scan(&n)
	return n, err
}

// Lookup returns the entries stored under domain and relative path (one,
// unless the manifest is damaged).
func (d *DB) Lookup(domain, path string) ([]*manifest.Entry, error) {
	return d.query(selectFiles+" WHERE domain = ? AND relativePath = ?", domain, path)
}

// ByFileID returns the entries with the given fileID.
func (d *DB) ByFileID(id string) ([]*manifest.Entry, error) {
	return d.query(selectFiles+" WHERE fileID = ?", id)
}

func (d *DB) query(q string, args ...any) ([]*manifest.Entry, error) {
	var out []*manifest.Entry
	for e, err := range d.iterate(q, args...) {
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

// All yields every entry ordered by domain and path. An entry whose MBFile
// cannot be decoded is yielded with Err set.
//
// The sort holds only the names and rowids: sorting whole rows, MBFile
// blobs included, took 16 MB of SQLite memory for 20,000 files (in
// memory, temp_store = MEMORY), growing with the manifest. The rows are
// then read by rowid in the sorted order (the subquery's LIMIT keeps
// SQLite from flattening it away and CROSS JOIN keeps it the outer loop).
func (d *DB) All() iter.Seq2[*manifest.Entry, error] {
	if a := d.rowid; a != "" {
		return d.iterate("SELECT f.fileID, f.domain, f.relativePath, f.flags, f.file FROM (SELECT " + a +
			" AS r FROM Files ORDER BY domain, relativePath LIMIT -1) AS o CROSS JOIN Files AS f ON f." + a + " = o.r")
	}
	return d.iterate(selectFiles + " ORDER BY domain, relativePath")
}

// Names yields the fileID, domain, relative path and flags of every row
// without decoding the MBFile blobs: the cheap pass for building a tree.
func (d *DB) Names() iter.Seq2[*manifest.Entry, error] {
	return func(yield func(*manifest.Entry, error) bool) {
		rows, err := d.db.Query("SELECT fileID, domain, relativePath, flags FROM Files")
		if err != nil {
			yield(nil, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var id, dom, rel sql.NullString
			var flags sql.NullInt64
			if err := rows.Scan(&id, &dom, &rel, &flags); err != nil {
				if !yield(nil, err) {
					return
				}
				continue
			}
			e := &manifest.Entry{FileID: id.String, Domain: dom.String, Path: rel.String, Flags: int(flags.Int64), Kind: kindFromFlags(flags.Int64)}
			if !yield(e, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, err)
		}
	}
}

func (d *DB) iterate(q string, args ...any) iter.Seq2[*manifest.Entry, error] {
	return func(yield func(*manifest.Entry, error) bool) {
		rows, err := d.db.Query(q, args...)
		if err != nil {
			yield(nil, &manifest.FormatError{File: "Manifest.db", Offset: -1, Err: err})
			return
		}
		defer rows.Close()
		for rows.Next() {
			var id, dom, rel sql.NullString
			var flags sql.NullInt64
			var blob []byte
			if err := rows.Scan(&id, &dom, &rel, &flags, &blob); err != nil {
				if !yield(nil, &manifest.FormatError{File: "Manifest.db", Offset: -1, Err: err}) {
					return
				}
				continue
			}
			e := &manifest.Entry{FileID: id.String, Domain: dom.String, Path: rel.String, Flags: int(flags.Int64), Kind: kindFromFlags(flags.Int64)}
			if blob == nil {
				e.Err = errors.New("no MBFile record")
			} else if err := DecodeMBFile(blob, e); err != nil {
				e.Err = err
			}
			if !yield(e, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, &manifest.FormatError{File: "Manifest.db", Offset: -1, Err: err})
		}
	}
}

func kindFromFlags(f int64) manifest.Kind {
	switch f {
	case 1:
		return manifest.File
	case 2:
		return manifest.Dir
	case 4:
		return manifest.Symlink
	}
	return manifest.Other
}

// DecodeMBFile fills e from an NSKeyedArchiver MBFile blob. Fields that
// are present are set even when an error is returned for another.
func DecodeMBFile(blob []byte, e *manifest.Entry) error {
	// The usual binary archives are read in place; anything unusual goes
	// through the general decoder, which gives the same results.
	if ok, err := decodeMBFileFast(blob, e); ok {
		return err
	}
	return decodeMBFileSlow(blob, e)
}

// decodeMBFileSlow is DecodeMBFile through the general NSKeyedArchiver
// decoder.
func decodeMBFileSlow(blob []byte, e *manifest.Entry) error {
	a, err := nskeyed.Parse(blob)
	if err != nil {
		return err
	}
	r, err := a.Root()
	if err != nil {
		return err
	}
	root, ok := r.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: MBFile root is not an object", nskeyed.ErrFormat)
	}
	var firstErr error
	note := func(err error) {
		if firstErr == nil && err != nil {
			firstErr = err
		}
	}
	intField := func(key string) int64 {
		v, err := a.Field(root, key)
		note(err)
		n, ok := toInt(v)
		if !ok && v != nil {
			note(fmt.Errorf("MBFile %s: unexpected %T", key, v))
		}
		return n
	}
	e.Size = intField("Size")
	if e.Size < 0 {
		note(fmt.Errorf("MBFile Size %d is negative", e.Size))
		e.Size = 0
	}
	e.Mode = uint32(intField("Mode"))
	e.UID = intField("UserID")
	e.GID = intField("GroupID")
	e.Inode = uint64(intField("InodeNumber"))
	e.ProtectionClass = int(intField("ProtectionClass"))
	e.Modified = unixTime(intField("LastModified"))
	e.Changed = unixTime(intField("LastStatusChange"))
	e.Birth = unixTime(intField("Birth"))
	if v, err := a.Field(root, "Target"); err != nil {
		note(err)
	} else if s, ok := v.(string); ok {
		e.Target = s
	}
	if v, err := a.Field(root, "Digest"); err != nil {
		note(err)
	} else if b, ok := v.([]byte); ok {
		e.Digest = append([]byte(nil), b...)
	}
	if v, err := a.Field(root, "EncryptionKey"); err != nil {
		note(err)
	} else if b, ok := v.([]byte); ok {
		note(setKey(e, b))
	} else if v != nil {
		note(fmt.Errorf("MBFile EncryptionKey: unexpected %T", v))
	}
	if e.Kind == manifest.Other {
		if k := kindFromMode(e.Mode); k != manifest.Other {
			e.Kind = k
		}
	}
	return firstErr
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case uint64:
		if x > math.MaxInt64 {
			return math.MaxInt64, true
		}
		return int64(x), true
	case int:
		return int64(x), true
	case float64:
		return int64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}
