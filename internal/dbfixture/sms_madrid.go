package dbfixture

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"howett.net/plist"

	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

// The iOS 3/4/5 sms.db ("madrid" era, before the iOS 6 handle/chat
// schema). The column lists are those of a real iOS 5 sms.db
// (_ClientVersion 21); the iOS 4 one has the same message table without
// the madrid_* columns and no madrid_* tables. The real triggers are left
// out: they call a read() SQL function that only the phone defines.
const (
	madridMsgIOS4 = "ROWID address date text flags replace svc_center group_id association_id height UIFlags version subject country headers recipients read"
	madridMsgIOS5 = madridMsgIOS4 + " madrid_attributedBody madrid_handle madrid_version madrid_guid madrid_type madrid_roomname madrid_service madrid_account madrid_account_guid madrid_flags madrid_attachmentInfo madrid_url madrid_error is_madrid madrid_date_read madrid_date_delivered"
)

var madridBlob = map[string]bool{"headers": true, "recipients": true, "madrid_attributedBody": true, "madrid_attachmentInfo": true, "data": true, "properties": true, "participants": true}

var madridText = map[string]bool{
	"address": true, "text": true, "svc_center": true, "subject": true, "country": true,
	"madrid_handle": true, "madrid_guid": true, "madrid_roomname": true, "madrid_service": true,
	"madrid_account": true, "madrid_account_guid": true, "madrid_url": true,
	"content_type": true, "content_id": true, "content_loc": true,
	"attachment_guid": true, "filename": true, "uti_type": true, "mime_type": true,
	"account_id": true, "chat_identifier": true, "service_name": true, "guid": true, "room_name": true, "account_login": true,
}

var madridTables = map[string]string{
	"msg_group":         "ROWID type newest_message unread_count hash",
	"group_member":      "ROWID group_id address country",
	"msg_pieces":        "ROWID message_id data part_id preview_part content_type height version flags content_id content_loc headers",
	"madrid_attachment": "ROWID attachment_guid created_date start_date filename uti_type mime_type transfer_state is_incoming message_id",
	"madrid_chat":       "ROWID style state account_id properties chat_identifier service_name guid room_name account_login participants",
}

// MadridData is the content of a synthetic iOS 4/5 sms.db.
type MadridData struct {
	// IOS4 leaves out the madrid_* columns and tables (iMessage came with
	// iOS 5).
	IOS4 bool
	// UniqueID is _SqliteDatabaseProperties._UniqueIdentifier ("" for none).
	UniqueID    string
	Groups      []MadridGroup
	Messages    []MadridMessage
	Pieces      []MadridPiece
	Chats       []MadridChat
	Attachments []MadridAttachment
	// NoIndexes leaves out the secondary indexes.
	NoIndexes bool
}

// MadridGroup is a msg_group row and its group_member rows.
type MadridGroup struct {
	RowID   int64
	Type    int // 0 one-to-one, 1 group
	Members []string
}

// MadridMessage is a message row. SMS rows store Date in Unix seconds;
// iMessage rows (Madrid) store Date, DateRead and DateDelivered in
// seconds since 2001.
type MadridMessage struct {
	RowID      int64
	Address    string // "" stores NULL
	Date       time.Time
	Text       string
	NullText   bool
	Flags      int // 2 received, 3 sent (bit 0: outgoing), 33 failed send...
	GroupID    int64
	Subject    string
	Recipients []string // XML plist array; nil stores NULL
	Read       bool

	Madrid        bool // is_madrid = 1
	GUID          string
	Handle        string
	Service       string
	RoomName      string
	Account       string
	MadridFlags   int // 12289 received, 36869 sent (bit 2: outgoing)
	DateRead      time.Time
	DateDelivered time.Time
	// Raw sets columns to exact values after everything else.
	Raw map[string]any
}

// MadridPiece is an msg_pieces row (one MMS part).
type MadridPiece struct {
	RowID       int64
	MessageID   int64
	PartID      int
	PreviewPart int
	ContentType string // "" stores NULL
	Data        []byte
	ContentID   string
	ContentLoc  string
}

// MadridChat is a madrid_chat row.
type MadridChat struct {
	RowID        int64
	GUID         string
	Identifier   string
	Service      string
	RoomName     string
	Style        int      // 43 group, 45 one-to-one
	Participants []string // binary plist array
}

// MadridAttachment is a madrid_attachment row (an iMessage attachment).
type MadridAttachment struct {
	RowID     int64
	GUID      string
	MessageID int64
	Filename  string
	MIME      string
	UTI       string
	Created   time.Time // seconds since 2001
	Incoming  bool
}

func (d *MadridData) tables() map[string]string {
	t := map[string]string{"message": madridMsgIOS5}
	if d.IOS4 {
		t["message"] = madridMsgIOS4
	}
	for k, v := range madridTables {
		if d.IOS4 && strings.HasPrefix(k, "madrid_") {
			continue
		}
		t[k] = v
	}
	return t
}

func (d *MadridData) ddl() []string {
	var out []string
	tabs := d.tables()
	for _, name := range []string{"message", "msg_group", "group_member", "msg_pieces", "madrid_attachment", "madrid_chat"} {
		cols, ok := tabs[name]
		if !ok {
			continue
		}
		var defs []string
		for _, c := range strings.Fields(cols) {
			switch {
			case c == "ROWID":
				defs = append(defs, "ROWID INTEGER PRIMARY KEY AUTOINCREMENT")
			case madridText[c]:
				defs = append(defs, c+" TEXT")
			case madridBlob[c]:
				defs = append(defs, c+" BLOB")
			default:
				defs = append(defs, c+" INTEGER")
			}
		}
		out = append(out, "CREATE TABLE "+name+" ("+strings.Join(defs, ", ")+")")
	}
	out = append(out, "CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key))")
	if !d.NoIndexes {
		out = append(out,
			"CREATE INDEX message_group_index ON message(group_id, ROWID)",
			"CREATE INDEX message_flags_index ON message(flags)",
			"CREATE INDEX pieces_message_index ON msg_pieces(message_id)",
		)
		if !d.IOS4 {
			out = append(out,
				"CREATE INDEX madrid_attachment_message_index ON madrid_attachment(message_id)",
				"CREATE INDEX madrid_guid_index ON message(madrid_guid)",
			)
		}
	}
	return out
}

// SMSMadrid builds an iOS 4/5 sms.db image holding d.
func SMSMadrid(d MadridData) ([]byte, error) {
	return sqlitemem.Build(func(c *sql.Conn) error {
		ctx := context.Background()
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for _, stmt := range d.ddl() {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("dbfixture: %s: %w", stmt, err)
			}
		}
		if err := insertMadrid(ctx, tx, &d); err != nil {
			return err
		}
		return tx.Commit()
	})
}

func set(cols string) map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(cols) {
		m[c] = true
	}
	return m
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func cocoaOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix() - 978307200
}

func insertMadrid(ctx context.Context, tx *sql.Tx, d *MadridData) error {
	in := &inserter{ctx: ctx, tx: tx, stmts: map[string]*sql.Stmt{}}
	defer in.close()
	tabs := d.tables()
	props := [][2]string{{"_ClientVersion", "21"}, {"counter_in_all", "0"}}
	if d.IOS4 {
		props[0][1] = "17"
	}
	if d.UniqueID != "" {
		props = append(props, [2]string{"_UniqueIdentifier", d.UniqueID})
	}
	for _, p := range props {
		if err := in.exec("INSERT INTO _SqliteDatabaseProperties (key, value) VALUES (?, ?)", p[0], p[1]); err != nil {
			return err
		}
	}
	for _, g := range d.Groups {
		if err := in.row("msg_group", set(tabs["msg_group"]), map[string]any{
			"ROWID": g.RowID, "type": g.Type, "newest_message": 0, "unread_count": 0, "hash": 0,
		}); err != nil {
			return err
		}
		for _, a := range g.Members {
			if err := in.exec("INSERT INTO group_member (group_id, address, country) VALUES (?, ?, 'us')", g.RowID, a); err != nil {
				return err
			}
		}
	}
	ms := set(tabs["message"])
	for _, m := range d.Messages {
		var recipients any
		if m.Recipients != nil {
			b, err := plist.Marshal(m.Recipients, plist.XMLFormat)
			if err != nil {
				return err
			}
			recipients = b
		}
		var text any = m.Text
		if m.NullText {
			text = nil
		}
		vals := map[string]any{
			"ROWID": m.RowID, "address": nilIfEmpty(m.Address), "text": text, "flags": m.Flags,
			"replace": 0, "group_id": m.GroupID, "association_id": 0, "height": 0, "UIFlags": 4,
			"version": 0, "subject": nilIfEmpty(m.Subject), "country": "us", "recipients": recipients,
			"read": b2i(m.Read), "is_madrid": b2i(m.Madrid),
			"madrid_date_read": 0, "madrid_date_delivered": 0, "madrid_flags": 0, "madrid_type": 0,
			"madrid_error": 0, "madrid_version": 0,
		}
		if m.Madrid {
			vals["date"] = cocoaOrZero(m.Date)
			vals["madrid_guid"] = m.GUID
			vals["madrid_handle"] = nilIfEmpty(m.Handle)
			vals["madrid_service"] = nilIfEmpty(m.Service)
			vals["madrid_roomname"] = nilIfEmpty(m.RoomName)
			vals["madrid_account"] = nilIfEmpty(m.Account)
			vals["madrid_flags"] = m.MadridFlags
			vals["madrid_date_read"] = cocoaOrZero(m.DateRead)
			vals["madrid_date_delivered"] = cocoaOrZero(m.DateDelivered)
			vals["flags"] = 0
		} else {
			vals["date"] = unixOrZero(m.Date)
		}
		for k, v := range m.Raw {
			vals[k] = v
		}
		if err := in.row("message", ms, vals); err != nil {
			return err
		}
	}
	ps := set(tabs["msg_pieces"])
	for _, p := range d.Pieces {
		if err := in.row("msg_pieces", ps, map[string]any{
			"ROWID": p.RowID, "message_id": p.MessageID, "data": p.Data, "part_id": p.PartID,
			"preview_part": p.PreviewPart, "content_type": nilIfEmpty(p.ContentType), "height": 0, "version": 1,
			"flags": 0, "content_id": nilIfEmpty(p.ContentID), "content_loc": nilIfEmpty(p.ContentLoc),
		}); err != nil {
			return err
		}
	}
	if d.IOS4 {
		return nil
	}
	cs := set(tabs["madrid_chat"])
	for _, c := range d.Chats {
		parts, err := plist.Marshal(c.Participants, plist.BinaryFormat)
		if err != nil {
			return err
		}
		if err := in.row("madrid_chat", cs, map[string]any{
			"ROWID": c.RowID, "style": c.Style, "state": 3, "chat_identifier": c.Identifier,
			"service_name": c.Service, "guid": c.GUID, "room_name": nilIfEmpty(c.RoomName), "participants": parts,
		}); err != nil {
			return err
		}
	}
	as := set(tabs["madrid_attachment"])
	for _, a := range d.Attachments {
		if err := in.row("madrid_attachment", as, map[string]any{
			"ROWID": a.RowID, "attachment_guid": a.GUID, "created_date": cocoaOrZero(a.Created), "start_date": 0,
			"filename": a.Filename, "uti_type": a.UTI, "mime_type": a.MIME, "transfer_state": 5,
			"is_incoming": b2i(a.Incoming), "message_id": a.MessageID,
		}); err != nil {
			return err
		}
	}
	return nil
}
