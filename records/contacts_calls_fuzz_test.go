package records_test

import (
	"context"
	"database/sql"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/internal/sqlitemem"
	"github.com/iosbackup/iosbackup/records"
)

// FuzzContactsCallsValues stores hostile cell values (any storage class)
// in the columns the contacts and calls readers convert, and checks that
// they read without a panic, that every date passed on is plausible, and
// that names stay valid text.
func FuzzContactsCallsValues(f *testing.F) {
	f.Add("太郎", "山田", "やまだ", "700000000", int64(1), "+81 90-1234-5678", 700000000.5, "65.5", int64(3))
	f.Add("", "", "", "not a date", int64(99), "０９０", -1e300, "x", int64(0))
	f.Add("\xff\xfe", "a\x00b", "", "1e300", int64(-1), "*#06#", 1e20, "-5", int64(999))
	f.Fuzz(func(t *testing.T, first, last, phonetic, birthday string, label int64, phone string, date float64, duration string, handle int64) {
		ctx := context.Background()
		ab, err := sqlitemem.Build(func(c *sql.Conn) error {
			for _, q := range []string{
				"CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY, First, Last, FirstPhonetic, OrganizationPhonetic, Birthday, CreationDate, ModificationDate)",
				"CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id, property, identifier, label, value)",
				"CREATE TABLE ABMultiValueLabel (value TEXT)",
				"INSERT INTO ABMultiValueLabel VALUES ('_$!<Mobile>!$_')",
			} {
				if _, err := c.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			if _, err := c.ExecContext(ctx, "INSERT INTO ABPerson VALUES (1, ?, ?, ?, ?, ?, ?, ?)", first, last, phonetic, phonetic, birthday, date, duration); err != nil {
				return err
			}
			_, err := c.ExecContext(ctx, "INSERT INTO ABMultiValue VALUES (1, 1, 3, 0, ?, ?)", label, phone)
			return err
		})
		if err != nil {
			t.Skip(err)
		}
		cdb, err := records.OpenContacts(dbfixture.FS(devicepath.AddressBook, ab, nil))
		if err != nil {
			t.Fatal(err)
		}
		defer cdb.Close()
		r, _ := records.NewResolver(cdb.Contacts(context.Background()), records.WithRegion("JP"))
		for c, err := range cdb.Contacts(context.Background()) {
			if err != nil {
				continue
			}
			checkPlausible(t, c.Created, c.Modified)
			if utf8.ValidString(first) && utf8.ValidString(last) && utf8.ValidString(phone) && !utf8.ValidString(c.DisplayName) {
				t.Errorf("display name %q is not valid UTF-8", c.DisplayName)
			}
			records.FormattedName(c)
		}

		calls, err := sqlitemem.Build(func(c *sql.Conn) error {
			for _, q := range []string{
				"CREATE TABLE ZCALLRECORD (Z_PK INTEGER PRIMARY KEY, ZADDRESS, ZDATE, ZDURATION, ZORIGINATED, ZANSWERED, ZCALLTYPE, ZISO_COUNTRY_CODE)",
				"CREATE TABLE ZHANDLE (Z_PK INTEGER PRIMARY KEY, ZVALUE)",
				"CREATE TABLE Z_2REMOTEPARTICIPANTHANDLES (Z_2REMOTEPARTICIPANTCALLS, Z_4REMOTEPARTICIPANTHANDLES)",
				"INSERT INTO ZHANDLE VALUES (3, '+1 555 0300')",
			} {
				if _, err := c.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			if _, err := c.ExecContext(ctx, "INSERT INTO ZCALLRECORD VALUES (1, ?, ?, ?, ?, ?, ?, ?)", phone, date, duration, label, handle, label, birthday); err != nil {
				return err
			}
			_, err := c.ExecContext(ctx, "INSERT INTO Z_2REMOTEPARTICIPANTHANDLES VALUES (1, ?)", handle)
			return err
		})
		if err != nil {
			t.Skip(err)
		}
		kdb, err := records.OpenCalls(dbfixture.FS(devicepath.CallHistory, calls, nil))
		if err != nil {
			t.Fatal(err)
		}
		defer kdb.Close()
		for c, err := range r.NameCalls(kdb.Calls(context.Background())) {
			if err != nil {
				continue
			}
			checkPlausible(t, c.Date)
			if c.Duration < 0 {
				t.Errorf("negative duration %v", c.Duration)
			}
		}
	})
}

func checkPlausible(t *testing.T, dates ...*time.Time) {
	t.Helper()
	for _, d := range dates {
		if d != nil && (d.Year() < 2007 || d.After(time.Now().Add(25*time.Hour))) {
			t.Errorf("implausible date %v passed on", d)
		}
	}
}
