// Package plistsafe is the project's only way into howett.net/plist: it
// decodes untrusted property lists (binary, XML, OpenStep and GNUstep
// text) after checking them against Limits, and turns any panic of the
// decoder into an error.
//
// # Why
//
// The decoder trusts its input in three ways that a crafted file
// exploits: binary lengths and counts that wrap around 64 bits make it
// slice out of range (a panic), nested containers make it recurse once
// per level (a million nested XML or text arrays overflow the goroutine
// stack, a fatal error no recover catches; deep binary plists cost
// quadratic time), and shared binary objects are expanded at each use.
//
// # How
//
// Before the decoder sees the data, Check measures it without recursion
// and in time linear in its size:
//   - binary: the trailer and offset table are validated, then the object
//     graph reachable from the top object is walked with an explicit
//     stack; every object's marker, length and references must lie inside
//     the object area, containers may not contain themselves, and the
//     nesting depth, the number of values once shared objects are
//     expanded, and the number of containers are bounded;
//   - XML: a streaming token scan (encoding/xml, as the decoder uses)
//     counts depth, elements and containers;
//   - OpenStep/GNUstep text: a scan of brackets and braces that skips
//     quoted strings, comments and <data>.
//
// The format is decided as the decoder decides it, so the check always
// measures what the decoder would read. Unmarshal then decodes under a
// recover, so a decoder bug on input that passed the check is still an
// error, never a crash.
//
// DefaultLimits (depth 128, 2^20 values, 2^16 containers, 32 MB) were set
// from the 46 real plists of the project's test data (root plists of iOS 5
// to 14 backups, NSKeyedArchiver message payloads, edited-message
// summaries): they nest at most 6 containers deep and hold at most about
// 1,000 values and 128 containers, so the defaults leave a margin of 20x
// in depth and 1,000x in values. Each caller sets the size it expects.
package plistsafe
