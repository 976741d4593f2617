package backuptest

import (
	"bytes"
	"crypto/aes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing/fstest"

	"howett.net/plist"

	"github.com/iosbackup/iosbackup/internal/plistsafe"
)

// ErrNotFound reports a file that the damage helpers could not find.
var ErrNotFound = errors.New("backuptest: file not found")

// Tree is a built backup that the damage helpers can modify: a MapFS
// (InMap) or a folder (InDir). Names are slash paths relative to the root.
type Tree interface {
	ReadFile(name string) ([]byte, error)
	WriteFile(name string, data []byte) error
	Remove(name string) error
}

// InMap returns a Tree over m.
func InMap(m fstest.MapFS) Tree { return mapTree(m) }

// InDir returns a Tree over the folder dir.
func InDir(dir string) Tree { return dirTree(dir) }

type mapTree fstest.MapFS

func (m mapTree) ReadFile(name string) ([]byte, error) {
	f, ok := m[name]
	if !ok || f == nil || f.Mode.IsDir() {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	return bytes.Clone(f.Data), nil
}

func (m mapTree) WriteFile(name string, data []byte) error {
	if !fs.ValidPath(name) {
		return fmt.Errorf("%w: name %q", ErrOption, name)
	}
	f := &fstest.MapFile{Mode: 0o644}
	if old, ok := m[name]; ok && old != nil {
		c := *old
		f = &c
	}
	f.Data = bytes.Clone(data)
	m[name] = f
	return nil
}

func (m mapTree) Remove(name string) error {
	if _, ok := m[name]; !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	delete(m, name)
	return nil
}

type dirTree string

func (d dirTree) path(name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", fmt.Errorf("%w: name %q", ErrOption, name)
	}
	return filepath.Join(string(d), filepath.FromSlash(name)), nil
}

func (d dirTree) ReadFile(name string) ([]byte, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	return b, err
}

func (d dirTree) WriteFile(name string, data []byte) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}

func (d dirTree) Remove(name string) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	err = os.Remove(p)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	return err
}

// PayloadName returns the name of the payload of fileID in t: "xx/<id>"
// if present, else "<id>".
func PayloadName(t Tree, fileID string) (string, error) {
	if !safeName(fileID) {
		return "", fmt.Errorf("%w: fileID %q", ErrOption, fileID)
	}
	if len(fileID) >= 2 {
		n := fileID[:2] + "/" + fileID
		if _, err := t.ReadFile(n); err == nil {
			return n, nil
		}
	}
	if _, err := t.ReadFile(fileID); err != nil {
		return "", err
	}
	return fileID, nil
}

// TruncatePayload cuts the payload of fileID to n bytes.
func TruncatePayload(t Tree, fileID string, n int) error {
	name, err := PayloadName(t, fileID)
	if err != nil {
		return err
	}
	b, err := t.ReadFile(name)
	if err != nil {
		return err
	}
	if n < 0 || n > len(b) {
		return fmt.Errorf("%w: truncate %d of %d bytes", ErrOption, n, len(b))
	}
	return t.WriteFile(name, b[:n])
}

// RemovePayload deletes the payload of fileID.
func RemovePayload(t Tree, fileID string) error {
	name, err := PayloadName(t, fileID)
	if err != nil {
		return err
	}
	return t.Remove(name)
}

// ReplacePayload overwrites the payload of fileID with data.
func ReplacePayload(t Tree, fileID string, data []byte) error {
	name, err := PayloadName(t, fileID)
	if err != nil {
		return err
	}
	return t.WriteFile(name, data)
}

// CorruptPadding re-encrypts the payload of the encrypted entry fileID of
// r so that its last plaintext block ends with an invalid PKCS#7 pad
// (last byte 0x00); the bytes before the pad are kept.
func CorruptPadding(t Tree, r *Result, fileID string) error {
	e, ok := r.Entry(fileID)
	if !ok || e.FileKey == nil {
		return fmt.Errorf("%w: no encrypted entry %s", ErrNotFound, fileID)
	}
	name, err := PayloadName(t, fileID)
	if err != nil {
		return err
	}
	ct, err := t.ReadFile(name)
	if err != nil {
		return err
	}
	pt, err := decryptCBC(e.FileKey, ct)
	if err != nil {
		return err
	}
	if len(pt) < aes.BlockSize {
		return fmt.Errorf("%w: payload of %d bytes", ErrOption, len(pt))
	}
	pt[len(pt)-1] = 0
	ct, err = EncryptCBC(e.FileKey, pt, false)
	if err != nil {
		return err
	}
	return t.WriteFile(name, ct)
}

// Garbage returns n deterministic non-zero bytes that are neither a
// plist nor a SQLite header.
func Garbage(n int) []byte {
	out := make([]byte, n)
	x := uint32(0x9E3779B9)
	for i := range out {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		out[i] = byte(x) | 1
	}
	if n > 0 {
		out[0] = 0xEE
	}
	return out
}

// CorruptManifestDB replaces Manifest.db with 4096 garbage bytes.
func CorruptManifestDB(t Tree) error {
	if _, err := t.ReadFile("Manifest.db"); err != nil {
		return err
	}
	return t.WriteFile("Manifest.db", Garbage(4096))
}

// CorruptManifestPlist replaces Manifest.plist by a truncated binary
// plist header followed by garbage.
func CorruptManifestPlist(t Tree) error {
	return t.WriteFile("Manifest.plist", append([]byte("bplist00"), Garbage(64)...))
}

// TruncateFile cuts the root-relative file name to n bytes.
func TruncateFile(t Tree, name string, n int) error {
	b, err := t.ReadFile(name)
	if err != nil {
		return err
	}
	if n < 0 || n > len(b) {
		return fmt.Errorf("%w: truncate %d of %d bytes", ErrOption, n, len(b))
	}
	return t.WriteFile(name, b[:n])
}

// EditPlist decodes the plist name (binary or XML), lets edit change the
// top-level dictionary, and writes it back in binary form.
func EditPlist(t Tree, name string, edit func(map[string]any)) error {
	b, err := t.ReadFile(name)
	if err != nil {
		return err
	}
	var m map[string]any
	if _, err := plistsafe.Unmarshal(name, b, &m, plistsafe.DefaultLimits); err != nil {
		return fmt.Errorf("backuptest: %s: %w", name, err)
	}
	edit(m)
	out, err := plist.Marshal(m, plist.BinaryFormat)
	if err != nil {
		return fmt.Errorf("backuptest: %s: %w", name, err)
	}
	return t.WriteFile(name, out)
}

// ReplaceKeybag sets Manifest.plist BackupKeyBag to kb.
func ReplaceKeybag(t Tree, kb []byte) error {
	return EditPlist(t, "Manifest.plist", func(m map[string]any) { m["BackupKeyBag"] = kb })
}
