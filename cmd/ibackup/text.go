package main

import (
	"bufio"
	"fmt"
	"io"
	"iter"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/iosbackup/iosbackup/records"
	"github.com/iosbackup/iosbackup/records/export"
)

// The "text" format: records laid out for people, not programs.

func shortDate(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "????-??-?? ??:??"
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// zoneFlag resolves --tz: an IANA name ("Asia/Tokyo"), "UTC" or "Local";
// "" is this computer's zone, named when its name can be found (the TZ
// variable, /etc/localtime).
func zoneFlag(name string) (*time.Location, error) {
	if name != "" && name != "Local" {
		loc, err := time.LoadLocation(name)
		if err != nil {
			return nil, usageErr("unknown time zone %q for --tz; use a name such as Europe/Paris, America/New_York or UTC", name)
		}
		return loc, nil
	}
	if tz := os.Getenv("TZ"); tz != "" {
		if loc, err := time.LoadLocation(strings.TrimPrefix(tz, ":")); err == nil {
			return loc, nil
		}
	}
	if target, err := os.Readlink("/etc/localtime"); err == nil {
		if _, zone, ok := strings.Cut(target, "zoneinfo/"); ok {
			if loc, err := time.LoadLocation(zone); err == nil {
				return loc, nil
			}
		}
	}
	return time.Local, nil
}

// zoneLine is the first line of text output: the zone of its times.
func zoneLine(w io.Writer, loc *time.Location, at time.Time) {
	fmt.Fprintf(w, "Times are in %s\n\n", export.ZoneLabel(loc, at))
}

func writeContactsText(w io.Writer, seq iter.Seq2[*records.Contact, error]) (export.Stats, error) {
	var st export.Stats
	bw := bufio.NewWriter(w)
	for c := range countingSeq(seq, &st) {
		name := records.DisplayName(c)
		if name == "" {
			name = "(no name)"
		}
		var extra []string
		if c.Nickname != "" && !strings.Contains(name, c.Nickname) {
			extra = append(extra, "“"+c.Nickname+"”")
		}
		if c.JobTitle != "" {
			extra = append(extra, c.JobTitle)
		}
		if c.Organization != "" && c.Organization != name {
			extra = append(extra, c.Organization)
		}
		mark := recoveredMark(c.Deleted, c.Recovered)
		if len(extra) > 0 {
			linef(bw, "%s%s (%s)", mark, name, strings.Join(extra, ", "))
		} else {
			linef(bw, "%s%s", mark, name)
		}
		labeled := func(kind string, vs []records.Labeled) {
			for _, v := range vs {
				if v.Label != "" {
					linef(bw, "    %-8s %s: %s", kind, v.Label, v.Value)
				} else {
					linef(bw, "    %-8s %s", kind, v.Value)
				}
			}
		}
		labeled("phone", c.Phones)
		labeled("email", c.Emails)
		labeled("url", c.URLs)
		for _, ad := range c.Addresses {
			var parts []string
			for _, p := range []string{ad.Street, ad.City, strings.TrimSpace(ad.State + " " + ad.ZIP), ad.Country} {
				if p != "" {
					parts = append(parts, p)
				}
			}
			linef(bw, "    %-8s %s: %s", "address", ad.Label, strings.Join(parts, ", "))
		}
		if c.Birthday != "" {
			linef(bw, "    %-8s %s", "birthday", c.Birthday)
		}
		if c.Note != "" {
			linef(bw, "    %-8s %s", "note", strings.ReplaceAll(c.Note, "\n", " / "))
		}
		for _, p := range c.Problems {
			linef(bw, "    %-8s %s", "problem", p)
		}
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("%w: %v", export.ErrOutput, err)
	}
	return st, nil
}

func writeCallsText(w io.Writer, seq iter.Seq2[*records.Call, error], names func(string) string, loc *time.Location) (export.Stats, error) {
	var st export.Stats
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	first := true
	for c := range countingSeq(seq, &st) {
		if first {
			first = false
			at := time.Now()
			if c.Date != nil {
				at = *c.Date
			}
			zoneLine(tw, loc, at)
		}
		dir := "incoming"
		switch {
		case c.Outgoing:
			dir = "outgoing"
		case c.Missed:
			dir = "missed"
		}
		who := who(c.Address, c.Name, names)
		dur := ""
		if c.Duration > 0 {
			dur = (time.Duration(c.Duration*float64(time.Second)) / time.Second * time.Second).String()
		}
		if len(c.Problems) > 0 {
			dur += "  [problem: " + strings.Join(c.Problems, "; ") + "]"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", shortDate(c.Date, loc), dir, safe(string(c.Type)), safe(recoveredMark(c.Deleted, c.Recovered)+who), safe(dur))
	}
	if err := tw.Flush(); err != nil {
		return st, fmt.Errorf("%w: %v", export.ErrOutput, err)
	}
	return st, nil
}

// who names a handle: "Name (handle)", the handle alone, or "unknown".
func who(handle, name string, names func(string) string) string {
	if name == "" && names != nil && handle != "" {
		name = names(handle)
	}
	switch {
	case handle == "" && name == "":
		return "unknown caller"
	case name == "" || name == handle:
		return handle
	case handle == "":
		return name
	}
	return name + " (" + handle + ")"
}

// bodyMark stands for a message body in a line being made safe; safe
// leaves it alone, so the body (with its line breaks) replaces it after.
const bodyMark = "\uE000body\uE000"

var reactionVerbs = map[string]string{
	"love": "loved", "like": "liked", "dislike": "disliked", "laugh": "laughed at",
	"emphasize": "emphasized", "question": "questioned", "sticker": "put a sticker on",
}

func writeMessagesText(w io.Writer, seq iter.Seq2[*records.Message, error], chats []*records.Chat, names func(string) string, loc *time.Location) (export.Stats, error) {
	var st export.Stats
	type conv struct {
		key  string
		msgs []*records.Message
	}
	var order []*conv
	byKey := map[string]*conv{}
	byGUID := map[string]*records.Message{}
	for m := range countingSeq(seq, &st) {
		key := m.ChatGUID
		if key == "" {
			key = m.Chat
		}
		c := byKey[key]
		if c == nil {
			c = &conv{key: key}
			byKey[key] = c
			order = append(order, c)
		}
		c.msgs = append(c.msgs, m)
		byGUID[m.GUID] = m
	}
	chatByGUID := map[string]*records.Chat{}
	for _, c := range chats {
		chatByGUID[c.GUID] = c
	}
	name := func(h string) string {
		if names != nil {
			if n := names(h); n != "" {
				return n
			}
		}
		return h
	}
	quote := func(guid string) string {
		t := byGUID[guid]
		if t == nil {
			return "a message"
		}
		s := strings.TrimSpace(strings.ReplaceAll(t.Text, "\uFFFC", ""))
		if s == "" {
			if len(t.Attachments) > 0 {
				return "an attachment"
			}
			return "a message"
		}
		if r := []rune(s); len(r) > 40 {
			s = string(r[:39]) + "…"
		}
		return "“" + s + "”"
	}
	bw := bufio.NewWriter(w)
	if len(order) > 0 {
		at := time.Now()
		if d := order[0].msgs[0].Date; d != nil {
			at = *d
		}
		zoneLine(bw, loc, at)
	}
	for i, c := range order {
		first := c.msgs[0]
		title := first.Chat
		if first.ChatName != nil && *first.ChatName != "" {
			title = *first.ChatName
		} else if title != "" {
			title = who(title, "", names)
		}
		if title == "" {
			title = "(no conversation)"
		}
		var people []string
		if ch := chatByGUID[first.ChatGUID]; ch != nil && ch.Group {
			for _, p := range ch.Participants {
				people = append(people, name(p))
			}
		}
		if i > 0 {
			fmt.Fprintln(bw)
		}
		head := "== " + title
		if len(people) > 0 {
			sort.Strings(people)
			head += " (with " + strings.Join(people, ", ") + ")"
		}
		if first.Service != "" {
			head += " [" + first.Service + "]"
		}
		linef(bw, "%s ==", head)
		for _, m := range c.msgs {
			from := "Me"
			if !m.FromMe {
				from = "?"
				if m.Sender != nil {
					from = name(*m.Sender)
				}
			}
			var line, body string
			switch {
			case m.Reaction != nil:
				r := m.Reaction
				verb := reactionVerbs[string(r.Type)]
				if r.Type == "emoji" {
					verb = "reacted " + r.Emoji + " to"
				}
				if verb == "" {
					verb = "reacted to"
				}
				if r.Removed {
					verb = "took back a reaction (" + string(r.Type) + ") to"
				}
				line = fmt.Sprintf("%s %s %s", from, verb, quote(r.Target))
			case m.GroupEvent != nil:
				g := m.GroupEvent
				switch g.Kind {
				case "renamed":
					line = fmt.Sprintf("— %s named the conversation “%s”", from, g.Title)
				case "added", "removed":
					line = fmt.Sprintf("— %s %s %s", from, g.Kind, name(g.Other))
				case "left":
					line = fmt.Sprintf("— %s left the conversation", from)
				default:
					line = fmt.Sprintf("— %s: %s", from, strings.ReplaceAll(string(g.Kind), "-", " "))
				}
			case m.Unsent:
				line = from + " unsent a message"
			default:
				text := strings.TrimSpace(strings.ReplaceAll(m.Text, "\uFFFC", ""))
				// The body's own line breaks are kept (indented); the
				// rest of the line is made safe when printed.
				body = safeLines(text)
				line = from + ": " + bodyMark
				if m.ReplyTo != nil {
					line += "  (reply to " + quote(*m.ReplyTo) + ")"
				}
				for _, at := range m.Attachments {
					missing := ""
					if at.Missing {
						missing = ", missing"
					}
					line += fmt.Sprintf("  [%s, %s, %s%s]", at.Name, at.MIME, humanBytes(at.Size), missing)
				}
				if m.Edited {
					line += "  (edited)"
				}
			}
			line = safe(recoveredMark(m.Deleted, m.Recovered) + line)
			if body != "" || strings.Contains(line, bodyMark) {
				line = strings.Replace(line, bodyMark, strings.ReplaceAll(body, "\n", "\n                    "), 1)
			}
			fmt.Fprintf(bw, "%s  %s\n", shortDate(m.Date, loc), line)
		}
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("%w: %v", export.ErrOutput, err)
	}
	return st, nil
}
