// Package typedstream reads the text of iMessage attributedBody blobs:
// NeXTSTEP/Apple typedstream ("streamtyped") archives, the NSArchiver
// format in which Messages stores a message's NSAttributedString.
//
// Text returns the message text of an attributedBody. Parse also returns
// the attribute runs (UTF-16 ranges with their attribute dictionaries:
// message part, attachment GUID, mention, link, bold, italic, underline,
// strikethrough, text effect, ...), with the helpers AttachmentGUIDs,
// Mentions and Links; the Attr constants name the attributes Messages
// writes.
//
// The records package decodes every message body this way (and adds a
// best-effort recovery of the text of bodies that Text rejects), so a
// program that reads messages through records does not need this
// package. It is for programs that read a Messages database themselves
// (a Mac's chat.db, an sms.db outside a backup), whose modern rows keep
// their text only in attributedBody, and for those that want the runs
// (mentions, links, formatting) that records.Message does not carry.
//
// # Security
//
// Input is untrusted. The decoder never panics and never allocates more
// than the input can hold: lengths are checked against the remaining
// bytes, nesting is capped, and a budget of value reads proportional to
// the input size stops zero-size types from spinning. Every decoding
// error is a *FormatError carrying the byte offset; it matches
// ErrMalformed with errors.Is, and input that is not a typedstream also
// matches ErrNotTypedstream. Error messages contain offsets and
// structural facts only, never message text. Decoded text is always
// valid UTF-8 (invalid sequences become U+FFFD).
//
// # Compatibility
//
// Both byte orders are read: "streamtyped" (little-endian, what Apple
// platforms write) and "typedstream" (big-endian), streamer versions 3
// and 4, with the well-known Foundation classes (NSString,
// NSAttributedString, NSNumber, NSArray, NSSet, NSDictionary, NSData,
// NSDate, NSURL, NSNull and their mutable variants) turned into Go values
// in the attribute dictionaries. Verified against the crabstep
// attributedBody corpus, NSArchiver output of Foundation classes, a real
// iOS 13 sms.db and a macOS 10.11 chat.db. docs/FORMAT.md describes the
// format.
//
// # Concurrency
//
// All functions are safe for concurrent use; values returned are not
// synchronised and should be treated as read-only when shared (runs that
// share an attribute dictionary share one map).
package typedstream
