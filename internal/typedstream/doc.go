// Package typedstream decodes NeXTSTEP/Apple typedstream ("streamtyped")
// archives, the NSArchiver format of iMessage attributedBody blobs. It is
// the implementation behind the public package records/typedstream, which
// exposes Text, Parse, the attributed string types, FormatError and the
// sentinels (as aliases of the names here); the records package also calls
// Recover. The rest (Decode, DecodeArchive, Native and the raw archive
// types) serves tests and tools of this module only.
//
// Text returns the message text of an attributedBody; Parse also returns the
// attribute runs (UTF-16 ranges with their attribute dictionaries: message
// part, attachment GUID, mention, link, bold/italic/underline/strikethrough,
// text effect, ...), with helpers AttachmentGUIDs, Mentions and Links.
// Recover is a best-effort fallback for blobs that Parse rejects.
//
// Underneath, Decode is a general decoder that returns the archive's
// top-level values as raw *Object values (class chain plus typed groups),
// and Native turns the well-known Foundation classes (NSString,
// NSAttributedString, NSNumber, NSArray, NSSet, NSDictionary, NSData, NSDate,
// NSURL, NSNull, and their mutable variants) into Go values. Unknown classes
// are kept with their raw values rather than rejected.
//
// # Security
//
// Input is untrusted. The decoder never panics and never allocates more than
// the input can hold: string, byte-array and array lengths are checked
// against the remaining bytes, object nesting is capped at MaxDepth, type
// encodings and class chains have their own caps, and a budget of value
// reads proportional to the input size stops zero-size types from spinning.
// Back-references resolve to shared pointers, so reference cycles cannot loop
// while decoding; Native converts each object once and cuts cycles with nil.
// Every decoding error is a *FormatError (errors.Is(err, ErrMalformed))
// carrying the byte offset; input that is not a typedstream also matches
// ErrNotTypedstream. Error messages contain offsets and structural facts
// only, never message text. Decoded text is always valid UTF-8 (invalid
// sequences become U+FFFD).
//
// # Compatibility
//
// Both byte orders are read: "streamtyped" (little-endian, what Apple
// platforms write) and "typedstream" (big-endian), streamer versions 3 and 4.
// Integer tags 0x81 (16-bit), 0x82 (32-bit) and 0x87 (64-bit), floats tagged
// 0x83 or integer-coded, shared strings, C strings, classes with versions,
// and type encodings @ # * + % : c C B s S i I l L q Q f d [Nt] {name=...}
// (with ObjC qualifiers r n N o O R V skipped) are supported; pointer,
// union and bit-field encodings are reported as errors. NSArchiver stores
// BOOL NSNumbers with type 'c', so they come back as int64 0/1.
// Verified against the crabstep attributedBody corpus, NSArchiver output of
// Foundation classes, a real iOS 13 sms.db and a macOS 10.11 chat.db.
//
// # Concurrency
//
// All functions are safe for concurrent use; values returned are not
// synchronised and should be treated as read-only when shared (runs that
// share an attribute dictionary share one map).
package typedstream
