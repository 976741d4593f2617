package dbfixture

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"howett.net/plist"

	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

// SMSEra selects the schema generation of a synthetic sms.db. The column
// sets are those of real databases of that generation (docs/FORMAT.md §10.1):
// iOS 6 and 9 from a real iOS 9.3 sms.db minus/plus the iOS 9 additions,
// iOS 11 from a real iOS 13 sms.db, iOS 18 from a real macOS 15 chat.db.
type SMSEra int

// The schema generations SMS can build.
const (
	SMSiOS6  SMSEra = 6  // normalised schema, dates in seconds
	SMSiOS9  SMSEra = 9  // + item_type, group_title, group_action_type, other_handle, ...
	SMSiOS11 SMSEra = 11 // + associated_message_*, balloon_bundle_id, message_summary_info, ck_*; dates in ns
	SMSiOS14 SMSEra = 14 // + thread_originator_guid/part (replies)
	SMSiOS16 SMSEra = 16 // + date_edited, date_retracted; text NULL, body in attributedBody only
	SMSiOS18 SMSEra = 18 // + associated_message_emoji (iOS 17/18 and macOS 15)
)

// SMSEras lists every era, oldest first.
var SMSEras = []SMSEra{SMSiOS6, SMSiOS9, SMSiOS11, SMSiOS14, SMSiOS16, SMSiOS18}

func (e SMSEra) String() string { return "iOS" + strconv.Itoa(int(e)) }

// Nanoseconds reports whether the era stores message dates in
// nanoseconds since 2001 (iOS 11 and later) rather than seconds.
func (e SMSEra) Nanoseconds() bool { return e >= SMSiOS11 }

// SMSData is the content of a synthetic sms.db.
type SMSData struct {
	Handles     []SMSHandle
	Chats       []SMSChat
	Messages    []SMSMessage
	Attachments []SMSAttachment
	// NoIndexes leaves out the secondary indexes iOS creates, as in a
	// rebuilt or carved database.
	NoIndexes bool
	// RecentlyDeleted adds the iOS 16+ Recently Deleted tables
	// (chat_recoverable_message_join, recoverable_message_part) to an era
	// that has them; they are also added when a message is Recoverable.
	RecentlyDeleted bool
	// Extra statements run after the rows are inserted (e.g. the columns
	// of a later iOS).
	Extra []string
}

// SMSHandle is a row of the handle table.
type SMSHandle struct {
	RowID   int64
	ID      string // phone number or email
	Service string // "SMS", "iMessage"; "iMessage" when empty
	Country string
}

// SMSChat is a row of chat with its chat_handle_join rows.
type SMSChat struct {
	RowID       int64
	GUID        string // e.g. iMessage;-;+15551234567 or iMessage;+;chat123
	Identifier  string // chat_identifier
	Service     string // service_name
	DisplayName string // group name, "" for none
	Group       bool   // style 43 instead of 45
	Handles     []int64
}

// SMSAttachment is a row of the attachment table.
type SMSAttachment struct {
	RowID        int64
	GUID         string
	Filename     string // as stored: ~/Library/SMS/Attachments/ab/11/GUID/IMG_0001.HEIC
	MIME         string
	UTI          string
	TransferName string
	Size         int64
	Created      time.Time
	Sticker      bool
	Outgoing     bool
}

// SMSMessage is a row of message with its join rows.
type SMSMessage struct {
	RowID int64
	GUID  string
	Text  string
	// Body is stored as attributedBody; when nil, AttributedBody(Text,
	// attachment GUIDs) is stored unless NoBody is set.
	Body   []byte
	NoBody bool
	// From iOS 16 the text column is NULL (the body lives only in
	// attributedBody); KeepText stores it anyway. NullText stores NULL in
	// any era.
	KeepText bool
	NullText bool

	Handle        int64 // handle ROWID, 0 for none
	FromMe        bool
	Service       string // "SMS", "iMessage", ...
	Date          time.Time
	DateRead      time.Time
	DateDelivered time.Time
	IsRead        bool
	Subject       string
	Chats         []int64 // chat ROWIDs (chat_message_join)
	Attachments   []int64 // attachment ROWIDs (message_attachment_join)
	// Recoverable puts the message in Recently Deleted (iOS 16+): its chat
	// links go to chat_recoverable_message_join (with DeleteDate) instead
	// of chat_message_join.
	Recoverable bool
	DeleteDate  time.Time

	AssociatedGUID   string // p:0/GUID, bp:GUID or GUID
	AssociatedType   int    // 2000–2007, 3000–3007, 1000
	AssociatedEmoji  string
	ThreadOriginator string
	ThreadPart       string // "0:0:5"
	DateEdited       time.Time
	DateRetracted    time.Time
	SummaryInfo      []byte // message_summary_info, see SummaryInfo
	BalloonBundleID  string

	ItemType        int
	GroupActionType int
	OtherHandle     int64
	GroupTitle      string

	// Raw sets columns to exact values (after everything else), e.g. a
	// date_read in seconds in a nanosecond era. Unknown columns are ignored.
	Raw map[string]any
}

// SMSEdit is one version of an edited message part, for SummaryInfo.
type SMSEdit struct {
	Part int
	Date time.Time
	Text string
}

// SummaryInfo returns a message_summary_info binary plist: "ec" maps each
// edited part (as a decimal string) to its versions {d: seconds since 2001
// (real), t: attributedBody of that version}, oldest first; "rp" lists the
// retracted (unsent) parts.
func SummaryInfo(edits []SMSEdit, retracted []int) ([]byte, error) {
	ec := map[string][]map[string]any{}
	for _, e := range edits {
		k := strconv.Itoa(e.Part)
		ec[k] = append(ec[k], map[string]any{
			"d": cocoaSeconds(e.Date),
			"t": AttributedBody(e.Text),
		})
	}
	doc := map[string]any{}
	if len(ec) > 0 {
		doc["ec"] = ec
	}
	if len(retracted) > 0 {
		doc["rp"] = retracted
	}
	return plist.Marshal(doc, plist.BinaryFormat)
}

// SMS builds an sms.db image of the given era holding data. Values a
// schema cannot hold (e.g. reactions before iOS 10) are dropped, as they
// would be on such a device.
func SMS(era SMSEra, data SMSData) ([]byte, error) {
	s, ok := smsSchemas[era]
	if !ok {
		return nil, fmt.Errorf("dbfixture: unknown sms era %d", era)
	}
	return sqlitemem.Build(func(c *sql.Conn) error {
		ctx := context.Background()
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		recoverable := data.RecentlyDeleted
		for _, m := range data.Messages {
			recoverable = recoverable || m.Recoverable
		}
		for _, stmt := range s.ddl(data.NoIndexes, recoverable) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("dbfixture: %s: %w", stmt, err)
			}
		}
		if err := insertSMS(ctx, tx, era, s, data); err != nil {
			return err
		}
		for _, stmt := range data.Extra {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("dbfixture: %s: %w", stmt, err)
			}
		}
		return tx.Commit()
	})
}

// SMSWithWAL builds an sms.db of base and a "-wal" whose single committed
// transaction adds tail: the tail's rows are only visible to a reader that
// replays the WAL. The main image is in WAL mode, as on a device.
func SMSWithWAL(era SMSEra, base, tail SMSData) (db, wal []byte, err error) {
	a, err := SMS(era, base)
	if err != nil {
		return nil, nil, err
	}
	all := SMSData{
		Handles:         append(append([]SMSHandle(nil), base.Handles...), tail.Handles...),
		Chats:           append(append([]SMSChat(nil), base.Chats...), tail.Chats...),
		Messages:        append(append([]SMSMessage(nil), base.Messages...), tail.Messages...),
		Attachments:     append(append([]SMSAttachment(nil), base.Attachments...), tail.Attachments...),
		NoIndexes:       base.NoIndexes,
		RecentlyDeleted: base.RecentlyDeleted || tail.RecentlyDeleted,
	}
	b, err := SMS(era, all)
	if err != nil {
		return nil, nil, err
	}
	db = WALMode(a)
	wal, err = WAL(db, b)
	return db, wal, err
}

func cocoaSeconds(t time.Time) float64 {
	return float64(t.UnixNano()-978307200*int64(time.Second)) / 1e9
}

// cocoaDate encodes t as the era stores message dates; zero time gives 0.
func cocoaDate(era SMSEra, t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	ns := t.UnixNano() - 978307200*int64(time.Second)
	if era.Nanoseconds() {
		return ns
	}
	return ns / int64(time.Second)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// inserter inserts rows, keeping one prepared statement per column list.
type inserter struct {
	ctx   context.Context
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func (in *inserter) close() {
	for _, st := range in.stmts {
		st.Close()
	}
}

func (in *inserter) exec(q string, args ...any) error {
	st, ok := in.stmts[q]
	if !ok {
		var err error
		if st, err = in.tx.PrepareContext(in.ctx, q); err != nil {
			return fmt.Errorf("dbfixture: %s: %w", q, err)
		}
		in.stmts[q] = st
	}
	if _, err := st.ExecContext(in.ctx, args...); err != nil {
		return fmt.Errorf("dbfixture: %s: %w", q, err)
	}
	return nil
}

// row inserts the values of vals whose column the table has.
func (in *inserter) row(table string, have map[string]bool, vals map[string]any) error {
	names := make([]string, 0, len(vals))
	for k := range vals {
		if have[k] {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = vals[n]
	}
	q := "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ") + ")"
	return in.exec(q, args...)
}

func insertSMS(ctx context.Context, tx *sql.Tx, era SMSEra, s *smsSchema, d SMSData) error {
	in := &inserter{ctx: ctx, tx: tx, stmts: map[string]*sql.Stmt{}}
	defer in.close()
	hs := s.set("handle")
	for _, h := range d.Handles {
		svc := h.Service
		if svc == "" {
			svc = "iMessage"
		}
		if err := in.row("handle", hs, map[string]any{
			"ROWID": h.RowID, "id": h.ID, "service": svc, "country": h.Country,
			"uncanonicalized_id": nil, "person_centric_id": nil,
		}); err != nil {
			return err
		}
	}
	cs := s.set("chat")
	for _, c := range d.Chats {
		style := 45
		if c.Group {
			style = 43
		}
		if err := in.row("chat", cs, map[string]any{
			"ROWID": c.RowID, "guid": c.GUID, "style": style, "state": 3,
			"chat_identifier": c.Identifier, "service_name": c.Service,
			"display_name": c.DisplayName, "room_name": nil, "group_id": c.GUID + "-group",
		}); err != nil {
			return err
		}
		for _, h := range c.Handles {
			if err := in.exec("INSERT INTO chat_handle_join (chat_id, handle_id) VALUES (?, ?)", c.RowID, h); err != nil {
				return err
			}
		}
	}
	as := s.set("attachment")
	guidOf := map[int64]string{}
	for _, a := range d.Attachments {
		guidOf[a.RowID] = a.GUID
		var created int64
		if !a.Created.IsZero() {
			created = int64(cocoaSeconds(a.Created))
		}
		if err := in.row("attachment", as, map[string]any{
			"ROWID": a.RowID, "guid": a.GUID, "created_date": created, "start_date": 0,
			"filename": a.Filename, "uti": a.UTI, "mime_type": a.MIME, "transfer_state": 5,
			"is_outgoing": b2i(a.Outgoing), "transfer_name": a.TransferName,
			"total_bytes": a.Size, "is_sticker": b2i(a.Sticker), "original_guid": a.GUID,
		}); err != nil {
			return err
		}
	}
	ms := s.set("message")
	for _, m := range d.Messages {
		var text any = m.Text
		if m.NullText || (era >= SMSiOS16 && !m.KeepText) {
			text = nil
		}
		var body any
		switch {
		case m.Body != nil:
			body = m.Body
		case !m.NoBody:
			var guids []string
			for _, a := range m.Attachments {
				guids = append(guids, guidOf[a])
			}
			body = AttributedBody(m.Text, guids...)
		}
		var summary any
		if m.SummaryInfo != nil {
			summary = m.SummaryInfo
		}
		vals := map[string]any{
			"ROWID": m.RowID, "guid": m.GUID, "text": text, "attributedBody": body,
			"handle_id": m.Handle, "service": m.Service, "account": "e:owner@example.com",
			"subject":        nilIfEmpty(m.Subject),
			"date":           cocoaDate(era, m.Date),
			"date_read":      cocoaDate(era, m.DateRead),
			"date_delivered": cocoaDate(era, m.DateDelivered),
			"is_from_me":     b2i(m.FromMe), "is_read": b2i(m.IsRead),
			"is_delivered": 1, "is_finished": 1, "is_sent": b2i(m.FromMe),
			"cache_has_attachments": b2i(len(m.Attachments) > 0),
			"item_type":             m.ItemType, "group_action_type": m.GroupActionType,
			"other_handle": m.OtherHandle, "group_title": nilIfEmpty(m.GroupTitle),
			"associated_message_guid":  nilIfEmpty(m.AssociatedGUID),
			"associated_message_type":  m.AssociatedType,
			"associated_message_emoji": nilIfEmpty(m.AssociatedEmoji),
			"balloon_bundle_id":        nilIfEmpty(m.BalloonBundleID),
			"thread_originator_guid":   nilIfEmpty(m.ThreadOriginator),
			"thread_originator_part":   nilIfEmpty(m.ThreadPart),
			"date_edited":              cocoaDate(era, m.DateEdited),
			"date_retracted":           cocoaDate(era, m.DateRetracted),
			"message_summary_info":     summary,
			"part_count":               1,
		}
		for k, v := range m.Raw {
			vals[k] = v
		}
		if err := in.row("message", ms, vals); err != nil {
			return err
		}
		for _, c := range m.Chats {
			var err error
			switch {
			case m.Recoverable && s.recoverable:
				err = in.exec("INSERT INTO chat_recoverable_message_join (chat_id, message_id, delete_date) VALUES (?, ?, ?)", c, m.RowID, cocoaDate(era, m.DeleteDate))
				if err == nil {
					err = in.exec("INSERT INTO recoverable_message_part (chat_id, message_id, part_index, delete_date, part_text) VALUES (?, ?, 0, ?, ?)", c, m.RowID, cocoaDate(era, m.DeleteDate), AttributedBody(m.Text))
				}
			case s.newJoin:
				err = in.exec("INSERT INTO chat_message_join (chat_id, message_id, message_date) VALUES (?, ?, ?)", c, m.RowID, vals["date"])
			default:
				err = in.exec("INSERT INTO chat_message_join (chat_id, message_id) VALUES (?, ?)", c, m.RowID)
			}
			if err != nil {
				return err
			}
		}
		for _, a := range m.Attachments {
			if err := in.exec("INSERT INTO message_attachment_join (message_id, attachment_id) VALUES (?, ?)", m.RowID, a); err != nil {
				return err
			}
		}
	}
	return nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
