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
		fmt.Fprintln(os.Stderr, "usage: messages2json BACKUP > messages.jsonl  (password in $IBACKUP_PASSWORD)")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "messages2json:", err)
		os.Exit(1)
	}
}

func run(dir string, w io.Writer) error {
	b, err := backup.Open(dir)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.Unlock(context.Background(), os.Getenv("IBACKUP_PASSWORD")); err != nil { // no-op when not encrypted
		return err
	}
	db, err := records.OpenMessages(b) // sms.db and its -wal, decrypted in memory
	if err != nil {
		return err
	}
	defer db.Close()
	// Messages is an iter.Seq2[*records.Message, error]: a row that cannot
	// be read is yielded as an error and the export counts and skips it.
	_, err = export.JSONL(w, db.Messages(context.Background()))
	return err
}
