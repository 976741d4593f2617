package records_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/iosbackup/iosbackup/backup"
	"github.com/iosbackup/iosbackup/records"
)

// Naming the calls of a backup after its contacts: the encrypted sample
// backup that `ibackup demo` embeds, committed in the repository.
func ExampleResolver() {
	b, err := backup.Open("../cmd/ibackup/testdata/demo")
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	if err := b.Unlock(context.Background(), "ibackup-demo"); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	contacts, err := records.OpenContacts(b)
	if err != nil {
		log.Fatal(err)
	}
	defer contacts.Close()
	names, err := records.NewResolver(contacts.Contacts(ctx), records.WithRegion("US"))
	if err != nil {
		log.Fatal(err)
	}
	db, err := records.OpenCalls(b)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	for c, err := range names.NameCalls(db.Calls(ctx)) {
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println(c.Date.UTC().Format(time.DateTime), c.Type, c.Address, c.Name, c.Missed)
	}
	// Output:
	// 2024-05-30 09:15:00 phone +15550100001 Alice Martin false
	// 2024-05-30 12:40:00 phone +15550100002 Bob Chen true
	// 2024-05-31 20:05:00 facetime-video carol@example.org Carol Diaz false
	// 2024-05-31 21:00:00 facetime-audio +15550100002 Bob Chen false
	// 2024-06-01 08:45:00 phone +15550109999  false
}
