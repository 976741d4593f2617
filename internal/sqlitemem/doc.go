// Package sqlitemem opens SQLite database images that live in memory.
//
// It is the only package of the module that imports the SQLite driver. A
// database is never opened from a path: callers hand over the bytes of the
// main file and, when present, of its "-wal" file. The committed frames of
// the WAL are applied to a private copy of the image, and the result is
// loaded with sqlite3_deserialize, so nothing is read from or written to
// the file system, no "-wal"/"-shm" file is ever created, and temporary
// tables and sorts stay in memory.
//
// # Security
//
// The images are untrusted. Frame checksums and salts of the WAL are
// verified, page numbers and sizes are bounded, and every connection is put
// in query-only mode with temp_store=MEMORY.
//
// # Memory
//
// On Linux the image is kept once, in C memory outside the Go heap, and
// every pooled connection reads it in place (sqlite3_deserialize with
// SQLITE_DESERIALIZE_READONLY); it is zeroed and freed when the database
// and its last connection are closed. Elsewhere each connection
// deserializes its own copy. OpenBuffer lets a caller read a file straight
// into that memory (the backup reads and decrypts Manifest.db there).
//
// # Concurrency
//
// The *sql.DB returned by Open and OpenBuffer is safe for concurrent use.
package sqlitemem
