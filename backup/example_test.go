package backup_test

import (
	"context"
	"fmt"
	"io/fs"
	"log"
	"os"

	"github.com/iosbackup/iosbackup/backup"
	"github.com/iosbackup/iosbackup/internal/backuptest"
)

// exampleBackup writes a small encrypted synthetic backup.
func exampleBackup() string {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	_, err = backuptest.Write(dir, backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "secret",
		Device: backuptest.DeviceInfo{Name: "Example iPhone", ProductVersion: "17.5"}},
		[]backuptest.File{{Domain: "HomeDomain", Path: "Library/Notes/hello.txt", Data: []byte("Hello from the phone")}})
	if err != nil {
		log.Fatal(err)
	}
	return dir
}

func Example() {
	dir := exampleBackup()
	defer os.RemoveAll(dir)

	b, err := backup.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	fmt.Println(b.Info().DeviceName, b.Info().ProductVersion, b.Encrypted())

	if err := b.Unlock("secret"); err != nil {
		log.Fatal(err)
	}
	data, err := fs.ReadFile(b, "HomeDomain/Library/Notes/hello.txt")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(data))
	// Output:
	// Example iPhone 17.5 true
	// Hello from the phone
}

func ExampleBackup_Unlock() {
	dir := exampleBackup()
	defer os.RemoveAll(dir)
	b, _ := backup.Open(dir)
	defer b.Close()

	err := b.Unlock("wrong")
	fmt.Println(err)
	// Output: backup: incorrect password
}

func ExampleBackup_Extract() {
	dir := exampleBackup()
	defer os.RemoveAll(dir)
	b, _ := backup.Open(dir)
	defer b.Close()
	if err := b.Unlock("secret"); err != nil {
		log.Fatal(err)
	}
	dest, _ := os.MkdirTemp("", "extract")
	defer os.RemoveAll(dest)
	rep, err := b.Extract(context.Background(), dest, &backup.ExtractOptions{Workers: 2})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep.Files, "files,", rep.Bytes, "bytes,", len(rep.Failed), "failed")
	// Output: 1 files, 20 bytes, 0 failed
}
