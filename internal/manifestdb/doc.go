// Package manifestdb reads the file index of an iOS backup — Manifest.db
// (iOS 10 and later) or Manifest.mbdb (iOS 4 to 9) — into manifest.Entry
// values, for package backup.
//
// # Security
//
// Both formats are untrusted input. Manifest.db is opened from decrypted
// bytes in memory (never written to disk); Manifest.mbdb records are
// bounds-checked and nothing is allocated from a length field beyond what
// the input holds. Entries are reported as stored: domains, paths and
// fileIDs are not sanitized here; manifest.Entry.Problem tells whether an
// entry can be safely mapped to a file name, callers (package backup)
// refuse the others, and an entry whose metadata could not be decoded
// carries the reason in Entry.Err. Manifest.mbdb is read as a stream and
// capped at MaxMBDBEntries records; plists are decoded through the
// project's size and depth checks. Files or Properties tables that are
// views or virtual tables are refused.
//
// # Compatibility
//
// Manifest.db with NSKeyedArchiver MBFile blobs (iOS 10.0 onward; UIDs are
// resolved anywhere, e.g. EncryptionKey as a UID to NS.data) and
// Manifest.mbdb version 5.0 (iOS 4 to 9).
//
// # Concurrency
//
// A *DB is safe for concurrent use; Entry values are not modified after
// they are returned.
package manifestdb
