package main

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/iosbackup/iosbackup/backup"
	"github.com/iosbackup/iosbackup/records"
	"github.com/iosbackup/iosbackup/records/export"
)

// demoData is the sample backup, written by internal/gendemo (go generate).
//
//go:embed testdata/demo
var demoData embed.FS

// demoPassword is the sample backup's password (also in README.md).
const demoPassword = "ibackup-demo"

// demoFS returns the sample backup's folder as a file system.
func demoFS() fs.FS {
	sub, err := fs.Sub(demoData, "testdata/demo")
	if err != nil {
		panic(err) // "testdata/demo" is a valid constant name
	}
	return sub
}

func (a *app) demo(args []string) error {
	fset := a.newFlags("demo")
	out := fset.String("out", "", "write the sample backup (encrypted, as stored) to this new folder instead of running the tour")
	if _, err := a.parse(fset, args, 0, 0); err != nil {
		return err
	}
	if *out != "" {
		if err := writeDemo(*out); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "wrote the sample backup to %s; its password is %q\n", *out, demoPassword)
		return nil
	}

	// The tour reads the sample straight from the binary: nothing is
	// copied, decrypted or written to disk.
	b, err := backup.New(demoFS())
	if err != nil {
		return fmt.Errorf("demo backup: %w", err)
	}
	defer b.Close()
	w := a.stdout
	section := func(cmd, title string) {
		fmt.Fprintf(w, "\n────── %s ──────\n$ ibackup %s\n\n", title, cmd)
	}
	fmt.Fprintf(w, "A tour of ibackup on a small sample backup built into the program.\n")
	fmt.Fprintf(w, "Everything in it is invented. It is encrypted with the password %q.\n", demoPassword)

	section("info BACKUP", "the device (no password needed)")
	a.printInfo("(sample backup)", b.Info())

	if err := b.Unlock(a.ctx, demoPassword); err != nil {
		return fmt.Errorf("demo backup: %w", err)
	}
	names := func(string) string { return "" }
	loc, _ := zoneFlag("")
	section("contacts BACKUP --format text", "contacts")
	cdb, err := records.OpenContacts(b)
	if err != nil {
		return fmt.Errorf("demo backup: %w", err)
	}
	if r, err := records.NewResolver(cdb.Contacts(a.ctx)); err == nil {
		names = r.Name
	}
	if _, err := export.ContactsText(w, cdb.Contacts(a.ctx)); err != nil {
		return err
	}
	cdb.Close()

	section("messages BACKUP --format text", "messages")
	mdb, err := records.OpenMessages(b)
	if err != nil {
		return fmt.Errorf("demo backup: %w", err)
	}
	chats, _ := mdb.Chats()
	if _, err := export.MessagesText(w, mdb.Messages(a.ctx), export.TextOptions{Names: names, Location: loc, Chats: chats}); err != nil {
		return err
	}
	mdb.Close()

	section("calls BACKUP --format text", "calls")
	kdb, err := records.OpenCalls(b)
	if err != nil {
		return fmt.Errorf("demo backup: %w", err)
	}
	if _, err := export.CallsText(w, kdb.Calls(a.ctx), export.TextOptions{Names: names, Location: loc}); err != nil {
		return err
	}
	kdb.Close()

	section("calendar BACKUP --format text", "calendar")
	edb, err := records.OpenCalendar(b)
	if err != nil {
		return fmt.Errorf("demo backup: %w", err)
	}
	if _, err := export.EventsText(w, edb.Events(a.ctx)); err != nil {
		return err
	}
	edb.Close()

	section("reminders BACKUP --format text", "reminders")
	rdb, err := records.OpenReminders(b)
	if err != nil {
		return fmt.Errorf("demo backup: %w", err)
	}
	if _, err := export.RemindersText(w, rdb.Reminders(a.ctx)); err != nil {
		return err
	}
	rdb.Close()

	fmt.Fprintf(w, `
────── now try it yourself ──────
  go build -o ibackup ./cmd/ibackup
  ./ibackup demo --out sample                # the sample backup as a folder
  export IBACKUP_PASSWORD=%s
  ./ibackup info sample
  ./ibackup messages sample --format html --out transcript   # open transcript/index.html
  ./ibackup contacts sample --format vcf > contacts.vcf
  ./ibackup calendar sample --format ics --out calendars     # one .ics file per calendar
  ./ibackup extract sample extracted
  ./ibackup list                             # your own backups (macOS, Windows)
Then run the same commands on your own backup folder.
`, demoPassword)
	return nil
}

// writeDemo copies the embedded sample backup into the new folder dir.
func writeDemo(dir string) error {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return usageErr("%s exists and is not empty; give a new folder", dir)
	}
	err := fs.WalkDir(demoFS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		data, err := fs.ReadFile(demoFS(), name)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o600)
	})
	if err != nil {
		return fail(exitPartial, "cannot write the sample backup to %s: %v", dir, unwrapPath(err))
	}
	return nil
}
