package records

import (
	"errors"
	"fmt"
	"strings"
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
