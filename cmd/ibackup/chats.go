package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/iosbackup/iosbackup/records"
	"github.com/iosbackup/iosbackup/records/export"
)

// chats lists the conversations: id, name, participants (with contact
// names), service, message count, first and last date.
func (a *app) chats(args []string) error {
	fset := a.newFlags("chats")
	var fl recordFlags
	fl.secrets.register(fset)
	fset.StringVar(&fl.db, "db", "", "read this bare sms.db (and its -wal beside it) instead of a backup")
	fset.StringVar(&fl.contacts, "contacts", "", "with --db: an AddressBook.sqlitedb whose names are shown beside numbers")
	fset.StringVar(&fl.tz, "tz", "", "time zone of the dates in text output, e.g. Asia/Tokyo (default: this computer's)")
	asJSON := fset.Bool("json", false, "one JSON object per conversation (JSON Lines)")
	pos, err := a.parse(fset, args, 0, -1)
	if err != nil {
		return err
	}
	src, err := a.openSource(&fl, pos)
	if err != nil {
		return err
	}
	defer src.close()
	db, err := openMessageSource(src)
	if err != nil {
		return src.dbError("Messages", err)
	}
	defer db.Close()
	chats, err := db.ChatSummaries()
	if err != nil {
		return fail(exitBackup, "cannot list the conversations: %v", err)
	}
	names := src.names()
	nameOf := func(h string) string {
		if names == nil {
			return ""
		}
		return names(h)
	}
	if *asJSON {
		type participant struct {
			Handle string  `json:"handle"`
			Name   *string `json:"name"`
		}
		type line struct {
			ID           string        `json:"id"`
			GUID         string        `json:"guid"`
			Name         *string       `json:"name"`
			Participants []participant `json:"participants"`
			Service      string        `json:"service"`
			Group        bool          `json:"group"`
			Messages     int           `json:"messages"`
			First        *string       `json:"first"`
			Last         *string       `json:"last"`
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetEscapeHTML(false)
		for _, c := range chats {
			l := line{ID: c.Identifier, GUID: c.GUID, Service: c.Service, Group: c.Group, Messages: c.Messages,
				Participants: []participant{}, First: jsonDate(c.First), Last: jsonDate(c.Last)}
			if c.Name != "" {
				l.Name = &c.Name
			}
			for _, p := range c.Participants {
				pp := participant{Handle: p}
				if n := nameOf(p); n != "" {
					pp.Name = &n
				}
				l.Participants = append(l.Participants, pp)
			}
			if err := enc.Encode(&l); err != nil {
				return fail(exitPartial, "writing the conversations failed: %v", err)
			}
		}
		return nil
	}
	zoneLine(a.stdout, fl.loc, time.Now())
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tPARTICIPANTS\tSERVICE\tMESSAGES\tFIRST\tLAST")
	for _, c := range chats {
		var ps []string
		for _, p := range c.Participants {
			if n := nameOf(p); n != "" {
				ps = append(ps, n+" ("+p+")")
			} else {
				ps = append(ps, p)
			}
		}
		first, last := "-", "-"
		if c.First != nil {
			first = shortDate(c.First, fl.loc)
		}
		if c.Last != nil {
			last = shortDate(c.Last, fl.loc)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", plainText(c.Identifier), plainText(orDash(c.Name)),
			plainText(orDash(strings.Join(ps, ", "))), plainText(orDash(c.Service)), c.Messages, first, last)
	}
	return tw.Flush()
}

// openMessageSource opens the Messages database of a record source; a
// backup's database knows the backup date (for the date checks).
func openMessageSource(src *source) (*records.MessageDB, error) {
	if src.b == nil {
		return records.OpenMessagesFile(src.fl.db)
	}
	db, err := records.OpenMessages(src.b)
	if err != nil {
		return nil, err
	}
	return db.WithBackupDate(src.b.Info().LastBackupDate), nil
}

func jsonDate(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format("2006-01-02T15:04:05.000Z")
	return &s
}

// plainText keeps a value on one line and safe for a terminal: controls,
// tabs (which would break the table's columns), line separators and bidi
// marks are shown as visible escapes (safe), as everywhere else.
func plainText(s string) string { return safe(s) }

// reportProblems adds the records written with problems (counted by
// export.CountProblems) to the outcome of an export: listed on stderr,
// and exit status 1 when the export itself went well.
func reportProblems(a *app, pc *export.Problems, what string, err error) error {
	if pc.Records == 0 {
		return err
	}
	for _, p := range pc.First {
		a.warnf("problem: %s", p)
	}
	if err != nil {
		return err
	}
	return fail(exitPartial, "%d %s were written with problems (see their \"problems\" field); the rest read cleanly", pc.Records, what)
}
