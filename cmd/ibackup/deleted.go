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

// concat yields a's records, then b's.
func concat[T any](a, b iter.Seq2[*T, error]) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		for v, err := range a {
			if !yield(v, err) {
				return
			}
		}
		for v, err := range b {
			if !yield(v, err) {
				return
			}
		}
	}
}

// withDeletedMessages adds the recovered messages to msgs when --deleted
// is given (in the chats selected with --chat, if any).
func (s *source) withDeletedMessages(msgs, recovered iter.Seq2[*records.Message, error], fl *recordFlags) iter.Seq2[*records.Message, error] {
	if !fl.deleted {
		return msgs
	}
	keep := func(m *records.Message) bool { return fl.chat == "" || fl.chatIDs[m.Chat] || fl.chatIDs[m.ChatGUID] }
	return concat(msgs, kept(recovered, keep))
}

// withDeletedContacts adds the recovered contacts when --deleted is given.
func (s *source) withDeletedContacts(cs, recovered iter.Seq2[*records.Contact, error], fl *recordFlags) iter.Seq2[*records.Contact, error] {
	if !fl.deleted {
		return cs
	}
	return concat(cs, recovered)
}

// withDeletedCalls adds the recovered calls when --deleted is given.
func (s *source) withDeletedCalls(cs, recovered iter.Seq2[*records.Call, error], fl *recordFlags) iter.Seq2[*records.Call, error] {
	if !fl.deleted {
		return cs
	}
	return concat(cs, recovered)
}
