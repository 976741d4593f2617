package records

import (
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/iosbackup/iosbackup/internal/termsafe"
)

// The JSON form of the records, one definition for json.Marshal and the
// JSON Lines export (docs/CLI.md "JSON Lines", docs/calendar.md):
//
//   - fields in the order of the struct, named by their json tags;
//   - dates RFC 3339 in UTC with milliseconds ("2023-05-01T09:30:12.345Z"),
//     absent dates null; an event's all-day dates are days ("2024-03-29")
//     and its floating times have no zone ("2024-03-29T09:00:00.000");
//   - absent text of a contact, a call's absent name and country codes, an
//     event's absent time zone and recurrence, a reminder's absent
//     recurrence: null rather than "";
//   - list fields that always appear are [] rather than null when empty;
//   - strings escaped as encoding/json does without HTML escaping (control
//     characters, '"', '\\', U+2028, U+2029, invalid UTF-8 as U+FFFD), and
//     also DEL, the C1 controls and the bidirectional controls and marks
//     (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) as \uXXXX
//     escapes, so that a JSON Lines file shown in a terminal cannot drive
//     it or reorder what it shows. The escapes decode to the same text.
//
// json.Marshal applies its HTML escaping (<, >, & as \u003c...) to what a
// MarshalJSON returns; an Encoder with SetEscapeHTML(false) writes it as
// is.

// errJSONFloat is the error for a NaN or infinite number, which JSON
// cannot represent (encoding/json refuses them too).
var errJSONFloat = errors.New("records: NaN or infinite number has no JSON form")

// MarshalJSON returns the JSON form of the message (see docs/CLI.md).
func (m Message) MarshalJSON() ([]byte, error) { return m.AppendJSON(make([]byte, 0, 1024)) }

// MarshalJSON returns the JSON form of the contact (see docs/CLI.md):
// absent text is null, display_name is DisplayName when the reader left it
// empty, and the photo is not included (has_photo tells).
func (c Contact) MarshalJSON() ([]byte, error) { return c.AppendJSON(make([]byte, 0, 1024)) }

// MarshalJSON returns the JSON form of the call (see docs/CLI.md).
func (c Call) MarshalJSON() ([]byte, error) { return c.AppendJSON(make([]byte, 0, 512)) }

// MarshalJSON returns the JSON form of the event (see docs/calendar.md).
func (e Event) MarshalJSON() ([]byte, error) { return e.AppendJSON(make([]byte, 0, 1024)) }

// MarshalJSON returns the JSON form of the reminder (see docs/calendar.md).
func (r Reminder) MarshalJSON() ([]byte, error) { return r.AppendJSON(make([]byte, 0, 512)) }

// AppendJSON appends the JSON form of the message to b (MarshalJSON without
// the copy, for writing many records); a nil message appends null. On error
// it returns b unchanged.
func (m *Message) AppendJSON(b []byte) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	b = append(b, `{"rowid":`...)
	b = strconv.AppendInt(b, m.RowID, 10)
	b = append(b, `,"guid":`...)
	b = appendJSONString(b, m.GUID)
	b = append(b, `,"chat":`...)
	b = appendJSONString(b, m.Chat)
	b = append(b, `,"chat_guid":`...)
	b = appendJSONString(b, m.ChatGUID)
	b = append(b, `,"chat_name":`...)
	b = appendJSONStringPtr(b, m.ChatName)
	if len(m.Participants) > 0 {
		b = append(b, `,"participants":`...)
		b = appendJSONStrings(b, m.Participants)
	}
	b = append(b, `,"service":`...)
	b = appendJSONString(b, string(m.Service))
	b = append(b, `,"date":`...)
	b = appendJSONTime(b, m.Date)
	b = append(b, `,"date_read":`...)
	b = appendJSONTime(b, m.DateRead)
	b = append(b, `,"date_delivered":`...)
	b = appendJSONTime(b, m.DateDelivered)
	if m.DateEdited != nil {
		b = append(b, `,"date_edited":`...)
		b = appendJSONTime(b, m.DateEdited)
	}
	b = append(b, `,"from_me":`...)
	b = strconv.AppendBool(b, m.FromMe)
	b = append(b, `,"sender":`...)
	b = appendJSONStringPtr(b, m.Sender)
	b = append(b, `,"sender_name":`...)
	b = appendJSONStringPtr(b, m.SenderName)
	b = append(b, `,"text":`...)
	b = appendJSONString(b, m.Text)
	if m.Subject != "" {
		b = append(b, `,"subject":`...)
		b = appendJSONString(b, m.Subject)
	}
	b = append(b, `,"attachments":[`...)
	for i := range m.Attachments {
		if i > 0 {
			b = append(b, ',')
		}
		b = m.Attachments[i].appendJSON(b)
	}
	b = append(b, `],"reaction":`...)
	if r := m.Reaction; r == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"type":`...)
		b = appendJSONString(b, string(r.Type))
		b = append(b, `,"target":`...)
		b = appendJSONString(b, r.Target)
		b = append(b, `,"part":`...)
		b = strconv.AppendInt(b, int64(r.Part), 10)
		if r.Emoji != "" {
			b = append(b, `,"emoji":`...)
			b = appendJSONString(b, r.Emoji)
		}
		if r.Removed {
			b = append(b, `,"removed":true`...)
		}
		b = append(b, '}')
	}
	b = append(b, `,"reply_to":`...)
	b = appendJSONStringPtr(b, m.ReplyTo)
	b = append(b, `,"edited":`...)
	b = strconv.AppendBool(b, m.Edited)
	b = append(b, `,"unsent":`...)
	b = strconv.AppendBool(b, m.Unsent)
	if len(m.Edits) > 0 {
		b = append(b, `,"edits":[`...)
		for i, e := range m.Edits {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"part":`...)
			b = strconv.AppendInt(b, int64(e.Part), 10)
			b = append(b, `,"date":`...)
			b = appendJSONTime(b, e.Date)
			b = append(b, `,"text":`...)
			b = appendJSONString(b, e.Text)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if g := m.GroupEvent; g != nil {
		b = append(b, `,"group_event":{"kind":`...)
		b = appendJSONString(b, string(g.Kind))
		if g.Other != "" {
			b = append(b, `,"other":`...)
			b = appendJSONString(b, g.Other)
		}
		if g.Title != "" {
			b = append(b, `,"title":`...)
			b = appendJSONString(b, g.Title)
		}
		b = append(b, '}')
	}
	b = append(b, `,"is_read":`...)
	b = strconv.AppendBool(b, m.IsRead)
	if m.BalloonBundle != "" {
		b = append(b, `,"balloon_bundle_id":`...)
		b = appendJSONString(b, m.BalloonBundle)
	}
	b = append(b, `,"problems":`...)
	b = appendJSONStringsOrNull(b, m.Problems)
	if m.Deleted {
		b = append(b, `,"deleted":true`...)
	}
	if m.Recovered != nil {
		b = append(b, `,"recovered":`...)
		b = m.Recovered.appendJSON(b)
	}
	return append(b, '}'), nil
}

func (a *Attachment) appendJSON(b []byte) []byte {
	b = append(b, '{')
	if a.GUID != "" {
		b = append(b, `"guid":`...)
		b = appendJSONString(b, a.GUID)
		b = append(b, ',')
	}
	b = append(b, `"name":`...)
	b = appendJSONString(b, a.Name)
	b = append(b, `,"mime":`...)
	b = appendJSONString(b, a.MIME)
	if a.UTI != "" {
		b = append(b, `,"uti":`...)
		b = appendJSONString(b, a.UTI)
	}
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, a.Size, 10)
	if a.Created != nil {
		b = append(b, `,"created":`...)
		b = appendJSONTime(b, a.Created)
	}
	b = append(b, `,"domain":`...)
	b = appendJSONString(b, a.Domain)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, a.Path)
	b = append(b, `,"missing":`...)
	b = strconv.AppendBool(b, a.Missing)
	if a.Sticker {
		b = append(b, `,"sticker":true`...)
	}
	if a.Filename != "" {
		b = append(b, `,"filename":`...)
		b = appendJSONString(b, a.Filename)
	}
	return append(b, '}')
}

func (r *Recovery) appendJSON(b []byte) []byte {
	b = append(b, `{"source":`...)
	b = appendJSONString(b, string(r.Source))
	b = append(b, `,"database":`...)
	b = appendJSONString(b, r.Database)
	b = append(b, `,"table":`...)
	b = appendJSONString(b, r.Table)
	if r.Page != 0 {
		b = append(b, `,"page":`...)
		b = strconv.AppendUint(b, uint64(r.Page), 10)
	}
	if r.Offset != 0 {
		b = append(b, `,"offset":`...)
		b = strconv.AppendInt(b, int64(r.Offset), 10)
	}
	if r.Frame != 0 {
		b = append(b, `,"frame":`...)
		b = strconv.AppendInt(b, int64(r.Frame), 10)
	}
	if r.FileOffset != 0 {
		b = append(b, `,"file_offset":`...)
		b = strconv.AppendInt(b, r.FileOffset, 10)
	}
	b = append(b, `,"complete":`...)
	b = strconv.AppendBool(b, r.Complete)
	if len(r.Missing) > 0 {
		b = append(b, `,"missing":`...)
		b = appendJSONStrings(b, r.Missing)
	}
	if r.HistoryOf != nil {
		b = append(b, `,"history_of":`...)
		b = strconv.AppendInt(b, *r.HistoryOf, 10)
	}
	if r.DeletedAt != nil {
		b = append(b, `,"deleted_at":`...)
		b = appendJSONTime(b, r.DeletedAt)
	}
	if r.Copies != 0 {
		b = append(b, `,"copies":`...)
		b = strconv.AppendInt(b, int64(r.Copies), 10)
	}
	return append(b, '}')
}

// AppendJSON appends the JSON form of the contact to b (MarshalJSON without
// the copy, for writing many records); a nil contact appends null. On error
// it returns b unchanged.
func (c *Contact) AppendJSON(b []byte) ([]byte, error) {
	if c == nil {
		return append(b, "null"...), nil
	}
	display := c.DisplayName
	if display == "" {
		display = DisplayName(c)
	}
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, c.ID, 10)
	for _, f := range [...]struct{ key, v string }{
		{`,"prefix":`, c.Prefix}, {`,"first":`, c.First}, {`,"middle":`, c.Middle}, {`,"last":`, c.Last},
		{`,"suffix":`, c.Suffix}, {`,"nickname":`, c.Nickname}, {`,"first_phonetic":`, c.FirstPhonetic},
		{`,"middle_phonetic":`, c.MiddlePhonetic}, {`,"last_phonetic":`, c.LastPhonetic},
		{`,"organization_phonetic":`, c.OrgPhonetic}, {`,"display_name":`, display},
		{`,"organization":`, c.Organization}, {`,"department":`, c.Department}, {`,"job_title":`, c.JobTitle},
		{`,"birthday":`, c.Birthday}, {`,"note":`, c.Note},
	} {
		b = append(b, f.key...)
		b = appendJSONStringOrNull(b, f.v)
	}
	b = append(b, `,"phones":`...)
	b = appendLabeled(b, c.Phones)
	b = append(b, `,"emails":`...)
	b = appendLabeled(b, c.Emails)
	b = append(b, `,"urls":`...)
	b = appendLabeled(b, c.URLs)
	b = append(b, `,"addresses":[`...)
	for i, a := range c.Addresses {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"label":`...)
		b = appendJSONString(b, a.Label)
		b = append(b, `,"street":`...)
		b = appendJSONString(b, a.Street)
		b = append(b, `,"city":`...)
		b = appendJSONString(b, a.City)
		b = append(b, `,"state":`...)
		b = appendJSONString(b, a.State)
		b = append(b, `,"zip":`...)
		b = appendJSONString(b, a.ZIP)
		b = append(b, `,"country":`...)
		b = appendJSONString(b, a.Country)
		b = append(b, `,"country_code":`...)
		b = appendJSONString(b, a.CountryCode)
		b = append(b, '}')
	}
	b = append(b, ']')
	if len(c.Profiles) > 0 {
		b = append(b, `,"profiles":[`...)
		for i, p := range c.Profiles {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"label":`...)
			b = appendJSONString(b, p.Label)
			b = append(b, `,"service":`...)
			b = appendJSONString(b, string(p.Service))
			b = append(b, `,"username":`...)
			b = appendJSONString(b, p.Username)
			if p.URL != "" {
				b = append(b, `,"url":`...)
				b = appendJSONString(b, p.URL)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(c.Related) > 0 {
		b = append(b, `,"related":`...)
		b = appendLabeled(b, c.Related)
	}
	if len(c.Dates) > 0 {
		b = append(b, `,"dates":`...)
		b = appendLabeled(b, c.Dates)
	}
	if len(c.Groups) > 0 {
		b = append(b, `,"groups":`...)
		b = appendJSONStrings(b, c.Groups)
	}
	b = append(b, `,"created":`...)
	b = appendJSONTime(b, c.Created)
	b = append(b, `,"modified":`...)
	b = appendJSONTime(b, c.Modified)
	b = append(b, `,"has_photo":`...)
	b = strconv.AppendBool(b, c.HasPhoto)
	if c.IsOrganization {
		b = append(b, `,"is_organization":true`...)
	}
	if c.Deleted {
		b = append(b, `,"deleted":true`...)
	}
	if c.Recovered != nil {
		b = append(b, `,"recovered":`...)
		b = c.Recovered.appendJSON(b)
	}
	b = append(b, `,"problems":`...)
	b = appendJSONStringsOrNull(b, c.Problems)
	return append(b, '}'), nil
}

func appendLabeled(b []byte, ls []Labeled) []byte {
	b = append(b, '[')
	for i, l := range ls {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"label":`...)
		b = appendJSONString(b, l.Label)
		b = append(b, `,"value":`...)
		b = appendJSONString(b, l.Value)
		b = append(b, '}')
	}
	return append(b, ']')
}

// AppendJSON appends the JSON form of the call to b (MarshalJSON without
// the copy, for writing many records); a nil call appends null. On error
// it returns b unchanged.
func (c *Call) AppendJSON(b []byte) ([]byte, error) {
	if c == nil {
		return append(b, "null"...), nil
	}
	b0 := b
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, c.ID, 10)
	if c.UniqueID != "" {
		b = append(b, `,"unique_id":`...)
		b = appendJSONString(b, c.UniqueID)
	}
	b = append(b, `,"address":`...)
	b = appendJSONString(b, c.Address)
	b = append(b, `,"name":`...)
	b = appendJSONStringOrNull(b, c.Name)
	b = append(b, `,"date":`...)
	b = appendJSONTime(b, c.Date)
	b = append(b, `,"duration":`...)
	b, ok := appendJSONFloat(b, c.Duration)
	if !ok {
		return b0, errJSONFloat
	}
	b = append(b, `,"outgoing":`...)
	b = strconv.AppendBool(b, c.Outgoing)
	b = append(b, `,"answered":`...)
	b = strconv.AppendBool(b, c.Answered)
	b = append(b, `,"missed":`...)
	b = strconv.AppendBool(b, c.Missed)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, string(c.Type))
	b = append(b, `,"service":`...)
	b = appendJSONString(b, string(c.Service))
	b = append(b, `,"country":`...)
	b = appendJSONStringOrNull(b, c.Country)
	b = append(b, `,"mobile_country_code":`...)
	b = appendJSONStringOrNull(b, c.MCC)
	if len(c.Participants) > 0 {
		b = append(b, `,"participants":`...)
		b = appendJSONStrings(b, c.Participants)
	}
	if c.Disconnected != nil {
		b = append(b, `,"disconnected_cause":`...)
		b = strconv.AppendInt(b, int64(*c.Disconnected), 10)
	}
	if c.Deleted {
		b = append(b, `,"deleted":true`...)
	}
	if c.Recovered != nil {
		b = append(b, `,"recovered":`...)
		b = c.Recovered.appendJSON(b)
	}
	b = append(b, `,"problems":`...)
	b = appendJSONStringsOrNull(b, c.Problems)
	return append(b, '}'), nil
}

// Kinds of calendar dates (appendJSONDate).
const (
	dateInstant  = iota // RFC 3339 UTC with milliseconds
	dateDay             // 2006-01-02
	dateFloating        // 2006-01-02T15:04:05.000, no zone
)

// AppendJSON appends the JSON form of the event to b (MarshalJSON without
// the copy, for writing many records); a nil event appends null. On error
// it returns b unchanged.
func (e *Event) AppendJSON(b []byte) ([]byte, error) {
	if e == nil {
		return append(b, "null"...), nil
	}
	b0 := b
	kind := dateInstant
	switch {
	case e.AllDay:
		kind = dateDay
	case e.Floating:
		kind = dateFloating
	}
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, e.ID, 10)
	b = append(b, `,"uuid":`...)
	b = appendJSONString(b, e.UUID)
	b = append(b, `,"title":`...)
	b = appendJSONString(b, e.Title)
	b = append(b, `,"notes":`...)
	b = appendJSONString(b, e.Notes)
	b = append(b, `,"url":`...)
	b = appendJSONString(b, e.URL)
	if e.ConferenceURL != "" {
		b = append(b, `,"conference_url":`...)
		b = appendJSONString(b, e.ConferenceURL)
	}
	b = append(b, `,"start":`...)
	b = appendJSONDate(b, e.Start, kind)
	b = append(b, `,"end":`...)
	b = appendJSONDate(b, e.End, kind)
	b = append(b, `,"all_day":`...)
	b = strconv.AppendBool(b, e.AllDay)
	if e.Floating {
		b = append(b, `,"floating":true`...)
	}
	b = append(b, `,"time_zone":`...)
	b = appendJSONStringOrNull(b, e.TimeZone)
	if e.EndTimeZone != "" {
		b = append(b, `,"end_time_zone":`...)
		b = appendJSONString(b, e.EndTimeZone)
	}
	b = append(b, `,"location":`...)
	if l := e.Location; l == nil {
		b = append(b, "null"...)
	} else {
		var ok bool
		b = append(b, `{"title":`...)
		b = appendJSONString(b, l.Title)
		b = append(b, `,"address":`...)
		b = appendJSONString(b, l.Address)
		b = append(b, `,"latitude":`...)
		if b, ok = appendJSONFloatPtr(b, l.Latitude); !ok {
			return b0, errJSONFloat
		}
		b = append(b, `,"longitude":`...)
		if b, ok = appendJSONFloatPtr(b, l.Longitude); !ok {
			return b0, errJSONFloat
		}
		b = append(b, '}')
	}
	b = append(b, `,"recurrence":`...)
	b = appendJSONStringOrNull(b, e.Recurrence)
	b = append(b, `,"exceptions":[`...)
	for i := range e.Exceptions {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONDate(b, &e.Exceptions[i], kind)
	}
	b = append(b, `],"alarms":[`...)
	for i, a := range e.Alarms {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"offset":`...)
		b = appendJSONInt64Ptr(b, a.Offset)
		b = append(b, `,"date":`...)
		b = appendJSONTime(b, a.Date)
		if a.Proximity != "" {
			b = append(b, `,"proximity":`...)
			b = appendJSONString(b, string(a.Proximity))
		}
		b = append(b, '}')
	}
	b = append(b, `],"organizer":`...)
	if e.Organizer == nil {
		b = append(b, "null"...)
	} else {
		b = e.Organizer.appendJSON(b)
	}
	b = append(b, `,"attendees":[`...)
	for i := range e.Attendees {
		if i > 0 {
			b = append(b, ',')
		}
		b = e.Attendees[i].appendJSON(b)
	}
	b = append(b, `],"calendar":`...)
	if c := e.Calendar; c == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, c.ID, 10)
		b = append(b, `,"title":`...)
		b = appendJSONString(b, c.Title)
		b = append(b, `,"color":`...)
		b = appendJSONString(b, c.Color)
		b = append(b, `,"account":`...)
		b = appendJSONString(b, c.Account)
		b = append(b, '}')
	}
	if len(e.Attachments) > 0 {
		b = append(b, `,"attachments":[`...)
		for i, a := range e.Attachments {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = appendJSONString(b, a.Name)
			b = append(b, `,"size":`...)
			b = strconv.AppendInt(b, a.Size, 10)
			if a.URL != "" {
				b = append(b, `,"url":`...)
				b = appendJSONString(b, a.URL)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if e.Status != "" {
		b = append(b, `,"status":`...)
		b = appendJSONString(b, string(e.Status))
	}
	if e.Birthday {
		b = append(b, `,"birthday":true`...)
	}
	if e.OriginalID != nil {
		b = append(b, `,"original_id":`...)
		b = strconv.AppendInt(b, *e.OriginalID, 10)
	}
	if e.OriginalDate != nil {
		b = append(b, `,"original_date":`...)
		b = appendJSONDate(b, e.OriginalDate, kind)
	}
	b = append(b, `,"created":`...)
	b = appendJSONTime(b, e.Created)
	b = append(b, `,"modified":`...)
	b = appendJSONTime(b, e.Modified)
	b = append(b, `,"problems":`...)
	b = appendJSONStringsOrNull(b, e.Problems)
	return append(b, '}'), nil
}

func (a *Attendee) appendJSON(b []byte) []byte {
	b = append(b, `{"name":`...)
	b = appendJSONString(b, a.Name)
	b = append(b, `,"email":`...)
	b = appendJSONString(b, a.Email)
	if a.Phone != "" {
		b = append(b, `,"phone":`...)
		b = appendJSONString(b, a.Phone)
	}
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(a.Status))
	if a.Self {
		b = append(b, `,"self":true`...)
	}
	return append(b, '}')
}

// AppendJSON appends the JSON form of the reminder to b (MarshalJSON without
// the copy, for writing many records); a nil reminder appends null. On error
// it returns b unchanged.
func (r *Reminder) AppendJSON(b []byte) ([]byte, error) {
	if r == nil {
		return append(b, "null"...), nil
	}
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, r.ID, 10)
	b = append(b, `,"uuid":`...)
	b = appendJSONString(b, r.UUID)
	b = append(b, `,"store":`...)
	b = appendJSONString(b, r.Store)
	b = append(b, `,"title":`...)
	b = appendJSONString(b, r.Title)
	b = append(b, `,"notes":`...)
	b = appendJSONString(b, r.Notes)
	b = append(b, `,"due":`...)
	if r.DueAllDay {
		b = appendJSONDate(b, r.Due, dateDay)
	} else {
		b = appendJSONTime(b, r.Due)
	}
	b = append(b, `,"due_all_day":`...)
	b = strconv.AppendBool(b, r.DueAllDay)
	if r.Start != nil {
		b = append(b, `,"start":`...)
		b = appendJSONTime(b, r.Start)
	}
	b = append(b, `,"completed":`...)
	b = strconv.AppendBool(b, r.Completed)
	b = append(b, `,"completed_date":`...)
	b = appendJSONTime(b, r.CompletedDate)
	b = append(b, `,"priority":`...)
	b = strconv.AppendInt(b, int64(r.Priority), 10)
	b = append(b, `,"list":`...)
	b = appendJSONString(b, r.List)
	if r.Account != "" {
		b = append(b, `,"account":`...)
		b = appendJSONString(b, r.Account)
	}
	b = append(b, `,"flagged":`...)
	b = strconv.AppendBool(b, r.Flagged)
	b = append(b, `,"parent":`...)
	b = appendJSONInt64Ptr(b, r.Parent)
	b = append(b, `,"recurrence":`...)
	b = appendJSONStringOrNull(b, r.Recurrence)
	if r.Deleted {
		b = append(b, `,"deleted":true`...)
	}
	b = append(b, `,"created":`...)
	b = appendJSONTime(b, r.Created)
	b = append(b, `,"modified":`...)
	b = appendJSONTime(b, r.Modified)
	b = append(b, `,"problems":`...)
	b = appendJSONStringsOrNull(b, r.Problems)
	return append(b, '}'), nil
}

// appendJSONTime appends t as an RFC 3339 UTC string with milliseconds
// (truncated, as time.Format does), or null for nil and the zero time.
func appendJSONTime(b []byte, t *time.Time) []byte {
	return appendJSONDate(b, t, dateInstant)
}

// appendJSONDate appends t in the form kind names, or null for nil and
// the zero time.
func appendJSONDate(b []byte, t *time.Time, kind int) []byte {
	if t == nil || t.IsZero() {
		return append(b, "null"...)
	}
	u := t.UTC()
	year, month, day := u.Date()
	if year < 0 || year > 9999 {
		// time.Format's own rendering of years outside 0000-9999.
		layout := "2006-01-02T15:04:05.000Z"
		switch kind {
		case dateDay:
			layout = "2006-01-02"
		case dateFloating:
			layout = "2006-01-02T15:04:05.000"
		}
		b = append(b, '"')
		b = u.AppendFormat(b, layout)
		return append(b, '"')
	}
	b = append(b, '"')
	b = append4(b, year)
	b = append(b, '-')
	b = append2(b, int(month))
	b = append(b, '-')
	b = append2(b, day)
	if kind != dateDay {
		hour, min, sec := u.Clock()
		b = append(b, 'T')
		b = append2(b, hour)
		b = append(b, ':')
		b = append2(b, min)
		b = append(b, ':')
		b = append2(b, sec)
		b = append(b, '.')
		ms := u.Nanosecond() / 1e6
		b = append(b, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
		if kind == dateInstant {
			b = append(b, 'Z')
		}
	}
	return append(b, '"')
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

func append4(b []byte, v int) []byte {
	return append(b, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

// appendJSONFloat appends f as encoding/json does; ok is false for NaN
// and infinities.
func appendJSONFloat(b []byte, f float64) (_ []byte, ok bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9, as encoding/json.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

func appendJSONFloatPtr(b []byte, f *float64) ([]byte, bool) {
	if f == nil {
		return append(b, "null"...), true
	}
	return appendJSONFloat(b, *f)
}

func appendJSONInt64Ptr(b []byte, v *int64) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *v, 10)
}

func appendJSONStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

// appendJSONStringOrNull appends s, or null for "".
func appendJSONStringOrNull(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

// appendJSONStrings appends ss as a JSON array ([] when empty).
func appendJSONStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendJSONStringsOrNull appends ss, or null when ss is nil (an empty
// non-nil list is [], as encoding/json writes it).
func appendJSONStringsOrNull(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	return appendJSONStrings(b, ss)
}

const hexDigits = "0123456789abcdef"

// jsonSafe[c] is true for the ASCII bytes written as they are.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendJSONString appends s as a JSON string, escaped as encoding/json
// does with SetEscapeHTML(false), plus the runes a terminal acts on
// (termsafe.Unsafe) as \uXXXX.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default: // other controls and DEL
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case termsafe.Unsafe(r): // C1 controls, bidi marks, U+2028/9 (r >= 0x80 here)
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		default:
			i += n
			continue
		}
		i += n
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
