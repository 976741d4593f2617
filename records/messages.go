package records

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/internal/typedstream"
)

// MessageDB reads an sms.db (iOS) or chat.db (macOS) Messages database:
// the iOS 6+ schema (message, handle, chat and their joins) and the iOS
// 3-5 one (message with address and flags, msg_group, group_member,
// msg_pieces, and from iOS 5 the madrid_* iMessage columns and tables).
// It is safe for concurrent use.
type MessageDB struct {
	db     *sql.DB
	fsys   fs.FS // where attachment files are looked up; nil: all missing
	share  *messageShared
	limits dateLimits
}

// messageShared holds what every view of one database shares.
type messageShared struct {
	name     string                     // the database, for errors
	origin   origin                     // where it was opened from, for Recovered
	cols     map[string]map[string]bool // table -> columns (empty map: no table)
	madrid   bool                       // the iOS 3-5 schema
	uid      string                     // _SqliteDatabaseProperties._UniqueIdentifier
	chatOnce sync.Once
	chats    map[int64]*chatInfo
	chatList []int64 // chat ROWIDs in order
	chatErr  error
	// iOS 3-5: madrid_chat rows (keyed by a negative id in chats), found
	// by room name or by handle.
	madridRoom   map[string]*chatInfo
	madridHandle map[string]*chatInfo
}

type chatInfo struct {
	rowID        int64
	guid         string
	identifier   string
	name         string
	service      string
	style        int64
	groupType    int64 // msg_group.type (iOS 3-5)
	participants []string
}

// The tables a Messages reader looks at.
var messageTables = []string{
	"message", "handle", "chat", "attachment", "chat_message_join", "chat_handle_join",
	"message_attachment_join", "chat_recoverable_message_join",
	"msg_group", "group_member", "msg_pieces", "madrid_attachment", "madrid_chat", "_SqliteDatabaseProperties",
}

// OpenMessages opens the Messages database of a backup laid out as
// Domain/relative/path (HomeDomain/Library/SMS/sms.db, plus its "-wal"
// when present). Attachment files are looked up in fsys (another file
// system can be given with WithFiles). A missing database gives an error
// wrapping ErrNotFound; an unreadable one a *DatabaseError; a schema the
// reader does not recognise an *UnsupportedError.
func OpenMessages(fsys fs.FS) (*MessageDB, error) {
	db, err := openFS(fsys, devicepath.SMS)
	if err != nil {
		return nil, err
	}
	return newMessageDB(db, origin{fsys: fsys, name: devicepath.SMS}, fsys)
}

// OpenMessagesFile opens a bare sms.db or chat.db (and the "-wal" beside
// it, if any); nothing is written beside it. Attachments are then all
// marked Missing unless a backup file system is given with WithFiles.
func OpenMessagesFile(path string) (*MessageDB, error) {
	db, err := openFile(path)
	if err != nil {
		return nil, err
	}
	return newMessageDB(db, origin{name: path}, nil)
}

func newMessageDB(db *sql.DB, o origin, fsys fs.FS) (*MessageDB, error) {
	name := o.name
	sh := &messageShared{name: path.Base(name), origin: o, cols: map[string]map[string]bool{}}
	for _, t := range messageTables {
		c, err := columns(db, t)
		if err != nil {
			db.Close()
			return nil, &DatabaseError{Name: name, Err: err}
		}
		sh.cols[t] = c
	}
	if err := sh.recognise(); err != nil {
		db.Close()
		return nil, err
	}
	if len(sh.cols["_SqliteDatabaseProperties"]) > 0 {
		var uid sql.NullString
		err := db.QueryRow("SELECT value FROM _SqliteDatabaseProperties WHERE key = '_UniqueIdentifier'").Scan(&uid)
		if err == nil {
			sh.uid = uid.String
		}
	}
	return &MessageDB{db: db, fsys: fsys, share: sh, limits: limitsFor(time.Time{})}, nil
}

// recognise decides the schema family from the tables and columns, and
// refuses one that lacks what the reader needs.
func (sh *messageShared) recognise() error {
	msg := sh.cols["message"]
	if len(msg) == 0 {
		return &UnsupportedError{Database: sh.name, Table: "message"}
	}
	need := func(table string, cols ...string) error {
		if len(sh.cols[table]) == 0 {
			return nil // optional table absent
		}
		var missing []string
		for _, c := range cols {
			if !sh.cols[table][c] {
				missing = append(missing, c)
			}
		}
		if len(missing) > 0 {
			return &UnsupportedError{Database: sh.name, Table: table, Missing: missing}
		}
		return nil
	}
	modern := msg["handle_id"] || msg["is_from_me"] || len(sh.cols["handle"]) > 0
	if !modern && (msg["flags"] || msg["address"]) {
		sh.madrid = true
		return errors.Join(
			requiredColumns(sh.name, "message", msg, madridColumns),
			need("group_member", "group_id", "address"),
			need("msg_pieces", "message_id", "part_id", "content_type", "data"),
			requiredColumns(sh.name, "madrid_attachment", sh.cols["madrid_attachment"], madridAttachmentColumns),
			requiredColumns(sh.name, "madrid_chat", sh.cols["madrid_chat"], madridChatColumns),
		)
	}
	if !msg["text"] && !msg["attributedBody"] {
		return &UnsupportedError{Database: sh.name, Table: "message", Missing: []string{"text", "attributedBody"}}
	}
	return errors.Join(
		requiredColumns(sh.name, "message", msg, messageColumns),
		need("handle", "id"),
		requiredColumns(sh.name, "chat", sh.cols["chat"], chatColumns),
		need("chat_message_join", "chat_id", "message_id"),
		need("chat_handle_join", "chat_id", "handle_id"),
		need("message_attachment_join", "message_id", "attachment_id"),
		requiredColumns(sh.name, "attachment", sh.cols["attachment"], messageAttachmentColumns),
		need("chat_recoverable_message_join", "message_id"),
	)
}

// WithFiles returns a view of the same database whose attachments are
// looked up in fsys (a backup laid out as Domain/relative/path). Both
// views share the connection: closing either closes both.
func (m *MessageDB) WithFiles(fsys fs.FS) *MessageDB {
	return &MessageDB{db: m.db, fsys: fsys, share: m.share, limits: m.limits}
}

// WithBackupDate returns a view of the same database that knows when it
// was captured (backup.Info.LastBackupDate): a message date later than
// that plus one day is then reported as a problem of its record (see
// the date rules in time.go). A zero date keeps the bounds of a bare file.
// Both views share the connection.
func (m *MessageDB) WithBackupDate(t time.Time) *MessageDB {
	return &MessageDB{db: m.db, fsys: m.fsys, share: m.share, limits: limitsFor(t)}
}

// Close releases the database.
func (m *MessageDB) Close() error { return m.db.Close() }

func (m *MessageDB) has(table, col string) bool { return m.share.cols[table][col] }

func (m *MessageDB) hasTable(table string) bool { return len(m.share.cols[table]) > 0 }

// loadChats reads every chat and its participants once.
func (m *MessageDB) loadChats() error {
	sh := m.share
	sh.chatOnce.Do(func() {
		sh.chats = map[int64]*chatInfo{}
		if sh.madrid {
			sh.chatErr = m.loadMadridChats()
			return
		}
		if !m.hasTable("chat") {
			return
		}
		q := "SELECT " + chatColumns.selectList(m.share.cols["chat"], "c.ROWID", func(name string) string {
			return "c." + name
		}, nil) + " FROM chat c ORDER BY c.ROWID"
		rows, err := m.db.Query(q)
		if err != nil {
			sh.chatErr = fmt.Errorf("records: chats: %w", err)
			return
		}
		defer rows.Close()
		v, ptrs := chatColumns.row()
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				sh.chatErr = fmt.Errorf("records: chats: %w", err)
				return
			}
			c := &chatInfo{rowID: msgInt(v[chRowID]), guid: msgString(v[chGUID]), identifier: msgString(v[chIdentifier]),
				name: msgString(v[chName]), service: msgService(msgString(v[chService])), style: msgInt(v[chStyle])}
			sh.chats[c.rowID] = c
			sh.chatList = append(sh.chatList, c.rowID)
		}
		if err := rows.Err(); err != nil {
			sh.chatErr = fmt.Errorf("records: chats: %w", err)
			return
		}
		if !m.has("chat_handle_join", "chat_id") || !m.has("handle", "id") {
			return
		}
		prows, err := m.db.Query("SELECT j.chat_id, h.id FROM chat_handle_join j JOIN handle h ON h.ROWID = j.handle_id ORDER BY j.chat_id, j.rowid")
		if err != nil {
			// WITHOUT ROWID tables have no rowid: fall back to the handle order.
			prows, err = m.db.Query("SELECT j.chat_id, h.id FROM chat_handle_join j JOIN handle h ON h.ROWID = j.handle_id ORDER BY j.chat_id, h.ROWID")
			if err != nil {
				sh.chatErr = fmt.Errorf("records: chat participants: %w", err)
				return
			}
		}
		defer prows.Close()
		for prows.Next() {
			var id, h any
			if err := prows.Scan(&id, &h); err != nil {
				sh.chatErr = fmt.Errorf("records: chat participants: %w", err)
				return
			}
			if c := sh.chats[msgInt(id)]; c != nil && msgString(h) != "" {
				c.participants = append(c.participants, msgString(h))
			}
		}
		if err := prows.Err(); err != nil {
			sh.chatErr = fmt.Errorf("records: chat participants: %w", err)
		}
	})
	return sh.chatErr
}

// The chat columns read (iOS 6+), in scan order.
var (
	chRowID, chGUID, chIdentifier, chName, chService, chStyle int

	chatColumns = columnsOf(
		column{at: &chRowID, name: "ROWID"},
		column{at: &chGUID, name: "guid"},
		column{at: &chIdentifier, name: "chat_identifier", required: true},
		column{at: &chName, name: "display_name"},
		column{at: &chService, name: "service_name"},
		column{at: &chStyle, name: "style"},
	)
)

// Chats returns every conversation, ordered by ROWID (iOS 3-5: the
// msg_group conversations, then the madrid_chat iMessage ones). A
// database without a chat table has none.
func (m *MessageDB) Chats() ([]*Chat, error) {
	if err := m.loadChats(); err != nil {
		return nil, err
	}
	out := make([]*Chat, 0, len(m.share.chatList))
	for _, id := range m.share.chatList {
		c := m.share.chats[id]
		out = append(out, &Chat{
			RowID: c.rowID, GUID: c.guid, Identifier: c.identifier, Name: c.name,
			Service: c.service, Group: c.isGroup(),
			Participants: append([]string{}, c.participants...),
		})
	}
	return out, nil
}

// isGroup reports a group chat: style 43 (msg_group type 1), or else more
// than one participant.
func (c *chatInfo) isGroup() bool {
	if c.style != 0 {
		return c.style == 43
	}
	if c.groupType != 0 {
		return c.groupType == 1
	}
	return len(c.participants) > 1
}

// sideCursor streams the rows of a table that belong to messages
// (attachments, MMS parts) in the order of the message query, so that
// they can be merged with it: memory stays flat however many messages
// the database holds. Its query must return the message ROWID first and
// follow the message order.
type sideCursor[T any] struct {
	what string
	rows *sql.Rows
	scan func(*sql.Rows) (int64, T, error)
	next *T // the row read ahead, nil at the end
	msg  int64
	err  error
}

func openSide[T any](ctx context.Context, db *sql.DB, what, q string, scan func(*sql.Rows) (int64, T, error)) (*sideCursor[T], error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("records: %s: %w", what, err)
	}
	c := &sideCursor[T]{what: what, rows: rows, scan: scan}
	c.advance()
	return c, nil
}

func (c *sideCursor[T]) advance() {
	c.next = nil
	if c.err != nil || !c.rows.Next() {
		if c.err == nil {
			c.err = c.rows.Err()
		}
		return
	}
	id, v, err := c.scan(c.rows)
	if err != nil {
		c.err = err
		return
	}
	c.msg, c.next = id, &v
}

// take returns the rows of message id. Both cursors follow the same
// order over the same messages, so the side rows of id are at the head
// when id has any.
func (c *sideCursor[T]) take(id int64) []T {
	var out []T
	for c != nil && c.next != nil && c.msg == id {
		out = append(out, *c.next)
		c.advance()
	}
	return out
}

func (c *sideCursor[T]) close() error {
	if c == nil {
		return nil
	}
	c.rows.Close()
	if c.err != nil {
		return fmt.Errorf("records: %s: %w", c.what, c.err)
	}
	return nil
}

// The attachment columns read (iOS 6+), in scan order, after the id of
// the message from message_attachment_join.
var (
	maMessage, maGUID, maFilename, maMIME, maUTI, maTransferName, maBytes, maCreated, maSticker int

	messageAttachmentColumns = columnsOf(
		column{at: &maMessage, name: "message_attachment_join.message_id", expr: "j.message_id", on: "j"},
		column{at: &maGUID, name: "guid"},
		column{at: &maFilename, name: "filename", required: true},
		column{at: &maMIME, name: "mime_type"},
		column{at: &maUTI, name: "uti"},
		column{at: &maTransferName, name: "transfer_name"},
		column{at: &maBytes, name: "total_bytes"},
		column{at: &maCreated, name: "created_date"},
		column{at: &maSticker, name: "is_sticker"},
	)
)

// openAttachments starts the attachment cursor for the messages selected
// by where (the message query's filter over message m) in the message
// query's order. It returns nil when the database has no attachment
// tables. The attachment rows alone are sorted (not the messages), joined
// to their message by its primary key: O(n log n) without any index.
func (m *MessageDB) openAttachments(ctx context.Context, where, order string) (*sideCursor[Attachment], error) {
	if !m.has("message_attachment_join", "message_id") || !m.has("message_attachment_join", "attachment_id") || !m.hasTable("attachment") {
		return nil, nil
	}
	q := "SELECT " + messageAttachmentColumns.selectList(m.share.cols["attachment"], "a.ROWID", func(name string) string {
		return "a." + name
	}, func(on string) bool { return on == "j" }) +
		" FROM message_attachment_join j JOIN attachment a ON a.ROWID = j.attachment_id JOIN message m ON m.ROWID = j.message_id" +
		where + order
	scan := func(rows *sql.Rows) (int64, Attachment, error) {
		v, ptrs := messageAttachmentColumns.row()
		if err := rows.Scan(ptrs...); err != nil {
			return 0, Attachment{}, err
		}
		at := Attachment{
			GUID: msgString(v[maGUID]), Filename: msgString(v[maFilename]), MIME: msgString(v[maMIME]), UTI: msgString(v[maUTI]),
			Name: msgString(v[maTransferName]), Size: msgInt(v[maBytes]), Created: msgTime(v[maCreated]), Sticker: msgInt(v[maSticker]) != 0,
		}
		m.finishAttachment(&at)
		return msgInt(v[maMessage]), at, nil
	}
	c, err := openSide(ctx, m.db, "attachments", q+", j.rowid", scan)
	if err != nil {
		// WITHOUT ROWID join tables have no rowid.
		return openSide(ctx, m.db, "attachments", q+", a.ROWID", scan)
	}
	return c, nil
}

// finishAttachment fills the derived fields of an attachment.
func (m *MessageDB) finishAttachment(at *Attachment) {
	if at.Name == "" && at.Filename != "" {
		at.Name = path.Base(at.Filename)
	}
	if at.MIME == "" {
		at.MIME = msgMIME(at.UTI, at.Name)
	}
	at.Domain, at.Path = attachmentLocation(at.Filename)
	at.Missing = !m.fileExists(at.Domain, at.Path)
}

func (m *MessageDB) fileExists(domain, p string) bool {
	if m.fsys == nil || domain == "" || p == "" {
		return false
	}
	fi, err := fs.Stat(m.fsys, domain+"/"+p)
	return err == nil && !fi.IsDir()
}

// attachmentLocation maps attachment.filename as stored in sms.db
// (~/Library/SMS/Attachments/ab/11/GUID/IMG_0001.HEIC, or an absolute
// /var/mobile/… or /private/var/mobile/… path) to its place in a backup:
// domain MediaDomain and the path relative to the home directory. Other
// values give empty strings.
func attachmentLocation(filename string) (domain, relPath string) {
	var rest string
	switch {
	case strings.HasPrefix(filename, "~/"):
		rest = filename[2:]
	case strings.HasPrefix(filename, "/private/var/mobile/"):
		rest = filename[len("/private/var/mobile/"):]
	case strings.HasPrefix(filename, "/var/mobile/"):
		rest = filename[len("/var/mobile/"):]
	default:
		return "", ""
	}
	rest = strings.TrimLeft(rest, "/")
	if rest == "" || !fs.ValidPath(rest) {
		return "", ""
	}
	return devicepath.MediaDomain, rest
}

var utiMIME = map[string]string{
	"public.jpeg": "image/jpeg", "public.png": "image/png", "public.heic": "image/heic",
	"public.heif": "image/heif", "com.compuserve.gif": "image/gif", "public.tiff": "image/tiff",
	"com.apple.quicktime-movie": "video/quicktime", "public.mpeg-4": "video/mp4",
	"public.3gpp": "video/3gpp", "com.apple.m4a-audio": "audio/mp4", "public.mp3": "audio/mpeg",
	"com.apple.coreaudio-format": "audio/x-caf", "org.3gpp.adaptive-multi-rate-audio": "audio/amr",
	"public.vcard": "text/vcard", "public.plain-text": "text/plain", "com.adobe.pdf": "application/pdf",
	"com.apple.pkpass": "application/vnd.apple.pkpass", "public.zip-archive": "application/zip",
}

var extMIME = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".heic": "image/heic",
	".gif": "image/gif", ".tif": "image/tiff", ".tiff": "image/tiff", ".mov": "video/quicktime",
	".mp4": "video/mp4", ".m4v": "video/x-m4v", ".3gp": "video/3gpp", ".m4a": "audio/mp4",
	".mp3": "audio/mpeg", ".caf": "audio/x-caf", ".amr": "audio/amr", ".vcf": "text/vcard",
	".txt": "text/plain", ".pdf": "application/pdf", ".pkpass": "application/vnd.apple.pkpass",
	".zip": "application/zip", ".webp": "image/webp",
}

// guessMIME derives a MIME type from a UTI or a file name extension, with
// fixed tables (not the host's MIME database, so that output does not
// depend on the machine); unknown types give application/octet-stream.
func msgMIME(uti, name string) string {
	if t, ok := utiMIME[uti]; ok {
		return t
	}
	if t, ok := extMIME[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return "application/octet-stream"
}

// Messages yields every message ordered by date, then ROWID, reading the
// database as it goes. Messages in Recently Deleted (iOS 16+: linked to
// their chat only by chat_recoverable_message_join) are not live
// messages and are left out.
//
// A row whose part is damaged is yielded whole, with what could be read:
// the damaged field is empty or null and the problem is listed in its
// Problems. An error alone (a nil message) means no record: a row that
// could not be read at all (a *RowError, after which iteration continues)
// or a failure of the query itself (which ends the sequence). Breaking
// out of the loop is safe. The queries run under ctx: when ctx is done,
// the running query is interrupted and the sequence ends with ctx's
// error.
func (m *MessageDB) Messages(ctx context.Context) iter.Seq2[*Message, error] {
	if m.share.madrid {
		return m.madridMessages(ctx, nil)
	}
	return m.messages(ctx, nil)
}

// MessagesInChat yields the messages of the chats whose chat_identifier or
// guid is id (an identifier may name several chats, e.g. the SMS and the
// iMessage conversation with one number), ordered as Messages. Chat and
// ChatGUID of each message are those of the matched chat. An unknown id
// yields a single error wrapping ErrNoChat. The queries run under ctx,
// as those of Messages.
func (m *MessageDB) MessagesInChat(ctx context.Context, id string) iter.Seq2[*Message, error] {
	return func(yield func(*Message, error) bool) {
		if err := m.loadChats(); err != nil {
			yield(nil, err)
			return
		}
		var ids []int64
		for _, key := range m.share.chatList {
			c := m.share.chats[key]
			if c.identifier == id || c.guid == id {
				ids = append(ids, key)
			}
		}
		if len(ids) == 0 || (!m.share.madrid && !m.has("chat_message_join", "chat_id")) {
			yield(nil, fmt.Errorf("%w: %q", ErrNoChat, id))
			return
		}
		if m.share.madrid {
			m.madridMessages(ctx, ids)(yield)
			return
		}
		m.messages(ctx, ids)(yield)
	}
}

// The columns of the message query, in scan order: the message table's
// (the required ones are those of the iOS 6+ schema; the iOS 3-5 one has
// its own, see madridColumns), then values of the joined handle and chat
// tables, selected when the join can be made (see messageQuery).
var (
	cRowID, cGUID, cText, cBody, cDate, cFromMe, cHandle, cService         int
	cDateRead, cDateDelivered, cIsRead, cSubject, cAssocGUID, cAssocType   int
	cAssocEmoji, cThread, cDateEdited, cDateRetracted, cSummary, cItemType int
	cGroupAction, cOtherHandle, cGroupTitle, cBalloon                      int
	cSender, cOtherSender, cChat, cHandleSvc, cHandleFound                 int

	messageColumns = columnsOf(
		column{at: &cRowID, name: "ROWID"},
		column{at: &cGUID, name: "guid"},
		column{at: &cText, name: "text"}, // text or attributedBody is required: see recognise
		column{at: &cBody, name: "attributedBody"},
		column{at: &cDate, name: "date", required: true},
		column{at: &cFromMe, name: "is_from_me", required: true},
		column{at: &cHandle, name: "handle_id", required: true},
		column{at: &cService, name: "service"},
		column{at: &cDateRead, name: "date_read"},
		column{at: &cDateDelivered, name: "date_delivered"},
		column{at: &cIsRead, name: "is_read"},
		column{at: &cSubject, name: "subject"},
		column{at: &cAssocGUID, name: "associated_message_guid"},
		column{at: &cAssocType, name: "associated_message_type"},
		column{at: &cAssocEmoji, name: "associated_message_emoji"},
		column{at: &cThread, name: "thread_originator_guid"},
		column{at: &cDateEdited, name: "date_edited"},
		column{at: &cDateRetracted, name: "date_retracted"},
		column{at: &cSummary, name: "message_summary_info"},
		column{at: &cItemType, name: "item_type"},
		column{at: &cGroupAction, name: "group_action_type"},
		column{at: &cOtherHandle, name: "other_handle"},
		column{at: &cGroupTitle, name: "group_title"},
		column{at: &cBalloon, name: "balloon_bundle_id"},
		column{at: &cSender, name: "handle.id", expr: "h.id", on: "h"},        // of handle_id
		column{at: &cOtherSender, name: "handle.id", expr: "oh.id", on: "oh"}, // of other_handle
		column{at: &cChat, name: "chat_message_join.chat_id", expr: "j.chat_id", on: "j"},
		column{at: &cHandleSvc, name: "handle.service", expr: "h.service", on: "h.service"},
		// NULL when handle_id names no handle
		column{at: &cHandleFound, name: "handle.ROWID", expr: "h.ROWID", on: "h"},
	)
)

func idList(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// messageQuery builds the message query. Its cost stays O(n log n) with or
// without the iOS secondary indexes:
//
//   - the order is computed over (date, ROWID) keys alone in a subquery
//     (SQLite sorts 16-byte keys, or walks message_idx_date when present),
//     and the rows are then fetched by primary key in that order (CROSS
//     JOIN keeps the subquery as the outer loop): SQLite never sorts
//     whole rows with their text and blobs, so its sorter memory stays a
//     small fraction of the database;
//   - handles are found by primary key;
//   - the chat of each message comes from one grouped pass over
//     chat_message_join (MIN(chat_id) per message), joined by an index
//     SQLite builds once, instead of a correlated subquery per row
//     (quadratic without chat_message_join_idx_message_id).
func (m *MessageDB) messageQuery(chats []int64) string {
	handleJoin := m.has("handle", "id") && m.has("message", "handle_id")
	otherJoin := m.has("handle", "id") && m.has("message", "other_handle")
	cmj := m.has("chat_message_join", "chat_id") && m.has("chat_message_join", "message_id")
	var b strings.Builder
	b.WriteString("SELECT ")
	b.WriteString(messageColumns.selectList(m.share.cols["message"], "m.ROWID", func(name string) string {
		return "m." + name
	}, func(on string) bool {
		switch on {
		case "h":
			return handleJoin
		case "oh":
			return otherJoin
		case "j":
			return cmj
		case "h.service":
			return handleJoin && m.has("handle", "service")
		}
		return false
	}))
	b.WriteString(" FROM (SELECT ROWID AS r FROM message" + m.messageWhere(chats, "ROWID"))
	if m.has("message", "date") {
		b.WriteString(" ORDER BY date, ROWID")
	} else {
		b.WriteString(" ORDER BY ROWID")
	}
	// LIMIT keeps SQLite from dropping the subquery's ORDER BY.
	b.WriteString(" LIMIT -1) o CROSS JOIN message m ON m.ROWID = o.r")
	if handleJoin {
		b.WriteString(" LEFT JOIN handle h ON h.ROWID = m.handle_id")
	}
	if otherJoin {
		b.WriteString(" LEFT JOIN handle oh ON oh.ROWID = m.other_handle")
	}
	if cmj {
		b.WriteString(" LEFT JOIN (SELECT message_id, MIN(chat_id) AS chat_id FROM chat_message_join")
		if len(chats) > 0 {
			b.WriteString(" WHERE chat_id IN (" + idList(chats) + ")")
		}
		b.WriteString(" GROUP BY message_id) j ON j.message_id = m.ROWID")
	}
	return b.String()
}

// messageWhere returns the WHERE clause selecting the live messages (of
// chats, when given) over the message ROWID expression rowid.
func (m *MessageDB) messageWhere(chats []int64, rowid string) string {
	var conds []string
	if len(chats) > 0 {
		conds = append(conds, rowid+" IN (SELECT message_id FROM chat_message_join WHERE chat_id IN ("+idList(chats)+"))")
	}
	if m.has("chat_recoverable_message_join", "message_id") {
		// Recently Deleted: the chat link moved to the recoverable join.
		q := "SELECT message_id FROM chat_recoverable_message_join"
		if m.has("chat_message_join", "message_id") {
			q += " EXCEPT SELECT message_id FROM chat_message_join"
		}
		conds = append(conds, rowid+" NOT IN ("+q+")")
	}
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// messageOrder is the ORDER BY of the side cursors over message m, in
// the message query's order.
func (m *MessageDB) messageOrder() string {
	if m.has("message", "date") {
		return " ORDER BY m.date, m.ROWID"
	}
	return " ORDER BY m.ROWID"
}

func (m *MessageDB) messages(ctx context.Context, chats []int64) iter.Seq2[*Message, error] {
	return func(yield func(*Message, error) bool) {
		if err := m.loadChats(); err != nil {
			yield(nil, err)
			return
		}
		rows, err := m.db.QueryContext(ctx, m.messageQuery(chats))
		if err != nil {
			yield(nil, fmt.Errorf("records: messages: %w", err))
			return
		}
		defer rows.Close()
		atts, err := m.openAttachments(ctx, m.messageWhere(chats, "m.ROWID"), m.messageOrder())
		if err != nil {
			yield(nil, err)
			return
		}
		defer atts.close()
		v, ptrs := messageColumns.row()
		for v, err := range eachRow(ctx, rows, "message", v, ptrs, wrapMessagesErr) {
			if err != nil {
				if _, row := err.(*RowError); !yield(nil, err) || !row {
					return // a failed cursor or ctx ends the messages
				}
				continue
			}
			if !yield(m.buildMessage(v, atts), nil) {
				return
			}
		}
		if err := atts.close(); err != nil {
			yield(nil, err)
		}
	}
}

// wrapMessagesErr names a failed cursor of the message query.
func wrapMessagesErr(err error) error { return fmt.Errorf("records: messages: %w", err) }

var reactionTypes = [...]ReactionType{ReactionLove, ReactionLike, ReactionDislike, ReactionLaugh, ReactionEmphasize, ReactionQuestion, ReactionEmoji, ReactionSticker}

func (m *MessageDB) buildMessage(v []any, atts *sideCursor[Attachment]) *Message {
	msg := &Message{
		RowID:         msgInt(v[cRowID]),
		GUID:          msgString(v[cGUID]),
		Service:       msgService(msgString(v[cService])),
		Date:          msgTime(v[cDate]),
		DateRead:      msgTime(v[cDateRead]),
		DateDelivered: msgTime(v[cDateDelivered]),
		FromMe:        msgInt(v[cFromMe]) != 0,
		IsRead:        msgInt(v[cIsRead]) != 0,
		Subject:       msgString(v[cSubject]),
		BalloonBundle: msgString(v[cBalloon]),
		Attachments:   []Attachment{},
	}
	if a := atts.take(msg.RowID); len(a) > 0 {
		msg.Attachments = a
	}
	if c := m.share.chats[msgInt(v[cChat])]; c != nil {
		msg.Chat = c.identifier
		msg.ChatGUID = c.guid
		if c.name != "" {
			name := c.name
			msg.ChatName = &name
		}
		if len(c.participants) > 0 {
			msg.Participants = slices.Clone(c.participants)
		}
		if msg.Service == "" {
			msg.Service = c.service
		}
	}
	if msg.Service == "" {
		msg.Service = msgService(msgString(v[cHandleSvc]))
	}
	if !msg.FromMe {
		if s := msgString(v[cSender]); s != "" {
			msg.Sender = &s
		} else if h := msgInt(v[cHandle]); h != 0 && v[cHandleFound] == nil && m.has("handle", "id") {
			msg.problem("handle_id %d names no handle: sender unknown", h)
		}
	}

	// Body: the text column when it has a value (it is what the device
	// shows, and wins when attributedBody disagrees), else attributedBody.
	msg.Text = msgString(v[cText])
	if msg.Text == "" {
		if body := msgBytes(v[cBody]); len(body) > 0 {
			t, lenient, err := msgBodyText(body)
			switch {
			case lenient:
				msg.problem("attributedBody: %v; text recovered by the lenient decoder", err)
			case err != nil:
				msg.problem("attributedBody: %v; text left out", err)
			}
			msg.Text = t
		}
	}

	// Tapbacks.
	if at := msgInt(v[cAssocType]); at != 0 {
		r := &Reaction{}
		switch {
		case at == 1000:
			r.Type = ReactionSticker
		case at >= 2000 && at <= 2007:
			r.Type = reactionTypes[at-2000]
		case at >= 3000 && at <= 3007:
			r.Type = reactionTypes[at-3000]
			r.Removed = true
		default:
			r = nil
		}
		if r != nil {
			r.Target, r.Part = cleanAssociatedGUID(msgString(v[cAssocGUID]))
			r.Emoji = msgString(v[cAssocEmoji])
			msg.Reaction = r
		}
	}
	if s := msgString(v[cThread]); s != "" {
		msg.ReplyTo = &s
	}

	// Edits and unsent parts.
	if t := msgTime(v[cDateEdited]); t != nil {
		msg.Edited = true
		msg.DateEdited = t
	}
	if msgTime(v[cDateRetracted]) != nil {
		msg.Unsent = true
	}
	if si := msgBytes(v[cSummary]); len(si) > 0 {
		edits, retracted, err := parseSummaryInfo(si)
		if err != nil {
			msg.problem("message_summary_info: %v", err)
		}
		if len(edits) > 0 {
			msg.Edits = edits
			msg.Edited = true
		}
		if len(retracted) > 0 {
			msg.Unsent = true
		}
		if msg.Text == "" && len(edits) > 0 {
			msg.Text = latestEditText(edits, retracted)
		}
	}

	if it := msgInt(v[cItemType]); it != 0 {
		msg.GroupEvent = msgGroupEvent(it, msgInt(v[cGroupAction]), msgInt(v[cOtherHandle]), msgInt(v[cHandle]),
			msgString(v[cOtherSender]), msgString(v[cGroupTitle]))
	}
	unreadDate(msg, "date", v[cDate], msg.Date)
	unreadDate(msg, "date_read", v[cDateRead], msg.DateRead)
	unreadDate(msg, "date_delivered", v[cDateDelivered], msg.DateDelivered)
	unreadDate(msg, "date_edited", v[cDateEdited], msg.DateEdited)
	m.checkDates(msg)
	return msg
}

// unreadDate reports a date column that holds a value (not NULL, not 0)
// that could not be read as a date at all.
func unreadDate(msg *Message, field string, raw any, t *time.Time) {
	if t != nil || raw == nil {
		return
	}
	if f, ok := asFloat(raw); ok && f == 0 {
		return
	}
	s := asString(raw)
	if f, ok := raw.(float64); ok {
		s = strconv.FormatFloat(f, 'g', -1, 64)
	}
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	msg.problem("%s: %q is not a date; left out", field, s)
}

// problem adds a problem to the message.
func (msg *Message) problem(format string, args ...any) {
	msg.Problems = append(msg.Problems, fmt.Sprintf(format, args...))
}

// checkDates leaves out (and reports) the dates outside the window the
// database can hold (time.go).
func (m *MessageDB) checkDates(msg *Message) {
	for _, f := range []struct {
		name string
		t    **time.Time
	}{{"date", &msg.Date}, {"date_read", &msg.DateRead}, {"date_delivered", &msg.DateDelivered}, {"date_edited", &msg.DateEdited}} {
		t, p := m.limits.check(f.name, *f.t)
		if p != "" {
			*f.t = t
			msg.problem("%s", p)
		}
	}
}

// msgBodyText decodes an attributedBody with the strict decoder; an
// archive without text gives "". When the strict decoder fails, the
// lenient one (typedstream.Recover: the '+'-tagged string after NSString)
// is tried: lenient is then true, and err says why the strict one failed.
func msgBodyText(b []byte) (text string, lenient bool, err error) {
	t, err := typedstream.Text(b)
	if err == nil {
		return t, false, nil
	}
	if errors.Is(err, typedstream.ErrNoText) {
		return "", false, nil
	}
	if r, ok := typedstream.Recover(b); ok {
		return r, true, err
	}
	return "", false, err
}

// latestEditText joins, in part order, the latest version of each edited
// part that was not retracted: the text shown after the last edit, used
// when the row keeps neither text nor attributedBody.
func latestEditText(edits []Edit, retracted []int) string {
	var b strings.Builder
	for i, e := range edits {
		if (i+1 == len(edits) || edits[i+1].Part != e.Part) && !slices.Contains(retracted, e.Part) {
			b.WriteString(e.Text)
		}
	}
	return b.String()
}

// cleanAssociatedGUID splits associated_message_guid ("p:N/GUID",
// "bp:GUID" or a bare GUID) into the target GUID and part.
func cleanAssociatedGUID(s string) (string, int) {
	switch {
	case strings.HasPrefix(s, "p:"):
		rest := s[2:]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			part, err := strconv.Atoi(rest[:i])
			if err != nil || part < 0 {
				part = 0
			}
			return rest[i+1:], part
		}
		return rest, 0
	case strings.HasPrefix(s, "bp:"):
		return s[3:], 0
	}
	return s, 0
}

// groupEvent interprets item_type/group_action_type (docs/FORMAT.md §10.2).
func msgGroupEvent(itemType, action, other, handle int64, otherID, title string) *GroupEvent {
	ev := &GroupEvent{Other: otherID}
	switch itemType {
	case 1:
		switch {
		case action == 1:
			ev.Kind = GroupRemoved
		case other != 0 && other == handle:
			ev.Kind = GroupNumberChanged
		default:
			ev.Kind = GroupAdded
		}
	case 2:
		ev.Kind = GroupRenamed
		ev.Title = title
	case 3:
		switch action {
		case 0:
			ev.Kind = GroupLeft
		case 1:
			ev.Kind = GroupIconChanged
		case 2:
			ev.Kind = GroupIconRemoved
		case 4:
			ev.Kind = GroupBackgroundChanged
		case 6:
			ev.Kind = GroupBackgroundRemoved
		default:
			ev.Kind = GroupEventKind("group-action-" + strconv.FormatInt(action, 10))
		}
	case 4:
		ev.Kind = GroupLocationSharing
	case 5:
		ev.Kind = GroupAudioKept
	case 6:
		ev.Kind = GroupFaceTime
	default:
		ev.Kind = GroupEventKind("item-type-" + strconv.FormatInt(itemType, 10))
	}
	return ev
}

// msgService returns message.service as stored, except that the lower
// case "rcs" some devices write becomes "RCS".
func msgService(s string) string {
	if strings.EqualFold(s, "rcs") {
		return "RCS"
	}
	return s
}

// msgInt and msgString are asInt and asString (contacts.go) for the
// message columns, with 0 for what is not a number.
func msgInt(v any) int64 {
	n, _ := asInt(v)
	return n
}

func msgString(v any) string { return asString(v) }

func msgBytes(v any) []byte {
	switch x := v.(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return nil
}

// msgTime converts a 2001-epoch column (seconds or nanoseconds, decided
// per value) stored as an integer, a real or a numeric string.
func msgTime(v any) *time.Time {
	switch x := v.(type) {
	case int64:
		return appleTimeInt(x)
	case float64:
		return appleTime(x)
	case []byte, string:
		s := msgString(x)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return appleTimeInt(n)
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return appleTime(f)
		}
	}
	return nil
}
