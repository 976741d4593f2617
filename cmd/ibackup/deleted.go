package main

import (
	"fmt"
	"iter"

	"github.com/iosbackup/iosbackup/records"
)

// recoveredLabel is the visible mark of a recovered record in the formats
// that have no field for it (text, CSV, HTML, vCard, Android XML).
func recoveredLabel(r *records.Recovery, deleted bool) string {
	what := "deleted"
	if !deleted {
		what = "earlier version"
	}
	if r.Source == records.RecoveredRecentlyDeleted {
		return fmt.Sprintf("[%s: Recently Deleted]", what)
	}
	return fmt.Sprintf("[%s: recovered from %s, %s page %d offset %d]", what, r.Source, r.Table, r.Page, r.Offset)
}

// marked passes seq through, calling mark on each record unless the
// format carries the deleted and recovered fields itself (jsonl).
func marked[T any](seq iter.Seq2[*T, error], format string, keep func(*T) bool, mark func(*T)) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		for v, err := range seq {
			if err == nil && v != nil {
				if keep != nil && !keep(v) {
					continue
				}
				if format != "jsonl" {
					mark(v)
				}
			}
			if !yield(v, err) {
				return
			}
		}
	}
}

// withDeletedMessages adds the recovered messages to msgs when --deleted
// is given (in the chat given with --chat, if any).
func (s *source) withDeletedMessages(msgs iter.Seq2[*records.Message, error], fl *recordFlags) iter.Seq2[*records.Message, error] {
	if !fl.deleted {
		return msgs
	}
	rec := records.RecoverMessagesFile(fl.db)
	if s.b != nil {
		rec = records.RecoverMessages(s.b)
	}
	keep := func(m *records.Message) bool { return fl.chat == "" || fl.chatIDs[m.Chat] || fl.chatIDs[m.ChatGUID] }
	return records.WithRecovered(msgs, marked(rec, fl.format, keep, func(m *records.Message) {
		m.Text = recoveredLabel(m.Recovered, m.Deleted) + " " + m.Text
	}))
}

// withDeletedContacts adds the recovered contacts when --deleted is given.
func (s *source) withDeletedContacts(cs iter.Seq2[*records.Contact, error], fl *recordFlags) iter.Seq2[*records.Contact, error] {
	if !fl.deleted {
		return cs
	}
	rec := records.RecoverContactsFile(fl.db)
	if s.b != nil {
		rec = records.RecoverContacts(s.b)
	}
	return records.WithRecovered(cs, marked(rec, fl.format, nil, func(c *records.Contact) {
		c.Note = recoveredLabel(c.Recovered, c.Deleted) + " " + c.Note
	}))
}

// withDeletedCalls adds the recovered calls when --deleted is given.
func (s *source) withDeletedCalls(cs iter.Seq2[*records.Call, error], fl *recordFlags) iter.Seq2[*records.Call, error] {
	if !fl.deleted {
		return cs
	}
	rec := records.RecoverCallsFile(fl.db)
	if s.b != nil {
		rec = records.RecoverCalls(s.b)
	}
	return records.WithRecovered(cs, marked(rec, fl.format, nil, func(c *records.Call) {
		c.Name = recoveredLabel(c.Recovered, c.Deleted) + " " + c.Name
	}))
}
