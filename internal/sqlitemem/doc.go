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
// in query-only mode with temp_store=MEMORY and trusted_schema=OFF, with
// run-time limits on value length (MaxValueLength, 64 MiB), SQL length,
// expression depth and program size, and no ATTACH. On Linux it is also
// put in SQLITE_DBCONFIG_DEFENSIVE mode with triggers, views and extension
// loading disabled (sqlite3_db_config, reached like sqlite3_deserialize).
//
// A schema can still turn a plain SELECT into unbounded work (a generated
// column that builds huge strings, a sort of many such rows), so every
// statement runs under three bounds that need no cooperation from the
// caller, on top of the caller's context (a context that is done
// interrupts the statement and its error is returned):
//
//   - SQLite's hard heap limit, HeapLimit (2 GiB), process-wide (Linux);
//   - a step (one result row, or a whole sort or aggregate) may run at
//     most StepOpsBase + StepOpsPerByte × image size VM instructions
//     (Linux, through a progress handler called every 1000 instructions),
//     or PortableStepTimeout elsewhere;
//   - the steps of one statement together may run for at most
//     StatementTimeBase + StatementTimePerMiB per MiB of image (the time
//     the caller spends between rows does not count), and those of all
//     statements on one opened database DatabaseTimeBase +
//     DatabaseTimePerMiB per MiB (a reader that runs a statement per
//     record cannot multiply the statement bound).
//
// A statement stopped by a bound fails with a *LimitError (matching
// ErrLimit). What normal reading needs, measured on a synthetic iOS 16
// sms.db of 180,224 messages (104 MB; every message read through
// records.MessageDB.Messages, machine load about 27 on 2 cores): at most
// 1,000 VM instructions per step (the progress handler's resolution)
// against a budget of 7.6 billion, 2.4 MB of SQLite heap against 2 GiB,
// and 22 s in all against a statement budget of 6 min 38 s. The heaviest
// manifest statement (every Files row sorted by domain and path; 300,000
// rows in one domain, 194 MB) took 3.9 million instructions in its first
// step against a budget of 13.4 billion, and 158 MB of SQLite heap (so
// about 530 MB for a million files in one domain). Hostile databases end
// in seconds: see limits_test.go. Both measurements run again with
// IOSBACKUP_MEASURE set (TestMeasureManifestSort here,
// TestMeasureNormalWorkload in records).
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
