package records_test

import (
	"context"
	"errors"
	"iter"
	"testing"
	"testing/fstest"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/internal/realdata"
	"github.com/iosbackup/iosbackup/records"
)

// stopsOn checks that seq honours its context: done before the loop, it
// yields no record and an error wrapping context.Canceled; done after the
// first record, it yields no other record and ends with that error. The
// sequence must hold at least two records.
func stopsOn[T any](t *testing.T, name string, seq func(context.Context) iter.Seq2[*T, error]) {
	t.Helper()
	all := 0
	for v, err := range seq(context.Background()) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if v != nil {
			all++
		}
	}
	if all < 2 {
		t.Fatalf("%s: %d records; the test needs two or more", name, all)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n, last := 0, error(nil)
	for v, err := range seq(ctx) {
		if v != nil {
			n++
		}
		if err != nil {
			last = err
		}
	}
	if n != 0 || !errors.Is(last, context.Canceled) {
		t.Errorf("%s, context done before: %d records, last error %v; want none and context.Canceled", name, n, last)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	n, last = 0, nil
	for v, err := range seq(ctx) {
		if v != nil {
			n++
			cancel()
		}
		if err != nil {
			last = err
		}
	}
	if n != 1 || !errors.Is(last, context.Canceled) {
		t.Errorf("%s, context done after the first record: %d records of %d, last error %v; want 1 and context.Canceled", name, n, all, last)
	}
}

// TestIteratorsStopOnContext runs stopsOn over every iterator of the
// package: the record readers and the recovery of deleted records.
func TestIteratorsStopOnContext(t *testing.T) {
	mdb, err := records.OpenMessagesFile("../testdata/real/sms-real-bodies.db")
	if err != nil {
		t.Fatal(err)
	}
	defer mdb.Close()
	stopsOn(t, "Messages", mdb.Messages)
	chats, err := mdb.Chats()
	if err != nil || len(chats) == 0 {
		t.Fatalf("chats: %v, %v", chats, err)
	}
	stopsOn(t, "MessagesInChat", func(ctx context.Context) iter.Seq2[*records.Message, error] {
		return mdb.MessagesInChat(ctx, chats[0].Identifier)
	})

	cdb, err := records.OpenContactsFile("../testdata/real/AddressBook-ios15.sqlitedb")
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	stopsOn(t, "Contacts", cdb.Contacts)

	at := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	img, err := dbfixture.CallHistory(dbfixture.CallsiOS16,
		dbfixture.CallRecord{Address: "+15551230000", Date: at, Duration: 5},
		dbfixture.CallRecord{Address: "+15551230001", Date: at.Add(time.Hour), Duration: 7})
	if err != nil {
		t.Fatal(err)
	}
	kdb, err := records.OpenCalls(dbfixture.FS(devicepath.CallHistory, img, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer kdb.Close()
	stopsOn(t, "Calls", kdb.Calls)

	cal, err := dbfixture.Calendar(dbfixture.CaliOS18, sampleCalendar())
	if err != nil {
		t.Fatal(err)
	}
	edb, err := records.OpenCalendar(dbfixture.FS(devicepath.Calendar, cal, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer edb.Close()
	stopsOn(t, "Events", edb.Events)

	store, err := dbfixture.Reminders(dbfixture.RemiOS18, sampleReminders())
	if err != nil {
		t.Fatal(err)
	}
	rdb, err := records.OpenReminders(fstest.MapFS{devicepath.RemindersStores + "/Data-local.sqlite": {Data: store}})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	stopsOn(t, "Reminders", rdb.Reminders)

	pdb, err := records.OpenMessagesFile(realdata.Path(t, "Presentations", "sms.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	stopsOn(t, "MessageDB.Recovered", pdb.Recovered)
}
