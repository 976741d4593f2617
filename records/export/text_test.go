package export

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/iosbackup/iosbackup/internal/realdata"
	"github.com/iosbackup/iosbackup/internal/termsafe"
	"github.com/iosbackup/iosbackup/records"
)

var tokyo = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		panic(err)
	}
	return loc
}()

func TestContactsText(t *testing.T) {
	contacts := []*records.Contact{
		{ID: 1, First: "Alex", Last: "Doe", Nickname: "Lexi", JobTitle: "Engineer", Organization: "Acme",
			Phones:    []records.Labeled{{Label: "Mobile", Value: "+1 555 0100"}, {Value: "+1 555 0101"}},
			Emails:    []records.Labeled{{Label: "Home", Value: "alex@example.com"}},
			URLs:      []records.Labeled{{Value: "https://alex.example"}},
			Addresses: []records.Address{{Label: "Home", Street: "1 Main St", City: "Springfield", State: "IL", ZIP: "62701", Country: "USA"}},
			Birthday:  "1990-04-01", Note: "first line\nsecond line"},
		{ID: 2, Organization: "Acme"},
		{ID: 3, Problems: []string{"phones[0]: label 999 is not in ABMultiValueLabel"}},
		{ID: 4, First: "Gone", Deleted: true, Recovered: rdRec},
	}
	var b strings.Builder
	st, err := ContactsText(&b, seqOf(contacts...))
	if err != nil || st.Written != 4 || st.Failed != 0 {
		t.Fatalf("ContactsText = %+v, %v", st, err)
	}
	want := `Alex Doe (“Lexi”, Engineer, Acme)
    phone    Mobile: +1 555 0100
    phone    +1 555 0101
    email    Home: alex@example.com
    url      https://alex.example
    address  Home: 1 Main St, Springfield, IL 62701, USA
    birthday 1990-04-01
    note     first line / second line
Acme
(no name)
    problem  phones[0]: label 999 is not in ABMultiValueLabel
[deleted — Recently Deleted] Gone
`
	if got := b.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestCallsText(t *testing.T) {
	calls := []*records.Call{
		{ID: 1, Date: tm("2023-03-08T11:26:00Z"), Address: "+15550100", Outgoing: true, Duration: 65.7, Type: "phone"},
		{ID: 2, Date: tm("2023-03-09T11:26:00Z"), Address: "+15550142", Missed: true, Type: "phone"},
		{ID: 3, Date: tm("2023-03-10T11:26:00Z"), Type: "facetime-video", Duration: 120},
		{ID: 4, Address: "+15550166", Name: "Bo", Type: "phone", Problems: []string{"participants: handle 999 is not in ZHANDLE"}},
		{ID: 5, Date: tm("2023-03-12T11:26:00Z"), Address: "+15550199", Type: "phone", Deleted: true, Recovered: walRec},
	}
	names := func(h string) string {
		if h == "+15550100" {
			return "Alex Doe"
		}
		return ""
	}
	var b strings.Builder
	st, err := CallsText(&b, seqOf(calls...), TextOptions{Names: names, Location: tokyo})
	if err != nil || st.Written != 5 {
		t.Fatalf("CallsText = %+v, %v", st, err)
	}
	want := "Times are in Asia/Tokyo (JST, UTC+09:00)\n\n" +
		"2023-03-08 20:26  outgoing  phone           Alex Doe (+15550100)                                                  1m5s\n" +
		"2023-03-09 20:26  missed    phone           +15550142                                                             \n" +
		"2023-03-10 20:26  incoming  facetime-video  unknown caller                                                        2m0s\n" +
		"????-??-?? ??:??  incoming  phone           Bo (+15550166)                                                          [problem: participants: handle 999 is not in ZHANDLE]\n" +
		"2023-03-12 20:26  incoming  phone           [deleted — recovered from wal, message page 5 offset 3999] +15550199  \n"
	if got := b.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestMessagesText(t *testing.T) {
	me, bo, cy := "+15550001", "+15550002", "cy@example.com"
	msgs := []*records.Message{
		{RowID: 1, GUID: "G1", Date: tm("2023-03-08T11:26:00Z"), Chat: bo, ChatGUID: "iMessage;-;" + bo, Service: "iMessage", FromMe: true, Text: "Hello there"},
		{RowID: 2, GUID: "G2", Date: tm("2023-03-08T11:27:00Z"), Chat: bo, ChatGUID: "iMessage;-;" + bo, Service: "iMessage", Sender: &bo, Text: "line one\nline two", ReplyTo: ptr("G1"), Edited: true},
		{RowID: 3, GUID: "G3", Date: tm("2023-03-08T11:28:00Z"), Chat: "chat42", ChatGUID: "iMessage;+;chat42", ChatName: ptr("Team"), Service: "iMessage", Sender: &cy,
			Text: "\uFFFCphoto", Attachments: []records.Attachment{{Name: "IMG_1.jpg", MIME: "image/jpeg", Size: 1536}, {Name: "b.mov", MIME: "video/quicktime", Size: 100, Missing: true}}},
		{RowID: 4, GUID: "G4", Date: tm("2023-03-08T11:29:00Z"), Chat: bo, ChatGUID: "iMessage;-;" + bo, Service: "iMessage", Sender: &bo, Reaction: &records.Reaction{Type: "love", Target: "G1"}},
		{RowID: 5, GUID: "G5", Date: tm("2023-03-08T11:30:00Z"), Chat: "chat42", ChatGUID: "iMessage;+;chat42", Service: "iMessage", FromMe: true, GroupEvent: &records.GroupEvent{Kind: "renamed", Title: "Team"}},
		{RowID: 6, GUID: "G6", Date: tm("2023-03-08T11:31:00Z"), Chat: "chat42", ChatGUID: "iMessage;+;chat42", Service: "iMessage", Sender: &cy, GroupEvent: &records.GroupEvent{Kind: "added", Other: me}},
		{RowID: 7, GUID: "G7", Date: tm("2023-03-08T11:32:00Z"), Chat: "chat42", ChatGUID: "iMessage;+;chat42", Service: "iMessage", Sender: &cy, Reaction: &records.Reaction{Type: "emoji", Emoji: "🎉", Target: "G3"}},
		{RowID: 8, GUID: "G8", Date: tm("2023-03-08T11:33:00Z"), Chat: bo, ChatGUID: "iMessage;-;" + bo, Service: "iMessage", FromMe: true, Unsent: true},
		{RowID: 9, GUID: "G9", Chat: bo, ChatGUID: "iMessage;-;" + bo, Service: "iMessage", Text: "who?", Deleted: true, Recovered: walRec},
		{RowID: 10, GUID: "G10", Date: tm("2023-03-08T11:34:00Z"), Chat: bo, ChatGUID: "iMessage;-;" + bo, Service: "iMessage", Sender: &bo, Reaction: &records.Reaction{Type: "like", Target: "G2", Removed: true}},
	}
	chats := []*records.Chat{{GUID: "iMessage;+;chat42", Group: true, Participants: []string{cy, bo}}}
	names := func(h string) string { return map[string]string{bo: "Bo", cy: "Cy"}[h] }
	var b strings.Builder
	st, err := MessagesText(&b, seqOf(msgs...), TextOptions{Names: names, Location: tokyo, Chats: chats})
	if err != nil || st.Written != 10 {
		t.Fatalf("MessagesText = %+v, %v", st, err)
	}
	want := `Times are in Asia/Tokyo (JST, UTC+09:00)

== Bo (+15550002) [iMessage] ==
2023-03-08 20:26  Me: Hello there
2023-03-08 20:27  Bo: line one
                    line two  (reply to “Hello there”)  (edited)
2023-03-08 20:29  Bo loved “Hello there”
2023-03-08 20:33  Me unsent a message
????-??-?? ??:??  [deleted — recovered from wal, message page 5 offset 3999] ?: who?
2023-03-08 20:34  Bo took back a reaction (like) to “line one
line two”

== Team (with Bo, Cy) [iMessage] ==
2023-03-08 20:28  Cy: photo  [IMG_1.jpg, image/jpeg, 1.5 KiB]  [b.mov, video/quicktime, 100 B, missing]
2023-03-08 20:30  — Me named the conversation “Team”
2023-03-08 20:31  — Cy added +15550001
2023-03-08 20:32  Cy reacted 🎉 to “photo”
`
	// A quote is made safe with its line: the break in "line one\nline
	// two" shows as \n.
	want = strings.Replace(want, "“line one\nline two”", `“line one\nline two”`, 1)
	if got := b.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestTextEscapes checks that text from the backup cannot drive the
// terminal: escape sequences, C1 controls, bidirectional controls and
// invalid UTF-8 are shown as visible escapes in every text format, and
// only a message body keeps its line breaks.
func TestTextEscapes(t *testing.T) {
	const osc52 = "\x1b]52;c;Y3VybA==\x07"
	hostile := "a" + osc52 + "b\u202Etxt.exe\u009b31m\xff\u2066c\rd"
	const shown = `a\e]52;c;Y3VybA==\x07b\u{202E}txt.exe\u{009B}31m\xff\u{2066}c\rd`
	var b strings.Builder
	if _, err := ContactsText(&b, seqOf(&records.Contact{First: hostile, Note: hostile,
		Phones: []records.Labeled{{Label: hostile, Value: hostile}}, Problems: []string{hostile}})); err != nil {
		t.Fatal(err)
	}
	if _, err := CallsText(&b, seqOf(&records.Call{Address: hostile, Name: hostile, Type: records.CallType(hostile), Problems: []string{hostile}}), TextOptions{Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	sender := hostile
	if _, err := MessagesText(&b, seqOf(
		&records.Message{GUID: "1", Chat: hostile, ChatName: &sender, Service: hostile, Sender: &sender, Text: hostile + "\nnext " + hostile,
			Attachments: []records.Attachment{{Name: hostile, MIME: hostile}}},
		&records.Message{GUID: "2", Chat: hostile, Sender: &sender, GroupEvent: &records.GroupEvent{Kind: "renamed", Title: hostile}},
	), TextOptions{Location: time.UTC, Names: func(string) string { return hostile }}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07\r\u202E\u2066\u009b") || !strings.Contains(out, "\n                    next ") {
		t.Fatalf("raw control or lost body line in:\n%q", out)
	}
	for _, want := range []string{
		shown + "\n    phone",                                      // contact name
		"    phone    " + shown + ": " + shown + "\n",              // labeled value
		"    note     " + shown + "\n",                             // note
		"    problem  " + shown + "\n",                             // problem
		"  incoming  " + shown + "  " + shown + "    [",            // call: type and who (the name is the handle)
		"  [problem: " + shown + "]\n",                             // call: problem
		"== " + shown + " [" + shown + "] ==\n",                    // chat title and service
		"  " + shown + ": " + shown + "\n",                         // body, first line
		"  [" + shown + ", " + shown + ", 0 B]",                    // attachment
		"— " + shown + " named the conversation “" + shown + "”\n", // group event
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestTextRowErrors checks that failed and nil records are counted and
// kept as row errors, the rest written, as by the other exporters.
func TestTextRowErrors(t *testing.T) {
	type run func(seqErr error, nilRecord bool) (Stats, string, error)
	for name, f := range map[string]run{
		"contacts": func(e error, nilRec bool) (Stats, string, error) {
			var b strings.Builder
			recs := []*records.Contact{{First: "One"}, {First: "Two"}}
			if nilRec {
				recs = append(recs, nil)
			}
			st, err := ContactsText(&b, withErr(seqOf(recs...), 1, e))
			return st, b.String(), err
		},
		"calls": func(e error, nilRec bool) (Stats, string, error) {
			var b strings.Builder
			recs := []*records.Call{{Address: "One", Date: tm("2024-01-01T00:00:00Z")}, {Address: "Two", Date: tm("2024-01-01T00:00:00Z")}}
			if nilRec {
				recs = append(recs, nil)
			}
			st, err := CallsText(&b, withErr(seqOf(recs...), 1, e), TextOptions{Location: time.UTC})
			return st, b.String(), err
		},
		"messages": func(e error, nilRec bool) (Stats, string, error) {
			var b strings.Builder
			recs := []*records.Message{{GUID: "1", Text: "One"}, {GUID: "2", Text: "Two"}}
			if nilRec {
				recs = append(recs, nil)
			}
			st, err := MessagesText(&b, withErr(seqOf(recs...), 1, e), TextOptions{Location: time.UTC})
			return st, b.String(), err
		},
	} {
		st, out, err := f(errBadRow, true)
		if st.Written != 2 || st.Failed != 2 || len(st.Errors) != 2 || !strings.Contains(out, "One") || !strings.Contains(out, "Two") {
			t.Errorf("%s: %+v\n%s", name, st, out)
		}
		if !errors.Is(err, errBadRow) || !errors.Is(err, ErrNilRecord) || errors.Is(err, ErrOutput) {
			t.Errorf("%s: err = %v", name, err)
		}
		if got := st.Errors[0].Error(); got != "export: record 1: records: bad row" {
			t.Errorf("%s: first row error %q", name, got)
		}
		if got := st.Errors[1].Error(); got != "export: record 3: export: nil record" {
			t.Errorf("%s: second row error %q", name, got)
		}
	}
}

// TestTextOutputError checks that a failed write stops with ErrOutput.
func TestTextOutputError(t *testing.T) {
	many := make([]*records.Message, 2000)
	for i := range many {
		many[i] = &records.Message{GUID: string(rune('a' + i%26)), Text: strings.Repeat("x", 40)}
	}
	_, err := MessagesText(&failWriter{n: 100}, seqOf(many...), TextOptions{})
	if !errors.Is(err, ErrOutput) || !errors.Is(err, errDiskFull) {
		t.Errorf("MessagesText: %v", err)
	}
	_, err = ContactsText(&failWriter{n: 10}, seqOf(&records.Contact{First: strings.Repeat("y", 5000)}))
	if !errors.Is(err, ErrOutput) {
		t.Errorf("ContactsText: %v", err)
	}
	_, err = CallsText(&failWriter{n: 10}, seqOf(&records.Call{Address: "+1"}), TextOptions{})
	if !errors.Is(err, ErrOutput) {
		t.Errorf("CallsText: %v", err)
	}
}

func TestCountProblems(t *testing.T) {
	var recs []*records.Message
	for i := range 13 {
		m := &records.Message{RowID: int64(i + 1)}
		if i != 0 {
			m.Problems = []string{"attributedBody: damaged", "handle_id 9 names no handle"}
		}
		recs = append(recs, m)
	}
	var p Problems
	n := 0
	for m, err := range CountProblems(withErr(seqOf(recs...), 2, errBadRow), &p) {
		if m == nil && !errors.Is(err, errBadRow) {
			t.Fatalf("record %d: %v", n, err)
		}
		n++
	}
	if n != 14 || p.Records != 12 || len(p.First) != 10 || p.First[0] != "message 2: attributedBody: damaged; handle_id 9 names no handle" {
		t.Fatalf("passed %d, counted %+v", n, p)
	}
	// Each record type is named by its kind and row id.
	var q Problems
	for range CountProblems(seqOf(&records.Contact{ID: 7, Problems: []string{"x"}}), &q) {
	}
	for range CountProblems(seqOf(&records.Call{ID: 8, Problems: []string{"y"}}), &q) {
	}
	for range CountProblems(seqOf(&records.Event{ID: 9, Problems: []string{"z"}}), &q) {
	}
	for range CountProblems(seqOf(&records.Reminder{ID: 10}, &records.Reminder{ID: 11, Problems: []string{"w"}}), &q) {
	}
	if want := []string{"contact 7: x", "call 8: y", "event 9: z", "reminder 11: w"}; q.Records != 4 || strings.Join(q.First, "|") != strings.Join(want, "|") {
		t.Errorf("counted %+v", q)
	}
	// Stopping early stops the source too.
	var r Problems
	for range CountProblems(seqOf(recs...), &r) {
		break
	}
	if r.Records != 0 {
		t.Errorf("early stop counted %+v", r)
	}
}

// TestTextReal renders real databases: the Presentations sms.db (an
// iOS 5 phone's messages), and the contacts and calls of
// ios-backup-parser's test data.
func TestTextReal(t *testing.T) {
	ctx := context.Background()
	mdb, err := records.OpenMessagesFile(realdata.Path(t, "Presentations/sms.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer mdb.Close()
	var b strings.Builder
	st, err := MessagesText(&b, mdb.Messages(ctx), TextOptions{Location: time.UTC})
	if err != nil || st.Written != 4 {
		t.Fatalf("MessagesText = %+v, %v", st, err)
	}
	wantMsgs := `Times are in UTC (UTC+00:00)

== (209) 598-1933 [MMS] ==
2012-03-11 02:08  Me: Check it ouy  [IMG_3766.jpg, image/jpeg, 0 B, missing]
2012-03-11 02:08  Me: Out I mean
2012-03-11 02:08  +12095981933: Sweet

== (209) 649-0617 [SMS] ==
2012-04-26 23:56  Me: Sending this prior to the logical. This will not be deleted
`
	if got := b.String(); got != wantMsgs {
		t.Errorf("messages:\n%s\nwant:\n%s", got, wantMsgs)
	}

	cdb, err := records.OpenContactsFile(realdata.Path(t, "ios-backup-parser/contacts/testdata/contacts.1.AddressBook.sqlitedb"))
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	var p Problems
	b.Reset()
	st, err = ContactsText(&b, CountProblems(cdb.Contacts(ctx), &p))
	if err != nil || st.Written != 4 || p.Records != 1 || p.First[0] != "contact 2: phones[0]: label 999 is not in ABMultiValueLabel" {
		t.Fatalf("ContactsText = %+v, %v, problems %+v", st, err, p)
	}
	for _, want := range []string{
		"Alex Fixture (“Lexi”, Fabricator, Fixture Works)\n    phone    Home: +1 555 0100\n",
		"    address  Home: 1 Synthetic Way, Faketown, FX 00001, Fixtureland\n",
		"Broken Label\n    phone    +1 555 0199\n    problem  phones[0]: label 999 is not in ABMultiValueLabel\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("contacts lack %q:\n%s", want, b.String())
		}
	}

	kdb, err := records.OpenCallsFile(realdata.Path(t, "ios-backup-parser/calls/testdata/calls.1.CallHistory.storedata"))
	if err != nil {
		t.Fatal(err)
	}
	defer kdb.Close()
	b.Reset()
	st, err = CallsText(&b, kdb.Calls(ctx), TextOptions{Location: time.UTC})
	if err != nil || st.Written != 5 {
		t.Fatalf("CallsText = %+v, %v", st, err)
	}
	for _, want := range []string{
		"2023-03-08 20:26  outgoing  phone           Alex Fixture (+1 555 0100)  1m5s\n",
		"2023-03-10 20:26  outgoing  facetime-video  unknown caller              2m0s\n",
		"2023-03-11 20:26  incoming  phone           +1 555 0166                   [problem: participants: handle 999 is not in ZHANDLE]\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("calls lack %q:\n%s", want, b.String())
		}
	}
}

// FuzzText checks that no text from a record (contacts, calls, messages,
// events, reminders) reaches the output raw: the
// output is valid UTF-8 and holds no unsafe rune other than the line
// feeds of the layout and of message bodies.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b]52;c;eA==\x07", "a\u202Eb", "\xff\xfe", "x\ny\rz", "\u0085\u2028\u2066"} {
		f.Add(s, s+"\n"+s)
	}
	f.Fuzz(func(t *testing.T, s, body string) {
		var b strings.Builder
		ContactsText(&b, seqOf(&records.Contact{First: s, Nickname: s, Note: body, Phones: []records.Labeled{{Label: s, Value: s}}, Problems: []string{s}}))
		CallsText(&b, seqOf(&records.Call{Address: s, Name: s, Type: records.CallType(s), Duration: 3, Problems: []string{s}}), TextOptions{Location: time.UTC})
		MessagesText(&b, seqOf(
			&records.Message{GUID: "1", Chat: s, Service: s, Sender: &s, Text: body, ReplyTo: &s, Attachments: []records.Attachment{{Name: s, MIME: s}}},
			&records.Message{GUID: "2", Chat: s, Sender: &s, Reaction: &records.Reaction{Type: records.ReactionType(s), Emoji: s, Target: "1"}},
			&records.Message{GUID: "3", Chat: s, Sender: &s, GroupEvent: &records.GroupEvent{Kind: records.GroupEventKind(s), Other: s, Title: s}},
		), TextOptions{Location: time.UTC, Names: func(string) string { return s }})
		out := b.String()
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 in %q", out)
		}
		for _, r := range out {
			if r != '\n' && termsafe.Unsafe(r) {
				t.Fatalf("raw %U in %q", r, out)
			}
		}
		if want := 4 + 1 + 2 + 1 + 1 + 3 + 2 + strings.Count(body, "\n"); strings.Count(out, "\n") > want {
			t.Fatalf("%d lines, at most %d expected: %q", strings.Count(out, "\n"), want, out)
		}
		// Events and reminders: a title line and at most 7 detail lines
		// each, plus the notes' own line breaks.
		b.Reset()
		EventsText(&b, seqOf(&records.Event{Title: s, Calendar: &records.CalendarInfo{Title: s}, Location: &records.EventLocation{Title: s, Address: s},
			Recurrence: s, URL: s, Notes: body, Attendees: []records.Attendee{{Name: s, Email: s, Status: s}}, Problems: []string{s}}))
		RemindersText(&b, seqOf(&records.Reminder{Title: s, List: s, Recurrence: s, Notes: body, Problems: []string{s}}))
		out = b.String()
		for _, r := range out {
			if r != '\n' && termsafe.Unsafe(r) {
				t.Fatalf("raw %U in %q", r, out)
			}
		}
		if want := 7 + 3 + 2*strings.Count(body, "\n"); !utf8.ValidString(out) || strings.Count(out, "\n") > want {
			t.Fatalf("%d lines, at most %d expected: %q", strings.Count(out, "\n"), want, out)
		}
	})
}
