// Package records turns the databases inside an iOS backup into typed
// records: messages (SMS, iMessage, RCS, with attachments, reactions,
// replies and edits), contacts, call history, calendar events
// (OpenCalendar) and reminders (OpenReminders).
//
// Each reader has two constructors: OpenX(fsys) takes any fs.FS laid out
// as Domain/relative/path — a *backup.Backup, an extracted folder
// (os.DirFS), a test fstest.MapFS — and OpenXFile(path) a bare database
// file. Records are yielded by iterators (iter.Seq2[*T, error]) that
// stream rows and take a context: when it is done, the running query is
// interrupted and the sequence ends with its error. A bad row is yielded
// as a *RowError and iteration goes on; breaking out of the loop is
// always safe.
//
// # Deleted records
//
// The Recovered methods of MessageDB, ContactDB and CallDB read the
// database again from where it was opened and carve it: Recently Deleted
// messages (iOS 16+), rows left in the -wal, on freelist pages and in free
// space. Each record carries a Recovery saying where it was found (a
// RecoverySource) and how complete it is, and is marked Deleted unless it
// is an earlier version of a live row (Recovery.HistoryOf).
//
// # Security
//
// Databases are opened from bytes in memory (sqlite3_deserialize) in
// query-only mode; a "-wal" file beside a database is replayed in memory,
// so rows that live only in the WAL are seen and nothing is written
// anywhere — no temporary file, no "-shm". Database contents are untrusted:
// blobs (typedstream bodies, plists) are decoded with bounded work.
//
// # Compatibility
//
// Schema variants are detected by probing tables and columns, never by
// the iOS version: sms.db from iOS 3 to 18 (the iOS 3-5 "madrid" schema
// with Unix-second dates, then seconds or nanoseconds since 2001, decided
// per value), AddressBook from iOS 4 on, CallHistory.storedata (iOS 8+)
// and call_history.db (iOS 4-7), Calendar.sqlitedb (with the tasks of
// iOS 12 and earlier) and the Reminders Core Data stores (iOS 13 on).
// Every reader refuses a schema that lacks its key tables or columns with
// an *UnsupportedError naming them, never rows of blank fields. Only the
// columns a reader marks optional (those that older or newer schemas
// lack) may be absent; their fields are then empty. Extra columns are
// ignored.
//
// # Partial records
//
// A record (message, contact, call, event, reminder) of which a part
// cannot be read comes out with what could be read, the damaged field empty, and the problem listed in its
// Problems field: a dangling label or participant, a date that cannot be
// right (before 2007, or after now plus a day), a value that is not a
// number, a photo that cannot be read. An error alone means no record.
//
// # Names and numbers
//
// DisplayName and FormattedName order a name as the phone shows it:
// family name first when the name is written in Chinese, Japanese or
// Korean script (Japanese with a space between the parts), given name
// first otherwise. A Resolver matches the handles of calls and messages
// to contacts: full-width digits are folded (NFKC), numbers compared in
// E.164 form (E164, libphonenumber's rules) read in the phone's own
// region (WithRegion; RegionOfNumber of the backup's phone number), with
// NormalizePhone's looser key as a fallback. NameCalls and NameMessages
// fill Call.Name and Message.SenderName.
//
// # Country of a call
//
// The two call stores record different things: CallHistory.storedata an
// ISO 3166 code of the network's country (Call.Country, "us"),
// call_history.db the network's mobile country code (Call.MCC, "310" for
// the United States). Each goes in its own field; neither is converted
// into the other.
//
// # Concurrency
//
// The *MessageDB, *ContactDB, *CallDB, *CalendarDB and *ReminderDB types
// are safe for concurrent use.
package records
