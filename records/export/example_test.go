package export_test

import (
	"iter"
	"os"
	"time"

	"github.com/iosbackup/iosbackup/records"
	"github.com/iosbackup/iosbackup/records/export"
)

func ExampleJSONL() {
	date := time.Date(2023, 5, 1, 9, 30, 12, 345678000, time.UTC)
	calls := func(yield func(*records.Call, error) bool) {
		yield(&records.Call{ID: 1, Address: "+15550100", Date: &date, Duration: 42.5, Outgoing: true, Answered: true, Type: "phone"}, nil)
	}
	st, err := export.JSONL(os.Stdout, iter.Seq2[*records.Call, error](calls))
	if err != nil || st.Written != 1 {
		panic(err)
	}
	// Output:
	// {"id":1,"address":"+15550100","name":null,"date":"2023-05-01T09:30:12.345Z","duration":42.5,"outgoing":true,"answered":true,"missed":false,"type":"phone","service":"","country":null,"mobile_country_code":null,"problems":null}
}
