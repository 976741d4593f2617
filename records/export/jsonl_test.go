package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/records"
)

func sampleMessage() *records.Message {
	return &records.Message{
		RowID: 42, GUID: "G-1", Chat: "+15551234567", ChatGUID: "iMessage;-;+15551234567",
		Service: "iMessage", Date: tm("2023-05-01T09:30:12.345678901Z"),
		DateDelivered: tm("2023-05-01T11:30:13+02:00"),
		Sender:        ptr("+15551234567"), Text: "Hi \"you\" <b>&\n😀\u2028",
		Attachments: []records.Attachment{{Name: "IMG_1.jpg", MIME: "image/jpeg", Size: 1234, Domain: "MediaDomain", Path: "Library/SMS/Attachments/a/IMG_1.jpg"}},
		ReplyTo:     ptr("G-0"), IsRead: true,
	}
}

func TestJSONLExactLines(t *testing.T) {
	msg := sampleMessage()
	var buf bytes.Buffer
	st, err := JSONL(&buf, seqOf(msg))
	if err != nil || st.Written != 1 || st.Failed != 0 {
		t.Fatalf("JSONL: %+v, %v", st, err)
	}
	want := `{"rowid":42,"guid":"G-1","chat":"+15551234567","chat_guid":"iMessage;-;+15551234567","chat_name":null,` +
		`"service":"iMessage","date":"2023-05-01T09:30:12.345Z","date_read":null,"date_delivered":"2023-05-01T09:30:13.000Z",` +
		`"from_me":false,"sender":"+15551234567","sender_name":null,"text":"Hi \"you\" <b>&\n😀\u2028",` +
		`"attachments":[{"name":"IMG_1.jpg","mime":"image/jpeg","size":1234,"domain":"MediaDomain","path":"Library/SMS/Attachments/a/IMG_1.jpg","missing":false}],` +
		`"reaction":null,"reply_to":"G-0","edited":false,"unsent":false,"is_read":true,"problems":null}` + "\n"
	if got := buf.String(); got != want {
		t.Errorf("message line\n got: %s\nwant: %s", got, want)
	}

	contact := &records.Contact{
		ID: 7, First: "Zoë", Last: "O'Brien", Organization: "ACME", Birthday: "--03-15",
		Phones:    []records.Labeled{{Label: "Mobile", Value: "+1 555 0100"}},
		Addresses: []records.Address{{Label: "Home", Street: "1 Main St", City: "Springfield", ZIP: "62701", CountryCode: "us"}},
		Created:   tm("2020-01-02T03:04:05Z"), HasPhoto: true, Photo: []byte{1, 2},
	}
	buf.Reset()
	if _, err := JSONL(&buf, seqOf(contact)); err != nil {
		t.Fatal(err)
	}
	// Absent text is null, like absent dates; display_name is computed
	// when the reader did not fill it.
	want = `{"id":7,"prefix":null,"first":"Zoë","middle":null,"last":"O'Brien","suffix":null,"nickname":null,` +
		`"first_phonetic":null,"middle_phonetic":null,"last_phonetic":null,"organization_phonetic":null,"display_name":"Zoë O'Brien",` +
		`"organization":"ACME","department":null,"job_title":null,` +
		`"birthday":"--03-15","note":null,"phones":[{"label":"Mobile","value":"+1 555 0100"}],"emails":[],"urls":[],` +
		`"addresses":[{"label":"Home","street":"1 Main St","city":"Springfield","state":"","zip":"62701","country":"","country_code":"us"}],` +
		`"created":"2020-01-02T03:04:05.000Z","modified":null,"has_photo":true,"problems":null}` + "\n"
	if got := buf.String(); got != want {
		t.Errorf("contact line\n got: %s\nwant: %s", got, want)
	}

	call := &records.Call{ID: 3, Address: "+15550000", Name: "Bob", Date: tm("2024-02-29T23:59:59.999Z"),
		Duration: 61.5, Outgoing: true, Answered: true, Type: "phone", Service: "com.apple.Telephony", Country: "us",
		Disconnected: ptr(0)}
	buf.Reset()
	if _, err := JSONL(&buf, seqOf(call)); err != nil {
		t.Fatal(err)
	}
	want = `{"id":3,"address":"+15550000","name":"Bob","date":"2024-02-29T23:59:59.999Z","duration":61.5,"outgoing":true,` +
		`"answered":true,"missed":false,"type":"phone","service":"com.apple.Telephony","country":"us","mobile_country_code":null,"disconnected_cause":0,"problems":null}` + "\n"
	if got := buf.String(); got != want {
		t.Errorf("call line\n got: %s\nwant: %s", got, want)
	}
}

// TestJSONLMatchesEncodingJSON checks that, apart from dates and nil
// slices, the output decodes to what encoding/json produces.
func TestJSONLMatchesEncodingJSON(t *testing.T) {
	m := sampleMessage()
	m.Date = tm("2023-05-01T09:30:12.345Z") // representable in milliseconds
	m.DateDelivered = nil
	m.Reaction = &records.Reaction{Type: "emoji", Target: "G-0", Emoji: "🎉", Removed: true}
	m.Edits = []records.Edit{{Part: 0, Date: tm("2023-05-01T09:31:00Z"), Text: "old"}}
	m.GroupEvent = &records.GroupEvent{Kind: "renamed", Title: "Trip"}
	m.Participants = []string{"a", "b"}
	var buf bytes.Buffer
	if _, err := JSONL(&buf, seqOf(m)); err != nil {
		t.Fatal(err)
	}
	std, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(buf.Bytes(), &a); err != nil {
		t.Fatalf("our output is not JSON: %v\n%s", err, buf.Bytes())
	}
	if err := json.Unmarshal(std, &b); err != nil {
		t.Fatal(err)
	}
	// encoding/json renders times with RFC 3339 nanos; normalize.
	norm := func(v any) string {
		s, _ := json.Marshal(v)
		return strings.NewReplacer(".345Z", ".345Z", "09:31:00Z", "09:31:00.000Z").Replace(string(s))
	}
	if norm(a) != norm(b) {
		t.Errorf("differs from encoding/json:\n ours: %s\n  std: %s", norm(a), norm(b))
	}
}

// TestJSONViewsMatchTypes checks that the JSON views list the fields of
// the record types in the same order with the same tags, so that a field
// added to types.go cannot be silently left out of the output.
func TestJSONViewsMatchTypes(t *testing.T) {
	for _, pair := range [][2]reflect.Type{
		{reflect.TypeFor[records.Message](), reflect.TypeFor[jsonMessage]()},
		{reflect.TypeFor[records.Attachment](), reflect.TypeFor[jsonAttachment]()},
		{reflect.TypeFor[records.Edit](), reflect.TypeFor[jsonEdit]()},
		{reflect.TypeFor[records.Contact](), reflect.TypeFor[jsonContact]()},
		{reflect.TypeFor[records.Call](), reflect.TypeFor[jsonCall]()},
	} {
		var orig, view []string
		for f := range pair[0].Fields() {
			if tag := f.Tag.Get("json"); tag != "-" {
				orig = append(orig, f.Name+" "+tag)
			}
		}
		for f := range pair[1].Fields() {
			view = append(view, f.Name+" "+f.Tag.Get("json"))
		}
		if !slices.Equal(orig, view) {
			t.Errorf("%v and %v differ:\n%q\n%q", pair[0], pair[1], orig, view)
		}
	}
}

// TestJSONLOtherTypes: types other than the records are encoded by
// encoding/json as they are, one line each.
func TestJSONLOtherTypes(t *testing.T) {
	type rec struct {
		A    int       `json:"a"`
		When time.Time `json:"when"`
		HTML string    `json:"html"`
	}
	var buf bytes.Buffer
	r := &rec{A: 1, When: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), HTML: "<b>&"}
	if _, err := JSONL(&buf, seqOf(r, r)); err != nil {
		t.Fatal(err)
	}
	want := `{"a":1,"when":"2001-01-01T00:00:00Z","html":"<b>&"}` + "\n"
	if buf.String() != want+want {
		t.Errorf("got %q", buf.String())
	}
}

func TestJSONLRowFailures(t *testing.T) {
	type bad struct {
		C chan int `json:"c"`
	}
	var buf bytes.Buffer
	seq := withErr(seqOf(&bad{}, nil, &bad{}), 1, errBadRow)
	st, err := JSONL(&buf, seq)
	if st.Written != 0 || st.Failed != 4 || len(st.Errors) != 4 {
		t.Fatalf("stats %+v", st)
	}
	if !errors.Is(err, errBadRow) || !errors.Is(err, ErrNilRecord) {
		t.Errorf("error %v", err)
	}
	// Each row error names the record by its position in the input.
	for i, e := range st.Errors {
		if want := fmt.Sprintf("export: record %d: ", i); !strings.HasPrefix(e.Error(), want) {
			t.Errorf("row error %d: %q, want it to begin with %q", i, e, want)
		}
	}
	if !errors.Is(st.Errors[1], errBadRow) || !errors.Is(st.Errors[2], ErrNilRecord) {
		t.Errorf("causes: %v", st.Errors)
	}
	if errors.Is(err, ErrOutput) {
		t.Error("row failures must not be ErrOutput")
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %q", buf.String())
	}

	// More failures than MaxRowErrors are counted, not all kept.
	var many []*records.Call
	for range MaxRowErrors + 5 {
		many = append(many, nil)
	}
	st, err = JSONL(&buf, seqOf(many...))
	if st.Failed != MaxRowErrors+5 || len(st.Errors) != MaxRowErrors || !strings.Contains(err.Error(), "5 more records failed") {
		t.Errorf("stats %d/%d, %v", st.Failed, len(st.Errors), err)
	}
}

func TestJSONLWriteError(t *testing.T) {
	var calls []*records.Call
	for i := range 5000 {
		calls = append(calls, &records.Call{ID: int64(i), Address: "+1555"})
	}
	st, err := JSONL(&failWriter{n: 100}, seqOf(calls...))
	if !errors.Is(err, ErrOutput) || !errors.Is(err, errDiskFull) {
		t.Fatalf("err = %v", err)
	}
	if st.Written >= 5000 || st.Written == 0 {
		t.Errorf("written %d", st.Written)
	}
}

func BenchmarkJSONLMessages(b *testing.B) {
	msgs := make([]*records.Message, 20000)
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range msgs {
		d := base.Add(time.Duration(i) * time.Minute)
		msgs[i] = &records.Message{
			RowID: int64(i), GUID: fmt.Sprintf("GUID-%08d", i), Chat: "+15551234567", ChatGUID: "iMessage;-;+15551234567",
			Service: "iMessage", Date: &d, DateRead: &d, FromMe: i%2 == 0, Text: fmt.Sprintf("message number %d with some text 😀", i),
			IsRead: true,
		}
		if i%2 == 1 {
			msgs[i].Sender = ptr("+15551234567")
		}
		if i%10 == 0 {
			msgs[i].Attachments = []records.Attachment{{Name: "IMG.jpg", MIME: "image/jpeg", Size: 100, Domain: "MediaDomain", Path: "Library/SMS/Attachments/x/IMG.jpg"}}
		}
	}
	seq := seqOf(msgs...)
	var sink countWriter
	b.ReportAllocs()
	for b.Loop() {
		if st, err := JSONL(&sink, seq); err != nil || st.Written != len(msgs) {
			b.Fatal(st, err)
		}
	}
	b.SetBytes(sink.n / int64(b.N))
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }
