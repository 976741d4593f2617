package manifest_test

import (
	"fmt"

	"github.com/iosbackup/iosbackup/internal/backuptest"
	"github.com/iosbackup/iosbackup/manifest"
)

func ExampleParseMBDB() {
	// The Manifest.mbdb of a small synthetic iOS 9 backup.
	_, res, err := backuptest.Build(backuptest.Options{Era: backuptest.EraMBDB, NoDomainRoots: true},
		[]backuptest.File{{Domain: "HomeDomain", Path: "Library/SMS/sms.db", Data: make([]byte, 4096)}})
	if err != nil {
		fmt.Println(err)
		return
	}
	entries, err := manifest.ParseMBDB(res.MBDB)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range entries {
		fmt.Println(e.FileID, e.Name(), e.Kind, e.Size)
	}
	// Output: 3d0d7e5fb2ce288813306e4d4636395e047a3d28 HomeDomain/Library/SMS/sms.db file 4096
}
