// Package records turns the databases inside an iOS backup into typed
// records: messages (SMS, iMessage, RCS, with attachments, reactions,
// replies and edits), contacts, call history, calendar events
// (OpenCalendar) and reminders (OpenReminders).
//
// Readers take any fs.FS laid out as Domain/relative/path — a
// *backup.Backup, an extracted folder (os.DirFS), a test fstest.MapFS — or
// a bare database file (OpenMessagesFile, OpenContactsFile,
// OpenCallsFile). Records are yielded by iterators (iter.Seq2[*T, error])
// that stream rows: a bad row is yielded as an error and iteration goes
// on; breaking out of the loop is always safe.
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
// the iOS version: sms.db from iOS 6 to 18 (dates in seconds or
// nanoseconds, decided per value), AddressBook from iOS 4 on,
// CallHistory.storedata (iOS 8+) and call_history.db (iOS 4-7). A missing
// table or column gives empty fields, not an error. Calendar.sqlitedb
// (with the tasks of iOS 12 and earlier) and the Reminders Core Data
// stores (iOS 13 on) are read from the columns each needs: a table that
// lacks one gives an *UnsupportedError naming it, and a record with a
// damaged part lists it in its Problems.
//
// # Concurrency
//
// The *MessageDB, *ContactDB and *CallDB types are safe for concurrent use.
package records
