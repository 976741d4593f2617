// Command messages2json writes every message of an iPhone backup as JSON
// Lines: one object per message, with its chat, sender, text, attachments
// and tapbacks (field names in docs/CLI.md).
//
//	IBACKUP_PASSWORD=secret go run ./examples/messages2json BACKUP > messages.jsonl
package main
