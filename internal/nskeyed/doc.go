// Package nskeyed reads NSKeyedArchiver archives (binary or XML plists
// with $archiver, $objects and $top), resolving UID references.
//
// # Security
//
// Archives are untrusted: every UID is bounds-checked, resolution never
// follows more than MaxDepth references, cycles are cut, Decode produces
// at most MaxNodes values, and binary plists nesting containers deeper
// than MaxNesting are refused before decoding (in linear time).
package nskeyed
