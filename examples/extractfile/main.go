package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/iosbackup/iosbackup/backup"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: extractfile BACKUP Domain/relative/path OUTPUT  (password in $IBACKUP_PASSWORD)")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "extractfile:", err)
		os.Exit(1)
	}
}

func run(dir, name, out string) error {
	b, err := backup.Open(dir)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.Unlock(context.Background(), os.Getenv("IBACKUP_PASSWORD")); err != nil {
		return err
	}
	in, err := b.Open(name) // decrypts as it reads, in bounded memory
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, in)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out) // a truncated or corrupt payload: keep no partial copy
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: %d bytes\n", out, n)
	return nil
}
