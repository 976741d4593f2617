package backup_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"

	"github.com/iosbackup/iosbackup/backup"
	"github.com/iosbackup/iosbackup/manifest"
)

// demoBackup is the encrypted sample backup that `ibackup demo` embeds,
// committed in the repository (password "ibackup-demo").
const demoBackup = "../cmd/ibackup/testdata/demo"

func Example() {
	b, err := backup.Open(demoBackup)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	info := b.Info()
	fmt.Println(info.DeviceName, info.ProductVersion, b.Encrypted())

	if err := b.Unlock(context.Background(), "ibackup-demo"); err != nil {
		log.Fatal(err)
	}
	data, err := fs.ReadFile(b, "HomeDomain/Library/SMS/sms.db")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q\n", data[:16])
	// Output:
	// Demo iPhone 17.5.1 true
	// "SQLite format 3\x00"
}

func ExampleBackup_Unlock() {
	b, err := backup.Open(demoBackup)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	err = b.Unlock(context.Background(), "wrong")
	fmt.Println(err)
	// Output: backup: incorrect password
}

func ExampleBackup_Extract() {
	b, err := backup.Open(demoBackup)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	if err := b.Unlock(context.Background(), "ibackup-demo"); err != nil {
		log.Fatal(err)
	}
	dest, err := os.MkdirTemp("", "extract")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dest)
	rep, err := b.Extract(context.Background(), dest, &backup.ExtractOptions{
		Filter: func(e *manifest.Entry) bool { return e.Domain == "HomeDomain" },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep.Files, "files,", len(rep.Failed), "failed")
	// Output: 4 files, 0 failed
}

func ExampleFile_Open() {
	b, err := backup.Open(demoBackup)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	if err := b.Unlock(context.Background(), "ibackup-demo"); err != nil {
		log.Fatal(err)
	}
	f, err := b.Lookup("HomeDomain", "Library/SMS/sms.db")
	if err != nil {
		log.Fatal(err)
	}
	rc, err := f.Open()
	if err != nil {
		log.Fatal(err)
	}
	defer rc.Close()
	head := make([]byte, 16)
	if _, err := io.ReadFull(rc, head); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %s %q\n", f.FileID, f.Kind, head)
	// Output: 3d0d7e5fb2ce288813306e4d4636395e047a3d28 file "SQLite format 3\x00"
}

func ExampleBackup_Entries() {
	b, err := backup.Open(demoBackup)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	if err := b.Unlock(context.Background(), "ibackup-demo"); err != nil {
		log.Fatal(err)
	}
	files := 0
	for f, err := range b.Entries() {
		if err != nil {
			log.Fatal(err)
		}
		if f.Kind == manifest.File && f.Domain == "HomeDomain" {
			files++
		}
	}
	fmt.Println(files, "files in HomeDomain")
	// Output: 4 files in HomeDomain
}

func ExampleFind() {
	// The folder that holds the demo backup; on a computer,
	// backup.DefaultDirs() are where iTunes and Finder keep them.
	for f, err := range backup.Find("../cmd/ibackup/testdata") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(filepath.Base(f.Dir), f.Info.DeviceName, f.Info.ProductVersion, f.Info.Encrypted)
	}
	// Output: demo Demo iPhone 17.5.1 true
}

func ExampleBackup_Check() {
	b, err := backup.Open(demoBackup)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	if err := b.Unlock(context.Background(), "ibackup-demo"); err != nil {
		log.Fatal(err)
	}
	h, err := b.Check(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.Healthy(), h.Files, "files,", len(h.Missing), "missing")
	// Output: true 7 files, 0 missing
}
