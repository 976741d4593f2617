package records

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/internal/realdata"
)

var delBase = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)

// delMutate writes img to a temporary folder, runs stmts on it with
// SQLite as a phone would (secure_delete off; journal mode "delete" or
// "wal" with no checkpoint) and returns the main file and -wal as left.
func delMutate(t *testing.T, img []byte, mode string, stmts ...string) (main, wal []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db")
	if err := os.WriteFile(path, img, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range append([]string{"PRAGMA secure_delete=OFF", "PRAGMA journal_mode=" + mode, "PRAGMA wal_autocheckpoint=0"}, stmts...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	main, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wal, _ = os.ReadFile(path + "-wal")
	if mode == "wal" && len(wal) == 0 {
		t.Fatal("no -wal")
	}
	return main, wal
}

// recoveredBy opens a database with open and returns what its Recovered
// yields.
func recoveredBy[T any, D interface {
	Recovered(context.Context) iter.Seq2[*T, error]
	Close() error
}](t *testing.T, open func() (D, error)) []*T {
	t.Helper()
	db, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return delCollect(t, db.Recovered(t.Context()))
}

func delCollect[T any](t *testing.T, seq func(func(*T, error) bool)) []*T {
	t.Helper()
	var out []*T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func delSMS(n int) dbfixture.SMSData {
	d := dbfixture.SMSData{
		Handles: []dbfixture.SMSHandle{{RowID: 1, ID: "+15550001111"}, {RowID: 2, ID: "pat@example.com"}},
		Chats: []dbfixture.SMSChat{
			{RowID: 1, GUID: "iMessage;-;+15550001111", Identifier: "+15550001111", Service: "iMessage", Handles: []int64{1}},
			{RowID: 2, GUID: "iMessage;-;pat@example.com", Identifier: "pat@example.com", Service: "iMessage", Handles: []int64{2}},
		},
	}
	for i := 1; i <= n; i++ {
		txt := fmt.Sprintf("message %d: %s", i, strings.Repeat("lorem ipsum ", i%9))
		if i%10 == 0 {
			txt += strings.Repeat("a long message with overflow pages. ", 150)
		}
		d.Messages = append(d.Messages, dbfixture.SMSMessage{RowID: int64(i), GUID: fmt.Sprintf("MSG-%04d", i), Text: txt,
			Handle: int64(1 + i%2), FromMe: i%3 == 0, Service: "iMessage", Date: delBase.Add(time.Duration(i) * time.Minute),
			Chats: []int64{int64(1 + i%2)}})
	}
	return d
}

// TestRecentlyDeleted reads the Recently Deleted folder of an sms.db with
// the real iOS 16+ schema: chat, date, deletion date, decoded text.
func TestRecentlyDeleted(t *testing.T) {
	for _, era := range []dbfixture.SMSEra{dbfixture.SMSiOS16, dbfixture.SMSiOS18} {
		data := delSMS(8)
		del := delBase.Add(48 * time.Hour)
		rec := []dbfixture.SMSRecoverable{
			{Message: 2, Chat: 1, Deleted: del, Parts: []string{data.Messages[1].Text}},
			{Message: 3, Chat: 2, Deleted: del.Add(time.Minute)},
			{Message: 5, Chat: 2, Deleted: del.Add(2 * time.Minute), Parts: []string{"part one", "part two"}, DropMessageRow: true},
		}
		img, err := dbfixture.SMSRecentlyDeleted(era, data, rec, []string{"GONE-1"})
		if err != nil {
			t.Fatal(err)
		}
		all := recoveredBy[Message](t, func() (*MessageDB, error) { return OpenMessages(dbfixture.FS(devicepath.SMS, img, nil)) })
		var got []*Message
		for _, m := range all {
			if m.Recovered.Source == RecoveredRecentlyDeleted {
				got = append(got, m)
				continue
			}
			// the dropped row of message 5 is carved from the free space,
			// its rowid lost with the cell header: a deleted message too
			if m.Text != data.Messages[4].Text || m.GUID != "MSG-0005" || !m.Deleted {
				t.Errorf("%v: carved %d %.20q %+v", era, m.RowID, m.Text, m.Recovered)
			}
		}
		if len(got) != 3 {
			t.Fatalf("%v: %d Recently Deleted messages, want 3", era, len(got))
		}
		want := []struct {
			rowid              int64
			chat, text, sender string
			fromMe             bool
			complete           bool
			deleted            time.Time
		}{
			{2, "+15550001111", data.Messages[1].Text, "+15550001111", false, true, del},
			{3, "pat@example.com", data.Messages[2].Text, "", true, true, del.Add(time.Minute)},
			{5, "pat@example.com", "part one\npart two", "", false, false, del.Add(2 * time.Minute)},
		}
		byID := map[int64]*Message{}
		for _, m := range got {
			byID[m.RowID] = m
		}
		for _, w := range want {
			m := byID[w.rowid]
			if m == nil {
				t.Fatalf("%v: message %d not recovered", era, w.rowid)
			}
			r := m.Recovered
			if !m.Deleted || r == nil || r.Source != RecoveredRecentlyDeleted || r.Database != devicepath.SMS || r.Complete != w.complete {
				t.Errorf("%v: message %d: deleted %v recovered %+v", era, w.rowid, m.Deleted, r)
				continue
			}
			if m.Chat != w.chat || m.Text != w.text || m.FromMe != w.fromMe || r.DeletedAt == nil || !r.DeletedAt.Equal(w.deleted) {
				t.Errorf("%v: message %d: chat %q text %.20q from me %v deleted %v", era, w.rowid, m.Chat, m.Text, m.FromMe, r.DeletedAt)
			}
			if w.complete && (m.Date == nil || !m.Date.Equal(delBase.Add(time.Duration(w.rowid)*time.Minute)) || m.GUID != fmt.Sprintf("MSG-%04d", w.rowid)) {
				t.Errorf("%v: message %d: date %v guid %q", era, w.rowid, m.Date, m.GUID)
			}
			if (m.Sender == nil) != (w.sender == "") || m.Sender != nil && *m.Sender != w.sender {
				t.Errorf("%v: message %d: sender %v", era, w.rowid, m.Sender)
			}
		}
	}
}

// TestRecoverMessagesCarved deletes messages (and their chat links) as
// the phone does, in both journal modes, and recovers them from the bytes.
func TestRecoverMessagesCarved(t *testing.T) {
	data := delSMS(120)
	img, err := dbfixture.SMS(dbfixture.SMSiOS16, data)
	if err != nil {
		t.Fatal(err)
	}
	var stmts []string
	deleted := map[int64]bool{}
	for i := int64(4); i <= 120; i += 4 {
		deleted[i] = true
		stmts = append(stmts, fmt.Sprintf("DELETE FROM chat_message_join WHERE message_id = %d", i),
			fmt.Sprintf("DELETE FROM message WHERE ROWID = %d", i))
	}
	stmts = append(stmts, "UPDATE message SET is_read = 1 WHERE ROWID = 7")
	for _, mode := range []string{"delete", "wal"} {
		main, wal := delMutate(t, img, mode, stmts...)
		got := recoveredBy[Message](t, func() (*MessageDB, error) { return OpenMessages(dbfixture.FS(devicepath.SMS, main, wal)) })
		found := map[int64]bool{}
		for _, m := range got {
			r := m.Recovered
			if r == nil || r.Database != devicepath.SMS || r.Table != "message" || r.Page == 0 {
				t.Fatalf("%s: recovery %+v", mode, r)
			}
			if mode == "delete" && r.Source != RecoveredFreelist && r.Source != RecoveredUnallocated {
				t.Errorf("%s: source %s without a -wal", mode, r.Source)
			}
			if mode == "wal" && r.Source != RecoveredWAL && r.Source != RecoveredSupersededPage && r.Source != RecoveredUnallocated && r.Source != RecoveredFreelist {
				t.Errorf("%s: source %s", mode, r.Source)
			}
			if r.HistoryOf != nil {
				if *r.HistoryOf != m.RowID || !m.Deleted && m.RowID != 7 {
					t.Errorf("%s: history of %d on message %d (deleted %v)", mode, *r.HistoryOf, m.RowID, m.Deleted)
				}
				continue
			}
			if m.RowID != 0 && !deleted[m.RowID] {
				t.Errorf("%s: live message %d reported deleted (%s)", mode, m.RowID, r.Source)
				continue
			}
			// match by text: a cell whose header was overwritten has no rowid
			for id := range deleted {
				if m.Text == data.Messages[id-1].Text {
					found[id] = true
					if m.RowID == id {
						want := data.Chats[id%2].Identifier
						if m.Chat != want && m.Chat != "" {
							t.Errorf("%s: message %d in chat %q, want %q", mode, id, m.Chat, want)
						}
						if m.Date == nil || !m.Date.Equal(delBase.Add(time.Duration(id)*time.Minute)) {
							t.Errorf("%s: message %d date %v", mode, id, m.Date)
						}
					}
				}
			}
		}
		if 100*len(found) < 80*len(deleted) {
			t.Errorf("%s: %d of %d deleted messages recovered", mode, len(found), len(deleted))
		}
		withChat := 0
		for _, m := range got {
			if m.Deleted && m.Chat != "" {
				withChat++
			}
		}
		t.Logf("%s: %d of %d deleted messages recovered, %d with their chat; %d records", mode, len(found), len(deleted), withChat, len(got))
	}
}

func TestRecoverContactsAndCalls(t *testing.T) {
	people := []dbfixture.Person{}
	for i := 1; i <= 40; i++ {
		people = append(people, dbfixture.Person{First: fmt.Sprintf("First%02d", i), Last: fmt.Sprintf("Last%02d", i),
			Phones: []dbfixture.Value{{Label: dbfixture.SystemLabel("Mobile"), Value: fmt.Sprintf("+1555000%04d", i)}},
			Emails: []dbfixture.Value{{Label: dbfixture.SystemLabel("Home"), Value: fmt.Sprintf("p%d@example.com", i)}}})
	}
	ab, err := dbfixture.AddressBook(dbfixture.ABiOS9, people...)
	if err != nil {
		t.Fatal(err)
	}
	main, wal := delMutate(t, ab, "delete",
		"DELETE FROM ABMultiValue WHERE record_id IN (5, 17, 30)",
		"DELETE FROM ABPerson WHERE ROWID IN (5, 17, 30)")
	got := recoveredBy[Contact](t, func() (*ContactDB, error) { return OpenContacts(dbfixture.FS(devicepath.AddressBook, main, wal)) })
	names := map[string]*Contact{}
	for _, c := range got {
		if !c.Deleted || c.Recovered == nil || c.Recovered.Table != "ABPerson" {
			t.Errorf("contact %+v", c)
		}
		if c.ID != 0 && c.ID != 5 && c.ID != 17 && c.ID != 30 {
			t.Errorf("live contact %d reported deleted", c.ID)
		}
		names[c.First+" "+c.Last] = c
	}
	for _, id := range []int{5, 17, 30} {
		c := names[fmt.Sprintf("First%02d Last%02d", id, id)]
		if c == nil {
			t.Errorf("contact %d not recovered", id)
			continue
		}
		if c.ID == int64(id) && (len(c.Phones) != 1 || c.Phones[0].Value != fmt.Sprintf("+1555000%04d", id) || c.Phones[0].Label != "Mobile") {
			t.Errorf("contact %d phones %+v", id, c.Phones)
		}
	}

	for _, era := range dbfixture.CallEras {
		var calls []dbfixture.CallRecord
		for i := 1; i <= 30; i++ {
			calls = append(calls, dbfixture.CallRecord{ID: int64(i), Address: fmt.Sprintf("+1555111%04d", i), Date: delBase.Add(time.Duration(i) * time.Hour),
				Duration: float64(i * 10), Outgoing: i%2 == 0, Answered: true, CallType: 1, Country: "us"})
		}
		img, err := dbfixture.CallHistory(era, calls...)
		if err != nil {
			t.Fatal(err)
		}
		table, pk := "ZCALLRECORD", "Z_PK"
		if !era.CoreData() {
			table, pk = "call", "ROWID"
		}
		main, wal := delMutate(t, img, "wal", fmt.Sprintf("DELETE FROM %s WHERE %s IN (3, 11, 12, 25)", table, pk))
		got := recoveredBy[Call](t, func() (*CallDB, error) { return OpenCalls(dbfixture.FS(devicepath.CallHistory, main, wal)) })
		found := map[string]bool{}
		for _, c := range got {
			if !c.Deleted || c.Recovered == nil || !strings.EqualFold(c.Recovered.Table, table) {
				t.Errorf("%v: call %+v", era, c)
			}
			if c.ID != 0 && c.ID != 3 && c.ID != 11 && c.ID != 12 && c.ID != 25 {
				t.Errorf("%v: live call %d reported deleted", era, c.ID)
			}
			found[c.Address] = true
			if c.ID == 12 && (c.Duration != 120 || !c.Outgoing || c.Date == nil || !c.Date.Equal(delBase.Add(12*time.Hour))) {
				t.Errorf("%v: call 12: %+v", era, c)
			}
		}
		for _, id := range []int{3, 11, 12, 25} {
			if !found[fmt.Sprintf("+1555111%04d", id)] {
				t.Errorf("%v: call %d not recovered", era, id)
			}
		}
	}
}

// TestRecoverPresentations maps the carved iOS 5 ("madrid" era) message
// rows of the real Presentations sms.db: the six messages deleted before
// the logical dump, with address, date and direction.
func TestRecoverPresentations(t *testing.T) {
	got := recoveredBy[Message](t, func() (*MessageDB, error) { return OpenMessagesFile(realdata.Path(t, "Presentations", "sms.db")) })
	deleted := map[int64]*Message{}
	history := 0
	for _, m := range got {
		if m.Recovered == nil || m.Recovered.Source != RecoveredWAL || m.Recovered.Frame == 0 {
			t.Errorf("message %d: %+v", m.RowID, m.Recovered)
		}
		switch {
		case m.Deleted && m.Recovered.HistoryOf == nil: // the latest version of a deleted message
			if deleted[m.RowID] != nil {
				t.Errorf("message %d: two latest versions", m.RowID)
			}
			deleted[m.RowID] = m
		case m.Deleted: // an earlier version of it
			if *m.Recovered.HistoryOf != m.RowID {
				t.Errorf("message %d: history of %d", m.RowID, *m.Recovered.HistoryOf)
			}
		default: // an earlier version of a live message
			history++
		}
	}
	want := []struct {
		rowid  int64
		addr   string
		date   int64
		fromMe bool
		text   string
	}{
		{1, "(209) 649-0617", 1330197900, true, "Hey Johnny. Where did you hide the gun?"},
		{2, "+12096490617", 1330197929, false, "In the dumpster behind the store. "},
		{3, "(209) 649-0617", 1330197958, true, "Dang foo. Cops are bout to pull me over. Gotta delete that text yo!"},
		{4, "+12096490617", 1330197993, false, "Stop txting me. Call me later to tell me what happened?"},
		{5, "(209) 649-0617", 1330198000, true, "Aight playa"},
		{10, "(209) 403-0664", 1335484628, true, "This will be deleted prior to the logical dump. "},
	}
	if len(deleted) != len(want) {
		t.Errorf("%d deleted messages, want %d", len(deleted), len(want))
	}
	for _, w := range want {
		m := deleted[w.rowid]
		if m == nil {
			t.Errorf("message %d not recovered", w.rowid)
			continue
		}
		if m.Text != w.text || m.Chat != w.addr || m.Date == nil || m.Date.Unix() != w.date || m.FromMe != w.fromMe || m.Service != "SMS" {
			t.Errorf("message %d: %q %q %v from me %v %s", w.rowid, m.Text, m.Chat, m.Date, m.FromMe, m.Service)
		}
	}
	if history == 0 {
		t.Error("no earlier versions of the live messages")
	}
}
