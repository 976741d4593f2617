package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/iosbackup/iosbackup/records"
)

func tp(t time.Time) *time.Time { return &t }
func ip(i int64) *int64         { return &i }
func fp(f float64) *float64     { return &f }

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func d(y int, m time.Month, dd int) time.Time { return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC) }

// sampleEvents: a series with an exception and a moved occurrence across
// the US DST change, events in three zones, all-day events across DST
// changes, a floating event, and an event with no start.
func sampleEvents(t *testing.T) []*records.Event {
	ny, paris, tokyo := zone(t, "America/New_York"), zone(t, "Europe/Paris"), zone(t, "Asia/Tokyo")
	home := &records.CalendarInfo{ID: 1, Title: "Home", Color: "#34AADC", Account: "iCloud"}
	travel := &records.CalendarInfo{ID: 2, Title: "Travel / Trips", Color: "#FF9500", Account: "Default"}
	created := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	return []*records.Event{
		{ID: 1, UUID: "STANDUP-1", Title: "Standup; daily, short", Notes: "line one\r\nline two \\ end",
			Start: tp(time.Date(2024, 3, 4, 9, 0, 0, 0, ny)), End: tp(time.Date(2024, 3, 4, 9, 15, 0, 0, ny)), TimeZone: "America/New_York",
			Recurrence: "FREQ=WEEKLY;UNTIL=20240329T235959Z;BYDAY=MO,WE,FR",
			Exceptions: []time.Time{time.Date(2024, 3, 11, 9, 0, 0, 0, ny).UTC()},
			Alarms:     []records.Alarm{{Offset: ip(-600)}, {Offset: ip(-90061)}},
			Organizer:  &records.Attendee{Name: `Dana "The Lead"`, Email: "dana@example.com", Status: "accepted"},
			Attendees: []records.Attendee{
				{Name: "Eli, Jr.", Email: "eli@example.com", Status: "tentative"},
				{Email: "me@example.com", Status: "needs-action", Self: true},
			},
			Calendar: home, Created: &created, Modified: &created, Status: "confirmed"},
		{ID: 2, Title: "Standup (moved)", TimeZone: "America/New_York", Calendar: home,
			Start: tp(time.Date(2024, 3, 13, 10, 0, 0, 0, ny)), End: tp(time.Date(2024, 3, 13, 10, 15, 0, 0, ny)),
			OriginalID: ip(1), OriginalDate: tp(time.Date(2024, 3, 13, 9, 0, 0, 0, ny))},
		{ID: 3, Title: "Flight to Tokyo " + strings.Repeat("✈️", 40), TimeZone: "Europe/Paris", EndTimeZone: "Asia/Tokyo", Calendar: travel, Status: "tentative",
			Start: tp(time.Date(2024, 3, 30, 13, 30, 0, 0, paris)), End: tp(time.Date(2024, 3, 31, 8, 45, 0, 0, tokyo)),
			Location: &records.EventLocation{Title: "CDG Terminal 2E", Address: "95700 Roissy", Latitude: fp(49.0047), Longitude: fp(2.5711)},
			URL:      "https://example.com/flight?x=1&y=2"},
		{ID: 4, Title: "Sushi dinner", TimeZone: "Asia/Tokyo", Calendar: travel,
			Start: tp(time.Date(2024, 4, 1, 19, 0, 0, 0, tokyo)), End: tp(time.Date(2024, 4, 1, 21, 0, 0, 0, tokyo)),
			Alarms: []records.Alarm{{Date: tp(time.Date(2024, 4, 1, 8, 0, 0, 0, time.UTC))}}},
		{ID: 5, Title: "Paris weekend", AllDay: true, Calendar: travel, Start: tp(d(2024, 3, 29)), End: tp(d(2024, 3, 31))},
		{ID: 6, Title: "Anniversary", AllDay: true, Calendar: home, Start: tp(d(2024, 3, 10)), End: tp(d(2024, 3, 10)),
			Recurrence: "FREQ=YEARLY", Exceptions: []time.Time{d(2025, 3, 10)}},
		{ID: 7, Title: "Wake up", Floating: true, Calendar: home, Recurrence: "FREQ=DAILY;UNTIL=20240310T070000Z",
			Start: tp(time.Date(2024, 3, 5, 7, 0, 0, 0, time.UTC)), End: tp(time.Date(2024, 3, 5, 7, 30, 0, 0, time.UTC))},
		{ID: 8, Title: "Damaged", Calendar: home, Problems: []string{`start_date: not a date: "x"`}},
	}
}

func TestEventsICSWithGoICal(t *testing.T) {
	var buf bytes.Buffer
	st, err := EventsICS(&buf, seqOf(sampleEvents(t)...), ICSOptions{Stamp: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)})
	if st.Written != 7 || st.Failed != 1 || !errors.Is(err, errNoStart) {
		t.Fatalf("stats %+v, err %v; want 7 written, 1 failed with ErrNoStart", st, err)
	}
	out := buf.String()
	for i, line := range strings.Split(out, "\r\n") {
		if len(line) > 75 {
			t.Errorf("line %d is %d octets: %q", i, len(line), line)
		}
	}
	dec := ical.NewDecoder(strings.NewReader(out))
	var cals []*ical.Calendar
	for {
		cal, err := dec.Decode()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		cals = append(cals, cal)
	}
	if len(cals) != 2 {
		t.Fatalf("%d calendars, want 2 (Home, Travel)", len(cals))
	}
	name := func(c *ical.Calendar) string { v, _ := c.Props.Text("X-WR-CALNAME"); return v }
	if name(cals[0]) != "Home" || name(cals[1]) != "Travel / Trips" {
		t.Errorf("calendar names %q %q", name(cals[0]), name(cals[1]))
	}
	tzids := func(c *ical.Calendar) []string {
		var ids []string
		for _, ch := range c.Children {
			if ch.Name == ical.CompTimezone {
				v, _ := ch.Props.Text(ical.PropTimezoneID)
				ids = append(ids, v)
			}
		}
		return ids
	}
	if got := tzids(cals[0]); !slices.Equal(got, []string{"America/New_York"}) {
		t.Errorf("Home zones %q", got)
	}
	if got := tzids(cals[1]); !slices.Equal(got, []string{"Asia/Tokyo", "Europe/Paris"}) {
		t.Errorf("Travel zones %q", got)
	}
	home := cals[0].Events()
	if len(home) != 4 {
		t.Fatalf("Home has %d events", len(home))
	}
	s := home[0]
	start, err := s.DateTimeStart(nil)
	if err != nil || !start.Equal(time.Date(2024, 3, 4, 14, 0, 0, 0, time.UTC)) {
		t.Errorf("standup start %v %v", start, err)
	}
	if v, _ := s.Props.Text(ical.PropSummary); v != "Standup; daily, short" {
		t.Errorf("summary %q", v)
	}
	if v, _ := s.Props.Text(ical.PropDescription); v != "line one\nline two \\ end" {
		t.Errorf("description %q", v)
	}
	rule, err := s.Props.RecurrenceRule()
	if err != nil || rule == nil || rule.Freq.String() != "WEEKLY" || len(rule.Byweekday) != 3 {
		t.Errorf("rrule %+v %v", rule, err)
	}
	set, err := s.RecurrenceSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	occ := set.All()
	// Mondays, Wednesdays and Fridays from 4 to 29 March: 12, less 11 March.
	if len(occ) != 11 {
		t.Errorf("%d occurrences, want 11: %v", len(occ), occ)
	}
	for _, o := range occ {
		if o.Equal(time.Date(2024, 3, 11, 13, 0, 0, 0, time.UTC)) {
			t.Errorf("the exception 11 March is an occurrence")
		}
		if h := o.In(zone(t, "America/New_York")).Hour(); h != 9 {
			t.Errorf("occurrence %v is at %d:00 New York time, want 9:00 (across the DST change)", o, h)
		}
	}
	org := s.Props.Get(ical.PropOrganizer)
	if org == nil || org.Value != "mailto:dana@example.com" || org.Params.Get(ical.ParamCommonName) != "Dana 'The Lead'" {
		t.Errorf("organizer %+v", org)
	}
	att := s.Props.Values(ical.PropAttendee)
	if len(att) != 2 || att[0].Params.Get(ical.ParamCommonName) != "Eli, Jr." || att[0].Params.Get(ical.ParamParticipationStatus) != "TENTATIVE" ||
		att[1].Value != "mailto:me@example.com" || att[1].Params.Get(ical.ParamParticipationStatus) != "NEEDS-ACTION" {
		t.Errorf("attendees %+v", att)
	}
	var triggers []string
	for _, ch := range s.Children {
		if ch.Name == ical.CompAlarm {
			triggers = append(triggers, ch.Props.Get(ical.PropTrigger).Value)
		}
	}
	if !slices.Equal(triggers, []string{"-PT10M", "-P1DT1H1M1S"}) {
		t.Errorf("triggers %q", triggers)
	}
	moved := home[1]
	if uid, _ := moved.Props.Text(ical.PropUID); uid != "STANDUP-1" {
		t.Errorf("moved occurrence UID %q, want the series'", uid)
	}
	if rid, err := moved.Props.DateTime(ical.PropRecurrenceID, nil); err != nil || !rid.Equal(time.Date(2024, 3, 13, 13, 0, 0, 0, time.UTC)) {
		t.Errorf("RECURRENCE-ID %v %v", rid, err)
	}
	anniv := home[2]
	if p := anniv.Props.Get(ical.PropDateTimeStart); p.Value != "20240310" || p.ValueType() != ical.ValueDate {
		t.Errorf("all-day DTSTART %+v", p)
	}
	if p := anniv.Props.Get(ical.PropDateTimeEnd); p.Value != "20240311" {
		t.Errorf("all-day DTEND %q, want the day after", p.Value)
	}
	if p := anniv.Props.Get(ical.PropExceptionDates); p == nil || p.Value != "20250310" || p.ValueType() != ical.ValueDate {
		t.Errorf("all-day EXDATE %+v", p)
	}
	wake := home[3]
	if p := wake.Props.Get(ical.PropDateTimeStart); p.Value != "20240305T070000" || p.Params.Get(ical.PropTimezoneID) != "" {
		t.Errorf("floating DTSTART %+v", p)
	}

	travel := cals[1].Events()
	if len(travel) != 3 {
		t.Fatalf("Travel has %d events", len(travel))
	}
	fl := travel[0]
	if p := fl.Props.Get(ical.PropDateTimeStart); p.Value != "20240330T133000" || p.Params.Get(ical.PropTimezoneID) != "Europe/Paris" {
		t.Errorf("flight DTSTART %+v", p)
	}
	if p := fl.Props.Get(ical.PropDateTimeEnd); p.Value != "20240331T084500" || p.Params.Get(ical.PropTimezoneID) != "Asia/Tokyo" {
		t.Errorf("flight DTEND %+v, want in the end's own zone", p)
	}
	if end, err := fl.DateTimeEnd(nil); err != nil || !end.Equal(time.Date(2024, 3, 30, 23, 45, 0, 0, time.UTC)) {
		t.Errorf("flight end %v %v", end, err)
	}
	if v, _ := fl.Props.Text(ical.PropSummary); v != "Flight to Tokyo "+strings.Repeat("✈️", 40) {
		t.Errorf("long summary not unfolded intact: %q", v)
	}
	if g := fl.Props.Get(ical.PropGeo); g == nil || g.Value != "49.0047;2.5711" {
		t.Errorf("GEO %+v", g)
	}
	if u := fl.Props.Get(ical.PropURL); u == nil || u.Value != "https://example.com/flight?x=1&y=2" {
		t.Errorf("URL %+v", u)
	}
	wk := travel[2]
	if s, e := wk.Props.Get(ical.PropDateTimeStart).Value, wk.Props.Get(ical.PropDateTimeEnd).Value; s != "20240329" || e != "20240401" {
		t.Errorf("all-day weekend %s–%s, want 20240329–20240401 (exclusive)", s, e)
	}
}

// TestEventsICSIndependentParser reads the output with a minimal parser
// written here (line unfolding, properties, components) and resolves
// every TZID through the VTIMEZONE of the file itself, not Go's zones.
func TestEventsICSIndependentParser(t *testing.T) {
	events := sampleEvents(t)
	var buf bytes.Buffer
	if _, err := EventsICS(&buf, seqOf(events...), ICSOptions{Stamp: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}); !errors.Is(err, errNoStart) {
		t.Fatal(err)
	}
	root := parseICS(t, buf.String())
	var got []map[string]string
	for _, cal := range root.children {
		zones := map[string]*icsNode{}
		for _, c := range cal.children {
			if c.name == "VTIMEZONE" {
				zones[c.first("TZID").value] = c
			}
		}
		for _, c := range cal.children {
			if c.name != "VEVENT" {
				continue
			}
			row := map[string]string{"SUMMARY": unescape(c.first("SUMMARY").value), "CAL": cal.first("X-WR-CALNAME").value}
			for _, name := range []string{"DTSTART", "DTEND", "RECURRENCE-ID"} {
				if p := c.first(name); p != nil {
					row[name] = resolve(t, p, zones)
				}
			}
			if p := c.first("RRULE"); p != nil {
				row["RRULE"] = p.value
			}
			var ex []string
			for _, p := range c.all("EXDATE") {
				ex = append(ex, resolve(t, p, zones))
			}
			row["EXDATE"] = strings.Join(ex, ",")
			got = append(got, row)
		}
	}
	want := []map[string]string{
		{"CAL": "Home", "SUMMARY": "Standup; daily, short", "DTSTART": "2024-03-04T14:00:00Z", "DTEND": "2024-03-04T14:15:00Z",
			"RRULE": "FREQ=WEEKLY;UNTIL=20240329T235959Z;BYDAY=MO,WE,FR", "EXDATE": "2024-03-11T13:00:00Z"},
		{"CAL": "Home", "SUMMARY": "Standup (moved)", "DTSTART": "2024-03-13T14:00:00Z", "DTEND": "2024-03-13T14:15:00Z",
			"RECURRENCE-ID": "2024-03-13T13:00:00Z", "EXDATE": ""},
		{"CAL": "Home", "SUMMARY": "Anniversary", "DTSTART": "date 2024-03-10", "DTEND": "date 2024-03-11", "RRULE": "FREQ=YEARLY", "EXDATE": "date 2025-03-10"},
		{"CAL": "Home", "SUMMARY": "Wake up", "DTSTART": "floating 2024-03-05T07:00:00", "DTEND": "floating 2024-03-05T07:30:00", "RRULE": "FREQ=DAILY;UNTIL=20240310T070000", "EXDATE": ""},
		{"CAL": "Travel / Trips", "SUMMARY": "Flight to Tokyo " + strings.Repeat("✈️", 40), "DTSTART": "2024-03-30T12:30:00Z", "DTEND": "2024-03-30T23:45:00Z", "EXDATE": ""},
		{"CAL": "Travel / Trips", "SUMMARY": "Sushi dinner", "DTSTART": "2024-04-01T10:00:00Z", "DTEND": "2024-04-01T12:00:00Z", "EXDATE": ""},
		{"CAL": "Travel / Trips", "SUMMARY": "Paris weekend", "DTSTART": "date 2024-03-29", "DTEND": "date 2024-04-01", "EXDATE": ""},
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		t.Errorf("parsed events:\n%s", g)
	}
}

type icsProp struct {
	name, value string
	params      map[string]string
}

type icsNode struct {
	name     string
	props    []*icsProp
	children []*icsNode
}

func (n *icsNode) first(name string) *icsProp {
	for _, p := range n.props {
		if p.name == name {
			return p
		}
	}
	return nil
}

func (n *icsNode) all(name string) []*icsProp {
	var out []*icsProp
	for _, p := range n.props {
		if p.name == name {
			out = append(out, p)
		}
	}
	return out
}

// parseICS unfolds lines (CRLF followed by a space or tab) and builds the
// component tree; parameter values may be quoted.
func parseICS(t *testing.T, s string) *icsNode {
	t.Helper()
	if !strings.HasSuffix(s, "\r\n") || strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\n") {
		t.Fatal("lines must end with CRLF and hold no bare LF")
	}
	s = strings.ReplaceAll(s, "\r\n ", "")
	s = strings.ReplaceAll(s, "\r\n\t", "")
	root := &icsNode{}
	stack := []*icsNode{root}
	for _, line := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		// name and params end at the first colon outside quotes
		inQ, colon := false, -1
		for i, r := range line {
			if r == '"' {
				inQ = !inQ
			}
			if r == ':' && !inQ {
				colon = i
				break
			}
		}
		if colon < 0 {
			t.Fatalf("no colon in %q", line)
		}
		head, value := line[:colon], line[colon+1:]
		parts := splitOutsideQuotes(head, ';')
		p := &icsProp{name: parts[0], value: value, params: map[string]string{}}
		for _, kv := range parts[1:] {
			k, v, _ := strings.Cut(kv, "=")
			p.params[k] = strings.Trim(v, `"`)
		}
		top := stack[len(stack)-1]
		switch p.name {
		case "BEGIN":
			n := &icsNode{name: value}
			top.children = append(top.children, n)
			stack = append(stack, n)
		case "END":
			if top.name != value {
				t.Fatalf("END:%s closes %s", value, top.name)
			}
			stack = stack[:len(stack)-1]
		default:
			top.props = append(top.props, p)
		}
	}
	if len(stack) != 1 {
		t.Fatal("unclosed component")
	}
	return root
}

func splitOutsideQuotes(s string, sep rune) []string {
	var out []string
	inQ, start := false, 0
	for i, r := range s {
		if r == '"' {
			inQ = !inQ
		}
		if r == sep && !inQ {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func unescape(s string) string {
	r := strings.NewReplacer(`\n`, "\n", `\N`, "\n", `\;`, ";", `\,`, ",", `\\`, `\`)
	return r.Replace(s)
}

// resolve turns a DTSTART-like property into "YYYY-MM-DDTHH:MM:SSZ",
// "date YYYY-MM-DD" or "floating …", converting TZID local times with the
// file's VTIMEZONE: the offset is TZOFFSETTO of the latest observance
// starting at or before the local time.
func resolve(t *testing.T, p *icsProp, zones map[string]*icsNode) string {
	t.Helper()
	v := p.value
	if p.params["VALUE"] == "DATE" || len(v) == 8 {
		tm, err := time.Parse("20060102", v)
		if err != nil {
			t.Fatal(err)
		}
		return "date " + tm.Format("2006-01-02")
	}
	if strings.HasSuffix(v, "Z") {
		tm, err := time.Parse("20060102T150405Z", v)
		if err != nil {
			t.Fatal(err)
		}
		return tm.Format(time.RFC3339)
	}
	local, err := time.Parse("20060102T150405", v)
	if err != nil {
		t.Fatal(err)
	}
	tzid := p.params["TZID"]
	if tzid == "" {
		return "floating " + local.Format("2006-01-02T15:04:05")
	}
	z := zones[tzid]
	if z == nil {
		t.Fatalf("no VTIMEZONE %q", tzid)
	}
	var best time.Time
	off := ""
	for _, o := range z.children {
		st, err := time.Parse("20060102T150405", o.first("DTSTART").value)
		if err != nil {
			t.Fatal(err)
		}
		if !st.After(local) && (off == "" || st.After(best)) {
			best, off = st, o.first("TZOFFSETTO").value
		}
	}
	if off == "" {
		t.Fatalf("%s: no observance before %v", tzid, local)
	}
	sign := 1
	if off[0] == '-' {
		sign = -1
	}
	h, _ := strconv.Atoi(off[1:3])
	m, _ := strconv.Atoi(off[3:5])
	return local.Add(-time.Duration(sign*(h*3600+m*60)) * time.Second).Format(time.RFC3339)
}

func TestEventsICSDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cals")
	cals, st, err := EventsICSDir(dir, seqOf(sampleEvents(t)...), ICSOptions{})
	if !errors.Is(err, errNoStart) || st.Written != 7 {
		t.Fatalf("%+v %v", st, err)
	}
	if len(cals) != 2 || filepath.Base(cals[0].File) != "Home.ics" || cals[0].Count != 4 ||
		filepath.Base(cals[1].File) != "Travel_Trips.ics" || cals[1].Count != 3 {
		t.Errorf("calendars %+v", cals)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("%d files in the folder (temporary files left?)", len(ents))
	}
	for _, c := range cals {
		fi, err := os.Stat(c.File)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", c.File, fi.Mode(), err)
		}
		data, _ := os.ReadFile(c.File)
		if _, err := ical.NewDecoder(bytes.NewReader(data)).Decode(); err != nil {
			t.Errorf("%s: %v", c.File, err)
		}
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v", di.Mode())
	}
}

func sampleReminders() []*records.Reminder {
	return []*records.Reminder{
		{ID: 10, Store: "Data-A.sqlite", Title: "Buy milk", Notes: "2% organic", Due: tp(time.Date(2023, 3, 11, 4, 0, 0, 0, time.UTC)),
			Priority: 1, List: "Groceries", Flagged: true, Recurrence: "FREQ=MONTHLY",
			Created: tp(time.Date(2023, 3, 8, 20, 26, 40, 500e6, time.UTC))},
		{ID: 11, Store: "Data-A.sqlite", Title: "Submit report", Completed: true, CompletedDate: tp(time.Date(2023, 3, 12, 7, 46, 40, 0, time.UTC)),
			Priority: 5, List: "Work"},
		{ID: 12, Store: "Data-A.sqlite", Title: "Call plumber", Due: tp(d(2023, 3, 11)), DueAllDay: true, List: "Work"},
		{ID: 13, Store: "Data-A.sqlite", Title: "Buy oat milk", List: "Groceries", Parent: ip(10)},
		{ID: 14, Store: "Data-A.sqlite", Title: "Gone", List: "Groceries", Deleted: true},
	}
}

func TestRemindersICS(t *testing.T) {
	var buf bytes.Buffer
	st, err := RemindersICS(&buf, seqOf(sampleReminders()...), ICSOptions{Stamp: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil || st.Written != 4 || st.Skipped != 1 {
		t.Fatalf("%+v %v; want 4 written, the deleted one skipped", st, err)
	}
	root := parseICS(t, buf.String())
	if len(root.children) != 2 {
		t.Fatalf("%d calendars, want 2 lists", len(root.children))
	}
	type todo struct{ cal, summary, due, status, completed, priority, rrule, related, uid string }
	var got []todo
	for _, cal := range root.children {
		for _, c := range cal.children {
			if c.name != "VTODO" {
				t.Fatalf("component %s in a reminders calendar", c.name)
			}
			v := func(n string) string {
				if p := c.first(n); p != nil {
					return p.value
				}
				return ""
			}
			got = append(got, todo{cal.first("X-WR-CALNAME").value, v("SUMMARY"), v("DUE"), v("STATUS"), v("COMPLETED"), v("PRIORITY"), v("RRULE"), v("RELATED-TO"), v("UID")})
		}
	}
	want := []todo{
		{"Groceries", "Buy milk", "20230311T040000Z", "NEEDS-ACTION", "", "1", "FREQ=MONTHLY", "", "ibackup-reminder-10-Data-A.sqlite"},
		{"Groceries", "Buy oat milk", "", "NEEDS-ACTION", "", "", "", "ibackup-reminder-10-Data-A.sqlite", "ibackup-reminder-13-Data-A.sqlite"},
		{"Work", "Submit report", "", "COMPLETED", "20230312T074640Z", "5", "", "", "ibackup-reminder-11-Data-A.sqlite"},
		{"Work", "Call plumber", "20230311", "NEEDS-ACTION", "", "", "", "", "ibackup-reminder-12-Data-A.sqlite"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	// and go-ical reads both calendars
	dec := ical.NewDecoder(&buf)
	for range 2 {
		if _, err := dec.Decode(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEventsJSONLAndCSV(t *testing.T) {
	ev := sampleEvents(t)
	var buf bytes.Buffer
	st, err := JSONL(&buf, seqOf(ev[5], ev[6], ev[7]))
	if err != nil || st.Written != 3 {
		t.Fatalf("%+v %v", st, err)
	}
	want := `{"id":6,"uuid":"","title":"Anniversary","notes":"","url":"","start":"2024-03-10","end":"2024-03-10","all_day":true,"time_zone":null,"location":null,"recurrence":"FREQ=YEARLY","exceptions":["2025-03-10"],"alarms":[],"organizer":null,"attendees":[],"calendar":{"id":1,"title":"Home","color":"#34AADC","account":"iCloud"},"created":null,"modified":null,"problems":null}
{"id":7,"uuid":"","title":"Wake up","notes":"","url":"","start":"2024-03-05T07:00:00.000","end":"2024-03-05T07:30:00.000","all_day":false,"floating":true,"time_zone":null,"location":null,"recurrence":"FREQ=DAILY;UNTIL=20240310T070000Z","exceptions":[],"alarms":[],"organizer":null,"attendees":[],"calendar":{"id":1,"title":"Home","color":"#34AADC","account":"iCloud"},"created":null,"modified":null,"problems":null}
{"id":8,"uuid":"","title":"Damaged","notes":"","url":"","start":null,"end":null,"all_day":false,"time_zone":null,"location":null,"recurrence":null,"exceptions":[],"alarms":[],"organizer":null,"attendees":[],"calendar":{"id":1,"title":"Home","color":"#34AADC","account":"iCloud"},"created":null,"modified":null,"problems":["start_date: not a date: \"x\""]}
`
	if buf.String() != want {
		t.Errorf("JSONL:\n%s\nwant\n%s", buf.String(), want)
	}
	buf.Reset()
	if _, err := EventsCSV(&buf, seqOf(ev[0])); err != nil {
		t.Fatal(err)
	}
	wantCSV := "id,title,start,end,all_day,time_zone,location,latitude,longitude,recurrence,exceptions,alarms,organizer,attendees,calendar,calendar_color,account,url,notes,status,created,modified,uuid,problems\n" +
		`1,"Standup; daily, short",2024-03-04T14:00:00.000Z,2024-03-04T14:15:00.000Z,false,America/New_York,,,,"FREQ=WEEKLY;UNTIL=20240329T235959Z;BYDAY=MO,WE,FR",2024-03-11T13:00:00.000Z,'-10m; -1d1h1m,"Dana ""The Lead"" <dana@example.com>","Eli, Jr. <eli@example.com> (tentative); me@example.com (needs-action)",Home,#34AADC,iCloud,,"line one` + "\r\n" + `line two \ end",confirmed,2024-03-01T12:00:00.000Z,2024-03-01T12:00:00.000Z,STANDUP-1,` + "\n"
	// A byte order mark, if the CSV writer adds one, is not the point here.
	if got := strings.TrimPrefix(buf.String(), "\uFEFF"); got != wantCSV {
		t.Errorf("CSV:\n%q\nwant\n%q", got, wantCSV)
	}
}

func TestRemindersJSONLAndCSV(t *testing.T) {
	var buf bytes.Buffer
	rs := sampleReminders()
	if _, err := JSONL(&buf, seqOf(rs[2:4]...)); err != nil {
		t.Fatal(err)
	}
	want := `{"id":12,"uuid":"","store":"Data-A.sqlite","title":"Call plumber","notes":"","due":"2023-03-11","due_all_day":true,"completed":false,"completed_date":null,"priority":0,"list":"Work","flagged":false,"parent":null,"recurrence":null,"created":null,"modified":null,"problems":null}
{"id":13,"uuid":"","store":"Data-A.sqlite","title":"Buy oat milk","notes":"","due":null,"due_all_day":false,"completed":false,"completed_date":null,"priority":0,"list":"Groceries","flagged":false,"parent":10,"recurrence":null,"created":null,"modified":null,"problems":null}
`
	if buf.String() != want {
		t.Errorf("JSONL:\n%s\nwant\n%s", buf.String(), want)
	}
	buf.Reset()
	if _, err := RemindersCSV(&buf, seqOf(rs[:2]...)); err != nil {
		t.Fatal(err)
	}
	wantCSV := "id,title,notes,due,completed,completed_date,priority,list,account,flagged,parent,recurrence,created,modified,store,uuid,deleted,problems\n" +
		"10,Buy milk,2% organic,2023-03-11T04:00:00.000Z,false,,1,Groceries,,true,,FREQ=MONTHLY,2023-03-08T20:26:40.500Z,,Data-A.sqlite,,false,\n" +
		"11,Submit report,,,true,2023-03-12T07:46:40.000Z,5,Work,,false,,,,,Data-A.sqlite,,false,\n"
	// A byte order mark, if the CSV writer adds one, is not the point here.
	if got := strings.TrimPrefix(buf.String(), "\uFEFF"); got != wantCSV {
		t.Errorf("CSV:\n%q\nwant\n%q", got, wantCSV)
	}
}

// TestCalendarJSONViewsMatchTypes: the views list every field of the
// record types, in order, with the same tags.
func TestCalendarJSONViewsMatchTypes(t *testing.T) {
	for _, pair := range [][2]reflect.Type{
		{reflect.TypeFor[records.Event](), reflect.TypeFor[jsonEvent]()},
		{reflect.TypeFor[records.Reminder](), reflect.TypeFor[jsonReminder]()},
	} {
		var orig, view []string
		for f := range pair[0].Fields() {
			orig = append(orig, f.Name+" "+f.Tag.Get("json"))
		}
		for f := range pair[1].Fields() {
			view = append(view, f.Name+" "+f.Tag.Get("json"))
		}
		if !slices.Equal(orig, view) {
			t.Errorf("%v and %v differ:\n%q\n%q", pair[0], pair[1], orig, view)
		}
	}
}

func TestUTCOffsetAndDuration(t *testing.T) {
	for in, want := range map[int]string{0: "+0000", 3600: "+0100", -18000: "-0500", 19800: "+0530", -3600*9 - 1800: "-0930", 561: "+000921"} {
		if got := utcOffset(in); got != want {
			t.Errorf("utcOffset(%d) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int64]string{0: "PT0S", -900: "-PT15M", 86400: "P1D", -93784: "-P1DT2H3M4S", 59: "PT59S"} {
		if got := icsDuration(in); got != want {
			t.Errorf("icsDuration(%d) = %q, want %q", in, got, want)
		}
	}
}

// TestVTimezoneMatchesGo exports events in zones with southern-hemisphere
// DST, half-hour offsets, offset changes without DST and no DST at all,
// and checks that resolving each DTSTART through the file's own VTIMEZONE
// gives the instant Go's zone data gives.
func TestVTimezoneMatchesGo(t *testing.T) {
	zones := []string{"Australia/Sydney", "Asia/Kolkata", "Europe/Moscow", "America/St_Johns", "Pacific/Chatham", "America/Sao_Paulo", "Europe/London"}
	var events []*records.Event
	var want []string
	id := int64(0)
	for _, z := range zones {
		loc := zone(t, z)
		for _, local := range []time.Time{
			time.Date(2010, 1, 15, 12, 0, 0, 0, loc), time.Date(2011, 7, 1, 8, 30, 0, 0, loc),
			time.Date(2013, 3, 31, 12, 0, 0, 0, loc), time.Date(2014, 10, 27, 9, 0, 0, 0, loc),
			time.Date(2015, 4, 5, 1, 30, 0, 0, loc), time.Date(2019, 11, 3, 23, 0, 0, 0, loc),
		} {
			id++
			s := local
			events = append(events, &records.Event{ID: id, Title: z, Start: &s, TimeZone: z, Calendar: &records.CalendarInfo{ID: 1, Title: "Z"}})
			want = append(want, s.UTC().Format(time.RFC3339))
		}
	}
	var buf bytes.Buffer
	if _, err := EventsICS(&buf, seqOf(events...), ICSOptions{Stamp: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	root := parseICS(t, buf.String())
	zonesIn := map[string]*icsNode{}
	var got []string
	for _, c := range root.children[0].children {
		switch c.name {
		case "VTIMEZONE":
			zonesIn[c.first("TZID").value] = c
		case "VEVENT":
			got = append(got, resolve(t, c.first("DTSTART"), zonesIn))
		}
	}
	if len(zonesIn) != len(zones) {
		t.Errorf("%d VTIMEZONE, want %d", len(zonesIn), len(zones))
	}
	if !slices.Equal(got, want) {
		for i := range want {
			if i < len(got) && got[i] != want[i] {
				t.Errorf("%s: resolved %s, want %s", events[i].Title, got[i], want[i])
			}
		}
	}
}
