// Command extractfile copies one file out of an iPhone backup, decrypting it
// on the way. The backup is an fs.FS whose names are Domain/relative/path.
//
//	IBACKUP_PASSWORD=secret go run ./examples/extractfile BACKUP HomeDomain/Library/SMS/sms.db sms.db
package main
