package main

import (
	"encoding/hex"
	"fmt"
)

func (a *app) key(args []string) error {
	fset := a.newFlags("key")
	var sec secrets
	sec.register(fset)
	out := fset.String("out", "", "write the key to this file (mode 0600) instead of standard output")
	pos, err := a.parse(fset, args, 1, 1)
	if err != nil {
		return err
	}
	dir := pos[0]
	b, err := openBackup(dir)
	if err != nil {
		return err
	}
	defer b.Close()
	if !b.Encrypted() {
		return fail(exitPartial, "backup %s is not encrypted; it needs no key", dir)
	}
	if err := a.unlock(b, dir, &sec, true); err != nil {
		return err
	}
	key := b.DerivedKey()
	defer clear(key)
	line := []byte(hex.EncodeToString(key) + "\n")
	defer clear(line)
	if *out == "" {
		_, err := a.stdout.Write(line)
		return err
	}
	if err := writeFileAtomic(*out, line); err != nil {
		return fail(exitPartial, "cannot write the key to %s: %v", *out, unwrapPath(err))
	}
	a.warnf("wrote the derived key to %s; use it with --key-file %s (keep it secret: it opens the backup)", *out, *out)
	return nil
}

func (a *app) hash(args []string) error {
	fset := a.newFlags("hash")
	pos, err := a.parse(fset, args, 1, 1)
	if err != nil {
		return err
	}
	dir := pos[0]
	b, err := openBackup(dir)
	if err != nil {
		return err
	}
	defer b.Close()
	if !b.Encrypted() {
		return fail(exitPartial, "backup %s is not encrypted; there is no password to recover", dir)
	}
	line, err := b.HashLine()
	if err != nil {
		return backupError(dir, err)
	}
	fmt.Fprintln(a.stdout, line)
	return nil
}

func (a *app) check(args []string) error {
	fset := a.newFlags("check")
	var sec secrets
	sec.register(fset)
	pos, err := a.parse(fset, args, 1, 1)
	if err != nil {
		return err
	}
	dir := pos[0]
	b, err := openBackup(dir)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := a.unlock(b, dir, &sec, b.Info().ManifestEncrypted); err != nil {
		return err
	}
	h, err := b.Check(a.ctx)
	if err != nil {
		return backupError(dir, err)
	}
	w := a.stdout
	linef(w, "Backup:           %s", dir)
	state := h.SnapshotState
	switch {
	case state == "":
		state = "unknown (no Status.plist)"
	case state != "finished":
		state += " (the backup did not finish)"
	}
	linef(w, "Snapshot state:   %s", state)
	if h.SnapshotDir {
		linef(w, "Snapshot folder:  present (a leftover of an interrupted backup)")
	} else {
		linef(w, "Snapshot folder:  none")
	}
	linef(w, "Entries:          %d (%d files)", h.Entries, h.Files)
	for _, p := range h.Problems {
		linef(w, "Problem:          %s", p)
	}
	linef(w, "Missing payloads: %d", len(h.Missing))
	for _, e := range h.Missing {
		linef(w, "  %s/%s (%s)", e.Domain, e.Path, e.FileID)
	}
	linef(w, "Unsafe entries:   %d", len(h.Unsafe))
	for _, e := range h.Unsafe {
		linef(w, "  %q/%q (%s): %v", e.Domain, e.Path, e.FileID, e.Err)
	}
	linef(w, "Undecodable:      %d", len(h.Undecodable))
	for _, e := range h.Undecodable {
		linef(w, "  %s/%s (%s): %v", e.Domain, e.Path, e.FileID, e.Err)
	}
	fmt.Fprintf(w, "Inconsistent:     %d\n", len(h.Inconsistent))
	for _, e := range h.Inconsistent {
		fmt.Fprintf(w, "  %q/%q (%s): %v\n", e.Domain, e.Path, e.FileID, e.Err)
	}
	sizes := ""
	if !h.SizesChecked {
		sizes = " (estimated: the backup is locked)"
	}
	linef(w, "Size mismatches:  %d%s", len(h.SizeMismatch), sizes)
	for _, m := range h.SizeMismatch {
		actual := "unknown"
		if m.Actual >= 0 {
			actual = fmt.Sprint(m.Actual)
		}
		linef(w, "  %s/%s: recorded %d, actual %s", m.Entry.Domain, m.Entry.Path, m.Recorded, actual)
	}
	linef(w, "Live WAL files:   %d", len(h.LiveWAL))
	for _, n := range h.LiveWAL {
		linef(w, "  %s (recent rows are in %s-wal; ibackup reads both)", n, n)
	}
	if h.Healthy() {
		linef(w, "Healthy:          yes")
		return nil
	}
	linef(w, "Healthy:          no")
	return fail(exitPartial, "backup %s is not healthy (see the report above); files that are present can still be read", dir)
}
