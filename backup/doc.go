// Package backup opens iPhone and iPad backups made by iTunes, Finder and
// Apple Devices, encrypted or not, and serves their files as an fs.FS.
//
// Find lists the backups in a folder (DefaultDirs are where this
// computer keeps them). A backup is opened with Open (a folder) or New
// (any fs.FS laid out like the folder). Info needs no password. An
// encrypted backup is unlocked with Unlock (the password; the key
// derivation takes about a second and stops when its context is done) or
// UnlockWithKey (the key DerivedKey returned earlier, skipping the
// derivation).
//
// The *Backup is then an fs.FS whose names are Domain/relative/path, for
// example "HomeDomain/Library/SMS/sms.db", that decrypts as it reads: it
// can be handed to package records, fs.ReadFile or fs.WalkDir. Entries
// and Lookup give the manifest's entries as *File values which, like
// archive/zip's, carry the metadata (manifest.Entry) and open the content
// (File.Open) or the stored bytes (File.OpenRaw). Extract writes files
// out, Check reports on the backup's health and HashLine gives the line
// password crackers take.
//
// # Security
//
// The backup folder is only ever read: it is opened through an os.Root,
// and nothing is created in it. Decrypted data is never written to disk
// except by Extract, into the destination the caller names: the encrypted
// Manifest.db is decrypted in memory and opened from memory. Secrets (the
// password, the derived key, class and file keys) never appear in errors.
// The keybag's iteration counts are capped before any derivation
// (ErrTooManyIterations). Manifest rows whose domain, path or fileID would
// leave a folder are never opened (ErrUnsafePath) or extracted
// (SkipUnsafePath); symlinks are never followed or created.
//
// Every byte of the folder is treated as hostile. The root plists are
// checked for size (64 MB; Status.plist 1 MB), nesting depth and value
// count before they are decoded (internal/plistsafe), so a crafted plist
// is a *FormatError, never a crash or a stack overflow. Anything but a
// regular file (a named pipe, a device) is refused before it is opened
// (ErrNotRegular). Sizes recorded in the manifest are never used as
// allocation sizes: an open file's Stat reports the decrypted size read
// from its last block, or at most its size on disk, and ReadFile grows
// its buffer with the bytes actually read. Manifest.mbdb is streamed and
// capped at 256 MB and 1,048,576 records; Manifest.db at 4 GB. In FIPS
// 140-only mode, which forbids the SHA-1 every backup needs, Unlock,
// Check and Manifest.mbdb backups return ErrFIPSOnly.
//
// # Compatibility
//
// iOS 4 to 9 (Manifest.mbdb, flat payloads, PBKDF2-SHA1 keybags), iOS 10.0
// and 10.1 (plaintext Manifest.db), iOS 10.2 and later (encrypted
// Manifest.db, PBKDF2-SHA256 then PBKDF2-SHA1), selected by what is in the
// folder and the keybag, never by version strings. Payloads may be at
// xx/<fileID> or <fileID>. The iOS 10.0 variant whose Manifest.db rows were
// encrypted individually is reported as unsupported.
//
// # Concurrency
//
// A *Backup, and the *File values it gives, are safe for concurrent use;
// Extract decrypts with a pool of workers.
package backup
