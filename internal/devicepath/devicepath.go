// Package devicepath names where the record databases live inside a
// backup, as the Domain/relative/path names of its fs.FS (docs/FORMAT.md).
// The records readers open them; tests place synthetic databases there.
package devicepath

// The record databases.
const (
	SMS               = "HomeDomain/Library/SMS/sms.db"
	AddressBook       = "HomeDomain/Library/AddressBook/AddressBook.sqlitedb"
	AddressBookImages = "HomeDomain/Library/AddressBook/AddressBookImages.sqlitedb"
	CallHistory       = "HomeDomain/Library/CallHistoryDB/CallHistory.storedata"
	CallHistoryTemp   = "HomeDomain/Library/CallHistoryDB/CallHistoryTemp.storedata"
	OldCallHistory    = "WirelessDomain/Library/CallHistory/call_history.db"
	Calendar          = "HomeDomain/Library/Calendar/Calendar.sqlitedb"
)

// MediaDomain is the domain of message attachments (~/Library/SMS/...).
const MediaDomain = "MediaDomain"

// The Reminders Core Data stores (iOS 13 and later): one Data-<UUID>.sqlite
// per account, plus Data-local.sqlite, in RemindersStores.
const (
	RemindersDomain = "AppDomainGroup-group.com.apple.reminders"
	RemindersStores = RemindersDomain + "/Container_v1/Stores"
)
