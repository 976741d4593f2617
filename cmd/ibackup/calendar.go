package main

import (
	"context"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"strings"
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
			return db, db.Events, nil
		},
		jsonl: export.JSONL[records.Event], csv: export.EventsCSV, ics: export.EventsICS, icsDir: export.EventsICSDir,
		text: export.EventsText,
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
			return db, db.Reminders, nil
		},
		jsonl: export.JSONL[records.Reminder], csv: export.RemindersCSV, ics: export.RemindersICS, icsDir: export.RemindersICSDir,
		text: export.RemindersText,
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
