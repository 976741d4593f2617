package records_test

import (
	"context"
	"database/sql"
	"reflect"
	"testing"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/internal/sqlitemem"
	"github.com/iosbackup/iosbackup/records"
)

func cxBuild(t *testing.T, stmts ...string) []byte {
	t.Helper()
	b, err := sqlitemem.Build(func(c *sql.Conn) error {
		for _, q := range stmts {
			if _, err := c.ExecContext(context.Background(), q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Values of unexpected storage classes and dangling references degrade to
// text or empty fields instead of failing the row; what cannot be read is
// listed in Problems, never passed on as a value.
func TestContactsOddValues(t *testing.T) {
	b := cxBuild(t,
		"CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY, First, Last, Kind, Birthday, CreationDate, ModificationDate DATETIME)",
		"CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id, property, identifier, label, value)",
		"CREATE TABLE ABMultiValueLabel (value TEXT)",
		"INSERT INTO ABPerson VALUES (1, X'416461', 42, '1', 'not a date', '703260029', 703260033)",
		"INSERT INTO ABPerson VALUES (2, NULL, NULL, NULL, 1e300, 'x', NULL)",
		"INSERT INTO ABMultiValue VALUES (1, 1, 3, 0, 99, 5551234567)", // dangling label, integer value
		"INSERT INTO ABMultiValue VALUES (2, NULL, 3, 0, NULL, 'orphan')",
		"INSERT INTO ABMultiValue VALUES (3, 1, 999, 0, NULL, 'unknown property')",
		"INSERT INTO ABMultiValue VALUES (4, 1, 5, 0, NULL, NULL)", // address without entries table
	)
	db, err := records.OpenContacts(dbfixture.FS(devicepath.AddressBook, b, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs := cxCollect(t, db)
	if len(cs) != 2 {
		t.Fatalf("got %d contacts", len(cs))
	}
	c := cs[0]
	if c.First != "Ada" || c.Last != "42" || !c.IsOrganization || c.Birthday != "" {
		t.Errorf("contact 1 = %+v", c)
	}
	cxSameTime(t, "created", c.Created, "2023-04-15T14:00:29Z")
	cxSameTime(t, "modified", c.Modified, "2023-04-15T14:00:33Z")
	if want := []records.Labeled{{Value: "5551234567"}}; !reflect.DeepEqual(c.Phones, want) {
		t.Errorf("phones = %+v", c.Phones)
	}
	if want := []records.Address{{}}; !reflect.DeepEqual(c.Addresses, want) {
		t.Errorf("addresses = %+v", c.Addresses)
	}
	if want := []string{`birthday: "not a date" is not a date`, "phones[0]: label 99 is not in ABMultiValueLabel"}; !reflect.DeepEqual(c.Problems, want) {
		t.Errorf("problems = %q", c.Problems)
	}
	if c2 := cs[1]; c2.Birthday != "" || c2.Created != nil || c2.IsOrganization || len(c2.Phones) != 0 {
		t.Errorf("contact 2 = %+v", c2)
	}
	if want := []string{"birthday: 1e+300 is out of range", `created: "x" is not a date`}; !reflect.DeepEqual(cs[1].Problems, want) {
		t.Errorf("contact 2 problems = %q", cs[1].Problems)
	}
}

func TestCallsOddValues(t *testing.T) {
	b := cxBuild(t,
		"CREATE TABLE ZCALLRECORD (Z_PK INTEGER PRIMARY KEY, ZADDRESS, ZDATE TIMESTAMP, ZORIGINATED, ZANSWERED, ZCALLTYPE, ZDURATION)",
		"INSERT INTO ZCALLRECORD VALUES (1, 15551234567, '629844018.5', '1', NULL, 'x', '12.5')",
		"INSERT INTO ZCALLRECORD VALUES (2, X'2b31353535', NULL, NULL, NULL, 16, NULL)",
		"CREATE TABLE ZHANDLE (Z_PK INTEGER PRIMARY KEY, ZVALUE)",
		"CREATE TABLE Z_9REMOTEPARTICIPANTHANDLES (Z_9REMOTEPARTICIPANTCALLS, Z_11REMOTEPARTICIPANTHANDLES)",
		"INSERT INTO ZHANDLE VALUES (1, X'612e62406578616d706c65'), (2, ''), (3, 'c@d')",
		"INSERT INTO Z_9REMOTEPARTICIPANTHANDLES VALUES (1, 1), (1, 2), (1, 3), (1, 77)",
	)
	db, err := records.OpenCalls(dbfixture.FS(devicepath.CallHistory, b, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := cxCalls(t, db)
	if len(got) != 2 {
		t.Fatalf("got %d calls", len(got))
	}
	// NULL dates sort first.
	if c := got[0]; c.ID != 2 || c.Address != "+1555" || c.Date != nil || c.Type != "facetime-audio" || c.Service != "com.apple.FaceTime" || !c.Missed {
		t.Errorf("call 2 = %+v", c)
	}
	c := got[1]
	cxSameTime(t, "date", c.Date, "2020-12-16T20:40:18.5Z")
	if c.ID != 1 || c.Address != "15551234567" || !c.Outgoing || c.Answered || c.Missed || c.Duration != 12.5 || c.Type != "phone" {
		t.Errorf("call 1 = %+v", c)
	}
	if want := []string{"a.b@example", "c@d"}; !reflect.DeepEqual(c.Participants, want) {
		t.Errorf("participants = %q", c.Participants)
	}
}
