package typedstream_test

import (
	"fmt"
	"os"

	"github.com/iosbackup/iosbackup/records/typedstream"
)

func ExampleParse() {
	// An attributedBody as Messages stores it (the attributedBody column
	// of sms.db's message table): the text, with an attachment
	// placeholder run carrying the attachment's GUID.
	body, err := os.ReadFile("testdata/attachment.typedstream")
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := typedstream.Parse(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+q\n", s.Text)
	fmt.Println(s.AttachmentGUIDs())
	for _, r := range s.Runs {
		fmt.Printf("%d+%d %+q part %v\n", r.Start, r.Length, s.RunText(r), r.Attributes[typedstream.AttrMessagePart])
	}
	// Output:
	// "\ufffcHere is the map"
	// [ATT-GUID-1]
	// 0+1 "\ufffc" part 0
	// 1+15 "Here is the map" part 1
}

func ExampleText() {
	body, err := os.ReadFile("testdata/text.typedstream")
	if err != nil {
		fmt.Println(err)
		return
	}
	text, err := typedstream.Text(body)
	fmt.Println(text, err)
	// Output: Lunch at noon? <nil>
}
