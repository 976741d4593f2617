// Command calls2csv writes the call history of an iPhone backup as CSV,
// with the name of each caller found in the backup's address book.
//
//	IBACKUP_PASSWORD=secret go run ./examples/calls2csv BACKUP > calls.csv
package main
