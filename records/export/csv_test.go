package export

import (
	"bytes"
	"encoding/csv"
	"errors"
	"slices"
	"testing"

	"github.com/iosbackup/iosbackup/records"
)

func readCSV(t *testing.T, b []byte) []map[string]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func checkRow(t *testing.T, row map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got, ok := row[k]; !ok || got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestContactsCSV(t *testing.T) {
	c := fullContact()
	var buf bytes.Buffer
	st, err := ContactsCSV(&buf, withErr(seqOf(c, &records.Contact{ID: 9, First: "=HYPERLINK(\"http://x\")", Note: "-2+3", Phones: []records.Labeled{{Value: "+1 555 0100"}}}), 1, errBadRow))
	if st.Written != 2 || st.Failed != 1 || !errors.Is(err, errBadRow) {
		t.Fatalf("stats %+v %v", st, err)
	}
	header, _ := csv.NewReader(bytes.NewReader(buf.Bytes())).Read()
	if !slices.Equal(header, contactsHeader) {
		t.Errorf("header %q", header)
	}
	rows := readCSV(t, buf.Bytes())
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	checkRow(t, rows[0], map[string]string{
		"id": "1", "prefix": "Dr.", "first": "Zoë", "middle": "Ann; B", "last": "O'Brien, Jr", "suffix": "PhD",
		"nickname": "Zo\\e", "organization": "ACME; Inc.", "department": "R&D, Labs", "job_title": "Chief, Explosives",
		"birthday": "1980-02-29", "note": "Line one\nLine two; with semicolon, comma\nand CRLF \\ backslash 🎉",
		"phones": "Mobile: +1 (555) 010-0001; iPhone: +15550100002; Home: 555-0003; Work: 555-0004; Main: 555-0005; " +
			"HomeFAX: 555-0006; Pager: 555-0007; Other: 555-0008; Boat, phone: 555-0009; 555-0010",
		"emails":    "Home: zoe@example.com; Work: zoe@acme.example; iCloud: zoe@icloud.example",
		"urls":      "HomePage: https://zoe.example/a,b;c; Work: https://acme.example",
		"addresses": "Home: 1 Main St, Apt 2, Springfield, IL 62701, United States; Cottage: Rue de l'Église; 3, Zürich, 8001, Switzerland",
		"profiles":  "Skype: zoe.skype; Twitter: zoe_tw; Mastodon: zoe@social.example",
		"related":   "Mother: Ann O'Brien", "dates": "Anniversary: 2005-06-07", "groups": "Family; Book club, Tuesday",
		"created": "2020-01-01T00:00:00.000Z", "modified": "2021-02-03T04:05:06.789Z", "has_photo": "true",
	})
	// Formula injection is defused; phone numbers and plain arithmetic-looking numbers stay.
	checkRow(t, rows[1], map[string]string{
		"first": "'=HYPERLINK(\"http://x\")", "note": "'-2+3", "phones": "'+1 555 0100", "created": "", "has_photo": "false",
	})
}

func TestMessagesCSV(t *testing.T) {
	names := func(h string) string {
		if h == "+15551234567" {
			return "Alice"
		}
		return ""
	}
	m1 := sampleMessage()
	m1.Attachments = append(m1.Attachments, records.Attachment{Name: "", Path: "x/voice.caf", MIME: "audio/x-caf", Size: 9, Missing: true})
	m2 := &records.Message{RowID: 43, GUID: "G-2", Chat: "chat123", ChatName: ptr("Trip"), Service: "iMessage",
		Date: tm("2023-05-01T09:31:00Z"), FromMe: true, Text: "@SUM(1)", Edited: true,
		Reaction: &records.Reaction{Type: "love", Target: "G-1", Removed: true}, DateEdited: tm("2023-05-01T09:32:00.5Z")}
	m3 := &records.Message{RowID: 44, Chat: "+1999", Sender: ptr("+1999"), Reaction: &records.Reaction{Type: "emoji", Emoji: "🎉", Target: "G-2"}}
	var buf bytes.Buffer
	st, err := MessagesCSV(&buf, seqOf(m1, m2, nil, m3), names)
	if st.Written != 3 || st.Failed != 1 || !errors.Is(err, ErrNilRecord) {
		t.Fatalf("stats %+v %v", st, err)
	}
	rows := readCSV(t, buf.Bytes())
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	checkRow(t, rows[0], map[string]string{
		"rowid": "42", "guid": "G-1", "date": "2023-05-01T09:30:12.345Z", "chat": "+15551234567", "chat_name": "",
		"service": "iMessage", "from_me": "false", "sender": "+15551234567", "sender_name": "Alice",
		"text": m1.Text, "attachments": "IMG_1.jpg (image/jpeg, 1234 bytes); voice.caf (audio/x-caf, 9 bytes) [missing]",
		"reaction": "", "reaction_removed": "", "reply_to": "G-0", "is_read": "true", "date_read": "", "date_delivered": "2023-05-01T09:30:13.000Z",
	})
	checkRow(t, rows[1], map[string]string{
		"chat_name": "Trip", "from_me": "true", "sender": "", "sender_name": "Me", "text": "'@SUM(1)",
		"reaction": "love", "reaction_target": "G-1", "reaction_removed": "true", "edited": "true", "date_edited": "2023-05-01T09:32:00.500Z",
	})
	// No contact matches: sender_name is empty, as it is null in JSON Lines.
	checkRow(t, rows[2], map[string]string{"sender": "+1999", "sender_name": "", "reaction": "🎉", "reaction_target": "G-2", "reaction_removed": "false", "date": ""})
}

func TestCallsCSV(t *testing.T) {
	calls := []*records.Call{
		{ID: 1, Address: "+15550001", Name: "Bob", Date: tm("2024-01-02T03:04:05.006Z"), Duration: 125.25, Outgoing: true, Answered: true, Type: "phone", Service: "com.apple.Telephony", Country: "us"},
		{ID: 2, Address: "", Date: tm("2024-01-03T00:00:00Z"), Missed: true, Type: "facetime-video", Participants: []string{"a@x", "b@y"}, UniqueID: "U-2"},
	}
	var buf bytes.Buffer
	st, err := CallsCSV(&buf, seqOf(calls...))
	if err != nil || st.Written != 2 {
		t.Fatal(st, err)
	}
	rows := readCSV(t, buf.Bytes())
	checkRow(t, rows[0], map[string]string{"id": "1", "date": "2024-01-02T03:04:05.006Z", "address": "+15550001", "name": "Bob",
		"duration": "125.25", "outgoing": "true", "answered": "true", "missed": "false", "type": "phone", "service": "com.apple.Telephony", "country": "us"})
	checkRow(t, rows[1], map[string]string{"address": "", "duration": "0", "missed": "true", "type": "facetime-video", "participants": "a@x; b@y", "unique_id": "U-2"})

	if _, err := CallsCSV(&failWriter{}, seqOf(calls...)); !errors.Is(err, ErrOutput) {
		t.Errorf("write error: %v", err)
	}
}

// TestCSVSafe checks the formula guard (OWASP: prefix with an apostrophe).
func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1":              "'=1+1",
		" =1+1":             "' =1+1",
		"\n=1+1":            "'\n=1+1",
		"\t@SUM(A1)":        "'\t@SUM(A1)",
		"\r-1":              "'\r-1",
		"\uFF1D1+1":         "'\uFF1D1+1",
		"\u3000\uFF0B1":     "'\u3000\uFF0B1",
		"+1*(2+3)":          "'+1*(2+3)",
		"-2+3":              "'-2+3",
		"+1 (555) 010-0000": "'+1 (555) 010-0000",
		"@user":             "'@user",
		"-12":               "-12",
		"+15551234567":      "+15551234567",
		"3.5":               "3.5",
		"hello = world":     "hello = world",
		"":                  "",
		"日本語":               "日本語",
	} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
