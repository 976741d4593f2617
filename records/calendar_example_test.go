package records_test

import (
	"context"
	"fmt"
	"testing/fstest"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/records"
)

func ExampleCalendarDB_Events() {
	ny, _ := time.LoadLocation("America/New_York")
	img, _ := dbfixture.Calendar(dbfixture.CaliOS18, dbfixture.CalendarData{
		Stores:    []dbfixture.CalStore{{ID: 1, Name: "iCloud", Type: 2}},
		Calendars: []dbfixture.CalCalendar{{ID: 1, StoreID: 1, Title: "Work", Color: "#1BADF8"}},
		Events: []dbfixture.CalEvent{
			{Title: "Standup", CalendarID: 1, TZ: "America/New_York",
				Start: time.Date(2024, 3, 4, 9, 0, 0, 0, ny), End: time.Date(2024, 3, 4, 9, 15, 0, 0, ny),
				Recurrence: &dbfixture.CalRecurrence{Frequency: 2, Count: 10}},
			{Title: "Company holiday", CalendarID: 1, AllDay: true, Days: 1, Start: time.Date(2024, 7, 4, 0, 0, 0, 0, time.UTC)},
		},
	})
	db, err := records.OpenCalendar(fstest.MapFS{devicepath.Calendar: {Data: img}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	for e, err := range db.Events(context.Background()) {
		if err != nil {
			fmt.Println(err)
			continue
		}
		if e.AllDay {
			fmt.Println(e.Start.Format(time.DateOnly), "all day", e.Title, "in", e.Calendar.Title)
			continue
		}
		loc, _ := time.LoadLocation(e.TimeZone)
		fmt.Println(e.Start.In(loc).Format(time.DateTime), e.TimeZone, e.Title, e.Recurrence, "in", e.Calendar.Title)
	}
	// Output:
	// 2024-03-04 09:00:00 America/New_York Standup FREQ=WEEKLY;COUNT=10 in Work
	// 2024-07-04 all day Company holiday in Work
}

func ExampleReminderDB_Reminders() {
	store, _ := dbfixture.Reminders(dbfixture.RemiOS18, dbfixture.RemindersData{
		Account: "iCloud",
		Lists:   []dbfixture.RemList{{ID: 1, Name: "Groceries"}},
		Reminders: []dbfixture.RemItem{
			{ID: 1, Title: "Buy milk", ListID: 1, Due: time.Date(2024, 6, 3, 16, 0, 0, 0, time.UTC), Flagged: true},
			{ID: 2, Title: "Oat milk", ListID: 1, Parent: 1, Completed: true},
		},
	})
	// The stores are found by listing the Reminders app group's folder.
	fsys := fstest.MapFS{devicepath.RemindersStores + "/Data-local.sqlite": {Data: store}}
	db, err := records.OpenReminders(fsys)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	for r, err := range db.Reminders(context.Background()) {
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%d %q list=%s completed=%v flagged=%v", r.ID, r.Title, r.List, r.Completed, r.Flagged)
		if r.Due != nil {
			fmt.Print(" due=", r.Due.Format(time.RFC3339))
		}
		if r.Parent != nil {
			fmt.Print(" parent=", *r.Parent)
		}
		fmt.Println()
	}
	// Output:
	// 1 "Buy milk" list=Groceries completed=false flagged=true due=2024-06-03T16:00:00Z
	// 2 "Oat milk" list=Groceries completed=true flagged=false parent=1
}
