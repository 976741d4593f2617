package records_test

import (
	"errors"
	"reflect"
	"testing"
	"testing/fstest"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/internal/realdata"
	"github.com/iosbackup/iosbackup/records"
)

// realReminders are the reminders of the independent ios-backup-parser
// stores, worked out with sqlite3 on copies.
func realReminders() (cloud, local []*records.Reminder) {
	const c, l = "Data-cloud.sqlite", "Data-local.sqlite"
	cloud = []*records.Reminder{
		{
			ID: 10, UUID: "10101010-1010-1010-1010-101010101010", Store: c, Title: "Buy milk", Notes: "2% organic",
			Due: ptime(utc(2023, 3, 11, 4, 0, 0, 0)), Priority: 1, List: "Groceries", Account: "iCloud", Flagged: true,
			Recurrence: "FREQ=MONTHLY", // ZFREQUENCY 2, ZINTERVAL 1, ZOCCURRENCECOUNT 0 (ZREMINDER4 = 10)
			Created:    ptime(utc(2023, 3, 8, 20, 26, 40, 500)), Modified: ptime(utc(2023, 3, 10, 0, 13, 20, 250)),
		},
		{
			ID: 11, UUID: "11111111-1111-1111-1111-111111111111", Store: c, Title: "Submit report",
			Completed: true, CompletedDate: ptime(utc(2023, 3, 12, 7, 46, 40, 750)), Priority: 5, List: "Work", Account: "iCloud",
		},
		{
			// all-day due 700250000 = 2023-03-11T17:53:20Z; marked for deletion
			ID: 12, UUID: "12121212-1212-1212-1212-121212121212", Store: c, Title: "Call plumber",
			Due: ptime(day(2023, 3, 11)), DueAllDay: true, List: "Work", Account: "iCloud", Deleted: true,
		},
		{
			ID: 13, UUID: "13131313-1313-1313-1313-131313131313", Store: c, Title: "Buy oat milk",
			List: "Groceries", Account: "iCloud", Parent: pint64(10),
		},
		{
			ID: 14, Store: c, Title: "Corrupt date", List: "Groceries", Account: "iCloud",
			Problems: []string{`ZCREATIONDATE: not a date: "not-a-date"`},
		},
	}
	local = []*records.Reminder{{
		ID: 10, UUID: "20202020-2020-2020-2020-202020202020", Store: l, Title: "Water plants",
		List: "Personal", Account: "On My iPhone",
	}}
	return cloud, local
}

// TestRemindersRealStores opens both stores through a backup-like fs.FS:
// the stores are found by listing the Stores folder.
func TestRemindersRealStores(t *testing.T) {
	cloudDB := realdata.Read(t, "ios-backup-parser", "reminders", "testdata", "reminders.1.cloud.sqlite")
	localDB := realdata.Read(t, "ios-backup-parser", "reminders", "testdata", "reminders.1.local.sqlite")
	fsys := fstest.MapFS{
		devicepath.RemindersStores + "/Data-cloud.sqlite":                                {Data: cloudDB},
		devicepath.RemindersStores + "/Data-local.sqlite":                                {Data: localDB},
		devicepath.RemindersDomain + "/Container_v1/MLModels/RDCoreBehaviorModel.sqlite": {Data: []byte("not a store")},
	}
	r, err := records.OpenReminders(fsys)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := allReminders(t, r)
	cloud, local := realReminders()
	want := append(cloud, local...)
	if len(got) != len(want) {
		t.Fatalf("%d reminders, want %d", len(got), len(want))
	}
	for i := range want {
		diff(t, want[i].Title, got[i], want[i])
	}
}

func TestRemindersRealFile(t *testing.T) {
	p := realdata.Path(t, "ios-backup-parser", "reminders", "testdata", "reminders.1.local.sqlite")
	r, err := records.OpenRemindersFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := allReminders(t, r)
	_, want := realReminders()
	want[0].Store = "reminders.1.local.sqlite"
	if len(got) != 1 {
		t.Fatalf("%d reminders", len(got))
	}
	diff(t, "local", got[0], want[0])
}

func sampleReminders() dbfixture.RemindersData {
	return dbfixture.RemindersData{
		Account: "iCloud",
		Lists:   []dbfixture.RemList{{ID: 1, Name: "Errands"}, {ID: 2, Name: "Garden"}},
		Reminders: []dbfixture.RemItem{
			{ID: 1, UUID: [16]byte{0xAB, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, Title: "Renew passport", Notes: "photos first",
				Due: utc(2024, 6, 3, 16, 0, 0, 0), Priority: 1, Flagged: true, ListID: 1,
				Created: utc(2024, 5, 20, 8, 0, 0, 0), Modified: utc(2024, 5, 21, 9, 30, 0, 0)},
			{ID: 2, Title: "Buy seeds", Completed: true, CompletedDate: utc(2024, 5, 25, 11, 0, 0, 0), ListID: 2, Priority: 9},
			{ID: 3, Title: "Tomatoes", ListID: 2, Parent: 2},
			{ID: 4, Title: "Water the lawn", ListID: 2, Due: day(2024, 6, 1), AllDay: true,
				Recurrence: &dbfixture.RemRule{Frequency: 1, Interval: 2, Count: 5}},
			{ID: 5, Title: "Lost list", ListID: 99, Raw: map[string]any{"ZDUEDATE": "soon"}},
		},
	}
}

func sampleRemindersWant(store string) []*records.Reminder {
	return []*records.Reminder{
		{ID: 1, UUID: "AB010203-0405-0607-0809-0A0B0C0D0E0F", Store: store, Title: "Renew passport", Notes: "photos first",
			Due: ptime(utc(2024, 6, 3, 16, 0, 0, 0)), Priority: 1, Flagged: true, List: "Errands", Account: "iCloud",
			Created: ptime(utc(2024, 5, 20, 8, 0, 0, 0)), Modified: ptime(utc(2024, 5, 21, 9, 30, 0, 0))},
		{ID: 2, Store: store, Title: "Buy seeds", Completed: true, CompletedDate: ptime(utc(2024, 5, 25, 11, 0, 0, 0)),
			Priority: 9, List: "Garden", Account: "iCloud"},
		{ID: 3, Store: store, Title: "Tomatoes", List: "Garden", Account: "iCloud", Parent: pint64(2)},
		{ID: 4, Store: store, Title: "Water the lawn", List: "Garden", Account: "iCloud", Due: ptime(day(2024, 6, 1)), DueAllDay: true,
			Recurrence: "FREQ=WEEKLY;INTERVAL=2;COUNT=5"},
		{ID: 5, Store: store, Title: "Lost list", Account: "iCloud",
			Problems: []string{`ZDUEDATE: not a date: "soon"`, "list 99 is not in the store"}},
	}
}

func TestRemindersEras(t *testing.T) {
	for _, era := range dbfixture.RemindersEras {
		t.Run(era.String(), func(t *testing.T) {
			img, err := dbfixture.Reminders(era, sampleReminders())
			if err != nil {
				t.Fatal(err)
			}
			name := "Data-5C1B0E4A-0000-4000-8000-000000000001.sqlite"
			r, err := records.OpenReminders(fstest.MapFS{devicepath.RemindersStores + "/" + name: {Data: img}})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got := allReminders(t, r)
			want := sampleRemindersWant(name)
			if era == dbfixture.RemiOS13 {
				want[4].Problems[1] = "list 199 is not in the store" // lists share the object table there
			}
			if len(got) != len(want) {
				t.Fatalf("%d reminders, want %d", len(got), len(want))
			}
			for i := range want {
				diff(t, want[i].Title, got[i], want[i])
			}
		})
	}
}

// TestRemindersCalendarTasks reads the reminders of iOS 12 and earlier:
// tasks of Calendar.sqlitedb, which the event reader leaves out.
func TestRemindersCalendarTasks(t *testing.T) {
	d := dbfixture.CalendarData{
		Stores:    []dbfixture.CalStore{{ID: 1, Name: "Default", Type: 0}},
		Calendars: []dbfixture.CalCalendar{{ID: 1, StoreID: 1, Title: "Reminders", Color: "#CC73E1"}},
		Events: []dbfixture.CalEvent{
			{ID: 1, Title: "Dentist", CalendarID: 1, TZ: "Europe/London", Start: utc(2012, 9, 3, 9, 0, 0, 0), End: utc(2012, 9, 3, 10, 0, 0, 0)},
			{ID: 2, Task: true, Title: "Call the bank", Notes: "about the card", CalendarID: 1, Priority: 5,
				Due: utc(2012, 9, 4, 15, 0, 0, 0), Created: utc(2012, 9, 1, 10, 0, 0, 0)},
			{ID: 3, Task: true, Title: "Pay rent", CalendarID: 1, CompletedDate: utc(2012, 9, 1, 18, 0, 0, 0),
				Due: day(2012, 9, 1), DueAllDay: true, Recurrence: &dbfixture.CalRecurrence{Frequency: 3, Interval: 1}},
		},
	}
	img, err := dbfixture.Calendar(dbfixture.CaliOS9, d)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{devicepath.Calendar: {Data: img}}
	r, err := records.OpenReminders(fsys)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := allReminders(t, r)
	want := []*records.Reminder{
		{ID: 2, Store: "Calendar.sqlitedb", Title: "Call the bank", Notes: "about the card", Due: ptime(utc(2012, 9, 4, 15, 0, 0, 0)),
			Priority: 5, List: "Reminders", Account: "Default", Created: ptime(utc(2012, 9, 1, 10, 0, 0, 0))},
		{ID: 3, Store: "Calendar.sqlitedb", Title: "Pay rent", Due: ptime(day(2012, 9, 1)), DueAllDay: true,
			Completed: true, CompletedDate: ptime(utc(2012, 9, 1, 18, 0, 0, 0)), List: "Reminders", Account: "Default",
			Recurrence: "FREQ=MONTHLY"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d reminders, want %d", len(got), len(want))
	}
	for i := range want {
		diff(t, want[i].Title, got[i], want[i])
	}
	c, err := records.OpenCalendar(fsys)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	events := allEvents(t, c)
	if len(events) != 1 || events[0].Title != "Dentist" {
		t.Errorf("events = %d (first %q), want only Dentist", len(events), events[0].Title)
	}
}

func TestRemindersUnsupported(t *testing.T) {
	img, err := dbfixture.Reminders(dbfixture.RemiOS18, sampleReminders())
	if err != nil {
		t.Fatal(err)
	}
	changed := alter(t, img, "ALTER TABLE ZREMCDREMINDER RENAME COLUMN ZCOMPLETED TO ZDONE")
	_, err = records.OpenReminders(dbfixture.FS(devicepath.RemindersStores+"/Data-local.sqlite", changed, nil))
	var ue *records.UnsupportedError
	if !errors.As(err, &ue) || ue.Table != "ZREMCDREMINDER" || len(ue.Missing) != 1 || ue.Missing[0] != "ZCOMPLETED" {
		t.Errorf("got %v, want UnsupportedError for ZREMCDREMINDER.ZCOMPLETED", err)
	}
	if _, err := records.OpenReminders(fstest.MapFS{}); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("empty source: %v, want ErrNotFound", err)
	}
}

// TestRemindersStoresAndCalendarTasks: a device whose old reminders were
// never upgraded keeps them in Calendar.sqlitedb beside the new stores;
// both are read. A Calendar.sqlitedb without tasks adds nothing.
func TestRemindersStoresAndCalendarTasks(t *testing.T) {
	store, err := dbfixture.Reminders(dbfixture.RemiOS18, dbfixture.RemindersData{Account: "On My iPhone",
		Lists: []dbfixture.RemList{{ID: 1, Name: "Reminders"}}, Reminders: []dbfixture.RemItem{{ID: 1, Title: "New", ListID: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	cal := func(task bool) []byte {
		d := dbfixture.CalendarData{Calendars: []dbfixture.CalCalendar{{ID: 1, Title: "Old list"}},
			Events: []dbfixture.CalEvent{{ID: 1, Title: "Event", CalendarID: 1, Start: utc(2019, 1, 1, 9, 0, 0, 0), End: utc(2019, 1, 1, 10, 0, 0, 0)}}}
		if task {
			d.Events = append(d.Events, dbfixture.CalEvent{ID: 2, Task: true, Title: "Old", CalendarID: 1})
		}
		img, err := dbfixture.Calendar(dbfixture.CaliOS9, d)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	for _, tc := range []struct {
		task bool
		want []string
	}{{true, []string{"New", "Old"}}, {false, []string{"New"}}} {
		r, err := records.OpenReminders(fstest.MapFS{
			devicepath.RemindersStores + "/Data-local.sqlite": {Data: store},
			devicepath.Calendar: {Data: cal(tc.task)},
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, rem := range allReminders(t, r) {
			got = append(got, rem.Title)
		}
		r.Close()
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("tasks %v: got %q, want %q", tc.task, got, tc.want)
		}
	}
}

// TestRemindersDamagedRules: a rule of unknown frequency is a problem of
// its reminder; a rule pointing at two reminders belongs to neither.
func TestRemindersDamagedRules(t *testing.T) {
	img, err := dbfixture.Reminders(dbfixture.RemiOS18, dbfixture.RemindersData{Account: "iCloud",
		Lists: []dbfixture.RemList{{ID: 1, Name: "L"}},
		Reminders: []dbfixture.RemItem{
			{ID: 1, Title: "A", ListID: 1, Recurrence: &dbfixture.RemRule{Frequency: 1}},
			{ID: 2, Title: "B", ListID: 1, Recurrence: &dbfixture.RemRule{Frequency: 2}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	img = alter(t, img, "UPDATE ZREMCDOBJECT SET ZFREQUENCY = 42 WHERE ZREMINDER4 = 1")
	img = alter(t, img, "UPDATE ZREMCDOBJECT SET ZREMINDER2 = 1 WHERE ZREMINDER4 = 2")
	r, err := records.OpenReminders(dbfixture.FS(devicepath.RemindersStores+"/Data-local.sqlite", img, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := allReminders(t, r)
	if len(got) != 2 || got[0].Recurrence != "" || !reflect.DeepEqual(got[0].Problems, []string{"recurrence frequency 42 is not known"}) ||
		got[1].Recurrence != "" || got[1].Problems != nil {
		t.Errorf("got %+v\n%+v", got[0], got[1])
	}
}
