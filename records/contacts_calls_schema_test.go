package records_test

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/records"
)

// Each reader recognises its schema by tables and columns: an unknown one
// is a typed error naming the table and the columns it lacks, never rows
// of empty fields; a future schema with extra columns still reads.
func TestContactsCallsUnknownSchemas(t *testing.T) {
	abBase := []string{
		"CREATE TABLE ABMultiValueLabel (value TEXT)",
		"INSERT INTO ABMultiValueLabel VALUES ('_$!<Mobile>!$_')",
	}
	for _, tc := range []struct {
		name    string
		stmts   []string
		calls   bool
		table   string
		missing []string
	}{
		{name: "renamed ABPerson", stmts: append([]string{
			"CREATE TABLE ABPersonV2 (ROWID INTEGER PRIMARY KEY, First, Last)",
			"CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id, property, label, value)"}, abBase...),
			table: "ABPerson", missing: []string{"First", "Last"}},
		{name: "ABPerson without Last", stmts: append([]string{
			"CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY, First, Surname)",
			"CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id, property, label, value)"}, abBase...),
			table: "ABPerson", missing: []string{"Last"}},
		{name: "no ABMultiValue", stmts: []string{
			"CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY, First, Last)"},
			table: "ABMultiValue", missing: []string{"record_id", "property", "value"}},
		{name: "ABMultiValue without record_id", stmts: append([]string{
			"CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY, First, Last)",
			"CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, person_id, property, label, value)"}, abBase...),
			table: "ABMultiValue", missing: []string{"record_id"}},
		{name: "labels without their table", stmts: []string{
			"CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY, First, Last)",
			"CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id, property, label, value)"},
			table: "ABMultiValueLabel", missing: []string{"value"}},
		{name: "renamed ZCALLRECORD", calls: true, stmts: []string{
			"CREATE TABLE ZCALL (Z_PK INTEGER PRIMARY KEY, ZADDRESS, ZDATE, ZDURATION, ZORIGINATED, ZANSWERED)"},
			table: "ZCALLRECORD", missing: []string{"ZADDRESS", "ZDATE", "ZDURATION", "ZORIGINATED", "ZANSWERED"}},
		{name: "ZCALLRECORD without ZORIGINATED", calls: true, stmts: []string{
			"CREATE TABLE ZCALLRECORD (Z_PK INTEGER PRIMARY KEY, ZADDRESS, ZDATE, ZDURATION, ZDIRECTION, ZANSWERED)"},
			table: "ZCALLRECORD", missing: []string{"ZORIGINATED"}},
		{name: "call without flags", calls: true, stmts: []string{
			"CREATE TABLE call (ROWID INTEGER PRIMARY KEY, address, date, duration, direction)"},
			table: "call", missing: []string{"flags"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := cxBuild(t, tc.stmts...)
			var err error
			if tc.calls {
				_, err = records.OpenCalls(dbfixture.FS(devicepath.CallHistory, db, nil))
			} else {
				_, err = records.OpenContacts(dbfixture.FS(devicepath.AddressBook, db, nil))
			}
			var ue *records.UnsupportedError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want *UnsupportedError", err)
			}
			if ue.Table != tc.table || !reflect.DeepEqual(ue.Missing, tc.missing) {
				t.Errorf("got table %s missing %q, want %s %q", ue.Table, ue.Missing, tc.table, tc.missing)
			}
		})
	}
}

// A future iOS that adds columns and tables is read as before.
func TestContactsCallsFutureColumns(t *testing.T) {
	ab := cxBuild(t,
		"CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY, First, Last, Organization, OrganizationPhonetic, CreationDate, HoloName BLOB, Pronouns TEXT)",
		"CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id, property, identifier, label, value, QuantumKey BLOB)",
		"CREATE TABLE ABMultiValueLabel (value TEXT, color INTEGER)",
		"CREATE TABLE ABFutureThing (x)",
		"INSERT INTO ABMultiValueLabel VALUES ('_$!<Mobile>!$_', 3)",
		"INSERT INTO ABPerson VALUES (1, '太郎', '山田', '山田商事', 'やまだしょうじ', 700000000, X'00', 'he')",
		"INSERT INTO ABMultiValue VALUES (1, 1, 3, 0, 1, '090-1234-5678', X'01')",
	)
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
	if c.First != "太郎" || c.Last != "山田" || c.OrgPhonetic != "やまだしょうじ" || c.DisplayName != "山田太郎" ||
		!reflect.DeepEqual(c.Phones, []records.Labeled{{Label: "Mobile", Value: "090-1234-5678"}}) || c.Problems != nil {
		t.Errorf("contact = %+v", c)
	}
	cxSameTime(t, "created", c.Created, "2023-03-08T20:26:40Z")

	calls := cxBuild(t,
		"CREATE TABLE ZCALLRECORD (Z_PK INTEGER PRIMARY KEY, ZADDRESS, ZDATE, ZDURATION, ZORIGINATED, ZANSWERED, ZCALLTYPE, ZHOLOGRAM INTEGER, ZSATELLITE VARCHAR)",
		"INSERT INTO ZCALLRECORD VALUES (1, '+819012345678', 700000000, 30, 0, 1, 1, 1, 'yes')",
	)
	cdb, err := records.OpenCalls(dbfixture.FS(devicepath.CallHistory, calls, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	got := cxCalls(t, cdb)
	if len(got) != 1 || got[0].Address != "+819012345678" || got[0].Duration != 30 || !got[0].Answered || got[0].Outgoing ||
		got[0].Type != records.CallPhone || got[0].Problems != nil {
		t.Errorf("calls = %+v", got)
	}
}

// Values that cannot be right are problems on the record, never passed on
// as right: dates before 2007 or in the future, a negative duration.
func TestContactsCallsImplausibleValues(t *testing.T) {
	future := time.Now().AddDate(1, 0, 0).Unix() - 978307200
	ab := cxBuild(t,
		"CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY, First, Last, CreationDate, ModificationDate)",
		"CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id, property, value)",
		"INSERT INTO ABPerson VALUES (1, 'Early', NULL, -31536000, 0)", // 2000-01-02; 0 is unset
		"INSERT INTO ABPerson VALUES (2, 'Late', NULL, 700000000, "+strconv.FormatInt(future, 10)+")",
	)
	db, err := records.OpenContacts(dbfixture.FS(devicepath.AddressBook, ab, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs := cxCollect(t, db)
	if len(cs) != 2 {
		t.Fatalf("got %d contacts", len(cs))
	}
	if c := cs[0]; c.Created != nil || c.Modified != nil ||
		!reflect.DeepEqual(c.Problems, []string{"created: -31536000 is not a plausible date (before 2007: 2000-01-02T00:00:00Z)"}) {
		t.Errorf("early = %+v %q", c, c.Problems)
	}
	if c := cs[1]; c.Created == nil || c.Modified != nil || len(c.Problems) != 1 || !containsAll(c.Problems[0], "modified:", "in the future") {
		t.Errorf("late = %+v %q", c, c.Problems)
	}

	calls := cxBuild(t,
		"CREATE TABLE call (ROWID INTEGER PRIMARY KEY, address, date, duration, flags, name, country_code)",
		// Apple seconds read as Unix seconds would be 1992: not right.
		"INSERT INTO call VALUES (1, '5551234567', 700000000, 10, 4, NULL, '310')",
		"INSERT INTO call VALUES (2, '5551234567', 1339531490, -5, 5, NULL, '310')",
		"INSERT INTO call VALUES (3, '5551234567', 'yesterday', 'long', 5, NULL, '310')",
	)
	cdb, err := records.OpenCalls(dbfixture.FS(devicepath.CallHistory, calls, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	got := cxCalls(t, cdb)
	if len(got) != 3 {
		t.Fatalf("got %d calls", len(got))
	}
	byID := map[int64]*records.Call{}
	for _, c := range got {
		byID[c.ID] = c
	}
	if c := byID[1]; c.Date != nil || c.Duration != 10 || len(c.Problems) != 1 || !containsAll(c.Problems[0], "date:", "before 2007", "1992") {
		t.Errorf("call 1 = %+v", c)
	}
	if c := byID[2]; c.Date == nil || c.Duration != 0 || !reflect.DeepEqual(c.Problems, []string{`duration: "-5" is not a plausible duration`}) {
		t.Errorf("call 2 = %+v", c)
	}
	if c := byID[3]; c.Date != nil || !reflect.DeepEqual(c.Problems, []string{`date: "yesterday" is not a date`, `duration: "long" is not a plausible duration`}) {
		t.Errorf("call 3 = %+v %q", c, c.Problems)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
