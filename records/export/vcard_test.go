package export

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emersion/go-vcard"
	"github.com/iosbackup/iosbackup/records"
)

var jpegPhoto = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01 a small fake jpeg body that is long enough to fold over several lines of the card, and more")

func fullContact() *records.Contact {
	return &records.Contact{
		ID: 1, Prefix: "Dr.", First: "Zoë", Middle: "Ann; B", Last: "O'Brien, Jr", Suffix: "PhD",
		Nickname: "Zo\\e", FirstPhonetic: "ゾエ", MiddlePhonetic: "アン", LastPhonetic: "オブライエン",
		Organization: "ACME; Inc.", Department: "R&D, Labs", JobTitle: "Chief, Explosives",
		Birthday: "1980-02-29",
		Note:     "Line one\nLine two; with semicolon, comma\r\nand CRLF \\ backslash 🎉\x00",
		Phones: []records.Labeled{
			{Label: "Mobile", Value: "+1 (555) 010-0001"},
			{Label: "iPhone", Value: "+15550100002"},
			{Label: "Home", Value: "555-0003"},
			{Label: "Work", Value: "555-0004"},
			{Label: "Main", Value: "555-0005"},
			{Label: "HomeFAX", Value: "555-0006"},
			{Label: "Pager", Value: "555-0007"},
			{Label: "Other", Value: "555-0008"},
			{Label: "Boat, phone", Value: "555-0009"},
			{Label: "", Value: "555-0010"},
		},
		Emails: []records.Labeled{
			{Label: "Home", Value: "zoe@example.com"},
			{Label: "Work", Value: "zoe@acme.example"},
			{Label: "iCloud", Value: "zoe@icloud.example"},
		},
		URLs: []records.Labeled{
			{Label: "HomePage", Value: "https://zoe.example/a,b;c"},
			{Label: "Work", Value: "https://acme.example"},
		},
		Addresses: []records.Address{
			{Label: "Home", Street: "1 Main St\nApt 2", City: "Springfield", State: "IL", ZIP: "62701", Country: "United States", CountryCode: "US"},
			{Label: "Cottage", Street: "Rue de l'Église; 3", City: "Zürich", ZIP: "8001", Country: "Switzerland", CountryCode: "ch"},
		},
		Profiles: []records.Profile{
			{Label: "Home", Service: "Skype", Username: "zoe.skype"},
			{Service: "Twitter", Username: "zoe_tw", URL: "https://twitter.com/zoe_tw"},
			{Service: "Mastodon", Username: "zoe@social.example"},
		},
		Related: []records.Labeled{{Label: "Mother", Value: "Ann O'Brien"}},
		Dates:   []records.Labeled{{Label: "Anniversary", Value: "2005-06-07"}},
		Groups:  []string{"Family", "Book club, Tuesday"},
		Created: tm("2020-01-01T00:00:00Z"), Modified: tm("2021-02-03T04:05:06.789Z"),
		HasPhoto: true, Photo: jpegPhoto,
	}
}

// splitStructured splits a value decoded by go-vcard (which unescapes
// "\\", "\n" and "\," but leaves "\;") on unescaped semicolons.
func splitStructured(v string) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '\\' && i+1 < len(v) && v[i+1] == ';':
			cur.WriteByte(';')
			i++
		case v[i] == ';':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(v[i])
		}
	}
	return append(parts, cur.String())
}

// unesc undoes the "\;" go-vcard leaves in plain text values.
func unesc(v string) string { return strings.ReplaceAll(v, `\;`, ";") }

func decodeCards(t *testing.T, b []byte) []vcard.Card {
	t.Helper()
	dec := vcard.NewDecoder(bytes.NewReader(b))
	var cards []vcard.Card
	for {
		c, err := dec.Decode()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		cards = append(cards, c)
	}
	return cards
}

// grouped returns the fields of key with their X-ABLABEL (by group).
func labelOf(c vcard.Card, f *vcard.Field) string {
	if f.Group == "" {
		return ""
	}
	for _, l := range c["X-ABLABEL"] {
		if l.Group == f.Group {
			return unesc(l.Value)
		}
	}
	return ""
}

func TestVCardRoundTrip(t *testing.T) {
	in := fullContact()
	var buf bytes.Buffer
	st, err := VCard(&buf, seqOf(in))
	if err != nil || st.Written != 1 {
		t.Fatalf("VCard: %+v %v", st, err)
	}
	out := buf.Bytes()

	// Physical format: CRLF, ≤ 75 octets per line, no UTF-8 split by folding.
	lines := strings.Split(strings.TrimSuffix(string(out), "\r\n"), "\r\n")
	if lines[0] != "BEGIN:VCARD" || lines[1] != "VERSION:3.0" || lines[len(lines)-1] != "END:VCARD" {
		t.Errorf("frame: %q … %q", lines[:2], lines[len(lines)-1])
	}
	for _, l := range lines {
		if len(l) > 75 {
			t.Errorf("line longer than 75 octets: %q", l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("folding split a character: %q", l)
		}
		if strings.ContainsAny(l, "\n\r\x00") {
			t.Errorf("raw control character in %q", l)
		}
	}

	cards := decodeCards(t, out)
	if len(cards) != 1 {
		t.Fatalf("%d cards", len(cards))
	}
	c := cards[0]
	eq := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	eq("VERSION", c.Value("VERSION"), "3.0")
	n := splitStructured(c.Value("N"))
	if len(n) != 5 {
		t.Fatalf("N has %d parts: %q", len(n), n)
	}
	eq("N family", n[0], in.Last)
	eq("N given", n[1], in.First)
	// go-vcard cannot escape ';' inside a component: it is written as ','.
	eq("N middle", n[2], strings.ReplaceAll(in.Middle, ";", ","))
	eq("N prefix", n[3], in.Prefix)
	eq("N suffix", n[4], in.Suffix)
	eq("FN", unesc(c.Value("FN")), "Dr. Zoë Ann; B O'Brien, Jr PhD")
	eq("NICKNAME", unesc(c.Value("NICKNAME")), in.Nickname)
	eq("X-PHONETIC-FIRST-NAME", c.Value("X-PHONETIC-FIRST-NAME"), in.FirstPhonetic)
	eq("X-PHONETIC-MIDDLE-NAME", c.Value("X-PHONETIC-MIDDLE-NAME"), in.MiddlePhonetic)
	eq("X-PHONETIC-LAST-NAME", c.Value("X-PHONETIC-LAST-NAME"), in.LastPhonetic)
	org := splitStructured(c.Value("ORG"))
	if len(org) != 2 {
		t.Fatalf("ORG %q", org)
	}
	eq("ORG name", org[0], strings.ReplaceAll(in.Organization, ";", ","))
	eq("ORG unit", org[1], in.Department)
	eq("TITLE", unesc(c.Value("TITLE")), in.JobTitle)
	eq("BDAY", c.Value("BDAY"), "1980-02-29")
	eq("NOTE", unesc(c.Value("NOTE")), "Line one\nLine two; with semicolon, comma\nand CRLF \\ backslash 🎉")
	eq("REV", c.Value("REV"), "2021-02-03T04:05:06Z")
	if c.Value("X-ABSHOWAS") != "" {
		t.Error("person marked as company")
	}

	// Phones: TYPE from the label, custom labels in grouped X-ABLabel.
	wantTel := []struct{ types, label, value string }{
		{"CELL,VOICE", "", "+1 (555) 010-0001"},
		{"IPHONE,CELL,VOICE", "", "+15550100002"},
		{"HOME,VOICE", "", "555-0003"},
		{"WORK,VOICE", "", "555-0004"},
		{"MAIN,VOICE", "", "555-0005"},
		{"HOME,FAX", "", "555-0006"},
		{"PAGER", "", "555-0007"},
		{"OTHER,VOICE", "", "555-0008"},
		{"VOICE", "Boat, phone", "555-0009"},
		{"VOICE", "", "555-0010"},
	}
	tels := c["TEL"]
	if len(tels) != len(wantTel) {
		t.Fatalf("%d TEL, want %d", len(tels), len(wantTel))
	}
	for i, w := range wantTel {
		f := tels[i]
		eq("TEL value", f.Value, w.value)
		eq("TEL "+w.value+" TYPE", strings.Join(f.Params["TYPE"], ","), w.types)
		eq("TEL "+w.value+" label", labelOf(c, f), w.label)
	}
	emails := c["EMAIL"]
	if len(emails) != 3 {
		t.Fatalf("EMAIL %d", len(emails))
	}
	eq("EMAIL home", emails[0].Value+" "+strings.Join(emails[0].Params["TYPE"], ","), "zoe@example.com INTERNET,HOME")
	eq("EMAIL work", emails[1].Value+" "+strings.Join(emails[1].Params["TYPE"], ","), "zoe@acme.example INTERNET,WORK")
	eq("EMAIL icloud", emails[2].Value+" "+strings.Join(emails[2].Params["TYPE"], ","), "zoe@icloud.example INTERNET")
	eq("EMAIL icloud label", labelOf(c, emails[2]), "iCloud")
	urls := c["URL"]
	if len(urls) != 2 {
		t.Fatalf("URL %d", len(urls))
	}
	eq("URL homepage", unesc(urls[0].Value), "https://zoe.example/a,b;c")
	eq("URL homepage label", labelOf(c, urls[0]), "HomePage")
	eq("URL work", urls[1].Value+" "+strings.Join(urls[1].Params["TYPE"], ","), "https://acme.example WORK")

	adrs := c["ADR"]
	if len(adrs) != 2 {
		t.Fatalf("ADR %d", len(adrs))
	}
	for i, a := range in.Addresses {
		p := splitStructured(adrs[i].Value)
		if len(p) != 7 {
			t.Fatalf("ADR parts %q", p)
		}
		eq("ADR pobox", p[0], "")
		eq("ADR ext", p[1], "")
		eq("ADR street", p[2], strings.ReplaceAll(a.Street, ";", ","))
		eq("ADR city", p[3], a.City)
		eq("ADR state", p[4], a.State)
		eq("ADR zip", p[5], a.ZIP)
		eq("ADR country", p[6], a.Country)
		code := ""
		for _, x := range c["X-ABADR"] {
			if x.Group == adrs[i].Group && x.Group != "" {
				code = x.Value
			}
		}
		eq("X-ABADR", code, strings.ToLower(a.CountryCode))
	}
	eq("ADR home TYPE", strings.Join(adrs[0].Params["TYPE"], ","), "HOME")
	eq("ADR custom label", labelOf(c, adrs[1]), "Cottage")

	impp := c["IMPP"]
	if len(impp) != 1 {
		t.Fatalf("IMPP %d", len(impp))
	}
	eq("IMPP", impp[0].Value, "skype:zoe.skype")
	eq("IMPP service", impp[0].Params.Get("X-SERVICE-TYPE"), "Skype")
	eq("IMPP type", impp[0].Params.Get("TYPE"), "HOME")
	sp := c["X-SOCIALPROFILE"]
	if len(sp) != 2 {
		t.Fatalf("X-SOCIALPROFILE %d", len(sp))
	}
	eq("social url", sp[0].Value, "https://twitter.com/zoe_tw")
	eq("social type", sp[0].Params.Get("TYPE"), "twitter")
	eq("social user", sp[0].Params.Get("X-USER"), "zoe_tw")
	eq("social 2 url", sp[1].Value, "x-apple:zoe@social.example")
	eq("social 2 user", sp[1].Params.Get("X-USER"), "zoe@social.example")

	eq("X-ABRELATEDNAMES", c.Value("X-ABRELATEDNAMES"), "Ann O'Brien")
	eq("related label", labelOf(c, c.Get("X-ABRELATEDNAMES")), "Mother")
	eq("X-ABDATE", c.Value("X-ABDATE"), "2005-06-07")
	eq("date label", labelOf(c, c.Get("X-ABDATE")), "Anniversary")
	var cats []string
	for _, f := range c["CATEGORIES"] {
		cats = append(cats, unesc(f.Value))
	}
	if !slices.Equal(cats, []string{"Family", "Book club, Tuesday"}) {
		t.Errorf("CATEGORIES %q", cats)
	}
	if !strings.Contains(string(out), "CATEGORIES:Book club\\, Tuesday\r\n") {
		t.Error("CATEGORIES comma inside a group name not escaped")
	}

	photo := c.Get("PHOTO")
	if photo == nil {
		t.Fatal("no PHOTO")
	}
	eq("PHOTO ENCODING", photo.Params.Get("ENCODING"), "b")
	eq("PHOTO TYPE", photo.Params.Get("TYPE"), "JPEG")
	raw, err := base64.StdEncoding.DecodeString(photo.Value)
	if err != nil || !bytes.Equal(raw, jpegPhoto) {
		t.Errorf("PHOTO bytes differ: %v", err)
	}
}

func TestVCardVariants(t *testing.T) {
	org := &records.Contact{ID: 2, Organization: "Pizza Place", IsOrganization: true, Birthday: "--12-25",
		Phones: []records.Labeled{{Label: "Main", Value: "555-1111"}},
		Photo:  []byte("\x89PNG\r\n\x1a\nrest")}
	noName := &records.Contact{ID: 3, Emails: []records.Labeled{{Value: "who@example.com"}}, Birthday: "bogus"}
	nickOnly := &records.Contact{ID: 4, Nickname: "Bear", Photo: []byte("GIF89a...")}
	var buf bytes.Buffer
	st, err := VCard(&buf, withErr(seqOf(org, nil, noName, nickOnly), 1, errBadRow))
	if st.Written != 3 || st.Failed != 2 {
		t.Fatalf("stats %+v", st)
	}
	if !errors.Is(err, errBadRow) || !errors.Is(err, ErrNilRecord) || errors.Is(err, ErrOutput) {
		t.Errorf("err %v", err)
	}
	cards := decodeCards(t, buf.Bytes())
	if len(cards) != 3 {
		t.Fatalf("%d cards", len(cards))
	}
	if fn := cards[0].Value("FN"); fn != "Pizza Place" {
		t.Errorf("org FN %q", fn)
	}
	if v := cards[0].Value("X-ABSHOWAS"); v != "COMPANY" {
		t.Errorf("X-ABShowAs %q", v)
	}
	if v := cards[0].Value("BDAY"); v != "--12-25" {
		t.Errorf("BDAY %q", v)
	}
	if v := cards[0].Value("N"); v != ";;;;" {
		t.Errorf("N %q", v)
	}
	if v := cards[0].Get("PHOTO").Params.Get("TYPE"); v != "PNG" {
		t.Errorf("PNG sniff %q", v)
	}
	if v := cards[1].Value("FN"); v != "who@example.com" {
		t.Errorf("fallback FN %q", v)
	}
	if cards[1].Get("BDAY") != nil {
		t.Error("invalid birthday written")
	}
	if v := cards[2].Value("FN"); v != "Bear" {
		t.Errorf("nickname FN %q", v)
	}
	if v := cards[2].Get("PHOTO").Params.Get("TYPE"); v != "GIF" {
		t.Errorf("GIF sniff %q", v)
	}

	_, err = VCard(&failWriter{n: 10}, seqOf(fullContact()))
	if !errors.Is(err, ErrOutput) || !errors.Is(err, errDiskFull) {
		t.Errorf("write error: %v", err)
	}
}

func TestFoldKeepsRunes(t *testing.T) {
	var b bytes.Buffer
	long := strings.Repeat("é", 100) // 2 bytes each
	fold(&b, []byte("NOTE:"+long))
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n") {
		if len(l) > 75 || !utf8.ValidString(l) {
			t.Errorf("bad folded line %q", l)
		}
	}
	cards := decodeCards(t, []byte("BEGIN:VCARD\r\n"+b.String()+"END:VCARD\r\n"))
	if cards[0].Value("NOTE") != long {
		t.Error("unfolded value differs")
	}
}
