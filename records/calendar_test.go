package records_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/internal/realdata"
	"github.com/iosbackup/iosbackup/records"
)

func ptime(t time.Time) *time.Time { return &t }
func pfloat(f float64) *float64    { return &f }
func pint64(i int64) *int64        { return &i }
func pint(i int) *int              { return &i }

// utc is a shorthand for a UTC time.
func utc(y int, mo time.Month, d, h, mi, s, ms int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ms*int(time.Millisecond), time.UTC)
}

func day(y int, mo time.Month, d int) time.Time { return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC) }

func allEvents(t *testing.T, c *records.CalendarDB) []*records.Event {
	t.Helper()
	var out []*records.Event
	for e, err := range c.Events(context.Background()) {
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		out = append(out, e)
	}
	return out
}

func allReminders(t *testing.T, r *records.ReminderDB) []*records.Reminder {
	t.Helper()
	var out []*records.Reminder
	for e, err := range r.Reminders(context.Background()) {
		if err != nil {
			t.Fatalf("Reminders: %v", err)
		}
		out = append(out, e)
	}
	return out
}

// diff reports the differences between got and want as JSON, field by
// field through reflect.DeepEqual.
func diff(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// TestCalendarRealFixture reads the independent ios-backup-parser fixture:
// expected values worked out with sqlite3 (file:...?immutable=1).
func TestCalendarRealFixture(t *testing.T) {
	path := realdata.Path(t, "ios-backup-parser", "calendar", "testdata", "calendar.1.Calendar.sqlitedb")
	before, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	c, err := records.OpenCalendarFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := allEvents(t, c)
	work := &records.CalendarInfo{ID: 1, Title: "Work", Color: "#FF0000", Account: "iCloud"}
	personal := &records.CalendarInfo{ID: 2, Title: "Personal", Color: "#00FF00", Account: "On My iPhone"}
	want := []*records.Event{
		{
			ID: 1, Title: "Team Sync", Notes: "Quarterly planning", URL: "https://example.invalid/e1",
			ConferenceURL: "https://meet.example.invalid/abc", // conference_url_detected wins over conference_url
			Start:         ptime(utc(2023, 3, 8, 20, 26, 40, 500)), End: ptime(utc(2023, 3, 8, 21, 26, 40, 500)),
			TimeZone:   "America/Los_Angeles",
			Location:   &records.EventLocation{Title: "HQ", Address: "1 Example Way", Latitude: pfloat(37.33), Longitude: pfloat(-122.03)},
			Recurrence: "FREQ=WEEKLY;COUNT=10",
			Alarms: []records.Alarm{
				{Offset: pint64(-900)},
				{Date: ptime(utc(2023, 3, 8, 20, 11, 40, 0))},
			},
			Organizer: &records.Attendee{Name: "Alex Organizer", Email: "alex@example.invalid", Status: "accepted", Self: true},
			Attendees: []records.Attendee{
				{Name: "Blair Invitee", Email: "blair@example.invalid", Status: "accepted"},
				{Name: "Casey Invitee", Email: "casey@example.invalid", Status: "declined"},
			},
			Calendar:    work,
			Attachments: []records.EventAttachment{{Name: "agenda.pdf", Size: 1024, URL: "cid:agenda"}},
			Status:      "confirmed",
			Created:     ptime(utc(2023, 3, 7, 16, 40, 0, 250)),
			Modified:    ptime(utc(2023, 3, 8, 6, 33, 20, 750)),
		},
		{
			// all-day, floating: 700100000 is 2023-03-10T00:13:20Z, the end one day later.
			ID: 2, Title: "Holiday", AllDay: true,
			Start: ptime(day(2023, 3, 10)), End: ptime(day(2023, 3, 10)),
			Calendar: personal,
		},
		{
			// a birthday: no end stored
			ID: 3, Title: "Birthday of Somebody", AllDay: true, Birthday: true,
			Start: ptime(day(2023, 3, 10)), Calendar: personal,
		},
		{
			ID: 4, Title: "Corrupt", End: ptime(utc(2023, 3, 11, 0, 13, 20, 0)), Calendar: personal,
			Problems: []string{`start_date: not a date: "not-a-date"`},
		},
		{
			ID: 5, Title: "Quick note", Start: ptime(utc(2023, 3, 11, 4, 0, 0, 0)), End: ptime(utc(2023, 3, 11, 5, 0, 0, 0)),
			Problems: []string{"calendar 99 is not in the Calendar table"},
		},
	}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i := range want {
		diff(t, want[i].Title, got[i], want[i])
	}
	cals, err := c.Calendars()
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "calendars", cals, []records.CalendarInfo{*work, *personal})
	after, _ := os.ReadDir(filepath.Dir(path))
	if len(after) != len(before) {
		t.Errorf("the folder of the database changed: %d entries, was %d", len(after), len(before))
	}
}

// TestCalendarRealMVT reads the iOS 14-era Calendar.sqlitedb of mvt's test
// backup: only CalendarItem and Participant tables, one event.
func TestCalendarRealMVT(t *testing.T) {
	main := realdata.Read(t, "mvt", "tests", "artifacts", "ios_backup", "20", "2041457d5fe04d39d0ab481178355df6781e6858")
	c, err := records.OpenCalendar(fstest.MapFS{devicepath.Calendar: {Data: main}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := allEvents(t, c)
	want := []*records.Event{{
		ID: 1, UUID: "FAE72C77-4932-47FD-885C-A084D502F3C4", Title: "Super interesting meeting",
		Notes: "very very interesting things",
		Start: ptime(utc(2023, 4, 18, 9, 15, 0, 0)), End: ptime(utc(2023, 4, 18, 10, 15, 0, 0)),
		Organizer: &records.Attendee{Email: "user@example.org", Phone: "12345678"},
		Created:   ptime(utc(2023, 4, 11, 18, 30, 6, 0)), Modified: ptime(utc(2023, 4, 11, 18, 30, 38, 0)),
	}}
	if len(got) != 1 {
		t.Fatalf("%d events", len(got))
	}
	diff(t, "mvt event", got[0], want[0])
}

// sampleCalendar is a synthetic calendar with a recurring event with an
// exception and a changed occurrence, events in three time zones, all-day
// events across a DST change, alarms, attendees and an attachment.
func sampleCalendar() dbfixture.CalendarData {
	ny, _ := time.LoadLocation("America/New_York")
	paris, _ := time.LoadLocation("Europe/Paris")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	return dbfixture.CalendarData{
		Stores:    []dbfixture.CalStore{{ID: 1, Name: "iCloud", Type: 2}, {ID: 2, Name: "Default", Type: 0}},
		Calendars: []dbfixture.CalCalendar{{ID: 1, StoreID: 1, Title: "Home", Color: "#34AADC"}, {ID: 2, StoreID: 2, Title: "Travel", Color: "#FF9500"}},
		Events: []dbfixture.CalEvent{
			{
				ID: 1, UUID: "0C6F7C0A-0001-4000-8000-000000000001", Title: "Standup", Notes: "daily\nsync", TZ: "America/New_York",
				Start: time.Date(2024, 3, 4, 9, 0, 0, 0, ny), End: time.Date(2024, 3, 4, 9, 15, 0, 0, ny), CalendarID: 1,
				Recurrence: &dbfixture.CalRecurrence{Frequency: 2, Interval: 1, Until: time.Date(2024, 3, 29, 23, 59, 59, 0, time.UTC), Specifier: "D=0MO,0WE,0FR"},
				Exceptions: []time.Time{time.Date(2024, 3, 11, 9, 0, 0, 0, ny)},
				Alarms:     []dbfixture.CalAlarm{{Offset: pint(-600)}},
				Organizer:  &dbfixture.CalPerson{Name: "Dana Lead", Email: "dana@example.com", Status: 1},
				Attendees: []dbfixture.CalPerson{
					{Name: "Eli", Email: "eli@example.com", Status: 3},
					{Email: "me@example.com", Status: 0, Self: true},
				},
				Created: utc(2024, 3, 1, 12, 0, 0, 0), Modified: utc(2024, 3, 2, 12, 0, 0, 0),
			},
			{
				// the 13 March occurrence moved to 10:00 (after the US DST change)
				ID: 2, Title: "Standup (moved)", TZ: "America/New_York", CalendarID: 1,
				Start: time.Date(2024, 3, 13, 10, 0, 0, 0, ny), End: time.Date(2024, 3, 13, 10, 15, 0, 0, ny),
				OrigID: 1, OrigDate: time.Date(2024, 3, 13, 9, 0, 0, 0, ny),
			},
			{
				ID: 3, Title: "Flight to Tokyo", TZ: "Europe/Paris", EndTZ: "Asia/Tokyo", CalendarID: 2, Status: 2,
				Start: time.Date(2024, 3, 30, 13, 30, 0, 0, paris), End: time.Date(2024, 3, 31, 8, 45, 0, 0, tokyo),
				Location: &dbfixture.CalLocation{Title: "CDG Terminal 2E", Address: "95700 Roissy-en-France", Lat: 49.0047, Lon: 2.5711},
				Files:    []dbfixture.CalFile{{Name: "boarding-pass.pdf", Size: 48213, URL: "https://example.com/bp"}},
			},
			{
				ID: 4, Title: "Sushi dinner", TZ: "Asia/Tokyo", CalendarID: 2,
				Start: time.Date(2024, 4, 1, 19, 0, 0, 0, tokyo), End: time.Date(2024, 4, 1, 21, 0, 0, 0, tokyo),
				// an absolute alarm, then one stored with a zero interval beside its date
				Alarms: []dbfixture.CalAlarm{{Date: time.Date(2024, 4, 1, 17, 0, 0, 0, tokyo)}, {Offset: pint(0), Date: time.Date(2024, 4, 1, 18, 0, 0, 0, tokyo)}},
			},
			{
				// all-day, three days across the European DST change (31 March 2024)
				ID: 5, Title: "Paris weekend", AllDay: true, Days: 3, CalendarID: 2,
				Start: day(2024, 3, 29),
			},
			{
				// all-day across the US change (10 March 2024), yearly, stored in a zone
				ID: 6, Title: "Anniversary", AllDay: true, Days: 1, CalendarID: 1, TZ: "America/New_York",
				Start:      time.Date(2024, 3, 10, 0, 0, 0, 0, ny),
				Recurrence: &dbfixture.CalRecurrence{Frequency: 4, Interval: 1},
			},
			{ID: 7, Title: "Damaged", CalendarID: 1, TZ: "Europe/Paris", Start: utc(2024, 5, 1, 8, 0, 0, 0), End: utc(2024, 5, 1, 9, 0, 0, 0),
				Raw: map[string]any{"last_modified": "yesterday"}},
		},
	}
}

func sampleWant(era dbfixture.CalendarEra) []*records.Event {
	home := &records.CalendarInfo{ID: 1, Title: "Home", Color: "#34AADC", Account: "iCloud"}
	travel := &records.CalendarInfo{ID: 2, Title: "Travel", Color: "#FF9500", Account: "Default"}
	return []*records.Event{
		{
			ID: 1, UUID: "0C6F7C0A-0001-4000-8000-000000000001", Title: "Standup", Notes: "daily\nsync",
			Start: ptime(utc(2024, 3, 4, 14, 0, 0, 0)), End: ptime(utc(2024, 3, 4, 14, 15, 0, 0)), TimeZone: "America/New_York",
			Recurrence: "FREQ=WEEKLY;UNTIL=20240329T235959Z;BYDAY=MO,WE,FR",
			Exceptions: []time.Time{utc(2024, 3, 11, 13, 0, 0, 0)},
			Alarms:     []records.Alarm{{Offset: pint64(-600)}},
			Organizer:  &records.Attendee{Name: "Dana Lead", Email: "dana@example.com", Status: "accepted"},
			Attendees: []records.Attendee{
				{Name: "Eli", Email: "eli@example.com", Status: "tentative"},
				{Email: "me@example.com", Status: "needs-action", Self: true},
			},
			Calendar: home, Created: ptime(utc(2024, 3, 1, 12, 0, 0, 0)), Modified: ptime(utc(2024, 3, 2, 12, 0, 0, 0)),
		},
		{
			ID: 2, Title: "Standup (moved)", TimeZone: "America/New_York", Calendar: home,
			Start: ptime(utc(2024, 3, 13, 14, 0, 0, 0)), End: ptime(utc(2024, 3, 13, 14, 15, 0, 0)),
			OriginalID: pint64(1), OriginalDate: ptime(utc(2024, 3, 13, 13, 0, 0, 0)),
		},
		{
			ID: 3, Title: "Flight to Tokyo", TimeZone: "Europe/Paris", EndTimeZone: "Asia/Tokyo", Calendar: travel, Status: "tentative",
			Start: ptime(utc(2024, 3, 30, 12, 30, 0, 0)), End: ptime(utc(2024, 3, 30, 23, 45, 0, 0)),
			Location:    &records.EventLocation{Title: "CDG Terminal 2E", Address: "95700 Roissy-en-France", Latitude: pfloat(49.0047), Longitude: pfloat(2.5711)},
			Attachments: []records.EventAttachment{{Name: "boarding-pass.pdf", Size: 48213, URL: "https://example.com/bp"}},
		},
		{
			ID: 4, Title: "Sushi dinner", TimeZone: "Asia/Tokyo", Calendar: travel,
			Start: ptime(utc(2024, 4, 1, 10, 0, 0, 0)), End: ptime(utc(2024, 4, 1, 12, 0, 0, 0)),
			Alarms: []records.Alarm{{Date: ptime(utc(2024, 4, 1, 8, 0, 0, 0))}, {Date: ptime(utc(2024, 4, 1, 9, 0, 0, 0))}},
		},
		{
			ID: 5, Title: "Paris weekend", AllDay: true, Calendar: travel,
			Start: ptime(day(2024, 3, 29)), End: ptime(day(2024, 3, 31)),
		},
		{
			ID: 6, Title: "Anniversary", AllDay: true, Calendar: home,
			Start: ptime(day(2024, 3, 10)), End: ptime(day(2024, 3, 10)), Recurrence: "FREQ=YEARLY",
		},
		{
			ID: 7, Title: "Damaged", TimeZone: "Europe/Paris", Calendar: home,
			Start: ptime(utc(2024, 5, 1, 8, 0, 0, 0)), End: ptime(utc(2024, 5, 1, 9, 0, 0, 0)),
			Problems: []string{`last_modified: not a date: "yesterday"`},
		},
	}
}

func TestCalendarEras(t *testing.T) {
	for _, era := range dbfixture.CalendarEras {
		t.Run(era.String(), func(t *testing.T) {
			img, err := dbfixture.Calendar(era, sampleCalendar())
			if err != nil {
				t.Fatal(err)
			}
			c, err := records.OpenCalendar(dbfixture.FS(devicepath.Calendar, img, nil))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			got := allEvents(t, c)
			want := sampleWant(era)
			if len(got) != len(want) {
				t.Fatalf("%d events, want %d", len(got), len(want))
			}
			for i := range want {
				diff(t, want[i].Title, got[i], want[i])
			}
		})
	}
}

// TestCalendarWAL checks that events living only in the -wal are read, from
// an fs.FS and from a bare file, and that nothing is written beside it.
func TestCalendarWAL(t *testing.T) {
	d := sampleCalendar()
	all := d.Events
	d.Events = all[:2]
	base, err := dbfixture.Calendar(dbfixture.CaliOS18, d)
	if err != nil {
		t.Fatal(err)
	}
	d.Events = all
	updated, err := dbfixture.Calendar(dbfixture.CaliOS18, d)
	if err != nil {
		t.Fatal(err)
	}
	wal, err := dbfixture.WAL(base, updated)
	if err != nil {
		t.Fatal(err)
	}
	main := dbfixture.WALMode(base)
	c, err := records.OpenCalendar(fstest.MapFS{devicepath.Calendar: {Data: main}, devicepath.Calendar + "-wal": {Data: wal}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(allEvents(t, c)); n != len(all) {
		t.Errorf("from fs.FS: %d events, want %d", n, len(all))
	}
	c.Close()

	dir := t.TempDir()
	p := filepath.Join(dir, "Calendar.sqlitedb")
	if err := os.WriteFile(p, main, 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p+"-wal", wal, 0o400); err != nil {
		t.Fatal(err)
	}
	c, err = records.OpenCalendarFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(allEvents(t, c)); n != len(all) {
		t.Errorf("from file: %d events, want %d", n, len(all))
	}
	c.Close()
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("%d files beside the database, want the 2 given", len(ents))
	}
}

func TestCalendarUnsupported(t *testing.T) {
	img, err := dbfixture.Calendar(dbfixture.CaliOS14, sampleCalendar())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, sql, table string
		missing          []string
	}{
		{"no CalendarItem", "DROP TABLE CalendarItem", "CalendarItem", []string{"summary", "start_date", "end_date", "all_day", "calendar_id"}},
		{"renamed start", "ALTER TABLE CalendarItem RENAME COLUMN start_date TO start_when", "CalendarItem", []string{"start_date"}},
		{"renamed recurrence owner", "ALTER TABLE Recurrence RENAME COLUMN owner_id TO item_id", "Recurrence", []string{"owner_id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changed := alter(t, img, tc.sql)
			_, err := records.OpenCalendar(dbfixture.FS(devicepath.Calendar, changed, nil))
			var ue *records.UnsupportedError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v, want *UnsupportedError", err)
			}
			if ue.Table != tc.table || !reflect.DeepEqual(ue.Missing, tc.missing) {
				t.Errorf("got table %s missing %v, want %s %v", ue.Table, ue.Missing, tc.table, tc.missing)
			}
		})
	}
}

func TestCalendarContext(t *testing.T) {
	img, err := dbfixture.Calendar(dbfixture.CaliOS18, sampleCalendar())
	if err != nil {
		t.Fatal(err)
	}
	c, err := records.OpenCalendar(dbfixture.FS(devicepath.Calendar, img, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var last error
	for e, err := range c.Events(ctx) {
		if err != nil {
			last = err
			continue
		}
		n++
		if e.ID == 2 {
			cancel()
		}
	}
	if n != 2 || !errors.Is(last, context.Canceled) {
		t.Errorf("after cancel: %d events, last error %v; want 2 and context.Canceled", n, last)
	}
	// Breaking out early is safe.
	for range c.Events(context.Background()) {
		break
	}
}

func TestCalendarNotFound(t *testing.T) {
	_, err := records.OpenCalendar(fstest.MapFS{})
	if !errors.Is(err, records.ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound", err)
	}
}

// alter returns a copy of the database image img changed by the SQL q
// (run on a temporary file).
func alter(t *testing.T, img []byte, q string) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "db.sqlite")
	if err := os.WriteFile(p, img, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
