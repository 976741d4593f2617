package export

import (
	"bytes"
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"

	"github.com/iosbackup/iosbackup/records"
)

var (
	walRec  = &records.Recovery{Source: records.RecoveredWAL, Database: "sms.db", Table: "message", Page: 5, Offset: 3999, Frame: 7}
	histRec = &records.Recovery{Source: records.RecoveredWAL, Table: "message", Page: 5, Offset: 4000, HistoryOf: ptr(int64(1))}
	rdRec   = &records.Recovery{Source: records.RecoveredRecentlyDeleted, Table: "recoverable_message_part"}
)

func TestRecoveryNote(t *testing.T) {
	for _, tc := range []struct {
		deleted  bool
		r        *records.Recovery
		src, not string
	}{
		{false, nil, "", ""},
		{true, walRec, "wal, message page 5 offset 3999", "deleted — recovered from wal, message page 5 offset 3999"},
		{false, histRec, "wal, message page 5 offset 4000; earlier version of row 1", "earlier version — recovered from wal, message page 5 offset 4000; earlier version of row 1"},
		{true, rdRec, "Recently Deleted", "deleted — Recently Deleted"},
	} {
		if got := recoverySource(tc.r); got != tc.src {
			t.Errorf("RecoverySource = %q, want %q", got, tc.src)
		}
		if got := recoveryNote(tc.deleted, tc.r); got != tc.not {
			t.Errorf("recoveryNote = %q, want %q", got, tc.not)
		}
	}
}

// Recovered records keep their text, note and name exactly; the mark is
// in the deleted and recovered columns of every CSV.
func TestCSVRecoveredColumns(t *testing.T) {
	text := "=Hey Johnny"
	var buf bytes.Buffer
	if _, err := MessagesCSV(&buf, seqOf(
		&records.Message{RowID: 1, Text: "live"},
		&records.Message{RowID: 2, Text: text, Deleted: true, Recovered: walRec},
		&records.Message{RowID: 3, Text: "old", Recovered: histRec},
	), nil); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"deleted", "recovered"}, {"false", ""}, {"true", "wal, message page 5 offset 3999"},
		{"false", "wal, message page 5 offset 4000; earlier version of row 1"}}
	for i, r := range rows {
		n := len(r)
		if n != len(messagesHeader) || [2]string{r[n-2], r[n-1]} != want[i] {
			t.Errorf("row %d ends %q, want %q", i, r[n-2:], want[i])
		}
	}
	if rows[2][9] != "'"+text { // the usual formula guard, nothing more
		t.Errorf("text = %q", rows[2][9])
	}

	buf.Reset()
	if _, err := ContactsCSV(&buf, seqOf(&records.Contact{ID: 7, First: "Given07", Note: "a note", Deleted: true, Recovered: &records.Recovery{Source: records.RecoveredFreelist, Table: "ABPerson", Page: 3, Offset: 100}})); err != nil {
		t.Fatal(err)
	}
	rows, _ = csv.NewReader(&buf).ReadAll()
	if r := rows[1]; r[11] != "a note" || r[len(r)-2] != "true" || r[len(r)-1] != "freelist, ABPerson page 3 offset 100" || len(r) != len(contactsHeader) {
		t.Errorf("contact row %q", r)
	}
	buf.Reset()
	if _, err := CallsCSV(&buf, seqOf(&records.Call{ID: 9, Address: "+15550300009", Name: "Bob", Deleted: true, Recovered: &records.Recovery{Source: records.RecoveredUnallocated, Table: "ZCALLRECORD", Page: 2, Offset: 50}})); err != nil {
		t.Fatal(err)
	}
	rows, _ = csv.NewReader(&buf).ReadAll()
	if r := rows[1]; r[3] != "Bob" || r[len(r)-2] != "true" || r[len(r)-1] != "unallocated, ZCALLRECORD page 2 offset 50" || len(r) != len(callsHeader) {
		t.Errorf("call row %q", r)
	}
}

// A deleted contact carries X-IBACKUP-DELETED (an earlier version
// X-IBACKUP-EARLIER-VERSION), read back by go-vcard; NOTE is its own.
func TestVCardRecovered(t *testing.T) {
	var buf bytes.Buffer
	if _, err := VCard(&buf, seqOf(
		&records.Contact{ID: 1, First: "Live", Note: "n1"},
		&records.Contact{ID: 2, First: "Gone", Note: "n2", Deleted: true, Recovered: &records.Recovery{Source: records.RecoveredFreelist, Table: "ABPerson", Page: 3, Offset: 100}},
		&records.Contact{ID: 3, First: "Old", Recovered: &records.Recovery{Source: records.RecoveredWAL, Table: "ABPerson", Page: 4, Offset: 8, HistoryOf: ptr(int64(3))}},
	)); err != nil {
		t.Fatal(err)
	}
	dec := vcard.NewDecoder(&buf)
	want := []struct{ note, del, old string }{
		{"n1", "", ""},
		{"n2", "freelist, ABPerson page 3 offset 100", ""},
		{"", "", "wal, ABPerson page 4 offset 8; earlier version of row 3"},
	}
	for i, w := range want {
		card, err := dec.Decode()
		if err != nil {
			t.Fatal(err)
		}
		if got := card.Value(vcard.FieldNote); got != w.note {
			t.Errorf("card %d NOTE = %q, want %q", i, got, w.note)
		}
		if got := card.Value("X-IBACKUP-DELETED"); got != w.del {
			t.Errorf("card %d X-IBACKUP-DELETED = %q, want %q", i, got, w.del)
		}
		if got := card.Value("X-IBACKUP-EARLIER-VERSION"); got != w.old {
			t.Errorf("card %d X-IBACKUP-EARLIER-VERSION = %q, want %q", i, got, w.old)
		}
	}
}

// The HTML transcript shows a deleted message in place with its exact
// text, the bubble classed "deleted" (dashed border) and a caption naming
// the source; a deleted tapback is shown on its message, marked.
func TestHTMLRecovered(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	me := true
	msgs := []*records.Message{
		{RowID: 1, GUID: "a", Chat: "+15550001", ChatGUID: "c", Text: "live one", Date: tm("2023-05-01T10:00:00Z"), FromMe: me},
		{RowID: 2, GUID: "b", Chat: "+15550001", ChatGUID: "c", Text: "gone one", Date: tm("2023-05-01T10:01:00Z"), FromMe: me, Deleted: true, Recovered: walRec},
		{RowID: 3, GUID: "r", Chat: "+15550001", ChatGUID: "c", Sender: ptr("+15550001"), Date: tm("2023-05-01T10:02:00Z"),
			Reaction: &records.Reaction{Type: "love", Target: "a"}, Deleted: true, Recovered: rdRec},
	}
	if _, err := HTML(dir, seqOf(msgs...), HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	page := readFile(t, filepath.Join(dir, "+15550001.html"))
	for _, want := range []string{
		`<div class="msg me deleted"><div class="bubble">gone one</div><div class="meta">10:01</div><div class="recovered">deleted — recovered from wal, message page 5 offset 3999</div></div>`,
		`<div class="msg me"><div class="bubble">live one</div>`,
		`.deleted .bubble{border:2px dashed`,
		`<span class="recovered" title="deleted — Recently Deleted">(deleted)</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s:\n%s", want, page)
		}
	}
	if strings.Count(page, `<div class="recovered">`) != 1 {
		t.Error("the live message is marked")
	}
}
