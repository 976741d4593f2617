package manifestdb

import (
	"database/sql"
	"github.com/iosbackup/iosbackup/manifest"
	"iter"
)

// Under yields the fileID, domain, relative path and flags (as Names
// does) of the rows of domain whose relative path lies below dir ("" for
// the whole domain), at most limit of them, without reading the others:
// the way to learn whether a name that has no row of its own is a
// directory implied by its descendants.
func (d *DB) Under(domain, dir string, limit int) iter.Seq2[*manifest.Entry, error] {
	if dir == "" {
		return d.names("SELECT fileID, domain, relativePath, flags FROM Files WHERE domain = ? LIMIT ?", domain, limit)
	}
	// Paths below dir sort between dir+"/" and dir+"0" ('0' follows '/').
	// The unary + keeps SQLite off the domain index (one domain may hold
	// most rows), so that it reads the narrow range of the relativePath
	// index instead.
	return d.names("SELECT fileID, domain, relativePath, flags FROM Files WHERE +domain = ? AND relativePath > ? AND relativePath < ? LIMIT ?",
		domain, dir+"/", dir+"0", limit)
}

func (d *DB) names(q string, args ...any) iter.Seq2[*manifest.Entry, error] {
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
			if err := rows.Scan(&id, &dom, &rel, &flags); err != nil {
				yield(nil, &manifest.FormatError{File: "Manifest.db", Offset: -1, Err: err})
				return
			}
			e := &manifest.Entry{FileID: id.String, Domain: dom.String, Path: rel.String, Flags: int(flags.Int64), Kind: kindFromFlags(flags.Int64)}
			if !yield(e, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, &manifest.FormatError{File: "Manifest.db", Offset: -1, Err: err})
		}
	}
}
