package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/records"
)

// cjkContacts reads the CJK fixture's address book.
func cjkContacts(t *testing.T) []*records.Contact {
	t.Helper()
	ab, err := dbfixture.AddressBook(dbfixture.ABiOS15, dbfixture.CJKPeople()...)
	if err != nil {
		t.Fatal(err)
	}
	db, err := records.OpenContacts(dbfixture.FS(devicepath.AddressBook, ab, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []*records.Contact
	for c, err := range db.Contacts(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// The vCards of Japanese, Chinese, Korean and Western contacts, read back
// by go-vcard field by field: FN in the order the phone shows the name,
// N structured, readings in X-PHONETIC-*, the organization's reading in
// X-PHONETIC-ORG (Apple) and in SORT-AS on ORG (Android's importer).
func TestVCardCJKReadBack(t *testing.T) {
	var buf bytes.Buffer
	if _, err := VCard(&buf, seqOf(cjkContacts(t)...)); err != nil {
		t.Fatal(err)
	}
	dec := vcard.NewDecoder(&buf)
	type want struct {
		fn, n, lastPh, firstPh, org, orgPh, tel string
	}
	wants := []want{
		{"山田 太郎", "山田;太郎;;;", "やまだ", "たろう", "山田商事", "やまだしょうじ", "０９０－１２３４－５６７８"},
		{"王小明", "王;小明;;;", "Wáng", "Xiǎomíng", "", "", "+86 138 1234 5678"},
		{"김민수", "김;민수;;;", "", "", "", "", "+82 10 9876 5432"},
		{"John Smith", "Smith;John;;;", "", "", "Acme", "アクメ", "03-1234-5678"},
		{"株式会社テスト", ";;;;", "", "", "株式会社テスト", "かぶしきがいしゃてすと", "０３（９８７６）５４３２"},
	}
	for i, w := range wants {
		card, err := dec.Decode()
		if err != nil {
			t.Fatalf("card %d: %v", i, err)
		}
		get := func(k string) string { return card.Value(k) }
		if got := get(vcard.FieldFormattedName); got != w.fn {
			t.Errorf("card %d FN = %q, want %q", i, got, w.fn)
		}
		if got := get(vcard.FieldName); got != w.n {
			t.Errorf("card %d N = %q, want %q", i, got, w.n)
		}
		if got := get("X-PHONETIC-LAST-NAME"); got != w.lastPh {
			t.Errorf("card %d X-PHONETIC-LAST-NAME = %q, want %q", i, got, w.lastPh)
		}
		if got := get("X-PHONETIC-FIRST-NAME"); got != w.firstPh {
			t.Errorf("card %d X-PHONETIC-FIRST-NAME = %q, want %q", i, got, w.firstPh)
		}
		if got := get("X-PHONETIC-ORG"); got != w.orgPh {
			t.Errorf("card %d X-PHONETIC-ORG = %q, want %q", i, got, w.orgPh)
		}
		org := card.Get(vcard.FieldOrganization)
		switch {
		case w.org == "" && org != nil:
			t.Errorf("card %d has ORG %q", i, org.Value)
		case w.org != "" && (org == nil || org.Value != w.org):
			t.Errorf("card %d ORG = %+v, want %q", i, org, w.org)
		case w.org != "":
			if got := org.Params.Get("SORT-AS"); got != w.orgPh {
				t.Errorf("card %d ORG SORT-AS = %q, want %q", i, got, w.orgPh)
			}
		}
		if got := get(vcard.FieldTelephone); got != w.tel {
			t.Errorf("card %d TEL = %q, want %q", i, got, w.tel)
		}
	}
	if _, err := dec.Decode(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last card: %v", err)
	}
}

// JSON Lines and CSV carry the readings, the organization reading and the
// display name.
func TestContactsCJKJSONLAndCSV(t *testing.T) {
	cs := cjkContacts(t)
	var buf bytes.Buffer
	if _, err := JSONL(&buf, seqOf(cs...)); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Display, FirstPh, MiddlePh, LastPh, OrgPh *string
	}
	var got []row
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var v struct {
			Display  *string `json:"display_name"`
			FirstPh  *string `json:"first_phonetic"`
			MiddlePh *string `json:"middle_phonetic"`
			LastPh   *string `json:"last_phonetic"`
			OrgPh    *string `json:"organization_phonetic"`
			Birthday *string `json:"birthday"`
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatal(err)
		}
		if v.Birthday != nil {
			t.Errorf("absent birthday is %q, want null", *v.Birthday)
		}
		got = append(got, row{v.Display, v.FirstPh, v.MiddlePh, v.LastPh, v.OrgPh})
	}
	s := func(p *string) string {
		if p == nil {
			return "<null>"
		}
		return *p
	}
	want := [][5]string{
		{"山田 太郎", "たろう", "<null>", "やまだ", "やまだしょうじ"},
		{"王小明", "Xiǎomíng", "<null>", "Wáng", "<null>"},
		{"김민수", "<null>", "<null>", "<null>", "<null>"},
		{"John Smith", "<null>", "<null>", "<null>", "アクメ"},
		{"株式会社テスト", "<null>", "<null>", "<null>", "かぶしきがいしゃてすと"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines", len(got))
	}
	for i, w := range want {
		if g := [5]string{s(got[i].Display), s(got[i].FirstPh), s(got[i].MiddlePh), s(got[i].LastPh), s(got[i].OrgPh)}; g != w {
			t.Errorf("line %d = %q, want %q", i, g, w)
		}
	}

	buf.Reset()
	if _, err := ContactsCSV(&buf, seqOf(cs...)); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int { return slices.Index(rows[0], name) }
	for _, name := range []string{"first_phonetic", "middle_phonetic", "last_phonetic", "organization_phonetic", "display_name"} {
		if col(name) < 0 {
			t.Fatalf("no column %s in %q", name, rows[0])
		}
	}
	for i, w := range want {
		r := rows[i+1]
		blank := func(v string) string {
			if v == "<null>" {
				return ""
			}
			return v
		}
		g := [5]string{r[col("display_name")], r[col("first_phonetic")], r[col("middle_phonetic")], r[col("last_phonetic")], r[col("organization_phonetic")]}
		if g != [5]string{w[0], blank(w[1]), blank(w[2]), blank(w[3]), blank(w[4])} {
			t.Errorf("CSV row %d = %q", i+1, g)
		}
	}
}
