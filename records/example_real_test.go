package records_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/iosbackup/iosbackup/records"
)

// Reading a bare AddressBook database: the real iOS 15 one committed under
// testdata/real (MIT-licensed, from a public reference image).
func ExampleOpenContactsFile() {
	db, err := records.OpenContactsFile("../testdata/real/AddressBook-ios15.sqlitedb")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	for c, err := range db.Contacts(context.Background()) {
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		var phones []string
		for _, p := range c.Phones {
			phones = append(phones, p.Label+" "+p.Value)
		}
		fmt.Printf("%d %s [%s]\n", c.ID, records.DisplayName(c), strings.Join(phones, ", "))
	}
	// Output:
	// 1 This Is DFIR Two [Mobile (919) 888-7386]
	// 2 Apple Inc. [Main 1-800-MY-APPLE]
	// 3 This Is DFIR []
	// 4 This DFIR []
	// 5 Liz [Mobile +1 (919) 208-4530]
	// 6 ThisIs DFIRThree []
	// 7 Josh Hickman [Mobile (919) 579-0479, TextNow (919) 391-2507]
	// 8 Thom De'Fer [Mobile (919) 802-7080]
	// 9 This Is DFIR Two [Mobile (919) 888-7386]
}

// Message bodies of recent iOS versions are typedstream blobs in
// attributedBody; the reader decodes them. The database committed under
// testdata/real holds four real bodies.
func ExampleOpenMessagesFile() {
	db, err := records.OpenMessagesFile("../testdata/real/sms-real-bodies.db")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	for m, err := range db.Messages(context.Background()) {
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		who := "me"
		if m.Sender != nil {
			who = *m.Sender
		}
		text := m.Text
		if len(text) > 40 {
			text = text[:40] + "…"
		}
		fmt.Printf("%s %s: %s\n", m.Date.Format("2006-01-02 15:04"), who, text)
	}
	// Output:
	// 2023-03-08 20:27 +15550109999: Y
	// 2023-03-08 20:28 me: Ok, np, thanks for trying
	// 2023-03-08 20:29 +15550109999: I am ok with not having Charlie since he…
	// 2023-03-08 20:30 +15550109999: Reacted 😒 to “No treats ”
}
