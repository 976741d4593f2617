package manifest

import "fmt"

// FormatError reports a malformed manifest: which file of the backup
// folder, where, and why. Backup.Entries yields it when a row of
// Manifest.db cannot be read.
type FormatError struct {
	File   string // file inside the backup folder: "Manifest.db" or "Manifest.mbdb"
	Offset int64  // byte offset, -1 when unknown
	Err    error
}

func (e *FormatError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("manifest: %s: malformed at offset %d: %v", e.File, e.Offset, e.Err)
	}
	return fmt.Sprintf("manifest: %s: %v", e.File, e.Err)
}

// Unwrap returns the underlying cause.
func (e *FormatError) Unwrap() error { return e.Err }
