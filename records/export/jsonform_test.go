package export

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/fuzzcorpus"
	"github.com/iosbackup/iosbackup/internal/realdata"
	"github.com/iosbackup/iosbackup/records"
)

// Issue 11 item 6: the JSON form has one owner, the record types'
// MarshalJSON (records/json.go). These tests check that json.Marshal of a
// record, its JSON Lines line and what the export wrote before (the views
// of jsonl_legacy_test.go) are the same bytes.

// hostileText holds what the string escaping must get right.
const hostileText = "Hi \"you\" <b>&amp;\\ \n\r\t\b\f\x00\x01\x1b[31m\x7f \u0085\u009f \u2028\u2029 " +
	"\u061c\u200e\u200f\u202a\u202e\u2066\u2069 \u200b\ufeff 😀 é \xff\xfe\xc3 end"

// fullMessage sets every field of a message, optional ones included.
func fullMessage() *records.Message {
	m := sampleMessage()
	m.Text = hostileText
	m.ChatName = ptr("Trip <2024>")
	m.Participants = []string{"+15551234567", "a@example.com"}
	m.DateRead = tm("2023-05-01T09:31:00.999999Z")
	m.DateEdited = tm("2023-05-01T09:40:00.5Z")
	m.SenderName = ptr("Zoë \u202eevil")
	m.Subject = "Re: \u0007"
	m.Attachments = append(m.Attachments, records.Attachment{GUID: "AG", Name: "s.heic", MIME: "image/heic", UTI: "public.heic",
		Size: -1, Created: tm("2023-05-01T09:30:00Z"), Domain: "MediaDomain", Path: "p", Missing: true, Sticker: true, Filename: "~/x"})
	m.Reaction = &records.Reaction{Type: "emoji", Target: "G-0", Part: 2, Emoji: "🎉", Removed: true}
	m.Edited, m.Unsent, m.FromMe = true, true, true
	m.Edits = []records.Edit{{Part: 0, Date: tm("2023-05-01T09:31:00Z"), Text: "old"}, {Part: 1, Text: "no date"}}
	m.GroupEvent = &records.GroupEvent{Kind: "renamed", Other: "+1555", Title: "Trip"}
	m.BalloonBundle = "com.apple.messages.URLBalloonProvider"
	m.Problems = []string{"attributedBody: damaged"}
	m.Deleted = true
	m.Recovered = fullRecovery()
	return m
}

func fullRecovery() *records.Recovery {
	return &records.Recovery{Source: "wal", Database: "sms.db", Table: "message", Page: 4294967295, Offset: 12, Frame: 3,
		FileOffset: 1 << 40, Complete: false, Missing: []string{"text"}, HistoryOf: ptr(int64(-7)),
		DeletedAt: tm("2024-01-02T03:04:05.678Z"), Copies: 2}
}

func everyFieldContact() *records.Contact {
	return &records.Contact{ID: 9, Prefix: "Dr", First: "Zoë", Middle: "Q", Last: "O'Brien", Suffix: "Jr", Nickname: "Z",
		FirstPhonetic: "ぞえ", MiddlePhonetic: "き", LastPhonetic: "おぶらいえん", OrgPhonetic: "あくめ", DisplayName: "",
		Organization: "ACME <&>", Department: "R&D", JobTitle: "Boss", Birthday: "--03-15", Note: hostileText,
		Phones: []records.Labeled{{Label: "Mobile", Value: "+1 555 0100"}}, Emails: []records.Labeled{{Label: "", Value: "z@example.com"}},
		URLs:      []records.Labeled{},
		Addresses: []records.Address{{Label: "Home", Street: "1 Main St\nApt 2", City: "Springfield", State: "IL", ZIP: "62701", Country: "USA", CountryCode: "us"}},
		Profiles:  []records.Profile{{Label: "x", Service: "Twitter", Username: "z", URL: "https://x.com/z"}, {Service: "Skype", Username: "zz"}},
		Related:   []records.Labeled{{Label: "Mother", Value: "Ann"}}, Dates: []records.Labeled{{Label: "Anniversary", Value: "2001-02-03"}},
		Groups: []string{"Friends", "Work"}, Created: tm("2020-01-02T03:04:05Z"), Modified: tm("2021-01-02T03:04:05.123456Z"),
		HasPhoto: true, Photo: []byte{1, 2, 3}, IsOrganization: true, Deleted: true, Recovered: fullRecovery(),
		Problems: []string{}}
}

func fullCall() *records.Call {
	return &records.Call{ID: 3, UniqueID: "U-1", Address: "+15550000", Name: "Bob \u202e", Date: tm("2024-02-29T23:59:59.999Z"),
		Duration: 1e-7, Outgoing: true, Answered: true, Missed: true, Type: "facetime-video", Service: "com.apple.FaceTime",
		Country: "us", MCC: "310", Participants: []string{"a", "b"}, Disconnected: ptr(-3), Deleted: true,
		Recovered: fullRecovery(), Problems: []string{"date: out of range"}}
}

func fullEvent(t testing.TB, allDay, floating bool) *records.Event {
	e := sampleEvents(t.(*testing.T))[0]
	e.AllDay, e.Floating = allDay, floating
	e.ConferenceURL = "https://meet.example.com/x?a=1&b=2"
	e.EndTimeZone = "Asia/Tokyo"
	e.Location = &records.EventLocation{Title: "Here", Address: hostileText, Latitude: ptr(1e21), Longitude: ptr(-0.000001)}
	e.Exceptions = append(e.Exceptions, time.Time{})
	e.Alarms = append(e.Alarms, records.Alarm{Date: tm("2024-03-04T13:50:00Z"), Proximity: "enter"})
	e.Attachments = []records.EventAttachment{{Name: "a.pdf", Size: 10, URL: "https://x"}, {Name: "b"}}
	e.Birthday = true
	e.OriginalID = ptr(int64(1))
	e.OriginalDate = tm("2024-03-13T09:00:00Z")
	e.Problems = []string{"x"}
	return e
}

func fullReminder() *records.Reminder {
	r := sampleReminders()[0]
	r.UUID = "R-UUID"
	r.Start = tm("2023-03-10T00:00:00.001Z")
	r.Completed, r.CompletedDate = true, tm("2023-03-12T00:00:00Z")
	r.Account = "iCloud"
	r.Parent = ptr(int64(4))
	r.Deleted = true
	r.Modified = &time.Time{}
	r.Problems = []string{"due: bad"}
	return r
}

// checkJSONForm checks one record: MarshalJSON, json.Marshal, an Encoder
// without HTML escaping and the JSONL line against the legacy views.
func checkJSONForm(t *testing.T, what string, rec any) {
	t.Helper()
	want, err := legacyJSONL(rec)
	if err != nil {
		t.Fatalf("%s: legacy: %v", what, err)
	}
	got, err := rec.(json.Marshaler).MarshalJSON()
	if err != nil {
		t.Fatalf("%s: MarshalJSON: %v", what, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: MarshalJSON differs from the JSON Lines form\n got: %s\nwant: %s", what, got, want)
	}
	var enc bytes.Buffer
	e := json.NewEncoder(&enc)
	e.SetEscapeHTML(false)
	if err := e.Encode(rec); err != nil || !bytes.Equal(enc.Bytes(), append(want, '\n')) {
		t.Fatalf("%s: Encoder (no HTML escaping) %v\n got: %s\nwant: %s", what, err, enc.Bytes(), want)
	}
	// json.Marshal applies its HTML escaping to what MarshalJSON returns.
	var html bytes.Buffer
	json.HTMLEscape(&html, want)
	if std, err := json.Marshal(rec); err != nil || !bytes.Equal(std, html.Bytes()) {
		t.Fatalf("%s: json.Marshal %v\n got: %s\nwant: %s", what, err, std, html.Bytes())
	}
	if !bytes.ContainsAny(want, "<>&") {
		if std, _ := json.Marshal(rec); !bytes.Equal(std, want) {
			t.Fatalf("%s: json.Marshal differs from the line", what)
		}
	}
}

// checkAll runs checkJSONForm on every record of seq and on JSONL of all
// of them at once; it returns how many records were checked.
func checkAll[T any](t *testing.T, what string, seq iter.Seq2[*T, error]) int {
	t.Helper()
	var recs []*T
	var want bytes.Buffer
	for r, err := range seq {
		if err != nil || r == nil {
			continue
		}
		checkJSONForm(t, fmt.Sprintf("%s #%d", what, len(recs)), r)
		line, _ := legacyJSONL(r)
		want.Write(line)
		want.WriteByte('\n')
		recs = append(recs, r)
	}
	var buf bytes.Buffer
	st, err := JSONL(&buf, seqOf(recs...))
	if err != nil || st.Written != len(recs) {
		t.Fatalf("%s: JSONL %+v %v", what, st, err)
	}
	if !bytes.Equal(buf.Bytes(), want.Bytes()) {
		t.Fatalf("%s: JSONL output differs from the legacy one", what)
	}
	return len(recs)
}

func TestJSONFormSynthetic(t *testing.T) {
	checkJSONForm(t, "sample message", sampleMessage())
	checkJSONForm(t, "full message", fullMessage())
	checkJSONForm(t, "empty message", &records.Message{})
	checkJSONForm(t, "full contact", everyFieldContact())
	checkJSONForm(t, "empty contact", &records.Contact{})
	checkJSONForm(t, "full call", fullCall())
	checkJSONForm(t, "empty call", &records.Call{})
	for _, k := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
		checkJSONForm(t, fmt.Sprint("full event ", k), fullEvent(t, k[0], k[1]))
	}
	checkJSONForm(t, "empty event", &records.Event{})
	checkJSONForm(t, "full reminder", fullReminder())
	r := fullReminder()
	r.DueAllDay = true
	checkJSONForm(t, "all-day reminder", r)
	checkJSONForm(t, "empty reminder", &records.Reminder{})
	for i, e := range sampleEvents(t) {
		checkJSONForm(t, fmt.Sprint("sample event ", i), e)
	}
	for i, r := range sampleReminders() {
		checkJSONForm(t, fmt.Sprint("sample reminder ", i), r)
	}
	// Dates at the edges of what time.Format writes.
	for _, s := range []string{"0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "1969-12-31T23:59:59.9995Z"} {
		m := &records.Message{Date: tm(s)}
		checkJSONForm(t, s, m)
	}
	for _, y := range []int{-1, 10000, 292277026596} {
		d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		checkJSONForm(t, fmt.Sprint("year ", y), &records.Message{Date: &d})
		checkJSONForm(t, fmt.Sprint("all-day year ", y), &records.Event{AllDay: true, Start: &d})
	}
}

// dbFile writes a synthetic database to a temporary file.
func dbFile(t *testing.T, name string, img []byte, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, img, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestJSONFormSyntheticEras compares the forms on the records read from
// the synthetic databases of every era (internal/dbfixture).
func TestJSONFormSyntheticEras(t *testing.T) {
	total := map[string]int{}
	for _, era := range dbfixture.SMSEras {
		img, err := dbfixture.SMS(era, dbfixture.CJKMessages())
		db, err := records.OpenMessagesFile(dbFile(t, "sms.db", img, err))
		if err != nil {
			t.Fatalf("%v: %v", era, err)
		}
		total["messages"] += checkAll(t, era.String(), db.Messages(context.Background()))
		db.Close()
	}
	for _, era := range dbfixture.ABEras {
		img, err := dbfixture.AddressBook(era, dbfixture.CJKPeople()...)
		db, err := records.OpenContactsFile(dbFile(t, "AddressBook.sqlitedb", img, err))
		if err != nil {
			t.Fatalf("%v: %v", era, err)
		}
		total["contacts"] += checkAll(t, era.String(), db.Contacts(context.Background()))
		db.Close()
	}
	for _, era := range dbfixture.CallEras {
		name := "CallHistory.storedata"
		if era < dbfixture.CallsiOS9 {
			name = "call_history.db"
		}
		img, err := dbfixture.CallHistory(era, dbfixture.CJKCalls()...)
		db, err := records.OpenCallsFile(dbFile(t, name, img, err))
		if err != nil {
			t.Fatalf("%v: %v", era, err)
		}
		total["calls"] += checkAll(t, fmt.Sprint("calls ", era), db.Calls(context.Background()))
		db.Close()
	}
	start := time.Date(2024, 1, 2, 8, 0, 0, 0, time.UTC)
	cal := dbfixture.CalendarData{
		Stores:    []dbfixture.CalStore{{ID: 1, Name: "iCloud", Type: 2}},
		Calendars: []dbfixture.CalCalendar{{ID: 1, StoreID: 1, Title: "Home <&>", Color: "#FF0000"}},
		Events: []dbfixture.CalEvent{
			{ID: 7, Title: hostileText, CalendarID: 1, TZ: "Europe/Paris", Start: start, End: start.Add(time.Hour),
				Files: []dbfixture.CalFile{{Name: "a.pdf", Size: 3}}},
			{ID: 8, Title: "all day", CalendarID: 1, AllDay: true, Start: start, End: start.Add(24 * time.Hour)},
			{ID: 9, Title: "floating", CalendarID: 1, TZ: "", Start: start, End: start.Add(time.Hour)},
		},
	}
	for _, era := range dbfixture.CalendarEras {
		img, err := dbfixture.Calendar(era, cal)
		db, err := records.OpenCalendarFile(dbFile(t, "Calendar.sqlitedb", img, err))
		if err != nil {
			t.Fatalf("calendar %v: %v", era, err)
		}
		total["events"] += checkAll(t, fmt.Sprint("calendar ", era), db.Events(context.Background()))
		db.Close()
	}
	rem := dbfixture.RemindersData{Account: "iCloud", Lists: []dbfixture.RemList{{ID: 1, Name: "L \u202e"}},
		Reminders: []dbfixture.RemItem{{ID: 5, Title: hostileText, ListID: 1, Recurrence: &dbfixture.RemRule{Frequency: 1}}}}
	for _, era := range dbfixture.RemindersEras {
		img, err := dbfixture.Reminders(era, rem)
		db, err := records.OpenRemindersFile(dbFile(t, "Data-1.sqlite", img, err))
		if err != nil {
			t.Fatalf("reminders %v: %v", era, err)
		}
		total["reminders"] += checkAll(t, fmt.Sprint("reminders ", era), db.Reminders(context.Background()))
		db.Close()
	}
	t.Logf("records compared: %v", total)
	for _, k := range []string{"messages", "contacts", "calls", "events", "reminders"} {
		if total[k] == 0 {
			t.Errorf("no synthetic %s compared", k)
		}
	}
}

// TestJSONFormRealData compares the forms on every record of the real
// databases.
func TestJSONFormRealData(t *testing.T) {
	dir := realdata.Dir(t)
	total := map[string]int{}
	open := func(rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }
	for _, p := range []string{"hv20/day23/Decrypted_Backup/HomeDomain/Library/SMS/sms.db", "DERIVED-blob-sms/sms.db",
		"CS426-iphone-sms-forensics/sms.db", "Presentations/sms.db", "Presentations/Logical/sms.db",
		"bagoup/example-exports/testdata/chat.db", "ios-backup-parser/messages/testdata/messages.1.sms.db"} {
		db, err := records.OpenMessagesFile(open(p))
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		total["messages"] += checkAll(t, p, db.Messages(context.Background()))
		db.Close()
	}
	for _, p := range []string{"hv20/day23/Decrypted_Backup/HomeDomain/Library/AddressBook/AddressBook.sqlitedb",
		"iOSSec/Hacking & Securing iOS APP/AddressBook.sqlitedb", "Unit-21-Homework-Final-Report/AddressBook.sqlitedb",
		"iLEAPP/admin/test/cases/data/addressBook/belkasoft_ctf6_ios_device1_unzipped/private/var/mobile/Library/AddressBook/AddressBook.sqlitedb"} {
		db, err := records.OpenContactsFile(open(p))
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		total["contacts"] += checkAll(t, p, db.Contacts(context.Background()))
		db.Close()
	}
	for _, p := range []string{"hv20/day23/Decrypted_Backup/HomeDomain/Library/CallHistoryDB/CallHistory.storedata",
		"Unit-21-Homework-Final-Report/call_history.db"} {
		db, err := records.OpenCallsFile(open(p))
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		total["calls"] += checkAll(t, p, db.Calls(context.Background()))
		db.Close()
	}
	for _, p := range []string{"ios-backup-parser/reminders/testdata/reminders.1.local.sqlite", "ios-backup-parser/reminders/testdata/reminders.1.cloud.sqlite"} {
		db, err := records.OpenRemindersFile(open(p))
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		total["reminders"] += checkAll(t, p, db.Reminders(context.Background()))
		db.Close()
	}
	t.Logf("records compared: %v", total)
	for _, k := range []string{"messages", "contacts", "calls", "reminders"} {
		if total[k] == 0 {
			t.Errorf("no real %s compared", k)
		}
	}
}

// TestJSONFieldOrder checks the field names and their order, with every
// optional field present, against testdata/jsonl_fields.golden, and that
// each name docs/CLI.md lists for a record is among them.
func TestJSONFieldOrder(t *testing.T) {
	recs := []struct {
		name string
		rec  any
	}{
		{"message", fullMessage()}, {"contact", everyFieldContact()}, {"call", fullCall()},
		{"event", fullEvent(t, false, true)}, {"reminder", fullReminder()}, {"recovered", fullRecovery()},
	}
	var got strings.Builder
	fields := map[string][]string{}
	for _, r := range recs {
		var b []byte
		var err error
		if rv, ok := r.rec.(*records.Recovery); ok {
			m := &records.Message{Recovered: rv}
			b, err = json.Marshal(m)
			var obj map[string]json.RawMessage
			if err == nil {
				err = json.Unmarshal(b, &obj)
			}
			b = obj["recovered"]
		} else {
			b, err = json.Marshal(r.rec)
		}
		if err != nil {
			t.Fatal(err)
		}
		keys := objectKeys(t, b)
		fields[r.name] = keys
		fmt.Fprintf(&got, "%s: %s\n", r.name, strings.Join(keys, ", "))
	}
	// A field added to a record type must be added to its encoder: with
	// every field set, the keys are the struct's json tags, in order.
	for name, typ := range map[string]reflect.Type{
		"message": reflect.TypeFor[records.Message](), "contact": reflect.TypeFor[records.Contact](),
		"call": reflect.TypeFor[records.Call](), "event": reflect.TypeFor[records.Event](),
		"reminder": reflect.TypeFor[records.Reminder](), "recovered": reflect.TypeFor[records.Recovery](),
	} {
		var tags []string
		for f := range typ.Fields() {
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag != "-" {
				tags = append(tags, tag)
			}
		}
		if !slices.Equal(tags, fields[name]) {
			t.Errorf("%v: json tags %v, JSON form %v", typ, tags, fields[name])
		}
	}
	golden := filepath.Join("testdata", "jsonl_fields.golden")
	if os.Getenv("IOSBACKUP_UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("field order changed (docs/CLI.md: fields are only added):\n got:\n%s\nwant:\n%s", got.String(), want)
	}
	// docs/CLI.md names fields in backquotes after "**message**:" etc.
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "CLI.md"))
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile("`([a-z_]+)`")
	for _, rec := range []string{"message", "contact", "call"} {
		i := bytes.Index(doc, []byte("**"+rec+"**:"))
		if i < 0 {
			t.Fatalf("docs/CLI.md has no %s paragraph", rec)
		}
		para := doc[i:]
		if j := bytes.Index(para, []byte("\n\n")); j > 0 {
			para = para[:j]
		}
		// Only the field list: up to the first sentence about recovered
		// records.
		if j := bytes.Index(para, []byte("A record recovered")); j > 0 {
			para = para[:j]
		}
		for _, m := range name.FindAllSubmatch(para, -1) {
			f := string(m[1])
			if strings.Contains(string(para), "`"+f+"`") && !slices.Contains(fields[rec], f) && !isValueWord(f) {
				t.Errorf("docs/CLI.md lists %s field %q, the JSON form has %v", rec, f, fields[rec])
			}
		}
	}
}

// isValueWord tells the values docs/CLI.md quotes (service names, call
// types, ...) from field names.
func isValueWord(s string) bool {
	switch s {
	case "phone", "app", "love", "like", "dislike", "laugh", "emphasize", "question", "emoji", "sticker":
		return true
	}
	return false
}

// objectKeys returns the top-level keys of the JSON object b, in order.
func objectKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", b)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

var jsonFormSeeds = [][]any{
	{"plain", int64(0), int64(math.Float64bits(61.5))},
	{hostileText, int64(1682933412345678901), int64(math.Float64bits(1e-7))},
	{"\xed\xa0\x80 surrogate \xf4\x90\x80\x80 too big \xc0\xaf overlong", int64(-62135596800000000), int64(math.Float64bits(1e21))},
	{"\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\u200e\u200f", int64(253402300799999999), int64(math.Float64bits(math.Copysign(0, -1)))},
	{"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x1f\x20\x7f\u0080\u009f\u00a0", int64(math.MinInt64), int64(math.Float64bits(math.NaN()))},
	{"<script>&amp;</script> \"'\\/", int64(math.MaxInt64), int64(math.Float64bits(math.Inf(1)))},
}

// FuzzJSONForm checks the hand-written encoder of records/json.go against
// encoding/json (through the legacy views) on any text, date and number.
func FuzzJSONForm(f *testing.F) {
	fuzzcorpus.Check(f, "FuzzJSONForm", jsonFormSeeds)
	f.Fuzz(func(t *testing.T, s string, nanos, floatBits int64) {
		d := time.Unix(0, nanos).UTC()
		fl := math.Float64frombits(uint64(floatBits))
		m := &records.Message{GUID: s, Text: s, ChatName: &s, Date: &d, Participants: []string{s},
			Attachments: []records.Attachment{{Name: s, Created: &d}}, Problems: []string{s},
			Reaction: &records.Reaction{Type: records.ReactionType(s), Emoji: s}, Edits: []records.Edit{{Text: s, Date: &d}}}
		checkFuzz(t, m)
		checkFuzz(t, &records.Contact{First: s, Note: s, Phones: []records.Labeled{{Label: s, Value: s}}, Created: &d})
		checkFuzz(t, &records.Call{Name: s, Duration: fl, Date: &d})
		for _, k := range [][2]bool{{false, false}, {true, false}, {false, true}} {
			checkFuzz(t, &records.Event{Title: s, AllDay: k[0], Floating: k[1], Start: &d, Exceptions: []time.Time{d},
				Location: &records.EventLocation{Title: s, Latitude: &fl}})
		}
		checkFuzz(t, &records.Reminder{Title: s, Due: &d, DueAllDay: nanos%2 == 0, Recurrence: s})
	})
}

// checkFuzz is checkJSONForm for a record the legacy views may refuse (a
// NaN or infinite number): then the encoder must refuse it too.
func checkFuzz(t *testing.T, rec any) {
	t.Helper()
	want, err := legacyJSONL(rec)
	if err != nil {
		if _, err2 := rec.(json.Marshaler).MarshalJSON(); err2 == nil {
			t.Fatalf("legacy refused %+v (%v), MarshalJSON did not", rec, err)
		}
		want = nil
	} else {
		checkJSONForm(t, "fuzz", rec)
		want = append(want, '\n')
	}
	// JSONL of the record twice: both written, or both failed alone.
	var buf bytes.Buffer
	var st Stats
	switch r := rec.(type) {
	case *records.Message:
		st, _ = JSONL(&buf, seqOf(r, r))
	case *records.Contact:
		st, _ = JSONL(&buf, seqOf(r, r))
	case *records.Call:
		st, _ = JSONL(&buf, seqOf(r, r))
	case *records.Event:
		st, _ = JSONL(&buf, seqOf(r, r))
	case *records.Reminder:
		st, _ = JSONL(&buf, seqOf(r, r))
	}
	if !bytes.Equal(buf.Bytes(), append(slices.Clip(want), want...)) || st.Written+st.Failed != 2 {
		t.Fatalf("JSONL: %+v\n got: %q\nwant twice: %q", st, buf.Bytes(), want)
	}
}

// TestJSONLUnencodableRecord: a record with a number JSON cannot hold (a
// NaN duration read from a damaged row) is counted as failed and leaves
// nothing half-written; the records around it are written whole.
func TestJSONLUnencodableRecord(t *testing.T) {
	good := &records.Call{ID: 1, Address: "+1555", Duration: 2}
	nan := &records.Call{ID: 2, Address: "+1556", Duration: math.NaN()}
	inf := &records.Event{ID: 3, Location: &records.EventLocation{Latitude: ptr(math.Inf(1))}}
	var buf bytes.Buffer
	st, err := JSONL(&buf, seqOf(good, nan, good))
	if st.Written != 2 || st.Failed != 1 || err == nil || !strings.HasPrefix(st.Errors[0].Error(), "export: record 1: ") {
		t.Fatalf("stats %+v, err %v", st, err)
	}
	line, _ := good.MarshalJSON()
	if want := string(line) + "\n" + string(line) + "\n"; buf.String() != want {
		t.Errorf("output %q, want %q", buf.String(), want)
	}
	if _, err := json.Marshal(nan); err == nil {
		t.Error("json.Marshal of a NaN duration succeeded")
	}
	if _, err := inf.MarshalJSON(); err == nil {
		t.Error("MarshalJSON of an infinite latitude succeeded")
	}
}
