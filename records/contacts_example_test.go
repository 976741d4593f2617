package records_test

import (
	"context"
	"fmt"
	"testing/fstest"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/records"
)

func ExampleResolver() {
	ab, _ := dbfixture.AddressBook(dbfixture.ABiOS15, dbfixture.Person{ID: 1, First: "Ada", Last: "Lovelace",
		Phones: []dbfixture.Value{{Label: dbfixture.SystemLabel("Mobile"), Value: "(555) 123-0001"}}})
	calls, _ := dbfixture.CallHistory(dbfixture.CallsiOS14,
		dbfixture.CallRecord{Address: "+15551230001", Date: time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC), CallType: 1, Country: "us"})
	fsys := fstest.MapFS{
		devicepath.AddressBook: {Data: ab},
		devicepath.CallHistory: {Data: calls},
	}

	contacts, err := records.OpenContacts(fsys)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer contacts.Close()
	names, err := records.NewResolver(contacts.Contacts(context.Background()))
	if err != nil {
		fmt.Println(err)
		return
	}
	db, err := records.OpenCalls(fsys)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	for c, err := range db.Calls(context.Background()) {
		if err != nil {
			continue
		}
		fmt.Println(c.Date.Format(time.DateTime), c.Type, c.Address, names.Name(c.Address), c.Missed)
	}
	// Output: 2024-03-01 09:00:00 phone +15551230001 Ada Lovelace true
}
