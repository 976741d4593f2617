package backup_test

import (
	"context"
	"fmt"
	"io/fs"
	"log"
	"os"

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
