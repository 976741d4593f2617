// Command listapps lists the apps of an iPhone backup with the number and
// size of the files each one has in the backup. It needs the password only
// when the file list (Manifest.db) is encrypted.
//
//	IBACKUP_PASSWORD=secret go run ./examples/listapps BACKUP
package main
