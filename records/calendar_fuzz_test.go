package records_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/internal/fuzzcorpus"
	"github.com/iosbackup/iosbackup/records"
)

var calendarRowSeeds = [][]any{
	{"D=0MO,0WE", "Europe/Paris", int64(2), "700000000", int64(-900), int64(1)},
	{"FREQ=DAILY;BYSETPOS=-1", "_float", int64(1), "not-a-date", int64(0), int64(7)},
	{"D=9XX;M=1,2", "Nowhere/Zone", int64(99), "1e300", int64(1 << 40), int64(-5)},
	{"", "", int64(4), "", int64(0), int64(3)},
	{"INTERVAL=3;BYDAY=1MO\r\nX-INJECT:1", "America/New_York", int64(3), "-700000000.5", int64(60), int64(2)},
}

// FuzzCalendarRow writes hostile values into the columns of one event and
// checks the reader returns it with valid text and an RRULE that cannot
// break an iCalendar line.
func FuzzCalendarRow(f *testing.F) {
	fuzzcorpus.Check(f, "FuzzCalendarRow", calendarRowSeeds)
	f.Fuzz(func(t *testing.T, specifier, tz string, freq int64, start string, alarm int64, status int64) {
		d := dbfixture.CalendarData{
			Calendars: []dbfixture.CalCalendar{{ID: 1, Title: "C"}},
			Events: []dbfixture.CalEvent{{
				ID: 1, Title: "T" + tz, CalendarID: 1, TZ: tz, AllDay: freq%2 == 0,
				Start: time.Unix(1700000000, 0), End: time.Unix(1700003600, 0),
				Recurrence: &dbfixture.CalRecurrence{Frequency: int(freq % 1000), Specifier: specifier},
				Alarms:     []dbfixture.CalAlarm{{Offset: pint(int(alarm % (1 << 40)))}},
				Organizer:  &dbfixture.CalPerson{Email: "o@example.com", Status: int(status % 1000)},
				Raw:        map[string]any{"start_date": start, "start_tz": tz},
			}},
		}
		img, err := dbfixture.Calendar(dbfixture.CaliOS18, d)
		if err != nil {
			t.Skip(err)
		}
		c, err := records.OpenCalendar(dbfixture.FS(devicepath.Calendar, img, nil))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		n := 0
		for e, err := range c.Events(context.Background()) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			if strings.ContainsAny(e.Recurrence, "\r\n:\"") || (e.Recurrence != "" && !strings.HasPrefix(e.Recurrence, "FREQ=")) {
				t.Errorf("unsafe recurrence %q", e.Recurrence)
			}
			for _, s := range append([]string{e.Title, e.TimeZone, e.Recurrence}, e.Problems...) {
				if !utf8.ValidString(s) {
					t.Errorf("invalid UTF-8 %q", s)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d events, want 1", n)
		}
	})
}

// TestCalendarHostileLists checks that long related lists are cut, with the
// cut listed as a problem.
func TestCalendarHostileLists(t *testing.T) {
	e := dbfixture.CalEvent{ID: 1, Title: "Crowd", CalendarID: 1, Start: time.Unix(1700000000, 0), End: time.Unix(1700003600, 0)}
	for i := range 1200 {
		e.Attendees = append(e.Attendees, dbfixture.CalPerson{Email: strings.Repeat("a", i%50) + "@example.com", Status: 1})
	}
	img, err := dbfixture.Calendar(dbfixture.CaliOS14, dbfixture.CalendarData{Calendars: []dbfixture.CalCalendar{{ID: 1}}, Events: []dbfixture.CalEvent{e}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := records.OpenCalendar(dbfixture.FS(devicepath.Calendar, img, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := allEvents(t, c)
	if len(got) != 1 || len(got[0].Attendees) != 1000 || len(got[0].Problems) != 1 || got[0].Problems[0] != "more attendees not read" {
		t.Errorf("got %d events, %d attendees, problems %q", len(got), len(got[0].Attendees), got[0].Problems)
	}
}
