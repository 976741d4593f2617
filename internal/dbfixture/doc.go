// Package dbfixture builds synthetic iOS databases for tests and the demo
// backup: sms.db for each schema era, AddressBook.sqlitedb and
// AddressBookImages.sqlitedb, CallHistory.storedata and the old
// call_history.db, typedstream message bodies, edit-history plists, and
// WAL files whose committed frames hold rows the main file lacks.
//
// The schemas copy the column sets of real databases where one was
// available (iOS 9 and 13 sms.db, iOS 9 and 15 AddressBook, iOS 9
// CallHistory) and follow docs/FORMAT.md for the others.
package dbfixture
