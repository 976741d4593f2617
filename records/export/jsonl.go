package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"iter"
	"time"

	"github.com/iosbackup/iosbackup/records"
)

// JSONL writes one JSON object per line for each record of seq, as
// docs/CLI.md describes, with encoding/json (HTML characters not escaped:
// the output is not HTML).
//
// For the record types (*records.Message, *records.Contact, *records.Call)
// the field names are those of their json tags and:
//
//   - dates render as RFC 3339 UTC with milliseconds
//     ("2023-05-01T09:30:12.345Z"), absent dates as null;
//   - absent text of a contact, and a call's absent name and country
//     codes, render as null, not "";
//   - list fields are [] rather than null when empty, so consumers can
//     always iterate.
//
// Other types are encoded by encoding/json as they are.
//
// A record that cannot be encoded, a nil record and an error from seq are
// counted in Stats.Failed and skipped. The returned error joins the row
// errors and, when writing to w failed (ErrOutput), that failure; the
// export stops at the first write failure.
func JSONL[T any](w io.Writer, seq iter.Seq2[*T, error]) (Stats, error) {
	var st Stats
	bw := bufio.NewWriterSize(w, 64<<10)
	var line bytes.Buffer
	enc := json.NewEncoder(&line)
	enc.SetEscapeHTML(false)
	i := -1
	for rec, err := range seq {
		i++
		if err != nil {
			st.fail(i, err)
			continue
		}
		if rec == nil {
			st.fail(i, ErrNilRecord)
			continue
		}
		line.Reset()
		if err := enc.Encode(jsonView(rec)); err != nil { // Encode ends the line with \n
			st.fail(i, err)
			continue
		}
		if _, err := bw.Write(escapeInvisible(line.Bytes())); err != nil {
			return st, st.result(err)
		}
		st.Written++
		if line.Cap() > 1<<20 { // don't keep a huge buffer after one big record
			line = bytes.Buffer{}
		}
	}
	if err := bw.Flush(); err != nil {
		return st, st.result(err)
	}
	return st, st.result(nil)
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
