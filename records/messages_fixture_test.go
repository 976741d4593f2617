package records

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/internal/sqlitemem"
	"github.com/iosbackup/iosbackup/records/typedstream"
)

var fxBase = time.Date(2023, 5, 1, 9, 30, 12, 345e6, time.UTC)

func fxAt(min int) time.Time { return fxBase.Add(time.Duration(min) * time.Minute) }

const (
	fxAttPresent = "~/Library/SMS/Attachments/0a/10/ATT-1/IMG_0001.JPG"
	fxAttMissing = "/var/mobile/Library/SMS/Attachments/0b/11/ATT-2/voice.caf"
)

// fxScenario is the content of the synthetic sms.db of every era: what a
// device of that era could have written (reactions from iOS 10, replies
// from iOS 14, edits/unsend from iOS 16, custom emoji from iOS 17/18).
func fxScenario(era dbfixture.SMSEra) (base, tail dbfixture.SMSData) {
	base.Handles = []dbfixture.SMSHandle{
		{RowID: 1, ID: "+15551230001"},
		{RowID: 2, ID: "+15551230002", Service: "SMS"},
		{RowID: 3, ID: "friend@example.com"},
	}
	base.Chats = []dbfixture.SMSChat{
		{RowID: 1, GUID: "iMessage;-;+15551230001", Identifier: "+15551230001", Service: "iMessage", Handles: []int64{1}},
		{RowID: 2, GUID: "iMessage;+;chat123456", Identifier: "chat123456", Service: "iMessage", DisplayName: "Weekend Plans", Group: true, Handles: []int64{1, 2, 3}},
	}
	base.Attachments = []dbfixture.SMSAttachment{
		{RowID: 1, GUID: "ATT-1", Filename: fxAttPresent, MIME: "image/jpeg", UTI: "public.jpeg", TransferName: "IMG_0001.JPG", Size: 12345, Created: fxAt(1), Outgoing: true},
		{RowID: 2, GUID: "ATT-2", Filename: fxAttMissing, UTI: "com.apple.coreaudio-format", Size: 999, Created: fxAt(1), Outgoing: true},
	}
	m := []dbfixture.SMSMessage{
		{RowID: 1, GUID: "MSG-1", Text: "Hello there", Handle: 1, Service: "iMessage", Date: fxAt(0), DateRead: fxAt(2), IsRead: true, Chats: []int64{1}},
		{RowID: 2, GUID: "MSG-2", Text: "\uFFFC\uFFFCLook", FromMe: true, Handle: 1, Service: "iMessage", Date: fxAt(1), DateDelivered: fxAt(1).Add(time.Second), Subject: "Pics", Chats: []int64{1}, Attachments: []int64{1, 2}},
		{RowID: 3, GUID: "MSG-3", Text: "Group hi", Handle: 2, Service: "rcs", Date: fxAt(3), Chats: []int64{2}},
	}
	if era >= dbfixture.SMSiOS11 {
		m = append(m,
			dbfixture.SMSMessage{RowID: 4, GUID: "MSG-4", Text: "Liked “Look”", Handle: 1, Service: "iMessage", Date: fxAt(4), Chats: []int64{1}, AssociatedGUID: "p:2/MSG-2", AssociatedType: 2001},
			dbfixture.SMSMessage{RowID: 5, GUID: "MSG-5", Text: "Removed a like from “Look”", Handle: 1, Service: "iMessage", Date: fxAt(5), Chats: []int64{1}, AssociatedGUID: "p:2/MSG-2", AssociatedType: 3001},
		)
	}
	if era >= dbfixture.SMSiOS18 {
		m = append(m, dbfixture.SMSMessage{RowID: 6, GUID: "MSG-6", Text: "Reacted 🎉 to “Hello there”", FromMe: true, Handle: 1, Service: "iMessage", Date: fxAt(6), Chats: []int64{1}, AssociatedGUID: "bp:MSG-1", AssociatedType: 2006, AssociatedEmoji: "🎉"})
	}
	if era >= dbfixture.SMSiOS14 {
		m = append(m, dbfixture.SMSMessage{RowID: 7, GUID: "MSG-7", Text: "Replying", FromMe: true, Handle: 1, Service: "iMessage", Date: fxAt(7), Chats: []int64{1}, ThreadOriginator: "MSG-1", ThreadPart: "0:0:11"})
	}
	if era >= dbfixture.SMSiOS16 {
		edited, err := dbfixture.SummaryInfo([]dbfixture.SMSEdit{
			{Part: 0, Date: fxAt(8), Text: "Original"},
			{Part: 0, Date: fxAt(9).Add(250 * time.Millisecond), Text: "Edited text"},
		}, nil)
		if err != nil {
			panic(err)
		}
		unsent, err := dbfixture.SummaryInfo(nil, []int{0})
		if err != nil {
			panic(err)
		}
		m = append(m,
			dbfixture.SMSMessage{RowID: 8, GUID: "MSG-8", Text: "Edited text", FromMe: true, Handle: 1, Service: "iMessage", Date: fxAt(8), Chats: []int64{1}, DateEdited: fxAt(9), SummaryInfo: edited},
			dbfixture.SMSMessage{RowID: 9, GUID: "MSG-9", NoBody: true, Handle: 1, Service: "iMessage", Date: fxAt(10), Chats: []int64{1}, DateRetracted: fxAt(11), SummaryInfo: unsent},
		)
	}
	if era >= dbfixture.SMSiOS9 {
		m = append(m,
			dbfixture.SMSMessage{RowID: 10, GUID: "MSG-10", NoBody: true, FromMe: true, Service: "iMessage", Date: fxAt(12), Chats: []int64{2}, ItemType: 2, GroupTitle: "Weekend Plans"},
			dbfixture.SMSMessage{RowID: 11, GUID: "MSG-11", NoBody: true, Handle: 1, Service: "iMessage", Date: fxAt(13), Chats: []int64{2}, ItemType: 1, OtherHandle: 3},
		)
	}
	base.Messages = m
	tail.Messages = []dbfixture.SMSMessage{
		{RowID: 12, GUID: "MSG-12", Text: "Only in WAL", Handle: 3, Service: "iMessage", Date: fxAt(14), Chats: []int64{2}},
	}
	return base, tail
}

// fxExpected is what Messages must return for fxScenario(era).
func fxExpected(era dbfixture.SMSEra) []*Message {
	ts := func(t time.Time) *time.Time {
		if !era.Nanoseconds() {
			t = t.Truncate(time.Second)
		}
		return &t
	}
	sec := func(t time.Time) *time.Time { t = t.Truncate(time.Second); return &t }
	str := func(s string) *string { return &s }
	one := func(id, guid string) (string, string, *string, []string) {
		return id, guid, nil, []string{"+15551230001"}
	}
	grp := []string{"+15551230001", "+15551230002", "friend@example.com"}
	var out []*Message
	add := func(m *Message) {
		if m.Attachments == nil {
			m.Attachments = []Attachment{}
		}
		if m.ChatGUID == "iMessage;+;chat123456" {
			m.Chat, m.ChatName, m.Participants = "chat123456", str("Weekend Plans"), grp
		} else {
			m.Chat, m.ChatGUID, m.ChatName, m.Participants = one("+15551230001", "iMessage;-;+15551230001")
		}
		out = append(out, m)
	}
	add(&Message{RowID: 1, GUID: "MSG-1", Service: "iMessage", Date: ts(fxAt(0)), DateRead: ts(fxAt(2)), IsRead: true, Sender: str("+15551230001"), Text: "Hello there"})
	add(&Message{RowID: 2, GUID: "MSG-2", Service: "iMessage", Date: ts(fxAt(1)), DateDelivered: ts(fxAt(1).Add(time.Second)), FromMe: true, Text: "\uFFFC\uFFFCLook", Subject: "Pics",
		Attachments: []Attachment{
			{GUID: "ATT-1", Name: "IMG_0001.JPG", MIME: "image/jpeg", UTI: "public.jpeg", Size: 12345, Created: sec(fxAt(1)), Domain: "MediaDomain", Path: "Library/SMS/Attachments/0a/10/ATT-1/IMG_0001.JPG", Filename: fxAttPresent},
			{GUID: "ATT-2", Name: "voice.caf", MIME: "audio/x-caf", UTI: "com.apple.coreaudio-format", Size: 999, Created: sec(fxAt(1)), Domain: "MediaDomain", Path: "Library/SMS/Attachments/0b/11/ATT-2/voice.caf", Missing: true, Filename: fxAttMissing},
		}})
	add(&Message{RowID: 3, GUID: "MSG-3", ChatGUID: "iMessage;+;chat123456", Service: "RCS", Date: ts(fxAt(3)), Sender: str("+15551230002"), Text: "Group hi"})
	if era >= dbfixture.SMSiOS11 {
		add(&Message{RowID: 4, GUID: "MSG-4", Service: "iMessage", Date: ts(fxAt(4)), Sender: str("+15551230001"), Text: "Liked “Look”", Reaction: &Reaction{Type: "like", Target: "MSG-2", Part: 2}})
		add(&Message{RowID: 5, GUID: "MSG-5", Service: "iMessage", Date: ts(fxAt(5)), Sender: str("+15551230001"), Text: "Removed a like from “Look”", Reaction: &Reaction{Type: "like", Target: "MSG-2", Part: 2, Removed: true}})
	}
	if era >= dbfixture.SMSiOS18 {
		add(&Message{RowID: 6, GUID: "MSG-6", Service: "iMessage", Date: ts(fxAt(6)), FromMe: true, Text: "Reacted 🎉 to “Hello there”", Reaction: &Reaction{Type: "emoji", Target: "MSG-1", Emoji: "🎉"}})
	}
	if era >= dbfixture.SMSiOS14 {
		add(&Message{RowID: 7, GUID: "MSG-7", Service: "iMessage", Date: ts(fxAt(7)), FromMe: true, Text: "Replying", ReplyTo: str("MSG-1")})
	}
	if era >= dbfixture.SMSiOS16 {
		e1, e2 := fxAt(8), fxAt(9).Add(250*time.Millisecond)
		add(&Message{RowID: 8, GUID: "MSG-8", Service: "iMessage", Date: ts(fxAt(8)), DateEdited: ts(fxAt(9)), FromMe: true, Text: "Edited text", Edited: true,
			Edits: []Edit{{Part: 0, Date: &e1, Text: "Original"}, {Part: 0, Date: &e2, Text: "Edited text"}}})
		add(&Message{RowID: 9, GUID: "MSG-9", Service: "iMessage", Date: ts(fxAt(10)), Sender: str("+15551230001"), Unsent: true})
	}
	if era >= dbfixture.SMSiOS9 {
		add(&Message{RowID: 10, GUID: "MSG-10", ChatGUID: "iMessage;+;chat123456", Service: "iMessage", Date: ts(fxAt(12)), FromMe: true, GroupEvent: &GroupEvent{Kind: "renamed", Title: "Weekend Plans"}})
		add(&Message{RowID: 11, GUID: "MSG-11", ChatGUID: "iMessage;+;chat123456", Service: "iMessage", Date: ts(fxAt(13)), Sender: str("+15551230001"), GroupEvent: &GroupEvent{Kind: "added", Other: "friend@example.com"}})
	}
	add(&Message{RowID: 12, GUID: "MSG-12", ChatGUID: "iMessage;+;chat123456", Service: "iMessage", Date: ts(fxAt(14)), Sender: str("friend@example.com"), Text: "Only in WAL"})
	return out
}

func fxBackup(t testing.TB, era dbfixture.SMSEra) fstest.MapFS {
	t.Helper()
	base, tail := fxScenario(era)
	main, wal, err := dbfixture.SMSWithWAL(era, base, tail)
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{
		devicepath.SMS:          {Data: main},
		devicepath.SMS + "-wal": {Data: wal},
		"MediaDomain/Library/SMS/Attachments/0a/10/ATT-1/IMG_0001.JPG": {Data: []byte("jpeg")},
	}
}

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func collect(t testing.TB, seq func(func(*Message, error) bool)) []*Message {
	t.Helper()
	var out []*Message
	for m, err := range seq {
		if err != nil {
			t.Fatalf("message %v: %v", m, err)
		}
		out = append(out, m)
	}
	return out
}

func TestSyntheticEras(t *testing.T) {
	for _, era := range dbfixture.SMSEras {
		t.Run(era.String(), func(t *testing.T) {
			db, err := OpenMessages(fxBackup(t, era))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			got := collect(t, db.Messages(context.Background()))
			want := fxExpected(era)
			if len(got) != len(want) {
				t.Errorf("%d messages, want %d", len(got), len(want))
			}
			for i := range min(len(got), len(want)) {
				if g, w := jsonOf(t, got[i]), jsonOf(t, want[i]); g != w {
					t.Errorf("message %d:\n got %s\nwant %s", i, g, w)
				}
				// JSON hides time zones and nanoseconds of equal instants.
				if want[i].Date != nil && (got[i].Date == nil || !got[i].Date.Equal(*want[i].Date) || got[i].Date.Location() != time.UTC) {
					t.Errorf("message %d date %v, want %v UTC", i, got[i].Date, want[i].Date)
				}
			}

			chats, err := db.Chats()
			if err != nil {
				t.Fatal(err)
			}
			wantChats := []*Chat{
				{RowID: 1, GUID: "iMessage;-;+15551230001", Identifier: "+15551230001", Service: "iMessage", Participants: []string{"+15551230001"}},
				{RowID: 2, GUID: "iMessage;+;chat123456", Identifier: "chat123456", Name: "Weekend Plans", Service: "iMessage", Group: true,
					Participants: []string{"+15551230001", "+15551230002", "friend@example.com"}},
			}
			if g, w := jsonOf(t, chats), jsonOf(t, wantChats); g != w {
				t.Errorf("Chats:\n got %s\nwant %s", g, w)
			}

			var ids []int64
			for _, m := range collect(t, db.MessagesInChat(context.Background(), "chat123456")) {
				ids = append(ids, m.RowID)
				if m.Chat != "chat123456" {
					t.Errorf("message %d in chat %q", m.RowID, m.Chat)
				}
			}
			wantIDs := []int64{3, 10, 11, 12}
			if era < dbfixture.SMSiOS9 {
				wantIDs = []int64{3, 12}
			}
			if jsonOf(t, ids) != jsonOf(t, wantIDs) {
				t.Errorf("MessagesInChat(chat123456) = %v, want %v", ids, wantIDs)
			}
			n := 0
			for range collect(t, db.MessagesInChat(context.Background(), "iMessage;-;+15551230001")) {
				n++
			}
			if w := len(want) - len(wantIDs); n != w {
				t.Errorf("MessagesInChat(1:1 guid) gave %d, want %d", n, w)
			}
		})
	}
}

func TestSyntheticWithoutWAL(t *testing.T) {
	fsys := fxBackup(t, dbfixture.SMSiOS16)
	delete(fsys, devicepath.SMS+"-wal")
	db, err := OpenMessages(fsys)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := collect(t, db.Messages(context.Background()))
	if len(got) != 10 || got[len(got)-1].GUID != "MSG-11" {
		t.Errorf("without the WAL: %d messages, last %s; want 10, MSG-11", len(got), got[len(got)-1].GUID)
	}
}

func TestOpenMessagesFileWithWALAndFiles(t *testing.T) {
	fsys := fxBackup(t, dbfixture.SMSiOS18)
	dir := t.TempDir()
	p := filepath.Join(dir, "sms.db")
	if err := os.WriteFile(p, fsys[devicepath.SMS].Data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p+"-wal", fsys[devicepath.SMS+"-wal"].Data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := OpenMessagesFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	msgs := collect(t, db.Messages(context.Background()))
	if len(msgs) != 12 || msgs[11].Text != "Only in WAL" {
		t.Fatalf("got %d messages, last %q", len(msgs), msgs[len(msgs)-1].Text)
	}
	if a := msgs[1].Attachments; len(a) != 2 || !a[0].Missing || !a[1].Missing {
		t.Errorf("bare file: attachments %+v, want both missing", a)
	}
	withFiles := db.WithFiles(fsys)
	msgs = collect(t, withFiles.Messages(context.Background()))
	if a := msgs[1].Attachments; len(a) != 2 || a[0].Missing || !a[1].Missing {
		t.Errorf("WithFiles: attachments %+v, want first present", a)
	}
	// The original view is unchanged.
	if a := collect(t, db.Messages(context.Background()))[1].Attachments; !a[0].Missing {
		t.Error("WithFiles changed the original view")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("opening created files beside the database: %v", entries)
	}
}

func TestMessagesInChatUnknown(t *testing.T) {
	db, err := OpenMessages(fxBackup(t, dbfixture.SMSiOS14))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	for m, err := range db.MessagesInChat(context.Background(), "nobody") {
		n++
		if m != nil || !errors.Is(err, ErrNoChat) {
			t.Errorf("got %v, %v; want nil, ErrNoChat", m, err)
		}
	}
	if n != 1 {
		t.Errorf("%d yields, want 1", n)
	}
}

func TestMessagesBreakAndConcurrent(t *testing.T) {
	db, err := OpenMessages(fxBackup(t, dbfixture.SMSiOS18))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for range 3 {
		for m, err := range db.Messages(context.Background()) {
			if err != nil || m.GUID != "MSG-1" {
				t.Fatalf("first = %v, %v", m, err)
			}
			break
		}
	}
	done := make(chan string, 4)
	for range 4 {
		go func() {
			var b strings.Builder
			for m, err := range db.Messages(context.Background()) {
				if err != nil {
					b.WriteString("ERR")
				}
				b.WriteString(m.GUID + ",")
			}
			done <- b.String()
		}()
	}
	want := "MSG-1,MSG-2,MSG-3,MSG-4,MSG-5,MSG-6,MSG-7,MSG-8,MSG-9,MSG-10,MSG-11,MSG-12,"
	for range 4 {
		if got := <-done; got != want {
			t.Errorf("concurrent iteration = %s", got)
		}
	}
}

func TestBadRowsContinue(t *testing.T) {
	data := dbfixture.SMSData{
		Handles: []dbfixture.SMSHandle{{RowID: 1, ID: "+15550001"}},
		Messages: []dbfixture.SMSMessage{
			{RowID: 1, GUID: "OK-1", Text: "fine", Handle: 1, Date: fxAt(0)},
			{RowID: 2, GUID: "BAD-BODY", Body: []byte("\x04\x0bstreamtyped garbage"), Handle: 1, Date: fxAt(1)},
			{RowID: 3, GUID: "BAD-SUMMARY", Text: "still here", Handle: 1, Date: fxAt(2), SummaryInfo: []byte("bplist00 nonsense")},
			{RowID: 4, GUID: "OK-2", Text: "after", Handle: 1, Date: fxAt(3)},
			{RowID: 5, GUID: "RECOVERED", Body: overlongBody(t, "This is parsing"), Handle: 1, Date: fxAt(4)},
			{RowID: 6, GUID: "FROM-EDITS", NoBody: true, Handle: 1, Date: fxAt(5), SummaryInfo: summary(t,
				[]dbfixture.SMSEdit{{Part: 0, Date: fxAt(5), Text: "v1"}, {Part: 0, Date: fxAt(6), Text: "v2"}, {Part: 1, Date: fxAt(5), Text: "gone"}}, []int{1})},
		},
	}
	if _, err := typedstream.Text(data.Messages[4].Body); err == nil {
		t.Fatal("the overlong body should not decode strictly")
	}
	img, err := dbfixture.SMS(dbfixture.SMSiOS16, data)
	if err != nil {
		t.Fatal(err)
	}
	db, err := OpenMessages(dbfixture.FS(devicepath.SMS, img, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var guids []string
	var probs []string
	for m, err := range db.Messages(context.Background()) {
		if err != nil {
			t.Errorf("row %v: error %v; a damaged part must not cost the record", m, err)
			continue
		}
		guids = append(guids, m.GUID+":"+m.Text)
		for _, p := range m.Problems {
			probs = append(probs, m.GUID+": "+p)
		}
	}
	if got := strings.Join(guids, " | "); got != "OK-1:fine | BAD-BODY: | BAD-SUMMARY:still here | OK-2:after | RECOVERED:This is parsing | FROM-EDITS:v2" {
		t.Errorf("messages: %s", got)
	}
	want := []string{
		"BAD-BODY: attributedBody: ",
		"BAD-SUMMARY: message_summary_info: ",
		"RECOVERED: attributedBody: ",
	}
	if len(probs) != len(want) {
		t.Fatalf("problems:\n%s", strings.Join(probs, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(probs[i], w) {
			t.Errorf("problem %d = %q, want prefix %q", i, probs[i], w)
		}
	}
	if !strings.HasSuffix(probs[0], "; text left out") || !strings.HasSuffix(probs[2], "; text recovered by the lenient decoder") {
		t.Errorf("problems do not say what became of the text:\n%s", strings.Join(probs, "\n"))
	}
}

// overlongBody returns an attributedBody whose string length field claims
// more bytes than the blob holds (like a truncated real blob).
func overlongBody(t *testing.T, text string) []byte {
	b := dbfixture.AttributedBody(text)
	i := bytes.Index(b, []byte{0x01, 0x2B, byte(len(text))})
	if i < 0 {
		t.Fatal("no string marker")
	}
	out := append([]byte(nil), b[:i+2]...)
	out = append(out, 0x81, 0xFF, 0x0F) // 4095
	return append(out, b[i+3:]...)
}

func summary(t *testing.T, edits []dbfixture.SMSEdit, rp []int) []byte {
	b, err := dbfixture.SummaryInfo(edits, rp)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenMessagesErrors(t *testing.T) {
	_, err := OpenMessages(fstest.MapFS{})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("empty fs: %v, want ErrNotFound", err)
	}
	_, err = OpenMessages(fstest.MapFS{devicepath.SMS: {Data: []byte("not a database at all, no")}})
	var de *DatabaseError
	if !errors.As(err, &de) {
		t.Errorf("garbage: %v, want *DatabaseError", err)
	}
	// An SQLite file without a message table is not a Messages database.
	other, err := sqlitemem.Build(func(c *sql.Conn) error {
		_, err := c.ExecContext(context.Background(), "CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = OpenMessages(dbfixture.FS(devicepath.SMS, other, nil))
	var ue *UnsupportedError
	if !errors.As(err, &ue) || ue.Table != "message" || len(ue.Missing) != 0 || !errors.Is(err, errors.ErrUnsupported) ||
		err.Error() != "records: sms.db: unsupported schema: no table message" {
		t.Errorf("not a Messages database: %v", err)
	}
	_, err = OpenMessagesFile(filepath.Join(t.TempDir(), "none.db"))
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("missing file: %v, want ErrNotFound", err)
	}
}

func TestAttachmentLocation(t *testing.T) {
	cases := []struct{ in, domain, path string }{
		{"~/Library/SMS/Attachments/ab/11/G/IMG_0001.HEIC", "MediaDomain", "Library/SMS/Attachments/ab/11/G/IMG_0001.HEIC"},
		{"/var/mobile/Library/SMS/Attachments/x/y.jpg", "MediaDomain", "Library/SMS/Attachments/x/y.jpg"},
		{"/private/var/mobile/Library/SMS/Attachments/x/y.jpg", "MediaDomain", "Library/SMS/Attachments/x/y.jpg"},
		{"~/Library/SMS/../../etc/passwd", "", ""},
		{"/etc/passwd", "", ""},
		{"", "", ""},
	}
	for _, c := range cases {
		d, p := attachmentLocation(c.in)
		if d != c.domain || p != c.path {
			t.Errorf("attachmentLocation(%q) = %q, %q; want %q, %q", c.in, d, p, c.domain, c.path)
		}
	}
}

func TestCleanAssociatedGUID(t *testing.T) {
	cases := []struct {
		in   string
		guid string
		part int
	}{
		{"p:0/ABC", "ABC", 0}, {"p:3/ABC-DEF", "ABC-DEF", 3}, {"bp:ABC", "ABC", 0}, {"ABC", "ABC", 0}, {"p:x/ABC", "ABC", 0},
	}
	for _, c := range cases {
		g, p := cleanAssociatedGUID(c.in)
		if g != c.guid || p != c.part {
			t.Errorf("cleanAssociatedGUID(%q) = %q, %d", c.in, g, p)
		}
	}
}

func TestMessageInSeveralChats(t *testing.T) {
	img, err := dbfixture.SMS(dbfixture.SMSiOS11, dbfixture.SMSData{
		Handles: []dbfixture.SMSHandle{{RowID: 1, ID: "+15550001", Service: "SMS"}},
		Chats: []dbfixture.SMSChat{
			{RowID: 5, GUID: "SMS;-;+15550001", Identifier: "+15550001", Service: "SMS", Handles: []int64{1}},
			{RowID: 9, GUID: "iMessage;-;+15550001", Identifier: "+15550001", Service: "iMessage", Handles: []int64{1}},
		},
		Messages: []dbfixture.SMSMessage{
			{RowID: 1, GUID: "BOTH", Text: "in two chats", Handle: 1, Date: fxAt(0), Chats: []int64{9, 5}, Raw: map[string]any{"service": nil}},
			{RowID: 2, GUID: "IM", Text: "imessage only", Handle: 1, Date: fxAt(1), Chats: []int64{9}, Raw: map[string]any{"service": nil}},
			{RowID: 3, GUID: "ORPHAN", Text: "no chat", Handle: 1, Date: fxAt(2), Raw: map[string]any{"service": nil, "date_read": int64(704626212)}},
		},
	})
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
		got = append(got, m.GUID+"@"+m.ChatGUID+"/"+m.Service)
		if m.GUID == "ORPHAN" {
			wantTime(t, "seconds date_read in a nanosecond era", m.DateRead, "2023-05-01T09:30:12Z")
		}
	}
	// The lowest chat ROWID wins; service falls back to the chat's, then to the handle's.
	if s := strings.Join(got, " "); s != "BOTH@SMS;-;+15550001/SMS IM@iMessage;-;+15550001/iMessage ORPHAN@/SMS" {
		t.Errorf("got %s", s)
	}
	got = nil
	for _, m := range collect(t, db.MessagesInChat(context.Background(), "iMessage;-;+15550001")) {
		got = append(got, m.GUID+"@"+m.ChatGUID)
	}
	if s := strings.Join(got, " "); s != "BOTH@iMessage;-;+15550001 IM@iMessage;-;+15550001" {
		t.Errorf("MessagesInChat(guid) = %s", s)
	}
	got = nil
	for _, m := range collect(t, db.MessagesInChat(context.Background(), "+15550001")) { // identifier of both chats
		got = append(got, m.GUID+"@"+m.ChatGUID)
	}
	if s := strings.Join(got, " "); s != "BOTH@SMS;-;+15550001 IM@iMessage;-;+15550001" {
		t.Errorf("MessagesInChat(identifier) = %s", s)
	}
}
