package records_test

import (
	"context"
	"errors"
	"iter"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/records"
)

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"+1 (919) 888-7386":     "+19198887386",
		"19198887386":           "+19198887386",
		"1-919-888-7386":        "+19198887386",
		"(919) 888-7386":        "9198887386",
		"tel:+1-919-888-7386":   "+19198887386",
		"+44 20 7946 0958":      "+442079460958",
		"+44 (0)20 7946 0958":   "+442079460958",
		"0044 20 7946 0958":     "+442079460958",
		"011 44 20 7946 0958":   "+442079460958",
		"020 7946 0958":         "2079460958",
		"+33 6 12 34 56 78":     "+33612345678",
		"06 12 34 56 78":        "612345678",
		"+49 30 1234567":        "+49301234567",
		"+353 1 234 5678":       "+35312345678",
		"+7 495 123-45-67":      "+74951234567",
		"1-800-MY-APPLE":        "+18006927753",
		"+1 919 888 7386,,123":  "+19198887386",
		"+1 919 888 7386;ext=9": "+19198887386",
		"72727":                 "72727",
		"33 3 33":               "33333",
		"*#06#":                 "*#06#",
		"*86":                   "*86",
		"":                      "",
		"AMAZON":                "",
		"  ":                    "",
	} {
		if got := records.NormalizePhone(in); got != want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func cxResolverContacts() []*records.Contact {
	return []*records.Contact{
		{ID: 1, First: "Us", Last: "Person", Phones: []records.Labeled{{Value: "(919) 888-7386"}}},
		{ID: 2, First: "Uk", Last: "Person", Phones: []records.Labeled{{Value: "020 7946 0958"}}},
		{ID: 3, First: "Fr", Last: "Person", Phones: []records.Labeled{{Value: "+33 6 12 34 56 78"}}},
		{ID: 4, Organization: "Shortcode Co", IsOrganization: true, Phones: []records.Labeled{{Value: "72727"}}},
		{ID: 5, First: "Mail", Emails: []records.Labeled{{Value: "Mixed.Case@Example.COM"}}},
		{ID: 6, First: "Dup", Phones: []records.Labeled{{Value: "+1 919 888 7386"}}}, // same number as 1
		{ID: 7, First: "Cn", Phones: []records.Labeled{{Value: "13812345678"}}},      // Chinese mobile, written nationally
		{ID: 8, First: "De", Phones: []records.Labeled{{Value: "+49 30 7946 0958"}}},
	}
}

func TestResolverLookup(t *testing.T) {
	r := resolverFrom(cxResolverContacts())
	for handle, wantID := range map[string]int64{
		"+1 (919) 888-7386":             1,
		"19198887386":                   1,
		"(919) 888-7386":                1,
		"9198887386":                    1,
		"tel:+19198887386":              1,
		"+442079460958":                 2,
		"00442079460958":                2,
		"+44 (0) 20 7946 0958":          2,
		"+33612345678":                  3,
		"0612345678":                    3,
		"72727":                         4,
		"mixed.case@example.com":        5,
		"MAILTO:MIXED.CASE@EXAMPLE.COM": 5,
		"+8613812345678":                7,
		"+493079460958":                 8,
		"030 7946 0958":                 8,
		// not found:
		"+33 2079460958":     2, // a national number has no country code: it matches any
		"+33 30 7946 0958":   0, // both country codes known and different
		"+1 307 946 0958":    0,
		"727270":             0, // short codes match exactly
		"2727":               0,
		"other@example.com":  0,
		"":                   0,
		"Mixed.Case@Example": 0,
		"+19198887387":       0,
		"AMAZON":             0,
	} {
		c, ok := r.Lookup(handle)
		switch {
		case wantID == 0 && ok:
			t.Errorf("Lookup(%q) = contact %d, want none", handle, c.ID)
		case wantID != 0 && (!ok || c.ID != wantID):
			t.Errorf("Lookup(%q) = %v %v, want contact %d", handle, c, ok, wantID)
		}
	}
	if got := r.Name("72727"); got != "Shortcode Co" {
		t.Errorf("Name(short code) = %q", got)
	}
	if got := r.Name("+1 919 888 7386"); got != "Us Person" {
		t.Errorf("Name = %q (first contact must win)", got)
	}
	if got := r.Name("+15555550000"); got != "" {
		t.Errorf("Name(unknown) = %q", got)
	}
	var nilR *records.Resolver
	if _, ok := nilR.Lookup("+19198887386"); ok {
		t.Error("nil resolver found something")
	}
}

func TestResolverFromSequenceKeepsGoodRows(t *testing.T) {
	bad := errors.New("bad row")
	seq := iter.Seq2[*records.Contact, error](func(yield func(*records.Contact, error) bool) {
		for i, c := range cxResolverContacts() {
			if i == 1 {
				if !yield(nil, bad) {
					return
				}
			}
			if !yield(c, nil) {
				return
			}
		}
	})
	r, err := records.NewResolver(seq)
	if !errors.Is(err, bad) {
		t.Errorf("err = %v, want the row error", err)
	}
	if r.Name("0612345678") != "Fr Person" || r.Name("+1 919 888 7386") != "Us Person" {
		t.Error("resolver lost good rows")
	}
}

// Resolver over a synthetic address book and call history: every call is
// attributed across number formats.
func TestResolverWithCalls(t *testing.T) {
	L := dbfixture.SystemLabel
	ab := cxT{t}.must(dbfixture.AddressBook(dbfixture.ABiOS15,
		dbfixture.Person{ID: 1, First: "Ada", Last: "Lovelace", Phones: []dbfixture.Value{{Label: L("Mobile"), Value: "(919) 888-7386"}},
			Emails: []dbfixture.Value{{Label: L("Home"), Value: "Ada@Engines.example"}}},
		dbfixture.Person{ID: 2, First: "Lab", Phones: []dbfixture.Value{{Label: L("Work"), Value: "+1 919-555-0101"}}},
	))
	cdb, err := records.OpenContacts(dbfixture.FS(devicepath.AddressBook, ab, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	r, err := records.NewResolver(cdb.Contacts(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	calls := cxT{t}.must(dbfixture.CallHistory(dbfixture.CallsiOS14, cxCallFixture()...))
	db, err := records.OpenCalls(dbfixture.FS(devicepath.CallHistory, calls, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var names []string
	for _, c := range cxCalls(t, db) {
		names = append(names, r.Name(c.Address))
	}
	if got, want := strings.Join(names, "|"), "Lab|Ada Lovelace|Ada Lovelace||||"; got != want {
		t.Errorf("names = %q, want %q", got, want)
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+1 (919) 888-7386", "0044 20", "*#06#", "1-800-MY-APPLE", "tel:", "mailto:a@b", "00", "+", "011"} {
		f.Add(s)
	}
	r := resolverFrom(cxResolverContacts())
	f.Fuzz(func(t *testing.T, s string) {
		n := records.NormalizePhone(s)
		if utf8.ValidString(s) && !utf8.ValidString(n) {
			t.Errorf("invalid UTF-8 from %q", s)
		}
		if strings.Trim(n, "+0123456789*#") != "" {
			t.Errorf("NormalizePhone(%q) = %q has other characters", s, n)
		}
		// Normalizing is idempotent for numbers with a country code.
		if strings.HasPrefix(n, "+") && records.NormalizePhone(n) != n {
			t.Errorf("NormalizePhone(%q) = %q, again %q", s, n, records.NormalizePhone(n))
		}
		r.Lookup(s)
		r.Name(s)
	})
}

// resolverFrom builds a resolver from a slice of contacts.
func resolverFrom(cs []*records.Contact, opts ...records.ResolverOption) *records.Resolver {
	r, _ := records.NewResolver(func(yield func(*records.Contact, error) bool) {
		for _, c := range cs {
			if !yield(c, nil) {
				return
			}
		}
	}, opts...)
	return r
}
