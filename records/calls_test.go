package records_test

import (
	"context"
	"errors"
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

var cxT0 = time.Date(2023, 6, 1, 9, 30, 12, 345e6, time.UTC)

func cxIntp(i int) *int { return &i }

// cxCallFixture is given out of date order on purpose.
func cxCallFixture() []dbfixture.CallRecord {
	return []dbfixture.CallRecord{
		{ID: 1, Address: "+19198887386", Name: "", Date: cxT0.Add(2 * time.Hour), Duration: 61.5, Outgoing: true, Answered: true,
			CallType: 1, Country: "us", MCC: "310", UniqueID: "U-OUT", DisconnectedCause: cxIntp(0)},
		{ID: 2, Address: "(919) 555-0101", Name: "Lab", Date: cxT0, Duration: 0, CallType: 1, Country: "us", MCC: "310", UniqueID: "U-MISSED",
			DisconnectedCause: cxIntp(2)},
		{ID: 3, Address: "ada@engines.example", Date: cxT0.Add(time.Hour), Duration: 300, Answered: true, CallType: 8, UniqueID: "U-FTV"},
		{ID: 4, Address: "+447946000958", Date: cxT0.Add(3 * time.Hour), Duration: 12, Outgoing: true, CallType: 16, UniqueID: "U-FTA"},
		{ID: 5, Address: "", Date: cxT0.Add(4 * time.Hour), CallType: 1, UniqueID: "U-UNKNOWN"},
		{ID: 6, Address: "+15550001111", Date: cxT0.Add(5 * time.Hour), Duration: 42, Answered: true, CallType: 1,
			ServiceProvider: "net.whatsapp.WhatsApp", UniqueID: "U-WA"},
		{ID: 7, Address: "+15550002222", Date: cxT0.Add(6 * time.Hour), Duration: 600, Outgoing: true, Answered: true, CallType: 8,
			UniqueID: "U-GROUP", Participants: []string{"+15550002222", "bob@example.org", "+15550003333"}},
	}
}

func cxCalls(t testing.TB, db *records.CallDB) []*records.Call {
	t.Helper()
	var out []*records.Call
	for c, err := range db.Calls(context.Background()) {
		if err != nil {
			t.Fatalf("Calls: %v", err)
		}
		if c.Date != nil {
			// Core Data dates are doubles: at today's dates their last
			// significant digit is ~0.1 µs, so compare to the microsecond.
			d := c.Date.Round(time.Microsecond)
			c.Date = &d
		}
		out = append(out, c)
	}
	return out
}

func TestCallsCoreDataEras(t *testing.T) {
	for _, era := range []dbfixture.CallEra{dbfixture.CallsiOS9, dbfixture.CallsiOS11, dbfixture.CallsiOS14, dbfixture.CallsiOS16} {
		t.Run(era.String(), func(t *testing.T) {
			data := cxT{t}.must(dbfixture.CallHistory(era, cxCallFixture()...))
			db, err := records.OpenCalls(cxMapFS(t, map[string][]byte{devicepath.CallHistory: data}))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			got := cxCalls(t, db)
			d := func(h time.Duration) *time.Time { v := cxT0.Add(h); return &v }
			hasProvider := era >= dbfixture.CallsiOS11
			groups := era >= dbfixture.CallsiOS14
			want := []*records.Call{
				{ID: 2, UniqueID: "U-MISSED", Address: "(919) 555-0101", Name: "Lab", Date: d(0), Missed: true,
					Type: "phone", Service: "com.apple.Telephony", Country: "us", Disconnected: cxIntp(2)},
				{ID: 3, UniqueID: "U-FTV", Address: "ada@engines.example", Date: d(time.Hour), Duration: 300, Answered: true,
					Type: "facetime-video", Service: "com.apple.FaceTime"},
				{ID: 1, UniqueID: "U-OUT", Address: "+19198887386", Date: d(2 * time.Hour), Duration: 61.5, Outgoing: true, Answered: true,
					Type: "phone", Service: "com.apple.Telephony", Country: "us", Disconnected: cxIntp(0)},
				{ID: 4, UniqueID: "U-FTA", Address: "+447946000958", Date: d(3 * time.Hour), Duration: 12, Outgoing: true,
					Type: "facetime-audio", Service: "com.apple.FaceTime"},
				{ID: 5, UniqueID: "U-UNKNOWN", Address: "", Date: d(4 * time.Hour), Missed: true, Type: "phone", Service: "com.apple.Telephony"},
				{ID: 6, UniqueID: "U-WA", Address: "+15550001111", Date: d(5 * time.Hour), Duration: 42, Answered: true,
					Type: "app", Service: "net.whatsapp.WhatsApp"},
				{ID: 7, UniqueID: "U-GROUP", Address: "+15550002222", Date: d(6 * time.Hour), Duration: 600, Outgoing: true, Answered: true,
					Type: "facetime-video", Service: "com.apple.FaceTime",
					Participants: []string{"+15550002222", "bob@example.org", "+15550003333"}},
			}
			if !hasProvider {
				// iOS 9 has no ZSERVICE_PROVIDER: the WhatsApp call looks
				// like a phone call.
				want[5].Type, want[5].Service = "phone", "com.apple.Telephony"
			}
			if !groups {
				want[6].Participants = nil
			}
			if len(got) != len(want) {
				t.Fatalf("got %d calls, want %d", len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("call %d:\n got %+v\nwant %+v", i, got[i], want[i])
				}
			}
			if got[0].Date.Nanosecond() != 345e6 {
				t.Errorf("sub-second date lost: %v", got[0].Date)
			}
		})
	}
}

func TestCallsOldCallHistory(t *testing.T) {
	data := cxT{t}.must(dbfixture.CallHistory(dbfixture.CallsiOS6, cxCallFixture()...))
	db, err := records.OpenCalls(cxMapFS(t, map[string][]byte{devicepath.OldCallHistory: data}))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := cxCalls(t, db)
	if len(got) != 7 {
		t.Fatalf("got %d calls", len(got))
	}
	d := func(h time.Duration) *time.Time { v := cxT0.Add(h).Truncate(time.Second); return &v }
	want := []*records.Call{
		{ID: 2, Address: "(919) 555-0101", Name: "Lab", Date: d(0), Missed: true, Type: "phone", Service: "com.apple.Telephony", MCC: "310"},
		{ID: 3, Address: "ada@engines.example", Date: d(time.Hour), Duration: 300, Answered: true, Type: "facetime-video", Service: "com.apple.FaceTime"},
		// Whole seconds only; answered inferred from the duration.
		{ID: 1, Address: "+19198887386", Date: d(2 * time.Hour), Duration: 62, Outgoing: true, Answered: true, Type: "phone", Service: "com.apple.Telephony", MCC: "310"},
		{ID: 4, Address: "+447946000958", Date: d(3 * time.Hour), Duration: 12, Outgoing: true, Answered: true, Type: "facetime-video", Service: "com.apple.FaceTime"},
		{ID: 5, Date: d(4 * time.Hour), Missed: true, Type: "phone", Service: "com.apple.Telephony"},
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("call %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestCallsFileProbe(t *testing.T) {
	dir := t.TempDir()
	for _, era := range dbfixture.CallEras {
		name := filepath.Join(dir, era.String()+".db")
		if err := os.WriteFile(name, cxT{t}.must(dbfixture.CallHistory(era, cxCallFixture()[:2]...)), 0o600); err != nil {
			t.Fatal(err)
		}
		db, err := records.OpenCallsFile(name)
		if err != nil {
			t.Fatalf("%v: %v", era, err)
		}
		got := cxCalls(t, db)
		db.Close()
		if len(got) != 2 || got[0].Address != "(919) 555-0101" || !got[0].Missed || got[1].Address != "+19198887386" || !got[1].Outgoing {
			t.Errorf("%v: %+v", era, got)
		}
	}
	// A whole-second ZDATE is stored as an INTEGER (NUMERIC affinity of
	// the TIMESTAMP column): it must still be read as seconds since 2001.
	whole := time.Date(2020, 12, 16, 20, 40, 18, 0, time.UTC)
	db, err := records.OpenCalls(dbfixture.FS(devicepath.CallHistory, cxT{t}.must(dbfixture.CallHistory(dbfixture.CallsiOS9, dbfixture.CallRecord{Address: "1", Date: whole, CallType: 1})), nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := cxCalls(t, db); len(got) != 1 || got[0].Date == nil || !got[0].Date.Equal(whole) {
		t.Errorf("whole-second date: %+v", got)
	}
	db.Close()

	ab := cxT{t}.must(dbfixture.AddressBook(dbfixture.ABiOS9))
	var ue *records.UnsupportedError
	if _, err := records.OpenCalls(dbfixture.FS(devicepath.CallHistory, ab, nil)); !errors.As(err, &ue) || ue.Table != "ZCALLRECORD" {
		t.Errorf("address book as call history: %v", err)
	}
	if _, err := records.OpenCalls(fstest.MapFS{}); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("empty FS: %v", err)
	}
	if _, err := records.OpenCallsFile(filepath.Join(dir, "missing")); !errors.Is(err, records.ErrNotFound) {
		t.Errorf("missing file: %v", err)
	}
}

// CallHistoryTemp.storedata holds calls not yet merged into the main
// store; both are read, merged by date, duplicates (same unique id)
// dropped.
func TestCallsMainAndTempMerged(t *testing.T) {
	all := cxCallFixture()
	main := cxT{t}.must(dbfixture.CallHistory(dbfixture.CallsiOS14, all[0], all[1], all[2]))
	tmp := cxT{t}.must(dbfixture.CallHistory(dbfixture.CallsiOS14, all[2], all[3], all[4]))
	db, err := records.OpenCalls(cxMapFS(t, map[string][]byte{devicepath.CallHistory: main, devicepath.CallHistoryTemp: tmp}))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ids []string
	for _, c := range cxCalls(t, db) {
		ids = append(ids, c.UniqueID)
	}
	if want := []string{"U-MISSED", "U-FTV", "U-OUT", "U-FTA", "U-UNKNOWN"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("merged = %v, want %v", ids, want)
	}
	// Stopping early releases both stores.
	for range db.Calls(context.Background()) {
		break
	}
}

// The newest calls may live only in CallHistory.storedata-wal.
func TestCallsWALTail(t *testing.T) {
	all := cxCallFixture()
	base := cxT{t}.must(dbfixture.CallHistory(dbfixture.CallsiOS16, all[:3]...))
	upd := cxT{t}.must(dbfixture.CallHistory(dbfixture.CallsiOS16, all...))
	wal := cxT{t}.must(dbfixture.WAL(base, upd))
	db, err := records.OpenCalls(cxMapFS(t, map[string][]byte{
		devicepath.CallHistory:          dbfixture.WALMode(base),
		devicepath.CallHistory + "-wal": wal,
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := cxCalls(t, db)
	if len(got) != 7 || got[6].UniqueID != "U-GROUP" || len(got[6].Participants) != 3 {
		t.Fatalf("got %d calls; last %+v", len(got), got[len(got)-1])
	}
}
