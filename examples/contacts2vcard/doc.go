// Command contacts2vcard writes the contacts of an iPhone backup as vCard
// 3.0, ready to import into a phone, macOS Contacts or Google Contacts.
//
//	IBACKUP_PASSWORD=secret go run ./examples/contacts2vcard BACKUP > contacts.vcf
package main
