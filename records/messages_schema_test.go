package records

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

var mdT0 = time.Date(2011, 11, 1, 10, 0, 0, 0, time.UTC)

func mdAt(min int) time.Time { return mdT0.Add(time.Duration(min) * time.Minute) }

// mdScenario is an iOS 5 sms.db (iOS 4 without the iMessage rows): SMS
// both ways, a sent MMS to a group (address NULL, recipients plist,
// pieces), iMessages one-to-one and in a room with an attachment, an
// unknown flags value, rows whose ROWID order is not their date order,
// and a date that cannot be right.
func mdScenario(ios4 bool) dbfixture.MadridData {
	d := dbfixture.MadridData{
		IOS4:     ios4,
		UniqueID: "UID-1",
		Groups: []dbfixture.MadridGroup{
			{RowID: 1, Type: 0, Members: []string{"+15550100"}},
			{RowID: 2, Type: 1, Members: []string{"+15550101", "+15550102"}},
		},
		Messages: []dbfixture.MadridMessage{
			{RowID: 1, Address: "+15550100", Date: mdAt(0), Text: "hi", Flags: 2, GroupID: 1, Read: true},
			{RowID: 2, Recipients: []string{"+15550101", "+15550102"}, Date: mdAt(1), NullText: true, Flags: 3, GroupID: 2, Read: true, Subject: "Pic"},
			{RowID: 6, Address: "+15550100", Date: mdAt(7), Text: "odd", Flags: 129, GroupID: 1},
			{RowID: 7, Address: "+15550100", Date: mdAt(-60), Text: "earlier", Flags: 2, GroupID: 1, Read: true},
			{RowID: 8, Address: "+15550100", Text: "ancient", Flags: 3, GroupID: 1, Raw: map[string]any{"date": 5}},
		},
		Pieces: []dbfixture.MadridPiece{
			{RowID: 1, MessageID: 2, PartID: 0},
			{RowID: 2, MessageID: 2, PartID: 1, ContentType: "text/plain", Data: []byte("Look"), ContentLoc: "text_0001.txt", ContentID: "2"},
			{RowID: 3, MessageID: 2, PartID: 2, ContentType: "image/png", Data: []byte("PNGDATA"), ContentLoc: "pic.png", ContentID: "1"},
		},
	}
	if ios4 {
		d.UniqueID = ""
		return d
	}
	d.Messages = append(d.Messages,
		dbfixture.MadridMessage{RowID: 3, Madrid: true, GUID: "IM-3", Handle: "friend@example.com", Service: "iMessage", MadridFlags: 12289,
			Date: mdAt(2), DateRead: mdAt(3), Text: "from iMessage", Read: true},
		dbfixture.MadridMessage{RowID: 4, Madrid: true, GUID: "IM-4", Handle: "friend@example.com", Service: "iMessage", MadridFlags: 102405,
			Date: mdAt(4), DateDelivered: mdAt(5), Text: "\uFFFC"},
		dbfixture.MadridMessage{RowID: 5, Madrid: true, GUID: "IM-5", Handle: "+15550101", Service: "iMessage", RoomName: "chat999", MadridFlags: 12289,
			Date: mdAt(6), Text: "room msg"},
	)
	d.Chats = []dbfixture.MadridChat{
		{RowID: 1, GUID: "iMessage;-;friend@example.com", Identifier: "friend@example.com", Service: "iMessage", Style: 45, Participants: []string{"friend@example.com"}},
		{RowID: 2, GUID: "iMessage;+;chat999", Identifier: "chat999", Service: "iMessage", RoomName: "chat999", Style: 43, Participants: []string{"+15550101", "friend@example.com"}},
	}
	d.Attachments = []dbfixture.MadridAttachment{
		{RowID: 1, GUID: "ATT-IM", MessageID: 4, Filename: "~/Library/SMS/Attachments/ab/01/ATT-IM/IMG_9.JPG", MIME: "image/jpeg", UTI: "public.jpeg", Created: mdAt(4)},
	}
	return d
}

// msgSummary is a one-line digest of every field a madrid row fills.
func msgSummary(m *Message) string {
	ts := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	sender := "-"
	if m.Sender != nil {
		sender = *m.Sender
	}
	var atts []string
	for _, a := range m.Attachments {
		atts = append(atts, fmt.Sprintf("%s %s %d %s/%s missing=%v", a.Name, a.MIME, a.Size, a.Domain, a.Path, a.Missing))
	}
	return fmt.Sprintf("%d %s chat=%s(%s) parts=%v %s date=%s read=%s delivered=%s from_me=%v sender=%s text=%q subject=%q is_read=%v atts=%v problems=%q",
		m.RowID, m.GUID, m.Chat, m.ChatGUID, m.Participants, m.Service, ts(m.Date), ts(m.DateRead), ts(m.DateDelivered),
		m.FromMe, sender, m.Text, m.Subject, m.IsRead, atts, m.Problems)
}

func TestMadridSynthetic(t *testing.T) {
	for _, ios4 := range []bool{false, true} {
		for _, noIdx := range []bool{false, true} {
			t.Run(fmt.Sprintf("ios4=%v/noindexes=%v", ios4, noIdx), func(t *testing.T) {
				d := mdScenario(ios4)
				d.NoIndexes = noIdx
				img, err := dbfixture.SMSMadrid(d)
				if err != nil {
					t.Fatal(err)
				}
				db, err := OpenMessages(dbfixture.FS(devicepath.SMS, img, nil))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				id := func(n int) string {
					if ios4 {
						return fmt.Sprintf("x-sms-rowid:%d", n)
					}
					return fmt.Sprintf("x-sms-rowid:UID-1/%d", n)
				}
				g1 := "chat=+15550100(msg_group:1) parts=[+15550100]"
				want := []string{
					"8 " + id(8) + " " + g1 + ` SMS date=- read=- delivered=- from_me=true sender=- text="ancient" subject="" is_read=false atts=[] problems=["date: 1970-01-01T00:00:05Z is before 2007-01-01; left out"]`,
					"7 " + id(7) + " " + g1 + ` SMS date=2011-11-01T09:00:00Z read=- delivered=- from_me=false sender=+15550100 text="earlier" subject="" is_read=true atts=[] problems=[]`,
					"1 " + id(1) + " " + g1 + ` SMS date=2011-11-01T10:00:00Z read=- delivered=- from_me=false sender=+15550100 text="hi" subject="" is_read=true atts=[] problems=[]`,
					"2 " + id(2) + ` chat=msg_group:2(msg_group:2) parts=[+15550101 +15550102] MMS date=2011-11-01T10:01:00Z read=- delivered=- from_me=true sender=- text="Look" subject="Pic" is_read=true atts=[pic.png image/png 7 / missing=true] problems=[]`,
				}
				if !ios4 {
					want = append(want,
						`3 IM-3 chat=friend@example.com(iMessage;-;friend@example.com) parts=[friend@example.com] iMessage date=2011-11-01T10:02:00Z read=2011-11-01T10:03:00Z delivered=- from_me=false sender=friend@example.com text="from iMessage" subject="" is_read=true atts=[] problems=[]`,
						`4 IM-4 chat=friend@example.com(iMessage;-;friend@example.com) parts=[friend@example.com] iMessage date=2011-11-01T10:04:00Z read=- delivered=2011-11-01T10:05:00Z from_me=true sender=- text="`+"\uFFFC"+`" subject="" is_read=false atts=[IMG_9.JPG image/jpeg 0 MediaDomain/Library/SMS/Attachments/ab/01/ATT-IM/IMG_9.JPG missing=true] problems=[]`,
						`5 IM-5 chat=chat999(iMessage;+;chat999) parts=[+15550101 friend@example.com] iMessage date=2011-11-01T10:06:00Z read=- delivered=- from_me=false sender=+15550101 text="room msg" subject="" is_read=false atts=[] problems=[]`,
					)
				}
				want = append(want, "6 "+id(6)+" "+g1+` SMS date=2011-11-01T10:07:00Z read=- delivered=- from_me=true sender=- text="odd" subject="" is_read=false atts=[] problems=["flags 129 is not a known value; direction taken from bit 0"]`)
				var got []string
				for _, m := range collect(t, db.Messages(context.Background())) {
					got = append(got, msgSummary(m))
				}
				if len(got) != len(want) {
					t.Fatalf("%d messages, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Errorf("message %d:\n got %s\nwant %s", i, got[i], want[i])
					}
				}

				chats, err := db.ChatSummaries()
				if err != nil {
					t.Fatal(err)
				}
				var cs []string
				for _, c := range chats {
					cs = append(cs, fmt.Sprintf("%d %s %s %s group=%v %v n=%d %s..%s", c.RowID, c.GUID, c.Identifier, c.Service, c.Group,
						c.Participants, c.Messages, c.First.Format("15:04"), c.Last.Format("15:04")))
				}
				wantChats := []string{
					"1 msg_group:1 +15550100 SMS group=false [+15550100] n=4 09:00..10:07",
					"2 msg_group:2 msg_group:2 MMS group=true [+15550101 +15550102] n=1 10:01..10:01",
				}
				if !ios4 {
					wantChats = append(wantChats,
						"1 iMessage;-;friend@example.com friend@example.com iMessage group=false [friend@example.com] n=2 10:02..10:04",
						"2 iMessage;+;chat999 chat999 iMessage group=true [+15550101 friend@example.com] n=1 10:06..10:06")
				}
				if !slices.Equal(cs, wantChats) {
					t.Errorf("chats:\n%s\nwant\n%s", strings.Join(cs, "\n"), strings.Join(wantChats, "\n"))
				}

				var ids []int64
				for _, m := range collect(t, db.MessagesInChat(context.Background(), "+15550100")) {
					ids = append(ids, m.RowID)
				}
				if !slices.Equal(ids, []int64{8, 7, 1, 6}) {
					t.Errorf("MessagesInChat(+15550100) = %v", ids)
				}
				if !ios4 {
					ids = ids[:0]
					for _, m := range collect(t, db.MessagesInChat(context.Background(), "friend@example.com")) {
						ids = append(ids, m.RowID)
					}
					if !slices.Equal(ids, []int64{3, 4}) {
						t.Errorf("MessagesInChat(friend@example.com) = %v", ids)
					}
				}
			})
		}
	}
}

// TestMessagesBackupDate: with the backup's date known, a message dated
// later than that plus one day is left undated and says why; the day of
// slack itself is accepted. A bare file only has the 2007 bound.
func TestMessagesBackupDate(t *testing.T) {
	backupDate := time.Date(2023, 5, 1, 12, 0, 0, 0, time.UTC)
	data := dbfixture.SMSData{
		Handles: []dbfixture.SMSHandle{{RowID: 1, ID: "+15550001"}},
		Messages: []dbfixture.SMSMessage{
			{RowID: 1, GUID: "OK", Text: "a", Handle: 1, Date: backupDate.Add(23 * time.Hour)},
			{RowID: 2, GUID: "FUTURE", Text: "b", Handle: 1, Date: backupDate.Add(25 * time.Hour), DateRead: backupDate.Add(26 * time.Hour)},
			{RowID: 3, GUID: "EARLY", Text: "c", Handle: 1, Date: time.Date(2006, 12, 31, 0, 0, 0, 0, time.UTC)},
			{RowID: 4, GUID: "TEXTDATE", Text: "d", Handle: 1, Raw: map[string]any{"date": "yesterday"}},
		},
	}
	img, err := dbfixture.SMS(dbfixture.SMSiOS14, data)
	if err != nil {
		t.Fatal(err)
	}
	db, err := OpenMessages(dbfixture.FS(devicepath.SMS, img, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bare := collect(t, db.Messages(context.Background()))
	if bare[1].Date == nil || bare[1].Problems != nil {
		t.Errorf("bare file: the future date is within 2100: %v %q", bare[1].Date, bare[1].Problems)
	}
	if bare[0].GUID != "EARLY" || bare[0].Date != nil || len(bare[0].Problems) != 1 ||
		bare[0].Problems[0] != "date: 2006-12-31T00:00:00Z is before 2007-01-01; left out" {
		t.Errorf("early date: %s %v %q", bare[0].GUID, bare[0].Date, bare[0].Problems)
	}
	if bare[3].GUID != "TEXTDATE" || bare[3].Date != nil || !slices.Equal(bare[3].Problems, []string{`date: "yesterday" is not a date; left out`}) {
		t.Errorf("text date: %s %v %q", bare[3].GUID, bare[3].Date, bare[3].Problems)
	}
	got := collect(t, db.WithBackupDate(backupDate).Messages(context.Background()))
	if got[1].GUID != "OK" || got[1].Date == nil || got[1].Problems != nil {
		t.Errorf("within a day of the backup: %v %q", got[1].Date, got[1].Problems)
	}
	want := []string{
		"date: 2023-05-02T13:00:00Z is after 2023-05-02T12:00:00Z; left out",
		"date_read: 2023-05-02T14:00:00Z is after 2023-05-02T12:00:00Z; left out",
	}
	if got[2].GUID != "FUTURE" || got[2].Date != nil || got[2].DateRead != nil || !slices.Equal(got[2].Problems, want) {
		t.Errorf("future: %s %v %v %q", got[2].GUID, got[2].Date, got[2].DateRead, got[2].Problems)
	}
}

// schemaDB builds a database from DDL statements.
func schemaDB(t *testing.T, stmts ...string) []byte {
	t.Helper()
	img, err := sqlitemem.Build(func(c *sql.Conn) error {
		for _, s := range stmts {
			if _, err := c.ExecContext(context.Background(), s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestMessagesUnsupportedSchema(t *testing.T) {
	cases := []struct {
		name    string
		stmts   []string
		table   string
		missing []string
		msg     string
	}{
		{"renamed table", []string{"CREATE TABLE messages (ROWID INTEGER PRIMARY KEY, guid TEXT, text TEXT, handle_id INTEGER, is_from_me INTEGER, date INTEGER)"},
			"message", nil, "records: sms.db: unsupported schema: no table message"},
		{"modern without is_from_me", []string{"CREATE TABLE message (ROWID INTEGER PRIMARY KEY, guid TEXT, text TEXT, handle_id INTEGER, date INTEGER)"},
			"message", []string{"is_from_me"}, "records: sms.db: unsupported schema: table message lacks columns is_from_me"},
		{"modern without a body", []string{"CREATE TABLE message (ROWID INTEGER PRIMARY KEY, guid TEXT, handle_id INTEGER, is_from_me INTEGER, date INTEGER)"},
			"message", []string{"text", "attributedBody"}, "records: sms.db: unsupported schema: table message lacks columns text, attributedBody"},
		{"handle without id", []string{
			"CREATE TABLE message (ROWID INTEGER PRIMARY KEY, text TEXT, handle_id INTEGER, is_from_me INTEGER, date INTEGER)",
			"CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, address TEXT)"},
			"handle", []string{"id"}, "records: sms.db: unsupported schema: table handle lacks columns id"},
		{"join without message_id", []string{
			"CREATE TABLE message (ROWID INTEGER PRIMARY KEY, text TEXT, handle_id INTEGER, is_from_me INTEGER, date INTEGER)",
			"CREATE TABLE chat_message_join (chat_id INTEGER, msg INTEGER)"},
			"chat_message_join", []string{"message_id"}, "records: sms.db: unsupported schema: table chat_message_join lacks columns message_id"},
		{"iOS 5 without flags", []string{"CREATE TABLE message (ROWID INTEGER PRIMARY KEY, address TEXT, date INTEGER, text TEXT)"},
			"message", []string{"flags"}, "records: sms.db: unsupported schema: table message lacks columns flags"},
		{"neither schema", []string{"CREATE TABLE message (ROWID INTEGER PRIMARY KEY, body TEXT, sent INTEGER)"},
			"message", []string{"text", "attributedBody"}, "records: sms.db: unsupported schema: table message lacks columns text, attributedBody"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := OpenMessages(dbfixture.FS(devicepath.SMS, schemaDB(t, c.stmts...), nil))
			var ue *UnsupportedError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v, want *UnsupportedError", err)
			}
			if ue.Database != "sms.db" || ue.Table != c.table || !slices.Equal(ue.Missing, c.missing) || err.Error() != c.msg ||
				!errors.Is(err, errors.ErrUnsupported) {
				t.Errorf("error %q (%+v), want %q", err, ue, c.msg)
			}
		})
	}
}

// TestMessagesFutureSchema: a later iOS that adds columns and tables
// still reads, with the same values.
func TestMessagesFutureSchema(t *testing.T) {
	base, _ := fxScenario(dbfixture.SMSiOS18)
	img, err := dbfixture.SMS(dbfixture.SMSiOS18, base)
	if err != nil {
		t.Fatal(err)
	}
	base.Extra = []string{
		"ALTER TABLE message ADD COLUMN is_future_flag INTEGER DEFAULT 7",
		"ALTER TABLE message ADD COLUMN future_blob BLOB",
		"ALTER TABLE handle ADD COLUMN future_text TEXT",
		"ALTER TABLE chat ADD COLUMN future_state INTEGER",
		"CREATE TABLE message_future_join (message_id INTEGER, future_id INTEGER)",
	}
	fut, err := dbfixture.SMS(dbfixture.SMSiOS18, base)
	if err != nil {
		t.Fatal(err)
	}
	a, err := OpenMessages(dbfixture.FS(devicepath.SMS, img, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenMessages(dbfixture.FS(devicepath.SMS, fut, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if g, w := jsonOf(t, collect(t, b.Messages(context.Background()))), jsonOf(t, collect(t, a.Messages(context.Background()))); g != w || len(w) < 100 {
		t.Errorf("future schema reads differently:\n%s\nwant\n%s", g, w)
	}
}

// TestSyntheticErasWithoutIndexes: every era reads the same without the
// secondary indexes iOS creates (a rebuilt or carved database).
func TestSyntheticErasWithoutIndexes(t *testing.T) {
	for _, era := range dbfixture.SMSEras {
		t.Run(era.String(), func(t *testing.T) {
			base, tail := fxScenario(era)
			base.Messages = append(base.Messages, tail.Messages...)
			base.NoIndexes = true
			img, err := dbfixture.SMS(era, base)
			if err != nil {
				t.Fatal(err)
			}
			fsys := fxBackup(t, era)
			delete(fsys, devicepath.SMS+"-wal")
			fsys[devicepath.SMS].Data = img
			db, err := OpenMessages(fsys)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int
			if err := db.db.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").Scan(&n); err != nil || n != 0 {
				t.Fatalf("%d indexes (%v)", n, err)
			}
			if g, w := jsonOf(t, collect(t, db.Messages(context.Background()))), jsonOf(t, fxExpected(era)); g != w {
				t.Errorf("without indexes:\n%s\nwant\n%s", g, w)
			}
		})
	}
}

// TestMessagesDateOrder: rows whose ROWID order is not their date order
// come out by date, each with its own attachments, with and without
// indexes.
func TestMessagesDateOrder(t *testing.T) {
	for _, noIdx := range []bool{false, true} {
		data := dbfixture.SMSData{
			NoIndexes: noIdx,
			Handles:   []dbfixture.SMSHandle{{RowID: 1, ID: "+15550001"}},
			Chats:     []dbfixture.SMSChat{{RowID: 1, GUID: "SMS;-;+15550001", Identifier: "+15550001", Service: "SMS", Handles: []int64{1}}},
			Attachments: []dbfixture.SMSAttachment{
				{RowID: 1, GUID: "A1", Filename: "~/Library/SMS/Attachments/a/1/A1/one.jpg", TransferName: "one.jpg"},
				{RowID: 2, GUID: "A2", Filename: "~/Library/SMS/Attachments/a/2/A2/two.jpg", TransferName: "two.jpg"},
				{RowID: 3, GUID: "A3", Filename: "~/Library/SMS/Attachments/a/3/A3/three.jpg", TransferName: "three.jpg"},
			},
			Messages: []dbfixture.SMSMessage{
				{RowID: 1, GUID: "M1", Text: "third", Handle: 1, Date: fxAt(3), Chats: []int64{1}, Attachments: []int64{1, 3}},
				{RowID: 2, GUID: "M2", Text: "first", Handle: 1, Date: fxAt(1), Chats: []int64{1}, Attachments: []int64{2}},
				{RowID: 3, GUID: "M3", Text: "second", Handle: 1, Date: fxAt(2), Chats: []int64{1}},
				{RowID: 4, GUID: "M4", Text: "also second", Handle: 1, Date: fxAt(2)},
			},
		}
		img, err := dbfixture.SMS(dbfixture.SMSiOS18, data)
		if err != nil {
			t.Fatal(err)
		}
		db, err := OpenMessages(dbfixture.FS(devicepath.SMS, img, nil))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range collect(t, db.Messages(context.Background())) {
			s := m.GUID + ":" + m.Chat
			for _, a := range m.Attachments {
				s += ":" + a.Name
			}
			got = append(got, s)
		}
		db.Close()
		want := []string{"M2:+15550001:two.jpg", "M3:+15550001", "M4:", "M1:+15550001:one.jpg:three.jpg"}
		if !slices.Equal(got, want) {
			t.Errorf("noindexes=%v: %v, want %v", noIdx, got, want)
		}
	}
}

// TestRecentlyDeletedLeftOut: on iOS 16+, a message whose chat link moved
// to chat_recoverable_message_join (Recently Deleted) is not a live
// message: it is left out of Messages, MessagesInChat and the chat
// counts, and its attachment does not shift the others.
func TestRecentlyDeletedLeftOut(t *testing.T) {
	for _, era := range []dbfixture.SMSEra{dbfixture.SMSiOS16, dbfixture.SMSiOS18} {
		for _, noIdx := range []bool{false, true} {
			data := dbfixture.SMSData{
				NoIndexes: noIdx,
				Handles:   []dbfixture.SMSHandle{{RowID: 1, ID: "+15550001"}, {RowID: 2, ID: "+15550002"}},
				Chats: []dbfixture.SMSChat{
					{RowID: 1, GUID: "iMessage;-;+15550001", Identifier: "+15550001", Service: "iMessage", Handles: []int64{1}},
					{RowID: 2, GUID: "iMessage;-;+15550002", Identifier: "+15550002", Service: "iMessage", Handles: []int64{2}},
				},
				Attachments: []dbfixture.SMSAttachment{
					{RowID: 1, GUID: "A-DEL", Filename: "~/Library/SMS/Attachments/d/1/A-DEL/gone.jpg", TransferName: "gone.jpg"},
					{RowID: 2, GUID: "A-LIVE", Filename: "~/Library/SMS/Attachments/l/2/A-LIVE/kept.jpg", TransferName: "kept.jpg"},
				},
				Messages: []dbfixture.SMSMessage{
					{RowID: 1, GUID: "LIVE-1", Text: "kept", Handle: 1, Date: fxAt(1), Chats: []int64{1}},
					{RowID: 2, GUID: "DELETED", Text: "in Recently Deleted", Handle: 1, Date: fxAt(2), Chats: []int64{1},
						Attachments: []int64{1}, Recoverable: true, DeleteDate: fxAt(10)},
					{RowID: 3, GUID: "LIVE-3", Text: "kept too", Handle: 2, Date: fxAt(3), Chats: []int64{2}, Attachments: []int64{2}},
				},
			}
			img, err := dbfixture.SMS(era, data)
			if err != nil {
				t.Fatal(err)
			}
			db, err := OpenMessages(dbfixture.FS(devicepath.SMS, img, nil))
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.db.QueryRow("SELECT count(*) FROM chat_recoverable_message_join WHERE message_id = 2 AND delete_date != 0").Scan(&n); err != nil || n != 1 {
				t.Fatalf("fixture: %d recoverable rows (%v)", n, err)
			}
			var got []string
			for _, m := range collect(t, db.Messages(context.Background())) {
				s := m.GUID + ":" + m.Chat
				for _, a := range m.Attachments {
					s += ":" + a.Name
				}
				got = append(got, s)
			}
			if want := []string{"LIVE-1:+15550001", "LIVE-3:+15550002:kept.jpg"}; !slices.Equal(got, want) {
				t.Errorf("%v noindexes=%v: %v, want %v", era, noIdx, got, want)
			}
			in := collect(t, db.MessagesInChat(context.Background(), "+15550001"))
			if len(in) != 1 || in[0].GUID != "LIVE-1" {
				t.Errorf("MessagesInChat: %d messages", len(in))
			}
			chats, err := db.ChatSummaries()
			if err != nil {
				t.Fatal(err)
			}
			if chats[0].Messages != 1 || chats[1].Messages != 1 || !chats[0].Last.Equal(fxAt(1).Truncate(time.Microsecond)) {
				t.Errorf("chat counts %d %d, last %v", chats[0].Messages, chats[1].Messages, chats[0].Last)
			}
			db.Close()
		}
	}
}

func TestChatSummaries(t *testing.T) {
	for _, era := range []dbfixture.SMSEra{dbfixture.SMSiOS6, dbfixture.SMSiOS18} {
		db, err := OpenMessages(fxBackup(t, era))
		if err != nil {
			t.Fatal(err)
		}
		chats, err := db.ChatSummaries()
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		// iOS 6: MSG-1, 2 in the 1:1 chat; MSG-3, 12 in the group.
		// iOS 18: MSG-1, 2, 4-9 and MSG-3, 10, 11, 12.
		want := [][3]any{{2, fxAt(0), fxAt(1)}, {2, fxAt(3), fxAt(14)}}
		if era == dbfixture.SMSiOS18 {
			want = [][3]any{{8, fxAt(0), fxAt(10)}, {4, fxAt(3), fxAt(14)}}
		}
		for i, w := range want {
			c := chats[i]
			first, last := w[1].(time.Time), w[2].(time.Time)
			if !era.Nanoseconds() {
				first, last = first.Truncate(time.Second), last.Truncate(time.Second)
			}
			if c.Messages != w[0].(int) || c.First == nil || !c.First.Equal(first) || c.Last == nil || !c.Last.Equal(last) {
				t.Errorf("%v chat %s: %d %v..%v, want %v", era, c.Identifier, c.Messages, c.First, c.Last, w)
			}
		}
	}
}

// TestMessageQueryPlanLinear guards against quadratic plans on databases
// without the iOS indexes: the message query's outer loop is the ordered
// key subquery, and every table joined inside it is reached by a search
// (primary key or an index SQLite builds once), never by a scan per row.
func TestMessageQueryPlanLinear(t *testing.T) {
	base, _ := fxScenario(dbfixture.SMSiOS18)
	base.NoIndexes, base.RecentlyDeleted = true, true
	img, err := dbfixture.SMS(dbfixture.SMSiOS18, base)
	if err != nil {
		t.Fatal(err)
	}
	db, err := OpenMessages(dbfixture.FS(devicepath.SMS, img, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, chats := range [][]int64{nil, {1, 2}} {
		rows, err := db.db.Query("EXPLAIN QUERY PLAN " + db.messageQuery(chats))
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			if parent == 0 {
				plan = append(plan, detail)
			}
		}
		rows.Close()
		outer := slices.Index(plan, "SCAN o")
		if outer < 0 {
			t.Fatalf("no outer scan of the ordered keys:\n%s", strings.Join(plan, "\n"))
		}
		for _, step := range plan[outer+1:] {
			if !strings.HasPrefix(step, "SEARCH ") && !strings.HasPrefix(step, "BLOOM FILTER") {
				t.Errorf("step %q inside the message loop:\n%s", step, strings.Join(plan, "\n"))
			}
		}
		for _, step := range plan {
			if strings.Contains(step, "CORRELATED") {
				t.Errorf("correlated subquery: %q", step)
			}
		}
	}
}

// TestMadridHostileValues: columns holding what the schema does not
// promise (text dates, blob addresses, garbage plists, dangling groups)
// give records with problems or empty fields, never a panic or a lost row.
func TestMadridHostileValues(t *testing.T) {
	d := dbfixture.MadridData{
		UniqueID: "U",
		Groups:   []dbfixture.MadridGroup{{RowID: 1, Members: []string{"+1"}}},
		Messages: []dbfixture.MadridMessage{
			{RowID: 1, Flags: 2, GroupID: 1, Raw: map[string]any{"date": "1331431689", "address": []byte{0xff, 0xfe}}},
			{RowID: 2, Flags: 3, GroupID: 99, Date: mdAt(1), Raw: map[string]any{"recipients": []byte("bplist00garbage")}},
			{RowID: 3, Madrid: true, GUID: "IM", MadridFlags: -1, Date: mdAt(2), Raw: map[string]any{"madrid_roomname": "nosuchroom",
				"madrid_attributedBody": []byte("\x04\x0bstreamtyped\x81\xe8\x03\x84"), "text": nil, "madrid_date_read": int64(9e18)}},
			{RowID: 4, Flags: 2, Date: mdAt(3), Raw: map[string]any{"date": 1e300}},
		},
		Pieces: []dbfixture.MadridPiece{
			{RowID: 1, MessageID: 2, PartID: 0, ContentType: "\x00weird/type", Data: []byte{1, 2, 3}},
			{RowID: 2, MessageID: 2, PartID: 1, ContentType: "text/plain", Data: []byte{0xff}},
			{RowID: 3, MessageID: 77, PartID: 0, ContentType: "text/plain", Data: []byte("orphan part")},
		},
		Chats: []dbfixture.MadridChat{{RowID: 1, GUID: "g", Identifier: "x", RoomName: "r", Style: 43}},
	}
	img, err := dbfixture.SMSMadrid(d)
	if err != nil {
		t.Fatal(err)
	}
	db, err := OpenMessages(dbfixture.FS(devicepath.SMS, img, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got []string
	for _, m := range collect(t, db.Messages(context.Background())) {
		got = append(got, msgSummary(m))
	}
	// A text date sorts after the numbers (SQLite's order), but is read.
	want := []string{
		`2 x-sms-rowid:U/2 chat=() parts=[] MMS date=2011-11-01T10:01:00Z read=- delivered=- from_me=true sender=- text="\xff" subject="" is_read=false atts=[ ` + "\x00" + `weird/type 3 / missing=true] problems=[]`,
		`3 IM chat=() parts=[] iMessage date=2011-11-01T10:02:00Z read=- delivered=- from_me=true sender=- text="" subject="" is_read=false atts=[] problems=["madrid_flags -1 is not a known value; direction taken from bit 2" "madrid_attributedBody: typedstream: offset 17: unexpected end of data; text left out" "date_read: 2286-03-14T16:00:00Z is after 2100-01-01T00:00:00Z; left out"]`,
		"1 x-sms-rowid:U/1 chat=+1(msg_group:1) parts=[+1] SMS date=2012-03-11T02:08:09Z read=- delivered=- from_me=false sender=\xff\xfe" + ` text="" subject="" is_read=false atts=[] problems=[]`,
		`4 x-sms-rowid:U/4 chat=() parts=[] SMS date=- read=- delivered=- from_me=false sender=- text="" subject="" is_read=false atts=[] problems=["date: \"1e+300\" is not a date; left out"]`,
	}
	if len(got) != len(want) {
		t.Fatalf("%d messages:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d:\n got %q\nwant %q", i, got[i], want[i])
		}
	}
}
