// Command ibackup reads iPhone and iPad backups made by iTunes or Finder,
// encrypted or not: device facts, the file list, extraction, contacts,
// messages, call history, calendar events and reminders. Its interface is
// specified in docs/CLI.md.
//
//	go build -o ibackup ./cmd/ibackup
//	ibackup demo                      # a tour on a sample backup built in
//	ibackup list                      # the backups on this computer
//	ibackup messages BACKUP --format html --out transcript
//	ibackup calendar BACKUP --format ics --out calendars
//
// It uses only the public API of the iosbackup module (and internal/termsafe,
// the terminal escaping it shares with the export package), so it doubles as
// the module's largest example: the records come from package records,
// every output format (the text format included) from records/export,
// and the records written with problems are counted with
// export.CountProblems; what stays here is the command line, the
// summaries on standard error and the exit status.
//
// Exit status: 0 success, 1 partial failure, 2 usage error, 3 password
// problem, 4 not a backup or unreadable backup.
package main
