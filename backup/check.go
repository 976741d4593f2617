package backup

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"

	"github.com/iosbackup/iosbackup/internal/manifestdb"
	"github.com/iosbackup/iosbackup/manifest"
)

// Health is the result of Check.
type Health struct {
	SnapshotState string   `json:"snapshot_state"`     // from Status.plist; "" when missing
	SnapshotDir   bool     `json:"snapshot_folder"`    // a leftover Snapshot/ folder exists
	Problems      []string `json:"problems,omitempty"` // plist problems (missing Info.plist, ...)
	Entries       int      `json:"entries"`
	Files         int      `json:"files"`
	// Missing lists regular files with content whose payload is absent.
	Missing []*manifest.Entry `json:"-"`
	// SizeMismatch lists files whose stored size disagrees with the
	// recorded one (common and harmless for live databases).
	SizeMismatch []SizeMismatch `json:"-"`
	// LiveWAL lists, sorted, the databases (Domain/path names) backed up
	// together with a non-empty -wal file: their recent rows live in the
	// WAL.
	LiveWAL []string `json:"live_wal,omitempty"`
	// Unsafe lists entries whose domain, path or fileID would leave the
	// folder.
	Unsafe []*EntryError `json:"-"`
	// Undecodable lists entries whose metadata could not be decoded.
	Undecodable []*EntryError `json:"-"`
	// Inconsistent lists entries whose fileID is not the SHA-1 of their
	// domain and path, and repeated entries (same domain and path, or same
	// fileID): the manifest has been altered or damaged.
	Inconsistent []*EntryError `json:"-"`
	// SizesChecked is false when the backup was locked, so the real sizes
	// of encrypted files could only be estimated from the ciphertext.
	SizesChecked bool `json:"sizes_checked"`
}

// SizeMismatch is a file whose actual size differs from the recorded one.
type SizeMismatch struct {
	Entry    *manifest.Entry
	Recorded int64
	Actual   int64 // -1 when unknown
}

// Healthy reports whether the backup is complete and consistent:
// finished snapshot, no leftover Snapshot/ folder, no missing payload, no
// unsafe or undecodable entry. Size mismatches and live WAL files are
// informational.
func (h *Health) Healthy() bool {
	return h.SnapshotState == "finished" && !h.SnapshotDir && len(h.Missing) == 0 &&
		len(h.Unsafe) == 0 && len(h.Undecodable) == 0 && len(h.Inconsistent) == 0
}

// Check inspects the backup without changing it. Without the password it
// still checks everything but the exact sizes of encrypted files. It
// returns an error wrapping ErrFIPSOnly in FIPS 140-only mode, where the
// SHA-1 of the file IDs cannot be computed. When ctx is done it stops
// within a few hundred entries and returns what it found so far with
// ctx.Err().
func (b *Backup) Check(ctx context.Context) (*Health, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if _, err := manifestdb.ComputeFileID("", ""); err != nil {
		return nil, err // no SHA-1 (FIPS 140-only mode)
	}
	h := &Health{Problems: slices.Clone(b.info.Problems)}
	if b.info.Status != nil {
		h.SnapshotState = b.info.Status.SnapshotState
	}
	if st, err := fs.Stat(b.fsys, "Snapshot"); err == nil && st.IsDir() {
		h.SnapshotDir = true
	}
	unlocked := b.readable()
	h.SizesChecked = unlocked
	wals := map[string]*manifest.Entry{}
	names := map[string]bool{}
	seenIDs := map[string]bool{}
	seenNames := map[string]bool{}
	for e, err := range b.entries() {
		if err != nil {
			return h, err
		}
		if h.Entries%checkCtxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return h, err
			}
		}
		h.Entries++
		ee := func(err error) *EntryError {
			return &EntryError{Domain: e.Domain, Path: e.Path, FileID: e.FileID, Err: err}
		}
		if p := e.Problem(); p != "" {
			h.Unsafe = append(h.Unsafe, ee(errors.New(p)))
			continue
		}
		if e.Err != nil {
			h.Undecodable = append(h.Undecodable, ee(e.Err))
		}
		id, err := manifestdb.ComputeFileID(e.Domain, e.Path)
		if err != nil {
			return h, err // FIPS 140-only mode: checked before the loop
		}
		switch {
		case e.FileID != id:
			h.Inconsistent = append(h.Inconsistent, ee(errors.New("fileID is not the SHA-1 of domain-path")))
		case seenIDs[e.FileID] || seenNames[e.Domain+"\x00"+e.Path]:
			h.Inconsistent = append(h.Inconsistent, ee(errors.New("duplicate entry")))
		}
		seenIDs[e.FileID] = true
		seenNames[e.Domain+"\x00"+e.Path] = true
		if e.Kind != manifest.File {
			continue
		}
		h.Files++
		names[e.Name()] = true
		if strings.HasSuffix(e.Path, "-wal") && e.Size > 0 {
			wals[strings.TrimSuffix(e.Name(), "-wal")] = e
		}
		_, st, err := b.payloadName(e)
		if err != nil {
			if errors.Is(err, ErrMissingPayload) && e.Size > 0 {
				h.Missing = append(h.Missing, e)
			} else if errors.Is(err, ErrNotRegular) {
				h.Undecodable = append(h.Undecodable, ee(err))
			}
			continue
		}
		actual := st.Size()
		if b.info.Encrypted && e.WrappedKey != nil {
			if unlocked {
				n, err := b.plainSize(e)
				if err != nil {
					h.Undecodable = append(h.Undecodable, ee(err))
					continue
				}
				actual = n
			} else {
				// Ciphertext is the plaintext rounded up to the next block.
				if actual != (e.Size/16+1)*16 {
					h.SizeMismatch = append(h.SizeMismatch, SizeMismatch{Entry: e, Recorded: e.Size, Actual: -1})
				}
				continue
			}
		}
		if actual != e.Size {
			h.SizeMismatch = append(h.SizeMismatch, SizeMismatch{Entry: e, Recorded: e.Size, Actual: actual})
		}
	}
	for db := range wals {
		if names[db] {
			h.LiveWAL = append(h.LiveWAL, db)
		}
	}
	slices.Sort(h.LiveWAL)
	return h, nil
}

// checkCtxEvery is how many entries Check handles between looks at its
// context (each may cost a payload read when the backup is unlocked).
const checkCtxEvery = 256
