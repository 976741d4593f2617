package export_test

import (
	"fmt"
	"os"
	"time"

	"github.com/iosbackup/iosbackup/records"
	"github.com/iosbackup/iosbackup/records/export"
)

func ExampleMessagesText() {
	at := func(min int) *time.Time {
		t := time.Date(2024, 2, 29, 18, min, 0, 0, time.UTC)
		return &t
	}
	bo := "+15550002"
	msgs := func(yield func(*records.Message, error) bool) {
		_ = yield(&records.Message{GUID: "A", Date: at(1), Chat: bo, Service: "iMessage", FromMe: true, Text: "Dinner at 8?"}, nil) &&
			yield(&records.Message{GUID: "B", Date: at(2), Chat: bo, Service: "iMessage", Sender: &bo, Text: "Yes!\nI'll bring dessert", ReplyTo: ptr("A")}, nil) &&
			yield(&records.Message{GUID: "C", Date: at(3), Chat: bo, Service: "iMessage", FromMe: true, Reaction: &records.Reaction{Type: "love", Target: "B"}}, nil)
	}
	names := func(handle string) string {
		if handle == bo {
			return "Bo"
		}
		return ""
	}
	st, err := export.MessagesText(os.Stdout, msgs, export.TextOptions{Names: names, Location: time.UTC})
	fmt.Println(st.Written, err)
	// Output:
	// Times are in UTC (UTC+00:00)
	//
	// == Bo (+15550002) [iMessage] ==
	// 2024-02-29 18:01  Me: Dinner at 8?
	// 2024-02-29 18:02  Bo: Yes!
	//                     I'll bring dessert  (reply to “Dinner at 8?”)
	// 2024-02-29 18:03  Me loved “Yes!\nI'll bring dessert”
	// 3 <nil>
}

func ExampleCountProblems() {
	contacts := func(yield func(*records.Contact, error) bool) {
		_ = yield(&records.Contact{ID: 1, First: "Ann"}, nil) &&
			yield(&records.Contact{ID: 2, First: "Bo", Problems: []string{"phones[0]: label 999 is not in ABMultiValueLabel"}}, nil)
	}
	var p export.Problems
	st, err := export.ContactsText(os.Stdout, export.CountProblems(contacts, &p))
	fmt.Println(st.Written, err, p.Records, p.First)
	// Output:
	// Ann
	// Bo
	//     problem  phones[0]: label 999 is not in ABMultiValueLabel
	// 2 <nil> 1 [contact 2: phones[0]: label 999 is not in ABMultiValueLabel]
}

func ptr[T any](v T) *T { return &v }
