package records

import (
	"errors"
	"fmt"
	"strings"

	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

// UnsupportedError reports a database whose schema a reader does not
// recognise: a table it needs is missing, or lacks columns it cannot do
// without. Readers return it instead of guessing (rows of empty fields
// would be a quiet wrong answer). It matches errors.ErrUnsupported with
// errors.Is.
type UnsupportedError struct {
	Database string   // the database, e.g. "sms.db"
	Table    string   // the table expected
	Missing  []string // the columns Table lacks; empty when the table itself is missing
}

func (e *UnsupportedError) Error() string {
	if len(e.Missing) == 0 {
		return fmt.Sprintf("records: %s: unsupported schema: no table %s", e.Database, e.Table)
	}
	return fmt.Sprintf("records: %s: unsupported schema: table %s lacks columns %s",
		e.Database, e.Table, strings.Join(e.Missing, ", "))
}

// Is makes an UnsupportedError match errors.ErrUnsupported.
func (e *UnsupportedError) Is(target error) bool { return target == errors.ErrUnsupported }

// ErrNotFound means the database is not in the source.
var ErrNotFound = errors.New("records: database not found")

// DatabaseError reports a database that exists but cannot be read.
type DatabaseError struct {
	Name string // path of the database in its source
	Err  error
}

func (e *DatabaseError) Error() string { return fmt.Sprintf("records: %s: %v", e.Name, e.Err) }
func (e *DatabaseError) Unwrap() error { return e.Err }

// Errors of opening a record database, wrapped in a *DatabaseError.
var (
	// ErrTooLarge: the database and its "-wal" together are larger
	// than 4 GiB, the most read into memory.
	ErrTooLarge = errors.New("records: database larger than the limit")
	// ErrNotRegular: the database (or its "-wal") is not a regular file
	// (a FIFO, a device, a folder, ...); it is never read.
	ErrNotRegular = errors.New("records: not a regular file")
	// ErrNotTable: a table the readers read is a view or a virtual table,
	// which could make any query over it endless or huge.
	ErrNotTable = errors.New("records: not a plain table")
	// ErrLimit: a query was stopped by one of the resource limits every
	// database is opened with (value length, memory, work per row, time
	// per query). The database is hostile or damaged.
	ErrLimit = sqlitemem.ErrLimit
)

// ErrNoChat is returned (yielded) by MessagesInChat when no chat has the
// given identifier or GUID.
var ErrNoChat = errors.New("records: no such chat")

// RowError reports a database row that could not be read at all. It is
// yielded alone (with a nil record) and iteration goes on; a row that
// could be read in part is yielded as a record whose Problems say what is
// missing, without an error.
type RowError struct {
	Table string
	RowID int64
	Err   error
}

func (e *RowError) Error() string {
	return fmt.Sprintf("records: %s row %d: %v", e.Table, e.RowID, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }
