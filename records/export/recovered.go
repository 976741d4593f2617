package export

import (
	"fmt"

	"github.com/iosbackup/iosbackup/records"
)

// Recovered records (records.Recovery) are marked beside their data, never
// in it: text, note and name fields are written as they were read. JSON
// Lines has the deleted and recovered fields; CSV the deleted and
// recovered columns; the HTML transcript a "deleted" class and caption on
// the message; vCard an X-IBACKUP-DELETED (or X-IBACKUP-EARLIER-VERSION)
// property.

// recoverySource describes where a recovered record was found, for the
// formats without a field for each part: "Recently Deleted", or
// "wal, message page 5 offset 3999" (source, table, page and offset),
// followed by "; earlier version of row N" for an earlier version of a
// row. It is "" for a live record (r nil).
func recoverySource(r *records.Recovery) string {
	if r == nil {
		return ""
	}
	s := "Recently Deleted"
	if r.Source != records.RecoveredRecentlyDeleted {
		s = fmt.Sprintf("%s, %s page %d offset %d", r.Source, r.Table, r.Page, r.Offset)
	}
	if r.HistoryOf != nil {
		s += fmt.Sprintf("; earlier version of row %d", *r.HistoryOf)
	}
	return s
}

// recoveryNote is the visible mark of a recovered record for people:
// "deleted — recovered from wal, message page 5 offset 3999",
// "deleted — Recently Deleted", or "earlier version — recovered from …"
// for a record that is not deleted (the source, table, page and offset
// after the dash);
// "" for a live record.
func recoveryNote(deleted bool, r *records.Recovery) string {
	if r == nil {
		if deleted {
			return "deleted"
		}
		return ""
	}
	what := "deleted"
	if !deleted {
		what = "earlier version"
	}
	if r.Source == records.RecoveredRecentlyDeleted {
		return what + " — " + recoverySource(r)
	}
	return what + " — recovered from " + recoverySource(r)
}
