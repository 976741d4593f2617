// Package nskeyed reads NSKeyedArchiver archives (binary or XML plists
// with $archiver, $objects and $top), resolving UID references.
//
// # Security
//
// Archives are untrusted: every UID is bounds-checked, resolution never
// follows more than MaxDepth references, cycles are cut, Decode produces
// at most MaxNodes values, and plists (binary, XML or text) nesting
// containers deeper than MaxNesting or holding more than MaxNodes values
// are refused before decoding, in linear time (internal/plistsafe).
package nskeyed
