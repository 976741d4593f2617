package records

import (
	"context"
	"testing"
	"time"
)

// These tests read the real databases committed under testdata/real (see
// its README for provenance and licences), so they run in every clone.

func TestCommittedRealAddressBook(t *testing.T) {
	db, err := OpenContactsFile("../testdata/real/AddressBook-ios15.sqlitedb")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got []*Contact
	for c, err := range db.Contacts(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	if len(got) != 9 {
		t.Fatalf("got %d contacts, want 9", len(got))
	}
	type want struct {
		first, last, org string
		phones, emails   []string
		created          time.Time
	}
	at := func(s int64) time.Time { return time.Unix(s+978307200, 0).UTC() }
	wants := []want{
		{"This Is", "DFIR Two", "", []string{"Mobile (919) 888-7386"}, []string{"Home thisisdfirtwo@gmail.com"}, at(703260029)},
		{"", "", "Apple Inc.", []string{"Main 1-800-MY-APPLE"}, nil, at(703260029)},
		{"This Is", "DFIR", "", nil, nil, at(703260026)},
		{"This", "DFIR", "", nil, nil, at(703260028)},
		{"Liz", "", "", []string{"Mobile +1 (919) 208-4530"}, nil, at(704051995)},
		{"ThisIs", "DFIRThree", "", nil, []string{"Home thisisdfirthree@gmail.com"}, at(704051995)},
		{"Josh", "Hickman", "", []string{"Mobile (919) 579-0479", "TextNow (919) 391-2507"}, []string{" joshuahickman957@gmail.com"}, at(704051995)},
		{"Thom", "De'Fer", "", []string{"Mobile (919) 802-7080"}, nil, at(704051995)},
		{"This Is", "DFIR Two", "", []string{"Mobile (919) 888-7386"}, []string{"Home thisisdfirtwo@gmail.com"}, at(704051995)},
	}
	labeled := func(ls []Labeled) []string {
		var s []string
		for _, l := range ls {
			s = append(s, l.Label+" "+l.Value)
		}
		return s
	}
	for i, w := range wants {
		c := got[i]
		if c.ID != int64(i+1) || c.First != w.first || c.Last != w.last || c.Organization != w.org {
			t.Errorf("contact %d: got %d %q %q %q", i+1, c.ID, c.First, c.Last, c.Organization)
		}
		if g := labeled(c.Phones); !sameStrings(g, w.phones) {
			t.Errorf("contact %d phones: got %q, want %q", i+1, g, w.phones)
		}
		if g := labeled(c.Emails); !sameStrings(g, w.emails) {
			t.Errorf("contact %d emails: got %q, want %q", i+1, g, w.emails)
		}
		if c.Created == nil || !c.Created.Equal(w.created) {
			t.Errorf("contact %d created: got %v, want %v", i+1, c.Created, w.created)
		}
	}
	apple := got[1]
	if len(apple.Addresses) != 1 {
		t.Fatalf("Apple Inc. addresses: %+v", apple.Addresses)
	}
	a := apple.Addresses[0]
	if a.Label != "Work" || a.Street != "One Apple Park Way" || a.City != "Cupertino" || a.State != "CA" ||
		a.ZIP != "95014" || a.Country != "United States" || a.CountryCode != "us" {
		t.Errorf("Apple Inc. address: %+v", a)
	}
	if len(apple.URLs) != 1 || apple.URLs[0].Value != "http://www.apple.com" || apple.URLs[0].Label != "HomePage" {
		t.Errorf("Apple Inc. URLs: %+v", apple.URLs)
	}
}

func TestCommittedRealMessageBodies(t *testing.T) {
	db, err := OpenMessagesFile("../testdata/real/sms-real-bodies.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type want struct {
		guid, text string
		fromMe     bool
		date       time.Time
	}
	at := func(ns int64) time.Time { return time.Unix(978307200, ns).UTC() }
	wants := []want{
		{"HOLDOUT-BLOB-0001", "Y", false, at(700000060000000000)},
		{"HOLDOUT-BLOB-0002", "Ok, np, thanks for trying", true, at(700000120000000000)},
		{"HOLDOUT-BLOB-0003", "I am ok with not having Charlie since he isn’t part of the regular group.  " +
			"With 5 there isn’t enough hitting.  I can do 5 but it becomes more of a cardio workout rather than " +
			"hitting a lot of balls.  If you want cardio I can run the heck out of you with 5.  Your call Jen.  ", false, at(700000180000000000)},
		{"HOLDOUT-BLOB-0004", "Reacted 😒 to “No treats ”", false, at(700000240000000000)},
	}
	i := 0
	for m, err := range db.Messages(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if i >= len(wants) {
			t.Fatalf("more than %d messages", len(wants))
		}
		w := wants[i]
		if m.GUID != w.guid || m.Text != w.text || m.FromMe != w.fromMe || m.Date == nil || !m.Date.Equal(w.date) {
			t.Errorf("message %d: got %s %q from_me=%v %v", i+1, m.GUID, m.Text, m.FromMe, m.Date)
		}
		if !w.fromMe && (m.Sender == nil || *m.Sender != "+15550109999") {
			t.Errorf("message %d sender: %v", i+1, m.Sender)
		}
		i++
	}
	if i != len(wants) {
		t.Errorf("got %d messages, want %d", i, len(wants))
	}
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
