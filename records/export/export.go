package export

import (
	"errors"
	"fmt"
	"time"
)

// ErrOutput marks a failure to write the output (a full disk, a closed
// pipe, an unwritable directory). The export stops at the first one; use
// errors.Is(err, ErrOutput) to tell it from row failures, after which the
// export goes on.
var ErrOutput = errors.New("export: writing output failed")

// ErrNilRecord is the cause of the row error of a nil record in the input.
var ErrNilRecord = errors.New("export: nil record")

// MaxRowErrors bounds how many row errors Stats.Errors keeps; later ones
// are still counted in Stats.Failed.
const MaxRowErrors = 100

// Stats reports what an export did.
type Stats struct {
	Written int // records written
	Failed  int // records that could not be read or rendered; they were skipped
	Skipped int // records left out on purpose (e.g. tapbacks in Android XML)
	// SkippedBy breaks Skipped down by reason: "tapbacks", "group events",
	// "unsent messages", "empty messages", "FaceTime and app calls".
	SkippedBy map[string]int
	Missing   int // attachments that could not be copied or embedded
	// Errors holds the first MaxRowErrors row errors, in input order.
	// Each names the record by its 0-based position in the input
	// ("export: record 12: ...") and wraps the cause, which errors.Is and
	// errors.As reach: the iterator's error (a *records.RowError from the
	// readers), ErrNilRecord, or why the format cannot hold the record.
	Errors []error
}

// skip counts a record left out on purpose for reason.
func (s *Stats) skip(reason string) {
	s.Skipped++
	if s.SkippedBy == nil {
		s.SkippedBy = map[string]int{}
	}
	s.SkippedBy[reason]++
}

// Skip reasons of Stats.SkippedBy.
const (
	SkippedTapbacks    = "tapbacks"
	SkippedGroupEvents = "group events"
	SkippedUnsent      = "unsent messages"
	SkippedEmpty       = "empty messages"
	SkippedCalls       = "FaceTime and app calls"
)

// fail records a failed row.
func (s *Stats) fail(index int, err error) {
	s.Failed++
	if len(s.Errors) < MaxRowErrors {
		s.Errors = append(s.Errors, fmt.Errorf("export: record %d: %w", index, err))
	}
}

// result builds the error an export returns: the output error (if any)
// followed by the kept row errors, joined; nil when all went well.
func (s *Stats) result(out error) error {
	if out == nil && s.Failed == 0 {
		return nil
	}
	errs := make([]error, 0, len(s.Errors)+2)
	if out != nil {
		if !errors.Is(out, ErrOutput) {
			out = fmt.Errorf("%w: %w", ErrOutput, out)
		}
		errs = append(errs, out)
	}
	errs = append(errs, s.Errors...)
	if s.Failed > len(s.Errors) {
		errs = append(errs, fmt.Errorf("export: %d more records failed", s.Failed-len(s.Errors)))
	}
	return errors.Join(errs...)
}

// outputError wraps a write failure with ErrOutput.
func outputError(err error) error {
	if err == nil || errors.Is(err, ErrOutput) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrOutput, err)
}

// timeLayout is the date format of every machine-readable export: RFC 3339
// in UTC with exactly three fractional digits.
const timeLayout = "2006-01-02T15:04:05.000Z"

// formatTime renders t in timeLayout, "" for nil.
func formatTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// nameOf resolves a handle with names, falling back to the handle itself.
func nameOf(names func(string) string, handle string) string {
	if handle == "" || names == nil {
		return handle
	}
	if n := names(handle); n != "" {
		return n
	}
	return handle
}
