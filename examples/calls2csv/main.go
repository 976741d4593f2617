package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/iosbackup/iosbackup/backup"
	"github.com/iosbackup/iosbackup/records"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: calls2csv BACKUP > calls.csv  (password in $IBACKUP_PASSWORD)")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "calls2csv:", err)
		os.Exit(1)
	}
}

func run(dir string, w io.Writer) error {
	b, err := backup.Open(dir)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.Unlock(context.Background(), os.Getenv("IBACKUP_PASSWORD")); err != nil {
		return err
	}

	// Names come from the address book, when the backup has one.
	names := func(string) string { return "" }
	if contacts, err := records.OpenContacts(b); err == nil {
		r, _ := records.NewResolver(contacts.Contacts(context.Background()))
		names = r.Name
		contacts.Close()
	}

	calls, err := records.OpenCalls(b)
	if err != nil {
		return err
	}
	defer calls.Close()
	cw := csv.NewWriter(w)
	cw.Write([]string{"date", "direction", "type", "number", "name", "seconds"})
	for c, err := range calls.Calls(context.Background()) {
		if err != nil {
			fmt.Fprintln(os.Stderr, "skipped:", err) // one bad row; the others go on
			continue
		}
		dir := "incoming"
		if c.Outgoing {
			dir = "outgoing"
		} else if c.Missed {
			dir = "missed"
		}
		date := ""
		if c.Date != nil {
			date = c.Date.Format("2006-01-02 15:04:05Z07:00")
		}
		name := c.Name
		if name == "" {
			name = names(c.Address)
		}
		cw.Write([]string{date, dir, string(c.Type), c.Address, name, strconv.FormatFloat(c.Duration, 'f', -1, 64)})
	}
	cw.Flush()
	return cw.Error()
}
