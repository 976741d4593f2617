package main

import (
	"encoding/hex"
	"fmt"
	"os"
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
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fail(exitPartial, "cannot write the key to %s: %v", *out, unwrapPath(err))
	}
	// The file may have existed with wider permissions.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fail(exitPartial, "cannot restrict the permissions of %s: %v", *out, unwrapPath(err))
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return fail(exitPartial, "cannot write the key to %s: %v", *out, unwrapPath(err))
	}
	if err := f.Close(); err != nil {
		return fail(exitPartial, "cannot write the key to %s: %v", *out, unwrapPath(err))
	}
	fmt.Fprintf(a.stderr, "ibackup: wrote the derived key to %s; use it with --key-file %s (keep it secret: it opens the backup)\n", *out, *out)
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
	h, err := b.Check()
	if err != nil {
		return backupError(dir, err)
	}
	w := a.stdout
	fmt.Fprintf(w, "Backup:           %s\n", dir)
	state := h.SnapshotState
	switch {
	case state == "":
		state = "unknown (no Status.plist)"
	case state != "finished":
		state += " (the backup did not finish)"
	}
	fmt.Fprintf(w, "Snapshot state:   %s\n", state)
	if h.SnapshotDir {
		fmt.Fprintf(w, "Snapshot folder:  present (a leftover of an interrupted backup)\n")
	} else {
		fmt.Fprintf(w, "Snapshot folder:  none\n")
	}
	fmt.Fprintf(w, "Entries:          %d (%d files)\n", h.Entries, h.Files)
	for _, p := range h.Problems {
		fmt.Fprintf(w, "Problem:          %s\n", p)
	}
	fmt.Fprintf(w, "Missing payloads: %d\n", len(h.Missing))
	for _, e := range h.Missing {
		fmt.Fprintf(w, "  %s/%s (%s)\n", e.Domain, e.Path, e.FileID)
	}
	fmt.Fprintf(w, "Unsafe entries:   %d\n", len(h.Unsafe))
	for _, e := range h.Unsafe {
		fmt.Fprintf(w, "  %q/%q (%s): %v\n", e.Domain, e.Path, e.FileID, e.Err)
	}
	fmt.Fprintf(w, "Undecodable:      %d\n", len(h.Undecodable))
	for _, e := range h.Undecodable {
		fmt.Fprintf(w, "  %s/%s (%s): %v\n", e.Domain, e.Path, e.FileID, e.Err)
	}
	fmt.Fprintf(w, "Inconsistent:     %d\n", len(h.Inconsistent))
	for _, e := range h.Inconsistent {
		fmt.Fprintf(w, "  %q/%q (%s): %v\n", e.Domain, e.Path, e.FileID, e.Err)
	}
	sizes := ""
	if !h.SizesChecked {
		sizes = " (estimated: the backup is locked)"
	}
	fmt.Fprintf(w, "Size mismatches:  %d%s\n", len(h.SizeMismatch), sizes)
	for _, m := range h.SizeMismatch {
		actual := "unknown"
		if m.Actual >= 0 {
			actual = fmt.Sprint(m.Actual)
		}
		fmt.Fprintf(w, "  %s/%s: recorded %d, actual %s\n", m.Entry.Domain, m.Entry.Path, m.Recorded, actual)
	}
	fmt.Fprintf(w, "Live WAL files:   %d\n", len(h.LiveWAL))
	for _, n := range h.LiveWAL {
		fmt.Fprintf(w, "  %s (recent rows are in %s-wal; ibackup reads both)\n", n, n)
	}
	if h.Healthy() {
		fmt.Fprintf(w, "Healthy:          yes\n")
		return nil
	}
	fmt.Fprintf(w, "Healthy:          no\n")
	return fail(exitPartial, "backup %s is not healthy (see the report above); files that are present can still be read", dir)
}
