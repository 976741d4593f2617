package manifest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/iosbackup/iosbackup/backup"
	"github.com/iosbackup/iosbackup/manifest"
)

// demoBackup is the encrypted sample backup that `ibackup demo` embeds,
// committed in the repository (password "ibackup-demo").
const demoBackup = "../cmd/ibackup/testdata/demo"

func ExampleEntry() {
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
	var e *manifest.Entry = &f.Entry // a *backup.File is a manifest entry that can be opened
	fmt.Println(e.Name())
	fmt.Println(e.FileID, e.Kind, e.FileMode(), e.Encrypted(), e.Problem() == "")
	// Output:
	// HomeDomain/Library/SMS/sms.db
	// 3d0d7e5fb2ce288813306e4d4636395e047a3d28 file -rw-r--r-- true true
}

func ExampleEntry_Problem() {
	// A manifest row as a hostile backup could hold it.
	e := manifest.Entry{
		FileID: "3d0d7e5fb2ce288813306e4d4636395e047a3d28",
		Domain: "HomeDomain",
		Path:   "../../etc/passwd",
		Kind:   manifest.File,
	}
	fmt.Println(e.Problem())
	// Output: unsafe relative path "../../etc/passwd"
}
