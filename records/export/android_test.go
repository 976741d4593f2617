package export

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/iosbackup/iosbackup/records"
)

type xElem struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Parts   []xElem    `xml:"parts>part"`
	Addrs   []xElem    `xml:"addrs>addr"`
}

func (e xElem) get(name string) string {
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return "<absent>"
}

type xRoot struct {
	XMLName xml.Name
	Count   string  `xml:"count,attr"`
	Items   []xElem `xml:",any"`
}

func parseAndroid(t *testing.T, b []byte, root string) xRoot {
	t.Helper()
	want := "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<" + root + ` count="`
	if !bytes.HasPrefix(b, []byte(want)) {
		t.Fatalf("output starts %q", b[:min(len(b), 80)])
	}
	var r xRoot
	if err := xml.Unmarshal(b, &r); err != nil {
		t.Fatalf("xml: %v\n%s", err, b)
	}
	if r.XMLName.Local != root {
		t.Fatalf("root %q", r.XMLName.Local)
	}
	if r.Count != strconv.Itoa(len(r.Items)) {
		t.Fatalf("count=%s but %d elements", r.Count, len(r.Items))
	}
	return r
}

func checkAttrs(t *testing.T, what string, e xElem, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := e.get(k); got != v {
			t.Errorf("%s %s = %q, want %q", what, k, got, v)
		}
	}
}

func TestAndroidSMS(t *testing.T) {
	loc := time.FixedZone("X", -5*3600)
	names := func(h string) string {
		return map[string]string{"+15550001": "Alice", "+15550002": "Bob"}[h]
	}
	png := []byte("\x89PNG\r\n\x1a\nfake image bytes")
	files := fstest.MapFS{"MediaDomain/Library/SMS/Attachments/aa/IMG_1.png": {Data: png}}
	hostile := "a < b & c > d \"double\" 'single' 😀\nline2\ttab\x01\x0b\uFFFE\xff end"
	msgs := []*records.Message{
		{GUID: "A", Chat: "+15550001", Service: "SMS", Date: tm("2023-05-01T09:30:12.345Z"), Sender: ptr("+15550001"), Text: hostile, IsRead: true},
		{GUID: "B", Chat: "+15550001", Service: "iMessage", Date: tm("2023-05-01T09:31:00Z"), FromMe: true, Text: "reply"},
		{GUID: "C", Chat: "+15550001", Date: tm("2023-05-01T09:32:00Z"), FromMe: true, Reaction: &records.Reaction{Type: "love", Target: "A"}},
		{GUID: "D", Chat: "chat999", ChatName: ptr("Trip"), Participants: []string{"+15550001", "+15550002"}, Date: tm("2023-05-01T10:00:00Z"),
			Sender: ptr("+15550002"), Text: "group hi"},
		{GUID: "E", Chat: "+15550001", Date: tm("2023-05-01T11:00:00Z"), FromMe: true, Text: "\uFFFCphoto",
			Attachments: []records.Attachment{
				{Name: "IMG_1.png", MIME: "image/png", Domain: "MediaDomain", Path: "Library/SMS/Attachments/aa/IMG_1.png"},
				{Name: "gone.mov", MIME: "video/quicktime", Domain: "MediaDomain", Path: "Library/SMS/Attachments/bb/gone.mov", Missing: true},
			}},
		{GUID: "F", Chat: "+15550001", Date: tm("2023-05-01T12:00:00Z"), Unsent: true},
		{GUID: "G", Chat: "chat999", Date: tm("2023-05-01T12:01:00Z"), Sender: ptr("+15550002"), GroupEvent: &records.GroupEvent{Kind: "left"}},
		nil,
	}
	var buf bytes.Buffer
	st, err := AndroidSMS(&buf, withErr(seqOf(msgs...), 3, errBadRow), AndroidOptions{Names: names, Files: files, Location: loc, Owner: "+15559999"})
	if st.Written != 4 || st.Failed != 2 || st.Skipped != 3 || st.Missing != 1 {
		t.Errorf("stats %+v", st)
	}
	if !errors.Is(err, errBadRow) || !errors.Is(err, ErrNilRecord) || errors.Is(err, ErrOutput) {
		t.Errorf("err %v", err)
	}
	r := parseAndroid(t, buf.Bytes(), "smses")
	if len(r.Items) != 4 {
		t.Fatalf("%d elements", len(r.Items))
	}
	kinds := ""
	for _, it := range r.Items {
		kinds += it.XMLName.Local + " "
	}
	if kinds != "sms sms mms mms " {
		t.Fatalf("elements %q", kinds)
	}
	checkAttrs(t, "sms received", r.Items[0], map[string]string{
		"protocol": "0", "address": "+15550001", "date": "1682933412345", "type": "1", "subject": "null",
		"body": "a < b & c > d \"double\" 'single' 😀\nline2\ttab\uFFFD end",
		"toa":  "null", "sc_toa": "null", "service_center": "null", "read": "1", "status": "-1", "locked": "0",
		"date_sent": "1682933412345", "readable_date": "May 1, 2023 4:30:12 AM", "contact_name": "Alice",
	})
	checkAttrs(t, "sms sent", r.Items[1], map[string]string{"type": "2", "body": "reply", "read": "1", "date_sent": "0", "address": "+15550001"})
	// Newlines survive attribute normalization only as character references.
	if !bytes.Contains(buf.Bytes(), []byte(`line2&#9;tab`)) || !bytes.Contains(buf.Bytes(), []byte(`😀&#10;line2`)) {
		t.Error("tab/newline not written as character references")
	}

	g := r.Items[2]
	checkAttrs(t, "group mms", g, map[string]string{
		"msg_box": "1", "m_type": "132", "address": "+15550001~+15550002", "date": "1682935200000",
		"ct_t": "application/vnd.wap.multipart.related", "text_only": "1", "contact_name": "Alice, Bob", "m_id": "D",
	})
	if len(g.Parts) != 2 || g.Parts[0].get("ct") != "application/smil" || g.Parts[0].get("seq") != "-1" {
		t.Fatalf("group parts %+v", g.Parts)
	}
	checkAttrs(t, "group text part", g.Parts[1], map[string]string{"seq": "0", "ct": "text/plain", "chset": "106", "text": "group hi"})
	addrs := ""
	for _, a := range g.Addrs {
		addrs += a.get("address") + "/" + a.get("type") + "/" + a.get("charset") + " "
	}
	if addrs != "+15550002/137/106 +15550001/151/106 +15559999/151/106 " {
		t.Errorf("group addrs %q", addrs)
	}

	a := r.Items[3]
	checkAttrs(t, "attachment mms", a, map[string]string{"msg_box": "2", "m_type": "128", "address": "+15550001", "text_only": "0", "contact_name": "Alice"})
	if len(a.Parts) != 3 {
		t.Fatalf("attachment parts %d", len(a.Parts))
	}
	checkAttrs(t, "image part", a.Parts[1], map[string]string{"seq": "0", "ct": "image/png", "name": "IMG_1.png", "cl": "IMG_1.png", "cid": "<IMG_1.png>"})
	data, err := base64.StdEncoding.DecodeString(a.Parts[1].get("data"))
	if err != nil || !bytes.Equal(data, png) {
		t.Errorf("image data %q %v", data, err)
	}
	checkAttrs(t, "text part", a.Parts[2], map[string]string{"seq": "1", "text": "photo\n[missing attachment: gone.mov]"})
	if smil := a.Parts[0].get("text"); !strings.Contains(smil, `<img src="IMG_1.png" region="Image"/>`) || !strings.Contains(smil, `<text src="text_0.txt"`) {
		t.Errorf("smil %q", smil)
	}
	addrs = ""
	for _, x := range a.Addrs {
		addrs += x.get("address") + "/" + x.get("type") + " "
	}
	if addrs != "+15559999/137 +15550001/151 " {
		t.Errorf("sent addrs %q", addrs)
	}
}

func TestAndroidSMSReactionsAsText(t *testing.T) {
	msgs := []*records.Message{
		{GUID: "A", Chat: "+1", Sender: ptr("+1"), Text: "dinner?", Date: tm("2023-01-01T00:00:00Z")},
		{GUID: "B", Chat: "+1", FromMe: true, Reaction: &records.Reaction{Type: "love", Target: "A"}, Date: tm("2023-01-01T00:01:00Z")},
		{GUID: "C", Chat: "+1", FromMe: true, Reaction: &records.Reaction{Type: "love", Target: "A", Removed: true}, Date: tm("2023-01-01T00:02:00Z")},
		{GUID: "D", Chat: "+1", Sender: ptr("+1"), Reaction: &records.Reaction{Type: "emoji", Emoji: "🍕", Target: "zzz"}, Date: tm("2023-01-01T00:03:00Z")},
	}
	var buf bytes.Buffer
	st, err := AndroidSMS(&buf, seqOf(msgs...), AndroidOptions{ReactionsAsText: true, Location: time.UTC})
	if err != nil || st.Written != 4 || st.Skipped != 0 {
		t.Fatal(st, err)
	}
	r := parseAndroid(t, buf.Bytes(), "smses")
	var bodies []string
	for _, it := range r.Items {
		bodies = append(bodies, it.get("body"))
	}
	want := []string{"dinner?", "Loved “dinner?”", "Removed ❤️ from “dinner?”", "Reacted 🍕 to a message"}
	if strings.Join(bodies, "|") != strings.Join(want, "|") {
		t.Errorf("bodies %q", bodies)
	}
	if r.Items[0].get("contact_name") != "(Unknown)" {
		t.Errorf("contact_name %q", r.Items[0].get("contact_name"))
	}

	// Default: tapbacks skipped, count still exact.
	buf.Reset()
	st, _ = AndroidSMS(&buf, seqOf(msgs...), AndroidOptions{})
	r = parseAndroid(t, buf.Bytes(), "smses")
	if st.Skipped != 3 || st.SkippedBy[SkippedTapbacks] != 3 || len(r.Items) != 1 {
		t.Errorf("skipped %d, %d elements", st.Skipped, len(r.Items))
	}
}

func TestAndroidCalls(t *testing.T) {
	calls := []*records.Call{
		{Address: "+15550001", Date: tm("2023-05-01T09:30:12.345Z"), Duration: 61.6, Answered: true},
		{Address: "+15550002", Name: "Bob B", Date: tm("2023-05-01T10:00:00Z"), Duration: 5, Outgoing: true},
		{Address: "", Date: tm("2023-05-01T11:00:00Z"), Missed: true},
		{Address: "x@y.example", Date: nil, Duration: -3, Type: "facetime-audio", Answered: true},
	}
	names := func(h string) string {
		if h == "+15550001" {
			return "Alice & Co <x>"
		}
		return h // a resolver that echoes unknown handles
	}
	var buf bytes.Buffer
	st, err := AndroidCalls(&buf, withErr(seqOf(calls...), 2, errBadRow), AndroidOptions{Names: names, Location: time.UTC, AllCalls: true})
	if st.Written != 4 || st.Failed != 1 || !errors.Is(err, errBadRow) {
		t.Fatalf("%+v %v", st, err)
	}
	r := parseAndroid(t, buf.Bytes(), "calls")
	want := []map[string]string{
		{"number": "+15550001", "duration": "62", "date": "1682933412345", "type": "1", "presentation": "1", "contact_name": "Alice & Co <x>", "readable_date": "May 1, 2023 9:30:12 AM"},
		{"number": "+15550002", "duration": "5", "type": "2", "contact_name": "Bob B"},
		{"number": "", "duration": "0", "type": "3", "presentation": "2", "contact_name": "(Unknown)"},
		{"number": "x@y.example", "duration": "0", "date": "0", "type": "1", "readable_date": "null", "contact_name": "(Unknown)"},
	}
	for i, w := range want {
		if r.Items[i].XMLName.Local != "call" {
			t.Errorf("element %q", r.Items[i].XMLName.Local)
		}
		checkAttrs(t, "call "+strconv.Itoa(i), r.Items[i], w)
	}

	// By default FaceTime and app calls are left out, and counted.
	buf.Reset()
	calls = append(calls, &records.Call{Address: "+15550003", Type: "app", Service: "net.whatsapp.WhatsApp", Answered: true},
		&records.Call{Address: "+15550004", Type: "facetime-video", Answered: true})
	st, err = AndroidCalls(&buf, seqOf(calls...), AndroidOptions{Location: time.UTC})
	if err != nil || st.Written != 3 || st.Skipped != 3 || st.SkippedBy[SkippedCalls] != 3 {
		t.Errorf("default: %+v %v", st, err)
	}
	if r := parseAndroid(t, buf.Bytes(), "calls"); len(r.Items) != 3 || r.Items[2].get("number") != "" {
		t.Errorf("default: %d calls", len(r.Items))
	}

	if _, err := AndroidCalls(&failWriter{n: 5}, seqOf(calls...), AndroidOptions{}); !errors.Is(err, ErrOutput) {
		t.Errorf("write error: %v", err)
	}
}

func TestXMLAttrEscaping(t *testing.T) {
	got := string(appendXMLAttr(nil, "<&>\"'\n\r\t\x00\x1f\x7f\u0085\uFFFE\uFFFF\xc3é😀"))
	want := "&lt;&amp;&gt;&quot;&apos;&#10;&#13;&#9;\uFFFDé😀"
	if got != want {
		t.Errorf("got %q want %q", got, want)
	}
}
