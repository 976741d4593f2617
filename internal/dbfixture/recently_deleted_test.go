package dbfixture

import (
	"testing"
	"time"
)

// TestSMSRecentlyDeleted: the message stays in message, its chat link
// moves to chat_recoverable_message_join, its parts and tombstones are
// written with the real schema.
func TestSMSRecentlyDeleted(t *testing.T) {
	at := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	data := SMSData{
		Handles: []SMSHandle{{RowID: 1, ID: "+15550001111"}},
		Chats:   []SMSChat{{RowID: 1, GUID: "iMessage;-;+15550001111", Identifier: "+15550001111", Service: "iMessage", Handles: []int64{1}}},
		Messages: []SMSMessage{
			{RowID: 1, GUID: "M1", Text: "kept", Handle: 1, Date: at, Chats: []int64{1}},
			{RowID: 2, GUID: "M2", Text: "binned", Handle: 1, Date: at.Add(time.Minute), Chats: []int64{1}},
			{RowID: 3, GUID: "M3", Text: "gone", Handle: 1, Date: at.Add(2 * time.Minute), Chats: []int64{1}},
		},
	}
	img, err := SMSRecentlyDeleted(SMSiOS16, data, []SMSRecoverable{
		{Message: 2, Chat: 1, Deleted: at.Add(time.Hour), Parts: []string{"binned"}},
		{Message: 3, Chat: 1, Deleted: at.Add(2 * time.Hour), Parts: []string{"gone"}, DropMessageRow: true},
	}, []string{"M0"})
	if err != nil {
		t.Fatal(err)
	}
	db := fxOpen(t, func() ([]byte, error) { return img, nil })
	for q, want := range map[string]int{
		"SELECT count(*) FROM message":                                                      2,
		"SELECT count(*) FROM chat_message_join":                                            1,
		"SELECT count(*) FROM chat_recoverable_message_join WHERE chat_id = 1":              2,
		"SELECT count(*) FROM recoverable_message_part WHERE part_index = 0":                2,
		"SELECT count(*) FROM deleted_messages WHERE guid = 'M0'":                           1,
		"SELECT count(*) FROM sync_deleted_messages WHERE guid = 'M0' AND recordID IS NULL": 1,
		"SELECT count(*) FROM pragma_table_info('recoverable_message_part')":                6,
		"SELECT count(*) FROM pragma_table_info('chat_recoverable_message_join')":           4,
		"SELECT count(*) FROM pragma_table_info('unsynced_removed_recoverable_messages')":   4,
		"SELECT delete_date FROM chat_recoverable_message_join WHERE message_id = 2":        int((at.Add(time.Hour).Unix() - 978307200) * 1e9),
	} {
		if got := fxScalar[int](t, db, q); got != want {
			t.Errorf("%s: %d, want %d", q, got, want)
		}
	}
	if _, err := SMSRecentlyDeleted(SMSiOS14, data, nil, nil); err == nil {
		t.Error("an iOS 14 database got a Recently Deleted folder")
	}
}
