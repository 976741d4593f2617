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

// EventsJSONL writes one JSON object per event (docs/CLI.md "event"):
// dates RFC 3339 UTC with milliseconds; for all-day events start, end and
// exceptions are dates ("2024-03-29", end being the last day) and for
// floating events local times without a zone ("2024-03-29T09:00:00.000");
// lists are [] rather than null; recurrence is null when the event does
// not repeat.
func EventsJSONL(w io.Writer, events iter.Seq2[*records.Event, error]) (Stats, error) {
	return JSONL(w, mapSeq(events, newJSONEvent))
}

// RemindersJSONL writes one JSON object per reminder (docs/CLI.md
// "reminder"); due is a date ("2024-06-01") when the reminder is due on a
// day with no time.
func RemindersJSONL(w io.Writer, reminders iter.Seq2[*records.Reminder, error]) (Stats, error) {
	return JSONL(w, mapSeq(reminders, newJSONReminder))
}

// mapSeq converts the records of seq, passing errors and nil records on.
func mapSeq[T, U any](seq iter.Seq2[*T, error], f func(*T) *U) iter.Seq2[*U, error] {
	return func(yield func(*U, error) bool) {
		for v, err := range seq {
			var u *U
			if err == nil && v != nil {
				u = f(v)
			}
			if !yield(u, err) {
				return
			}
		}
	}
}

// jsonDate renders a floating date or time: a date for all-day values, a
// local time with no zone for floating ones, else a UTC instant.
type jsonDate struct {
	t             *time.Time
	day, floating bool
}

func (j jsonDate) MarshalJSON() ([]byte, error) {
	if j.t == nil || j.t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + j.format() + `"`), nil
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

type jsonAlarm struct {
	Offset    *int64   `json:"offset"`
	Date      jsonTime `json:"date"`
	Proximity string   `json:"proximity,omitempty"`
}

type jsonEvent struct {
	ID            int64                     `json:"id"`
	UUID          string                    `json:"uuid"`
	Title         string                    `json:"title"`
	Notes         string                    `json:"notes"`
	URL           string                    `json:"url"`
	ConferenceURL string                    `json:"conference_url,omitempty"`
	Start         jsonDate                  `json:"start"`
	End           jsonDate                  `json:"end"`
	AllDay        bool                      `json:"all_day"`
	Floating      bool                      `json:"floating,omitempty"`
	TimeZone      *string                   `json:"time_zone"`
	EndTimeZone   string                    `json:"end_time_zone,omitempty"`
	Location      *records.EventLocation    `json:"location"`
	Recurrence    *string                   `json:"recurrence"`
	Exceptions    []jsonDate                `json:"exceptions"`
	Alarms        []jsonAlarm               `json:"alarms"`
	Organizer     *records.Attendee         `json:"organizer"`
	Attendees     []records.Attendee        `json:"attendees"`
	Calendar      *records.CalendarInfo     `json:"calendar"`
	Attachments   []records.EventAttachment `json:"attachments,omitempty"`
	Status        string                    `json:"status,omitempty"`
	Birthday      bool                      `json:"birthday,omitempty"`
	OriginalID    *int64                    `json:"original_id,omitempty"`
	OriginalDate  *jsonDate                 `json:"original_date,omitempty"`
	Created       jsonTime                  `json:"created"`
	Modified      jsonTime                  `json:"modified"`
	Problems      []string                  `json:"problems"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newJSONEvent(e *records.Event) *jsonEvent {
	d := func(t *time.Time) jsonDate { return jsonDate{t: t, day: e.AllDay, floating: e.Floating} }
	j := &jsonEvent{
		ID: e.ID, UUID: e.UUID, Title: e.Title, Notes: e.Notes, URL: e.URL, ConferenceURL: e.ConferenceURL,
		Start: d(e.Start), End: d(e.End), AllDay: e.AllDay, Floating: e.Floating,
		TimeZone: nullable(e.TimeZone), EndTimeZone: e.EndTimeZone, Location: e.Location, Recurrence: nullable(e.Recurrence),
		Exceptions: []jsonDate{}, Alarms: []jsonAlarm{}, Organizer: e.Organizer, Attendees: orEmpty(e.Attendees),
		Calendar: e.Calendar, Attachments: e.Attachments, Status: e.Status, Birthday: e.Birthday,
		OriginalID: e.OriginalID, Created: ms(e.Created), Modified: ms(e.Modified), Problems: e.Problems,
	}
	for i := range e.Exceptions {
		j.Exceptions = append(j.Exceptions, d(&e.Exceptions[i]))
	}
	for _, a := range e.Alarms {
		j.Alarms = append(j.Alarms, jsonAlarm{Offset: a.Offset, Date: ms(a.Date), Proximity: a.Proximity})
	}
	if e.OriginalDate != nil {
		od := d(e.OriginalDate)
		j.OriginalDate = &od
	}
	return j
}

type jsonReminder struct {
	ID            int64     `json:"id"`
	UUID          string    `json:"uuid"`
	Store         string    `json:"store"`
	Title         string    `json:"title"`
	Notes         string    `json:"notes"`
	Due           jsonDate  `json:"due"`
	DueAllDay     bool      `json:"due_all_day"`
	Start         *jsonDate `json:"start,omitempty"`
	Completed     bool      `json:"completed"`
	CompletedDate jsonTime  `json:"completed_date"`
	Priority      int       `json:"priority"`
	List          string    `json:"list"`
	Account       string    `json:"account,omitempty"`
	Flagged       bool      `json:"flagged"`
	Parent        *int64    `json:"parent"`
	Recurrence    *string   `json:"recurrence"`
	Deleted       bool      `json:"deleted,omitempty"`
	Created       jsonTime  `json:"created"`
	Modified      jsonTime  `json:"modified"`
	Problems      []string  `json:"problems"`
}

func newJSONReminder(r *records.Reminder) *jsonReminder {
	j := &jsonReminder{
		ID: r.ID, UUID: r.UUID, Store: r.Store, Title: r.Title, Notes: r.Notes,
		Due: jsonDate{t: r.Due, day: r.DueAllDay}, DueAllDay: r.DueAllDay, Completed: r.Completed,
		CompletedDate: ms(r.CompletedDate), Priority: r.Priority, List: r.List, Account: r.Account,
		Flagged: r.Flagged, Parent: r.Parent, Recurrence: nullable(r.Recurrence), Deleted: r.Deleted,
		Created: ms(r.Created), Modified: ms(r.Modified), Problems: r.Problems,
	}
	if r.Start != nil {
		j.Start = &jsonDate{t: r.Start}
	}
	return j
}

// EventsHeader is the header row of EventsCSV.
var EventsHeader = []string{
	"id", "title", "start", "end", "all_day", "time_zone", "location", "latitude", "longitude",
	"recurrence", "exceptions", "alarms", "organizer", "attendees", "calendar", "calendar_color", "account",
	"url", "notes", "status", "created", "modified", "uuid", "problems",
}

// RemindersHeader is the header row of RemindersCSV.
var RemindersHeader = []string{
	"id", "title", "notes", "due", "completed", "completed_date", "priority", "list", "account",
	"flagged", "parent", "recurrence", "created", "modified", "store", "uuid", "deleted", "problems",
}

// EventsCSV writes events as CSV with the EventsHeader row: dates as in
// EventsJSONL, attendees as "Name <email> (status)" joined with "; ",
// alarms as offsets ("-15m") or dates, problems joined with "; ". Cells
// are defused against formula injection as in ContactsCSV.
func EventsCSV(w io.Writer, events iter.Seq2[*records.Event, error]) (Stats, error) {
	return writeCSV(w, EventsHeader, events, func(e *records.Event, row []string) []string {
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

// RemindersCSV writes reminders as CSV with the RemindersHeader row.
func RemindersCSV(w io.Writer, reminders iter.Seq2[*records.Reminder, error]) (Stats, error) {
	return writeCSV(w, RemindersHeader, reminders, func(r *records.Reminder, row []string) []string {
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
