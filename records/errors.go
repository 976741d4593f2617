package records

import (
	"fmt"
	"strings"
)

// UnsupportedError reports a database whose schema a reader does not
// recognise: Table lacks the columns listed in Missing (every required
// column when the table itself is absent). Nothing is read from such a
// database rather than records with blank fields.
type UnsupportedError struct {
	Database, Table string
	Missing         []string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("records: %s: unsupported schema: table %s lacks columns %s", e.Database, e.Table, strings.Join(e.Missing, ", "))
}
