// Package keybag parses the backup keybag of an iOS backup
// (Manifest.plist BackupKeyBag), derives the key-encryption key from the
// backup password and unwraps the protection-class keys.
//
// # Security
//
// The derivation is chosen by the presence of the DPSL and DPIC tags (iOS
// 10.2 and later: PBKDF2-HMAC-SHA256 then PBKDF2-HMAC-SHA1), never by a
// version string. Iteration counts beyond MaxIterations or MaxDPIC are
// refused before any work is done. Errors never contain key material.
//
// # Compatibility
//
// Keybag versions 3 to 5 as written by iTunes, Finder and Apple Devices for
// iOS 4 and later; unknown tags are kept as attributes and ignored.
package keybag
