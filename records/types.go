package records

import "time"

// Message is one row of sms.db's message table, joined with its chat,
// handle and attachments. JSON field names follow docs/CLI.md.
//
// GUID is message.guid; rows of the iOS 3-5 schema that have none (SMS and
// MMS rows) get the synthetic, stable "x-sms-rowid:UID/ROWID", where UID
// is the database's _SqliteDatabaseProperties._UniqueIdentifier (the same
// for a database, its -wal and every copy of it) and ROWID the row's
// ROWID; "x-sms-rowid:ROWID" when the database has no identifier.
//
// Problems lists what could not be read in this row (a damaged
// attributedBody, a date out of range, a dangling reference); the field
// concerned is then empty or null. It is nil when the row read cleanly.
type Message struct {
	RowID         int64        `json:"rowid"`
	GUID          string       `json:"guid"`
	Chat          string       `json:"chat"`      // chat_identifier: phone number, email, or chat… for a group
	ChatGUID      string       `json:"chat_guid"` // e.g. iMessage;-;+15551234567
	ChatName      *string      `json:"chat_name"` // group display name, nil when none
	Participants  []string     `json:"participants,omitempty"`
	Service       string       `json:"service"` // SMS, iMessage, RCS, ...
	Date          *time.Time   `json:"date"`
	DateRead      *time.Time   `json:"date_read"`
	DateDelivered *time.Time   `json:"date_delivered"`
	DateEdited    *time.Time   `json:"date_edited,omitempty"`
	FromMe        bool         `json:"from_me"`
	Sender        *string      `json:"sender"` // handle of the sender; nil when FromMe
	SenderName    *string      `json:"sender_name"`
	Text          string       `json:"text"` // from text, or decoded from attributedBody
	Subject       string       `json:"subject,omitempty"`
	Attachments   []Attachment `json:"attachments"`
	Reaction      *Reaction    `json:"reaction"`
	ReplyTo       *string      `json:"reply_to"` // thread originator guid
	Edited        bool         `json:"edited"`
	Unsent        bool         `json:"unsent"`
	Edits         []Edit       `json:"edits,omitempty"` // edit history, oldest first
	GroupEvent    *GroupEvent  `json:"group_event,omitempty"`
	IsRead        bool         `json:"is_read"`
	BalloonBundle string       `json:"balloon_bundle_id,omitempty"`
	Problems      []string     `json:"problems"`
	Deleted       bool         `json:"deleted,omitempty"`   // a recovered record that is not live
	Recovered     *Recovery    `json:"recovered,omitempty"` // where it was recovered from; nil for live records
}

// Attachment is a file sent with a message. Domain and Path locate it in
// the backup (MediaDomain, Library/SMS/Attachments/...); Missing is true
// when that file is not in the source.
type Attachment struct {
	GUID     string     `json:"guid,omitempty"`
	Name     string     `json:"name"` // transfer_name: the original file name
	MIME     string     `json:"mime"`
	UTI      string     `json:"uti,omitempty"`
	Size     int64      `json:"size"`
	Created  *time.Time `json:"created,omitempty"`
	Domain   string     `json:"domain"`
	Path     string     `json:"path"`
	Missing  bool       `json:"missing"`
	Sticker  bool       `json:"sticker,omitempty"`
	Filename string     `json:"filename,omitempty"` // as stored in sms.db (~/Library/SMS/...)
}

// Reaction is a tapback on another message.
type Reaction struct {
	Type    ReactionType `json:"type"`   // love like dislike laugh emphasize question emoji sticker
	Target  string       `json:"target"` // guid of the message reacted to
	Part    int          `json:"part"`   // message part reacted to
	Emoji   string       `json:"emoji,omitempty"`
	Removed bool         `json:"removed,omitempty"` // true for 3000-range rows
}

// Edit is one version of an edited message part.
type Edit struct {
	Part int        `json:"part"`
	Date *time.Time `json:"date"`
	Text string     `json:"text"`
}

// GroupEvent describes a group-chat system message.
type GroupEvent struct {
	Kind  GroupEventKind `json:"kind"` // added, removed, renamed, left, icon-changed, icon-removed, background-changed, background-removed, ...
	Other string         `json:"other,omitempty"`
	Title string         `json:"title,omitempty"`
}

// Chat is a conversation.
type Chat struct {
	RowID        int64    `json:"rowid"`
	GUID         string   `json:"guid"`
	Identifier   string   `json:"identifier"`
	Name         string   `json:"name"`
	Service      string   `json:"service"`
	Group        bool     `json:"group"`
	Participants []string `json:"participants"`
	// Filled by MessageDB.ChatSummaries only: the number of live messages
	// of the chat and the dates of its first and last one.
	Messages int        `json:"messages"`
	First    *time.Time `json:"first"`
	Last     *time.Time `json:"last"`
}

// Contact is one person or organization of the address book.
type Contact struct {
	ID             int64      `json:"id"`
	Prefix         string     `json:"prefix"`
	First          string     `json:"first"`
	Middle         string     `json:"middle"`
	Last           string     `json:"last"`
	Suffix         string     `json:"suffix"`
	Nickname       string     `json:"nickname"`
	FirstPhonetic  string     `json:"first_phonetic"` // readings (furigana, pinyin)
	MiddlePhonetic string     `json:"middle_phonetic"`
	LastPhonetic   string     `json:"last_phonetic"`
	OrgPhonetic    string     `json:"organization_phonetic"` // reading of Organization
	DisplayName    string     `json:"display_name"`          // DisplayName(c), in the order the phone shows it
	Organization   string     `json:"organization"`
	Department     string     `json:"department"`
	JobTitle       string     `json:"job_title"`
	Birthday       string     `json:"birthday"` // YYYY-MM-DD, or --MM-DD when the year is unknown; "" when none
	Note           string     `json:"note"`
	Phones         []Labeled  `json:"phones"`
	Emails         []Labeled  `json:"emails"`
	URLs           []Labeled  `json:"urls"`
	Addresses      []Address  `json:"addresses"`
	Profiles       []Profile  `json:"profiles,omitempty"` // social and instant-message
	Related        []Labeled  `json:"related,omitempty"`
	Dates          []Labeled  `json:"dates,omitempty"`
	Groups         []string   `json:"groups,omitempty"`
	Created        *time.Time `json:"created"`
	Modified       *time.Time `json:"modified"`
	HasPhoto       bool       `json:"has_photo"`
	Photo          []byte     `json:"-"` // full-size image if present, else thumbnail
	IsOrganization bool       `json:"is_organization,omitempty"`
	Deleted        bool       `json:"deleted,omitempty"`   // a recovered record that is not live
	Recovered      *Recovery  `json:"recovered,omitempty"` // where it was recovered from; nil for live records
	// Problems lists the parts of the record that could not be read (their
	// fields are left empty); nil when none.
	Problems []string `json:"problems"`
}

// Labeled is a labeled value: a phone number, email, URL, related name...
// Labels are cleaned (_$!<Mobile>!$_ becomes Mobile).
type Labeled struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Address is a postal address.
type Address struct {
	Label       string `json:"label"`
	Street      string `json:"street"`
	City        string `json:"city"`
	State       string `json:"state"`
	ZIP         string `json:"zip"`
	Country     string `json:"country"`
	CountryCode string `json:"country_code"`
}

// Profile is a social-network or instant-message account.
type Profile struct {
	Label    string `json:"label"`
	Service  string `json:"service"`
	Username string `json:"username"`
	URL      string `json:"url,omitempty"`
}

// Call is one call-history record.
type Call struct {
	ID           int64       `json:"id"`
	UniqueID     string      `json:"unique_id,omitempty"`
	Address      string      `json:"address"` // number or email; empty for unknown callers
	Name         string      `json:"name"`    // contact display name (Resolver.NameCalls), else the name the phone recorded
	Date         *time.Time  `json:"date"`
	Duration     float64     `json:"duration"` // seconds
	Outgoing     bool        `json:"outgoing"`
	Answered     bool        `json:"answered"`
	Missed       bool        `json:"missed"` // incoming and not answered
	Type         CallType    `json:"type"`   // phone, facetime-audio, facetime-video, app
	Service      CallService `json:"service"`
	Country      string      `json:"country"`                // ISO 3166 code (CallHistory.storedata), e.g. "us"
	MCC          string      `json:"mobile_country_code"`    // mobile country code (call_history.db), e.g. "310"
	Participants []string    `json:"participants,omitempty"` // group calls
	Disconnected *int        `json:"disconnected_cause,omitempty"`
	Deleted      bool        `json:"deleted,omitempty"`   // a recovered record that is not live
	Recovered    *Recovery   `json:"recovered,omitempty"` // where it was recovered from; nil for live records
	// Problems lists the parts of the record that could not be read (their
	// fields are left empty); nil when none.
	Problems []string `json:"problems"`
}
