package records_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/iosbackup/iosbackup/backup"
	"github.com/iosbackup/iosbackup/records"
)

// Reading the calendar of a backup: the encrypted sample backup that
// `ibackup demo` embeds, committed in the repository.
func ExampleCalendarDB_Events() {
	b, err := backup.Open("../cmd/ibackup/testdata/demo")
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	if err := b.Unlock(context.Background(), "ibackup-demo"); err != nil {
		log.Fatal(err)
	}
	db, err := records.OpenCalendar(b)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	for e, err := range db.Events(context.Background()) {
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		if e.AllDay {
			fmt.Println(e.Start.Format(time.DateOnly), "all day:", e.Title)
			continue
		}
		start := *e.Start
		if loc, err := time.LoadLocation(e.TimeZone); err == nil {
			start = start.In(loc)
		}
		fmt.Println(start.Format(time.DateTime), e.TimeZone+":", e.Title, e.Recurrence)
	}
	// Output:
	// 2024-05-04 09:00:00 America/Chicago: Saturday hike FREQ=WEEKLY;COUNT=8
	// 2024-06-08 all day: Library book sale
	// 2024-06-03 19:00:00 America/Chicago: Trail planning call
}

// Reading the reminders of a backup (the Core Data stores of iOS 13 and
// later, or the tasks of Calendar.sqlitedb before).
func ExampleReminderDB_Reminders() {
	b, err := backup.Open("../cmd/ibackup/testdata/demo")
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	if err := b.Unlock(context.Background(), "ibackup-demo"); err != nil {
		log.Fatal(err)
	}
	db, err := records.OpenReminders(b)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	for r, err := range db.Reminders(context.Background()) {
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Printf("%q list=%s completed=%v", r.Title, r.List, r.Completed)
		if r.Due != nil {
			fmt.Print(" due=", r.Due.UTC().Format(time.RFC3339))
		}
		fmt.Println()
	}
	// Output:
	// "Print the trail map" list=Hike prep completed=true
	// "Buy snacks" list=Hike prep completed=false due=2024-06-07T00:00:00Z
	// "Trail mix" list=Hike prep completed=false
	// "Return library books" list=Errands completed=false due=2024-06-05T22:00:00Z
}
