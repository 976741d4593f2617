// Package sqlitecarve reads SQLite database and write-ahead-log bytes
// directly, without SQLite, to recover rows that the database no longer
// shows: older page versions kept in a -wal (frames superseded by later
// ones, or never committed), main-file pages that the -wal replaces,
// freelist pages, and the free space inside b-tree pages (freeblocks and
// the unallocated gap), including cells whose first four bytes were
// overwritten by a freeblock header and the overflow chains of large rows.
//
// It is a read-only parser of untrusted bytes: it never writes, never reads
// past its inputs, bounds the work and memory it spends by the size of the
// inputs (loops in freelists and overflow chains, bogus cell pointers,
// huge varints and page sizes give an error or are skipped), and never
// panics on input.
//
// Carved records are matched to a table by the column list of the table's
// CREATE TABLE statement (read from sqlite_master by this package) and the
// serial types of the record. Each carries where it was found (source,
// page number, offset) and whether it is complete. Copies of rows that are
// still live with the same content are dropped; other versions of a live
// rowid are returned as that row's history.
package sqlitecarve
