package demobuild

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"hash/crc32"
	"time"
	_ "time/tzdata" // the demo's zone, wherever it is built

	"github.com/iosbackup/iosbackup/internal/backuptest"
	"github.com/iosbackup/iosbackup/internal/dbfixture"
)

// Password is the demo backup's password.
const Password = "ibackup-demo"

// Iterations are the PBKDF2 counts of the demo keybag (Apple uses 10,000
// and 10,000,000): low so that the demo unlocks instantly.
const Iterations = 1000

// Date is the backup date of the demo.
var Date = time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)

// Locations of the record databases and of the attachment in the demo.
const (
	SMSDomain, SMSPath           = "HomeDomain", "Library/SMS/sms.db"
	ContactsDomain, ContactsPath = "HomeDomain", "Library/AddressBook/AddressBook.sqlitedb"
	CallsDomain, CallsPath       = "HomeDomain", "Library/CallHistoryDB/CallHistory.storedata"
	ImageDomain                  = "MediaDomain"
	ImagePath                    = "Library/SMS/Attachments/3f/15/AT-DEMO-0001/trail-map.png"
	CalendarDomain, CalendarPath = "HomeDomain", "Library/Calendar/Calendar.sqlitedb"
	RemindersDomain              = "AppDomainGroup-group.com.apple.reminders"
	RemindersPath                = "Container_v1/Stores/Data-7D3E2A10-5B4C-4E8F-9A61-2C0D1E3F4A5B.sqlite"
	AppBundle                    = "com.example.weather"
	AppDomain                    = "AppDomain-" + AppBundle
	AppPrefsPath                 = "Library/Preferences/" + AppBundle + ".plist"
)

// Options chooses the variant written.
type Options struct {
	// Unencrypted writes the same content without encryption.
	Unencrypted bool
}

// at returns a time relative to the demo's story (Thursday 30 May 2024).
func at(day, hour, min int) time.Time {
	return time.Date(2024, 5, 30+day, hour, min, 0, 0, time.UTC)
}

// Files returns the files of the demo backup.
func Files() ([]backuptest.File, error) {
	ab, err := dbfixture.AddressBook(dbfixture.ABiOS15, People()...)
	if err != nil {
		return nil, fmt.Errorf("demobuild: address book: %w", err)
	}
	sms, err := dbfixture.SMS(dbfixture.SMSiOS18, Messages())
	if err != nil {
		return nil, fmt.Errorf("demobuild: sms.db: %w", err)
	}
	calls, err := dbfixture.CallHistory(dbfixture.CallsiOS16, Calls()...)
	if err != nil {
		return nil, fmt.Errorf("demobuild: call history: %w", err)
	}
	cal, err := dbfixture.Calendar(dbfixture.CaliOS18, Calendar())
	if err != nil {
		return nil, fmt.Errorf("demobuild: calendar: %w", err)
	}
	rem, err := dbfixture.Reminders(dbfixture.RemiOS18, Reminders())
	if err != nil {
		return nil, fmt.Errorf("demobuild: reminders: %w", err)
	}
	prefs := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>City</key>
	<string>Springfield</string>
	<key>Units</key>
	<string>metric</string>
</dict>
</plist>
`)
	return []backuptest.File{
		{Domain: ContactsDomain, Path: ContactsPath, Data: ab, ModTime: at(1, 20, 0)},
		{Domain: SMSDomain, Path: SMSPath, Data: sms, ModTime: at(2, 9, 30)},
		{Domain: CallsDomain, Path: CallsPath, Data: calls, ModTime: at(2, 9, 0)},
		{Domain: ImageDomain, Path: ImagePath, Data: Image(), ModTime: at(0, 18, 7)},
		{Domain: AppDomain, Path: AppPrefsPath, Data: prefs, ModTime: at(1, 7, 45)},
		{Domain: CalendarDomain, Path: CalendarPath, Data: cal, ModTime: at(1, 21, 10)},
		{Domain: RemindersDomain, Path: RemindersPath, Data: rem, ModTime: at(2, 8, 20)},
	}, nil
}

// Write writes the demo backup into dir (created if needed).
func Write(dir string, opt Options) (*backuptest.Result, error) {
	files, err := Files()
	if err != nil {
		return nil, err
	}
	return backuptest.Write(dir, backuptest.Options{
		Era:        backuptest.Era10_2,
		Encrypted:  !opt.Unencrypted,
		Password:   Password,
		Iterations: Iterations,
		DPIC:       Iterations,
		Seed:       20240601,
		ParentDirs: true,
		Device: backuptest.DeviceInfo{
			Name:           "Demo iPhone",
			ProductType:    "iPhone14,5",
			ProductVersion: "17.5.1",
			BuildVersion:   "21F90",
			Serial:         "DEMO00SERIAL",
			UDID:           "00008110-0000DEMO0000001E",
			IMEI:           "350000000000001",
			PhoneNumber:    "+1 (555) 010-0100",
			ICCID:          "8900000000000000001",
			Date:           Date,
			Apps:           []string{AppBundle, "com.example.trails"},
		},
	}, files)
}

// Handles of the demo.
const (
	Alice = "+15550100001"
	Bob   = "+15550100002"
	Carol = "carol@example.org"
	Pizza = "+15550100099"
	// Stranger is a caller who is not in the contacts.
	Stranger = "+15550109999"
)

// People returns the demo's address book.
func People() []dbfixture.Person {
	L := dbfixture.SystemLabel
	created := time.Date(2023, 1, 15, 12, 0, 0, 0, time.UTC)
	return []dbfixture.Person{
		{
			ID: 1, First: "Alice", Last: "Martin", Organization: "Springfield Library", JobTitle: "Archivist",
			Birthday: dbfixture.ABDate(time.Date(1990, 4, 12, 12, 0, 0, 0, time.UTC)),
			Created:  created, Modified: at(1, 20, 0),
			Phones: []dbfixture.Value{{Label: L("Mobile"), Value: "+1 (555) 010-0001"}},
			Emails: []dbfixture.Value{{Label: L("Home"), Value: "alice@example.com"}},
			Addresses: []dbfixture.PostalAddress{{Label: L("Home"), Street: "12 Elm Street", City: "Springfield",
				State: "IL", ZIP: "62701", Country: "United States", CountryCode: "us"}},
		},
		{
			ID: 2, First: "Bob", Last: "Chen", Created: created, Modified: created,
			Phones: []dbfixture.Value{{Label: L("iPhone"), Value: "(555) 010-0002"}},
			Note:   "Brings snacks.",
		},
		{
			ID: 3, First: "Carol", Last: "Diaz", Nickname: "Caz", Created: created, Modified: created,
			Phones: []dbfixture.Value{{Label: L("Work"), Value: "+1 555 010 0003"}},
			Emails: []dbfixture.Value{{Label: "Hiking club", Value: Carol}},
			URLs:   []dbfixture.Value{{Label: L("HomePage"), Value: "https://carol.example.org"}},
		},
		{
			ID: 4, Organization: "Tony's Pizza", Kind: 1, Created: created, Modified: created,
			Phones: []dbfixture.Value{{Label: L("Main"), Value: "+1 555 010 0099"}},
		},
	}
}

// Messages returns the demo's sms.db content.
func Messages() dbfixture.SMSData {
	var d dbfixture.SMSData
	d.Handles = []dbfixture.SMSHandle{
		{RowID: 1, ID: Alice, Country: "us"},
		{RowID: 2, ID: Bob, Country: "us"},
		{RowID: 3, ID: Carol},
		{RowID: 4, ID: Pizza, Service: "SMS", Country: "us"},
	}
	d.Chats = []dbfixture.SMSChat{
		{RowID: 1, GUID: "iMessage;-;" + Alice, Identifier: Alice, Service: "iMessage", Handles: []int64{1}},
		{RowID: 2, GUID: "iMessage;+;chat493021847", Identifier: "chat493021847", Service: "iMessage",
			DisplayName: "Hiking Crew", Group: true, Handles: []int64{1, 2, 3}},
		{RowID: 3, GUID: "SMS;-;" + Pizza, Identifier: Pizza, Service: "SMS", Handles: []int64{4}},
	}
	img := Image()
	d.Attachments = []dbfixture.SMSAttachment{{
		RowID: 1, GUID: "AT-DEMO-0001", Filename: "~/" + ImagePath, MIME: "image/png", UTI: "public.png",
		TransferName: "trail-map.png", Size: int64(len(img)), Created: at(0, 18, 7),
	}}
	read := func(t time.Time) time.Time { return t.Add(3 * time.Minute) }
	d.Messages = []dbfixture.SMSMessage{
		{RowID: 1, GUID: "DEMO-MSG-01", Text: "Hi! Are we still on for Saturday?", Handle: 1, Service: "iMessage",
			Date: at(0, 17, 55), DateRead: read(at(0, 17, 55)), IsRead: true, Chats: []int64{1}},
		{RowID: 2, GUID: "DEMO-MSG-02", Text: "Yes! 9am at the trailhead.", FromMe: true, Handle: 1, Service: "iMessage",
			Date: at(0, 17, 58), DateDelivered: at(0, 17, 58).Add(2 * time.Second), DateRead: at(0, 18, 0), IsRead: true, Chats: []int64{1}},
		{RowID: 3, GUID: "DEMO-MSG-03", Text: "Loved “Yes! 9am at the trailhead.”", Handle: 1, Service: "iMessage",
			Date: at(0, 18, 1), Chats: []int64{1}, AssociatedGUID: "p:0/DEMO-MSG-02", AssociatedType: 2000, IsRead: true},
		{RowID: 4, GUID: "DEMO-MSG-04", NoBody: true, FromMe: true, Service: "iMessage", Date: at(0, 18, 2),
			Chats: []int64{2}, ItemType: 2, GroupTitle: "Hiking Crew"},
		{RowID: 5, GUID: "DEMO-MSG-05", Text: "Made a group for Saturday 🥾", FromMe: true, Service: "iMessage",
			Date: at(0, 18, 3), DateDelivered: at(0, 18, 3).Add(time.Second), Chats: []int64{2}},
		{RowID: 6, GUID: "DEMO-MSG-06", Text: "I'll bring snacks 🍫", Handle: 2, Service: "iMessage",
			Date: at(0, 18, 5), DateRead: read(at(0, 18, 5)), IsRead: true, Chats: []int64{2}},
		{RowID: 7, GUID: "DEMO-MSG-07", Text: "\uFFFCHere is the trail map", Handle: 3, Service: "iMessage",
			Date: at(0, 18, 7), DateRead: read(at(0, 18, 7)), IsRead: true, Chats: []int64{2}, Attachments: []int64{1}},
		{RowID: 8, GUID: "DEMO-MSG-08", Text: "Liked an image", Handle: 1, Service: "iMessage",
			Date: at(0, 18, 9), IsRead: true, Chats: []int64{2}, AssociatedGUID: "p:0/DEMO-MSG-07", AssociatedType: 2001},
		{RowID: 9, GUID: "DEMO-MSG-09", Text: "Looks steep!", Handle: 2, Service: "iMessage",
			Date: at(0, 18, 12), IsRead: true, Chats: []int64{2}, ThreadOriginator: "DEMO-MSG-07", ThreadPart: "0:0:1"},
		{RowID: 10, GUID: "DEMO-MSG-10", Text: "Your order #1234 is on its way.", Handle: 4, Service: "SMS",
			Date: at(1, 19, 30), DateRead: at(1, 19, 31), IsRead: true, Chats: []int64{3}},
	}
	return d
}

// Calls returns the demo's call history.
func Calls() []dbfixture.CallRecord {
	return []dbfixture.CallRecord{
		{ID: 1, UniqueID: "DEMO-CALL-0001", Address: Alice, Date: at(0, 9, 15), Duration: 312.5,
			Outgoing: true, Answered: true, CallType: 1, Country: "us"},
		{ID: 2, UniqueID: "DEMO-CALL-0002", Address: Bob, Date: at(0, 12, 40), CallType: 1, Country: "us"},
		{ID: 3, UniqueID: "DEMO-CALL-0003", Address: Carol, Date: at(1, 20, 5), Duration: 1260,
			Answered: true, CallType: 8, Country: "us"},
		{ID: 4, UniqueID: "DEMO-CALL-0004", Address: Bob, Date: at(1, 21, 0), Duration: 95,
			Outgoing: true, Answered: true, CallType: 16, Country: "us"},
		{ID: 5, UniqueID: "DEMO-CALL-0005", Address: Stranger, Date: at(2, 8, 45), Duration: 42,
			Answered: true, CallType: 1, Country: "us"},
	}
}

// Image returns the attachment: a 48×32 PNG (a green hill under a blue
// sky, a brown trail) stored without compression so its bytes never depend
// on a compressor's version.
func Image() []byte {
	const w, h = 48, 32
	raw := make([]byte, 0, h*(1+3*w))
	for y := range h {
		raw = append(raw, 0) // filter: none
		for x := range w {
			hill := 20 - (x-24)*(x-24)/40
			switch {
			case y > hill && (x-y/2 == 14 || x-y/2 == 15):
				raw = append(raw, 0x8b, 0x5a, 0x2b) // trail
			case y > hill:
				raw = append(raw, 0x3c, byte(0x90+y), 0x3c) // grass
			default:
				raw = append(raw, 0x6c, 0xb4, byte(0xe0+y/2)) // sky
			}
		}
	}
	// zlib stream with stored (uncompressed) deflate blocks.
	var z bytes.Buffer
	z.Write([]byte{0x78, 0x01})
	for rest := raw; ; {
		n := min(len(rest), 0xffff)
		final := byte(0)
		if n == len(rest) {
			final = 1
		}
		z.WriteByte(final)
		binary.Write(&z, binary.LittleEndian, uint16(n))
		binary.Write(&z, binary.LittleEndian, ^uint16(n))
		z.Write(rest[:n])
		rest = rest[n:]
		if final == 1 {
			break
		}
	}
	binary.Write(&z, binary.BigEndian, adler32.Checksum(raw))

	var png bytes.Buffer
	png.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&png, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		png.WriteString(typ)
		png.Write(data)
		binary.Write(&png, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return png.Bytes()
}

// chicago is the demo's home zone (Springfield, Illinois).
var chicago = func() *time.Location {
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		// Without a zone database the demo would differ; the fixed
		// offset of CDT keeps the same instants for these dates.
		return time.FixedZone("CDT", -5*3600)
	}
	return loc
}()

// Calendar returns the demo's Calendar.sqlitedb content: a weekly hike
// with one week skipped, an all-day book sale, and a call with an alarm
// and attendees.
func Calendar() dbfixture.CalendarData {
	created := time.Date(2024, 4, 20, 15, 0, 0, 0, time.UTC)
	fifteen := -15 * 60
	hour := -60 * 60
	return dbfixture.CalendarData{
		Stores:    []dbfixture.CalStore{{ID: 1, Name: "iCloud", Type: 2}},
		Calendars: []dbfixture.CalCalendar{{ID: 1, StoreID: 1, Title: "Home", Color: "#34AADC"}, {ID: 2, StoreID: 1, Title: "Hiking Club", Color: "#63DA38"}},
		Events: []dbfixture.CalEvent{
			{
				ID: 1, UUID: "DEMO-EVENT-0001", Title: "Saturday hike", Notes: "Meet at the trailhead car park.",
				TZ: "America/Chicago", CalendarID: 2,
				Start: time.Date(2024, 5, 4, 9, 0, 0, 0, chicago), End: time.Date(2024, 5, 4, 12, 0, 0, 0, chicago),
				Recurrence: &dbfixture.CalRecurrence{Frequency: 2, Interval: 1, Count: 8},
				Exceptions: []time.Time{time.Date(2024, 5, 18, 9, 0, 0, 0, chicago)},
				Location:   &dbfixture.CalLocation{Title: "Lincoln Trailhead", Address: "Lake Springfield, IL", Lat: 39.7392, Lon: -89.6221},
				Alarms:     []dbfixture.CalAlarm{{Offset: &hour}},
				Created:    created, Modified: created,
			},
			{
				ID: 2, UUID: "DEMO-EVENT-0002", Title: "Library book sale", AllDay: true, Days: 2, CalendarID: 1,
				Start: time.Date(2024, 6, 8, 0, 0, 0, 0, time.UTC), Created: created, Modified: created,
			},
			{
				ID: 3, UUID: "DEMO-EVENT-0003", Title: "Trail planning call", TZ: "America/Chicago", CalendarID: 2, Status: 1,
				Start: time.Date(2024, 6, 3, 19, 0, 0, 0, chicago), End: time.Date(2024, 6, 3, 19, 30, 0, 0, chicago),
				URL:       "https://meet.example.org/hiking-crew",
				Alarms:    []dbfixture.CalAlarm{{Offset: &fifteen}},
				Organizer: &dbfixture.CalPerson{Name: "Demo Owner", Email: "owner@example.org", Status: 1, Self: true},
				Attendees: []dbfixture.CalPerson{
					{Name: "Alice Martin", Email: "alice@example.com", Status: 1},
					{Name: "Bob Chen", Email: "bob@example.com", Status: 3},
					{Name: "Carol Diaz", Email: Carol, Status: 0},
				},
				Created: at(1, 21, 5), Modified: at(1, 21, 10),
			},
		},
	}
}

// Reminders returns the demo's Reminders store: one completed reminder,
// one with a subtask, one due and flagged.
func Reminders() dbfixture.RemindersData {
	return dbfixture.RemindersData{
		Account: "iCloud",
		Lists:   []dbfixture.RemList{{ID: 1, Name: "Hike prep"}, {ID: 2, Name: "Errands"}},
		Reminders: []dbfixture.RemItem{
			{ID: 1, UUID: [16]byte{0xde, 0x40, 0, 1}, Title: "Print the trail map", ListID: 1, Completed: true,
				CompletedDate: at(0, 18, 20), Created: at(0, 18, 8), Modified: at(0, 18, 20)},
			{ID: 2, UUID: [16]byte{0xde, 0x40, 0, 2}, Title: "Buy snacks", ListID: 1, Due: time.Date(2024, 6, 7, 0, 0, 0, 0, time.UTC), AllDay: true,
				Created: at(0, 18, 6), Modified: at(0, 18, 6)},
			{ID: 3, UUID: [16]byte{0xde, 0x40, 0, 3}, Title: "Trail mix", ListID: 1, Parent: 2, Created: at(0, 18, 6), Modified: at(0, 18, 6)},
			{ID: 4, UUID: [16]byte{0xde, 0x40, 0, 4}, Title: "Return library books", Notes: "Two are overdue.", ListID: 2,
				Due: time.Date(2024, 6, 5, 17, 0, 0, 0, chicago), Priority: 1, Flagged: true, Created: at(1, 9, 0), Modified: at(1, 9, 0)},
		},
	}
}
