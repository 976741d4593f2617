package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/iosbackup/iosbackup/backup"
	"github.com/iosbackup/iosbackup/manifest"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: listapps BACKUP  (password in $IBACKUP_PASSWORD)")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "listapps:", err)
		os.Exit(1)
	}
}

func run(dir string, w io.Writer) error {
	b, err := backup.Open(dir)
	if err != nil {
		return err
	}
	defer b.Close()
	info := b.Info() // from the plists: no password needed
	fmt.Fprintf(w, "%s, iOS %s, %d apps installed\n", info.DeviceName, info.ProductVersion, len(info.InstalledApps))

	if info.ManifestEncrypted {
		if err := b.Unlock(context.Background(), os.Getenv("IBACKUP_PASSWORD")); err != nil {
			return err
		}
	}
	type usage struct {
		files int
		bytes int64
	}
	apps := map[string]*usage{}
	for _, id := range info.InstalledApps {
		apps[id] = &usage{}
	}
	for e, err := range b.Entries() {
		if err != nil {
			return err
		}
		// App data lives in AppDomain-<bundle id> (and the app's groups and
		// plugins in AppDomainGroup-… and AppDomainPlugin-…).
		id, ok := strings.CutPrefix(e.Domain, "AppDomain-")
		if !ok || e.Kind != manifest.File {
			continue
		}
		if apps[id] == nil {
			apps[id] = &usage{}
		}
		apps[id].files++
		apps[id].bytes += e.Size
	}
	ids := make([]string, 0, len(apps))
	for id := range apps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(w, "%-40s %5d files %10d bytes\n", id, apps[id].files, apps[id].bytes)
	}
	return nil
}
