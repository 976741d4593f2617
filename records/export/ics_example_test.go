package export_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/iosbackup/iosbackup/records"
	"github.com/iosbackup/iosbackup/records/export"
)

func ExampleEventsICS() {
	start := time.Date(2024, 3, 4, 14, 0, 0, 0, time.UTC)
	end := start.Add(15 * time.Minute)
	offset := int64(-600)
	events := func(yield func(*records.Event, error) bool) {
		yield(&records.Event{ID: 1, UUID: "STANDUP-1", Title: "Standup", Start: &start, End: &end,
			TimeZone: "America/New_York", Recurrence: "FREQ=WEEKLY;COUNT=10",
			Alarms:   []records.Alarm{{Offset: &offset}},
			Calendar: &records.CalendarInfo{ID: 1, Title: "Work"}}, nil)
	}
	var b strings.Builder
	st, err := export.EventsICS(&b, events, export.ICSOptions{Stamp: start})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	for _, line := range strings.Split(b.String(), "\r\n") {
		if strings.HasPrefix(line, "DTSTART") || strings.HasPrefix(line, "RRULE") || strings.HasPrefix(line, "TRIGGER") || line == "BEGIN:VTIMEZONE" {
			fmt.Println(line)
		}
	}
	fmt.Println(st.Written, "event")
	// Output:
	// BEGIN:VTIMEZONE
	// DTSTART:20240101T000000
	// DTSTART:20240310T020000
	// DTSTART:20241103T020000
	// DTSTART:20250309T020000
	// DTSTART:20251102T020000
	// DTSTART;TZID=America/New_York:20240304T090000
	// RRULE:FREQ=WEEKLY;COUNT=10
	// TRIGGER:-PT10M
	// 1 event
}
