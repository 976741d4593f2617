// Package manifest defines Entry, the record of one file, directory or
// symlink in an iOS backup's file index (Manifest.db from iOS 10,
// Manifest.mbdb for iOS 4 to 9), with one model for both formats.
//
// Package backup reads the index and yields its entries as *backup.File
// values, which embed Entry and open the file's content; the metadata
// alone (ExtractOptions.Filter, Health, progress reports) is an *Entry.
//
// # Security
//
// Entries are reported as stored: domains, paths and fileIDs are not
// sanitized. Entry.Problem tells whether an entry can be safely mapped to
// a name inside a folder; package backup never opens or extracts the
// others. An entry whose metadata could not be decoded is still listed,
// with what was readable and the reason in Entry.Err.
//
// # Concurrency
//
// Entry values are not modified after they are returned.
package manifest
