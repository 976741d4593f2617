package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // VTIMEZONE and event times wherever no zone database is installed

	"github.com/iosbackup/iosbackup/records"
	"github.com/iosbackup/iosbackup/records/export"
)

// icsToDir reports whether --out names a folder for one .ics file per
// calendar (anything not ending in .ics).
func icsToDir(out string) bool {
	return out != "" && out != "-" && !strings.EqualFold(filepath.Ext(out), ".ics")
}

// schedule describes one of the two schedule commands, calendar and
// reminders: the same flags and flow over a different database and
// writers.
type schedule[T any] struct {
	name   string // command
	what   string // the records, for the summary line
	open   func(*source) (io.Closer, func(context.Context) iter.Seq2[*T, error], error)
	jsonl  func(io.Writer, iter.Seq2[*T, error]) (export.Stats, error)
	csv    func(io.Writer, iter.Seq2[*T, error]) (export.Stats, error)
	ics    func(io.Writer, iter.Seq2[*T, error], export.ICSOptions) (export.Stats, error)
	icsDir func(string, iter.Seq2[*T, error], export.ICSOptions) ([]export.ICSCalendar, export.Stats, error)
	text   func(io.Writer, iter.Seq2[*T, error]) (export.Stats, error)
}

func (a *app) calendar(args []string) error {
	return runSchedule(a, args, schedule[records.Event]{
		name: "calendar", what: "events",
		open: func(src *source) (io.Closer, func(context.Context) iter.Seq2[*records.Event, error], error) {
			db, err := openRecordDB(src, "calendar", records.OpenCalendar, records.OpenCalendarFile)
			if err != nil {
				return nil, nil, err
			}
			return db, db.EventsContext, nil
		},
		jsonl: export.JSONL[records.Event], csv: export.EventsCSV, ics: export.EventsICS, icsDir: export.EventsICSDir,
		text: writeEventsText,
	})
}

func (a *app) reminders(args []string) error {
	return runSchedule(a, args, schedule[records.Reminder]{
		name: "reminders", what: "reminders",
		open: func(src *source) (io.Closer, func(context.Context) iter.Seq2[*records.Reminder, error], error) {
			db, err := openRecordDB(src, "reminders", records.OpenReminders, records.OpenRemindersFile)
			if err != nil {
				return nil, nil, err
			}
			return db, db.RemindersContext, nil
		},
		jsonl: export.JSONL[records.Reminder], csv: export.RemindersCSV, ics: export.RemindersICS, icsDir: export.RemindersICSDir,
		text: writeRemindersText,
	})
}

func runSchedule[T any](a *app, args []string, k schedule[T]) error {
	const formats = "jsonl, csv, ics, text"
	fset := a.newFlags(k.name)
	var fl recordFlags
	fl.register(fset, formats, false, false)
	src, err := a.startRecords(fset, &fl, args, formats)
	if err != nil {
		return err
	}
	defer src.close()
	db, items, err := k.open(src)
	if err != nil {
		return err
	}
	defer db.Close()
	seq := items(a.ctx)
	if fl.format == "ics" && icsToDir(fl.out) {
		cals, st, err := k.icsDir(fl.out, seq, export.ICSOptions{})
		for _, c := range cals {
			fmt.Fprintf(a.stdout, "wrote %d %s of %q to %s\n", c.Count, k.what, c.Title, c.File)
		}
		return a.finish(summary{what: k.what, dest: fl.out}, st, err, func(bool) error { return nil })
	}
	w, commit, err := a.output(fl.out)
	if err != nil {
		return err
	}
	var st export.Stats
	switch fl.format {
	case "jsonl":
		st, err = k.jsonl(w, seq)
	case "csv":
		csvStart(w, &fl)
		st, err = k.csv(w, seq)
	case "ics":
		st, err = k.ics(w, seq, export.ICSOptions{})
	case "text":
		st, err = k.text(w, seq)
	}
	return a.finish(summary{what: k.what, dest: fl.out}, st, err, commit)
}

// eventWhen renders an event's time for people, in the event's own zone:
// "2024-03-04 09:00–09:15 America/New_York", "2024-03-29 – 2024-03-31
// (all day)".
func eventWhen(e *records.Event) string {
	if e.Start == nil {
		return "(no start date)"
	}
	if e.AllDay {
		s := e.Start.Format("2006-01-02")
		if e.End != nil && !e.End.Equal(*e.Start) {
			s += " – " + e.End.Format("2006-01-02")
		}
		return s + " (all day)"
	}
	loc, zone := eventZone(e)
	start := e.Start.In(loc)
	s := start.Format("2006-01-02 15:04")
	if e.End != nil {
		end := e.End.In(loc)
		if end.Format("2006-01-02") == start.Format("2006-01-02") {
			s += "–" + end.Format("15:04")
		} else {
			s += " – " + end.Format("2006-01-02 15:04")
		}
	}
	return s + " " + zone
}

// eventZone is the zone an event's times are shown in, and its name.
func eventZone(e *records.Event) (*time.Location, string) {
	switch {
	case e.Floating:
		return time.UTC, "(floating)"
	case e.TimeZone != "":
		if l, err := time.LoadLocation(e.TimeZone); err == nil {
			return l, e.TimeZone
		}
	}
	return time.UTC, "UTC"
}

func writeEventsText(w io.Writer, seq iter.Seq2[*records.Event, error]) (export.Stats, error) {
	var st export.Stats
	bw := bufio.NewWriter(w)
	for e := range countingSeq(seq, &st) {
		title := e.Title
		if title == "" {
			title = "(no title)"
		}
		cal := ""
		if e.Calendar != nil {
			cal = "  [" + e.Calendar.Title + "]"
		}
		fmt.Fprintf(bw, "%s  %s%s\n", plain(eventWhen(e)), plain(title), plain(cal))
		detail := func(label, v string) {
			if v != "" {
				fmt.Fprintf(bw, "    %-9s %s\n", label, plain(v))
			}
		}
		if l := e.Location; l != nil {
			detail("where", strings.Trim(l.Title+", "+l.Address, ", "))
		}
		detail("repeats", e.Recurrence)
		if e.OriginalID != nil {
			detail("replaces", fmt.Sprintf("an occurrence of event %d", *e.OriginalID))
		}
		var ex []string
		loc, _ := eventZone(e)
		for _, x := range e.Exceptions {
			if e.AllDay {
				ex = append(ex, x.Format("2006-01-02"))
			} else {
				ex = append(ex, x.In(loc).Format("2006-01-02 15:04"))
			}
		}
		detail("except", strings.Join(ex, ", "))
		var al []string
		for _, a := range e.Alarms {
			al = append(al, export.AlarmText(a))
		}
		detail("alarms", strings.Join(al, ", "))
		if e.Organizer != nil {
			detail("organizer", export.PersonText(records.Attendee{Name: e.Organizer.Name, Email: e.Organizer.Email, Phone: e.Organizer.Phone}))
		}
		for _, a := range e.Attendees {
			detail("attendee", export.PersonText(a))
		}
		detail("url", e.URL)
		if e.Notes != "" {
			detail("notes", strings.ReplaceAll(e.Notes, "\n", "\n              "))
		}
		for _, p := range e.Problems {
			detail("problem", p)
		}
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("%w: %w", export.ErrOutput, err)
	}
	return st, nil
}

// plain drops control characters (terminal escapes) from database text
// shown on a terminal, keeping line breaks and tabs.
func plain(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

var priorityNames = map[int]string{1: "high", 2: "high", 3: "high", 4: "high", 5: "medium", 6: "low", 7: "low", 8: "low", 9: "low"}

func writeRemindersText(w io.Writer, seq iter.Seq2[*records.Reminder, error]) (export.Stats, error) {
	var st export.Stats
	bw := bufio.NewWriter(w)
	for r := range countingSeq(seq, &st) {
		box := "[ ]"
		if r.Completed {
			box = "[x]"
		}
		indent := ""
		if r.Parent != nil {
			indent = "    "
		}
		title := r.Title
		if title == "" {
			title = "(no title)"
		}
		var extra []string
		if r.Due != nil {
			if r.DueAllDay {
				extra = append(extra, "due "+r.Due.Format("2006-01-02"))
			} else {
				extra = append(extra, "due "+r.Due.UTC().Format("2006-01-02 15:04 UTC"))
			}
		}
		if r.Completed && r.CompletedDate != nil {
			extra = append(extra, "done "+r.CompletedDate.UTC().Format("2006-01-02 15:04 UTC"))
		}
		if p, ok := priorityNames[r.Priority]; ok {
			extra = append(extra, p+" priority")
		}
		if r.Flagged {
			extra = append(extra, "flagged")
		}
		if r.Recurrence != "" {
			extra = append(extra, "repeats "+r.Recurrence)
		}
		if r.Parent != nil {
			extra = append(extra, fmt.Sprintf("subtask of %d", *r.Parent))
		}
		if r.Deleted {
			extra = append(extra, "deleted")
		}
		list := ""
		if r.List != "" {
			list = "  [" + r.List + "]"
		}
		fmt.Fprintf(bw, "%s%s %d %s%s", indent, box, r.ID, plain(title), plain(list))
		if len(extra) > 0 {
			fmt.Fprintf(bw, "  (%s)", plain(strings.Join(extra, ", ")))
		}
		fmt.Fprintln(bw)
		if r.Notes != "" {
			fmt.Fprintf(bw, "%s      %s\n", indent, plain(strings.ReplaceAll(r.Notes, "\n", "\n      "+indent)))
		}
		for _, p := range r.Problems {
			fmt.Fprintf(bw, "%s      problem: %s\n", indent, plain(p))
		}
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("%w: %w", export.ErrOutput, err)
	}
	return st, nil
}
