package records_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/backup"
	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/internal/realdata"
	"github.com/iosbackup/iosbackup/records"
)

// Real databases the readers were not written against (issue 9): the
// iOS 4/5 AddressBook and call_history.db of the Unit-21 case, the empty
// iOS 8/9 AddressBook of iOSSec, the independent iOS 17/18-style fixtures
// of ios-backup-parser, and the same iOS 4/5 databases inside an iOS
// 5.1.1 Manifest.mbdb backup. Expected values were worked out with
// sqlite3 on copies of the files.

const (
	unit21      = "Unit-21-Homework-Final-Report/"
	mbdbClean   = "DERIVED-ios5-mbdb-backup/clean"
	mbdbFaulty  = "DERIVED-ios5-mbdb-backup/faulty"
	ibpContacts = "ios-backup-parser/contacts/testdata/contacts.1.AddressBook.sqlitedb"
	ibpCalls    = "ios-backup-parser/calls/testdata/calls.1.CallHistory.storedata"
)

func parseTimeT(t testing.TB, s string) *time.Time {
	t.Helper()
	v := cxTime(t, s)
	return &v
}

// unit21Contacts is every field of the six people of the real iOS 4/5
// AddressBook (_ClientVersion 33).
func unit21Contacts(t testing.TB) []*records.Contact {
	t.Helper()
	empty := func(c *records.Contact) *records.Contact {
		for _, l := range []*[]records.Labeled{&c.Phones, &c.Emails, &c.URLs} {
			if *l == nil {
				*l = []records.Labeled{}
			}
		}
		if c.Addresses == nil {
			c.Addresses = []records.Address{}
		}
		return c
	}
	return []*records.Contact{
		empty(&records.Contact{ID: 1, First: "Pat", Last: "TeeSumTwelve", DisplayName: "Pat TeeSumTwelve",
			Emails:  []records.Labeled{{Label: "Other", Value: "patsumtwelve@gmail.com"}},
			Created: parseTimeT(t, "2012-06-12T19:28:50Z"), Modified: parseTimeT(t, "2012-06-12T19:28:52Z")}),
		empty(&records.Contact{ID: 2, First: "Tracy", Last: "Sumtwelve", DisplayName: "Tracy Sumtwelve",
			Emails:    []records.Labeled{{Label: "Home", Value: "tracysumtwelve@gmail.com"}},
			Addresses: []records.Address{{Label: "Home", State: "DC", Country: "United States", CountryCode: "us"}},
			Created:   parseTimeT(t, "2012-06-12T19:28:50Z"), Modified: parseTimeT(t, "2012-06-12T19:28:52Z")}),
		empty(&records.Contact{ID: 3, Organization: "Apple Inc.", IsOrganization: true, DisplayName: "Apple Inc.",
			Phones: []records.Labeled{{Label: "Main", Value: "1-800-MY-APPLE"}},
			Addresses: []records.Address{{Label: "Work", Street: "1 Infinite Loop", City: "Cupertino", State: "CA",
				ZIP: "95014", Country: "United States", CountryCode: "us"}},
			URLs:    []records.Labeled{{Label: "HomePage", Value: "http://www.apple.com"}},
			Created: parseTimeT(t, "2012-06-12T19:28:50Z"), Modified: parseTimeT(t, "2012-06-12T19:28:51Z")}),
		empty(&records.Contact{ID: 4, First: "Terry", DisplayName: "Terry",
			Phones:  []records.Labeled{{Label: "Mobile", Value: "+17038296071"}},
			Created: parseTimeT(t, "2012-06-13T18:35:37Z"), Modified: parseTimeT(t, "2012-06-13T18:36:16Z")}),
		empty(&records.Contact{ID: 5, First: "Pat", DisplayName: "Pat",
			Phones:  []records.Labeled{{Label: "Mobile", Value: "+15713083236"}},
			Created: parseTimeT(t, "2012-06-13T18:37:18Z"), Modified: parseTimeT(t, "2012-06-13T18:37:27Z")}),
		empty(&records.Contact{ID: 6, First: "Carry", DisplayName: "Carry",
			Phones:  []records.Labeled{{Label: "Mobile", Value: "+12027252124"}},
			Created: parseTimeT(t, "2012-07-05T18:21:23Z"), Modified: parseTimeT(t, "2012-07-05T18:21:32Z")}),
	}
}

// unit21Calls is every field of the five calls of the real call_history.db:
// flags 4 is an incoming phone call, 5 (bit 0 set) an outgoing one;
// country_code holds the mobile country code 310 (United States), and
// calls 3 and 5 are with Pat (contact 5), once in international and once
// in national form. Names are those the resolver gives.
func unit21Calls(t testing.TB) []*records.Call {
	t.Helper()
	call := func(id int64, addr, date string, dur float64, out bool, name string) *records.Call {
		return &records.Call{ID: id, Address: addr, Name: name, Date: parseTimeT(t, date), Duration: dur, Outgoing: out,
			Answered: dur > 0, Missed: !out && dur == 0, Type: records.CallPhone, Service: records.ServiceTelephony, MCC: "310"}
	}
	return []*records.Call{
		call(1, "6508870260", "2012-06-12T20:04:50Z", 20, false, ""),
		call(2, "7038296191", "2012-06-12T20:52:14Z", 56, false, ""), // not Terry's +17038296071
		call(3, "+15713083236", "2012-06-13T16:29:13Z", 0, true, "Pat"),
		call(4, "5712458517", "2012-06-22T17:34:26Z", 0, false, ""),
		call(5, "5713083236", "2012-07-06T15:18:50Z", 244, false, "Pat"),
	}
}

func namedCalls(t testing.TB, cdb *records.ContactDB, calls *records.CallDB, region string) []*records.Call {
	t.Helper()
	r, err := records.NewResolver(cdb.Contacts(context.Background()), records.WithRegion(region))
	if err != nil {
		t.Fatal(err)
	}
	var out []*records.Call
	for c, err := range r.NameCalls(calls.Calls(context.Background())) {
		if err != nil {
			t.Fatalf("Calls: %v", err)
		}
		out = append(out, c)
	}
	return out
}

func checkRecords[T any](t *testing.T, what string, got, want []*T) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d records, want %d", what, len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s %d:\n got %+v\nwant %+v", what, i, *got[i], *want[i])
		}
	}
}

func TestUnit21BareFiles(t *testing.T) {
	cdb, err := records.OpenContactsFile(realdata.Path(t, unit21+"AddressBook.sqlitedb"))
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	checkRecords(t, "contact", cxCollect(t, cdb), unit21Contacts(t))

	calls, err := records.OpenCallsFile(realdata.Path(t, unit21+"call_history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer calls.Close()
	checkRecords(t, "call", namedCalls(t, cdb, calls, ""), unit21Calls(t))
	// With the phone's region (US) the national form converts to E.164 too.
	checkRecords(t, "call (region US)", namedCalls(t, cdb, calls, "US"), unit21Calls(t))
}

// The same databases through the iOS 5.1.1 Manifest.mbdb backup give the
// same records; the phone's own number in Info.plist gives its region.
func TestUnit21ThroughMBDBBackup(t *testing.T) {
	b, err := backup.Open(realdata.Path(t, mbdbClean))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got := records.RegionOfNumber(b.Info().PhoneNumber); got != "US" {
		t.Errorf("region of %q = %q", b.Info().PhoneNumber, got)
	}
	cdb, err := records.OpenContacts(b)
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	checkRecords(t, "contact", cxCollect(t, cdb), unit21Contacts(t))
	calls, err := records.OpenCalls(b)
	if err != nil {
		t.Fatal(err)
	}
	defer calls.Close()
	checkRecords(t, "call", namedCalls(t, cdb, calls, records.RegionOfNumber(b.Info().PhoneNumber)), unit21Calls(t))
}

// backup.Check names both faults of the faulty copy: the missing payload
// (call_history.db's file is absent) and the wrong recorded size of sms.db.
func TestMBDBFaultyCheck(t *testing.T) {
	b, err := backup.Open(realdata.Path(t, mbdbFaulty))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	h, err := b.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if h.Healthy() {
		t.Error("faulty backup reported healthy")
	}
	var missing []string
	for _, e := range h.Missing {
		missing = append(missing, e.Domain+"/"+e.Path)
	}
	if want := []string{"WirelessDomain/Library/CallHistory/call_history.db"}; !slices.Equal(missing, want) {
		t.Errorf("missing = %q, want %q", missing, want)
	}
	var sizes []string
	for _, m := range h.SizeMismatch {
		sizes = append(sizes, m.Entry.Domain+"/"+m.Entry.Path)
		if m.Recorded != 4096 || m.Actual != 122880 {
			t.Errorf("size mismatch of %s: recorded %d, actual %d", m.Entry.Path, m.Recorded, m.Actual)
		}
	}
	if want := []string{"HomeDomain/Library/SMS/sms.db"}; !slices.Equal(sizes, want) {
		t.Errorf("size mismatches = %q, want %q", sizes, want)
	}
	// The address book is intact and reads in full; the call history's
	// payload is gone, and opening it says so.
	cdb, err := records.OpenContacts(b)
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	checkRecords(t, "contact", cxCollect(t, cdb), unit21Contacts(t))
	if _, err := records.OpenCalls(b); !errors.Is(err, backup.ErrMissingPayload) {
		t.Errorf("calls without their payload: %v, want ErrMissingPayload", err)
	}
}

// A real, empty iOS 8/9 AddressBook: zero contacts is the right answer.
func TestIOSSecEmptyAddressBook(t *testing.T) {
	cdb, err := records.OpenContactsFile(realdata.Path(t, "iOSSec/Hacking & Securing iOS APP/AddressBook.sqlitedb"))
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	if got := cxCollect(t, cdb); len(got) != 0 {
		t.Errorf("got %d contacts: %+v", len(got), got[0])
	}
}

// The independent iOS 17/18-style AddressBook of ios-backup-parser: four
// people, two groups (one empty), a label id (999) with no label.
func TestIOSBackupParserContacts(t *testing.T) {
	cdb, err := records.OpenContactsFile(realdata.Path(t, ibpContacts))
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	got := cxCollect(t, cdb)
	want := []*records.Contact{
		{ID: 1, Prefix: "Dr.", First: "Alex", Middle: "Quinn", Last: "Fixture", Suffix: "Jr.", Nickname: "Lexi",
			DisplayName: "Alex Fixture", Organization: "Fixture Works", Department: "Synthesis", JobTitle: "Fabricator",
			Birthday: "1990-04-01", Note: "Entirely invented.",
			Phones: []records.Labeled{{Label: "Home", Value: "+1 555 0100"}, {Label: "Work", Value: "+1 555 0101"},
				{Value: "+1 555 0102"}},
			Emails: []records.Labeled{{Label: "Home", Value: "alex@example.com"}},
			URLs:   []records.Labeled{{Label: "fixture custom", Value: "https://alex.example.com"}},
			Addresses: []records.Address{{Label: "Home", Street: "1 Synthetic Way", City: "Faketown", State: "FX",
				ZIP: "00001", Country: "Fixtureland"}},
			Profiles: []records.Profile{{Username: "fixture-im"}},
			Groups:   []string{"Fixture Friends"},
			Created:  parseTimeT(t, "2023-03-08T20:26:40Z"), Modified: parseTimeT(t, "2023-03-09T20:26:40Z")},
		{ID: 2, First: "Broken", Last: "Label", DisplayName: "Broken Label",
			Phones: []records.Labeled{{Value: "+1 555 0199"}},
			Emails: []records.Labeled{}, URLs: []records.Labeled{}, Addresses: []records.Address{},
			Problems: []string{"phones[0]: label 999 is not in ABMultiValueLabel"}},
		{ID: 3, Organization: "Acme Synthetics", IsOrganization: true, DisplayName: "Acme Synthetics",
			Phones: []records.Labeled{{Label: "Work", Value: "+1 555 0142"}},
			Emails: []records.Labeled{}, URLs: []records.Labeled{}, Addresses: []records.Address{}},
		{ID: 4, First: "Solo", DisplayName: "Solo", Groups: []string{"Fixture Friends"},
			Phones: []records.Labeled{}, Emails: []records.Labeled{}, URLs: []records.Labeled{}, Addresses: []records.Address{}},
	}
	checkRecords(t, "contact", got, want)
}

// The independent iOS 17/18-style CallHistory.storedata of
// ios-backup-parser: five calls, a FaceTime group call whose participants
// are in ZHANDLE, and a participant link to a handle that is not there.
func TestIOSBackupParserCalls(t *testing.T) {
	cdb, err := records.OpenContactsFile(realdata.Path(t, ibpContacts))
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	calls, err := records.OpenCallsFile(realdata.Path(t, ibpCalls))
	if err != nil {
		t.Fatal(err)
	}
	defer calls.Close()
	got := namedCalls(t, cdb, calls, "")
	tel, ft := records.ServiceTelephony, records.ServiceFaceTime
	want := []*records.Call{
		// The phone recorded "Alex Fixture"; the contact's display name is the same.
		{ID: 1, UniqueID: "fixture-uid-1", Address: "+1 555 0100", Name: "Alex Fixture", Date: parseTimeT(t, "2023-03-08T20:26:40.5Z"),
			Duration: 65.5, Outgoing: true, Answered: true, Type: records.CallPhone, Service: tel, Country: "us"},
		{ID: 2, Address: "+1 555 0142", Name: "Acme Synthetics", Date: parseTimeT(t, "2023-03-09T20:26:40.25Z"),
			Missed: true, Type: records.CallPhone, Service: tel},
		{ID: 3, Date: parseTimeT(t, "2023-03-10T20:26:40Z"), Duration: 120, Outgoing: true, Answered: true,
			Type: records.CallFaceTimeVideo, Service: ft, Participants: []string{"+1 555 0300", "+1 555 0301"}},
		{ID: 4, Address: "+1 555 0166", Date: parseTimeT(t, "2023-03-11T20:26:40Z"), Answered: true, Type: records.CallPhone, Service: tel,
			Problems: []string{"participants: handle 999 is not in ZHANDLE"}},
		{ID: 5, Address: "+1 555 0199", Name: "Broken Label", Date: parseTimeT(t, "2023-03-12T20:26:40Z"), Answered: true,
			Type: records.CallPhone, Service: tel},
	}
	for _, c := range got {
		if c.Date != nil {
			d := c.Date.Round(time.Microsecond)
			c.Date = &d
		}
	}
	checkRecords(t, "call", got, want)
}

// Old-era readers recognise their schema: a call_history.db whose call
// table lost its flags column is refused, not read as all-incoming.
func TestUnit21SchemaChecks(t *testing.T) {
	ab := realdata.Read(t, unit21+"AddressBook.sqlitedb")
	if _, err := records.OpenContacts(dbfixture.FS(devicepath.AddressBook, ab, nil)); err != nil {
		t.Fatalf("real AddressBook: %v", err)
	}
	var ue *records.UnsupportedError
	_, err := records.OpenCalls(dbfixture.FS(devicepath.CallHistory, ab, nil))
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "unsupported schema") {
		t.Errorf("AddressBook as calls: %v", err)
	}
}
