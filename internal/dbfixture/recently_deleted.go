package dbfixture

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

// The Recently Deleted tables of sms.db (iOS 16 and later; macOS 13 and
// later share the schema), exactly as a chat.db ".schema" dump prints
// them. Source: the ".schema | grep CREATE TABLE" listing kept at the end
// of a public Ruby project's chat.db reader (imsg-grep), cross-checked
// with the recoverable_message_part and chat_recoverable_message_join
// definitions in other public schema dumps (savquinn/savs_ai
// project_information/chat_db_info.md lists the same tables).
var recentlyDeletedDDL = []string{
	`CREATE TABLE deleted_messages (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL)`,
	`CREATE TABLE sync_deleted_messages (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL, recordID TEXT )`,
	`CREATE TABLE chat_recoverable_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, delete_date INTEGER, ck_sync_state INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id), CHECK (delete_date != 0))`,
	`CREATE TABLE unsynced_removed_recoverable_messages (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, chat_guid TEXT NOT NULL, message_guid TEXT NOT NULL, part_index INTEGER)`,
	`CREATE TABLE recoverable_message_part (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, part_index INTEGER, delete_date INTEGER, part_text BLOB NOT NULL, ck_sync_state INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id, part_index), CHECK (delete_date != 0))`,
}

// SMSRecoverable is a message in the Recently Deleted folder.
type SMSRecoverable struct {
	Message int64     // message ROWID; its row stays in message
	Chat    int64     // the chat it was deleted from
	Deleted time.Time // delete_date
	// Parts are the texts of its recoverable_message_part rows, stored as
	// attributedBody typedstreams, in part order.
	Parts []string
	// DropMessageRow removes the message row itself, leaving only the
	// chat_recoverable_message_join and part rows.
	DropMessageRow bool
}

// SMSRecentlyDeleted builds an sms.db of an iOS 16+ era holding data,
// with the Recently Deleted tables, and moves each recoverable message
// out of its chat the way the phone does: its chat_message_join row is
// deleted and a chat_recoverable_message_join row (and its parts) added.
// Purged guids are tombstones of messages deleted for good, written to
// deleted_messages and sync_deleted_messages.
func SMSRecentlyDeleted(era SMSEra, data SMSData, rec []SMSRecoverable, purged []string) ([]byte, error) {
	if era < SMSiOS16 {
		return nil, fmt.Errorf("dbfixture: Recently Deleted needs an iOS 16+ era, not %v", era)
	}
	s, ok := smsSchemas[era]
	if !ok {
		return nil, fmt.Errorf("dbfixture: unknown sms era %d", era)
	}
	return sqlitemem.Build(func(c *sql.Conn) error {
		ctx := context.Background()
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for _, stmt := range append(s.ddl(false, false), recentlyDeletedDDL...) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("dbfixture: %s: %w", stmt, err)
			}
		}
		if err := insertSMS(ctx, tx, era, s, data); err != nil {
			return err
		}
		for _, r := range rec {
			del := cocoaDate(era, r.Deleted)
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{"DELETE FROM chat_message_join WHERE chat_id = ? AND message_id = ?", []any{r.Chat, r.Message}},
				{"INSERT INTO chat_recoverable_message_join (chat_id, message_id, delete_date) VALUES (?, ?, ?)", []any{r.Chat, r.Message, del}},
			} {
				if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
					return fmt.Errorf("dbfixture: %s: %w", q.sql, err)
				}
			}
			for i, p := range r.Parts {
				if _, err := tx.ExecContext(ctx, "INSERT INTO recoverable_message_part (chat_id, message_id, part_index, delete_date, part_text) VALUES (?, ?, ?, ?, ?)",
					r.Chat, r.Message, i, del, AttributedBody(p)); err != nil {
					return fmt.Errorf("dbfixture: recoverable_message_part: %w", err)
				}
			}
			if r.DropMessageRow {
				if _, err := tx.ExecContext(ctx, "DELETE FROM message WHERE ROWID = ?", r.Message); err != nil {
					return err
				}
			}
		}
		for _, g := range purged {
			if _, err := tx.ExecContext(ctx, "INSERT INTO deleted_messages (guid) VALUES (?)", g); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO sync_deleted_messages (guid, recordID) VALUES (?, NULL)", g); err != nil {
				return err
			}
		}
		return tx.Commit()
	})
}
