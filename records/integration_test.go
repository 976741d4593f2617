package records_test

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/backup"
	"github.com/iosbackup/iosbackup/internal/backuptest"
	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/records"
)

// TestFromEncryptedBackup reads every record type through a synthetic
// encrypted iOS 17 backup: sms.db with a WAL-only message and an attachment
// payload, AddressBook, CallHistory.
func TestFromEncryptedBackup(t *testing.T) {
	t0 := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	base := dbfixture.SMSData{
		Handles: []dbfixture.SMSHandle{{RowID: 1, ID: "+15551230001"}},
		Chats:   []dbfixture.SMSChat{{RowID: 1, GUID: "iMessage;-;+15551230001", Identifier: "+15551230001", Service: "iMessage", Handles: []int64{1}}},
		Attachments: []dbfixture.SMSAttachment{{RowID: 1, GUID: "ATT-1", Filename: "~/Library/SMS/Attachments/aa/01/ATT-1/IMG_0001.JPG",
			MIME: "image/jpeg", TransferName: "IMG_0001.JPG", Size: 4, Created: t0}},
		Messages: []dbfixture.SMSMessage{
			{RowID: 1, GUID: "M1", Text: "Hi Ada", Handle: 1, Service: "iMessage", Date: t0, Chats: []int64{1}},
			{RowID: 2, GUID: "M2", Text: "\uFFFC", Handle: 1, FromMe: true, Service: "iMessage", Date: t0.Add(time.Minute), Chats: []int64{1}, Attachments: []int64{1}},
		},
	}
	tail := dbfixture.SMSData{Messages: []dbfixture.SMSMessage{
		{RowID: 3, GUID: "M3", Text: "only in the WAL", Handle: 1, Service: "iMessage", Date: t0.Add(2 * time.Minute), Chats: []int64{1}}}}
	sms, wal, err := dbfixture.SMSWithWAL(dbfixture.SMSiOS18, base, tail)
	if err != nil {
		t.Fatal(err)
	}
	ab, err := dbfixture.AddressBook(dbfixture.ABiOS15, dbfixture.Person{ID: 1, First: "Ada", Last: "Lovelace",
		Phones: []dbfixture.Value{{Label: dbfixture.SystemLabel("Mobile"), Value: "(555) 123-0001"}}, Created: t0, Modified: t0})
	if err != nil {
		t.Fatal(err)
	}
	calls, err := dbfixture.CallHistory(dbfixture.CallsiOS14,
		dbfixture.CallRecord{Address: "+15551230001", Date: t0, Duration: 62, Outgoing: true, Answered: true, CallType: 1, Country: "us"},
		dbfixture.CallRecord{Address: "+15551230001", Date: t0.Add(time.Hour), CallType: 16, Country: "us"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, err = backuptest.Write(dir, backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "pw"}, []backuptest.File{
		{Domain: "HomeDomain", Path: "Library/SMS/sms.db", Data: sms},
		{Domain: "HomeDomain", Path: "Library/SMS/sms.db-wal", Data: wal},
		{Domain: "MediaDomain", Path: "Library/SMS/Attachments/aa/01/ATT-1/IMG_0001.JPG", Data: []byte{0xff, 0xd8, 0xff, 0xd9}},
		{Domain: "HomeDomain", Path: "Library/AddressBook/AddressBook.sqlitedb", Data: ab},
		{Domain: "HomeDomain", Path: "Library/CallHistoryDB/CallHistory.storedata", Data: calls},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := backup.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := records.OpenMessages(b); err == nil {
		t.Fatal("messages of a locked backup opened")
	}
	if err := b.Unlock(context.Background(), "pw"); err != nil {
		t.Fatal(err)
	}

	cdb, err := records.OpenContacts(b)
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	res, err := records.NewResolver(cdb.Contacts(context.Background()))
	if err != nil {
		t.Fatal(err)
	}

	mdb, err := records.OpenMessages(b)
	if err != nil {
		t.Fatal(err)
	}
	defer mdb.Close()
	var got []*records.Message
	for m, err := range mdb.Messages(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	if len(got) != 3 || got[2].Text != "only in the WAL" || got[0].Text != "Hi Ada" || *got[0].Sender != "+15551230001" {
		t.Fatalf("messages %+v", got)
	}
	if res.Name(*got[0].Sender) != "Ada Lovelace" {
		t.Fatalf("sender name %q", res.Name(*got[0].Sender))
	}
	att := got[1].Attachments
	if len(att) != 1 || att[0].Missing || att[0].Domain != "MediaDomain" || att[0].MIME != "image/jpeg" {
		t.Fatalf("attachment %+v", att)
	}
	data, err := fs.ReadFile(b, att[0].Domain+"/"+att[0].Path)
	if err != nil || len(data) != 4 {
		t.Fatalf("attachment bytes: %v %v", data, err)
	}

	kdb, err := records.OpenCalls(b)
	if err != nil {
		t.Fatal(err)
	}
	defer kdb.Close()
	var cs []*records.Call
	for c, err := range kdb.Calls(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	if len(cs) != 2 || !cs[0].Outgoing || cs[0].Duration != 62 || cs[0].Type != "phone" || !cs[1].Missed || cs[1].Type != "facetime-audio" ||
		!cs[0].Date.Equal(t0) || res.Name(cs[1].Address) != "Ada Lovelace" {
		t.Fatalf("calls %+v %+v", cs[0], cs[1])
	}
}
