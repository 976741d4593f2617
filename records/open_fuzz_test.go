package records

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/internal/fuzzcorpus"
	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

// openSeeds are the seeds of FuzzOpenRecords: real-shaped databases of
// each reader (one with a WAL), and the hostile inputs of the tests.
func openSeeds(tb testing.TB) [][2][]byte {
	tb.Helper()
	must := func(b []byte, err error) []byte {
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	base, tail := fxScenario(dbfixture.SMSiOS16)
	smsMain, smsWAL, err := dbfixture.SMSWithWAL(dbfixture.SMSiOS16, base, tail)
	if err != nil {
		tb.Fatal(err)
	}
	ab := must(dbfixture.AddressBook(dbfixture.ABMinimal, dbfixture.Person{First: "Ann", Last: "Lee"}))
	calls := must(dbfixture.CallHistory(dbfixture.CallsiOS14, dbfixture.CallRecord{Address: "+15551234567", Date: time.Unix(1700000000, 0), Duration: 61, Answered: true, CallType: 1}))
	oldCalls := must(dbfixture.CallHistory(dbfixture.CallsiOS6, dbfixture.CallRecord{Address: "5551234", Date: time.Unix(1300000000, 0), Duration: 5}))
	// A page size of 65536 in the header of a one-page file.
	bigPage := bytes.Clone(buildDB(tb, "CREATE TABLE message(ROWID INTEGER PRIMARY KEY, text)"))
	binary.BigEndian.PutUint16(bigPage[16:], 1)
	// A WAL with a valid magic and page size, and garbage after.
	bogusWAL := make([]byte, 32+24+4096)
	binary.BigEndian.PutUint32(bogusWAL[0:], 0x377f0683)
	binary.BigEndian.PutUint32(bogusWAL[8:], 4096)
	for i := 32; i < len(bogusWAL); i++ {
		bogusWAL[i] = byte(i * 7)
	}
	seeds := [][2][]byte{
		{smsMain, smsWAL},
		{ab, nil},
		{calls, nil},
		{oldCalls, bogusWAL},
		{bigPage, nil},
	}
	for _, c := range hostileDBs {
		seeds = append(seeds, [2][]byte{buildDB(tb, c.schema), nil})
	}
	seeds = append(seeds, [2][]byte{buildDB(tb, "CREATE TABLE message(ROWID INTEGER PRIMARY KEY, b); INSERT INTO message(b) VALUES (1500000000);"+
		"PRAGMA writable_schema=ON; UPDATE sqlite_master SET sql='CREATE TABLE message(ROWID INTEGER PRIMARY KEY, b, text AS (printf(''%.*c'', b, ''x'')))' WHERE name='message'"), nil})
	return seeds
}

// maxFuzzRecords bounds how many records each reader yields per input.
const maxFuzzRecords = 50

// FuzzOpenRecords opens database bytes (and WAL bytes) with each record
// reader, as a backup's sms.db, AddressBook or CallHistory would be, and
// reads a few records. Nothing may panic; every failure to open must be a
// *DatabaseError or ErrNotFound, and SQLite's heap is
// held to 256 MiB, a step to 20 million instructions, a query to 1 s, all
// queries on one database to 3 s.
func FuzzOpenRecords(f *testing.F) {
	// Hostile inputs end within a fraction of the normal bounds.
	prev := sqlitemem.SetHeapLimit(256 << 20)
	restore := sqlitemem.SetBudgets(20_000_000, time.Second, 3*time.Second)
	f.Cleanup(func() {
		restore()
		sqlitemem.SetHeapLimit(prev)
	})
	for _, s := range openSeeds(f) {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, main, wal []byte) {
		if len(main) > 1<<20 || len(wal) > 1<<20 {
			return
		}
		check := func(what string, err error) {
			if err == nil {
				return
			}
			var de *DatabaseError
			var re *RowError
			var ue *UnsupportedError
			if errors.As(err, &de) || errors.As(err, &re) || errors.As(err, &ue) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrLimit) {
				return
			}
			t.Errorf("%s: untyped error %v (%T)", what, err, err)
		}
		if m, err := OpenMessages(dbfixture.FS(devicepath.SMS, main, wal)); err != nil {
			check("OpenMessages", err)
		} else {
			n := 0
			for _, err := range m.Messages(context.Background()) {
				_ = err // the readers' own error shapes are theirs to test
				if n++; n >= maxFuzzRecords {
					break
				}
			}
			m.Close()
		}
		if c, err := OpenContacts(dbfixture.FS(devicepath.AddressBook, main, wal)); err != nil {
			check("OpenContacts", err)
		} else {
			n := 0
			for _, err := range c.Contacts(context.Background()) {
				_ = err // the readers' own error shapes are theirs to test
				if n++; n >= maxFuzzRecords {
					break
				}
			}
			c.Close()
		}
		if c, err := OpenCalls(dbfixture.FS(devicepath.CallHistory, main, wal)); err != nil {
			check("OpenCalls", err)
		} else {
			n := 0
			for _, err := range c.Calls(context.Background()) {
				_ = err // the readers' own error shapes are theirs to test
				if n++; n >= maxFuzzRecords {
					break
				}
			}
			c.Close()
		}
	})
}

func TestOpenFuzzCorpus(t *testing.T) {
	var seeds [][]any
	for _, s := range openSeeds(t) {
		seeds = append(seeds, []any{s[0], s[1]})
	}
	fuzzcorpus.Check(t, "FuzzOpenRecords", seeds)
}
