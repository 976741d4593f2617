package typedstream

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/iosbackup/iosbackup/internal/realdata"
	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

const crabstepDir = "crabstep/src/test_data"

// Expected main strings (SOURCES.md, crabstep table).
var crabstepTexts = map[string]string{
	"0123456789":                      "0123456789",
	"35123":                           "0123456789\nBold Italics Underline Strikethrough\u00A0\u00A0Big Small Shake Nod Explode Ripple Bloom Jitter",
	"Address":                         "1 Apple Park Way, Cupertino, CA 95014",
	"AppMessage":                      "\uFFFC",
	"Arabic":                          "أهلاً بالعالم",
	"Array":                           "A single ChatGPT instance takes 5MW of power to run",
	"Attachment":                      "\uFFFCThis is how the notes look to me fyi, in case it helps make sense of anything",
	"AttachmentI16":                   "\uFFFC",
	"AttributedBodyTextOnly":          "Noter test",
	"AttributedBodyTextOnly2":         "Test 3",
	"Blank":                           "",
	"Code":                            "000123 is your security code. Don't share your code.",
	"Currency":                        "Money: $1234.56, £20, 100 USD",
	"CurrencyTemperatureVolumeWeight": "$100\n\n75℉\n\n1L of water\n\n225lbs",
	"CustomTapback":                   "Reacted with a sticker to “Like I wonder if the stickers can be reactions ”\uFFFC",
	"Date":                            "Hi. Right now or tomorrow?",
	"EditedWithFormatting":            "Test",
	"Email":                           "asdfghjklq@gmail.com might work",
	"EmojiBoldUnderline":              "🅱\uFE0FBold_Underline",
	"Flight":                          "AS 1111",
	"Formatted":                       "Big small",
	"HugeWithRefs":                    "{294.275, 313.361}",
	"Mention":                         "Test Dad ",
	"MultiAttachment":                 strings.Repeat("\uFFFC", 19),
	"MultiPart":                       "\uFFFCtest 1\uFFFCtest 2 \uFFFCtest 3",
	"MultiPartWithDeleted":            "From arbitrary byte stream:\r\uFFFCTo native Rust data structures:\r",
	"OverlappingFormat":               "8:00 pm",
	"PhoneNumber":                     "What about 0000000000",
	"StyledLink":                      "https://github.com/ReagentX/imessage-exporter/discussions/553",
	"TextEffects":                     "Big small shake nod explode ripple bloom jitter",
	"TextStyles":                      "Bold underline italic strikethrough all four",
	"TextStylesMixed":                 "Underline normal jitter normal",
	"TextStylesSingleRange":           "Everything",
	"Tracking":                        "1Z999AA10123456784",
	"Transcription":                   "\uFFFC",
	"URL":                             "https://github.com/ReagentX/Logria",
	"URLMessage":                      "https://twitter.com/xxxxxxxxx/status/0000223300009216128",
	"WeirdText":                       "𝖍𝖊𝖑𝖑𝖔 𝖜𝖔𝖗𝖑𝖉",
}

// Truncated entries of the table: prefix and total length in characters.
var crabstepPrefixes = map[string]struct {
	prefix string
	runes  int
}{
	"AppleMusicLyrics": {"https://music.apple.com/us/lyrics/1329891623?ts=11.108&te=16.031&l=en&tk=2.v1.VsuX9f%2BaT1PyrgMgIT7A", 145},
	"LongMessage":      {"Sed nibh velit, sodales et facilisis ut, sodales id libero. Mauris nec venenatis lorem, ac vulputate", 2359},
}

func TestCrabstepBlobs(t *testing.T) {
	dir := realdata.Path(t, crabstepDir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen, canonical := 0, 0
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		name := e.Name()
		b := realdata.Read(t, crabstepDir, name)
		if name == "ExtraData" {
			continue // TestCrabstepExtraData
		}
		seen++
		if cs, ok := canonicalText(b); ok {
			canonical++
			if fs, fok := fastText(b); !fok || fs != cs {
				t.Errorf("%s: canonicalText %q, fastText %q", name, cs, fs)
			}
		}
		got, err := Text(b)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if want, ok := crabstepTexts[name]; ok {
			if got != want {
				t.Errorf("%s: Text = %q, want %q", name, got, want)
			}
		} else if p, ok := crabstepPrefixes[name]; ok {
			if !strings.HasPrefix(got, p.prefix) || utf8.RuneCountInString(got) != p.runes {
				t.Errorf("%s: Text = %q (%d runes), want prefix %q and %d runes", name, got, utf8.RuneCountInString(got), p.prefix, p.runes)
			}
		} else {
			t.Errorf("%s: no expectation", name)
			continue
		}
		as, err := Parse(b)
		if err != nil || as.Text != got {
			t.Errorf("%s: Parse = %v, %v", name, as, err)
			continue
		}
		// Runs of message bodies tile the text exactly.
		if name != "HugeWithRefs" && name != "Blank" {
			end := 0
			for _, r := range as.Runs {
				if r.Start != end {
					t.Errorf("%s: run at %d, want %d", name, r.Start, end)
				}
				end += r.Length
			}
			if end != as.UTF16Len() {
				t.Errorf("%s: runs cover %d UTF-16 units, text has %d", name, end, as.UTF16Len())
			}
		}
		if r, ok := Recover(b); !ok || r != got {
			t.Errorf("%s: Recover = %q, %v", name, r, ok)
		}
	}
	if seen != len(crabstepTexts)+len(crabstepPrefixes) {
		t.Errorf("checked %d blobs, want %d", seen, len(crabstepTexts)+len(crabstepPrefixes))
	}
	if canonical == 0 {
		t.Error("no real blob took the canonical-layout shortcut")
	}
	t.Logf("%d of %d real blobs have the canonical layout", canonical, seen)
}

func TestCrabstepAttributedBodyTextOnlyMatchesHandBuilt(t *testing.T) {
	b := realdata.Read(t, crabstepDir, "AttributedBodyTextOnly")
	if !bytes.Equal(b, simpleBody("Noter test")) {
		t.Fatal("hand-built §11.6 blob differs from the real AttributedBodyTextOnly")
	}
}

func TestCrabstepExtraData(t *testing.T) {
	b := realdata.Read(t, crabstepDir, "ExtraData")
	_, err := Parse(b)
	var fe *FormatError
	if !errors.As(err, &fe) || !errors.Is(err, ErrMalformed) || errors.Is(err, ErrNotTypedstream) {
		t.Fatalf("Parse err = %v", err)
	}
	if fe.Offset != 124 {
		t.Errorf("error offset %d, want 124 (string body)", fe.Offset)
	}
	if _, err := Text(b); err == nil {
		t.Fatal("Text succeeded on ExtraData")
	}
	s, ok := Recover(b)
	if !ok || !strings.HasPrefix(s, "This is parsing") {
		t.Fatalf("Recover = %q, %v", s, ok)
	}
}

func TestCrabstepMention(t *testing.T) {
	as, err := Parse(realdata.Read(t, crabstepDir, "Mention"))
	if err != nil {
		t.Fatal(err)
	}
	var lengths []int
	for _, r := range as.Runs {
		lengths = append(lengths, r.Length)
	}
	if !reflect.DeepEqual(lengths, []int{5, 3, 1}) {
		t.Fatalf("run lengths %v", lengths)
	}
	r := as.Runs[1]
	if r.Start != 5 || as.RunText(r) != "Dad" || r.Attributes[AttrMention] != "+15558675309" || r.Attributes[AttrMessagePart] != int64(0) {
		t.Fatalf("mention run %+v", r)
	}
	if _, ok := as.Runs[0].Attributes[AttrMention]; ok {
		t.Fatal("first run has a mention")
	}
	if m := as.Mentions(); !reflect.DeepEqual(m, []Span{{Start: 5, Length: 3, Text: "Dad", Value: "+15558675309"}}) {
		t.Fatalf("Mentions = %+v", m)
	}
}

func TestCrabstepAttachments(t *testing.T) {
	as, err := Parse(realdata.Read(t, crabstepDir, "MultiAttachment"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(as.Text, "\uFFFC") != 19 || utf8.RuneCountInString(as.Text) != 19 {
		t.Fatalf("text %q", as.Text)
	}
	g := as.AttachmentGUIDs()
	if len(g) != 19 {
		t.Fatalf("%d GUIDs: %v", len(g), g)
	}
	uniq := map[string]bool{}
	for _, s := range g {
		uniq[s] = true
	}
	if len(uniq) != 19 {
		t.Fatalf("GUIDs not distinct: %v", g)
	}

	as, err = Parse(realdata.Read(t, crabstepDir, "Attachment"))
	if err != nil {
		t.Fatal(err)
	}
	if g := as.AttachmentGUIDs(); !reflect.DeepEqual(g, []string{"at_0_2E5F12C3-E649-48AA-954D-3EA67C016BCC"}) {
		t.Fatalf("Attachment GUIDs %v", g)
	}
	a := as.Runs[0].Attributes
	if a["__kIMFilenameAttributeName"] != "Messages Image(785748029).png" || a["__kIMInlineMediaWidthAttributeName"] != 952.0 ||
		a["__kIMInlineMediaHeightAttributeName"] != 1139.0 || a["__kIMBaseWritingDirectionAttributeName"] != int64(-1) {
		t.Fatalf("attachment attributes %v", a)
	}

	as, err = Parse(realdata.Read(t, crabstepDir, "MultiPart"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"at_0_F0668F79-20C2-49C9-A87F-1B007ABB0CED", "at_2_F0668F79-20C2-49C9-A87F-1B007ABB0CED", "at_4_F0668F79-20C2-49C9-A87F-1B007ABB0CED"}
	if g := as.AttachmentGUIDs(); !reflect.DeepEqual(g, want) {
		t.Fatalf("MultiPart GUIDs %v", g)
	}
	for i, r := range as.Runs {
		if r.Attributes[AttrMessagePart] != int64(i) {
			t.Fatalf("run %d part %v", i, r.Attributes[AttrMessagePart])
		}
	}

	as, err = Parse(realdata.Read(t, crabstepDir, "Transcription"))
	if err != nil {
		t.Fatal(err)
	}
	if as.Runs[0].Attributes["IMAudioTranscription"] != "This is a test" ||
		!reflect.DeepEqual(as.AttachmentGUIDs(), []string{"4C339597-EBBB-4978-9B87-521C0471A848"}) {
		t.Fatalf("Transcription %+v", as.Runs)
	}
}

func TestCrabstepLinksAndFormatting(t *testing.T) {
	links := map[string][]Span{
		"URL":        {{0, 34, "https://github.com/ReagentX/Logria", "https://github.com/ReagentX/Logria"}},
		"Email":      {{0, 20, "asdfghjklq@gmail.com", "mailto:asdfghjklq@gmail.com"}},
		"0123456789": {{0, 10, "0123456789", "tel:0123456789"}},
	}
	for name, want := range links {
		as, err := Parse(realdata.Read(t, crabstepDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := as.Links(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Links = %+v", name, got)
		}
	}
	as, err := Parse(realdata.Read(t, "imessage-exporter/imessage-database/test_data/typedstream/SingleLink"))
	if err != nil {
		t.Fatal(err)
	}
	const link = "https://www.ghacks.net/2020/01/23/lastpass-no-longer-listed-on-the-chrome-web-store/"
	if as.Text != link {
		t.Fatalf("SingleLink text %q", as.Text)
	}
	if l := as.Links(); len(l) != 1 || l[0].Value != link || l[0].Length != 84 {
		t.Fatalf("SingleLink links %+v", l)
	}
	dd, ok := as.Runs[0].Attributes["__kIMDataDetectedAttributeName"].([]byte)
	if !ok || !bytes.HasPrefix(dd, []byte("bplist00")) {
		t.Fatalf("data detector attribute %T", as.Runs[0].Attributes["__kIMDataDetectedAttributeName"])
	}

	as, err = Parse(realdata.Read(t, crabstepDir, "TextEffects"))
	if err != nil {
		t.Fatal(err)
	}
	if len(as.Runs) != 13 || as.RunText(as.Runs[0]) != "Big" || as.Runs[0].Attributes[AttrTextEffect] != int64(5) {
		t.Fatalf("TextEffects runs %+v", as.Runs)
	}
	as, err = Parse(realdata.Read(t, crabstepDir, "TextStyles"))
	if err != nil {
		t.Fatal(err)
	}
	styles := map[string]string{}
	for _, r := range as.Runs {
		for _, k := range []string{AttrBold, AttrItalic, AttrUnderline, AttrStrikethrough} {
			if r.Attributes[k] == int64(1) {
				styles[k] += as.RunText(r) + "|"
			}
		}
	}
	// Only "four" of "all four" carries the four styles in this blob.
	want := map[string]string{
		AttrBold:          "Bold|four|",
		AttrUnderline:     "underline|four|",
		AttrItalic:        "italic|four|",
		AttrStrikethrough: "strikethrough|four|",
	}
	if !reflect.DeepEqual(styles, want) {
		t.Fatalf("TextStyles %q", styles)
	}
}

func TestCrabstepHugeWithRefs(t *testing.T) {
	vals, err := Decode(realdata.Read(t, crabstepDir, "HugeWithRefs"))
	if err != nil {
		t.Fatal(err)
	}
	root := vals[0].(*Object)
	if root.Class != "NSMutableArray" {
		t.Fatalf("root %s", root.Class)
	}
	n, ok := Native(root).([]any)
	if !ok || len(n) != 1 {
		t.Fatalf("native root %T", Native(root))
	}
	inner, ok := n[0].([]any)
	if !ok || len(inner) != 35 {
		t.Fatalf("inner array: %T", n[0])
	}
}

func decodeFoundation(t *testing.T, name string) any {
	t.Helper()
	vals, err := Decode(realdata.Read(t, crabstepDir, "foundation", name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(vals) != 1 {
		t.Fatalf("%s: %d root values", name, len(vals))
	}
	return Native(vals[0])
}

func TestCrabstepFoundation(t *testing.T) {
	date := time.Unix(1000000000, 0).UTC()
	cases := map[string]any{
		"NSArray":             []any{"a", int64(1), "b"},
		"NSArrayEmpty":        []any{},
		"NSArrayNested":       []any{"top", []any{int64(1), int64(2)}},
		"NSArrayWithNull":     []any{"x", nil, "y"},
		"NSData":              []byte{0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x7F},
		"NSDate":              date,
		"NSDictionary":        map[string]any{"k1": int64(1), "k2": "v"},
		"NSDictionaryNested":  map[string]any{"arr": []any{int64(1), int64(2)}, "data": []byte{1, 2}, "num": int64(7)},
		"NSMutableArray":      []any{"x", int64(2)},
		"NSMutableData":       []byte{0xDE, 0xAD, 0xBE, 0xEF},
		"NSMutableDictionary": map[string]any{"key": int64(9)},
		"NSMutableSet":        []any{"m1"},
		"NSMutableString":     "Hello, world",
		"NSString":            "Hello, world",
		"NSURL":               "https://example.com/path?q=1",
		"NSURLRelative":       "https://example.com/dir/page.html",
		"NestedContainers": []any{[]any{int64(1), int64(2)}, []any{int64(3)}, []any{}, map[string]any{"k": int64(9)},
			map[string]any{"mk": int64(8)}, []any{"s"}, []any{"ms"}},
		"NestedData":    []any{[]byte{1, 2}, []byte{3, 4, 5}},
		"NestedScalars": []any{date, "https://example.com/path?q=1", "https://example.com/dir/page.html", nil},
		"NestedStrings": []any{"imm", "mut"},
		"NumberBool":    int64(1), // NSArchiver stores BOOL as ObjC type 'c'
		"NumberDouble":  100.5,
		"NumberFloat":   3.5,
		"NumberInt":     int64(42),
		"NumberInt64":   int64(-9000000000),
	}
	for name, want := range cases {
		if got := decodeFoundation(t, name); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %#v, want %#v", name, got, want)
		}
	}
	// Sets: order is the archive's.
	set := decodeFoundation(t, "NSSet").([]any)
	if len(set) != 2 || !(set[0] == "s1" && set[1] == "s2" || set[0] == "s2" && set[1] == "s1") {
		t.Errorf("NSSet %v", set)
	}
	frac := decodeFoundation(t, "NSDateFractional").(time.Time)
	if want := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC).Add(700000000*time.Second + 523*time.Millisecond); !frac.Equal(want) {
		t.Errorf("NSDateFractional %v, want %v", frac, want)
	}
	as, ok := decodeFoundation(t, "NSAttributedString").(*AttributedString)
	if !ok || as.Text != "Hello, world" || len(as.Runs) != 1 || as.Runs[0].Length != 12 || len(as.Runs[0].Attributes) != 0 {
		t.Errorf("NSAttributedString %#v", as)
	}
	arr := decodeFoundation(t, "NestedAttributed").([]any)
	if as, ok := arr[0].(*AttributedString); !ok || as.Text != "styled" {
		t.Errorf("NestedAttributed %#v", arr)
	}
	// The raw objects keep the class chain and number type.
	vals, _ := Decode(realdata.Read(t, crabstepDir, "foundation", "NumberInt64"))
	o := vals[0].(*Object)
	if !reflect.DeepEqual(o.Classes, []string{"NSNumber", "NSValue", "NSObject"}) || o.Groups[0].Type != "*" || o.Values[0] != "q" {
		t.Errorf("NumberInt64 raw %+v", o)
	}
	if s, err := Text(realdata.Read(t, crabstepDir, "foundation", "NumberInt")); !errors.Is(err, ErrNoText) || s != "" {
		t.Errorf("Text(NumberInt) = %q, %v", s, err)
	}
}

func openDB(t *testing.T, rel string) *sql.DB {
	t.Helper()
	db, err := sqlitemem.Open(realdata.Read(t, rel), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestCS426SmsDB(t *testing.T) {
	db := openDB(t, "CS426-iphone-sms-forensics/sms.db")
	rows, err := db.Query(`SELECT ROWID, text, attributedBody FROM message ORDER BY ROWID`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, match, withFFFC, longest := 0, 0, 0, 0
	byRow := map[int64]string{}
	for rows.Next() {
		var id int64
		var text sql.NullString
		var body []byte
		if err := rows.Scan(&id, &text, &body); err != nil {
			t.Fatal(err)
		}
		n++
		got, err := Text(body)
		if err != nil {
			t.Errorf("ROWID %d: %v", id, err)
			continue
		}
		if got != text.String {
			t.Errorf("ROWID %d: attributedBody %q != text %q", id, got, text.String)
			continue
		}
		match++
		byRow[id] = got
		if strings.ContainsRune(got, '\uFFFC') {
			withFFFC++
		}
		longest = max(longest, utf8.RuneCountInString(got))
		as, err := Parse(body)
		if err != nil || as.Text != got {
			t.Errorf("ROWID %d: Parse %v", id, err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 105 || match != 105 {
		t.Fatalf("%d rows, %d match, want 105/105", n, match)
	}
	if withFFFC != 6 || longest != 482 {
		t.Errorf("%d texts with U+FFFC (want 6), longest %d (want 482)", withFFFC, longest)
	}
	for id, want := range map[int64]string{
		12:  "G-680228 is your Google verification code.",
		26:  "Snapchat code: 916016. Do not share it or use it elsewhere!",
		34:  "\uFFFC\uFFFC",
		56:  "Wait what door",
		254: "G-386965 is your Google verification code.",
	} {
		if byRow[id] != want {
			t.Errorf("ROWID %d = %q, want %q", id, byRow[id], want)
		}
	}
}

func TestPlasoChatDB(t *testing.T) {
	db := openDB(t, "plaso/test_data/sqlite/imessage_chat.db")
	rows, err := db.Query(`SELECT ROWID, text, attributedBody FROM message ORDER BY ROWID`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, same := 0, 0
	got := map[int64]string{}
	for rows.Next() {
		var id int64
		var text sql.NullString
		var body []byte
		if err := rows.Scan(&id, &text, &body); err != nil {
			t.Fatal(err)
		}
		n++
		s, err := Text(body)
		if err != nil {
			t.Errorf("ROWID %d: %v", id, err)
			continue
		}
		got[id] = s
		if s == text.String {
			same++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 10 || len(got) != 10 || same != 8 {
		t.Fatalf("%d rows, %d decoded, %d equal to text (want 10, 10, 8)", n, len(got), same)
	}
	if want := "Hi Eireanne, I've left a USB stick up at my Mum's with Microsoft Office on it."; got[10] != want {
		t.Errorf("ROWID 10 = %q, want %q", got[10], want)
	}
	if !strings.Contains(got[6], "install Microsoft Office, which I have a copy of.") {
		t.Errorf("ROWID 6 = %q", got[6])
	}
	if got[8] != "Did you try to send me a message?" || got[9] != "Yes, did you get it?" || got[5] != "Yes, but I can get you a copy of it." {
		t.Errorf("rows 5,8,9 = %q, %q, %q", got[5], got[8], got[9])
	}
}
