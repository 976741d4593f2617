package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

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
	chatIDs  map[string]bool // identifiers and GUIDs of the chats --chat selected
	deleted  bool
	tz       string
	noBOM    bool
	// loc is the zone of --tz (text, HTML and Android output).
	loc *time.Location
}

// register adds the shared record flags: --contacts when withNames (names
// for a bare database), --deleted when the records can be recovered.
func (r *recordFlags) register(fset *flag.FlagSet, formats string, withNames, withDeleted bool) {
	r.secrets.register(fset)
	fset.StringVar(&r.db, "db", "", "read this bare database file (and its -wal beside it) instead of a backup")
	fset.StringVar(&r.format, "format", "jsonl", "output format: "+formats)
	fset.StringVar(&r.out, "out", "", "write to this file instead of standard output")
	if withDeleted {
		fset.BoolVar(&r.deleted, "deleted", false, "also recovered deleted records (Recently Deleted, older -wal page versions, free space), each marked with its source")
	}
	fset.StringVar(&r.tz, "tz", "", "time zone of the times in text, HTML and Android output, e.g. Asia/Tokyo (default: this computer's)")
	fset.BoolVar(&r.noBOM, "no-bom", false, "CSV: leave out the UTF-8 byte order mark (written by default so that Excel reads UTF-8)")
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

	res     *records.Resolver // see resolver
	resDone bool
	warn    io.Writer // where resolver says why names are missing
}

// openSource parses the positional arguments of a record command.
func (a *app) openSource(fl *recordFlags, pos []string) (*source, error) {
	loc, err := zoneFlag(fl.tz)
	if err != nil {
		return nil, err
	}
	fl.loc = loc
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
		return &source{fl: fl, warn: a.stderr}, nil
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
	return &source{dir: pos[0], b: b, fl: fl, warn: a.stderr}, nil
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
	r := s.resolver()
	if r == nil {
		return nil
	}
	return r.Name
}

// resolver returns the contacts of the backup's address book or of
// --contacts, numbers read in the phone's own country (from the backup's
// phone number, else its SIM); nil when there is no address book. It is
// built once.
func (s *source) resolver() *records.Resolver {
	if s.res != nil || s.resDone {
		return s.res
	}
	s.resDone = true
	var cdb *records.ContactDB
	var err error
	var opts []records.ResolverOption
	switch {
	case s.b != nil:
		cdb, err = records.OpenContacts(s.b)
		opts = append(opts, records.WithRegion(s.region()))
	case s.fl.contacts != "":
		cdb, err = records.OpenContactsFile(s.fl.contacts)
	default:
		return nil
	}
	if err != nil {
		// Names are a help, not the records asked for: say why they are
		// missing and go on.
		if !errors.Is(err, records.ErrNotFound) || s.fl.contacts != "" {
			fmt.Fprintf(s.warn, "ibackup: contact names are not available: %v\n", err)
		}
		return nil
	}
	defer cdb.Close()
	s.res, _ = records.NewResolver(cdb.Contacts(), opts...)
	return s.res
}

// region returns the phone's own country (ISO 3166, e.g. "JP"), from the
// backup's phone number, else its SIM; "" with --db or when unknown.
func (s *source) region() string {
	if s.b == nil {
		return ""
	}
	info := s.b.Info()
	if r := records.RegionOfNumber(info.PhoneNumber); r != "" {
		return r
	}
	return records.RegionOfICCID(info.ICCID)
}

// output returns where an export writes: standard output, or for --out a
// temporary file of mode 0600 (it holds personal data) in the same
// folder, which commit renames to its final name when the export is
// complete, or removes when keep is false (a write failure, Ctrl-C).
func (a *app) output(name string) (w io.Writer, commit func(keep bool) error, err error) {
	if name == "" || name == "-" {
		return a.stdout, func(bool) error { return nil }, nil
	}
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, nil, fail(exitPartial, "cannot create %s: %v", name, unwrapPath(err))
	}
	addTemp(f.Name())
	return f, func(keep bool) error {
		defer dropTemp(f.Name())
		err := f.Close()
		if keep && err == nil && a.ctx.Err() == nil {
			if err = os.Rename(f.Name(), name); err == nil {
				return nil
			}
		}
		os.Remove(f.Name())
		return err
	}, nil
}

// summary is what an export reports on its last line.
type summary struct {
	what string // "messages", "contacts", "calls"
	dest string // --out, or "" for standard output
	hint string // appended after the destination, e.g. "(open …/index.html)"
}

// finish closes an export's output and ends it with one summary line on
// standard error: what was written where, what was left out and why,
// what is missing or could not be read.
func (a *app) finish(sm summary, st export.Stats, err error, commit func(keep bool) error) error {
	keep := !errors.Is(err, export.ErrOutput) && a.ctx.Err() == nil
	cerr := commit(keep)
	if a.ctx.Err() != nil {
		return a.ctx.Err()
	}
	if errors.Is(err, export.ErrOutput) || cerr != nil {
		if err == nil || !errors.Is(err, export.ErrOutput) {
			err = cerr
		}
		return fail(exitPartial, "writing the %s failed: %v", sm.what, firstLine(err))
	}
	for _, e := range st.Errors {
		a.warnf("skipped: %v", e)
	}
	dest := sm.dest
	if dest == "" || dest == "-" {
		dest = "standard output"
	}
	line := fmt.Sprintf("wrote %d %s to %s", st.Written, sm.what, dest)
	if sm.hint != "" {
		line += " " + sm.hint
	}
	var parts []string
	reasons := make([]string, 0, len(st.SkippedBy))
	for r := range st.SkippedBy {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		p := fmt.Sprintf("skipped %d %s", st.SkippedBy[r], r)
		switch r {
		case export.SkippedTapbacks:
			p += " (--reactions-as-text keeps them)"
		case export.SkippedCalls:
			p += " (--all-calls keeps them)"
		}
		parts = append(parts, p)
	}
	if n := st.Skipped - sumValues(st.SkippedBy); n > 0 {
		parts = append(parts, fmt.Sprintf("skipped %d", n))
	}
	if st.Missing > 0 {
		parts = append(parts, fmt.Sprintf("%d attachments missing (not in the backup)", st.Missing))
	}
	if st.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d %s could not be read", st.Failed, sm.what))
	}
	if len(parts) > 0 {
		line += "; " + strings.Join(parts, ", ")
	}
	a.warnf("%s", line)
	if st.Failed > 0 {
		return &exitError{code: exitPartial} // reported by the summary line
	}
	return nil
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// csvStart writes the UTF-8 byte order mark that makes Excel read a CSV
// file as UTF-8 (in every locale), unless --no-bom.
func csvStart(w io.Writer, fl *recordFlags) {
	if !fl.noBOM {
		io.WriteString(w, "\uFEFF")
	}
}

// stopOn passes seq through until ctx is done (Ctrl-C): the export then
// ends at the next record.
func stopOn[T any](ctx context.Context, seq iter.Seq2[*T, error]) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		if ctx.Err() != nil {
			return
		}
		for v, err := range seq {
			if ctx.Err() != nil || !yield(v, err) {
				return
			}
		}
	}
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

func badFormat(f, formats string) error {
	return usageErr("unknown format %q; use one of %s", f, formats)
}

// startRecords parses a record command's arguments, checks --format
// against formats (a ", "-separated list, plus any aliases) and opens the
// records' source: the backup, unlocked, or the --db file.
func (a *app) startRecords(fset *flag.FlagSet, fl *recordFlags, args []string, formats string, aliases ...string) (*source, error) {
	pos, err := a.parse(fset, args, 0, -1)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(strings.Split(formats, ", "), fl.format) && !slices.Contains(aliases, fl.format) {
		return nil, badFormat(fl.format, formats)
	}
	return a.openSource(fl, pos)
}

// openRecordDB opens a record database from the backup, or from the --db
// file; what names the database in the error.
func openRecordDB[T any](src *source, what string, fromFS func(fs.FS) (T, error), fromFile func(string) (T, error)) (T, error) {
	var db T
	var err error
	if src.b != nil {
		db, err = fromFS(src.b)
	} else {
		db, err = fromFile(src.fl.db)
	}
	if err != nil {
		return db, src.dbError(what, err)
	}
	return db, nil
}

func (a *app) contacts(args []string) error {
	const formats = "jsonl, csv, vcf, text"
	fset := a.newFlags("contacts")
	var fl recordFlags
	fl.register(fset, formats, false, true)
	src, err := a.startRecords(fset, &fl, args, formats, "vcard")
	if err != nil {
		return err
	}
	defer src.close()
	db, err := openRecordDB(src, "address book", records.OpenContacts, records.OpenContactsFile)
	if err != nil {
		return err
	}
	defer db.Close()
	w, commit, err := a.output(fl.out)
	if err != nil {
		return err
	}
	var st export.Stats
	var pc problemCount
	contacts := countProblems(src.withDeletedContacts(db.ContactsContext(a.ctx), &fl), &pc, func(c *records.Contact) (string, []string) {
		return "contact " + strconv.FormatInt(c.ID, 10), c.Problems
	})
	contacts = stopOn(a.ctx, contacts)
	switch fl.format {
	case "jsonl":
		st, err = export.JSONL(w, contacts)
	case "csv":
		csvStart(w, &fl)
		st, err = export.ContactsCSV(w, contacts)
	case "vcf", "vcard":
		st, err = export.VCard(w, contacts)
	case "text":
		st, err = writeContactsText(w, contacts)
	}
	return pc.report(a, "contacts", a.finish(summary{what: "contacts", dest: fl.out}, st, err, commit))
}

func (a *app) calls(args []string) error {
	const formats = "jsonl, csv, android-xml, text"
	fset := a.newFlags("calls")
	var fl recordFlags
	fl.register(fset, formats, true, true)
	allCalls := fset.Bool("all-calls", false, "android-xml: also write FaceTime and app calls (left out by default: Android shows them as phone calls)")
	src, err := a.startRecords(fset, &fl, args, formats)
	if err != nil {
		return err
	}
	defer src.close()
	db, err := openRecordDB(src, "call history", records.OpenCalls, records.OpenCallsFile)
	if err != nil {
		return err
	}
	defer db.Close()
	w, commit, err := a.output(fl.out)
	if err != nil {
		return err
	}
	var st export.Stats
	// Every format carries the same names: the contact's, else the one
	// the phone recorded.
	var pc problemCount
	calls := countProblems(src.resolver().NameCalls(src.withDeletedCalls(db.CallsContext(a.ctx), &fl)), &pc, func(c *records.Call) (string, []string) {
		return "call " + strconv.FormatInt(c.ID, 10), c.Problems
	})
	calls = stopOn(a.ctx, calls)
	switch fl.format {
	case "jsonl":
		st, err = export.JSONL(w, calls)
	case "csv":
		csvStart(w, &fl)
		st, err = export.CallsCSV(w, calls)
	case "android-xml":
		st, err = export.AndroidCalls(w, calls, export.AndroidOptions{Names: src.names(), Location: fl.loc, AllCalls: *allCalls})
	case "text":
		st, err = writeCallsText(w, calls, src.names(), fl.loc)
	}
	return pc.report(a, "calls", a.finish(summary{what: "calls", dest: fl.out}, st, err, commit))
}

func (a *app) messages(args []string) error {
	const formats = "jsonl, csv, html, android-xml, text"
	fset := a.newFlags("messages")
	var fl recordFlags
	fl.register(fset, formats, true, true)
	fset.StringVar(&fl.chat, "chat", "", "only the chats with this identifier or GUID (see 'ibackup chats'), else with a participant of this number (any spelling) or email, else with a contact of this name")
	reactionsAsText := fset.Bool("reactions-as-text", false, "android-xml: keep tapbacks as text messages (Loved “…”), as an iPhone sends them to Android phones")
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
	var files fs.FS
	if src.b != nil {
		files = src.b
	}
	db, err := openMessageSource(src)
	if err != nil {
		return src.dbError("Messages", err)
	}
	defer db.Close()

	var chats []*records.Chat
	if cs, err := db.Chats(); err == nil {
		chats = cs
	}
	msgs := db.MessagesContext(a.ctx)
	if fl.chat != "" {
		sel, rule := matchChats(chats, fl.chat, src.region(), src.resolver())
		if len(sel) == 0 {
			return fail(exitPartial, "no chat %q (by identifier, participant's number or email, or contact name); 'ibackup chats' lists them (e.g. +15551234567, name@example.com, chat123…)", fl.chat)
		}
		if rule != chatByID || len(sel) > 1 {
			a.selectedChats(sel, src.names())
		}
		msgs, fl.chatIDs = chatMessages(db, sel)
		if rule == chatByID {
			// All the chats of one identifier, in the reader's order.
			msgs = db.MessagesInChatContext(a.ctx, fl.chat)
		}
	}
	msgs = src.withDeletedMessages(msgs, &fl)
	var pc problemCount
	msgs = countProblems(msgs, &pc, func(m *records.Message) (string, []string) {
		return "message " + strconv.FormatInt(m.RowID, 10), m.Problems
	})
	names := src.names()
	msgs = src.resolver().NameMessages(msgs)
	msgs = stopOn(a.ctx, msgs)

	if fl.format == "html" {
		title := "Messages"
		if src.b != nil && src.b.Info().DeviceName != "" {
			title = "Messages — " + src.b.Info().DeviceName
		}
		st, err := export.HTML(fl.out, msgs, export.HTMLOptions{Names: names, Files: files, Title: title, Location: fl.loc, Context: a.ctx})
		return pc.report(a, "messages", a.finish(summary{what: "messages", dest: fl.out, hint: "(open " + filepath.Join(fl.out, "index.html") + ")"},
			st, err, func(bool) error { return nil }))
	}
	w, commit, err := a.output(fl.out)
	if err != nil {
		return err
	}
	var st export.Stats
	switch fl.format {
	case "jsonl":
		st, err = export.JSONL(w, msgs)
	case "csv":
		csvStart(w, &fl)
		st, err = export.MessagesCSV(w, msgs, names)
	case "android-xml":
		opt := export.AndroidOptions{Names: names, Files: files, Location: fl.loc, ReactionsAsText: *reactionsAsText}
		if src.b != nil {
			opt.Owner = src.b.Info().PhoneNumber
		}
		st, err = export.AndroidSMS(w, msgs, opt)
	case "text":
		st, err = writeMessagesText(w, msgs, chats, names, fl.loc)
	}
	return pc.report(a, "messages", a.finish(summary{what: "messages", dest: fl.out}, st, err, commit))
}

// countProblems passes seq through, counting the records that carry
// problems (they are still written); label names a record in the list
// printed on stderr.
func countProblems[T any](seq iter.Seq2[*T, error], pc *problemCount, label func(*T) (string, []string)) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		for v, err := range seq {
			if v != nil {
				if name, p := label(v); len(p) > 0 {
					pc.n++
					if len(pc.first) < 10 {
						pc.first = append(pc.first, name+": "+strings.Join(p, "; "))
					}
				}
			}
			if !yield(v, err) {
				return
			}
		}
	}
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
					st.Errors = append(st.Errors, fmt.Errorf("export: record %d: %w", i, err))
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
