package backup

import (
	"errors"
	"iter"
	"os"
	"path/filepath"
	"runtime"
)

// DefaultDirs returns the folders where iTunes, Finder and Apple Devices
// keep the backups of this computer: on macOS
// ~/Library/Application Support/MobileSync/Backup; on Windows
// %APPDATA%\Apple Computer\MobileSync\Backup (iTunes) and
// %USERPROFILE%\Apple\MobileSync\Backup (the Microsoft Store's iTunes and
// Apple Devices). There are none on other systems. The folders need not
// exist.
func DefaultDirs() []string {
	return defaultDirs(runtime.GOOS, os.Getenv, os.UserHomeDir)
}

func defaultDirs(goos string, getenv func(string) string, home func() (string, error)) []string {
	var dirs []string
	switch goos {
	case "darwin":
		if h, err := home(); err == nil && h != "" {
			dirs = append(dirs, filepath.Join(h, "Library", "Application Support", "MobileSync", "Backup"))
		}
	case "windows":
		if d := getenv("APPDATA"); d != "" {
			dirs = append(dirs, filepath.Join(d, "Apple Computer", "MobileSync", "Backup"))
		}
		if d := getenv("USERPROFILE"); d != "" {
			dirs = append(dirs, filepath.Join(d, "Apple", "MobileSync", "Backup"))
		}
	}
	return dirs
}

// Found is a backup folder found by Find.
type Found struct {
	Dir  string // the backup folder
	Info *Info  // its facts (read without a password); nil with an error
}

// Find yields the backups in dir, as iTunes and Finder lay them out (one
// folder per device): dir itself when it is a backup folder, then each of
// its sub-folders that is one, in name order. Only the root plists of each
// are read. Folders that are not backups (no Manifest.plist, Manifest.db
// or Manifest.mbdb) are passed over; a backup folder that cannot be read
// (a malformed Manifest.plist, no permission) is yielded with its error
// and a nil Info. When dir itself cannot be listed, Find yields a nil
// *Found with the error and stops. Symbolic links to folders are not
// followed.
func Find(dir string) iter.Seq2[*Found, error] {
	return func(yield func(*Found, error) bool) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			yield(nil, err)
			return
		}
		if f := probe(dir); f != nil && !yield(f.found, f.err) {
			return
		}
		for _, e := range ents {
			if !e.IsDir() {
				continue
			}
			if f := probe(filepath.Join(dir, e.Name())); f != nil && !yield(f.found, f.err) {
				return
			}
		}
	}
}

type probed struct {
	found *Found
	err   error
}

// probe opens dir as a backup: nil when it is not one.
func probe(dir string) *probed {
	b, err := Open(dir)
	if errors.Is(err, ErrNotBackup) {
		return nil
	}
	if err != nil {
		return &probed{&Found{Dir: dir}, err}
	}
	defer b.Close()
	return &probed{&Found{Dir: dir, Info: b.Info()}, nil}
}
