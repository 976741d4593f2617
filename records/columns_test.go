package records

import (
	"slices"
	"testing"
)

// TestColumnTables checks every reader's column table: each column's
// index is its place, names are not repeated, and the required columns
// are those the schema check names, in the order of its errors.
func TestColumnTables(t *testing.T) {
	for _, tc := range []struct {
		name     string
		table    columnTable
		required []string
	}{
		{"ABPerson", personColumns, []string{"First", "Last"}},
		{"ABMultiValue", multiValueColumns, []string{"record_id", "property", "value"}},
		{"ZCALLRECORD", zcallColumns, []string{"ZADDRESS", "ZDATE", "ZDURATION", "ZORIGINATED", "ZANSWERED"}},
		{"call", legacyCallColumns, []string{"address", "date", "duration", "flags"}},
		{"CalendarItem", calendarItemColumns, []string{"summary", "start_date", "end_date", "all_day", "calendar_id"}},
		{"ZREMCDREMINDER", reminderColumns, []string{"ZTITLE", "Z_PK", "ZCOMPLETED", "ZDUEDATE", "ZPRIORITY", "ZLIST"}},
		{"message", messageColumns, []string{"date", "is_from_me", "handle_id"}},
		{"chat", chatColumns, []string{"chat_identifier"}},
		{"attachment", messageAttachmentColumns, []string{"filename"}},
		{"message (iOS 3-5)", madridColumns, []string{"address", "date", "text", "flags"}},
		{"ZREMCDBASELIST", listColumns, nil},
		{"ZREMCDOBJECT", objectColumns, nil},
		{"madrid_chat", madridChatColumns, []string{"chat_identifier"}},
		{"madrid_attachment", madridAttachmentColumns, []string{"message_id", "filename"}},
		{"Store", storeColumns, []string{"name"}},
		{"Calendar", calendarColumns, []string{"title"}},
		{"Location", locationColumns, []string{"title"}},
		{"Identity", identityColumns, nil},
		{"Participant", participantColumns, []string{"owner_id"}},
		{"Recurrence", recurrenceColumns, []string{"frequency", "owner_id"}},
		{"ExceptionDate", exceptionColumns, []string{"date", "owner_id"}},
		{"Alarm", alarmColumns, nil},
		{"AttachmentFile", attachmentFileColumns, []string{"filename"}},
		{"Attachment", attachmentColumns, []string{"owner_id"}},
	} {
		seen := map[string]bool{}
		for i, c := range tc.table {
			if *c.at != i {
				t.Errorf("%s: column %s has index %d at place %d", tc.name, c.name, *c.at, i)
			}
			key := c.name + "\x00" + c.expr
			if c.name == "" || seen[key] {
				t.Errorf("%s: column %q empty or repeated", tc.name, c.name)
			}
			seen[key] = true
			if c.expr != "" && (c.on == "" || c.required) {
				t.Errorf("%s: joined column %s without a condition, or required", tc.name, c.name)
			}
		}
		if got := tc.table.missing(nil); !slices.Equal(got, tc.required) {
			t.Errorf("%s: required %q, want %q", tc.name, got, tc.required)
		}
	}
	if got := columnsFor("ZTITLE1").missing(map[string]bool{"Z_PK": true, "ZCOMPLETED": true, "ZDUEDATE": true, "ZPRIORITY": true, "ZLIST": true, "ZTITLE": true}); !slices.Equal(got, []string{"ZTITLE1"}) {
		t.Errorf("iOS 13 store without ZTITLE1: missing %q", got)
	}
}
