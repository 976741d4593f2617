package records_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/records"
)

var (
	cxCreated  = time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	cxModified = time.Date(2022, 8, 9, 10, 11, 12, 0, time.UTC)
)

// cxPeople is a rich synthetic address book.
func cxPeople() []dbfixture.Person {
	L := dbfixture.SystemLabel
	return []dbfixture.Person{
		{
			ID: 1, Prefix: "Dr.", First: "Ada", Middle: "King", Last: "Lovelace", Suffix: "PhD",
			Nickname: "Countess", FirstPhonetic: "AY-da", LastPhonetic: "LUV-lace",
			Organization: "Analytical Engines", OrgPhonetic: "AN-uh-LIT-i-kul", Department: "R&D", JobTitle: "Programmer",
			Note: "first\nprogrammer",
			// 1990-05-14 at midnight GMT.
			Birthday: dbfixture.ABDate(time.Date(1990, 5, 14, 0, 0, 0, 0, time.UTC)),
			Created:  cxCreated, Modified: cxModified,
			Phones: []dbfixture.Value{{Label: L("Mobile"), Value: "+44 20 7946 0958"},
				{Label: "Lab line", Value: "(919) 555-0101"}},
			Emails:  []dbfixture.Value{{Label: L("Work"), Value: "Ada@Engines.example"}, {Value: "ada@home.example"}},
			URLs:    []dbfixture.Value{{Label: L("HomePage"), Value: "https://ada.example"}},
			Related: []dbfixture.Value{{Label: L("Spouse"), Value: "William"}},
			Dates:   []dbfixture.Value{{Label: L("Anniversary"), Value: dbfixture.ABDate(time.Date(1835, 7, 8, 0, 0, 0, 0, time.UTC))}},
			Addresses: []dbfixture.PostalAddress{{Label: L("Home"), Street: "12 St James's Square", City: "London",
				ZIP: "SW1Y 4JH", Country: "United Kingdom", CountryCode: "gb"}},
			IM:     []dbfixture.Account{{Label: L("Work"), Service: "Jabber", Username: "ada@jabber.example"}},
			Social: []dbfixture.Account{{Label: "twitter", Service: "Twitter", Username: "adalovelace", URL: "https://twitter.com/adalovelace"}},
			Groups: []string{"Friends", "Work"},
		},
		{
			ID: 2, Organization: "Acme Corp", Kind: 1, Created: cxCreated,
			Phones: []dbfixture.Value{{Label: L("Main"), Value: "1-800-555-0199"}},
			// Birthday without a year: 1604-12-25, stored as local noon in
			// UTC+1 (11:00 UTC).
			Birthday: dbfixture.ABDate(time.Date(1604, 12, 25, 11, 0, 0, 0, time.UTC)),
			Groups:   []string{"Work"},
		},
		{
			ID: 3, First: "Bob", Birthday: dbfixture.ABDate(time.Date(1985, 1, 2, 12, 0, 0, 0, time.UTC)),
			Emails: []dbfixture.Value{{Label: L("Other"), Value: "bob@example.org"}},
		},
		{ID: 5, Nickname: "Shorty", Phones: []dbfixture.Value{{Label: L("Other"), Value: "72727"}}},
	}
}

func cxMapFS(t testing.TB, files map[string][]byte) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	for k, v := range files {
		m[k] = &fstest.MapFile{Data: v, Mode: 0o644}
	}
	return m
}

// cxT wraps a test to check (value, error) results in one expression.
type cxT struct{ testing.TB }

func (t cxT) must(b []byte, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestContactsSyntheticEras(t *testing.T) {
	for _, era := range []dbfixture.ABEra{dbfixture.ABiOS9, dbfixture.ABiOS15} {
		t.Run(era.String(), func(t *testing.T) {
			ab := cxT{t}.must(dbfixture.AddressBook(era, cxPeople()...))
			db, err := records.OpenContacts(cxMapFS(t, map[string][]byte{devicepath.AddressBook: ab}))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			cs := cxCollect(t, db)
			if len(cs) != 4 {
				t.Fatalf("got %d contacts", len(cs))
			}
			created, modified := cxCreated, cxModified
			want := &records.Contact{
				ID: 1, Prefix: "Dr.", First: "Ada", Middle: "King", Last: "Lovelace", Suffix: "PhD",
				Nickname: "Countess", FirstPhonetic: "AY-da", LastPhonetic: "LUV-lace",
				Organization: "Analytical Engines", Department: "R&D", JobTitle: "Programmer",
				Birthday: "1990-05-14", Note: "first\nprogrammer",
				Phones: []records.Labeled{{Label: "Mobile", Value: "+44 20 7946 0958"}, {Label: "Lab line", Value: "(919) 555-0101"}},
				Emails: []records.Labeled{{Label: "Work", Value: "Ada@Engines.example"}, {Label: "", Value: "ada@home.example"}},
				URLs:   []records.Labeled{{Label: "HomePage", Value: "https://ada.example"}},
				Addresses: []records.Address{{Label: "Home", Street: "12 St James's Square", City: "London",
					ZIP: "SW1Y 4JH", Country: "United Kingdom", CountryCode: "gb"}},
				Profiles: []records.Profile{
					{Label: "Work", Service: "Jabber", Username: "ada@jabber.example"},
					{Label: "twitter", Service: "Twitter", Username: "adalovelace", URL: "https://twitter.com/adalovelace"},
				},
				Related:     []records.Labeled{{Label: "Spouse", Value: "William"}},
				Dates:       []records.Labeled{{Label: "Anniversary", Value: "1835-07-08"}},
				Groups:      []string{"Friends", "Work"},
				Created:     &created,
				Modified:    &modified,
				DisplayName: "Ada Lovelace",
				OrgPhonetic: "AN-uh-LIT-i-kul",
			}
			if !reflect.DeepEqual(cs[0], want) {
				t.Errorf("Ada:\n got %+v\nwant %+v", cs[0], want)
			}
			acme := cs[1]
			if !acme.IsOrganization || acme.Birthday != "--12-25" || acme.Modified != nil ||
				!reflect.DeepEqual(acme.Groups, []string{"Work"}) || records.DisplayName(acme) != "Acme Corp" {
				t.Errorf("Acme = %+v", acme)
			}
			if cs[2].Birthday != "1985-01-02" || cs[2].Created != nil || cs[2].Groups != nil {
				t.Errorf("Bob = %+v", cs[2])
			}
			if cs[3].ID != 5 || records.DisplayName(cs[3]) != "Shorty" {
				t.Errorf("contact 4 = %+v", cs[3])
			}
		})
	}
}

func TestContactsMinimalSchemaDegrades(t *testing.T) {
	people := []dbfixture.Person{{
		ID: 7, First: "Old", Last: "Timer", Organization: "Museum", Note: "n", Nickname: "dropped",
		Birthday: "12345", Created: cxCreated,
		Phones: []dbfixture.Value{{Label: dbfixture.SystemLabel("Mobile"), Value: "555-0100"}},
		Emails: []dbfixture.Value{{Value: "old@museum.example"}},
		Groups: []string{"dropped"},
	}}
	ab := cxT{t}.must(dbfixture.AddressBook(dbfixture.ABMinimal, people...))
	db, err := records.OpenContacts(dbfixture.FS(devicepath.AddressBook, ab, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs := cxCollect(t, db)
	if len(cs) != 1 {
		t.Fatalf("got %d contacts", len(cs))
	}
	c := cs[0]
	created := cxCreated
	want := &records.Contact{ID: 7, First: "Old", Last: "Timer", Organization: "Museum", Note: "n", DisplayName: "Old Timer",
		Phones:    []records.Labeled{{Value: "555-0100"}},
		Emails:    []records.Labeled{{Value: "old@museum.example"}},
		URLs:      []records.Labeled{},
		Addresses: []records.Address{},
		Created:   &created,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got %+v\nwant %+v", c, want)
	}
}

func TestContactsPhotos(t *testing.T) {
	people := []dbfixture.Person{
		{ID: 1, First: "Full", FullSize: []byte("FULL-1"), Thumbnails: []dbfixture.Thumbnail{{Format: 0, Data: []byte("THUMB-1")}}},
		{ID: 2, First: "Thumbs", Thumbnails: []dbfixture.Thumbnail{{Format: 5, Data: []byte("THUMB-5")}, {Format: 0, Data: []byte("THUMB-0")}}},
		{ID: 3, First: "OtherFormat", Thumbnails: []dbfixture.Thumbnail{{Format: 2, Data: []byte("THUMB-2")}}},
		{ID: 4, First: "None"},
	}
	ab := cxT{t}.must(dbfixture.AddressBook(dbfixture.ABiOS15, people...))
	img := cxT{t}.must(dbfixture.AddressBookImages(people...))
	want := []string{"FULL-1", "THUMB-0", "THUMB-2", ""}
	check := func(t *testing.T, db *records.ContactDB) {
		defer db.Close()
		if err := db.PhotoError(); err != nil {
			t.Fatal(err)
		}
		cs := cxCollect(t, db)
		if len(cs) != len(want) {
			t.Fatalf("got %d contacts", len(cs))
		}
		for i, c := range cs {
			if string(c.Photo) != want[i] || c.HasPhoto != (want[i] != "") {
				t.Errorf("%s: photo %q has_photo %v, want %q", c.First, c.Photo, c.HasPhoto, want[i])
			}
		}
	}
	t.Run("fs", func(t *testing.T) {
		db, err := records.OpenContacts(cxMapFS(t, map[string][]byte{devicepath.AddressBook: ab, devicepath.AddressBookImages: img}))
		if err != nil {
			t.Fatal(err)
		}
		check(t, db)
	})
	t.Run("file", func(t *testing.T) {
		dir := t.TempDir()
		for name, b := range map[string][]byte{"AddressBook.sqlitedb": ab, "AddressBookImages.sqlitedb": img} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		db, err := records.OpenContactsFile(filepath.Join(dir, "AddressBook.sqlitedb"))
		if err != nil {
			t.Fatal(err)
		}
		check(t, db)
	})
	t.Run("corrupt images", func(t *testing.T) {
		db, err := records.OpenContacts(cxMapFS(t, map[string][]byte{devicepath.AddressBook: ab, devicepath.AddressBookImages: []byte("not a database")}))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var de *records.DatabaseError
		if !errors.As(db.PhotoError(), &de) || de.Name != devicepath.AddressBookImages {
			t.Errorf("PhotoError = %v", db.PhotoError())
		}
		cs := cxCollect(t, db)
		if len(cs) != 4 || cs[0].HasPhoto {
			t.Errorf("contacts without photos expected, got %d, %+v", len(cs), cs[0])
		}
	})
}

// A backup taken before a checkpoint: the newest contact and the newest
// phone number of an old contact live only in the -wal.
func TestContactsWALTail(t *testing.T) {
	base := cxPeople()[:2]
	updated := cxPeople()
	updated[1].Phones = append(updated[1].Phones, dbfixture.Value{Label: dbfixture.SystemLabel("Work"), Value: "+1 800 555 0142"})
	for _, era := range []dbfixture.ABEra{dbfixture.ABiOS9, dbfixture.ABiOS15} {
		t.Run(era.String(), func(t *testing.T) {
			b := cxT{t}.must(dbfixture.AddressBook(era, base...))
			u := cxT{t}.must(dbfixture.AddressBook(era, updated...))
			wal := cxT{t}.must(dbfixture.WAL(b, u))
			fsys := cxMapFS(t, map[string][]byte{
				devicepath.AddressBook:          dbfixture.WALMode(b),
				devicepath.AddressBook + "-wal": wal,
			})
			db, err := records.OpenContacts(fsys)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			cs := cxCollect(t, db)
			if len(cs) != 4 {
				t.Fatalf("got %d contacts, want 4 (2 of them only in the WAL)", len(cs))
			}
			if cs[2].First != "Bob" || cs[3].Nickname != "Shorty" {
				t.Errorf("WAL rows = %+v %+v", cs[2], cs[3])
			}
			if got := cs[1].Phones; len(got) != 2 || got[1] != (records.Labeled{Label: "Work", Value: "+1 800 555 0142"}) {
				t.Errorf("Acme phones = %+v", got)
			}

			// Without the WAL only the checkpointed rows are seen.
			delete(fsys, devicepath.AddressBook+"-wal")
			db2, err := records.OpenContacts(fsys)
			if err != nil {
				t.Fatal(err)
			}
			defer db2.Close()
			if cs := cxCollect(t, db2); len(cs) != 2 || len(cs[1].Phones) != 1 {
				t.Errorf("without WAL: %d contacts", len(cs))
			}
		})
	}
}

func TestContactsErrors(t *testing.T) {
	if _, err := records.OpenContacts(fstest.MapFS{}); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("empty FS: %v, want ErrNotFound", err)
	}
	if _, err := records.OpenContactsFile(filepath.Join(t.TempDir(), "AddressBook.sqlitedb")); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("missing file: %v, want ErrNotFound", err)
	}
	var de *records.DatabaseError
	_, err := records.OpenContacts(cxMapFS(t, map[string][]byte{devicepath.AddressBook: []byte("garbage")}))
	if !errors.As(err, &de) || de.Name != devicepath.AddressBook {
		t.Errorf("garbage: %v, want *DatabaseError", err)
	}
	calls := cxT{t}.must(dbfixture.CallHistory(dbfixture.CallsiOS11))
	_, err = records.OpenContacts(dbfixture.FS(devicepath.AddressBook, calls, nil))
	var ue *records.UnsupportedError
	if !errors.As(err, &ue) || ue.Table != "ABPerson" || !reflect.DeepEqual(ue.Missing, []string{"First", "Last"}) {
		t.Errorf("call history as address book: %v, want *UnsupportedError", err)
	}
}

func TestContactsBreakIsSafe(t *testing.T) {
	ab := cxT{t}.must(dbfixture.AddressBook(dbfixture.ABiOS15, cxPeople()...))
	db, err := records.OpenContacts(dbfixture.FS(devicepath.AddressBook, ab, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for range 3 {
		n := 0
		for _, err := range db.Contacts(context.Background()) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			if n == 2 {
				break
			}
		}
		if n != 2 {
			t.Fatalf("n = %d", n)
		}
	}
}

func TestDisplayName(t *testing.T) {
	for _, tc := range []struct {
		c    *records.Contact
		want string
	}{
		{nil, ""},
		{&records.Contact{First: "Ada", Last: "Lovelace", Organization: "X"}, "Ada Lovelace"},
		{&records.Contact{Last: "Lovelace"}, "Lovelace"},
		{&records.Contact{First: "Ada", Organization: "X", IsOrganization: true}, "X"},
		{&records.Contact{Organization: " X "}, "X"},
		{&records.Contact{Nickname: "Nick"}, "Nick"},
		{&records.Contact{Phones: []records.Labeled{{Value: ""}, {Value: "+1 555"}}, Emails: []records.Labeled{{Value: "a@b"}}}, "+1 555"},
		{&records.Contact{Emails: []records.Labeled{{Value: "a@b"}}}, "a@b"},
		{&records.Contact{}, ""},
	} {
		if got := records.DisplayName(tc.c); got != tc.want {
			t.Errorf("DisplayName(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}

func BenchmarkContacts10k(b *testing.B) {
	people := make([]dbfixture.Person, 10000)
	for i := range people {
		people[i] = dbfixture.Person{
			First: fmt.Sprintf("First%d", i), Last: fmt.Sprintf("Last%d", i), Created: cxCreated,
			Phones: []dbfixture.Value{{Label: dbfixture.SystemLabel("Mobile"), Value: fmt.Sprintf("+1 919 555 %04d", i)},
				{Label: dbfixture.SystemLabel("Home"), Value: fmt.Sprintf("(919) 556-%04d", i)}},
			Emails: []dbfixture.Value{{Label: dbfixture.SystemLabel("Home"), Value: fmt.Sprintf("p%d@example.com", i)}},
		}
	}
	ab, err := dbfixture.AddressBook(dbfixture.ABiOS15, people...)
	if err != nil {
		b.Fatal(err)
	}
	db, err := records.OpenContacts(dbfixture.FS(devicepath.AddressBook, ab, nil))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.SetBytes(int64(len(ab)))
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for c, err := range db.Contacts(context.Background()) {
			if err != nil || len(c.Phones) != 2 {
				b.Fatal(err)
			}
			n++
		}
		if n != len(people) {
			b.Fatalf("n = %d", n)
		}
	}
}

func TestContactsConcurrent(t *testing.T) {
	people := cxPeople()
	ab := cxT{t}.must(dbfixture.AddressBook(dbfixture.ABiOS15, people...))
	img := cxT{t}.must(dbfixture.AddressBookImages(dbfixture.Person{ID: 3, FullSize: []byte("P")}))
	db, err := records.OpenContacts(cxMapFS(t, map[string][]byte{devicepath.AddressBook: ab, devicepath.AddressBookImages: img}))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			n, photos := 0, 0
			for c, err := range db.Contacts(context.Background()) {
				if err != nil {
					errs <- err
					return
				}
				n++
				if c.HasPhoto {
					photos++
				}
			}
			if n != len(people) || photos != 1 {
				errs <- fmt.Errorf("got %d contacts, %d photos", n, photos)
				return
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
