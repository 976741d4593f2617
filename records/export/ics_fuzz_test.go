package export

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/iosbackup/iosbackup/internal/fuzzcorpus"
	"github.com/iosbackup/iosbackup/records"
)

var icsTextSeeds = [][]any{
	{"plain", "notes", "Ann", "a@example.com", "Europe/Paris"},
	{"semi;colon,comma\\back", "line1\r\nline2\rline3\n", `Dana "Q" Lead`, "x;y:z@example.com", "_float"},
	{"\x00\x1b[31mred\x7f", "\xff\xfe bad utf8", "CN:with;colon", "mailto:\"evil\"\r\nX-INJECT:1", "Nowhere/Zone"},
	{strings.Repeat("é", 100), strings.Repeat("😀", 60), strings.Repeat("n", 200), "", "America/New_York"},
	{"END:VEVENT", "BEGIN:VCALENDAR", "\t", "\n", ""},
}

// FuzzICSText writes an event whose text fields hold anything and checks
// that the output parses with go-ical, is folded, and gives back the
// summary and the description as icsText made them.
func FuzzICSText(f *testing.F) {
	fuzzcorpus.Check(f, "FuzzICSText", icsTextSeeds)
	f.Fuzz(func(t *testing.T, title, notes, name, email, tz string) {
		start := time.Date(2024, 3, 4, 14, 0, 0, 0, time.UTC)
		end := start.Add(time.Hour)
		e := &records.Event{ID: 1, UUID: title, Title: title, Notes: notes, Start: &start, End: &end, TimeZone: tz,
			URL: email, Organizer: &records.Attendee{Name: name, Email: email},
			Attendees: []records.Attendee{{Name: name, Email: email, Status: "accepted"}},
			Location:  &records.EventLocation{Title: name, Address: notes},
			Calendar:  &records.CalendarInfo{ID: 1, Title: title, Color: email}}
		var buf bytes.Buffer
		if _, err := EventsICS(&buf, seqOf(e), ICSOptions{Stamp: start}); err != nil {
			t.Fatalf("export: %v", err)
		}
		for _, line := range strings.Split(buf.String(), "\r\n") {
			if len(line) > 75 {
				t.Fatalf("line of %d octets", len(line))
			}
		}
		cal, err := ical.NewDecoder(&buf).Decode()
		if err != nil {
			t.Fatalf("go-ical cannot read the output: %v\n%s", err, buf.String())
		}
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("%d events", len(evs))
		}
		if got, _ := evs[0].Props.Text(ical.PropSummary); got != icsText(title) {
			t.Errorf("summary %q, want %q", got, icsText(title))
		}
		if got, _ := evs[0].Props.Text(ical.PropDescription); got != icsText(notes) {
			t.Errorf("description %q, want %q", got, icsText(notes))
		}
		if s, err := evs[0].DateTimeStart(nil); err == nil && !s.Equal(start) {
			t.Errorf("start %v", s)
		}
	})
}
