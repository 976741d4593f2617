package main

import (
	"iter"

	"github.com/iosbackup/iosbackup/records"
)

// Recovered records are marked beside their data, never in it: each
// format has its own mark (JSON Lines and CSV fields, an HTML class and
// caption, an X-IBACKUP-DELETED vCard property, a "[deleted — …]" prefix
// in text output); the Android export writes them only with --deleted.

// kept passes seq through, leaving out the records keep refuses.
func kept[T any](seq iter.Seq2[*T, error], keep func(*T) bool) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		for v, err := range seq {
			if err == nil && v != nil && keep != nil && !keep(v) {
				continue
			}
			if !yield(v, err) {
				return
			}
		}
	}
}

// withDeletedMessages adds the recovered messages to msgs when --deleted
// is given (in the chats selected with --chat, if any).
func (s *source) withDeletedMessages(msgs iter.Seq2[*records.Message, error], fl *recordFlags) iter.Seq2[*records.Message, error] {
	if !fl.deleted {
		return msgs
	}
	rec := records.RecoverMessagesFile(fl.db)
	if s.b != nil {
		rec = records.RecoverMessages(s.b)
	}
	keep := func(m *records.Message) bool { return fl.chat == "" || fl.chatIDs[m.Chat] || fl.chatIDs[m.ChatGUID] }
	return records.WithRecovered(msgs, kept(rec, keep))
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
	return records.WithRecovered(cs, rec)
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
	return records.WithRecovered(cs, rec)
}
