package records

import "time"

// Event is one calendar event of Calendar.sqlitedb (a CalendarItem row
// joined with its calendar, location, recurrence, alarms and participants).
// JSON field names follow docs/CLI.md; the export package renders dates.
//
// Start and End are UTC instants for timed events. For an all-day event
// (AllDay) they are dates with no time zone: midnight UTC of the first and
// of the last day (End is inclusive: a one-day event has End == Start).
// A timed event with no time zone ("floating", the same wall-clock time
// everywhere) has Floating set and its wall-clock time in Start and End,
// written as UTC.
type Event struct {
	ID            int64             `json:"id"`   // CalendarItem ROWID
	UUID          string            `json:"uuid"` // UUID or unique_identifier; "" when not stored
	Title         string            `json:"title"`
	Notes         string            `json:"notes"`
	URL           string            `json:"url"`
	ConferenceURL string            `json:"conference_url,omitempty"`
	Start         *time.Time        `json:"start"`
	End           *time.Time        `json:"end"`
	AllDay        bool              `json:"all_day"`
	Floating      bool              `json:"floating,omitempty"`
	TimeZone      string            `json:"time_zone"`               // IANA name of the event's zone; "" for floating and all-day events
	EndTimeZone   string            `json:"end_time_zone,omitempty"` // zone of the end when it differs (a flight)
	Location      *EventLocation    `json:"location"`
	Recurrence    string            `json:"recurrence"` // RRULE value (FREQ=WEEKLY;COUNT=10); "" when the event does not repeat
	Exceptions    []time.Time       `json:"exceptions"` // occurrences removed from the series (dates for all-day events)
	Alarms        []Alarm           `json:"alarms"`
	Organizer     *Attendee         `json:"organizer"`
	Attendees     []Attendee        `json:"attendees"`
	Calendar      *CalendarInfo     `json:"calendar"`
	Attachments   []EventAttachment `json:"attachments,omitempty"`
	Status        string            `json:"status,omitempty"`   // confirmed, tentative, cancelled
	Birthday      bool              `json:"birthday,omitempty"` // an item of the Birthdays calendar (calendar_scale gregorian)
	// OriginalID and OriginalDate are set on a changed occurrence of a
	// repeating event: the ID of the series and the start of the
	// occurrence it replaces.
	OriginalID   *int64     `json:"original_id,omitempty"`
	OriginalDate *time.Time `json:"original_date,omitempty"`
	Created      *time.Time `json:"created"`
	Modified     *time.Time `json:"modified"`
	// Problems lists what could not be read in this event (a damaged date,
	// a missing calendar, ...); the fields concerned are empty. Nil when
	// the event was read completely.
	Problems []string `json:"problems"`
}

// EventLocation is where an event takes place. Latitude and Longitude are
// nil when the database holds no coordinates.
type EventLocation struct {
	Title     string   `json:"title"`
	Address   string   `json:"address"`
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
}

// Alarm is an alert of an event: Offset seconds relative to the start
// (negative: before), or at the absolute Date.
type Alarm struct {
	Offset    *int64     `json:"offset"` // seconds from the start; nil for an absolute alarm
	Date      *time.Time `json:"date"`   // absolute alarm time; nil for a relative alarm
	Proximity string     `json:"proximity,omitempty"`
}

// Attendee is an organizer or invitee of an event. Status is the reply:
// needs-action, accepted, declined, tentative, delegated, completed or
// in-process ("" when unknown).
type Attendee struct {
	Name   string `json:"name"`
	Email  string `json:"email"`
	Phone  string `json:"phone,omitempty"`
	Status string `json:"status"`
	Self   bool   `json:"self,omitempty"` // the owner of the phone
}

// CalendarInfo is the calendar an event or a reminder list belongs to.
// Account is the name of its store (iCloud, On My iPhone, an Exchange or
// CalDAV account, ...).
type CalendarInfo struct {
	ID      int64  `json:"id"`
	Title   string `json:"title"`
	Color   string `json:"color"`
	Account string `json:"account"`
}

// EventAttachment is a file attached to an event. The file itself is
// normally on the server, not in the backup.
type EventAttachment struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	URL  string `json:"url,omitempty"`
}

// Reminder is one reminder: from the Reminders Core Data stores (iOS 13
// and later) or a task of Calendar.sqlitedb (earlier versions). IDs are
// unique within their Store (the database file name); Parent is the ID of
// the parent reminder in the same store.
//
// Due is a UTC instant, or for a reminder due on a day with no time
// (DueAllDay) midnight UTC of that day.
type Reminder struct {
	ID            int64      `json:"id"`
	UUID          string     `json:"uuid"`
	Store         string     `json:"store"`
	Title         string     `json:"title"`
	Notes         string     `json:"notes"`
	Due           *time.Time `json:"due"`
	DueAllDay     bool       `json:"due_all_day"`
	Start         *time.Time `json:"start,omitempty"`
	Completed     bool       `json:"completed"`
	CompletedDate *time.Time `json:"completed_date"`
	Priority      int        `json:"priority"` // 0 none, 1 (high) to 9 (low); 5 medium
	List          string     `json:"list"`
	Account       string     `json:"account,omitempty"`
	Flagged       bool       `json:"flagged"`
	Parent        *int64     `json:"parent"`
	Recurrence    string     `json:"recurrence"` // RRULE value; "" when it does not repeat
	Deleted       bool       `json:"deleted,omitempty"`
	Created       *time.Time `json:"created"`
	Modified      *time.Time `json:"modified"`
	Problems      []string   `json:"problems"`
}
