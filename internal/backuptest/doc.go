// Package backuptest builds deterministic synthetic iOS backups for tests.
//
// It is a writer implemented independently of the reader packages, from
// docs/FORMAT.md §1–§8, so that tests of the reader against this builder catch
// mistakes on either side. The same Options and files always give the same
// bytes: every salt, key and UUID is derived from Options.Seed.
//
// Build returns the backup as an fstest.MapFS (keys are slash paths
// relative to the backup root); Write puts it in a folder. The Result
// carries what a reader must recover: the KEK, the class keys, the
// Manifest.db key, the per-file keys and the payload names.
//
// # Eras
//
//   - EraMBDB (iOS 4–9): Info.plist, Status.plist (Version "2.4"),
//     Manifest.plist (Version "9.1", no ManifestKey), Manifest.mbdb
//     (big-endian records, §4) and flat <fileID> payloads. The keybag
//     (VERS 3) has no DPWT/DPIC/DPSL; the KEK is PBKDF2-SHA1 only.
//   - Era10_1 (iOS 10.0–10.1): a plaintext Manifest.db (§3) whose `file`
//     column holds NSKeyedArchiver MBFile objects, xx/<fileID> payloads,
//     Status Version "3.3", Manifest Version "10.0", keybag as above.
//   - Era10_2 (iOS 10.2+): as Era10_1, but when encrypted the keybag
//     (VERS 5) carries DPWT/DPIC/DPSL, the KEK is PBKDF2-SHA256 then
//     PBKDF2-SHA1, and Manifest.db is AES-256-CBC encrypted (zero IV,
//     PKCS#7 unless Options.ManifestDBNoPadding) with the key wrapped in
//     Manifest.plist ManifestKey (class 4 unless Options.ManifestKeyClass).
//
// In encrypted backups every regular file gets a seeded 32-byte key,
// wrapped (RFC 3394) with its class key and stored as the 44-byte
// EncryptionKey (uint32 LE class ‖ wrapped key); its payload is
// AES-256-CBC with a zero IV and PKCS#7 padding, so an empty file is one
// 16-byte block. Class keys come from a keybag with classes 1–11, WRAP=2
// for 1–4 and 6–8, WRAP=3 (device-bound) for 5 and 9–11, like the real
// hv20 backup; WRAP=3 records hold a value wrapped with the KEK that is
// not a usable key. Unencrypted backups still carry a keybag, with random
// WPKY values, and store payloads as is.
//
// Domain-root directory rows (empty relative path) are added for every
// domain unless Options.NoDomainRoots; Options.ParentDirs adds the
// intermediate directories.
//
// # Hostile and damaged backups
//
// Files may carry any domain, path or symlink target (".." segments,
// absolute paths, NUL bytes); payload names are always the fileID, so the
// builder never writes outside the backup root. Options.Raw adds rows
// written verbatim (any fileID, NULL or garbage `file` blobs, duplicate
// fileIDs, raw mbdb records); Options.Keybag damages the keybag (no class
// keys, absurd ITER/DPIC, extra or giant TLV items, a raw keybag);
// File.KeyClass, File.BadWrappedKey, File.NoKey, File.NoPayload,
// File.Payload and File.RecordedSize damage single entries;
// Options.Extra, Options.Omit and Options.Mutate edit the written files.
// After building, the helpers of damage.go (TruncatePayload,
// CorruptPadding, RemovePayload, CorruptManifestDB, CorruptManifestPlist,
// EditPlist, ...) act on a MapFS or a folder through the Tree interface.
//
// # Security
//
// This package is for tests only. Its keys are derived from a public seed
// and its default password and iteration counts are deliberately weak.
//
// # Concurrency
//
// Build and Write keep no global state and may run in parallel.
package backuptest
