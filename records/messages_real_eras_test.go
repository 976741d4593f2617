package records_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/backup"
	"github.com/iosbackup/iosbackup/internal/realdata"
	"github.com/iosbackup/iosbackup/records"
)

// jsonLines renders messages with the records' own JSON encoding (every
// field), one per line.
func jsonLines(t *testing.T, db *records.MessageDB) []string {
	t.Helper()
	var out []string
	for m, err := range db.Messages(context.Background()) {
		if err != nil {
			t.Fatalf("message %v: %v", m, err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d messages, want %d:\n%s", what, len(got), len(want), strings.Join(got, "\n"))
		return
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s message %d:\n got: %s\nwant: %s", what, i, got[i], want[i])
		}
	}
}

// The real iOS 5 sms.db of Presentations/ (values read with the sqlite3
// shell on a copy): 4 rows of message, msg_group 2 and 3 with one member
// each, the MMS (ROWID 6: address NULL, recipients plist, 3 msg_pieces: an
// empty presentation part, text/plain "Check it ouy", image/jpeg
// IMG_3766.jpg without data). Dates are Unix seconds: 1331431689 is
// 2012-03-11T02:08:09Z. flags 3 = sent, 2 = received.
var presentationsWant = []string{
	`{"rowid":6,"guid":"x-sms-rowid:E0130923-761D-4C59-BE12-60D69AE51C4A/6","chat":"(209) 598-1933","chat_guid":"msg_group:2","chat_name":null,"participants":["(209) 598-1933"],"service":"MMS","date":"2012-03-11T02:08:09.000Z","date_read":null,"date_delivered":null,"from_me":true,"sender":null,"sender_name":null,"text":"Check it ouy","attachments":[{"name":"IMG_3766.jpg","mime":"image/jpeg","size":0,"domain":"","path":"","missing":true}],"reaction":null,"reply_to":null,"edited":false,"unsent":false,"is_read":true,"problems":null}`,
	`{"rowid":7,"guid":"x-sms-rowid:E0130923-761D-4C59-BE12-60D69AE51C4A/7","chat":"(209) 598-1933","chat_guid":"msg_group:2","chat_name":null,"participants":["(209) 598-1933"],"service":"SMS","date":"2012-03-11T02:08:44.000Z","date_read":null,"date_delivered":null,"from_me":true,"sender":null,"sender_name":null,"text":"Out I mean","attachments":[],"reaction":null,"reply_to":null,"edited":false,"unsent":false,"is_read":true,"problems":null}`,
	`{"rowid":8,"guid":"x-sms-rowid:E0130923-761D-4C59-BE12-60D69AE51C4A/8","chat":"(209) 598-1933","chat_guid":"msg_group:2","chat_name":null,"participants":["(209) 598-1933"],"service":"SMS","date":"2012-03-11T02:08:54.000Z","date_read":null,"date_delivered":null,"from_me":false,"sender":"+12095981933","sender_name":null,"text":"Sweet","attachments":[],"reaction":null,"reply_to":null,"edited":false,"unsent":false,"is_read":true,"problems":null}`,
	`{"rowid":9,"guid":"x-sms-rowid:E0130923-761D-4C59-BE12-60D69AE51C4A/9","chat":"(209) 649-0617","chat_guid":"msg_group:3","chat_name":null,"participants":["(209) 649-0617"],"service":"SMS","date":"2012-04-26T23:56:13.000Z","date_read":null,"date_delivered":null,"from_me":true,"sender":null,"sender_name":null,"text":"Sending this prior to the logical. This will not be deleted ","attachments":[],"reaction":null,"reply_to":null,"edited":false,"unsent":false,"is_read":false,"problems":null}`,
}

var presentationsChats = []string{
	`{"rowid":2,"guid":"msg_group:2","identifier":"(209) 598-1933","name":"","service":"MMS/SMS","group":false,"participants":["(209) 598-1933"],"messages":3,"first":"2012-03-11T02:08:09Z","last":"2012-03-11T02:08:54Z"}`,
	`{"rowid":3,"guid":"msg_group:3","identifier":"(209) 649-0617","name":"","service":"SMS","group":false,"participants":["(209) 649-0617"],"messages":1,"first":"2012-04-26T23:56:13Z","last":"2012-04-26T23:56:13Z"}`,
}

func chatLines(t *testing.T, db *records.MessageDB) []string {
	t.Helper()
	chats, err := db.ChatSummaries()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range chats {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// TestRealIOS5 reads the real iOS 5 sms.db three ways: the main file
// whose rows all live in its 546-frame -wal, the checkpointed copy, and
// through the iOS 5.1.1 mbdb backup. All three give the same messages.
func TestRealIOS5(t *testing.T) {
	walPair, err := records.OpenMessagesFile(realdata.Path(t, "Presentations/sms.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer walPair.Close()
	sameLines(t, "sms.db + -wal", jsonLines(t, walPair), presentationsWant)
	sameLines(t, "sms.db + -wal chats", chatLines(t, walPair), presentationsChats)

	logical, err := records.OpenMessagesFile(realdata.Path(t, "Presentations/Logical/sms.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer logical.Close()
	sameLines(t, "checkpointed sms.db", jsonLines(t, logical), presentationsWant)

	b, err := backup.Open(realdata.Path(t, "DERIVED-ios5-mbdb-backup/clean"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if d := b.Info().LastBackupDate; !d.Equal(time.Date(2012, 7, 15, 13, 17, 0, 0, time.UTC)) {
		t.Fatalf("backup date %v", d)
	}
	fromBackup, err := records.OpenMessages(b)
	if err != nil {
		t.Fatal(err)
	}
	defer fromBackup.Close()
	sameLines(t, "mbdb backup", jsonLines(t, fromBackup.WithBackupDate(b.Info().LastBackupDate)), presentationsWant)
	sameLines(t, "mbdb backup chats", chatLines(t, fromBackup), presentationsChats)

	// One chat at a time, by identifier or by guid.
	var got []int64
	for m, err := range logical.MessagesInChat(context.Background(), "(209) 598-1933") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.RowID)
	}
	if len(got) != 3 || got[0] != 6 || got[2] != 8 {
		t.Errorf("MessagesInChat((209) 598-1933) = %v", got)
	}
	got = got[:0]
	for m, err := range logical.MessagesInChat(context.Background(), "msg_group:3") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.RowID)
	}
	if len(got) != 1 || got[0] != 9 {
		t.Errorf("MessagesInChat(msg_group:3) = %v", got)
	}
}

// TestRealIOSBackupParser: the independent modern fixture (10 messages)
// whose attributedBody blobs use a bare '+' tag (rows 2-5: the strict
// decoder refuses them, the lenient one reads them and says so) and one
// truncated blob (row 9: text left out). Every row comes out; none is an
// error. Values from the sqlite3 shell: dates are ns since 2001
// (700000001000000000 = 2023-03-08T20:26:41Z).
func TestRealIOSBackupParser(t *testing.T) {
	db, err := records.OpenMessagesFile(realdata.Path(t, "ios-backup-parser/messages/testdata/messages.1.sms.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lenient := "attributedBody: typedstream: offset 70: shared string reference 153 out of range (4 known); text recovered by the lenient decoder"
	fox := strings.Repeat("The quick brown fox jumped. ", 8)
	type want struct {
		rowid             int64
		guid, chat, text  string
		sender            string
		fromMe            bool
		service           string
		date              string
		att               string
		problem           string
		reaction, replyTo string
	}
	wants := []want{
		{1, "fx-msg-0001", "+15550001", "Hello from the fixture", "", true, "iMessage", "2023-03-08T20:26:41Z", "", "", "", ""},
		{2, "fx-msg-0002", "+15550001", "Reply via attributedBody", "+15550001", false, "iMessage", "2023-03-08T20:26:42Z", "", lenient, "", ""},
		{3, "fx-msg-0003", "+15550001", fox, "+15550001", false, "iMessage", "2023-03-08T20:26:43Z", "", lenient, "", "fx-msg-0001"},
		{4, "fx-msg-0004", "chat-group-1", "Hi 👋 group 🌍", "+15550002", false, "SMS", "2023-03-08T20:26:44Z", "", lenient, "", ""},
		{5, "fx-msg-0005", "chat-group-1", "\uFFFC", "+15550002", false, "iMessage", "2023-03-08T20:26:45Z", "photo.jpg image/jpeg 12345 Library/SMS/Attachments/aa/00/FX-GUID/photo.jpg", lenient, "", ""},
		{6, "fx-msg-0006", "chat-group-1", "see attachment", "+15550002", false, "iMessage", "2023-03-08T20:26:46Z", "clip.jpg image/jpeg 0 ", "", "", ""},
		{7, "fx-msg-0007", "+15550001", "Loved a message", "+15550001", false, "iMessage", "2023-03-08T20:26:47Z", "", "", "love fx-msg-0002", ""},
		{8, "fx-msg-0008", "+15550001", "orphan", "", false, "iMessage", "2023-03-08T20:26:48Z", "", "handle_id 999 names no handle: sender unknown", "", ""},
		{9, "fx-msg-0009", "+15550001", "", "+15550001", false, "iMessage", "2023-03-08T20:26:49Z", "", "attributedBody: typedstream: offset 20: unexpected end of data; text left out", "", ""},
		{10, "fx-msg-0010", "+15550001", "", "", true, "iMessage", "2023-03-08T20:26:50Z", "", "", "", ""},
	}
	var i int
	for m, err := range db.Messages(context.Background()) {
		if err != nil {
			t.Fatalf("error %v: every row must come out", err)
		}
		if i >= len(wants) {
			t.Fatalf("extra message %+v", m)
		}
		w := wants[i]
		i++
		sender := ""
		if m.Sender != nil {
			sender = *m.Sender
		}
		att := ""
		for _, a := range m.Attachments {
			att = a.Name + " " + a.MIME + " " + strconv.FormatInt(a.Size, 10) + " " + a.Path
		}
		problem := strings.Join(m.Problems, "; ")
		reaction := ""
		if m.Reaction != nil {
			reaction = string(m.Reaction.Type) + " " + m.Reaction.Target
		}
		replyTo := ""
		if m.ReplyTo != nil {
			replyTo = *m.ReplyTo
		}
		date := ""
		if m.Date != nil {
			date = m.Date.Format(time.RFC3339)
		}
		got := want{m.RowID, m.GUID, m.Chat, m.Text, sender, m.FromMe, m.Service, date, att, problem, reaction, replyTo}
		if got != w {
			t.Errorf("row %d:\n got %+v\nwant %+v", w.rowid, got, w)
		}
	}
	if i != len(wants) {
		t.Errorf("%d messages, want %d", i, len(wants))
	}
	// Row 2's read, delivered and edited dates (ns since 2001).
	msgs := map[int64]*records.Message{}
	for m := range db.Messages(context.Background()) {
		msgs[m.RowID] = m
	}
	m2 := msgs[2]
	if m2.DateRead == nil || m2.DateRead.Format(time.RFC3339Nano) != "2023-03-08T20:26:42.5Z" ||
		m2.DateDelivered == nil || m2.DateDelivered.Format(time.RFC3339Nano) != "2023-03-08T20:26:42.2Z" ||
		m2.DateEdited == nil || !m2.Edited || m2.DateEdited.Format(time.RFC3339Nano) != "2023-03-08T20:26:42.8Z" {
		t.Errorf("row 2 dates: %v %v %v", m2.DateRead, m2.DateDelivered, m2.DateEdited)
	}
	if msgs[10].BalloonBundle != "com.apple.messages.URLBalloonProvider" {
		t.Errorf("row 10 balloon %q", msgs[10].BalloonBundle)
	}
}

// TestRealBlobSMS: four real attributedBody blobs, decoded strictly (no
// problems), including the NSMutableAttributedString + NSMutableString
// chain with a 0x81 length and a legacy tapback sent as text.
func TestRealBlobSMS(t *testing.T) {
	db, err := records.OpenMessagesFile(realdata.Path(t, "DERIVED-blob-sms/sms.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := []string{
		"Y",
		"Ok, np, thanks for trying",
		"I am ok with not having Charlie since he isn’t part of the regular group.  With 5 there isn’t enough hitting.  I can do 5 but it becomes more of a cardio workout rather than hitting a lot of balls.  If you want cardio I can run the heck out of you with 5.  Your call Jen.  ",
		"Reacted 😒 to “No treats ”",
	}
	var got []string
	for m, err := range db.Messages(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if m.Problems != nil {
			t.Errorf("row %d problems %q", m.RowID, m.Problems)
		}
		got = append(got, m.Text)
	}
	sameLines(t, "blob texts", got, want)
}

// TestRealBagoup: a minimal chat.db (message with only ROWID, is_from_me,
// handle_id, text, attributedBody, date) still reads right.
func TestRealBagoup(t *testing.T) {
	db, err := records.OpenMessagesFile(realdata.Path(t, "bagoup/example-exports/testdata/chat.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type row struct {
		text   string
		fromMe bool
		date   int64 // ns since 2001, from the sqlite3 shell
	}
	want := []row{
		{"Want to play tennis?", true, 604769645000000000},
		{"I can't today. I'm still at the Dubai Open", false, 604769681000000000},
		{"https://dubaidutyfreetennischampionships.com/", false, 604769683000000000},
		{"Ah, okay. When are you back in SF?", true, 604769693000000000},
		{"Possibly next month. I'll let you know", false, 604769723000000000},
		{"👍", true, 604769750000000000},
	}
	i := 0
	for m, err := range db.Messages(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		w := want[i]
		wd := time.Unix(978307200, 0).Add(time.Duration(w.date)).UTC()
		if m.Text != w.text || m.FromMe != w.fromMe || m.Date == nil || !m.Date.Equal(wd) || m.Chat != "+3815555555555" ||
			m.ChatGUID != "any,-,+3815555555555" || m.Problems != nil || m.GUID != "" {
			t.Errorf("row %d: %+v", i+1, m)
		}
		if (m.Sender == nil) != w.fromMe || (m.Sender != nil && *m.Sender != "+3815555555555") {
			t.Errorf("row %d sender %v", i+1, m.Sender)
		}
		if i == 0 {
			if len(m.Attachments) != 1 || m.Attachments[0].Name != "tennisballs.heic" || m.Attachments[0].MIME != "image/heic" ||
				m.Attachments[0].Path != "Library/Messages/Attachments/tennisballs.heic" || !m.Attachments[0].Missing {
				t.Errorf("attachment %+v", m.Attachments)
			}
		} else if len(m.Attachments) != 0 {
			t.Errorf("row %d attachments %+v", i+1, m.Attachments)
		}
		i++
	}
	if i != len(want) {
		t.Errorf("%d messages, want %d", i, len(want))
	}
}
