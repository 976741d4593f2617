package records_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/iosbackup/iosbackup/backup"
	"github.com/iosbackup/iosbackup/records"
)

// Reading the messages of a backup: the encrypted sample backup that
// `ibackup demo` embeds, committed in the repository.
func ExampleMessageDB_Messages() {
	b, err := backup.Open("../cmd/ibackup/testdata/demo")
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	if err := b.Unlock(context.Background(), "ibackup-demo"); err != nil {
		log.Fatal(err)
	}
	db, err := records.OpenMessages(b)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	for m, err := range db.MessagesInChat(context.Background(), "+15550100001") {
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		who := "me"
		if m.Sender != nil {
			who = *m.Sender
		}
		fmt.Printf("%s %s: %s", m.Date.UTC().Format(time.DateTime), who, m.Text)
		if m.Reaction != nil {
			fmt.Printf(" [%s]", m.Reaction.Type)
		}
		fmt.Println()
	}
	// Output:
	// 2024-05-30 17:55:00 +15550100001: Hi! Are we still on for Saturday?
	// 2024-05-30 17:58:00 me: Yes! 9am at the trailhead.
	// 2024-05-30 18:01:00 +15550100001: Loved “Yes! 9am at the trailhead.” [love]
}
