package export

import (
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/iosbackup/iosbackup/records"
)

// jsonDate renders a floating date or time: a date for all-day values, a
// local time with no zone for floating ones, else a UTC instant.
type jsonDate struct {
	t             *time.Time
	day, floating bool
}

func (j jsonDate) format() string {
	switch {
	case j.day:
		return j.t.UTC().Format("2006-01-02")
	case j.floating:
		return j.t.UTC().Format("2006-01-02T15:04:05.000")
	}
	return j.t.UTC().Format(timeLayout)
}

// eventsHeader is the header row of EventsCSV.
var eventsHeader = []string{
	"id", "title", "start", "end", "all_day", "time_zone", "location", "latitude", "longitude",
	"recurrence", "exceptions", "alarms", "organizer", "attendees", "calendar", "calendar_color", "account",
	"url", "notes", "status", "created", "modified", "uuid", "problems",
}

// remindersHeader is the header row of RemindersCSV.
var remindersHeader = []string{
	"id", "title", "notes", "due", "completed", "completed_date", "priority", "list", "account",
	"flagged", "parent", "recurrence", "created", "modified", "store", "uuid", "deleted", "problems",
}

// EventsCSV writes events as CSV with a header row of column names: dates as in
// the JSON form, attendees as "Name <email> (status)" joined with "; ",
// alarms as offsets ("-15m") or dates, problems joined with "; ". Cells
// are defused against formula injection as in ContactsCSV.
func EventsCSV(w io.Writer, events iter.Seq2[*records.Event, error]) (Stats, error) {
	return writeCSV(w, eventsHeader, events, func(e *records.Event, row []string) []string {
		d := func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return jsonDate{t: t, day: e.AllDay, floating: e.Floating}.format()
		}
		var loc, lat, lon string
		if l := e.Location; l != nil {
			loc = strings.Trim(l.Title+", "+l.Address, ", ")
			if l.Latitude != nil && l.Longitude != nil {
				lat = strconv.FormatFloat(*l.Latitude, 'f', -1, 64)
				lon = strconv.FormatFloat(*l.Longitude, 'f', -1, 64)
			}
		}
		var exc []string
		for i := range e.Exceptions {
			exc = append(exc, d(&e.Exceptions[i]))
		}
		var alarms []string
		for _, a := range e.Alarms {
			alarms = append(alarms, alarmText(a))
		}
		var atts []string
		for _, a := range e.Attendees {
			atts = append(atts, personText(a, true))
		}
		org := ""
		if e.Organizer != nil {
			org = personText(*e.Organizer, false)
		}
		var cal, color, account string
		if e.Calendar != nil {
			cal, color, account = e.Calendar.Title, e.Calendar.Color, e.Calendar.Account
		}
		return append(row,
			strconv.FormatInt(e.ID, 10), e.Title, d(e.Start), d(e.End), strconv.FormatBool(e.AllDay), e.TimeZone,
			loc, lat, lon, e.Recurrence, strings.Join(exc, "; "), strings.Join(alarms, "; "), org,
			strings.Join(atts, "; "), cal, color, account, e.URL, e.Notes, e.Status,
			formatTime(e.Created), formatTime(e.Modified), e.UUID, strings.Join(e.Problems, "; "),
		)
	})
}

// RemindersCSV writes reminders as CSV with a header row of column names.
func RemindersCSV(w io.Writer, reminders iter.Seq2[*records.Reminder, error]) (Stats, error) {
	return writeCSV(w, remindersHeader, reminders, func(r *records.Reminder, row []string) []string {
		due := ""
		if r.Due != nil {
			due = jsonDate{t: r.Due, day: r.DueAllDay}.format()
		}
		parent := ""
		if r.Parent != nil {
			parent = strconv.FormatInt(*r.Parent, 10)
		}
		return append(row,
			strconv.FormatInt(r.ID, 10), r.Title, r.Notes, due, strconv.FormatBool(r.Completed),
			formatTime(r.CompletedDate), strconv.Itoa(r.Priority), r.List, r.Account, strconv.FormatBool(r.Flagged),
			parent, r.Recurrence, formatTime(r.Created), formatTime(r.Modified), r.Store, r.UUID,
			strconv.FormatBool(r.Deleted), strings.Join(r.Problems, "; "),
		)
	})
}

// alarmText renders an alarm: "-15m", "-1d2h", "at 2024-04-01T08:00:00.000Z".
func alarmText(a records.Alarm) string {
	switch {
	case a.Offset != nil:
		d := time.Duration(*a.Offset) * time.Second
		sign := "-"
		if d >= 0 {
			sign = "+"
		} else {
			d = -d
		}
		var b strings.Builder
		b.WriteString(sign)
		if days := d / (24 * time.Hour); days > 0 {
			fmt.Fprintf(&b, "%dd", days)
			d -= days * 24 * time.Hour
		}
		if h := d / time.Hour; h > 0 {
			fmt.Fprintf(&b, "%dh", h)
			d -= h * time.Hour
		}
		if m := d / time.Minute; m > 0 || b.Len() == 1 {
			fmt.Fprintf(&b, "%dm", m)
		}
		return b.String()
	case a.Date != nil:
		return "at " + formatTime(a.Date)
	}
	return ""
}

// personText renders an organizer or attendee: "Name <email> (status)".
func personText(a records.Attendee, withStatus bool) string {
	s := a.Name
	addr := a.Email
	if addr == "" {
		addr = a.Phone
	}
	switch {
	case s == "":
		s = addr
	case addr != "":
		s += " <" + addr + ">"
	}
	if withStatus && a.Status != "" {
		s += " (" + a.Status + ")"
	}
	return s
}
