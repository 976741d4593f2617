package dbfixture

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/sqlitemem"
	"github.com/iosbackup/iosbackup/records/typedstream"
)

func TestAttributedBodyRoundTrip(t *testing.T) {
	long := string(bytes.Repeat([]byte("é"), 200)) // 400 bytes: 16-bit length
	type run struct {
		Start, Length int
		Attributes    map[string]any
	}
	cases := []struct {
		text  string
		guids []string
		runs  []run
	}{
		{"Noter test", nil, []run{{0, 10, map[string]any{AttrMessagePart: int64(0)}}}},
		{"", nil, nil},
		{long, nil, []run{{0, 200, map[string]any{AttrMessagePart: int64(0)}}}},
		{"\uFFFC\uFFFCLook 👀", []string{"at_0_A", "at_1_B"}, []run{
			{0, 1, map[string]any{AttrFileTransfer: "at_0_A", AttrMessagePart: int64(0)}},
			{1, 1, map[string]any{AttrFileTransfer: "at_1_B", AttrMessagePart: int64(1)}},
			{2, 7, map[string]any{AttrMessagePart: int64(2)}}, // 👀 is 2 UTF-16 units
		}},
	}
	for _, c := range cases {
		b := AttributedBody(c.text, c.guids...)
		as, err := typedstream.Parse(b)
		if err != nil {
			t.Fatalf("Parse(AttributedBody(%q)): %v", c.text, err)
		}
		if as.Text != c.text {
			t.Errorf("text = %q, want %q", as.Text, c.text)
		}
		if len(as.Runs) != len(c.runs) {
			t.Fatalf("%q: %d runs, want %d: %+v", c.text, len(as.Runs), len(c.runs), as.Runs)
		}
		for i, r := range as.Runs {
			w := c.runs[i]
			if r.Start != w.Start || r.Length != w.Length || len(r.Attributes) != len(w.Attributes) {
				t.Errorf("%q run %d = %+v, want %+v", c.text, i, r, w)
				continue
			}
			for k, v := range w.Attributes {
				if r.Attributes[k] != v {
					t.Errorf("%q run %d attribute %s = %#v, want %#v", c.text, i, k, r.Attributes[k], v)
				}
			}
		}
	}
}

func count(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestWALCarriesTail(t *testing.T) {
	base := SMSData{
		Handles:  []SMSHandle{{RowID: 1, ID: "+15550001"}},
		Messages: []SMSMessage{{RowID: 1, GUID: "A", Text: "first", Handle: 1, Date: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}},
	}
	tail := SMSData{Messages: []SMSMessage{{RowID: 2, GUID: "B", Text: "second", Handle: 1, Date: time.Date(2020, 1, 3, 0, 0, 0, 0, time.UTC)}}}
	main, wal, err := SMSWithWAL(SMSiOS14, base, tail)
	if err != nil {
		t.Fatal(err)
	}
	if main[18] != 2 || main[19] != 2 {
		t.Errorf("main file not in WAL mode: %d %d", main[18], main[19])
	}
	// Header fields.
	if got := binary.BigEndian.Uint32(wal[0:]); got != 0x377f0682 {
		t.Errorf("magic %#x", got)
	}
	if got := binary.BigEndian.Uint32(wal[4:]); got != 3007000 {
		t.Errorf("version %d", got)
	}
	ps := int(binary.BigEndian.Uint32(wal[8:]))
	if ps != int(binary.BigEndian.Uint16(main[16:])) {
		t.Errorf("page size %d", ps)
	}
	if (len(wal)-32)%(24+ps) != 0 || len(wal) == 32 {
		t.Fatalf("WAL length %d is not header + whole frames", len(wal))
	}

	db, err := sqlitemem.Open(main, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT count(*) FROM message"); n != 1 {
		t.Errorf("main file alone has %d messages, want 1", n)
	}
	db.Close()
	db, err = sqlitemem.Open(main, wal)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := count(t, db, "SELECT count(*) FROM message"); n != 2 {
		t.Errorf("with WAL %d messages, want 2", n)
	}
	var text string
	var date int64
	if err := db.QueryRow("SELECT text, date FROM message WHERE guid = 'B'").Scan(&text, &date); err != nil {
		t.Fatal(err)
	}
	if text != "second" || date != 599702400*1e9 {
		t.Errorf("tail row = %q %d", text, date)
	}

	// A corrupted checksum in the last frame drops the whole transaction.
	bad := append([]byte(nil), wal...)
	bad[len(bad)-1] ^= 0xFF
	db2, err := sqlitemem.Open(main, bad)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if n := count(t, db2, "SELECT count(*) FROM message"); n != 1 {
		t.Errorf("with corrupt WAL %d messages, want 1", n)
	}
}

func TestWALErrors(t *testing.T) {
	if _, err := WAL(nil, []byte("not sqlite")); err == nil {
		t.Error("WAL accepted a non-SQLite image")
	}
	a, err := SMS(SMSiOS6, SMSData{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := WAL(a, a)
	if err != nil || len(w) != 32 {
		t.Errorf("identical images: len %d, %v; want a bare 32-byte header", len(w), err)
	}
}

func TestSMSEras(t *testing.T) {
	date := time.Date(2023, 5, 1, 9, 30, 12, 345e6, time.UTC)
	want := map[SMSEra]struct {
		cols int
		date int64
		text bool
	}{
		SMSiOS6:  {38, 704626212, true},
		SMSiOS9:  {51, 704626212, true},
		SMSiOS11: {68, 704626212345000000, true},
		SMSiOS14: {78, 704626212345000000, true},
		SMSiOS16: {82, 704626212345000000, false},
		SMSiOS18: {94, 704626212345000000, false},
	}
	for _, era := range SMSEras {
		img, err := SMS(era, SMSData{
			Handles:  []SMSHandle{{RowID: 7, ID: "+15550007", Service: "SMS"}},
			Chats:    []SMSChat{{RowID: 3, GUID: "SMS;-;+15550007", Identifier: "+15550007", Service: "SMS", Handles: []int64{7}}},
			Messages: []SMSMessage{{RowID: 5, GUID: "G5", Text: "hi", Handle: 7, Service: "SMS", Date: date, Chats: []int64{3}}},
		})
		if err != nil {
			t.Fatalf("%v: %v", era, err)
		}
		db, err := sqlitemem.Open(img, nil)
		if err != nil {
			t.Fatal(err)
		}
		w := want[era]
		if n := count(t, db, "SELECT count(*) FROM pragma_table_info('message')"); n != w.cols {
			t.Errorf("%v: message has %d columns, want %d", era, n, w.cols)
		}
		var d int64
		var text sql.NullString
		var body []byte
		if err := db.QueryRow("SELECT date, text, attributedBody FROM message").Scan(&d, &text, &body); err != nil {
			t.Fatal(err)
		}
		if d != w.date {
			t.Errorf("%v: date %d, want %d", era, d, w.date)
		}
		if text.Valid != w.text {
			t.Errorf("%v: text column %+v", era, text)
		}
		if s, err := typedstream.Text(body); err != nil || s != "hi" {
			t.Errorf("%v: attributedBody text %q, %v", era, s, err)
		}
		if n := count(t, db, "SELECT count(*) FROM chat_message_join WHERE chat_id = 3 AND message_id = 5"); n != 1 {
			t.Errorf("%v: chat_message_join rows %d", era, n)
		}
		db.Close()
	}
}

func TestSummaryInfo(t *testing.T) {
	b, err := SummaryInfo([]SMSEdit{{Part: 0, Date: time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC), Text: "a"}}, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("bplist00")) {
		t.Fatalf("not a binary plist: %q", b[:8])
	}
}
