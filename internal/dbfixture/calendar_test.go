package dbfixture

import (
	"strconv"
	"testing"
	"time"
)

func TestCalendarSchemas(t *testing.T) {
	d := CalendarData{
		Stores:    []CalStore{{ID: 1, Name: "iCloud", Type: 2}},
		Calendars: []CalCalendar{{ID: 1, StoreID: 1, Title: "Home", Color: "#FF0000"}},
		Events: []CalEvent{{ID: 7, Title: "E", CalendarID: 1, TZ: "Europe/Paris",
			Start: time.Date(2024, 1, 2, 8, 0, 0, 0, time.UTC), End: time.Date(2024, 1, 2, 9, 0, 0, 0, time.UTC),
			Files: []CalFile{{Name: "a.pdf", Size: 3}}}},
	}
	for _, tc := range []struct {
		era                   CalendarEra
		attachmentFile, ccDet int
	}{{CaliOS9, 0, 0}, {CaliOS14, 1, 0}, {CaliOS18, 1, 1}} {
		db := fxOpen(t, func() ([]byte, error) { return Calendar(tc.era, d) })
		if n := fxScalar[int](t, db, "SELECT count(*) FROM sqlite_master WHERE name = 'AttachmentFile'"); n != tc.attachmentFile {
			t.Errorf("%v: AttachmentFile tables %d", tc.era, n)
		}
		if n := fxScalar[int](t, db, "SELECT count(*) FROM pragma_table_info('CalendarItem') WHERE name = 'conference_url_detected'"); n != tc.ccDet {
			t.Errorf("%v: conference_url_detected %d", tc.era, n)
		}
		// 2024-01-02T08:00:00Z is 725875200 Cocoa seconds.
		if v := fxScalar[float64](t, db, "SELECT start_date FROM CalendarItem WHERE ROWID = 7"); v != 725875200 {
			t.Errorf("%v: start_date %v", tc.era, v)
		}
		if v := fxScalar[string](t, db, "SELECT start_tz FROM CalendarItem WHERE ROWID = 7"); v != "Europe/Paris" {
			t.Errorf("%v: start_tz %q", tc.era, v)
		}
	}
	if _, err := Calendar(CaliOS14, CalendarData{Events: []CalEvent{{Task: true}}}); err == nil {
		t.Error("a task in an iOS 14 Calendar.sqlitedb was accepted")
	}
}

func TestRemindersSchemas(t *testing.T) {
	d := RemindersData{Account: "iCloud", Lists: []RemList{{ID: 1, Name: "L"}},
		Reminders: []RemItem{{ID: 5, Title: "R", ListID: 1, Recurrence: &RemRule{Frequency: 1}}}}
	for _, era := range RemindersEras {
		db := fxOpen(t, func() ([]byte, error) { return Reminders(era, d) })
		table, title := "ZREMCDREMINDER", "ZTITLE"
		if era == RemiOS13 {
			table, title = "ZREMCDOBJECT", "ZTITLE1"
		}
		if v := fxScalar[string](t, db, "SELECT "+title+" FROM "+table+" WHERE Z_PK = 5"); v != "R" {
			t.Errorf("%v: title %q", era, v)
		}
		ent := fxScalar[int](t, db, "SELECT Z_ENT FROM Z_PRIMARYKEY WHERE Z_NAME = 'REMCDRecurrenceRule'")
		if n := fxScalar[int](t, db, "SELECT count(*) FROM ZREMCDOBJECT WHERE ZREMINDER4 = 5 AND ZFREQUENCY = 1 AND Z_ENT = "+strconv.Itoa(ent)); n != 1 {
			t.Errorf("%v: %d rules", era, n)
		}
	}
}
