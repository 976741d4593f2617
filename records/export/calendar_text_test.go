package export

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/realdata"
	"github.com/iosbackup/iosbackup/records"
)

func TestEventsText(t *testing.T) {
	events := []*records.Event{
		{ID: 1, Title: "Standup", Start: tm("2024-03-04T14:00:00Z"), End: tm("2024-03-04T14:15:00Z"), TimeZone: "America/New_York",
			Calendar: &records.CalendarInfo{Title: "Work"}, Location: &records.EventLocation{Title: "Room 4", Address: "1 Main St"},
			Recurrence: "FREQ=DAILY", Exceptions: []time.Time{*tm("2024-03-05T14:00:00Z")},
			Alarms:    []records.Alarm{{Offset: ptr(int64(-600))}},
			Organizer: &records.Attendee{Name: "Ann", Email: "ann@example.com"},
			Attendees: []records.Attendee{{Name: "Bo", Email: "bo@example.com", Status: "accepted"}},
			URL:       "https://example.com/m", Notes: "agenda:\n- one\n- two"},
		{ID: 2, Title: "Trip", Start: tm("2024-03-29T00:00:00Z"), End: tm("2024-03-31T00:00:00Z"), AllDay: true},
		{ID: 3, Start: tm("2024-03-06T09:00:00Z"), End: tm("2024-03-07T10:00:00Z"), Floating: true, OriginalID: ptr(int64(1))},
		{ID: 4, Title: "Broken", Problems: []string{`start_date: not a date: "x"`}},
	}
	var b strings.Builder
	st, err := EventsText(&b, seqOf(events...))
	if err != nil || st.Written != 4 {
		t.Fatalf("EventsText = %+v, %v", st, err)
	}
	want := `2024-03-04 09:00–09:15 America/New_York  Standup  [Work]
    where     Room 4, 1 Main St
    repeats   FREQ=DAILY
    except    2024-03-05 09:00
    alarms    -10m
    organizer Ann <ann@example.com>
    attendee  Bo <bo@example.com> (accepted)
    url       https://example.com/m
    notes     agenda:
              - one
              - two
2024-03-29 – 2024-03-31 (all day)  Trip
2024-03-06 09:00 – 2024-03-07 10:00 (floating)  (no title)
    replaces  an occurrence of event 1
(no start date)  Broken
    problem   start_date: not a date: "x"
`
	if got := b.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestRemindersText(t *testing.T) {
	rems := []*records.Reminder{
		{ID: 10, Title: "Buy milk", List: "Groceries", Due: tm("2023-03-11T04:00:00Z"), Priority: 1, Flagged: true, Recurrence: "FREQ=MONTHLY", Notes: "2%\norganic"},
		{ID: 13, Title: "Oat milk", List: "Groceries", Parent: ptr(int64(10)), Notes: "any brand\nunsweetened"},
		{ID: 11, Title: "Report", Completed: true, CompletedDate: tm("2023-03-12T07:46:00Z"), Priority: 5},
		{ID: 12, Due: tm("2023-03-11T00:00:00Z"), DueAllDay: true, Deleted: true, Problems: []string{"ZCREATIONDATE: not a date"}},
	}
	var b strings.Builder
	st, err := RemindersText(&b, seqOf(rems...))
	if err != nil || st.Written != 4 {
		t.Fatalf("RemindersText = %+v, %v", st, err)
	}
	want := `[ ] 10 Buy milk  [Groceries]  (due 2023-03-11 04:00 UTC, high priority, flagged, repeats FREQ=MONTHLY)
      2%
      organic
    [ ] 13 Oat milk  [Groceries]  (subtask of 10)
          any brand
          unsweetened
[x] 11 Report  (done 2023-03-12 07:46 UTC, medium priority)
[ ] 12 (no title)  (due 2023-03-11, deleted)
      problem: ZCREATIONDATE: not a date
`
	if got := b.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestScheduleTextEscapes checks that event and reminder text cannot
// drive the terminal or forge lines: only notes keep their line breaks.
func TestScheduleTextEscapes(t *testing.T) {
	const hostile = "a\x1b]0;pwned\x07b\u202Ec\nfake line\td\xff"
	const shown = `a\e]0;pwned\x07b\u{202E}c\nfake line\td\xff`
	var b strings.Builder
	if _, err := EventsText(&b, seqOf(&records.Event{Title: hostile, Calendar: &records.CalendarInfo{Title: hostile},
		Location: &records.EventLocation{Title: hostile}, Recurrence: hostile, URL: hostile, Notes: hostile, Problems: []string{hostile},
		Attendees: []records.Attendee{{Name: hostile, Email: hostile, Status: hostile}}})); err != nil {
		t.Fatal(err)
	}
	if _, err := RemindersText(&b, seqOf(&records.Reminder{ID: 1, Title: hostile, List: hostile, Recurrence: hostile, Notes: hostile, Problems: []string{hostile}})); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07\u202E\t") || strings.Contains(out, "\nfake line") {
		t.Fatalf("raw control or forged line in:\n%q", out)
	}
	for _, want := range []string{
		"(no start date)  " + shown + "  [" + shown + "]\n",
		"    where     " + shown + "\n",
		"    attendee  " + shown + " <" + shown + "> (" + shown + ")\n",
		`    notes     a\e]0;pwned\x07b\u{202E}c` + "\n              fake line\\td\\xff\n",
		"[ ] 1 " + shown + "  [" + shown + "]  (repeats " + shown + ")\n",
		`      a\e]0;pwned\x07b\u{202E}c` + "\n      fake line\\td\\xff\n",
		"      problem: " + shown + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestScheduleTextReal renders the calendar and reminders of
// ios-backup-parser's test databases.
func TestScheduleTextReal(t *testing.T) {
	ctx := context.Background()
	cdb, err := records.OpenCalendarFile(realdata.Path(t, "ios-backup-parser", "calendar", "testdata", "calendar.1.Calendar.sqlitedb"))
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	var b strings.Builder
	st, err := EventsText(&b, cdb.Events(ctx))
	if err != nil || st.Written != 5 {
		t.Fatalf("EventsText = %+v, %v", st, err)
	}
	for _, want := range []string{
		"2023-03-08 12:26–13:26 America/Los_Angeles  Team Sync  [Work]\n    where     HQ, 1 Example Way\n    repeats   FREQ=WEEKLY;COUNT=10\n" +
			"    alarms    -15m, at 2023-03-08T20:11:40.000Z\n    organizer Alex Organizer <alex@example.invalid>\n" +
			"    attendee  Blair Invitee <blair@example.invalid> (accepted)\n",
		"2023-03-10 (all day)  Holiday  [Personal]\n",
		"(no start date)  Corrupt  [Personal]\n    problem   start_date: not a date: \"not-a-date\"\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("events lack %q:\n%s", want, b.String())
		}
	}

	rdb, err := records.OpenRemindersFile(realdata.Path(t, "ios-backup-parser", "reminders", "testdata", "reminders.1.cloud.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	b.Reset()
	st, err = RemindersText(&b, rdb.Reminders(ctx))
	if err != nil || st.Written != 5 {
		t.Fatalf("RemindersText = %+v, %v", st, err)
	}
	for _, want := range []string{
		"[ ] 10 Buy milk  [Groceries]  (due 2023-03-11 04:00 UTC, high priority, flagged, repeats FREQ=MONTHLY)\n      2% organic\n",
		"    [ ] 13 Buy oat milk  [Groceries]  (subtask of 10)\n",
		"[x] 11 Submit report  [Work]  (done 2023-03-12 07:46 UTC, medium priority)\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("reminders lack %q:\n%s", want, b.String())
		}
	}
}
