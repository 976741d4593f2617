package records

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"

	"howett.net/plist"
)

// The iOS 3-5 sms.db (before the iOS 6 handle/chat schema; the iMessage
// parts came with iOS 5 and carry Apple's code name "madrid"):
//
//   - message(ROWID, address, date, text, flags, group_id, subject,
//     recipients, read, …): SMS and MMS rows, date in Unix seconds;
//     flags bit 0 set = sent by the owner (2 received, 3 sent, 33 and 35
//     failed sends); address is the other party, NULL on a sent MMS whose
//     recipients are in the recipients XML plist (an array of strings).
//   - from iOS 5, the same table holds the iMessage rows (is_madrid = 1):
//     madrid_guid, madrid_handle (the other party), madrid_service,
//     madrid_roomname (group chats), madrid_flags (bit 2 set = sent by the
//     owner: 36869, 45061, 102405 sent; 12289, 77825 received),
//     madrid_attributedBody, and date, madrid_date_read,
//     madrid_date_delivered in seconds since 2001.
//   - msg_group(ROWID, type) and group_member(group_id, address): the
//     conversations (type 1 = group) and their members.
//   - msg_pieces(message_id, part_id, content_type, data, content_loc): the
//     parts of an MMS; text/plain parts hold the text in data, the others
//     are files named by content_loc (kept under Library/SMS/Parts, whose
//     layout is not documented: they are reported as missing attachments).
//   - madrid_chat (iMessage conversations: guid, chat_identifier,
//     room_name, participants as a plist array) and madrid_attachment
//     (message_id, attachment_guid, filename, mime_type, uti_type,
//     created_date in seconds since 2001).
//
// Known flag values come from published iOS 5 exports; a row with a value
// outside them keeps the direction its bit gives and says so in its
// Problems.
var (
	smsKnownFlags    = map[int64]bool{2: true, 3: true, 33: true, 35: true}
	madridKnownFlags = map[int64]bool{12289: true, 77825: true, 36869: true, 45061: true, 102405: true}
)

// madridKey is the chats map key of a madrid_chat row (msg_group rows use
// their ROWID).
func madridKey(rowid int64) int64 { return -rowid }

func (m *MessageDB) loadMadridChats() error {
	sh := m.share
	sh.madridRoom = map[string]*chatInfo{}
	sh.madridHandle = map[string]*chatInfo{}
	if m.hasTable("msg_group") {
		typ := "0"
		if m.has("msg_group", "type") {
			typ = "type"
		}
		rows, err := m.db.Query("SELECT ROWID, " + typ + " FROM msg_group ORDER BY ROWID")
		if err != nil {
			return fmt.Errorf("records: chats: %w", err)
		}
		for rows.Next() {
			var id, t any
			if err := rows.Scan(&id, &t); err != nil {
				rows.Close()
				return fmt.Errorf("records: chats: %w", err)
			}
			c := &chatInfo{rowID: msgInt(id), groupType: msgInt(t)}
			c.guid = "msg_group:" + strconv.FormatInt(c.rowID, 10)
			sh.chats[c.rowID] = c
			sh.chatList = append(sh.chatList, c.rowID)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("records: chats: %w", err)
		}
		if m.hasTable("group_member") {
			rows, err := m.db.Query("SELECT group_id, address FROM group_member ORDER BY group_id, ROWID")
			if err != nil {
				return fmt.Errorf("records: chat participants: %w", err)
			}
			for rows.Next() {
				var id, a any
				if err := rows.Scan(&id, &a); err != nil {
					rows.Close()
					return fmt.Errorf("records: chat participants: %w", err)
				}
				if c := sh.chats[msgInt(id)]; c != nil && msgString(a) != "" {
					c.participants = append(c.participants, msgString(a))
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return fmt.Errorf("records: chat participants: %w", err)
			}
		}
		for _, id := range sh.chatList {
			c := sh.chats[id]
			c.identifier = c.guid
			if len(c.participants) == 1 && c.groupType != 1 {
				c.identifier = c.participants[0]
			}
		}
	}
	if !m.hasTable("madrid_chat") {
		return nil
	}
	rows, err := m.db.Query("SELECT " + madridChatColumns.selectList(m.share.cols["madrid_chat"], "ROWID", func(name string) string {
		return name
	}, nil) + " FROM madrid_chat ORDER BY ROWID")
	if err != nil {
		return fmt.Errorf("records: chats: %w", err)
	}
	defer rows.Close()
	v, ptrs := madridChatColumns.row()
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("records: chats: %w", err)
		}
		c := &chatInfo{rowID: msgInt(v[mcRowID]), guid: msgString(v[mcGUID]), identifier: msgString(v[mcIdentifier]),
			service: msgService(msgString(v[mcService])), style: msgInt(v[mcStyle]), participants: plistStrings(msgBytes(v[mcParticipants]))}
		key := madridKey(c.rowID)
		sh.chats[key] = c
		sh.chatList = append(sh.chatList, key)
		if room := msgString(v[mcRoom]); room != "" {
			sh.madridRoom[room] = c
		} else if c.identifier != "" {
			sh.madridHandle[c.identifier] = c
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("records: chats: %w", err)
	}
	return nil
}

// plistStrings decodes a property list holding an array of strings (the
// recipients and participants columns); what is not a string is skipped.
func plistStrings(b []byte) (out []string) {
	if len(b) == 0 {
		return nil
	}
	defer func() {
		if recover() != nil { // the plist decoder must not take the caller down
			out = nil
		}
	}()
	var v []any
	if _, err := plist.Unmarshal(b, &v); err != nil {
		return nil
	}
	for _, x := range v {
		if s, ok := x.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// madrid message columns read, in query order.
// The message columns of the iOS 3-5 schema read, in scan order.
var (
	mdRowID, mdAddress, mdDate, mdText, mdFlags, mdGroup, mdSubject, mdRecipients int
	mdRead, mdIsMadrid, mdGUID, mdHandle, mdService, mdRoom, mdMadridFlags        int
	mdDateRead, mdDateDelivered, mdBody                                           int

	madridColumns = columnsOf(
		column{at: &mdRowID, name: "ROWID"},
		column{at: &mdAddress, name: "address", required: true},
		column{at: &mdDate, name: "date", required: true},
		column{at: &mdText, name: "text", required: true},
		column{at: &mdFlags, name: "flags", required: true},
		column{at: &mdGroup, name: "group_id"},
		column{at: &mdSubject, name: "subject"},
		column{at: &mdRecipients, name: "recipients"},
		column{at: &mdRead, name: "read"},
		column{at: &mdIsMadrid, name: "is_madrid"},
		column{at: &mdGUID, name: "madrid_guid"},
		column{at: &mdHandle, name: "madrid_handle"},
		column{at: &mdService, name: "madrid_service"},
		column{at: &mdRoom, name: "madrid_roomname"},
		column{at: &mdMadridFlags, name: "madrid_flags"},
		column{at: &mdDateRead, name: "madrid_date_read"},
		column{at: &mdDateDelivered, name: "madrid_date_delivered"},
		column{at: &mdBody, name: "madrid_attributedBody"},
	)
)

// The columns of madrid_chat (the iMessage conversations of iOS 5) and
// madrid_attachment read, in scan order.
var (
	mcRowID, mcGUID, mcIdentifier, mcService, mcRoom, mcStyle, mcParticipants int
	mtMessage, mtGUID, mtFilename, mtMIME, mtUTI, mtCreated                   int

	madridChatColumns = columnsOf(
		column{at: &mcRowID, name: "ROWID"},
		column{at: &mcGUID, name: "guid"},
		column{at: &mcIdentifier, name: "chat_identifier", required: true},
		column{at: &mcService, name: "service_name"},
		column{at: &mcRoom, name: "room_name"},
		column{at: &mcStyle, name: "style"},
		column{at: &mcParticipants, name: "participants"},
	)
	madridAttachmentColumns = columnsOf(
		column{at: &mtMessage, name: "message_id", required: true},
		column{at: &mtGUID, name: "attachment_guid"},
		column{at: &mtFilename, name: "filename", required: true},
		column{at: &mtMIME, name: "mime_type"},
		column{at: &mtUTI, name: "uti_type"},
		column{at: &mtCreated, name: "created_date"},
	)
)

// madridOrderKey is the date of a row over table alias t as Unix seconds
// (iMessage rows count from 2001).
func (m *MessageDB) madridOrderKey(t string) string {
	if m.has("message", "is_madrid") {
		return "(CASE WHEN " + t + "is_madrid = 1 THEN " + t + "date + 978307200 ELSE " + t + "date END)"
	}
	return t + "date"
}

// mmsPart is one msg_pieces row.
type mmsPart struct {
	contentType string
	data        []byte
	loc         string
}

func (m *MessageDB) madridMessages(ctx context.Context, chats []int64) iter.Seq2[*Message, error] {
	return func(yield func(*Message, error) bool) {
		if err := m.loadChats(); err != nil {
			yield(nil, err)
			return
		}
		var b strings.Builder
		b.WriteString("SELECT ")
		b.WriteString(madridColumns.selectList(m.share.cols["message"], "m.ROWID", func(name string) string {
			return "m." + name
		}, nil))
		// As messageQuery: sort the keys alone, fetch rows by primary key.
		b.WriteString(" FROM (SELECT ROWID AS r FROM message ORDER BY " + m.madridOrderKey("") +
			", ROWID LIMIT -1) o CROSS JOIN message m ON m.ROWID = o.r")
		rows, err := m.db.QueryContext(ctx, b.String())
		if err != nil {
			yield(nil, fmt.Errorf("records: messages: %w", err))
			return
		}
		defer rows.Close()
		order := " ORDER BY " + m.madridOrderKey("m.") + ", m.ROWID"
		var parts *sideCursor[mmsPart]
		if m.hasTable("msg_pieces") {
			q := "SELECT p.message_id, p.content_type, p.data, " + colOr(m, "msg_pieces", "p.", "content_loc") +
				" FROM msg_pieces p JOIN message m ON m.ROWID = p.message_id" + order + ", p.part_id, p.ROWID"
			parts, err = openSide(ctx, m.db, "MMS parts", q, func(r *sql.Rows) (int64, mmsPart, error) {
				var id, ct, data, loc any
				if err := r.Scan(&id, &ct, &data, &loc); err != nil {
					return 0, mmsPart{}, err
				}
				return msgInt(id), mmsPart{contentType: msgString(ct), data: msgBytes(data), loc: msgString(loc)}, nil
			})
			if err != nil {
				yield(nil, err)
				return
			}
			defer parts.close()
		}
		var atts *sideCursor[Attachment]
		if m.hasTable("madrid_attachment") {
			q := "SELECT " + madridAttachmentColumns.selectList(m.share.cols["madrid_attachment"], "a.ROWID", func(name string) string {
				return "a." + name
			}, nil) + " FROM madrid_attachment a JOIN message m ON m.ROWID = a.message_id" + order + ", a.ROWID"
			atts, err = openSide(ctx, m.db, "attachments", q, func(r *sql.Rows) (int64, Attachment, error) {
				v, ptrs := madridAttachmentColumns.row()
				if err := r.Scan(ptrs...); err != nil {
					return 0, Attachment{}, err
				}
				at := Attachment{GUID: msgString(v[mtGUID]), Filename: msgString(v[mtFilename]), MIME: msgString(v[mtMIME]),
					UTI: msgString(v[mtUTI]), Created: msgTime(v[mtCreated])}
				m.finishAttachment(&at)
				return msgInt(v[mtMessage]), at, nil
			})
			if err != nil {
				yield(nil, err)
				return
			}
			defer atts.close()
		}
		v, ptrs := madridColumns.row()
		for v, err := range eachRow(ctx, rows, "message", v, ptrs, wrapMessagesErr) {
			if err != nil {
				if _, row := err.(*RowError); !yield(nil, err) || !row {
					return // a failed cursor or ctx ends the messages
				}
				continue
			}
			id := msgInt(v[mdRowID])
			msg, key := m.buildMadrid(v, parts.take(id), atts.take(id))
			if len(chats) > 0 && !slices.Contains(chats, key) {
				continue
			}
			if !yield(msg, nil) {
				return
			}
		}
		if err := parts.close(); err != nil {
			yield(nil, err)
			return
		}
		if err := atts.close(); err != nil {
			yield(nil, err)
		}
	}
}

// colOr returns alias+col when table has col, else NULL.
func colOr(m *MessageDB, table, alias, col string) string {
	if m.has(table, col) {
		return alias + col
	}
	return "NULL"
}

// buildMadrid builds a message of the iOS 3-5 schema and returns it with
// the chats key of its conversation (0 for none).
func (m *MessageDB) buildMadrid(v []any, parts []mmsPart, atts []Attachment) (*Message, int64) {
	msg := &Message{
		RowID:       msgInt(v[mdRowID]),
		Subject:     msgString(v[mdSubject]),
		IsRead:      msgInt(v[mdRead]) != 0,
		Text:        msgString(v[mdText]),
		Attachments: []Attachment{},
	}
	var peer string
	sh := m.share
	var chat *chatInfo
	var key int64
	if g := msgInt(v[mdGroup]); g > 0 && sh.chats[g] != nil {
		chat, key = sh.chats[g], g
	}
	if msgInt(v[mdIsMadrid]) == 1 {
		msg.GUID = msgString(v[mdGUID])
		msg.Service = msgService(msgString(v[mdService]))
		if msg.Service == "" {
			msg.Service = "iMessage"
		}
		msg.Date = msgTime(v[mdDate])
		msg.DateRead = msgTime(v[mdDateRead])
		msg.DateDelivered = msgTime(v[mdDateDelivered])
		fl := msgInt(v[mdMadridFlags])
		msg.FromMe = fl&4 != 0
		if !madridKnownFlags[fl] {
			msg.problem("madrid_flags %d is not a known value; direction taken from bit 2", fl)
		}
		peer = msgString(v[mdHandle])
		if msg.Text == "" {
			if body := msgBytes(v[mdBody]); len(body) > 0 {
				t, lenient, err := msgBodyText(body)
				switch {
				case lenient:
					msg.problem("madrid_attributedBody: %v; text recovered by the lenient decoder", err)
				case err != nil:
					msg.problem("madrid_attributedBody: %v; text left out", err)
				}
				msg.Text = t
			}
		}
		if len(atts) > 0 {
			msg.Attachments = atts
		}
		if chat == nil {
			if c := sh.madridRoom[msgString(v[mdRoom])]; c != nil && msgString(v[mdRoom]) != "" {
				chat, key = c, madridKey(c.rowID)
			} else if c := sh.madridHandle[peer]; c != nil && peer != "" {
				chat, key = c, madridKey(c.rowID)
			}
		}
	} else {
		if msg.GUID == "" {
			msg.GUID = m.syntheticGUID(msg.RowID)
		}
		msg.Service = "SMS"
		if d, ok := asFloat(v[mdDate]); ok {
			msg.Date = unixTime(d)
		}
		fl := msgInt(v[mdFlags])
		msg.FromMe = fl&1 != 0
		if !smsKnownFlags[fl] {
			msg.problem("flags %d is not a known value; direction taken from bit 0", fl)
		}
		peer = msgString(v[mdAddress])
		if peer == "" {
			if r := plistStrings(msgBytes(v[mdRecipients])); len(r) > 0 {
				peer = strings.Join(r, ", ")
			}
		}
		if len(parts) > 0 {
			msg.Service = "MMS"
			var texts []string
			for _, p := range parts {
				switch {
				case strings.HasPrefix(p.contentType, "text/plain"):
					texts = append(texts, string(p.data))
				case p.contentType == "" && len(p.data) == 0, p.contentType == "application/smil":
					// the presentation part: no content of its own
				default:
					name := p.loc
					at := Attachment{Name: name, MIME: p.contentType, Size: int64(len(p.data)), Missing: true}
					if at.MIME == "" {
						at.MIME = msgMIME("", name)
					}
					msg.Attachments = append(msg.Attachments, at)
				}
			}
			if msg.Text == "" {
				msg.Text = strings.Join(texts, "\n")
			}
		}
	}
	if msg.GUID == "" {
		msg.GUID = m.syntheticGUID(msg.RowID)
	}
	if !msg.FromMe && peer != "" {
		msg.Sender = &peer
	}
	if chat != nil {
		msg.Chat = chat.identifier
		msg.ChatGUID = chat.guid
		if len(chat.participants) > 0 {
			msg.Participants = slices.Clone(chat.participants)
		}
	} else {
		msg.Chat = peer
	}
	unreadDate(msg, "date", v[mdDate], msg.Date)
	if msgInt(v[mdIsMadrid]) == 1 {
		unreadDate(msg, "madrid_date_read", v[mdDateRead], msg.DateRead)
		unreadDate(msg, "madrid_date_delivered", v[mdDateDelivered], msg.DateDelivered)
	}
	m.checkDates(msg)
	return msg, key
}

// syntheticGUID is the stable id of a row without a guid (see Message).
func (m *MessageDB) syntheticGUID(rowid int64) string {
	if m.share.uid == "" {
		return "x-sms-rowid:" + strconv.FormatInt(rowid, 10)
	}
	return "x-sms-rowid:" + m.share.uid + "/" + strconv.FormatInt(rowid, 10)
}
