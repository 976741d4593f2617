package dbfixture

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

// CalendarEra selects the schema generation of a synthetic
// Calendar.sqlitedb. The CalendarItem and Participant column sets of
// CaliOS14 are those of a real iOS 14 database (mvt's test backup); the
// other generations add or remove the columns that public readers (iLEAPP's
// calendarAll.py) test for: iOS 12 and earlier keep tasks (entity_type 3)
// in CalendarItem and the attachment's file name in Attachment; iOS 18 adds
// conference_url_detected.
type CalendarEra int

// The Calendar.sqlitedb generations Calendar can build.
const (
	CaliOS9  CalendarEra = 9  // tasks in CalendarItem; Attachment(filename, file_size); no conference_url
	CaliOS14 CalendarEra = 14 // AttachmentFile; conference_url; Identity and Sharee
	CaliOS18 CalendarEra = 18 // + conference_url_detected
)

// CalendarEras lists every era, oldest first.
var CalendarEras = []CalendarEra{CaliOS9, CaliOS14, CaliOS18}

func (e CalendarEra) String() string { return "iOS" + strconv.Itoa(int(e)) }

// CalendarData is the content of a synthetic Calendar.sqlitedb.
type CalendarData struct {
	Stores    []CalStore
	Calendars []CalCalendar
	Events    []CalEvent
}

// CalStore is an account (Store row).
type CalStore struct {
	ID   int64
	Name string
	Type int
}

// CalCalendar is a calendar (Calendar row).
type CalCalendar struct {
	ID, StoreID int64
	Title       string
	Color       string
}

// CalEvent is one CalendarItem row with its related rows.
type CalEvent struct {
	ID           int64
	UUID         string
	Title, Notes string
	URL          string
	// Start and End are instants; the zero End stores NULL. For an all-day
	// event Start is the first day (midnight UTC) and Days its length; the
	// end is stored as the last second of the last day, as Calendar does.
	Start, End time.Time
	AllDay     bool
	Days       int
	TZ         string // "" stores _float
	EndTZ      string // end_tz when it differs from TZ (a flight)
	CalendarID int64
	Location   *CalLocation
	Recurrence *CalRecurrence
	Exceptions []time.Time
	Alarms     []CalAlarm
	Organizer  *CalPerson
	Attendees  []CalPerson
	Files      []CalFile
	Status     int
	Created    time.Time
	Modified   time.Time
	Birthday   bool // calendar_scale gregorian
	// Changed occurrence of a repeating event.
	OrigID   int64
	OrigDate time.Time
	// Task (CaliOS9 only): a reminder of iOS 12 and earlier.
	Task          bool
	Due           time.Time
	DueAllDay     bool
	CompletedDate time.Time
	Priority      int
	// Raw overrides CalendarItem columns with raw values (damaged data).
	Raw map[string]any
}

// CalLocation is a Location row.
type CalLocation struct {
	Title, Address string
	Lat, Lon       float64 // both 0: no coordinates
}

// CalRecurrence is a Recurrence row; Frequency is 1 daily, 2 weekly,
// 3 monthly, 4 yearly.
type CalRecurrence struct {
	Frequency, Interval, Count int
	Until                      time.Time
	Specifier                  string
}

// CalAlarm is an Alarm row: relative (Offset seconds) or absolute (Date).
type CalAlarm struct {
	Offset *int
	Date   time.Time
}

// CalPerson is a Participant with its Identity. Status is the stored
// reply code (0 none, 1 accepted, 2 declined, 3 tentative).
type CalPerson struct {
	Name, Email string
	Status      int
	Self        bool
}

// CalFile is an attachment.
type CalFile struct {
	Name string
	Size int64
	URL  string
}

const calendarItemIOS14 = `summary TEXT, location_id INTEGER, client_location_id INTEGER, description TEXT, start_date REAL, start_tz TEXT, end_date REAL, end_tz TEXT, all_day INTEGER, calendar_id INTEGER, orig_item_id INTEGER, orig_date REAL, organizer_id INTEGER, self_attendee_id INTEGER, status INTEGER, invitation_status INTEGER, availability INTEGER, privacy_level INTEGER, url TEXT, last_modified REAL, sequence_num INTEGER, birthday_id INTEGER, modified_properties INTEGER, external_tracking_status INTEGER, external_id TEXT, external_mod_tag TEXT, unique_identifier TEXT, external_schedule_id TEXT, external_rep BLOB, response_comment TEXT, last_synced_response_comment TEXT, hidden INTEGER, has_recurrences INTEGER, has_attendees INTEGER, UUID TEXT, entity_type INTEGER, priority INTEGER, due_date REAL, due_tz TEXT, due_all_day INTEGER, completion_date REAL, creation_date REAL, action TEXT, app_link BLOB, display_order INTEGER, created_by_id INTEGER, modified_by_id INTEGER, shared_item_created_date REAL, shared_item_created_tz TEXT, shared_item_modified_date REAL, shared_item_modified_tz TEXT, invitation_changed_properties INTEGER, default_alarm_removed INTEGER, phantom_master INTEGER, participation_status_modified_date REAL, calendar_scale TEXT, travel_time INTEGER, travel_advisory_behavior INTEGER, start_location_id INTEGER, end_location_id INTEGER, suggested_event_info_id INTEGER, first_alert_date REAL, proposed_start_date REAL, can_forward INTEGER, location_prediction_state INTEGER, fired_ttl INTEGER, disallow_propose_new_time INTEGER, structured_data BLOB, local_structured_data BLOB, junk_status INTEGER, conference_url TEXT, contact_identifier TEXT, recurrence_set TEXT, flags INTEGER, contact_name TEXT`

const calendarItemIOS9 = `summary TEXT, location_id INTEGER, description TEXT, start_date REAL, start_tz TEXT, end_date REAL, end_tz TEXT, all_day INTEGER, calendar_id INTEGER, orig_item_id INTEGER, orig_date REAL, organizer_id INTEGER, self_attendee_id INTEGER, status INTEGER, invitation_status INTEGER, availability INTEGER, privacy_level INTEGER, url TEXT, last_modified REAL, sequence_num INTEGER, birthday_id INTEGER, modified_properties INTEGER, external_tracking_status INTEGER, external_id TEXT, external_mod_tag TEXT, unique_identifier TEXT, external_schedule_id TEXT, external_rep BLOB, response_comment TEXT, hidden INTEGER, has_recurrences INTEGER, has_attendees INTEGER, UUID TEXT, entity_type INTEGER, priority INTEGER, due_date REAL, due_tz TEXT, due_all_day INTEGER, completion_date REAL, creation_date REAL, action TEXT, app_link BLOB, display_order INTEGER, calendar_scale TEXT`

func (e CalendarEra) itemColumns() string {
	switch e {
	case CaliOS9:
		return calendarItemIOS9
	case CaliOS18:
		return calendarItemIOS14 + ", conference_url_detected TEXT"
	}
	return calendarItemIOS14
}

func cocoa(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return float64(t.Unix()-cocoaEpochUnix) + float64(t.Nanosecond())/1e9
}

// Calendar returns the image of a synthetic Calendar.sqlitedb of the
// given era holding d.
func Calendar(era CalendarEra, d CalendarData) ([]byte, error) {
	switch era {
	case CaliOS9, CaliOS14, CaliOS18:
	default:
		return nil, fmt.Errorf("dbfixture: unknown calendar era %d", era)
	}
	return sqlitemem.Build(func(conn *sql.Conn) error {
		ctx := context.Background()
		ddl := []string{
			"CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key))",
			"CREATE TABLE Store (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, default_alarm_offset INTEGER, type INTEGER, constraint_path TEXT, disabled INTEGER, external_id TEXT, persistent_id TEXT, flags INTEGER, UUID TEXT)",
			"CREATE TABLE Calendar (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, store_id INTEGER, title TEXT, flags INTEGER, color TEXT, symbolic_color_name TEXT, color_display_only INTEGER, type TEXT, supported_entity_types INTEGER, external_id TEXT, external_mod_tag TEXT, external_id_tag TEXT, external_rep BLOB, display_order INTEGER, UUID TEXT, shared_owner_name TEXT, shared_owner_address TEXT, sharing_status INTEGER, sharing_invitation_response INTEGER, published_URL TEXT, is_published INTEGER, invitation_status INTEGER, sync_token TEXT, self_identity_id INTEGER, self_identity_email TEXT, owner_identity_id INTEGER, owner_identity_email TEXT, notes TEXT)",
			"CREATE TABLE CalendarItem (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, " + era.itemColumns() + ")",
			"CREATE TABLE Location (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, address TEXT, latitude REAL, longitude REAL, radius REAL, reference_frame INTEGER, map_kit_handle BLOB, route_type TEXT, item_owner_id INTEGER)",
			"CREATE TABLE Recurrence (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, frequency INTEGER, interval INTEGER, week_start INTEGER, count INTEGER, cached_end_date REAL, cached_end_date_tz TEXT, end_date REAL, specifier TEXT, by_month_months INTEGER, owner_id INTEGER, external_id TEXT, external_mod_tag TEXT, external_id_tag TEXT, external_rep BLOB, UUID TEXT)",
			"CREATE TABLE ExceptionDate (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, date REAL, owner_id INTEGER)",
			"CREATE TABLE Alarm (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, trigger_date REAL, trigger_interval INTEGER, type INTEGER, proximity INTEGER, disabled INTEGER, location_id INTEGER, sound TEXT, email_address TEXT, calendaritem_owner_id INTEGER, calendar_owner_id INTEGER, external_id TEXT, external_mod_tag TEXT, external_id_tag TEXT, external_rep BLOB, UUID TEXT, acknowledged REAL)",
			"CREATE TABLE Participant (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, entity_type INTEGER, type INTEGER, status INTEGER, pending_status INTEGER, role INTEGER, identity_id INTEGER, owner_id INTEGER, external_rep BLOB, UUID TEXT, email TEXT, phone_number TEXT, is_self INTEGER, comment TEXT, schedule_agent INTEGER, flags INTEGER, last_modified REAL, proposed_start_date REAL, invited_by TEXT, proposed_start_date_status INTEGER, comment_last_modified REAL)",
			"CREATE TABLE Identity (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, display_name TEXT, address TEXT, first_name TEXT, last_name TEXT, external_id TEXT)",
		}
		if era == CaliOS9 {
			ddl = append(ddl, "CREATE TABLE Attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, format TEXT, local_url TEXT, url TEXT, filename TEXT, file_size INTEGER, owner_id INTEGER, external_id TEXT, UUID TEXT)")
		} else {
			ddl = append(ddl,
				"CREATE TABLE Attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, file_id INTEGER, owner_id INTEGER, external_id TEXT, external_mod_tag TEXT, UUID TEXT, flags INTEGER)",
				"CREATE TABLE AttachmentFile (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT, filename TEXT, local_path TEXT, file_size INTEGER, format TEXT, UUID TEXT, external_id TEXT, flags INTEGER)",
				"CREATE TABLE Sharee (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, owner_id INTEGER, identity_id INTEGER, access_level INTEGER, status INTEGER, UUID TEXT)")
		}
		ddl = append(ddl, fmt.Sprintf("INSERT INTO _SqliteDatabaseProperties VALUES ('_ClientVersion', '%d')", 10000+int(era)))
		for _, q := range ddl {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("dbfixture: %s: %w", q, err)
			}
		}
		exec := func(q string, args ...any) (int64, error) {
			res, err := conn.ExecContext(ctx, q, args...)
			if err != nil {
				return 0, fmt.Errorf("dbfixture: %s: %w", q, err)
			}
			return res.LastInsertId()
		}
		for _, s := range d.Stores {
			if _, err := exec("INSERT INTO Store (ROWID, name, type) VALUES (?, ?, ?)", s.ID, s.Name, s.Type); err != nil {
				return err
			}
		}
		for _, c := range d.Calendars {
			if _, err := exec("INSERT INTO Calendar (ROWID, store_id, title, color, sharing_status) VALUES (?, ?, ?, ?, 0)", c.ID, c.StoreID, c.Title, c.Color); err != nil {
				return err
			}
		}
		for _, e := range d.Events {
			if err := writeCalEvent(era, e, exec); err != nil {
				return err
			}
		}
		return nil
	})
}

func writeCalEvent(era CalendarEra, e CalEvent, exec func(string, ...any) (int64, error)) error {
	person := func(p CalPerson, entity int, owner int64) (int64, error) {
		iid, err := exec("INSERT INTO Identity (display_name, address) VALUES (?, ?)", nullString(p.Name), "mailto:"+p.Email)
		if err != nil {
			return 0, err
		}
		self := 0
		if p.Self {
			self = 1
		}
		return exec("INSERT INTO Participant (entity_type, type, status, role, identity_id, owner_id, email, is_self) VALUES (?, 1, ?, 1, ?, ?, ?, ?)",
			entity, p.Status, iid, owner, p.Email, self)
	}
	vals := map[string]any{
		"summary": e.Title, "description": nullString(e.Notes), "url": nullString(e.URL),
		"calendar_id": e.CalendarID, "status": e.Status, "entity_type": 2,
		"creation_date": cocoa(e.Created), "last_modified": cocoa(e.Modified),
		"UUID": nullString(e.UUID), "all_day": 0, "has_recurrences": 0, "has_attendees": 0,
	}
	if e.ID != 0 {
		vals["ROWID"] = e.ID
	}
	tz := e.TZ
	if tz == "" {
		tz = "_float"
	}
	vals["start_tz"], vals["end_tz"] = tz, tz
	if e.EndTZ != "" {
		vals["end_tz"] = e.EndTZ
	}
	vals["start_date"] = cocoa(e.Start)
	vals["end_date"] = cocoa(e.End)
	if e.AllDay {
		vals["all_day"] = 1
		days := max(e.Days, 1)
		vals["end_date"] = cocoa(e.Start.AddDate(0, 0, days).Add(-time.Second))
	}
	if e.Birthday {
		vals["calendar_scale"] = "gregorian"
	}
	if e.OrigID != 0 {
		vals["orig_item_id"], vals["orig_date"] = e.OrigID, cocoa(e.OrigDate)
	}
	if e.Task {
		if era != CaliOS9 {
			return fmt.Errorf("dbfixture: tasks live in Calendar.sqlitedb only up to iOS 12")
		}
		vals["entity_type"] = 3
		vals["start_date"], vals["end_date"], vals["start_tz"], vals["end_tz"] = nil, nil, nil, nil
		vals["due_date"], vals["completion_date"], vals["priority"] = cocoa(e.Due), cocoa(e.CompletedDate), e.Priority
		vals["due_all_day"] = 0
		vals["due_tz"] = "_float"
		if e.DueAllDay {
			vals["due_all_day"] = 1
		}
	}
	if e.Recurrence != nil {
		vals["has_recurrences"] = 1
	}
	if len(e.Attendees) > 0 {
		vals["has_attendees"] = 1
	}
	for k, v := range e.Raw {
		vals[k] = v
	}
	cols := make([]string, 0, len(vals))
	for k := range vals {
		cols = append(cols, k)
	}
	sort.Strings(cols)
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = vals[c]
	}
	id, err := exec("INSERT INTO CalendarItem ("+strings.Join(cols, ", ")+") VALUES (?"+strings.Repeat(", ?", len(cols)-1)+")", args...)
	if err != nil {
		return err
	}
	if e.Location != nil {
		var lat, lon any
		if e.Location.Lat != 0 || e.Location.Lon != 0 {
			lat, lon = e.Location.Lat, e.Location.Lon
		}
		lid, err := exec("INSERT INTO Location (title, address, latitude, longitude, item_owner_id) VALUES (?, ?, ?, ?, ?)", e.Location.Title, nullString(e.Location.Address), lat, lon, id)
		if err != nil {
			return err
		}
		if _, err := exec("UPDATE CalendarItem SET location_id = ? WHERE ROWID = ?", lid, id); err != nil {
			return err
		}
	}
	if r := e.Recurrence; r != nil {
		if _, err := exec("INSERT INTO Recurrence (frequency, interval, week_start, count, end_date, specifier, owner_id) VALUES (?, ?, 0, ?, ?, ?, ?)",
			r.Frequency, max(r.Interval, 1), r.Count, cocoa(r.Until), nullString(r.Specifier), id); err != nil {
			return err
		}
	}
	for _, x := range e.Exceptions {
		if _, err := exec("INSERT INTO ExceptionDate (date, owner_id) VALUES (?, ?)", cocoa(x), id); err != nil {
			return err
		}
	}
	for _, a := range e.Alarms {
		var off any
		if a.Offset != nil {
			off = *a.Offset
		}
		if _, err := exec("INSERT INTO Alarm (trigger_date, trigger_interval, type, proximity, calendaritem_owner_id) VALUES (?, ?, 0, 0, ?)", cocoa(a.Date), off, id); err != nil {
			return err
		}
	}
	if e.Organizer != nil {
		pid, err := person(*e.Organizer, 8, id)
		if err != nil {
			return err
		}
		if _, err := exec("UPDATE CalendarItem SET organizer_id = ? WHERE ROWID = ?", pid, id); err != nil {
			return err
		}
	}
	for _, a := range e.Attendees {
		if _, err := person(a, 7, id); err != nil {
			return err
		}
	}
	for _, f := range e.Files {
		if era == CaliOS9 {
			if _, err := exec("INSERT INTO Attachment (filename, file_size, url, owner_id) VALUES (?, ?, ?, ?)", f.Name, f.Size, nullString(f.URL), id); err != nil {
				return err
			}
			continue
		}
		fid, err := exec("INSERT INTO AttachmentFile (filename, file_size, url) VALUES (?, ?, ?)", f.Name, f.Size, nullString(f.URL))
		if err != nil {
			return err
		}
		if _, err := exec("INSERT INTO Attachment (file_id, owner_id) VALUES (?, ?)", fid, id); err != nil {
			return err
		}
	}
	return nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
