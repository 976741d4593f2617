package records_test

import (
	"fmt"
	"testing/fstest"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/records"
)

func ExampleMessageDB_Messages() {
	// A tiny iOS 17 sms.db whose text column is NULL, as on recent devices:
	// the text is decoded from attributedBody.
	img, err := dbfixture.SMS(dbfixture.SMSiOS18, dbfixture.SMSData{
		Handles: []dbfixture.SMSHandle{{RowID: 1, ID: "+15551234567"}},
		Chats: []dbfixture.SMSChat{{RowID: 1, GUID: "iMessage;-;+15551234567", Identifier: "+15551234567",
			Service: "iMessage", Handles: []int64{1}}},
		Messages: []dbfixture.SMSMessage{
			{RowID: 1, GUID: "A", Text: "Lunch?", Handle: 1, Service: "iMessage", Chats: []int64{1},
				Date: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)},
			{RowID: 2, GUID: "B", Text: "Loved “Lunch?”", FromMe: true, Service: "iMessage", Chats: []int64{1},
				Date: time.Date(2024, 3, 1, 12, 1, 0, 0, time.UTC), AssociatedGUID: "p:0/A", AssociatedType: 2000},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	db, err := records.OpenMessages(fstest.MapFS{records.SMSPath: {Data: img}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	for m, err := range db.Messages() {
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		who := "me"
		if m.Sender != nil {
			who = *m.Sender
		}
		fmt.Printf("%s %s %s: %s", m.Date.Format(time.DateTime), m.Chat, who, m.Text)
		if m.Reaction != nil {
			fmt.Printf(" [%s on %s]", m.Reaction.Type, m.Reaction.Target)
		}
		fmt.Println()
	}
	// Output:
	// 2024-03-01 12:00:00 +15551234567 +15551234567: Lunch?
	// 2024-03-01 12:01:00 +15551234567 me: Loved “Lunch?” [love on A]
}
