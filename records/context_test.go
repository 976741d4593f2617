package records

import (
	"context"
	"errors"
	"testing"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
)

// TestIteratorsStopOnContext checks that a done context interrupts the
// messages, contacts and calls readers: no record, and an error that
// wraps the context's.
func TestIteratorsStopOnContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	check := func(what string, n int, err error) {
		t.Helper()
		if n != 0 || !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %d records, error %v; want none and context.Canceled", what, n, err)
		}
	}

	mdb, err := OpenMessagesFile("../testdata/real/sms-real-bodies.db")
	if err != nil {
		t.Fatal(err)
	}
	defer mdb.Close()
	n, last := 0, error(nil)
	for m, err := range mdb.Messages(ctx) {
		if m != nil {
			n++
		}
		if err != nil {
			last = err
		}
	}
	check("messages", n, last)

	cdb, err := OpenContactsFile("../testdata/real/AddressBook-ios15.sqlitedb")
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	n, last = 0, nil
	for c, err := range cdb.Contacts(ctx) {
		if c != nil {
			n++
		}
		if err != nil {
			last = err
		}
	}
	check("contacts", n, last)

	img, err := dbfixture.CallHistory(dbfixture.CallsiOS16, dbfixture.CallRecord{Address: "+15551230000", Duration: 5})
	if err != nil {
		t.Fatal(err)
	}
	kdb, err := OpenCalls(dbfixture.FS(devicepath.CallHistory, img, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer kdb.Close()
	n, last = 0, nil
	for c, err := range kdb.Calls(ctx) {
		if c != nil {
			n++
		}
		if err != nil {
			last = err
		}
	}
	check("calls", n, last)
}
