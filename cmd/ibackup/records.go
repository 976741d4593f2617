package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"strings"

	"github.com/iosbackup/iosbackup/backup"
	"github.com/iosbackup/iosbackup/records"
	"github.com/iosbackup/iosbackup/records/export"
)

// recordFlags are the flags shared by contacts, messages and calls.
type recordFlags struct {
	secrets
	db       string
	contacts string
	format   string
	out      string
	chat     string
}

func (r *recordFlags) register(fset *flag.FlagSet, formats string, withNames bool) {
	r.secrets.register(fset)
	fset.StringVar(&r.db, "db", "", "read this bare database file (and its -wal beside it) instead of a backup")
	fset.StringVar(&r.format, "format", "jsonl", "output format: "+formats)
	fset.StringVar(&r.out, "out", "", "write to this file instead of standard output")
	if withNames {
		fset.StringVar(&r.contacts, "contacts", "", "with --db: an AddressBook.sqlitedb whose names replace phone numbers")
	}
}

// source is where records come from: an unlocked backup, or a bare
// database given with --db.
type source struct {
	dir string         // the backup folder, "" with --db
	b   *backup.Backup // nil with --db
	fl  *recordFlags
}

// openSource parses the positional arguments of a record command.
func (a *app) openSource(fl *recordFlags, pos []string) (*source, error) {
	switch {
	case fl.db != "" && len(pos) > 0:
		return nil, usageErr("give either BACKUP or --db FILE, not both")
	case fl.db == "" && len(pos) == 0:
		return nil, usageErr("missing BACKUP (or --db FILE)")
	case len(pos) > 1:
		return nil, usageErr("unexpected argument %q", pos[1])
	}
	if fl.db != "" {
		if fl.keyFile != "" || fl.passwordFile != "" {
			return nil, usageErr("--db reads a plain database: --key-file and --password-file do not apply")
		}
		return &source{fl: fl}, nil
	}
	if fl.contacts != "" {
		return nil, usageErr("--contacts is for --db; a backup's own address book is used for names")
	}
	b, err := openBackup(pos[0])
	if err != nil {
		return nil, err
	}
	if err := a.unlock(b, pos[0], &fl.secrets, true); err != nil {
		b.Close()
		return nil, err
	}
	return &source{dir: pos[0], b: b, fl: fl}, nil
}

func (s *source) close() {
	if s.b != nil {
		s.b.Close()
	}
}

// dbError describes a failure to open a record database.
func (s *source) dbError(what string, err error) error {
	if s.b == nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, records.ErrNotFound) {
			return fail(exitBackup, "%s does not exist; give the path of the %s database", s.fl.db, what)
		}
		return fail(exitBackup, "cannot read %s as the %s database: %v", s.fl.db, what, err)
	}
	if errors.Is(err, records.ErrNotFound) {
		return fail(exitPartial, "backup %s holds no %s database", s.dir, what)
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	if errors.Is(err, backup.ErrMissingPayload) || errors.Is(err, backup.ErrCorruptPayload) {
		return fail(exitBackup, "the %s database of backup %s is damaged (%v); run 'ibackup check %s'", what, s.dir, reason(err), s.dir)
	}
	if e := backupError(s.dir, err); e != err {
		return e
	}
	return fail(exitBackup, "cannot read the %s database of backup %s: %v", what, s.dir, err)
}

// names returns a function giving the contact name of a phone number or
// email, from the backup's address book or --contacts; nil when there is
// none.
func (s *source) names() func(string) string {
	var cdb *records.ContactDB
	var err error
	switch {
	case s.b != nil:
		cdb, err = records.OpenContacts(s.b)
	case s.fl.contacts != "":
		cdb, err = records.OpenContactsFile(s.fl.contacts)
	default:
		return nil
	}
	if err != nil {
		return nil
	}
	defer cdb.Close()
	r, _ := records.NewResolver(cdb.Contacts())
	return r.Name
}

// output opens --out (mode 0600: it holds personal data) or returns
// standard output.
func (a *app) output(name string) (io.Writer, func() error, error) {
	if name == "" || name == "-" {
		return a.stdout, func() error { return nil }, nil
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, nil, fail(exitPartial, "cannot create %s: %v", name, unwrapPath(err))
	}
	return f, f.Close, nil
}

// finish reports an export's outcome.
func (a *app) finish(what string, st export.Stats, err error, closeOut func() error) error {
	cerr := closeOut()
	if errors.Is(err, export.ErrOutput) || (err == nil && cerr != nil) {
		if cerr != nil && err == nil {
			err = cerr
		}
		return fail(exitPartial, "writing the %s failed: %v", what, firstLine(err))
	}
	if st.Missing > 0 {
		fmt.Fprintf(a.stderr, "ibackup: %d attachments are not in the backup; they are marked missing\n", st.Missing)
	}
	if st.Failed > 0 {
		for _, e := range st.Errors {
			a.warnf("skipped: %v", e)
		}
		return fail(exitPartial, "%d %s could not be read and were skipped; the other %d were written", st.Failed, what, st.Written)
	}
	return nil
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

func badFormat(f, formats string) error {
	return usageErr("unknown format %q; use one of %s", f, formats)
}

func (a *app) contacts(args []string) error {
	const formats = "jsonl, csv, vcf, text"
	fset := a.newFlags("contacts")
	var fl recordFlags
	fl.register(fset, formats, false)
	pos, err := a.parse(fset, args, 0, -1)
	if err != nil {
		return err
	}
	switch fl.format {
	case "jsonl", "csv", "vcf", "vcard", "text":
	default:
		return badFormat(fl.format, formats)
	}
	src, err := a.openSource(&fl, pos)
	if err != nil {
		return err
	}
	defer src.close()
	var db *records.ContactDB
	if src.b != nil {
		db, err = records.OpenContacts(src.b)
	} else {
		db, err = records.OpenContactsFile(fl.db)
	}
	if err != nil {
		return src.dbError("address book", err)
	}
	defer db.Close()
	w, closeOut, err := a.output(fl.out)
	if err != nil {
		return err
	}
	var st export.Stats
	switch fl.format {
	case "jsonl":
		st, err = export.JSONL(w, db.Contacts())
	case "csv":
		st, err = export.ContactsCSV(w, db.Contacts())
	case "vcf", "vcard":
		st, err = export.VCard(w, db.Contacts())
	case "text":
		st, err = writeContactsText(w, db.Contacts())
	}
	return a.finish("contacts", st, err, closeOut)
}

func (a *app) calls(args []string) error {
	const formats = "jsonl, csv, android-xml, text"
	fset := a.newFlags("calls")
	var fl recordFlags
	fl.register(fset, formats, true)
	pos, err := a.parse(fset, args, 0, -1)
	if err != nil {
		return err
	}
	switch fl.format {
	case "jsonl", "csv", "android-xml", "text":
	default:
		return badFormat(fl.format, formats)
	}
	src, err := a.openSource(&fl, pos)
	if err != nil {
		return err
	}
	defer src.close()
	var db *records.CallDB
	if src.b != nil {
		db, err = records.OpenCalls(src.b)
	} else {
		db, err = records.OpenCallsFile(fl.db)
	}
	if err != nil {
		return src.dbError("call history", err)
	}
	defer db.Close()
	w, closeOut, err := a.output(fl.out)
	if err != nil {
		return err
	}
	var st export.Stats
	switch fl.format {
	case "jsonl":
		st, err = export.JSONL(w, db.Calls())
	case "csv":
		st, err = export.CallsCSV(w, db.Calls())
	case "android-xml":
		st, err = export.AndroidCalls(w, db.Calls(), export.AndroidOptions{Names: src.names()})
	case "text":
		st, err = writeCallsText(w, db.Calls(), src.names())
	}
	return a.finish("calls", st, err, closeOut)
}

func (a *app) messages(args []string) error {
	const formats = "jsonl, csv, html, android-xml, text"
	fset := a.newFlags("messages")
	var fl recordFlags
	fl.register(fset, formats, true)
	fset.StringVar(&fl.chat, "chat", "", "only the chat with this identifier (phone number, email, chat…) or GUID")
	pos, err := a.parse(fset, args, 0, -1)
	if err != nil {
		return err
	}
	switch fl.format {
	case "jsonl", "csv", "android-xml", "text":
	case "html":
		if fl.out == "" {
			return usageErr("--format html writes a folder: give it with --out DIR")
		}
	default:
		return badFormat(fl.format, formats)
	}
	src, err := a.openSource(&fl, pos)
	if err != nil {
		return err
	}
	defer src.close()
	var db *records.MessageDB
	var files fs.FS
	if src.b != nil {
		db, err = records.OpenMessages(src.b)
		files = src.b
	} else {
		db, err = records.OpenMessagesFile(fl.db)
	}
	if err != nil {
		return src.dbError("Messages", err)
	}
	defer db.Close()

	var chats []*records.Chat
	if cs, err := db.Chats(); err == nil {
		chats = cs
	}
	msgs := db.Messages()
	if fl.chat != "" {
		found := false
		for _, c := range chats {
			if c.Identifier == fl.chat || c.GUID == fl.chat {
				found = true
			}
		}
		if !found {
			return fail(exitPartial, "no chat %q; the identifiers are in the \"chat\" field of 'ibackup messages' (e.g. +15551234567, name@example.com, chat123…)", fl.chat)
		}
		msgs = db.MessagesInChat(fl.chat)
	}
	names := src.names()

	if fl.format == "html" {
		title := "Messages"
		if src.b != nil && src.b.Info().DeviceName != "" {
			title = "Messages — " + src.b.Info().DeviceName
		}
		st, err := export.HTML(fl.out, msgs, export.HTMLOptions{Names: names, Files: files, Title: title})
		if err == nil || !errors.Is(err, export.ErrOutput) {
			fmt.Fprintf(a.stdout, "wrote %d messages to %s (open %s)\n", st.Written, fl.out, fl.out+string(os.PathSeparator)+"index.html")
		}
		return a.finish("messages", st, err, func() error { return nil })
	}
	w, closeOut, err := a.output(fl.out)
	if err != nil {
		return err
	}
	var st export.Stats
	switch fl.format {
	case "jsonl":
		st, err = export.JSONL(w, msgs)
	case "csv":
		st, err = export.MessagesCSV(w, msgs, names)
	case "android-xml":
		opt := export.AndroidOptions{Names: names, Files: files}
		if src.b != nil {
			opt.Owner = src.b.Info().PhoneNumber
		}
		st, err = export.AndroidSMS(w, msgs, opt)
	case "text":
		st, err = writeMessagesText(w, msgs, chats, names)
	}
	return a.finish("messages", st, err, closeOut)
}

// countingSeq passes seq through, counting rows and errors for text output.
func countingSeq[T any](seq iter.Seq2[*T, error], st *export.Stats) iter.Seq[*T] {
	return func(yield func(*T) bool) {
		i := 0
		for v, err := range seq {
			if err != nil || v == nil {
				st.Failed++
				if err == nil {
					err = export.ErrNilRecord
				}
				if len(st.Errors) < export.MaxRowErrors {
					st.Errors = append(st.Errors, &export.RowError{Index: i, Err: err})
				}
				i++
				continue
			}
			i++
			st.Written++
			if !yield(v) {
				return
			}
		}
	}
}
