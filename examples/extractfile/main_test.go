package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/iosbackup/iosbackup/internal/demobuild"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	if _, err := demobuild.Write(dir, demobuild.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("IBACKUP_PASSWORD", demobuild.Password)
	out := filepath.Join(t.TempDir(), "map.png")
	if err := run(dir, demobuild.ImageDomain+"/"+demobuild.ImagePath, out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, demobuild.Image()) {
		t.Errorf("extracted %d bytes, not the %d of the image", len(got), len(demobuild.Image()))
	}
	if err := run(dir, "HomeDomain/no/such/file", filepath.Join(t.TempDir(), "x")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
}
