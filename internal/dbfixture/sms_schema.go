package dbfixture

import "strings"

// Column lists of the sms.db tables per era. Types: the columns listed in
// smsText are TEXT, in smsBlob BLOB, the others INTEGER DEFAULT 0.
const (
	msgIOS6 = "ROWID guid text replace service_center handle_id subject country attributedBody version type service account account_guid error date date_read date_delivered is_delivered is_finished is_emote is_from_me is_empty is_delayed is_auto_reply is_prepared is_read is_system_message is_sent has_dd_results is_service_message is_forward was_downgraded is_archive cache_has_attachments cache_roomnames was_data_detected was_deduplicated"
	msgIOS9 = msgIOS6 + " is_audio_message is_played date_played item_type other_handle group_title group_action_type share_status share_direction is_expirable expire_state message_action_type message_source"
	// iOS 10 additions plus iOS 11 ones, as in a real iOS 13 sms.db.
	msgIOS11 = msgIOS9 + " associated_message_guid associated_message_type balloon_bundle_id payload_data expressive_send_style_id associated_message_range_location associated_message_range_length time_expressive_send_played message_summary_info ck_sync_state ck_record_id ck_record_change_tag destination_caller_id sr_ck_sync_state sr_ck_record_id sr_ck_record_change_tag is_corrupt"
	msgIOS14 = msgIOS11 + " reply_to_guid sort_id is_spam has_unseen_mention thread_originator_guid thread_originator_part syndication_ranges synced_syndication_ranges was_delivered_quietly did_notify_recipient"
	msgIOS16 = msgIOS14 + " date_retracted date_edited was_detonated part_count"
	msgIOS18 = msgIOS16 + " is_stewie is_kt_verified is_sos is_critical bia_reference_id fallback_hash associated_message_emoji is_pending_satellite_send needs_relay schedule_type schedule_state sent_or_received_off_grid"

	handleOld = "ROWID id country service uncanonicalized_id"
	handleNew = handleOld + " person_centric_id"

	chatOld = "ROWID guid style state account_id properties chat_identifier service_name room_name account_login is_archived last_addressed_handle display_name group_id is_filtered successful_query"
	chatNew = chatOld + " engram_id server_change_token ck_sync_state original_group_id last_read_message_timestamp sr_server_change_token sr_ck_sync_state cloudkit_record_id sr_cloudkit_record_id last_addressed_sim_id"

	attOld = "ROWID guid created_date start_date filename uti mime_type transfer_state is_outgoing user_info transfer_name total_bytes"
	attNew = attOld + " is_sticker sticker_user_info attribution_info hide_attachment ck_sync_state ck_server_change_token_blob ck_record_id original_guid sr_ck_sync_state sr_ck_server_change_token_blob sr_ck_record_id"
)

var smsText = map[string]bool{
	"guid": true, "text": true, "service_center": true, "subject": true, "country": true,
	"service": true, "account": true, "account_guid": true, "cache_roomnames": true,
	"group_title": true, "associated_message_guid": true, "balloon_bundle_id": true,
	"expressive_send_style_id": true, "ck_record_id": true, "ck_record_change_tag": true,
	"destination_caller_id": true, "sr_ck_record_id": true, "sr_ck_record_change_tag": true,
	"reply_to_guid": true, "thread_originator_guid": true, "thread_originator_part": true,
	"bia_reference_id": true, "fallback_hash": true, "associated_message_emoji": true,
	"id": true, "uncanonicalized_id": true, "person_centric_id": true,
	"account_id": true, "chat_identifier": true, "service_name": true, "room_name": true,
	"account_login": true, "last_addressed_handle": true, "display_name": true, "group_id": true,
	"engram_id": true, "server_change_token": true, "original_group_id": true,
	"sr_server_change_token": true, "cloudkit_record_id": true, "sr_cloudkit_record_id": true,
	"last_addressed_sim_id": true, "filename": true, "uti": true, "mime_type": true,
	"transfer_name": true, "original_guid": true,
}

var smsBlob = map[string]bool{
	"attributedBody": true, "payload_data": true, "message_summary_info": true,
	"syndication_ranges": true, "synced_syndication_ranges": true, "properties": true,
	"user_info": true, "sticker_user_info": true, "attribution_info": true,
	"ck_server_change_token_blob": true, "sr_ck_server_change_token_blob": true,
}

type smsSchema struct {
	tables  map[string]string // table -> space-separated columns
	newJoin bool              // chat_message_join has message_date
	// recoverable: the iOS 16+ Recently Deleted tables
	// (chat_recoverable_message_join, recoverable_message_part).
	recoverable bool
}

var smsSchemas = map[SMSEra]*smsSchema{
	SMSiOS6:  {tables: map[string]string{"message": msgIOS6, "handle": handleOld, "chat": chatOld, "attachment": attOld}},
	SMSiOS9:  {tables: map[string]string{"message": msgIOS9, "handle": handleOld, "chat": chatOld, "attachment": attOld}},
	SMSiOS11: {tables: map[string]string{"message": msgIOS11, "handle": handleNew, "chat": chatNew, "attachment": attNew}, newJoin: true},
	SMSiOS14: {tables: map[string]string{"message": msgIOS14, "handle": handleNew, "chat": chatNew, "attachment": attNew}, newJoin: true},
	SMSiOS16: {tables: map[string]string{"message": msgIOS16, "handle": handleNew, "chat": chatNew, "attachment": attNew}, newJoin: true, recoverable: true},
	SMSiOS18: {tables: map[string]string{"message": msgIOS18, "handle": handleNew, "chat": chatNew, "attachment": attNew}, newJoin: true, recoverable: true},
}

// set returns the columns of table as a set.
func (s *smsSchema) set(table string) map[string]bool {
	if table == "chat_message_join" {
		m := map[string]bool{"chat_id": true, "message_id": true}
		if s.newJoin {
			m["message_date"] = true
		}
		return m
	}
	m := map[string]bool{}
	for _, c := range strings.Fields(s.tables[table]) {
		m[c] = true
	}
	return m
}

func (s *smsSchema) ddl(noIndexes, recoverable bool) []string {
	var out []string
	for _, t := range []string{"message", "handle", "chat", "attachment"} {
		var cols []string
		for _, c := range strings.Fields(s.tables[t]) {
			switch {
			case c == "ROWID":
				cols = append(cols, "ROWID INTEGER PRIMARY KEY AUTOINCREMENT")
			case c == "guid" && t != "handle":
				cols = append(cols, "guid TEXT UNIQUE NOT NULL")
			case c == "id" && t == "handle":
				cols = append(cols, "id TEXT NOT NULL")
			case smsText[c]:
				cols = append(cols, c+" TEXT")
			case smsBlob[c]:
				cols = append(cols, c+" BLOB")
			default:
				cols = append(cols, c+" INTEGER DEFAULT 0")
			}
		}
		if t == "handle" {
			cols = append(cols, "UNIQUE (id, service)")
		}
		out = append(out, "CREATE TABLE "+t+" ("+strings.Join(cols, ", ")+")")
	}
	if s.newJoin {
		out = append(out, "CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id))")
	} else {
		out = append(out, "CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, PRIMARY KEY (chat_id, message_id))")
	}
	out = append(out,
		"CREATE TABLE chat_handle_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, handle_id INTEGER REFERENCES handle (ROWID) ON DELETE CASCADE, UNIQUE(chat_id, handle_id))",
		"CREATE TABLE message_attachment_join (message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, attachment_id INTEGER REFERENCES attachment (ROWID) ON DELETE CASCADE, UNIQUE(message_id, attachment_id))",
		"CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key))",
	)
	if s.recoverable && recoverable {
		// As in a real iOS 17 sms.db.
		out = append(out,
			"CREATE TABLE chat_recoverable_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, delete_date INTEGER, ck_sync_state INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id), CHECK (delete_date != 0))",
			"CREATE TABLE recoverable_message_part (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, part_index INTEGER, delete_date INTEGER, part_text BLOB NOT NULL, ck_sync_state INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id, part_index), CHECK (delete_date != 0))",
		)
	}
	if noIndexes {
		return out
	}
	out = append(out,
		"CREATE INDEX message_idx_handle ON message(handle_id, date)",
		"CREATE INDEX chat_message_join_idx_message_id ON chat_message_join(message_id, chat_id)",
		"CREATE INDEX message_attachment_join_idx_message_id ON message_attachment_join(message_id)",
		"CREATE INDEX chat_handle_join_idx_handle_id ON chat_handle_join(handle_id)",
	)
	if s.newJoin {
		out = append(out, "CREATE INDEX message_idx_date ON message(date)")
	}
	return out
}
