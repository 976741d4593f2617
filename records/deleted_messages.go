package records

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strings"
	"time"
	"unicode/utf8"
)

// Recovered yields the messages of the database that are not live:
// Recently Deleted messages (iOS 16+), then rows carved from older page
// versions in the -wal, main-file pages the -wal replaces, freelist pages
// and free space, each marked Deleted with its Recovered source. An
// earlier version of a live message comes with Deleted false and
// Recovered.HistoryOf naming it. A carved copy of a live row is never
// returned. Chat and sender are resolved from the live chat,
// chat_message_join and handle tables and from carved rows of them.
//
// The database and its -wal are read again from where they were opened
// (the backup, or the file), only read, and carved in memory;
// Recovery.Database names them as opened. The sequence stops with ctx's
// error when ctx is done.
func (m *MessageDB) Recovered(ctx context.Context) iter.Seq2[*Message, error] {
	return func(yield func(*Message, error) bool) {
		o := m.share.origin
		main, wal, err := o.read(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		msgs, err := recoverMessages(o.name, main, wal)
		yieldAll(ctx, yield, msgs, err)
	}
}

// recoverMessages carves the messages out of a database's bytes; name is
// reported as Recovery.Database.
func recoverMessages(name string, main, wal []byte) ([]*Message, error) {
	c, err := carve(name, main, wal)
	if err != nil {
		return nil, err
	}
	defer c.close()
	rd, err := recentlyDeleted(c.db, name)
	if err != nil {
		return nil, err
	}
	carved, err := carvedMessages(c)
	if err != nil {
		return nil, err
	}
	carved = mergeRecentlyDeleted(rd, carved)
	return append(rd, carved...), nil
}

// smsChat is what a message needs of its chat.
type smsChat struct {
	ident, guid, name, service string
	participants               []string
}

// smsLookups holds the live chats, handles and message-to-chat links.
type smsLookups struct {
	chats   map[int64]*smsChat
	handles map[int64]string
	chatOf  map[int64]int64
}

func loadSMSLookups(db *sql.DB) (*smsLookups, error) {
	l := &smsLookups{chats: map[int64]*smsChat{}, handles: map[int64]string{}, chatOf: map[int64]int64{}}
	q := func(table string, want []string, fn func(v []any)) error {
		have, err := columns(db, table)
		if err != nil || len(have) == 0 {
			return err
		}
		sel := make([]string, len(want))
		for i, w := range want {
			sel[i] = "NULL"
			if have[w] || w == "ROWID" {
				sel[i] = "+" + w
			}
		}
		rows, err := db.Query("SELECT " + strings.Join(sel, ", ") + " FROM " + table)
		if err != nil {
			return err
		}
		defer rows.Close()
		v := make([]any, len(want))
		p := make([]any, len(want))
		for i := range v {
			p[i] = &v[i]
		}
		for rows.Next() {
			if err := rows.Scan(p...); err != nil {
				return err
			}
			fn(v)
		}
		return rows.Err()
	}
	if err := q("handle", []string{"ROWID", "id"}, func(v []any) {
		id, _ := asInt(v[0])
		l.handles[id] = strings.TrimSpace(asString(v[1]))
	}); err != nil {
		return nil, err
	}
	if err := q("chat", []string{"ROWID", "chat_identifier", "guid", "display_name", "service_name"}, func(v []any) {
		id, _ := asInt(v[0])
		l.chats[id] = &smsChat{ident: asString(v[1]), guid: asString(v[2]), name: asString(v[3]), service: asString(v[4])}
	}); err != nil {
		return nil, err
	}
	if err := q("chat_handle_join", []string{"chat_id", "handle_id"}, func(v []any) {
		cid, _ := asInt(v[0])
		hid, _ := asInt(v[1])
		if ch := l.chats[cid]; ch != nil && l.handles[hid] != "" {
			ch.participants = append(ch.participants, l.handles[hid])
		}
	}); err != nil {
		return nil, err
	}
	if err := q("chat_message_join", []string{"chat_id", "message_id"}, func(v []any) {
		cid, _ := asInt(v[0])
		mid, _ := asInt(v[1])
		l.chatOf[mid] = cid
	}); err != nil {
		return nil, err
	}
	return l, nil
}

// setChat fills a message's chat fields from ch.
func (m *Message) setChat(ch *smsChat) {
	if ch == nil {
		return
	}
	m.Chat, m.ChatGUID = ch.ident, ch.guid
	if ch.name != "" {
		n := ch.name
		m.ChatName = &n
	}
	if len(ch.participants) > 1 {
		m.Participants = append([]string(nil), ch.participants...)
	}
	if m.Service == "" {
		m.Service = ch.service
	}
}

// smsMessageColumns are the message columns read for a recovered message.
var smsMessageColumns = []string{"ROWID", "guid", "text", "attributedBody", "handle_id", "date", "date_read",
	"date_delivered", "is_from_me", "service", "subject", "is_read"}

// recentlyDeleted reads the iOS 16+ Recently Deleted folder: each
// chat_recoverable_message_join row is a message (its row stays in
// message) moved out of its chat at delete_date; recoverable_message_part
// keeps the text of its parts, which is used when the message row has
// none (or is gone).
func recentlyDeleted(db *sql.DB, name string) ([]*Message, error) {
	jc, err := columns(db, "chat_recoverable_message_join")
	if err != nil {
		return nil, &DatabaseError{Name: name, Err: err}
	}
	pc, err := columns(db, "recoverable_message_part")
	if err != nil {
		return nil, &DatabaseError{Name: name, Err: err}
	}
	if !(jc["chat_id"] && jc["message_id"]) && !(pc["chat_id"] && pc["message_id"] && pc["part_text"]) {
		return nil, nil
	}
	l, err := loadSMSLookups(db)
	if err != nil {
		return nil, &DatabaseError{Name: name, Err: err}
	}
	type key struct{ chat, msg int64 }
	type entry struct {
		deleted *time.Time
		parts   []string
		table   string
	}
	entries := map[key]*entry{}
	var order []key
	get := func(k key, table string) *entry {
		e := entries[k]
		if e == nil {
			e = &entry{table: table}
			entries[k] = e
			order = append(order, k)
		}
		return e
	}
	if jc["chat_id"] && jc["message_id"] {
		dd := "NULL"
		if jc["delete_date"] {
			dd = "+delete_date"
		}
		rows, err := db.Query("SELECT chat_id, message_id, " + dd + " FROM chat_recoverable_message_join ORDER BY 3, 2")
		if err != nil {
			return nil, &DatabaseError{Name: name, Err: err}
		}
		for rows.Next() {
			var c, m, d any
			if err := rows.Scan(&c, &m, &d); err != nil {
				rows.Close()
				return nil, &DatabaseError{Name: name, Err: err}
			}
			ci, _ := asInt(c)
			mi, _ := asInt(m)
			get(key{ci, mi}, "chat_recoverable_message_join").deleted = msgDate(d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, &DatabaseError{Name: name, Err: err}
		}
	}
	if pc["chat_id"] && pc["message_id"] && pc["part_text"] {
		order2, dd := "message_id", "NULL"
		if pc["part_index"] {
			order2 = "message_id, part_index"
		}
		if pc["delete_date"] {
			dd = "+delete_date"
		}
		rows, err := db.Query("SELECT chat_id, message_id, " + dd + ", part_text FROM recoverable_message_part ORDER BY chat_id, " + order2)
		if err != nil {
			return nil, &DatabaseError{Name: name, Err: err}
		}
		for rows.Next() {
			var c, m, d, t any
			if err := rows.Scan(&c, &m, &d, &t); err != nil {
				rows.Close()
				return nil, &DatabaseError{Name: name, Err: err}
			}
			ci, _ := asInt(c)
			mi, _ := asInt(m)
			e := get(key{ci, mi}, "recoverable_message_part")
			if e.deleted == nil {
				e.deleted = msgDate(d)
			}
			if s := partText(t); s != "" {
				e.parts = append(e.parts, s)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, &DatabaseError{Name: name, Err: err}
		}
	}
	mc, err := columns(db, "message")
	if err != nil {
		return nil, &DatabaseError{Name: name, Err: err}
	}
	sel := make([]string, len(smsMessageColumns))
	for i, c := range smsMessageColumns {
		sel[i] = "NULL"
		if mc[c] || c == "ROWID" {
			sel[i] = "+" + c
		}
	}
	var stmt *sql.Stmt
	if len(mc) > 0 {
		stmt, err = db.Prepare("SELECT " + strings.Join(sel, ", ") + " FROM message WHERE ROWID = ?")
		if err != nil {
			return nil, &DatabaseError{Name: name, Err: err}
		}
		defer stmt.Close()
	}
	var out []*Message
	for _, k := range order {
		e := entries[k]
		m := &Message{RowID: k.msg, Attachments: []Attachment{}, Deleted: true,
			Recovered: &Recovery{Source: RecoveredRecentlyDeleted, Database: name, Table: e.table, Complete: true, DeletedAt: e.deleted}}
		found := false
		if stmt != nil {
			v := make([]any, len(sel))
			p := make([]any, len(sel))
			for i := range v {
				p[i] = &v[i]
			}
			switch err := stmt.QueryRow(k.msg).Scan(p...); err {
			case nil:
				found = true
				fillSMSMessage(m, v, l)
			case sql.ErrNoRows:
			default:
				return nil, &DatabaseError{Name: name, Err: err}
			}
		}
		if m.Text == "" && len(e.parts) > 0 {
			m.Text = strings.Join(e.parts, "\n")
		}
		if !found {
			m.Recovered.Complete = false
			m.Recovered.Missing = []string{"message row (only the text of its parts is left)"}
		}
		m.setChat(l.chats[k.chat])
		out = append(out, m)
	}
	sortMessages(out)
	return out, nil
}

// fillSMSMessage sets a message's fields from smsMessageColumns values.
func fillSMSMessage(m *Message, v []any, l *smsLookups) {
	m.GUID = asString(v[1])
	m.Text = decodedText(asString(v[2]), msgBytes(v[3]))
	hid, _ := asInt(v[4])
	m.Date, m.DateRead, m.DateDelivered = msgDate(v[5]), msgDate(v[6]), msgDate(v[7])
	m.FromMe = recBool(v[8])
	m.Service = asString(v[9])
	m.Subject = asString(v[10])
	m.IsRead = recBool(v[11])
	if h := l.handles[hid]; h != "" && !m.FromMe {
		m.Sender = &h
	}
}

// msgDate converts a 2001-epoch date (seconds or nanoseconds); 0 and
// NULL give nil.
func msgDate(v any) *time.Time {
	switch x := v.(type) {
	case int64:
		if x == 0 {
			return nil
		}
		return appleTimeInt(x)
	case float64:
		if x == 0 {
			return nil
		}
		return appleTime(x)
	}
	return nil
}

// partText decodes recoverable_message_part.part_text: a typedstream
// attributed string, or plain UTF-8 text.
func partText(v any) string {
	b := msgBytes(v)
	if s := decodedText("", b); s != "" {
		return s
	}
	if utf8.Valid(b) && !strings.Contains(string(b), "streamtyped") {
		return strings.TrimSpace(string(b))
	}
	return ""
}

// carvedMessages maps carved message rows to messages. Rows of the
// modern schema (guid, handle_id, is_from_me) are resolved through the
// live and carved chat_message_join, chat and handle rows; rows of the
// iOS 5 and earlier schema (address, flags, Unix-time date) are mapped
// minimally: text, address (as chat and sender), date, and the direction
// from flags bit 0 (2 received, 3 sent).
func carvedMessages(c *carving) ([]*Message, error) {
	recs, t := c.table("message")
	if len(recs) == 0 || t == nil {
		return nil, nil
	}
	l, err := loadSMSLookups(c.db)
	if err != nil {
		return nil, &DatabaseError{Name: c.name, Err: err}
	}
	// carved rows of the lookup tables fill the gaps (deleted links)
	if rs, tt := c.table("handle"); tt != nil {
		for _, r := range rs {
			w := row{r, tt}
			if id := w.id(); id != 0 && l.handles[id] == "" && !r.History {
				l.handles[id] = w.s("id")
			}
		}
	}
	if rs, tt := c.table("chat"); tt != nil {
		for _, r := range rs {
			w := row{r, tt}
			if id := w.id(); id != 0 && l.chats[id] == nil && !r.History {
				l.chats[id] = &smsChat{ident: w.s("chat_identifier"), guid: w.s("guid"), name: w.s("display_name"), service: w.s("service_name")}
			}
		}
	}
	if rs, tt := c.table("chat_message_join"); tt != nil {
		for _, r := range rs {
			w := row{r, tt}
			mid := w.i("message_id")
			if _, ok := l.chatOf[mid]; !ok && mid != 0 {
				l.chatOf[mid] = w.i("chat_id")
			}
		}
	}
	modern := t.ColumnIndex("guid") >= 0
	var out []*Message
	for _, r := range recs {
		w := row{r, t}
		m := &Message{RowID: w.id(), Attachments: []Attachment{}, Recovered: c.recovery(r), Deleted: !r.History}
		if modern {
			v := make([]any, len(smsMessageColumns))
			for i, col := range smsMessageColumns[1:] {
				v[i+1] = w.v(col)
			}
			fillSMSMessage(m, v, l)
			if cid, ok := l.chatOf[m.RowID]; ok && m.RowID != 0 {
				m.setChat(l.chats[cid])
			}
		} else {
			addr := w.s("address")
			m.Text = asString(w.v("text"))
			if f, ok := w.f("date"); ok && f != 0 {
				m.Date = unixTime(f)
			}
			m.FromMe = w.i("flags")&1 == 1
			m.Chat = addr
			if addr != "" && !m.FromMe {
				m.Sender = &addr
			}
			m.Subject = w.s("subject")
			m.Service = "SMS"
			if w.i("is_madrid") == 1 {
				m.Service = "iMessage"
				if h := w.s("madrid_handle"); h != "" {
					m.Chat = h
					if !m.FromMe {
						m.Sender = &h
					}
				}
			}
			m.IsRead = w.i("read") == 1
		}
		out = append(out, m)
	}
	sortMessages(out)
	return out, nil
}

// mergeRecentlyDeleted drops carved copies of Recently Deleted messages;
// when the Recently Deleted entry lost its message row, the carved copy
// fills in what the row held.
func mergeRecentlyDeleted(rd, carved []*Message) []*Message {
	byID := map[int64]*Message{}
	for _, m := range rd {
		byID[m.RowID] = m
	}
	out := carved[:0]
	for _, m := range carved {
		r := byID[m.RowID]
		if r == nil || m.RowID == 0 || !m.Deleted {
			out = append(out, m)
			continue
		}
		if !r.Recovered.Complete && r.GUID == "" {
			parts := r.Text
			chat, guid, name, participants := r.Chat, r.ChatGUID, r.ChatName, r.Participants
			rc := *r.Recovered
			*r = *m
			r.Chat, r.ChatGUID, r.ChatName, r.Participants = chat, guid, name, participants
			if r.Text == "" {
				r.Text = parts
			}
			rc.Missing = append(rc.Missing[:0:0], fmt.Sprintf("message row carved from %s page %d offset %d", m.Recovered.Source, m.Recovered.Page, m.Recovered.Offset))
			r.Recovered = &rc
		}
	}
	return out
}
