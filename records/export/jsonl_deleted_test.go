package export

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/records"
)

func TestJSONRecoveryMatchesType(t *testing.T) {
	var orig, view []string
	for f := range reflect.TypeFor[records.Recovery]().Fields() {
		orig = append(orig, f.Name+" "+f.Tag.Get("json"))
	}
	for f := range reflect.TypeFor[jsonRecovery]().Fields() {
		view = append(view, f.Name+" "+f.Tag.Get("json"))
	}
	if !slices.Equal(orig, view) {
		t.Errorf("Recovery and jsonRecovery differ:\n%q\n%q", orig, view)
	}
}

// TestJSONLDeleted: a recovered record states its source database, table,
// page and offset; a live one has neither field.
func TestJSONLDeleted(t *testing.T) {
	when := time.Date(2024, 3, 3, 10, 1, 0, 0, time.UTC)
	live := &records.Call{ID: 1, Address: "+15550001"}
	gone := &records.Call{ID: 2, Address: "+15550002", Deleted: true, Recovered: &records.Recovery{Source: records.RecoveredFreelist,
		Database: "CallHistory.storedata", Table: "ZCALLRECORD", Page: 7, Offset: 3012, FileOffset: 27588, Complete: true}}
	msg := &records.Message{RowID: 3, Deleted: true, Recovered: &records.Recovery{Source: records.RecoveredRecentlyDeleted,
		Database: "sms.db", Table: "chat_recoverable_message_join", Complete: true, DeletedAt: &when}}
	var b bytes.Buffer
	if _, err := JSONL(&b, func(yield func(*records.Call, error) bool) { _ = yield(live, nil) && yield(gone, nil) }); err != nil {
		t.Fatal(err)
	}
	if _, err := JSONL(&b, func(yield func(*records.Message, error) bool) { yield(msg, nil) }); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 || strings.Contains(lines[0], "deleted") || strings.Contains(lines[0], "recovered") {
		t.Fatalf("live line: %s", lines[0])
	}
	for _, want := range []string{`"deleted":true`, `"recovered":{"source":"freelist","database":"CallHistory.storedata","table":"ZCALLRECORD","page":7,"offset":3012,"file_offset":27588,"complete":true}`} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("missing %s in %s", want, lines[1])
		}
	}
	if !strings.Contains(lines[2], `"deleted_at":"2024-03-03T10:01:00.000Z"`) || !strings.Contains(lines[2], `"source":"recently-deleted"`) {
		t.Errorf("message line: %s", lines[2])
	}
}
