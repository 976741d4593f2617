package export

// The JSON views the JSON Lines export used before the record types got
// their own MarshalJSON (records/json.go), kept as the oracle of the
// differential tests: the new encoder must write exactly what these wrote.

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/iosbackup/iosbackup/internal/termsafe"
	"github.com/iosbackup/iosbackup/records"
)

// legacyJSONL is the line the export wrote for rec before (without the
// final newline).
func legacyJSONL(rec any) ([]byte, error) {
	var line bytes.Buffer
	enc := json.NewEncoder(&line)
	enc.SetEscapeHTML(false)
	switch r := rec.(type) {
	case *records.Event:
		rec = newJSONEvent(r)
	case *records.Reminder:
		rec = newJSONReminder(r)
	default:
		rec = jsonView(rec)
	}
	if err := enc.Encode(rec); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(termsafe.EscapeJSON(line.Bytes()), []byte("\n")), nil
}

// jsonView returns the value to encode for rec: a view with millisecond
// dates for the record types, rec itself otherwise.
func jsonView(rec any) any {
	switch r := rec.(type) {
	case *records.Message:
		return newJSONMessage(r)
	case *records.Contact:
		return newJSONContact(r)
	case *records.Call:
		return newJSONCall(r)
	}
	return rec
}

// jsonTime renders a date as RFC 3339 UTC with milliseconds, or null.
type jsonTime struct{ t *time.Time }

func (j jsonTime) MarshalJSON() ([]byte, error) {
	if j.t == nil || j.t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + j.t.UTC().Format("2006-01-02T15:04:05.000Z") + `"`), nil
}

func ms(t *time.Time) jsonTime { return jsonTime{t} }

// orEmpty returns s, or an empty non-nil slice for nil.
func orEmpty[E any](s []E) []E {
	if s == nil {
		return []E{}
	}
	return s
}

// The views below list the fields of records.Message, Contact and Call
// in the same order and with the same tags, dates replaced by jsonTime.
// TestJSONViewsMatchTypes checks that they stay in step with types.go.

type jsonMessage struct {
	RowID         int64               `json:"rowid"`
	GUID          string              `json:"guid"`
	Chat          string              `json:"chat"`
	ChatGUID      string              `json:"chat_guid"`
	ChatName      *string             `json:"chat_name"`
	Participants  []string            `json:"participants,omitempty"`
	Service       string              `json:"service"`
	Date          jsonTime            `json:"date"`
	DateRead      jsonTime            `json:"date_read"`
	DateDelivered jsonTime            `json:"date_delivered"`
	DateEdited    *jsonTime           `json:"date_edited,omitempty"`
	FromMe        bool                `json:"from_me"`
	Sender        *string             `json:"sender"`
	SenderName    *string             `json:"sender_name"`
	Text          string              `json:"text"`
	Subject       string              `json:"subject,omitempty"`
	Attachments   []jsonAttachment    `json:"attachments"`
	Reaction      *records.Reaction   `json:"reaction"`
	ReplyTo       *string             `json:"reply_to"`
	Edited        bool                `json:"edited"`
	Unsent        bool                `json:"unsent"`
	Edits         []jsonEdit          `json:"edits,omitempty"`
	GroupEvent    *records.GroupEvent `json:"group_event,omitempty"`
	IsRead        bool                `json:"is_read"`
	BalloonBundle string              `json:"balloon_bundle_id,omitempty"`
	Problems      []string            `json:"problems"`
	Deleted       bool                `json:"deleted,omitempty"`
	Recovered     *jsonRecovery       `json:"recovered,omitempty"`
}

type jsonAttachment struct {
	GUID     string    `json:"guid,omitempty"`
	Name     string    `json:"name"`
	MIME     string    `json:"mime"`
	UTI      string    `json:"uti,omitempty"`
	Size     int64     `json:"size"`
	Created  *jsonTime `json:"created,omitempty"`
	Domain   string    `json:"domain"`
	Path     string    `json:"path"`
	Missing  bool      `json:"missing"`
	Sticker  bool      `json:"sticker,omitempty"`
	Filename string    `json:"filename,omitempty"`
}

type jsonEdit struct {
	Part int      `json:"part"`
	Date jsonTime `json:"date"`
	Text string   `json:"text"`
}

func optTime(t *time.Time) *jsonTime {
	if t == nil {
		return nil
	}
	return &jsonTime{t}
}

func newJSONMessage(m *records.Message) *jsonMessage {
	j := &jsonMessage{
		RowID: m.RowID, GUID: m.GUID, Chat: m.Chat, ChatGUID: m.ChatGUID, ChatName: m.ChatName,
		Participants: m.Participants, Service: m.Service, Date: ms(m.Date), DateRead: ms(m.DateRead),
		DateDelivered: ms(m.DateDelivered), DateEdited: optTime(m.DateEdited), FromMe: m.FromMe, Sender: m.Sender, SenderName: m.SenderName,
		Text: m.Text, Subject: m.Subject, Attachments: make([]jsonAttachment, len(m.Attachments)),
		Reaction: m.Reaction, ReplyTo: m.ReplyTo, Edited: m.Edited, Unsent: m.Unsent, GroupEvent: m.GroupEvent,
		IsRead: m.IsRead, BalloonBundle: m.BalloonBundle, Problems: m.Problems,
		Deleted: m.Deleted, Recovered: newJSONRecovery(m.Recovered),
	}
	for i, a := range m.Attachments {
		j.Attachments[i] = jsonAttachment{GUID: a.GUID, Name: a.Name, MIME: a.MIME, UTI: a.UTI, Size: a.Size,
			Created: optTime(a.Created), Domain: a.Domain, Path: a.Path, Missing: a.Missing, Sticker: a.Sticker, Filename: a.Filename}
	}
	for _, e := range m.Edits {
		j.Edits = append(j.Edits, jsonEdit{Part: e.Part, Date: ms(e.Date), Text: e.Text})
	}
	return j
}

// jsonContact renders absent text as null, like absent dates.
type jsonContact struct {
	ID             int64             `json:"id"`
	Prefix         *string           `json:"prefix"`
	First          *string           `json:"first"`
	Middle         *string           `json:"middle"`
	Last           *string           `json:"last"`
	Suffix         *string           `json:"suffix"`
	Nickname       *string           `json:"nickname"`
	FirstPhonetic  *string           `json:"first_phonetic"`
	MiddlePhonetic *string           `json:"middle_phonetic"`
	LastPhonetic   *string           `json:"last_phonetic"`
	OrgPhonetic    *string           `json:"organization_phonetic"`
	DisplayName    *string           `json:"display_name"`
	Organization   *string           `json:"organization"`
	Department     *string           `json:"department"`
	JobTitle       *string           `json:"job_title"`
	Birthday       *string           `json:"birthday"`
	Note           *string           `json:"note"`
	Phones         []records.Labeled `json:"phones"`
	Emails         []records.Labeled `json:"emails"`
	URLs           []records.Labeled `json:"urls"`
	Addresses      []records.Address `json:"addresses"`
	Profiles       []records.Profile `json:"profiles,omitempty"`
	Related        []records.Labeled `json:"related,omitempty"`
	Dates          []records.Labeled `json:"dates,omitempty"`
	Groups         []string          `json:"groups,omitempty"`
	Created        jsonTime          `json:"created"`
	Modified       jsonTime          `json:"modified"`
	HasPhoto       bool              `json:"has_photo"`
	IsOrganization bool              `json:"is_organization,omitempty"`
	Deleted        bool              `json:"deleted,omitempty"`
	Recovered      *jsonRecovery     `json:"recovered,omitempty"`
	Problems       []string          `json:"problems"`
}

// null returns nil for "" (null in JSON), else &s.
func null(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newJSONContact(c *records.Contact) *jsonContact {
	display := c.DisplayName
	if display == "" {
		display = records.DisplayName(c)
	}
	return &jsonContact{
		ID: c.ID, Prefix: null(c.Prefix), First: null(c.First), Middle: null(c.Middle), Last: null(c.Last),
		Suffix: null(c.Suffix), Nickname: null(c.Nickname),
		FirstPhonetic: null(c.FirstPhonetic), MiddlePhonetic: null(c.MiddlePhonetic), LastPhonetic: null(c.LastPhonetic),
		OrgPhonetic: null(c.OrgPhonetic), DisplayName: null(display),
		Organization: null(c.Organization), Department: null(c.Department), JobTitle: null(c.JobTitle),
		Birthday: null(c.Birthday), Note: null(c.Note),
		Phones: orEmpty(c.Phones), Emails: orEmpty(c.Emails), URLs: orEmpty(c.URLs), Addresses: orEmpty(c.Addresses),
		Profiles: c.Profiles, Related: c.Related, Dates: c.Dates, Groups: c.Groups,
		Created: ms(c.Created), Modified: ms(c.Modified), HasPhoto: c.HasPhoto, IsOrganization: c.IsOrganization,
		Problems: c.Problems, Deleted: c.Deleted, Recovered: newJSONRecovery(c.Recovered),
	}
}

type jsonCall struct {
	ID           int64         `json:"id"`
	UniqueID     string        `json:"unique_id,omitempty"`
	Address      string        `json:"address"`
	Name         *string       `json:"name"`
	Date         jsonTime      `json:"date"`
	Duration     float64       `json:"duration"`
	Outgoing     bool          `json:"outgoing"`
	Answered     bool          `json:"answered"`
	Missed       bool          `json:"missed"`
	Type         string        `json:"type"`
	Service      string        `json:"service"`
	Country      *string       `json:"country"`
	MCC          *string       `json:"mobile_country_code"`
	Participants []string      `json:"participants,omitempty"`
	Disconnected *int          `json:"disconnected_cause,omitempty"`
	Deleted      bool          `json:"deleted,omitempty"`
	Recovered    *jsonRecovery `json:"recovered,omitempty"`
	Problems     []string      `json:"problems"`
}

func newJSONCall(c *records.Call) *jsonCall {
	return &jsonCall{
		ID: c.ID, UniqueID: c.UniqueID, Address: c.Address, Name: null(c.Name), Date: ms(c.Date), Duration: c.Duration,
		Outgoing: c.Outgoing, Answered: c.Answered, Missed: c.Missed, Type: string(c.Type), Service: string(c.Service),
		Country: null(c.Country), MCC: null(c.MCC), Participants: c.Participants, Disconnected: c.Disconnected,
		Problems: c.Problems, Deleted: c.Deleted, Recovered: newJSONRecovery(c.Recovered),
	}
}

// legacyDate renders a floating date or time: a date for all-day values, a
// local time with no zone for floating ones, else a UTC instant.
type legacyDate struct {
	t             *time.Time
	day, floating bool
}

func (j legacyDate) MarshalJSON() ([]byte, error) {
	if j.t == nil || j.t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + j.legacyFormat() + `"`), nil
}

func (j legacyDate) legacyFormat() string {
	switch {
	case j.day:
		return j.t.UTC().Format("2006-01-02")
	case j.floating:
		return j.t.UTC().Format("2006-01-02T15:04:05.000")
	}
	return j.t.UTC().Format(timeLayout)
}

type jsonAlarm struct {
	Offset    *int64   `json:"offset"`
	Date      jsonTime `json:"date"`
	Proximity string   `json:"proximity,omitempty"`
}

type jsonEvent struct {
	ID            int64                     `json:"id"`
	UUID          string                    `json:"uuid"`
	Title         string                    `json:"title"`
	Notes         string                    `json:"notes"`
	URL           string                    `json:"url"`
	ConferenceURL string                    `json:"conference_url,omitempty"`
	Start         legacyDate                `json:"start"`
	End           legacyDate                `json:"end"`
	AllDay        bool                      `json:"all_day"`
	Floating      bool                      `json:"floating,omitempty"`
	TimeZone      *string                   `json:"time_zone"`
	EndTimeZone   string                    `json:"end_time_zone,omitempty"`
	Location      *records.EventLocation    `json:"location"`
	Recurrence    *string                   `json:"recurrence"`
	Exceptions    []legacyDate              `json:"exceptions"`
	Alarms        []jsonAlarm               `json:"alarms"`
	Organizer     *records.Attendee         `json:"organizer"`
	Attendees     []records.Attendee        `json:"attendees"`
	Calendar      *records.CalendarInfo     `json:"calendar"`
	Attachments   []records.EventAttachment `json:"attachments,omitempty"`
	Status        string                    `json:"status,omitempty"`
	Birthday      bool                      `json:"birthday,omitempty"`
	OriginalID    *int64                    `json:"original_id,omitempty"`
	OriginalDate  *legacyDate               `json:"original_date,omitempty"`
	Created       jsonTime                  `json:"created"`
	Modified      jsonTime                  `json:"modified"`
	Problems      []string                  `json:"problems"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newJSONEvent(e *records.Event) *jsonEvent {
	d := func(t *time.Time) legacyDate { return legacyDate{t: t, day: e.AllDay, floating: e.Floating} }
	j := &jsonEvent{
		ID: e.ID, UUID: e.UUID, Title: e.Title, Notes: e.Notes, URL: e.URL, ConferenceURL: e.ConferenceURL,
		Start: d(e.Start), End: d(e.End), AllDay: e.AllDay, Floating: e.Floating,
		TimeZone: nullable(e.TimeZone), EndTimeZone: e.EndTimeZone, Location: e.Location, Recurrence: nullable(e.Recurrence),
		Exceptions: []legacyDate{}, Alarms: []jsonAlarm{}, Organizer: e.Organizer, Attendees: orEmpty(e.Attendees),
		Calendar: e.Calendar, Attachments: e.Attachments, Status: e.Status, Birthday: e.Birthday,
		OriginalID: e.OriginalID, Created: ms(e.Created), Modified: ms(e.Modified), Problems: e.Problems,
	}
	for i := range e.Exceptions {
		j.Exceptions = append(j.Exceptions, d(&e.Exceptions[i]))
	}
	for _, a := range e.Alarms {
		j.Alarms = append(j.Alarms, jsonAlarm{Offset: a.Offset, Date: ms(a.Date), Proximity: a.Proximity})
	}
	if e.OriginalDate != nil {
		od := d(e.OriginalDate)
		j.OriginalDate = &od
	}
	return j
}

type jsonReminder struct {
	ID            int64       `json:"id"`
	UUID          string      `json:"uuid"`
	Store         string      `json:"store"`
	Title         string      `json:"title"`
	Notes         string      `json:"notes"`
	Due           legacyDate  `json:"due"`
	DueAllDay     bool        `json:"due_all_day"`
	Start         *legacyDate `json:"start,omitempty"`
	Completed     bool        `json:"completed"`
	CompletedDate jsonTime    `json:"completed_date"`
	Priority      int         `json:"priority"`
	List          string      `json:"list"`
	Account       string      `json:"account,omitempty"`
	Flagged       bool        `json:"flagged"`
	Parent        *int64      `json:"parent"`
	Recurrence    *string     `json:"recurrence"`
	Deleted       bool        `json:"deleted,omitempty"`
	Created       jsonTime    `json:"created"`
	Modified      jsonTime    `json:"modified"`
	Problems      []string    `json:"problems"`
}

func newJSONReminder(r *records.Reminder) *jsonReminder {
	j := &jsonReminder{
		ID: r.ID, UUID: r.UUID, Store: r.Store, Title: r.Title, Notes: r.Notes,
		Due: legacyDate{t: r.Due, day: r.DueAllDay}, DueAllDay: r.DueAllDay, Completed: r.Completed,
		CompletedDate: ms(r.CompletedDate), Priority: r.Priority, List: r.List, Account: r.Account,
		Flagged: r.Flagged, Parent: r.Parent, Recurrence: nullable(r.Recurrence), Deleted: r.Deleted,
		Created: ms(r.Created), Modified: ms(r.Modified), Problems: r.Problems,
	}
	if r.Start != nil {
		j.Start = &legacyDate{t: r.Start}
	}
	return j
}

// jsonRecovery is records.Recovery with its date in the export's format.
type jsonRecovery struct {
	Source     string    `json:"source"`
	Database   string    `json:"database"`
	Table      string    `json:"table"`
	Page       uint32    `json:"page,omitempty"`
	Offset     int       `json:"offset,omitempty"`
	Frame      int       `json:"frame,omitempty"`
	FileOffset int64     `json:"file_offset,omitempty"`
	Complete   bool      `json:"complete"`
	Missing    []string  `json:"missing,omitempty"`
	HistoryOf  *int64    `json:"history_of,omitempty"`
	DeletedAt  *jsonTime `json:"deleted_at,omitempty"`
	Copies     int       `json:"copies,omitempty"`
}

func newJSONRecovery(r *records.Recovery) *jsonRecovery {
	if r == nil {
		return nil
	}
	return &jsonRecovery{Source: string(r.Source), Database: r.Database, Table: r.Table, Page: r.Page, Offset: r.Offset,
		Frame: r.Frame, FileOffset: r.FileOffset, Complete: r.Complete, Missing: r.Missing, HistoryOf: r.HistoryOf,
		DeletedAt: optTime(r.DeletedAt), Copies: r.Copies}
}
