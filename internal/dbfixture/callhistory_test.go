package dbfixture

import (
	"database/sql"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

func fxOpen(t *testing.T, build func() ([]byte, error)) *sql.DB {
	t.Helper()
	b, err := build()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlitemem.Open(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func fxScalar[T any](t *testing.T, db *sql.DB, q string) T {
	t.Helper()
	var v T
	if err := db.QueryRow(q).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

func TestCallHistorySchemas(t *testing.T) {
	calls := []CallRecord{
		{Address: "+15550001111", Date: time.Date(2020, 12, 16, 20, 40, 18, 0, time.UTC), Duration: 3, CallType: 1,
			Participants: []string{"+15550001111", "a@b.example"}},
		{Date: time.Date(2020, 12, 16, 21, 0, 0, 0, time.UTC), CallType: 16},
	}
	for _, tc := range []struct {
		era       CallEra
		cols      int
		addrType  string
		joinTable string
		joinCol   string
	}{
		{CallsiOS9, 18, "blob", "", ""}, // the 18 columns of the real iOS 9.3 store
		{CallsiOS11, 21, "text", "", ""},
		{CallsiOS14, 23, "blob", "Z_2REMOTEPARTICIPANTHANDLES", "Z_3REMOTEPARTICIPANTHANDLES"},
		{CallsiOS16, 27, "text", "Z_2REMOTEPARTICIPANTHANDLES", "Z_4REMOTEPARTICIPANTHANDLES"},
	} {
		t.Run(tc.era.String(), func(t *testing.T) {
			db := fxOpen(t, func() ([]byte, error) { return CallHistory(tc.era, calls...) })
			if n := fxScalar[int](t, db, "SELECT count(*) FROM pragma_table_info('ZCALLRECORD')"); n != tc.cols {
				t.Errorf("ZCALLRECORD has %d columns, want %d", n, tc.cols)
			}
			if typ := fxScalar[string](t, db, "SELECT typeof(ZADDRESS) FROM ZCALLRECORD WHERE Z_PK = 1"); typ != tc.addrType {
				t.Errorf("ZADDRESS is %s, want %s", typ, tc.addrType)
			}
			if typ := fxScalar[string](t, db, "SELECT typeof(ZADDRESS) FROM ZCALLRECORD WHERE Z_PK = 2"); typ != "null" {
				t.Errorf("empty ZADDRESS is %s, want null", typ)
			}
			if d := fxScalar[float64](t, db, "SELECT +ZDATE FROM ZCALLRECORD WHERE Z_PK = 1"); d != 629844018 {
				t.Errorf("ZDATE = %v", d)
			}
			if tc.joinTable == "" {
				if n := fxScalar[int](t, db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%REMOTEPARTICIPANT%'"); n != 0 {
					t.Errorf("unexpected participant tables")
				}
				return
			}
			if n := fxScalar[int](t, db, "SELECT count(*) FROM "+tc.joinTable+" j JOIN ZHANDLE h ON h.Z_PK = j."+tc.joinCol+" WHERE j.Z_2REMOTEPARTICIPANTCALLS = 1"); n != 2 {
				t.Errorf("participants = %d", n)
			}
		})
	}
	db := fxOpen(t, func() ([]byte, error) { return CallHistory(CallsiOS6, calls...) })
	if got := fxScalar[string](t, db, "SELECT group_concat(flags || ':' || date || ':' || duration, ' ') FROM call"); got != "4:1608151218:3 16:1608152400:0" {
		t.Errorf("call rows = %q", got)
	}
}

func TestAddressBookSchemas(t *testing.T) {
	p := Person{ID: 4, First: "A", Phones: []Value{{Label: SystemLabel("Mobile"), Value: "(919) 555-0101"}},
		Addresses: []PostalAddress{{Label: SystemLabel("Work"), Street: "1 Main St", City: "Durham"}}, Groups: []string{"G"}}
	for _, tc := range []struct {
		era     ABEra
		cols    int
		version string
	}{
		{ABiOS9, 44, "62"},  // column count of the real iOS 9.3 ABPerson
		{ABiOS15, 51, "83"}, // and of the real iOS 15 one
	} {
		t.Run(tc.era.String(), func(t *testing.T) {
			db := fxOpen(t, func() ([]byte, error) { return AddressBook(tc.era, p) })
			if n := fxScalar[int](t, db, "SELECT count(*) FROM pragma_table_info('ABPerson')"); n != tc.cols {
				t.Errorf("ABPerson has %d columns, want %d", n, tc.cols)
			}
			if v := fxScalar[string](t, db, "SELECT value FROM _SqliteDatabaseProperties WHERE key = '_ClientVersion'"); v != tc.version {
				t.Errorf("_ClientVersion = %s", v)
			}
			if got := fxScalar[string](t, db, `SELECT group_concat(k.value || '=' || e.value, ';') FROM ABMultiValue m
				JOIN ABMultiValueEntry e ON e.parent_id = m.UID JOIN ABMultiValueEntryKey k ON k.ROWID = e.key
				WHERE m.record_id = 4 AND m.property = 5`); got != "Street=1 Main St;City=Durham" {
				t.Errorf("address entries = %q", got)
			}
			if got := fxScalar[string](t, db, "SELECT l.value FROM ABMultiValue m JOIN ABMultiValueLabel l ON l.ROWID = m.label WHERE m.property = 3"); got != "_$!<Mobile>!$_" {
				t.Errorf("label = %q", got)
			}
			if got := fxScalar[string](t, db, "SELECT value FROM ABPhoneLastFour"); got != "0101" {
				t.Errorf("last four = %q", got)
			}
			if got := fxScalar[string](t, db, "SELECT g.Name FROM ABGroupMembers m JOIN ABGroup g ON g.ROWID = m.group_id WHERE m.member_id = 4"); got != "G" {
				t.Errorf("group = %q", got)
			}
		})
	}
	if got := ABDate(time.Date(2020, 12, 16, 20, 40, 18, 0, time.UTC)); got != "629844018" {
		t.Errorf("ABDate = %s", got)
	}
	if _, err := AddressBookImages(Person{First: "x", FullSize: []byte{1}}); err == nil {
		t.Error("images without an ID accepted")
	}
}
