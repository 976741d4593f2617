package dbfixture

import "time"

// A synthetic address book, call history and message history of a phone
// in Japan (region JP, own number +81 80-0000-0000) with Japanese,
// Chinese, Korean and Western contacts: readings (furigana, pinyin),
// organization readings, numbers written in full-width digits and in
// national format. Every call and message comes from a contact, written
// in the E.164 form the phone records, so that each must be matched to a
// contact whose number is written differently.

// CJKOwnNumber is the phone's own number (Info.plist "Phone Number").
const CJKOwnNumber = "+81 80-0000-0000"

// CJKPeople returns the contacts, in ROWID order:
//
//	1 山田 太郎 (Japanese, kana readings; full-width mobile number)
//	2 王 小明 (Chinese, pinyin readings; +86 number)
//	3 김 민수 (Korean; +82 number written with spaces)
//	4 John Smith (Western; Tokyo number in national format; org reading)
//	5 株式会社テスト (a company; full-width national number)
func CJKPeople() []Person {
	L := SystemLabel
	created := time.Date(2022, 4, 1, 9, 0, 0, 0, time.UTC)
	return []Person{
		{ID: 1, Last: "山田", First: "太郎", LastPhonetic: "やまだ", FirstPhonetic: "たろう",
			Organization: "山田商事", OrgPhonetic: "やまだしょうじ", Created: created, Modified: created,
			Phones: []Value{{Label: L("Mobile"), Value: "０９０－１２３４－５６７８"}}},
		{ID: 2, Last: "王", First: "小明", LastPhonetic: "Wáng", FirstPhonetic: "Xiǎomíng", Created: created,
			Phones: []Value{{Label: L("Mobile"), Value: "+86 138 1234 5678"}}},
		{ID: 3, Last: "김", First: "민수", Created: created,
			Phones: []Value{{Label: L("Mobile"), Value: "+82 10 9876 5432"}}},
		{ID: 4, First: "John", Last: "Smith", Organization: "Acme", OrgPhonetic: "アクメ", Created: created,
			Phones: []Value{{Label: L("Work"), Value: "03-1234-5678"}}},
		{ID: 5, Organization: "株式会社テスト", OrgPhonetic: "かぶしきがいしゃてすと", Kind: 1, Created: created,
			Phones: []Value{{Label: L("Main"), Value: "０３（９８７６）５４３２"}}},
	}
}

// CJKT0 is the date of the first call and message.
var CJKT0 = time.Date(2024, 7, 1, 10, 0, 0, 0, time.UTC)

// CJKCalls returns one call from each contact's number in E.164 form and
// one from an unknown number, an hour apart.
func CJKCalls() []CallRecord {
	calls := []CallRecord{}
	for i, a := range []string{"+819012345678", "+8613812345678", "+821098765432", "+81312345678", "+81398765432", "+81120000000"} {
		calls = append(calls, CallRecord{ID: int64(i + 1), Address: a, Date: CJKT0.Add(time.Duration(i) * time.Hour),
			Duration: 30, Answered: true, CallType: 1, Country: "jp"})
	}
	return calls
}

// CJKMessages returns one SMS from each number of CJKCalls (handles 1–6,
// one chat each) and one reply from the phone to the first.
func CJKMessages() SMSData {
	var d SMSData
	for i, a := range []string{"+819012345678", "+8613812345678", "+821098765432", "+81312345678", "+81398765432", "+81120000000"} {
		id := int64(i + 1)
		d.Handles = append(d.Handles, SMSHandle{RowID: id, ID: a, Service: "SMS"})
		d.Chats = append(d.Chats, SMSChat{RowID: id, GUID: "SMS;-;" + a, Identifier: a, Service: "SMS", Handles: []int64{id}})
		d.Messages = append(d.Messages, SMSMessage{RowID: id, GUID: "CJK-" + a, Text: "こんにちは " + a, Handle: id,
			Service: "SMS", Date: CJKT0.Add(time.Duration(i) * time.Hour), Chats: []int64{id}})
	}
	d.Messages = append(d.Messages, SMSMessage{RowID: 7, GUID: "CJK-reply", Text: "はい", Handle: 1, FromMe: true,
		Service: "SMS", Date: CJKT0.Add(time.Minute), Chats: []int64{1}})
	return d
}
