package records_test

import (
	"context"
	"strings"
	"testing"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/records"
)

func TestE164(t *testing.T) {
	for _, tc := range []struct {
		in, region, want string
	}{
		{"０９０－１２３４－５６７８", "JP", "+819012345678"}, // full-width digits and hyphens
		{"090-1234-5678", "JP", "+819012345678"},
		{"090-1234-5678", "jp", "+819012345678"},
		{"+81 90-1234-5678", "", "+819012345678"},
		{"+81 90-1234-5678", "US", "+819012345678"},
		{"＋８１　９０　１２３４　５６７８", "", "+819012345678"}, // full-width plus and ideographic spaces
		{"03-1234-5678", "JP", "+81312345678"},
		{"０３（９８７６）５４３２", "JP", "+81398765432"},
		{"tel:+1-919-888-7386", "", "+19198887386"},
		{"(919) 888-7386", "US", "+19198887386"},
		{"0044 20 7946 0958", "DE", "+442079460958"},
		{"020 7946 0958", "GB", "+442079460958"},
		{"06 12 34 56 78", "FR", "+33612345678"},
		{"+39 06 1234 5678", "", "+390612345678"}, // Italy keeps its leading 0
	} {
		got, ok := records.E164(tc.in, tc.region)
		if !ok || got != tc.want {
			t.Errorf("E164(%q, %q) = %q %v, want %q", tc.in, tc.region, got, ok, tc.want)
		}
	}
	for _, tc := range []struct{ in, region string }{
		{"090-1234-5678", ""}, // national number, region unknown
		{"ada@example.com", "JP"},
		{"*#06#", "JP"},
		{"", "JP"},
		{"AMAZON", "US"},
		{"+1", ""},
	} {
		if got, ok := records.E164(tc.in, tc.region); ok {
			t.Errorf("E164(%q, %q) = %q, want none", tc.in, tc.region, got)
		}
	}
}

func TestNormalizePhoneFullWidth(t *testing.T) {
	for in, want := range map[string]string{
		"０９０－１２３４－５６７８": "9012345678",
		"＋８１９０１２３４５６７８": "+819012345678",
		"７２７２７":         "72727",
	} {
		if got := records.NormalizePhone(in); got != want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRegionOf(t *testing.T) {
	for in, want := range map[string]string{
		"+81 80-0000-0000":  "JP",
		"+1 (555) 010-0000": "US",
		"+44 20 7946 0958":  "GB",
		"+86 138 1234 5678": "CN",
		"080-0000-0000":     "",
		"":                  "",
	} {
		if got := records.RegionOfNumber(in); got != want {
			t.Errorf("RegionOfNumber(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"8981100000000000000":  "JP",
		"89014103211118510720": "US",
		"8944500000000000000F": "GB",
		"8982000000000000000":  "KR",
		"1234567890":           "",
		"89":                   "",
		"89x1000000":           "",
	} {
		if got := records.RegionOfICCID(in); got != want {
			t.Errorf("RegionOfICCID(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every call of the CJK fixture, recorded in E.164, is matched to the
// contact whose number is written in full-width digits or national
// format; the unknown caller keeps no name.
func TestResolverCJKCalls(t *testing.T) {
	ab := cxT{t}.must(dbfixture.AddressBook(dbfixture.ABiOS15, dbfixture.CJKPeople()...))
	cdb, err := records.OpenContacts(dbfixture.FS(devicepath.AddressBook, ab, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	want := []string{"山田 太郎", "王小明", "김민수", "John Smith", "株式会社テスト", ""}
	for _, region := range []string{"JP", ""} {
		r, err := records.NewResolver(cdb.Contacts(context.Background()), records.WithRegion(region))
		if err != nil {
			t.Fatal(err)
		}
		if r.Region() != region {
			t.Errorf("Region = %q", r.Region())
		}
		calls, err := records.OpenCalls(dbfixture.FS(devicepath.CallHistory, cxT{t}.must(dbfixture.CallHistory(dbfixture.CallsiOS16, dbfixture.CJKCalls()...)), nil))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for c, err := range r.NameCalls(calls.Calls(context.Background())) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, c.Name)
		}
		calls.Close()
		if len(got) != len(want) {
			t.Fatalf("region %q: got %q", region, got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("region %q: call %d named %q, want %q", region, i+1, got[i], want[i])
			}
		}
		// The same numbers in the forms people type.
		for handle, name := range map[string]string{
			"090-1234-5678": "山田 太郎", "０９０１２３４５６７８": "山田 太郎", "+81 90 1234 5678": "山田 太郎",
			"03-1234-5678": "John Smith", "+81-3-9876-5432": "株式会社テスト",
		} {
			if got := r.Name(handle); got != name {
				t.Errorf("region %q: Name(%q) = %q, want %q", region, handle, got, name)
			}
		}
	}
}

// FuzzE164: any text gives a number of the E.164 form or nothing, without
// a panic, and converting an E.164 number again gives itself.
func FuzzE164(f *testing.F) {
	for _, s := range []string{"０９０－１２３４－５６７８", "+81 90-1234-5678", "090", "+", "00", "tel:+1;ext=2", "*#06#",
		"++81", "+0000000000000000000000", "1-800-MY-APPLE", "８９８１", "+８１", "\uff10\uff19\uff10"} {
		f.Add(s, "JP")
		f.Add(s, "")
	}
	f.Add("8981100000000000000", "ZZ")
	r := resolverFrom(nil, records.WithRegion("JP"))
	f.Fuzz(func(t *testing.T, s, region string) {
		if len(region) > 8 {
			region = region[:8]
		}
		e, ok := records.E164(s, region)
		if ok {
			if len(e) < 2 || e[0] != '+' || strings.Trim(e[1:], "0123456789") != "" {
				t.Fatalf("E164(%q, %q) = %q", s, region, e)
			}
			if again, ok := records.E164(e, ""); !ok || again != e {
				t.Errorf("E164(%q) = %q %v, want itself", e, again, ok)
			}
		}
		records.RegionOfNumber(s)
		records.RegionOfICCID(s)
		r.Lookup(s)
	})
}
