package records_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/realdata"
	"github.com/iosbackup/iosbackup/records"
)

const ileappAB = "iLEAPP/admin/test/cases/data/addressBook/"

// cxCollect drains a contact sequence, failing on any error.
func cxCollect(t testing.TB, db *records.ContactDB) []*records.Contact {
	t.Helper()
	var out []*records.Contact
	for c, err := range db.Contacts(context.Background()) {
		if err != nil {
			t.Fatalf("Contacts: %v", err)
		}
		out = append(out, c)
	}
	return out
}

func cxTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func cxSameTime(t testing.TB, what string, got *time.Time, want string) {
	t.Helper()
	if want == "" {
		if got != nil {
			t.Errorf("%s = %v, want nil", what, got)
		}
		return
	}
	if got == nil || !got.Equal(cxTime(t, want)) {
		t.Errorf("%s = %v, want %s", what, got, want)
	}
}

func TestContactsJoshIOS15(t *testing.T) {
	db, err := records.OpenContactsFile(realdata.Path(t, ileappAB+"derived_checkpointed/AddressBook.josh_ios15_ffs.checkpointed.sqlitedb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs := cxCollect(t, db)
	if len(cs) != 9 {
		t.Fatalf("got %d contacts, want 9", len(cs))
	}
	type nm struct {
		id                int64
		first, last, org  string
		created, modified string
	}
	want := []nm{
		{1, "This Is", "DFIR Two", "", "2023-04-15T14:00:29Z", "2023-04-24T17:59:55Z"},
		{2, "", "", "Apple Inc.", "2023-04-15T14:00:29Z", "2023-04-15T14:00:33Z"},
		{3, "This Is", "DFIR", "", "2023-04-15T14:00:26Z", "2023-04-15T14:00:36Z"},
		{4, "This", "DFIR", "", "2023-04-15T14:00:28Z", "2023-04-15T14:00:33Z"},
		{5, "Liz", "", "", "2023-04-24T17:59:55Z", "2023-04-24T17:59:55Z"},
		{6, "ThisIs", "DFIRThree", "", "2023-04-24T17:59:55Z", "2023-04-24T17:59:55Z"},
		{7, "Josh", "Hickman", "", "2023-04-24T17:59:55Z", "2023-04-24T17:59:55Z"},
		{8, "Thom", "De'Fer", "", "2023-04-24T17:59:55Z", "2023-04-24T17:59:55Z"},
		{9, "This Is", "DFIR Two", "", "2023-04-24T17:59:55Z", "2023-04-24T17:59:55Z"},
	}
	for i, w := range want {
		c := cs[i]
		if c.ID != w.id || c.First != w.first || c.Last != w.last || c.Organization != w.org {
			t.Errorf("contact %d = %d %q %q %q, want %+v", i, c.ID, c.First, c.Last, c.Organization, w)
		}
		cxSameTime(t, "created", c.Created, w.created)
		cxSameTime(t, "modified", c.Modified, w.modified)
		if c.HasPhoto {
			t.Errorf("contact %d has a photo without an images database", c.ID)
		}
	}

	josh := cs[6]
	if got, want := josh.Phones, []records.Labeled{{Label: "Mobile", Value: "(919) 579-0479"}, {Label: "TextNow", Value: "(919) 391-2507"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Josh phones = %+v, want %+v", got, want)
	}
	if got, want := josh.Emails, []records.Labeled{{Label: "", Value: "joshuahickman957@gmail.com"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Josh emails = %+v, want %+v", got, want)
	}
	if len(josh.Addresses) != 0 || len(josh.URLs) != 0 || josh.IsOrganization {
		t.Errorf("Josh has unexpected addresses/urls/org flag: %+v", josh)
	}
	if got := records.DisplayName(josh); got != "Josh Hickman" {
		t.Errorf("DisplayName(Josh) = %q", got)
	}

	apple := cs[1]
	if !apple.IsOrganization {
		t.Error("Apple Inc. is not flagged as an organization (Kind 1)")
	}
	if got := records.DisplayName(apple); got != "Apple Inc." {
		t.Errorf("DisplayName(Apple) = %q", got)
	}
	if got, want := apple.Phones, []records.Labeled{{Label: "Main", Value: "1-800-MY-APPLE"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Apple phones = %+v", got)
	}
	if got, want := apple.URLs, []records.Labeled{{Label: "HomePage", Value: "http://www.apple.com"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Apple urls = %+v", got)
	}
	wantAddr := []records.Address{{Label: "Work", Street: "One Apple Park Way", City: "Cupertino", State: "CA",
		ZIP: "95014", Country: "United States", CountryCode: "us"}}
	if !reflect.DeepEqual(apple.Addresses, wantAddr) {
		t.Errorf("Apple addresses = %+v, want %+v", apple.Addresses, wantAddr)
	}
	if got, want := cs[0].Emails, []records.Labeled{{Label: "Home", Value: "thisisdfirtwo@gmail.com"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("contact 1 emails = %+v", got)
	}

	// Who is who: the phone of Liz written without formatting, Josh's
	// TextNow number in E.164, an email in another case.
	r, err := records.NewResolver(db.Contacts(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	for handle, want := range map[string]string{
		"+19192084530":               "Liz",
		"9192084530":                 "Liz",
		"+1 919 391 2507":            "Josh Hickman",
		"JoshuaHickman957@Gmail.com": "Josh Hickman",
		"+19198887386":               "This Is DFIR Two", // ROWID 1 and 9 share it: the first wins
		"18006927753":                "Apple Inc.",       // 1-800-MY-APPLE on the keypad
		"+19195550000":               "",
	} {
		if got := r.Name(handle); got != want {
			t.Errorf("Name(%q) = %q, want %q", handle, got, want)
		}
	}
	if c, ok := r.Lookup("+19198887386"); !ok || c.ID != 1 {
		t.Errorf("Lookup shared number = %v %v, want ROWID 1", c, ok)
	}

	cxCompareILEAPP(t, cs, "iLEAPP/admin/test/results/addressBook/addressBook.addressBook.josh_ios15_ffs.20250621194251.json")
}

// cxCompareILEAPP checks the contacts against iLEAPP's expected report:
// creation and modification Unix times, names, company, and the
// "Label: value" renderings of phones, emails, addresses and URLs.
func cxCompareILEAPP(t *testing.T, cs []*records.Contact, rel string) {
	t.Helper()
	var rep struct {
		Headers []string `json:"headers"`
		Data    [][]any  `json:"data"`
	}
	if err := json.Unmarshal(realdata.Read(t, rel), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Data) != len(cs) {
		t.Fatalf("iLEAPP has %d rows, we have %d", len(rep.Data), len(cs))
	}
	lab := func(l records.Labeled) string {
		if l.Label == "" {
			return " : " + l.Value // iLEAPP's rendering of a NULL label
		}
		return l.Label + ": " + l.Value
	}
	joinL := func(ls []records.Labeled) any {
		if len(ls) == 0 {
			return nil
		}
		var s []string
		for _, l := range ls {
			s = append(s, lab(l))
		}
		return strings.Join(s, "\r")
	}
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	for i, row := range rep.Data {
		c := cs[i]
		ours := map[string]any{
			"Creation Date":     float64(c.Created.Unix()),
			"Modification Date": float64(c.Modified.Unix()),
			"First Name":        str(c.First),
			"Last Name":         str(c.Last),
			"Company":           str(c.Organization),
			"Phone Numbers":     joinL(c.Phones),
			"Email addresses":   joinL(c.Emails),
			"URL":               joinL(c.URLs),
		}
		if len(c.Addresses) > 0 {
			var s []string
			for _, a := range c.Addresses {
				s = append(s, a.Label+": "+strings.Join([]string{a.Street, a.ZIP, a.City, a.CountryCode, a.State, a.Country}, " - "))
			}
			ours["Addresses"] = strings.Join(s, "\r")
		} else {
			ours["Addresses"] = nil
		}
		for j, h := range rep.Headers {
			want, ok := ours[h]
			if !ok {
				continue // thumbnails, storage place
			}
			if !reflect.DeepEqual(row[j], want) {
				t.Errorf("row %d %s: iLEAPP %#v, ours %#v", i, h, row[j], want)
			}
		}
	}
}

type cxFileState struct {
	size int64
	sum  string
}

func cxDirState(t *testing.T, dir string) map[string]cxFileState {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]cxFileState{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(b)
		out[e.Name()] = cxFileState{int64(len(b)), hex.EncodeToString(h[:])}
	}
	return out
}

func TestContactsBelkasoftWALOnly(t *testing.T) {
	dir := realdata.Path(t, ileappAB+"belkasoft_ctf6_ios_device1_unzipped/private/var/mobile/Library/AddressBook")
	before := cxDirState(t, dir)
	if len(before) != 2 || before["AddressBook.sqlitedb"].size != 4096 || before["AddressBook.sqlitedb-wal"].size != 968232 {
		t.Fatalf("unexpected real-data folder: %+v", before)
	}

	db, err := records.OpenContactsFile(filepath.Join(dir, "AddressBook.sqlitedb"))
	if err != nil {
		t.Fatal(err)
	}
	cs := cxCollect(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 {
		t.Fatalf("got %d contacts, want 1", len(cs))
	}
	c := cs[0]
	if c.ID != 1 || c.First != "William" || c.Last != "Phorger" {
		t.Errorf("contact = %d %q %q", c.ID, c.First, c.Last)
	}
	if want := []records.Labeled{{Label: "Home", Value: "billthemegakill@icloud.com"}}; !reflect.DeepEqual(c.Emails, want) {
		t.Errorf("emails = %+v", c.Emails)
	}
	cxSameTime(t, "created", c.Created, "2024-04-05T22:07:44Z")
	cxSameTime(t, "modified", c.Modified, "2024-04-05T22:07:44Z")
	if len(c.Phones) != 0 || c.HasPhoto {
		t.Errorf("unexpected phones/photo: %+v", c)
	}
	cxCompareILEAPP(t, cs, "iLEAPP/admin/test/results/addressBook/addressBook.addressBook.belkasoft_ctf6_ios_device1.20250621194251.json")

	after := cxDirState(t, dir)
	if !reflect.DeepEqual(before, after) {
		names := func(m map[string]cxFileState) []string {
			var s []string
			for k := range m {
				s = append(s, k)
			}
			sort.Strings(s)
			return s
		}
		t.Errorf("folder changed: before %v %+v, after %v %+v", names(before), before, names(after), after)
	}
	if _, err := os.Stat(filepath.Join(dir, "AddressBook.sqlitedb-shm")); err == nil {
		t.Error("a -shm file was created")
	}
}

func TestContactsMVSEmpty(t *testing.T) {
	db, err := records.OpenContactsFile(realdata.Path(t, ileappAB+"derived_checkpointed/AddressBook.mvs_ios_2023.checkpointed.sqlitedb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if cs := cxCollect(t, db); len(cs) != 0 {
		t.Fatalf("got %d contacts, want 0", len(cs))
	}
}

func TestContactsHV20IOS9(t *testing.T) {
	root := realdata.Path(t, "hv20/day23/Decrypted_Backup")
	check := func(t *testing.T, db *records.ContactDB) {
		cs := cxCollect(t, db)
		if len(cs) != 2 {
			t.Fatalf("got %d contacts, want 2", len(cs))
		}
		want := []struct {
			id                int64
			first, note       string
			created, modified string
		}{
			{2, "M", "6344440980251505214334711510534398387022222632429506422215055328147354699502", "2020-12-16T20:40:18Z", "2020-12-16T20:40:18Z"},
			{3, "N", "77534090655128210476812812639070684519317429042401383232913500313570136429769", "2020-12-16T20:40:41Z", "2020-12-16T20:41:30Z"},
		}
		for i, w := range want {
			c := cs[i]
			if c.ID != w.id || c.First != w.first || c.Note != w.note || c.Last != "" || c.Birthday != "" {
				t.Errorf("contact %d = %+v, want %+v", i, c, w)
			}
			if len(c.Phones)+len(c.Emails)+len(c.Addresses)+len(c.URLs) != 0 {
				t.Errorf("contact %d has multi-values: %+v", i, c)
			}
			cxSameTime(t, "created", c.Created, w.created)
			cxSameTime(t, "modified", c.Modified, w.modified)
			if got := records.DisplayName(c); got != w.first {
				t.Errorf("DisplayName = %q", got)
			}
		}
	}
	t.Run("file", func(t *testing.T) {
		db, err := records.OpenContactsFile(filepath.Join(root, "HomeDomain/Library/AddressBook/AddressBook.sqlitedb"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		check(t, db)
	})
	t.Run("fs", func(t *testing.T) {
		db, err := records.OpenContacts(os.DirFS(root))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		check(t, db)
	})
}

func TestCallsHV20IOS9Empty(t *testing.T) {
	root := realdata.Path(t, "hv20/day23/Decrypted_Backup")
	for name, open := range map[string]func() (*records.CallDB, error){
		"file": func() (*records.CallDB, error) {
			return records.OpenCallsFile(filepath.Join(root, "HomeDomain/Library/CallHistoryDB/CallHistory.storedata"))
		},
		"fs": func() (*records.CallDB, error) { return records.OpenCalls(os.DirFS(root)) },
	} {
		t.Run(name, func(t *testing.T) {
			db, err := open()
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			n := 0
			for c, err := range db.Calls(context.Background()) {
				if err != nil {
					t.Fatal(err)
				}
				t.Errorf("unexpected call %+v", c)
				n++
			}
			if n != 0 {
				t.Fatalf("got %d calls, want 0", n)
			}
		})
	}
}
