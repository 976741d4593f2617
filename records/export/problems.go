package export

import (
	"iter"
	"strconv"
	"strings"

	"github.com/iosbackup/iosbackup/records"
)

// Problems tallies the records that were read only in part: those whose
// Problems field lists what could not be read (their damaged fields are
// empty). Such records are written like the others; a program that
// exports them usually tells its user how many there were and which.
type Problems struct {
	Records int // records that carry problems
	// First holds the first 10 of them, each as "message 12: problem;
	// problem": the kind of record, its database row id (RowID for a
	// message, ID for the others) and its problems. The problems are
	// text from the readers and may quote the backup: make them safe
	// before showing them on a terminal.
	First []string
}

// maxProblems bounds Problems.First.
const maxProblems = 10

// CountProblems passes records through unchanged, counting in p those
// that carry problems as they go by (records that an exporter then
// leaves out on purpose included). Errors pass through uncounted: the
// exporters count them in Stats.
func CountProblems[T records.Contact | records.Message | records.Call | records.Event | records.Reminder](seq iter.Seq2[*T, error], p *Problems) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		for v, err := range seq {
			if v != nil {
				p.add(v)
			}
			if !yield(v, err) {
				return
			}
		}
	}
}

// add counts v if it carries problems.
func (p *Problems) add(v any) {
	var kind string
	var id int64
	var list []string
	switch r := v.(type) {
	case *records.Contact:
		kind, id, list = "contact", r.ID, r.Problems
	case *records.Message:
		kind, id, list = "message", r.RowID, r.Problems
	case *records.Call:
		kind, id, list = "call", r.ID, r.Problems
	case *records.Event:
		kind, id, list = "event", r.ID, r.Problems
	case *records.Reminder:
		kind, id, list = "reminder", r.ID, r.Problems
	}
	if len(list) == 0 {
		return
	}
	p.Records++
	if len(p.First) < maxProblems {
		p.First = append(p.First, kind+" "+strconv.FormatInt(id, 10)+": "+strings.Join(list, "; "))
	}
}
