package dbfixture

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

// ABEra selects the schema generation of a synthetic AddressBook.sqlitedb.
type ABEra int

// The schema generations AddressBook can build.
const (
	// ABMinimal is a stripped schema (not a real iOS generation): ABPerson
	// with a few name columns, ABMultiValue without labels, no entry, group
	// or store tables. It exercises readers that degrade gracefully.
	ABMinimal ABEra = 0
	// ABiOS9 has the column set of a real iOS 9.3 AddressBook
	// (_ClientVersion 62).
	ABiOS9 ABEra = 9
	// ABiOS15 has the column set of a real iOS 15 AddressBook
	// (_ClientVersion 83): ABPerson gains PreferredLikenessSource,
	// ImageType, ImageHash, MemojiMetadata, ...
	ABiOS15 ABEra = 15
)

// ABEras lists every era.
var ABEras = []ABEra{ABMinimal, ABiOS9, ABiOS15}

func (e ABEra) String() string {
	if e == ABMinimal {
		return "minimal"
	}
	return "iOS" + strconv.Itoa(int(e))
}

// ClientVersion is the _ClientVersion the era's database records.
func (e ABEra) ClientVersion() int {
	switch e {
	case ABiOS9:
		return 62
	case ABiOS15:
		return 83
	}
	return 0
}

// Person is one ABPerson row with its multi-values, groups and images.
// Labels are given as stored: SystemLabel("Mobile") for a system label,
// any other text for a custom label, "" for a NULL label.
type Person struct {
	ID             int64 // ROWID; 0 lets SQLite choose
	Prefix         string
	First          string
	Middle         string
	Last           string
	Suffix         string
	Nickname       string
	FirstPhonetic  string
	MiddlePhonetic string
	LastPhonetic   string
	Organization   string
	OrgPhonetic    string // OrganizationPhonetic (iOS 9+)
	Department     string
	JobTitle       string
	Note           string
	Birthday       string // stored text, e.g. ABDate(...); "" for NULL
	Kind           int    // 0 person, 1 organization
	Created        time.Time
	Modified       time.Time

	Phones    []Value
	Emails    []Value
	URLs      []Value
	Related   []Value
	Dates     []Value // property 12; values as stored (ABDate text)
	Addresses []PostalAddress
	IM        []Account // property 13
	Social    []Account // property 46
	Groups    []string

	FullSize   []byte      // ABFullSizeImage.data, for AddressBookImages
	Thumbnails []Thumbnail // ABThumbnailImage rows, for AddressBookImages
}

// Value is a labeled ABMultiValue.
type Value struct{ Label, Value string }

// PostalAddress is an ABMultiValue of property 5 with its entries.
type PostalAddress struct {
	Label                                          string
	Street, City, State, ZIP, Country, CountryCode string
}

// Account is an instant-message or social-profile ABMultiValue with its
// service/username(/url) entries.
type Account struct {
	Label, Service, Username, URL string
}

// Thumbnail is an ABThumbnailImage row.
type Thumbnail struct {
	Format int
	Data   []byte
}

// SystemLabel wraps a system label as the AddressBook stores it:
// SystemLabel("Mobile") is "_$!<Mobile>!$_".
func SystemLabel(name string) string { return "_$!<" + name + ">!$_" }

// ABDate returns the AddressBook text form of a date: whole seconds since
// 2001-01-01 UTC.
func ABDate(t time.Time) string {
	return strconv.FormatInt(t.Unix()-cocoaEpochUnix, 10)
}

const cocoaEpochUnix = 978307200

// abPersonColumns are the ABPerson columns of each era, in table order.
var abPersonColumns = map[ABEra]string{
	ABMinimal: `ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last TEXT, Organization TEXT, Note TEXT,
		CreationDate INTEGER, ModificationDate INTEGER`,
	ABiOS9: abPersonIOS9,
	ABiOS15: abPersonIOS9 + `, PreferredLikenessSource TEXT, PreferredPersonaIdentifier TEXT,
		PreferredChannel TEXT, DowntimeWhitelist TEXT, ImageType TEXT, ImageHash BLOB, MemojiMetadata BLOB`,
}

const abPersonIOS9 = `ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last TEXT, Middle TEXT,
	FirstPhonetic TEXT, MiddlePhonetic TEXT, LastPhonetic TEXT, Organization TEXT, Department TEXT,
	Note TEXT, Kind INTEGER, Birthday TEXT, JobTitle TEXT, Nickname TEXT, Prefix TEXT, Suffix TEXT,
	FirstSort TEXT, LastSort TEXT, CreationDate INTEGER, ModificationDate INTEGER,
	CompositeNameFallback TEXT, ExternalIdentifier TEXT, ExternalModificationTag TEXT,
	ExternalUUID TEXT, StoreID INTEGER, DisplayName TEXT, ExternalRepresentation BLOB,
	FirstSortSection TEXT, LastSortSection TEXT, FirstSortLanguageIndex INTEGER DEFAULT 2147483647,
	LastSortLanguageIndex INTEGER DEFAULT 2147483647, PersonLink INTEGER DEFAULT -1, ImageURI TEXT,
	IsPreferredName INTEGER DEFAULT 1, guid TEXT NOT NULL DEFAULT (ab_generate_guid()),
	PhonemeData TEXT, AlternateBirthday TEXT, MapsData TEXT, FirstPronunciation TEXT,
	MiddlePronunciation TEXT, LastPronunciation TEXT, OrganizationPhonetic TEXT,
	OrganizationPronunciation TEXT, PreviousFamilyName TEXT`

func abDDL(era ABEra) []string {
	person := abPersonColumns[era]
	if era == ABMinimal {
		return []string{
			"CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key))",
			"CREATE TABLE ABPerson (" + person + ")",
			"CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER, property INTEGER, identifier INTEGER, value TEXT)",
		}
	}
	guid := ", guid TEXT NOT NULL DEFAULT (ab_generate_guid()), UNIQUE(guid)"
	ddl := []string{
		"CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key))",
		"CREATE TABLE ABPerson (" + person + ", UNIQUE(guid))",
		"CREATE INDEX ABFirstSortIndex on ABPerson(FirstSortLanguageIndex, FirstSortSection, FirstSort)",
		"CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER, property INTEGER, identifier INTEGER, label INTEGER, value TEXT" + guid + ")",
		"CREATE INDEX ABMultiValueRecordIDIndex on ABMultiValue(record_id)",
		"CREATE TABLE ABMultiValueEntry (parent_id INTEGER, key INTEGER, value TEXT, UNIQUE(parent_id, key))",
		"CREATE TABLE ABMultiValueEntryKey (value TEXT, UNIQUE(value))",
		"CREATE TABLE ABMultiValueLabel (value TEXT, UNIQUE(value))",
		"CREATE TABLE ABGroup (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT, ExternalIdentifier TEXT, StoreID INTEGER, ExternalModificationTag TEXT, ExternalRepresentation BLOB, ExternalUUID TEXT" + guid + ")",
		"CREATE TABLE ABGroupMembers (UID INTEGER PRIMARY KEY, group_id INTEGER, member_type INTEGER, member_id INTEGER, UNIQUE(group_id, member_type, member_id))",
		"CREATE TABLE ABPhoneLastFour (multivalue_id INTEGER PRIMARY KEY, value TEXT)",
		"CREATE TABLE ABPersonLink (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, PreferredImagePersonID INTEGER DEFAULT -1, PreferredNamePersonID INTEGER DEFAULT -1" + guid + ")",
	}
	if era >= ABiOS15 {
		ddl = append(ddl, "CREATE TABLE ABStore (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT, ExternalIdentifier TEXT, Type INTEGER, ConstraintsPath TEXT, ExternalModificationTag TEXT, ExternalSyncTag TEXT, StoreInternalIdentifier TEXT, AccountID INTEGER DEFAULT -1, Enabled INTEGER DEFAULT 1, SyncData BLOB, MeIdentifier INTEGER DEFAULT -1, Capabilities INTEGER DEFAULT 0, guid TEXT NOT NULL DEFAULT (ab_generate_guid()), LastSyncDate TEXT, UNIQUE(StoreInternalIdentifier), UNIQUE(guid))")
	} else {
		ddl = append(ddl, "CREATE TABLE ABStore (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT, ExternalIdentifier TEXT, Type INTEGER, ConstraintsPath TEXT, ExternalModificationTag TEXT, ExternalSyncTag TEXT, AccountID INTEGER DEFAULT -1, Enabled INTEGER DEFAULT 1, SyncData BLOB, MeIdentifier INTEGER DEFAULT -1, Capabilities INTEGER DEFAULT 0, guid TEXT NOT NULL DEFAULT (ab_generate_guid()), UNIQUE(guid))")
	}
	return ddl
}

// AddressBook returns the image of a synthetic AddressBook.sqlitedb of the
// given era holding people, in order. Columns the era lacks are silently
// not written. Images go to AddressBookImages.
func AddressBook(era ABEra, people ...Person) ([]byte, error) {
	if _, ok := abPersonColumns[era]; !ok {
		return nil, fmt.Errorf("dbfixture: unknown AddressBook era %d", era)
	}
	return sqlitemem.Build(func(conn *sql.Conn) error {
		ctx := context.Background()
		for _, q := range abDDL(era) {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("dbfixture: %s: %w", q, err)
			}
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		w := &abWriter{ctx: ctx, tx: tx, era: era, labels: map[string]int64{}, keys: map[string]int64{}, groups: map[string]int64{}}
		if err := w.props(); err != nil {
			return err
		}
		for i := range people {
			if err := w.person(&people[i]); err != nil {
				return err
			}
		}
		return tx.Commit()
	})
}

type abWriter struct {
	ctx    context.Context
	tx     *sql.Tx
	era    ABEra
	labels map[string]int64
	keys   map[string]int64
	groups map[string]int64
	guid   int
	cols   map[string]bool
}

func (w *abWriter) exec(q string, args ...any) (sql.Result, error) {
	res, err := w.tx.ExecContext(w.ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("dbfixture: %s: %w", q, err)
	}
	return res, nil
}

func (w *abWriter) nextGUID() string {
	w.guid++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", w.guid)
}

func (w *abWriter) props() error {
	props := [][2]string{{"_ClientVersion", strconv.Itoa(w.era.ClientVersion())}, {"_UniqueIdentifier", "6F1D0C6E-5A3B-4C2D-9E8F-0A1B2C3D4E5F"}}
	if w.era == ABMinimal {
		props = props[1:]
	}
	for _, kv := range props {
		if _, err := w.exec("INSERT INTO _SqliteDatabaseProperties (key, value) VALUES (?, ?)", kv[0], kv[1]); err != nil {
			return err
		}
	}
	if w.era != ABMinimal {
		if _, err := w.exec("INSERT INTO ABStore (ROWID, Name, Type, guid) VALUES (0, '', 0, ?)", w.nextGUID()); err != nil {
			return err
		}
	}
	rows, err := w.tx.QueryContext(w.ctx, "SELECT name FROM pragma_table_info('ABPerson')")
	if err != nil {
		return err
	}
	defer rows.Close()
	w.cols = map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		w.cols[n] = true
	}
	return rows.Err()
}

func abNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func abTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix() - cocoaEpochUnix
}

func (w *abWriter) person(p *Person) error { // p is only read
	vals := []struct {
		col string
		v   any
	}{
		{"First", abNull(p.First)}, {"Last", abNull(p.Last)}, {"Middle", abNull(p.Middle)},
		{"FirstPhonetic", abNull(p.FirstPhonetic)}, {"MiddlePhonetic", abNull(p.MiddlePhonetic)},
		{"LastPhonetic", abNull(p.LastPhonetic)}, {"Organization", abNull(p.Organization)},
		{"OrganizationPhonetic", abNull(p.OrgPhonetic)},
		{"Department", abNull(p.Department)}, {"Note", abNull(p.Note)}, {"Kind", p.Kind},
		{"Birthday", abNull(p.Birthday)}, {"JobTitle", abNull(p.JobTitle)}, {"Nickname", abNull(p.Nickname)},
		{"Prefix", abNull(p.Prefix)}, {"Suffix", abNull(p.Suffix)},
		{"FirstSort", abNull(strings.ToLower(p.First + " " + p.Last))},
		{"CreationDate", abTime(p.Created)}, {"ModificationDate", abTime(p.Modified)},
		{"StoreID", 0}, {"guid", w.nextGUID()},
	}
	cols := []string{"ROWID"}
	args := []any{nil}
	if p.ID != 0 {
		args[0] = p.ID
	}
	for _, v := range vals {
		if w.cols[v.col] {
			cols = append(cols, v.col)
			args = append(args, v.v)
		}
	}
	res, err := w.exec("INSERT INTO ABPerson ("+strings.Join(cols, ", ")+") VALUES (?"+strings.Repeat(", ?", len(cols)-1)+")", args...)
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}

	for _, m := range []struct {
		prop int
		vals []Value
	}{{3, p.Phones}, {4, p.Emails}, {22, p.URLs}, {23, p.Related}, {12, p.Dates}} {
		for i, v := range m.vals {
			if _, err := w.multi(id, m.prop, i, v.Label, v.Value); err != nil {
				return err
			}
		}
	}
	for i, a := range p.Addresses {
		uid, err := w.multi(id, 5, i, a.Label, "")
		if err != nil {
			return err
		}
		if err := w.entries(uid, [][2]string{{"Street", a.Street}, {"City", a.City}, {"State", a.State},
			{"ZIP", a.ZIP}, {"Country", a.Country}, {"CountryCode", a.CountryCode}}); err != nil {
			return err
		}
	}
	for _, set := range []struct {
		prop int
		accs []Account
	}{{13, p.IM}, {46, p.Social}} {
		for i, a := range set.accs {
			uid, err := w.multi(id, set.prop, i, a.Label, "")
			if err != nil {
				return err
			}
			if err := w.entries(uid, [][2]string{{"service", a.Service}, {"username", a.Username}, {"url", a.URL}}); err != nil {
				return err
			}
		}
	}
	if w.era == ABMinimal {
		return nil
	}
	for _, g := range p.Groups {
		gid, ok := w.groups[g]
		if !ok {
			res, err := w.exec("INSERT INTO ABGroup (Name, StoreID, guid) VALUES (?, 0, ?)", g, w.nextGUID())
			if err != nil {
				return err
			}
			if gid, err = res.LastInsertId(); err != nil {
				return err
			}
			w.groups[g] = gid
		}
		if _, err := w.exec("INSERT INTO ABGroupMembers (group_id, member_type, member_id) VALUES (?, 0, ?)", gid, id); err != nil {
			return err
		}
	}
	return nil
}

// multi inserts an ABMultiValue row and returns its UID.
func (w *abWriter) multi(record int64, prop, ident int, label, value string) (int64, error) {
	var res sql.Result
	var err error
	if w.era == ABMinimal {
		res, err = w.exec("INSERT INTO ABMultiValue (record_id, property, identifier, value) VALUES (?, ?, ?, ?)",
			record, prop, ident, value)
	} else {
		var lab any
		if label != "" {
			id, ok := w.labels[label]
			if !ok {
				r, err := w.exec("INSERT INTO ABMultiValueLabel (value) VALUES (?)", label)
				if err != nil {
					return 0, err
				}
				if id, err = r.LastInsertId(); err != nil {
					return 0, err
				}
				w.labels[label] = id
			}
			lab = id
		}
		res, err = w.exec("INSERT INTO ABMultiValue (record_id, property, identifier, label, value, guid) VALUES (?, ?, ?, ?, ?, ?)",
			record, prop, ident, lab, value, w.nextGUID())
	}
	if err != nil {
		return 0, err
	}
	uid, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if prop == 3 && w.era != ABMinimal {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, value)
		if len(digits) > 4 {
			digits = digits[len(digits)-4:]
		}
		if _, err := w.exec("INSERT INTO ABPhoneLastFour (multivalue_id, value) VALUES (?, ?)", uid, digits); err != nil {
			return 0, err
		}
	}
	return uid, nil
}

// entries inserts the non-empty ABMultiValueEntry rows of parent (a UID).
func (w *abWriter) entries(parent int64, kv [][2]string) error {
	if w.era == ABMinimal {
		return nil
	}
	for _, e := range kv {
		if e[1] == "" {
			continue
		}
		id, ok := w.keys[e[0]]
		if !ok {
			r, err := w.exec("INSERT INTO ABMultiValueEntryKey (value) VALUES (?)", e[0])
			if err != nil {
				return err
			}
			if id, err = r.LastInsertId(); err != nil {
				return err
			}
			w.keys[e[0]] = id
		}
		if _, err := w.exec("INSERT INTO ABMultiValueEntry (parent_id, key, value) VALUES (?, ?, ?)", parent, id, e[1]); err != nil {
			return err
		}
	}
	return nil
}

// AddressBookImages returns the image of a synthetic
// AddressBookImages.sqlitedb holding the FullSize and Thumbnails of
// people. Each person must carry the ID it has in the AddressBook (pass
// explicit IDs to both functions).
func AddressBookImages(people ...Person) ([]byte, error) {
	return sqlitemem.Build(func(conn *sql.Conn) error {
		ctx := context.Background()
		for _, q := range []string{
			"CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key))",
			"CREATE TABLE ABThumbnailImage (record_id INTEGER, format INTEGER, derived_from_format INTEGER, data BLOB, UNIQUE(record_id, format))",
			"CREATE TABLE ABFullSizeImage (record_id INTEGER, crop_x INTEGER, crop_y INTEGER, crop_width INTEGER, data BLOB, crop_height INTEGER, UNIQUE(record_id))",
		} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("dbfixture: %s: %w", q, err)
			}
		}
		for _, p := range people {
			if p.ID == 0 && (len(p.FullSize) > 0 || len(p.Thumbnails) > 0) {
				return fmt.Errorf("dbfixture: person %q has images but no ID", p.First+" "+p.Last)
			}
			if len(p.FullSize) > 0 {
				if _, err := conn.ExecContext(ctx, "INSERT INTO ABFullSizeImage (record_id, crop_x, crop_y, crop_width, data, crop_height) VALUES (?, 0, 0, 0, ?, 0)", p.ID, p.FullSize); err != nil {
					return err
				}
			}
			for _, t := range p.Thumbnails {
				if _, err := conn.ExecContext(ctx, "INSERT INTO ABThumbnailImage (record_id, format, derived_from_format, data) VALUES (?, ?, 0, ?)", p.ID, t.Format, t.Data); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
