package backup

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/iosbackup/iosbackup/internal/backuptest"
)

// benchFiles is the content of the extraction benchmark backup: one
// 512 MiB file, 1,500 small files (2-12 KB) in 30 folders and 258 empty
// files, as a user's backup has.
func benchFiles() []backuptest.File {
	big := make([]byte, 512<<20)
	rand.Read(big[:1<<20])
	for i := 1 << 20; i < len(big); i += 1 << 20 {
		copy(big[i:], big[:1<<20])
	}
	files := []backuptest.File{{Domain: "CameraRollDomain", Path: "Media/DCIM/100APPLE/IMG_0001.MOV", Data: big}}
	for i := range 1500 {
		files = append(files, backuptest.File{Domain: "HomeDomain", Path: fmt.Sprintf("Library/Small/%02d/file%04d.plist", i%30, i),
			Data: bytes.Repeat([]byte{byte(i)}, 2000+i*7)})
	}
	for i := range 258 {
		files = append(files, backuptest.File{Domain: "AppDomain-com.example.app", Path: fmt.Sprintf("Documents/Empty/%02d/empty%03d", i%10, i)})
	}
	return files
}

// TestWriteBenchBackup writes the extraction benchmark backup to the
// folder named by IOSBACKUP_BENCH_OUT (and its saved key, 64 hex digits,
// to that name plus ".key"), for whole-process measurements:
//
//	IOSBACKUP_BENCH_OUT=/tmp/bench go test -run TestWriteBenchBackup ./backup
//
// With IOSBACKUP_BENCH_DPIC set it writes instead a small backup with that
// PBKDF2-SHA256 count (password "bench"), for unlock measurements; with
// IOSBACKUP_BENCH_SMALL=N, N small files (2-12 KB) in 300 folders. With
// IOSBACKUP_BENCH_PLAIN=1 the backup is not encrypted (no key file).
func TestWriteBenchBackup(t *testing.T) {
	out := os.Getenv("IOSBACKUP_BENCH_OUT")
	if out == "" {
		t.Skip("IOSBACKUP_BENCH_OUT not set")
	}
	opts := backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "bench", ParentDirs: true}
	plain := os.Getenv("IOSBACKUP_BENCH_PLAIN") == "1"
	if plain {
		opts.Encrypted, opts.Password = false, ""
	}
	var files []backuptest.File
	if d := os.Getenv("IOSBACKUP_BENCH_DPIC"); d != "" {
		if _, err := fmt.Sscan(d, &opts.DPIC); err != nil {
			t.Fatal(err)
		}
		files = []backuptest.File{{Domain: "HomeDomain", Path: "Library/a.txt", Data: []byte("hello")}}
	} else if n := os.Getenv("IOSBACKUP_BENCH_SMALL"); n != "" {
		var count int
		if _, err := fmt.Sscan(n, &count); err != nil {
			t.Fatal(err)
		}
		for i := range count {
			files = append(files, backuptest.File{Domain: "HomeDomain", Path: fmt.Sprintf("Library/Small/%03d/file%06d.plist", i%300, i),
				Data: bytes.Repeat([]byte{byte(i)}, 2000+i%1500*7)})
		}
	} else {
		files = benchFiles()
	}
	res, err := backuptest.Write(out, opts, files)
	if err != nil {
		t.Fatal(err)
	}
	if plain {
		return
	}
	if err := os.WriteFile(filepath.Clean(out)+".key", []byte(hex.EncodeToString(res.KEK)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}
