package typedstream_test

import (
	"fmt"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/records/typedstream"
)

func ExampleParse() {
	// An attributedBody as Messages stores it: the text, with an
	// attachment placeholder run carrying the attachment's GUID.
	body := dbfixture.AttributedBody("\uFFFCHere is the map", "ATT-GUID-1")

	s, err := typedstream.Parse(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+q\n", s.Text)
	fmt.Println(s.AttachmentGUIDs())
	// Output:
	// "\ufffcHere is the map"
	// [ATT-GUID-1]
}

func ExampleText() {
	text, err := typedstream.Text(dbfixture.AttributedBody("Noter test"))
	fmt.Println(text, err)
	// Output: Noter test <nil>
}
