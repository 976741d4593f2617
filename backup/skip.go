package backup

import (
	"fmt"

	"github.com/iosbackup/iosbackup/manifest"
)

// SkipReason is why Extract left an entry out on purpose.
type SkipReason int

// The reasons of ExtractReport.Skipped.
const (
	// SkipSymlink: symlinks are never created.
	SkipSymlink SkipReason = iota + 1
	// SkipUnsafePath: the entry's domain, path or fileID would leave the
	// destination (see manifest.Entry.Problem).
	SkipUnsafePath
	// SkipDuplicate: an entry of the same name was extracted already.
	SkipDuplicate
	// SkipNameCollision: the name differs from an already extracted one
	// only in letter case, on file systems that ignore case (macOS and
	// Windows by default, or ExtractOptions.WindowsNames): it would
	// overwrite the other file.
	SkipNameCollision
	// SkipOther: the entry is not a regular file, directory or symlink.
	SkipOther
)

// String describes the reason: "symlink not created", "unsafe path",
// "duplicate entry", "name differs from another only in case" or "not a
// regular file, directory or symlink".
func (r SkipReason) String() string {
	switch r {
	case SkipSymlink:
		return "symlink not created"
	case SkipUnsafePath:
		return "unsafe path"
	case SkipDuplicate:
		return "duplicate entry"
	case SkipNameCollision:
		return "name differs from another only in case"
	case SkipOther:
		return "not a regular file, directory or symlink"
	}
	return fmt.Sprintf("SkipReason(%d)", int(r))
}

// SkippedEntry is an entry that Extract left out on purpose.
type SkippedEntry struct {
	Domain, Path, FileID string
	Reason               SkipReason
	// Detail is the symlink's target (SkipSymlink) or what makes the path
	// unsafe (SkipUnsafePath); "" otherwise.
	Detail string
}

// String describes why the entry was skipped: the reason, with the
// symlink's target or what makes the path unsafe.
func (s *SkippedEntry) String() string {
	switch s.Reason {
	case SkipSymlink:
		return fmt.Sprintf("%v (target %q)", s.Reason, s.Detail)
	case SkipUnsafePath:
		return fmt.Sprintf("%v: %s", s.Reason, s.Detail)
	}
	return s.Reason.String()
}

func skip(e *manifest.Entry, r SkipReason, detail string) *SkippedEntry {
	return &SkippedEntry{Domain: e.Domain, Path: e.Path, FileID: e.FileID, Reason: r, Detail: detail}
}
