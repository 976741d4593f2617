package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/iosbackup/iosbackup/backup"
	"github.com/iosbackup/iosbackup/records"
	"github.com/iosbackup/iosbackup/records/export"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: contacts2vcard BACKUP > contacts.vcf  (password in $IBACKUP_PASSWORD)")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "contacts2vcard:", err)
		os.Exit(1)
	}
}

func run(dir string, w io.Writer) error {
	b, err := backup.Open(dir) // reads the plists only
	if err != nil {
		return err
	}
	defer b.Close()
	if b.Encrypted() {
		if err := b.Unlock(context.Background(), os.Getenv("IBACKUP_PASSWORD")); err != nil {
			return err // backup.ErrIncorrectPassword, backup.ErrPasswordRequired, ...
		}
	}
	// The backup is an fs.FS; the address book is opened in memory.
	db, err := records.OpenContacts(b)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := export.VCard(w, db.Contacts(context.Background()))
	fmt.Fprintf(os.Stderr, "%d contacts written\n", st.Written)
	return err
}
