// Package demobuild builds the small sample backup that `ibackup demo`
// embeds: an encrypted iOS 17 backup of a made-up phone with four contacts,
// a one-to-one chat, a group chat with a reaction, a reply and an image,
// an SMS, and calls (missed, FaceTime audio and video).
//
// The bytes are deterministic: the same program always writes the same
// files, so the committed copy under cmd/ibackup/testdata/demo can be
// checked against a fresh build. Everything in it is invented.
//
// # Security
//
// This package is for the demo and tests only: the password is public and
// the key-derivation iteration counts are deliberately low.
package demobuild
