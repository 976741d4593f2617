package records

import (
	"fmt"
	"strings"
)

// UnsupportedError reports a database whose schema a reader does not
// recognise: Table lacks the columns in Missing (every column of the
// reader's minimum set when the table itself is missing). Readers never
// guess at such a schema.
type UnsupportedError struct {
	Database, Table string
	Missing         []string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("records: %s: unsupported schema: table %s lacks columns %s", e.Database, e.Table, strings.Join(e.Missing, ", "))
}
