package records_test

import (
	"context"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/records"
)

// BenchmarkCalendarEvents reads 5,000 events, each with two attendees and
// an alarm, one in five repeating with an exception.
func BenchmarkCalendarEvents(b *testing.B) {
	d := dbfixture.CalendarData{Stores: []dbfixture.CalStore{{ID: 1, Name: "iCloud"}}, Calendars: []dbfixture.CalCalendar{{ID: 1, StoreID: 1, Title: "Home"}}}
	start := time.Date(2020, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range 5000 {
		e := dbfixture.CalEvent{Title: "Event", CalendarID: 1, TZ: "Europe/Paris",
			Start: start.Add(time.Duration(i) * 7 * time.Hour), End: start.Add(time.Duration(i)*7*time.Hour + time.Hour),
			Alarms:    []dbfixture.CalAlarm{{Offset: pint(-900)}},
			Attendees: []dbfixture.CalPerson{{Name: "A", Email: "a@example.com", Status: 1}, {Name: "B", Email: "b@example.com", Status: 2}}}
		if i%5 == 0 {
			e.Recurrence = &dbfixture.CalRecurrence{Frequency: 2, Count: 10}
			e.Exceptions = []time.Time{e.Start.AddDate(0, 0, 7)}
		}
		d.Events = append(d.Events, e)
	}
	img, err := dbfixture.Calendar(dbfixture.CaliOS18, d)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(img)))
	for b.Loop() {
		c, err := records.OpenCalendar(dbfixture.FS(devicepath.Calendar, img, nil))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, err := range c.Events(context.Background()) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		c.Close()
		if n != 5000 {
			b.Fatalf("%d events", n)
		}
	}
}
