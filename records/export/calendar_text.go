package export

import (
	"bufio"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/iosbackup/iosbackup/internal/termsafe"
	"github.com/iosbackup/iosbackup/records"
)

// EventsText writes calendar events as text: one line with the event's
// time in its own zone ("2024-03-04 09:00–09:15 America/New_York",
// "2024-03-29 – 2024-03-31 (all day)"), title and calendar, then one
// indented line per detail: place, recurrence, the occurrence it
// replaces, exceptions, alarms, organizer, attendees, URL, notes (their
// line breaks kept, indented) and problems. Values are made safe for a
// terminal as in the other text formats.
func EventsText(w io.Writer, events iter.Seq2[*records.Event, error]) (Stats, error) {
	var st Stats
	bw := bufio.NewWriter(w)
	for e := range textRows(events, &st) {
		title := e.Title
		if title == "" {
			title = "(no title)"
		}
		cal := ""
		if e.Calendar != nil {
			cal = "  [" + e.Calendar.Title + "]"
		}
		textLine(bw, "%s  %s%s", eventWhen(e), title, cal)
		detail := func(label, v string) {
			if v != "" {
				textLine(bw, "    %-9s %s", label, v)
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
			al = append(al, alarmText(a))
		}
		detail("alarms", strings.Join(al, ", "))
		if e.Organizer != nil {
			detail("organizer", personText(records.Attendee{Name: e.Organizer.Name, Email: e.Organizer.Email, Phone: e.Organizer.Phone}, true))
		}
		for _, a := range e.Attendees {
			detail("attendee", personText(a, true))
		}
		detail("url", e.URL)
		if e.Notes != "" {
			fmt.Fprintf(bw, "    %-9s %s\n", "notes", textIndent(e.Notes, "\n              "))
		}
		for _, p := range e.Problems {
			detail("problem", p)
		}
	}
	return st, st.result(outputError(bw.Flush()))
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

// priorityNames are the words of the reminder priorities (iCalendar's
// PRIORITY: 1–4 high, 5 medium, 6–9 low; 0 none).
var priorityNames = map[int]string{1: "high", 2: "high", 3: "high", 4: "high", 5: "medium", 6: "low", 7: "low", 8: "low", 9: "low"}

// RemindersText writes reminders as text: a check box ("[ ]", "[x]"),
// the id, title and list, then in parentheses the due date, completion,
// priority, flag, recurrence, parent and deletion; the notes (their line
// breaks kept) and problems on indented lines. Subtasks are indented
// under their parent's line when they follow it. Values are made safe
// for a terminal as in the other text formats.
func RemindersText(w io.Writer, reminders iter.Seq2[*records.Reminder, error]) (Stats, error) {
	var st Stats
	bw := bufio.NewWriter(w)
	for r := range textRows(reminders, &st) {
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
		line := fmt.Sprintf("%s%s %d %s%s", indent, box, r.ID, title, list)
		if len(extra) > 0 {
			line += "  (" + strings.Join(extra, ", ") + ")"
		}
		textLine(bw, "%s", line)
		if r.Notes != "" {
			fmt.Fprintf(bw, "%s      %s\n", indent, textIndent(r.Notes, "\n      "+indent))
		}
		for _, p := range r.Problems {
			textLine(bw, "%s      problem: %s", indent, p)
		}
	}
	return st, st.result(outputError(bw.Flush()))
}

// textIndent makes multi-line text safe, keeping its line breaks, each
// followed by indent.
func textIndent(s, indent string) string {
	return strings.ReplaceAll(termsafe.Lines(s), "\n", indent)
}
