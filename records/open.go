package records

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

// Well-known locations of the record databases, as Domain/relative/path
// names in a backup's fs.FS.
const (
	SMSPath             = "HomeDomain/Library/SMS/sms.db"
	AddressBookPath     = "HomeDomain/Library/AddressBook/AddressBook.sqlitedb"
	AddressBookImages   = "HomeDomain/Library/AddressBook/AddressBookImages.sqlitedb"
	CallHistoryPath     = "HomeDomain/Library/CallHistoryDB/CallHistory.storedata"
	CallHistoryTempPath = "HomeDomain/Library/CallHistoryDB/CallHistoryTemp.storedata"
	OldCallHistoryPath  = "WirelessDomain/Library/CallHistory/call_history.db"
)

// ErrNotFound means the database is not in the source.
var ErrNotFound = errors.New("records: database not found")

// DatabaseError reports a database that exists but cannot be read.
type DatabaseError struct {
	Name string // path of the database in its source
	Err  error
}

func (e *DatabaseError) Error() string { return fmt.Sprintf("records: %s: %v", e.Name, e.Err) }
func (e *DatabaseError) Unwrap() error { return e.Err }

// openFS reads name and, when present, name+"-wal" from fsys and opens
// them in memory. A missing main file gives an error wrapping ErrNotFound.
func openFS(fsys fs.FS, name string) (*sql.DB, error) {
	main, err := fs.ReadFile(fsys, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
		}
		return nil, &DatabaseError{Name: name, Err: err}
	}
	wal, err := fs.ReadFile(fsys, name+"-wal")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, &DatabaseError{Name: name + "-wal", Err: err}
	}
	return openBytes(name, main, wal)
}

// openFile reads a bare database file and its "-wal" beside it, if any.
// The files are only read: nothing is created or changed beside them.
func openFile(path string) (*sql.DB, error) {
	main, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
		}
		return nil, &DatabaseError{Name: path, Err: err}
	}
	wal, err := os.ReadFile(path + "-wal")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, &DatabaseError{Name: path + "-wal", Err: err}
	}
	return openBytes(path, main, wal)
}

func openBytes(name string, main, wal []byte) (*sql.DB, error) {
	db, err := sqlitemem.Open(main, wal)
	if err != nil {
		return nil, &DatabaseError{Name: name, Err: err}
	}
	return db, nil
}

// columns returns the set of column names of table (empty when the table
// does not exist). Schema variants are detected this way, never by the iOS
// version.
func columns(db *sql.DB, table string) (map[string]bool, error) {
	rows, err := db.Query("SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		cols[n] = true
	}
	return cols, rows.Err()
}
