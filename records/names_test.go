package records_test

import (
	"testing"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/records"
)

// One rule orders names for every output: family name first for names
// written in CJK script, a space between the parts only for Japanese.
func TestNameOrder(t *testing.T) {
	for _, tc := range []struct {
		c             records.Contact
		display, full string
		familyFirst   bool
	}{
		{records.Contact{First: "太郎", Last: "山田", FirstPhonetic: "たろう", LastPhonetic: "やまだ"}, "山田 太郎", "山田 太郎", true},
		{records.Contact{First: "たろう", Last: "やまだ"}, "やまだ たろう", "やまだ たろう", true},                 // kana in the name itself
		{records.Contact{First: "タロウ", Last: "ヤマダ"}, "ヤマダ タロウ", "ヤマダ タロウ", true},                 // katakana
		{records.Contact{First: "太郎", Last: "山田"}, "山田太郎", "山田太郎", true},                         // Han only, no reading: joined
		{records.Contact{First: "小明", Last: "王", FirstPhonetic: "Xiǎomíng"}, "王小明", "王小明", true}, // pinyin reading
		{records.Contact{First: "민수", Last: "김"}, "김민수", "김민수", true},
		{records.Contact{First: "John", Last: "Smith", OrgPhonetic: "アクメ"}, "John Smith", "John Smith", false},
		{records.Contact{First: "Ada", Middle: "King", Last: "Lovelace", Prefix: "Dr.", Suffix: "PhD"}, "Ada Lovelace", "Dr. Ada King Lovelace PhD", false},
		{records.Contact{First: "太郎", Middle: "一", Last: "山田", LastPhonetic: "やまだ", Prefix: "Dr."}, "山田 太郎", "Dr. 山田 一 太郎", true},
		{records.Contact{First: "Taro", Last: "山田"}, "Taro 山田", "Taro 山田", false}, // mixed scripts: Western order
		{records.Contact{Last: "山田"}, "山田", "山田", true},
		{records.Contact{Organization: "株式会社テスト", IsOrganization: true, First: "太郎"}, "株式会社テスト", "株式会社テスト", true},
		{records.Contact{Nickname: "たろちゃん"}, "たろちゃん", "たろちゃん", false},
	} {
		c := tc.c
		if got := records.DisplayName(&c); got != tc.display {
			t.Errorf("DisplayName(%+v) = %q, want %q", c, got, tc.display)
		}
		if got := records.FormattedName(&c); got != tc.full {
			t.Errorf("FormattedName(%+v) = %q, want %q", c, got, tc.full)
		}
		if got := records.FamilyNameFirst(&c); got != tc.familyFirst && c.First != "" {
			t.Errorf("FamilyNameFirst(%+v) = %v", c, got)
		}
	}
	if records.FormattedName(nil) != "" || records.FamilyNameFirst(nil) {
		t.Error("nil contact")
	}
}

// The CJK fixture read back: display names family-first, readings and
// organization readings read.
func TestContactsCJKFixture(t *testing.T) {
	ab := cxT{t}.must(dbfixture.AddressBook(dbfixture.ABiOS15, dbfixture.CJKPeople()...))
	db, err := records.OpenContacts(dbfixture.FS(devicepath.AddressBook, ab, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs := cxCollect(t, db)
	want := []struct{ display, lastPh, firstPh, orgPh string }{
		{"山田 太郎", "やまだ", "たろう", "やまだしょうじ"},
		{"王小明", "Wáng", "Xiǎomíng", ""},
		{"김민수", "", "", ""},
		{"John Smith", "", "", "アクメ"},
		{"株式会社テスト", "", "", "かぶしきがいしゃてすと"},
	}
	if len(cs) != len(want) {
		t.Fatalf("got %d contacts", len(cs))
	}
	for i, w := range want {
		c := cs[i]
		if c.DisplayName != w.display || c.LastPhonetic != w.lastPh || c.FirstPhonetic != w.firstPh || c.OrgPhonetic != w.orgPh || c.Problems != nil {
			t.Errorf("contact %d = %+v", i+1, c)
		}
	}
}
