SELECT m.ROWID, m.guid, m.text, m.attributedBody, m.service, m.date, m.date_read, m.date_delivered, m.is_from_me,
  m.associated_message_guid, m.associated_message_type, m.thread_originator_guid, m.date_edited, m.message_summary_info,
  h.id AS sender, c.chat_identifier, c.display_name,
  (SELECT json_group_array(json_object('name', a.transfer_name, 'mime', a.mime_type, 'size', a.total_bytes, 'filename', a.filename))
     FROM message_attachment_join j JOIN attachment a ON a.ROWID = j.attachment_id WHERE j.message_id = m.ROWID) AS attachments
FROM message m LEFT JOIN handle h ON h.ROWID = m.handle_id
LEFT JOIN chat_message_join cmj ON cmj.message_id = m.ROWID LEFT JOIN chat c ON c.ROWID = cmj.chat_id
ORDER BY m.date, m.ROWID;
