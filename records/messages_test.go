package records

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/realdata"
)

func openReal(t *testing.T, rel string) *MessageDB {
	t.Helper()
	db, err := OpenMessagesFile(realdata.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func allMessages(t *testing.T, db *MessageDB) []*Message {
	t.Helper()
	var out []*Message
	for m, err := range db.Messages(context.Background()) {
		if err != nil {
			t.Fatalf("message %+v: %v", m, err)
		}
		out = append(out, m)
	}
	return out
}

func byRowID(msgs []*Message, id int64) *Message {
	for _, m := range msgs {
		if m.RowID == id {
			return m
		}
	}
	return nil
}

func wantTime(t *testing.T, what string, got *time.Time, want string) {
	t.Helper()
	w, err := time.Parse(time.RFC3339Nano, want)
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || !got.Equal(w) || got.Location() != time.UTC {
		t.Errorf("%s = %v, want %s", what, got, want)
	}
}

func TestRealCS426(t *testing.T) {
	db := openReal(t, "CS426-iphone-sms-forensics/sms.db")
	msgs := allMessages(t, db)
	if len(msgs) != 105 {
		t.Fatalf("%d messages, want 105", len(msgs))
	}
	svc := map[string]int{}
	fromMe, withAtt, nAtt := 0, 0, 0
	for i, m := range msgs {
		svc[m.Service]++
		if m.FromMe {
			fromMe++
			if m.Sender != nil {
				t.Errorf("message %d from me has sender %q", m.RowID, *m.Sender)
			}
		} else if m.Sender == nil || *m.Sender != m.Chat {
			t.Errorf("message %d: sender %v, chat %q", m.RowID, m.Sender, m.Chat)
		}
		if len(m.Attachments) > 0 {
			withAtt++
			nAtt += len(m.Attachments)
		}
		if i > 0 && m.Date.Before(*msgs[i-1].Date) {
			t.Errorf("message %d out of date order", m.RowID)
		}
		if m.Text == "" || m.Reaction != nil || m.Edited || m.Unsent || m.GroupEvent != nil {
			t.Errorf("message %d: unexpected %+v", m.RowID, m)
		}
	}
	if svc["SMS"] != 56 || svc["iMessage"] != 49 || fromMe != 51 || withAtt != 6 || nAtt != 7 {
		t.Errorf("services %v, from me %d, with attachments %d (%d files)", svc, fromMe, withAtt, nAtt)
	}

	first := msgs[0]
	if first.RowID != 12 || first.Text != "G-680228 is your Google verification code." || first.Sender == nil || *first.Sender != "22000" ||
		first.Service != "SMS" || first.Chat != "22000" || first.ChatGUID != "SMS;-;22000" || first.ChatName != nil {
		t.Errorf("first message = %+v", first)
	}
	wantTime(t, "first date", first.Date, "2019-12-26T18:50:37.641931008Z")
	if got := first.Date.Format("2006-01-02T15:04:05.000Z07:00"); got != "2019-12-26T18:50:37.641Z" {
		t.Errorf("first date in ms = %s", got)
	}
	if last := msgs[104]; last.RowID != 254 || last.Text != "G-386965 is your Google verification code." {
		t.Errorf("last message = %d %q", last.RowID, last.Text)
	}
	if m := byRowID(msgs, 26); m.Text != "Snapchat code: 916016. Do not share it or use it elsewhere!" {
		t.Errorf("ROWID 26 text %q", m.Text)
	}
	if m := byRowID(msgs, 56); m.Text != "Wait what door" {
		t.Errorf("ROWID 56 text %q", m.Text)
	}

	m34 := byRowID(msgs, 34)
	if m34 == nil || !m34.FromMe || m34.Sender != nil || m34.Chat != "+15183808956" || m34.Service != "iMessage" || m34.Text != "\uFFFC\uFFFC" {
		t.Fatalf("ROWID 34 = %+v", m34)
	}
	want34 := []Attachment{
		{Name: "IMG_0066.HEIC", MIME: "image/heic", Size: 2160391},
		{Name: "IMG_0067.jpg", MIME: "image/jpeg", Size: 1678272},
	}
	if len(m34.Attachments) != 2 {
		t.Fatalf("ROWID 34 attachments %+v", m34.Attachments)
	}
	for i, a := range m34.Attachments {
		w := want34[i]
		if a.Name != w.Name || a.MIME != w.MIME || a.Size != w.Size || !a.Missing || a.Domain != "MediaDomain" ||
			a.Path != a.Filename[2:] || a.Filename[:26] != "~/Library/SMS/Attachments/" {
			t.Errorf("ROWID 34 attachment %d = %+v, want %+v", i, a, w)
		}
	}

	// date_read is in seconds while date is in nanoseconds.
	var found bool
	for _, m := range msgs {
		if m.DateRead != nil && m.DateRead.Equal(time.Unix(606708925+978307200, 0)) {
			found = true
			wantTime(t, "date_read", m.DateRead, "2020-03-24T02:15:25Z")
		}
		if m.DateRead != nil && m.DateRead.Year() != 2020 && m.DateRead.Year() != 2019 {
			t.Errorf("message %d date_read %v", m.RowID, m.DateRead)
		}
	}
	if !found {
		t.Error("no message read at 606708925 (2020-03-24T02:15:25Z)")
	}

	chats, err := db.Chats()
	if err != nil {
		t.Fatal(err)
	}
	wantCounts := map[string]int{
		"SMS;-;22000": 3, "SMS;-;+12092664939": 1, "SMS;-;40404": 2, "iMessage;-;+15183808956": 45,
		"iMessage;-;+17744371821": 4, "SMS;-;+18028293349": 49, "SMS;-;+17542276288": 1,
	}
	if len(chats) != 7 {
		t.Fatalf("%d chats", len(chats))
	}
	for _, c := range chats {
		n := 0
		for m, err := range db.MessagesInChat(context.Background(), c.GUID) {
			if err != nil {
				t.Fatal(err)
			}
			if m.ChatGUID != c.GUID {
				t.Errorf("message %d of %s reports chat %s", m.RowID, c.GUID, m.ChatGUID)
			}
			n++
		}
		if n != wantCounts[c.GUID] || c.Group || c.Name != "" || len(c.Participants) != 1 || c.Participants[0] != c.Identifier {
			t.Errorf("chat %+v: %d messages, want %d", c, n, wantCounts[c.GUID])
		}
	}
	if chats[0].RowID != 6 || chats[0].Service != "SMS" || chats[3].GUID != "iMessage;-;+15183808956" || chats[3].Service != "iMessage" {
		t.Errorf("chats = %+v %+v", chats[0], chats[3])
	}
}

func TestRealPlaso(t *testing.T) {
	db := openReal(t, "plaso/test_data/sqlite/imessage_chat.db")
	msgs := allMessages(t, db)
	if len(msgs) != 10 {
		t.Fatalf("%d messages, want 10", len(msgs))
	}
	m := byRowID(msgs, 8)
	if m.Text != "Did you try to send me a message?" || m.Sender == nil || *m.Sender != "xxxxxx2015@icloud.com" || m.Service != "iMessage" || m.FromMe || !m.IsRead {
		t.Errorf("ROWID 8 = %+v", m)
	}
	wantTime(t, "ROWID 8 date", m.Date, "2015-11-30T10:48:40Z")
	wantTime(t, "first date", msgs[0].Date, "2015-11-22T18:09:46Z") // 469908586 s
	if msgs[0].RowID != 1 || msgs[9].RowID != 10 {
		t.Errorf("order: first %d last %d", msgs[0].RowID, msgs[9].RowID)
	}
	// The text column wins over a disagreeing attributedBody.
	if got := msgs[9].Text; got != "Hi Eireanne, I've left a USB stick up at my Mum's with Open Office on it." {
		t.Errorf("ROWID 10 text %q", got)
	}
	if m := byRowID(msgs, 9); !m.FromMe || m.Sender != nil || m.Text != "Yes, did you get it?" {
		t.Errorf("ROWID 9 = %+v", m)
	}
	// The only attachment (sslsplit.der) is joined to message 21, which the
	// trimmed fixture no longer has: no message carries it.
	for _, m := range msgs {
		if len(m.Attachments) != 0 {
			t.Errorf("message %d attachments %+v", m.RowID, m.Attachments)
		}
	}
	// The orphaned attachment row is still there, mapped like any other.
	var name, mime, filename string
	var size int64
	err := db.db.QueryRow("SELECT transfer_name, mime_type, total_bytes, filename FROM attachment").Scan(&name, &mime, &size, &filename)
	if _, p := attachmentLocation(filename); err != nil || name != "sslsplit.der" || mime != "application/x-x509-ca-cert" || size != 712 ||
		p != "Library/Messages/Attachments/89/09/04804C3D-B31B-4C07-B3A3-BA3B39694B96/sslsplit.der" {
		t.Errorf("attachment row %q %q %d %q: %v", name, mime, size, p, err)
	}
	chats, err := db.Chats()
	if err != nil || len(chats) != 7 {
		t.Errorf("chats: %d, %v", len(chats), err)
	}
}

func TestRealModernChatDB(t *testing.T) {
	db := openReal(t, "imessage-exporter/imessage-database/test_data/db/test.db")
	msgs := allMessages(t, db)
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	a, b := byRowID(msgs, 123445), byRowID(msgs, 452567)
	if a == nil || a.GUID != "FAKEGUID-D0C8-4212-AA87-DD8AE4FD1203" || a.Text != "https://www.ghacks.net/2020/01/23/lastpass-no-longer-listed-on-the-chrome-web-store/" || len(a.Attachments) != 0 {
		t.Errorf("123445 = %+v", a)
	}
	if b == nil || b.GUID != "0355C6E1-D0C8-4212-AA87-DD8AE4FD1203" || b.Text != "I’m going to try to eat as quick as possible and then come over" {
		t.Errorf("452567 = %+v", b)
	}
	if len(b.Attachments) != 1 || b.Attachments[0].Size != 24560 || b.Attachments[0].UTI != "public.heic" || b.Attachments[0].MIME != "image/heic" || !b.Attachments[0].Sticker {
		t.Errorf("452567 attachments = %+v", b.Attachments)
	}
	wantTime(t, "123445 date", a.Date, "2025-02-06T21:25:24.490443648Z") // 760569924490443648 ns
	for _, m := range msgs {
		if m.Service != "iMessage" || m.Chat != "" || m.Edited || m.Unsent {
			t.Errorf("message %d = %+v", m.RowID, m)
		}
	}
	if chats, err := db.Chats(); err != nil || len(chats) != 0 {
		t.Errorf("chats %v %v", chats, err)
	}
}

func TestRealMVT(t *testing.T) {
	// Only handle and message tables: no chat, attachment or join tables.
	db := openReal(t, "mvt/tests/artifacts/ios_backup/3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28")
	msgs := allMessages(t, db)
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.RowID != 3 || m.GUID != "FDC6EC94-9D5A-434D-90FA-BF170E10A311" || m.Text != "Please click here https://badbadbad.example.org/" ||
		m.Sender == nil || *m.Sender != "apple" || m.FromMe || m.Chat != "" || len(m.Attachments) != 0 || m.Service != "SMS" {
		t.Errorf("message = %+v", m)
	}
	wantTime(t, "date", m.Date, "2019-08-29T23:13:30.539788032Z")
	if got := m.Date.Format("2006-01-02T15:04:05.000Z07:00"); got != "2019-08-29T23:13:30.539Z" {
		t.Errorf("date in ms %s", got)
	}
	chats, err := db.Chats()
	if err != nil || len(chats) != 0 {
		t.Errorf("chats %v, %v", chats, err)
	}
	for _, err := range db.MessagesInChat(context.Background(), "apple") {
		if err == nil {
			t.Error("MessagesInChat without chat table gave no error")
		}
	}
}

func TestRealHV20Empty(t *testing.T) {
	db := openReal(t, "hv20/day23/Decrypted_Backup/HomeDomain/Library/SMS/sms.db")
	if msgs := allMessages(t, db); len(msgs) != 0 {
		t.Errorf("%d messages, want 0", len(msgs))
	}
	if chats, err := db.Chats(); err != nil || len(chats) != 0 {
		t.Errorf("chats %v, %v", chats, err)
	}
}

func TestParseSummaryInfoReal(t *testing.T) {
	dir := "imessage-exporter/imessage-database/test_data/edited_message/"
	type ev struct {
		part int
		secs float64
		text string
	}
	cases := []struct {
		file      string
		edits     []ev
		retracted []int
	}{
		{"Edited.plist", []ev{{0, 690513474.2725511, "First message  "}, {0, 690513480.4685576, "Edit 1"}, {0, 690513485.9718602, "Edit 2"}, {0, 690513494.0120859, "Edited message"}}, nil},
		{"EditedAndUnsent.plist", []ev{{2, 743907435.319, "Second test"}, {2, 743907448.889677, "Second test was edited!"}}, []int{3}},
		{"EditedAndDeleted.plist", []ev{{2, 743907180.874287, "Second message"}, {2, 743907190.591528, "Second message got edited!"}}, nil},
		{"EditedToLink.plist", []ev{{1, 690514004.2710001, "here we go!"}, {1, 690514772.181738, "https://github.com/ReagentX/imessage-exporter/issues/10"}}, nil},
		{"EditedWithFormatting.plist", []ev{{0, 758573156.2279999, "Test"}, {0, 758573166.176796, "Test"}}, nil},
		{"Deleted.plist", nil, []int{0}},
		{"MultiPartOneDeleted.plist", nil, []int{3}},
	}
	for _, c := range cases {
		edits, rp, err := parseSummaryInfo(realdata.Read(t, dir+c.file))
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if !slices.Equal(rp, c.retracted) {
			t.Errorf("%s: retracted %v, want %v", c.file, rp, c.retracted)
		}
		if len(edits) != len(c.edits) {
			t.Errorf("%s: %d edits, want %d: %+v", c.file, len(edits), len(c.edits), edits)
			continue
		}
		for i, e := range edits {
			w := c.edits[i]
			wt := time.Unix(978307200, 0).Add(time.Duration(w.secs * 1e9)).UTC()
			if e.Part != w.part || e.Text != w.text || e.Date == nil || e.Date.Sub(wt).Abs() > time.Microsecond {
				t.Errorf("%s edit %d = {%d %v %q}, want {%d %v %q}", c.file, i, e.Part, e.Date, e.Text, w.part, wt, w.text)
			}
		}
	}
	// Upstream expects whole-second event times 690513474 … for Edited.plist.
	edits, _, _ := parseSummaryInfo(realdata.Read(t, dir+"Edited.plist"))
	if len(edits) == 4 && edits[0].Date.Unix()-978307200 != 690513474 {
		t.Errorf("first edit at %v", edits[0].Date)
	}
	wantTime(t, "last edit", edits[3].Date, "2022-11-19T01:18:14.012086Z")
}

func TestParseSummaryInfoMalformed(t *testing.T) {
	if e, r, err := parseSummaryInfo(nil); e != nil || r != nil || err != nil {
		t.Errorf("empty input: %v %v %v", e, r, err)
	}
	for _, b := range [][]byte{[]byte("bplist00"), []byte("garbage"), {0x62, 0x70, 0x6c, 0x69, 0x73, 0x74, 0x30, 0x30, 0xff, 0xff}} {
		if _, _, err := parseSummaryInfo(b); err == nil {
			t.Errorf("parseSummaryInfo(%q) gave no error", b)
		}
	}
}

func FuzzParseSummaryInfo(f *testing.F) {
	// Seeds generated here, not copied from real data.
	seeds := [][]byte{}
	for _, c := range []struct {
		edits []dbfixture.SMSEdit
		rp    []int
	}{
		{[]dbfixture.SMSEdit{{Part: 0, Date: time.Unix(1700000000, 0), Text: "a"}, {Part: 0, Date: time.Unix(1700000060, 0), Text: "b"}}, nil},
		{nil, []int{0, 2}},
		{[]dbfixture.SMSEdit{{Part: 3, Date: time.Unix(1700000000, 5e8), Text: "\uFFFCx"}}, []int{1}},
	} {
		b, err := dbfixture.SummaryInfo(c.edits, c.rp)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	if len(seeds) == 0 {
		f.Fatal("empty seed corpus")
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		edits, rp, _ := parseSummaryInfo(b)
		for i := 1; i < len(edits); i++ {
			if edits[i].Part < edits[i-1].Part {
				t.Fatalf("edits not sorted by part: %+v", edits)
			}
		}
		if !slices.IsSorted(rp) {
			t.Fatalf("retracted parts not sorted: %v", rp)
		}
	})
}
