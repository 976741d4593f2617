package records

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/iosbackup/iosbackup/internal/devicepath"
)

// ABMultiValue property identifiers (observed values; Apple does not
// publish them).
const (
	abPhone   = 3
	abEmail   = 4
	abAddress = 5
	abDate    = 12
	abIM      = 13
	abURL     = 22
	abRelated = 23
	abSocial  = 46
)

// kindOrganization is ABPerson.Kind for a company record.
const kindOrganization = 1

// ContactDB reads an AddressBook.sqlitedb and, when present, its
// AddressBookImages.sqlitedb. It is safe for concurrent use; each call to
// Contacts runs its own queries.
type ContactDB struct {
	name      string
	origin    origin // where it was opened from, for Recovered
	db        *sql.DB
	images    *sql.DB // nil when there is no images database
	imagesErr error   // why images is nil, when it exists but cannot be read
}

// OpenContacts opens the address book of a backup (or of any tree laid out
// as Domain/relative/path):
// HomeDomain/Library/AddressBook/AddressBook.sqlitedb with its "-wal", and
// AddressBookImages.sqlitedb beside it (with its "-wal") when present. A
// missing address book gives an error wrapping ErrNotFound. An images
// database that cannot be read does not fail the call: contacts are then
// returned without photos and PhotoError says why.
func OpenContacts(fsys fs.FS) (*ContactDB, error) {
	db, err := openFS(fsys, devicepath.AddressBook)
	if err != nil {
		return nil, err
	}
	c, err := newContactDB(origin{fsys: fsys, name: devicepath.AddressBook}, db)
	if err != nil {
		return nil, err
	}
	img, err := openFS(fsys, devicepath.AddressBookImages)
	c.setImages(img, err)
	return c, nil
}

// OpenContactsFile opens a bare AddressBook.sqlitedb file, its "-wal"
// beside it if any, and AddressBookImages.sqlitedb (with its "-wal") from
// the same folder if present. The files are only read.
func OpenContactsFile(path string) (*ContactDB, error) {
	db, err := openFile(path)
	if err != nil {
		return nil, err
	}
	c, err := newContactDB(origin{name: path}, db)
	if err != nil {
		return nil, err
	}
	img, err := openFile(filepath.Join(filepath.Dir(path), "AddressBookImages.sqlitedb"))
	c.setImages(img, err)
	return c, nil
}

// The columns without which a table of the address book cannot be read
// right: a schema lacking them is refused with an *UnsupportedError.
var (
	abEntryRequired = []string{"parent_id", "key", "value"}
	abLabelRequired = []string{"value"}
)

func newContactDB(o origin, db *sql.DB) (*ContactDB, error) {
	name := o.name
	if err := checkABSchema(name, db); err != nil {
		db.Close()
		return nil, err
	}
	return &ContactDB{name: name, origin: o, db: db}, nil
}

// checkABSchema recognises an address book by its tables and columns:
// ABPerson and ABMultiValue with their key columns, and the label and
// entry tables their columns refer to. Optional tables (groups, entries)
// may be absent, but when present must have the columns read.
func checkABSchema(name string, db *sql.DB) error {
	need := func(table string, missing func(map[string]bool) []string, optional bool) (map[string]bool, error) {
		cols, err := columns(db, table)
		if err != nil {
			return nil, &DatabaseError{Name: name, Err: err}
		}
		if len(cols) == 0 && optional {
			return cols, nil
		}
		if m := missing(cols); len(m) > 0 {
			return nil, &UnsupportedError{Database: name, Table: table, Missing: m}
		}
		return cols, nil
	}
	if _, err := need("ABPerson", personColumns.missing, false); err != nil {
		return err
	}
	mv, err := need("ABMultiValue", multiValueColumns.missing, false)
	if err != nil {
		return err
	}
	if mv["label"] {
		if _, err := need("ABMultiValueLabel", requiredOf(abLabelRequired), false); err != nil {
			return err
		}
	}
	if ec, err := need("ABMultiValueEntry", requiredOf(abEntryRequired), true); err != nil {
		return err
	} else if len(ec) > 0 {
		if _, err := need("ABMultiValueEntryKey", requiredOf(abLabelRequired), false); err != nil {
			return err
		}
	}
	return nil
}

func (c *ContactDB) setImages(img *sql.DB, err error) {
	switch {
	case err == nil:
		c.images = img
	case errors.Is(err, ErrNotFound):
	default:
		c.imagesErr = err
	}
}

// PhotoError reports why photos are unavailable although an images
// database exists (nil when photos are read, or when there is no images
// database at all).
func (c *ContactDB) PhotoError() error { return c.imagesErr }

// Close releases both databases.
func (c *ContactDB) Close() error {
	err := c.db.Close()
	if c.images != nil {
		err = errors.Join(err, c.images.Close())
	}
	return err
}

// The ABPerson columns read, in scan order: an index in a scanned row
// each, and the table that describes them.
var (
	pRowID, pPrefix, pFirst, pMiddle, pLast, pSuffix, pNickname                    int
	pFirstPhonetic, pMiddlePhonetic, pLastPhonetic, pOrganization, pDepartment     int
	pJobTitle, pNote, pBirthday, pCreated, pModified, pKind, pOrganizationPhonetic int

	personColumns = columnsOf(
		column{at: &pRowID, name: "ROWID"},
		column{at: &pPrefix, name: "Prefix"},
		column{at: &pFirst, name: "First", required: true},
		column{at: &pMiddle, name: "Middle"},
		column{at: &pLast, name: "Last", required: true},
		column{at: &pSuffix, name: "Suffix"},
		column{at: &pNickname, name: "Nickname"},
		column{at: &pFirstPhonetic, name: "FirstPhonetic"},
		column{at: &pMiddlePhonetic, name: "MiddlePhonetic"},
		column{at: &pLastPhonetic, name: "LastPhonetic"},
		column{at: &pOrganization, name: "Organization"},
		column{at: &pDepartment, name: "Department"},
		column{at: &pJobTitle, name: "JobTitle"},
		column{at: &pNote, name: "Note"},
		column{at: &pBirthday, name: "Birthday"},
		column{at: &pCreated, name: "CreationDate"},
		column{at: &pModified, name: "ModificationDate"},
		column{at: &pKind, name: "Kind"},
		column{at: &pOrganizationPhonetic, name: "OrganizationPhonetic"},
	)
)

// Contacts returns every ABPerson row, ordered by ROWID, with its
// multi-values (phones, emails, addresses, ...), groups and photo. A row
// that cannot be read at all is yielded as a *RowError and iteration
// continues; a contact of which only a part cannot be read (its photo, an
// implausible date, a dangling label) is yielded with that field empty
// and the problem listed in Contact.Problems. A failing query ends the
// sequence after yielding a *DatabaseError. Optional columns that an
// older or newer schema lacks give empty fields; the key columns are
// checked when the database is opened. The queries run under ctx: when
// ctx is done, the running query is interrupted and the sequence ends
// with an error.
func (c *ContactDB) Contacts(ctx context.Context) iter.Seq2[*Contact, error] {
	return func(yield func(*Contact, error) bool) {
		extras, err := c.loadExtras(ctx)
		if err != nil {
			yield(nil, &DatabaseError{Name: c.name, Err: err})
			return
		}
		photos := c.photoReader()
		defer photos.close()

		cols, err := columns(c.db, "ABPerson")
		if err != nil {
			yield(nil, &DatabaseError{Name: c.name, Err: err})
			return
		}
		sel := personColumns.selectList(cols, "ROWID", func(name string) string {
			return "+" + name // unary plus: no decltype-based conversion by the driver
		}, nil)
		rows, err := c.db.QueryContext(ctx, "SELECT "+sel+" FROM ABPerson ORDER BY ROWID")
		if err != nil {
			yield(nil, &DatabaseError{Name: c.name, Err: err})
			return
		}
		defer rows.Close()
		vals, ptrs := personColumns.row()
		for rows.Next() {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			if err := rows.Scan(ptrs...); err != nil {
				if !yield(nil, &RowError{Table: "ABPerson", Err: err}) {
					return
				}
				continue
			}
			p := personFromRow(vals)
			extras.attach(p)
			if err := photos.fill(p); err != nil {
				// The contact is good; only its photo is missing.
				p.Problems = append(p.Problems, "photo: "+err.Error())
			}
			p.DisplayName = DisplayName(p)
			if !yield(p, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, &DatabaseError{Name: c.name, Err: err})
		}
	}
}

func personFromRow(v []any) *Contact {
	id, _ := asInt(v[pRowID])
	p := &Contact{
		ID:             id,
		Prefix:         asString(v[pPrefix]),
		First:          asString(v[pFirst]),
		Middle:         asString(v[pMiddle]),
		Last:           asString(v[pLast]),
		Suffix:         asString(v[pSuffix]),
		Nickname:       asString(v[pNickname]),
		FirstPhonetic:  asString(v[pFirstPhonetic]),
		MiddlePhonetic: asString(v[pMiddlePhonetic]),
		LastPhonetic:   asString(v[pLastPhonetic]),
		Organization:   asString(v[pOrganization]),
		Department:     asString(v[pDepartment]),
		JobTitle:       asString(v[pJobTitle]),
		Note:           asString(v[pNote]),
		OrgPhonetic:    asString(v[pOrganizationPhonetic]),
		Phones:         []Labeled{},
		Emails:         []Labeled{},
		URLs:           []Labeled{},
		Addresses:      []Address{},
	}
	var prob string
	if p.Birthday, prob = parseABDate(v[pBirthday]); prob != "" {
		p.Problems = append(p.Problems, "birthday: "+prob)
	}
	p.Created = recordDate(&p.Problems, "created", v[pCreated], appleTime)
	p.Modified = recordDate(&p.Problems, "modified", v[pModified], appleTime)
	if k, ok := asInt(v[pKind]); ok && k == kindOrganization {
		p.IsOrganization = true
	}
	return p
}

// The plausible range of record dates (creation, modification, calls):
// nothing on an iPhone predates 2007, and nothing can be later than now
// (a backup's own date is earlier still) plus a day of clock skew.
var (
	firstPlausible = time.Date(2007, 1, 1, 0, 0, 0, 0, time.UTC)
	lastPlausible  = func() time.Time { return time.Now().Add(24 * time.Hour) }
)

// recordDate converts a scanned date column with conv. NULL (and 0, the
// unset value) gives nil; a value that is not a number or converts to a
// date outside the plausible range gives nil and a problem named field.
func recordDate(problems *[]string, field string, v any, conv func(float64) *time.Time) *time.Time {
	if v == nil {
		return nil
	}
	f, ok := asFloat(v)
	if !ok {
		*problems = append(*problems, fmt.Sprintf("%s: %q is not a date", field, truncate(asString(v), 40)))
		return nil
	}
	if f == 0 {
		return nil
	}
	t := conv(f)
	if t == nil || t.Before(firstPlausible) || t.After(lastPlausible()) {
		*problems = append(*problems, fmt.Sprintf("%s: %s is not a plausible date (%s)", field, strconv.FormatFloat(f, 'f', -1, 64), describeDate(t)))
		return nil
	}
	return t
}

func describeDate(t *time.Time) string {
	switch {
	case t == nil:
		return "out of range"
	case t.Before(firstPlausible):
		return "before 2007: " + t.Format(time.RFC3339)
	}
	return "in the future: " + t.Format(time.RFC3339)
}

// parseABDate is abDateString with the problem, when the value is not a date,
// said instead of passed on: the date is then "".
func parseABDate(v any) (string, string) {
	if v == nil {
		return "", ""
	}
	if _, ok := asFloat(v); !ok {
		s := strings.TrimSpace(asString(v))
		if s == "" {
			return "", ""
		}
		if _, err := time.Parse("2006-01-02", s); err == nil {
			return s, ""
		}
		return "", fmt.Sprintf("%q is not a date", truncate(s, 40))
	}
	d := abDateString(v)
	if d == "" {
		f, _ := asFloat(v)
		return "", fmt.Sprintf("%g is out of range", f)
	}
	return d, ""
}

// abDateString renders an AddressBook date (seconds since 2001-01-01 UTC,
// stored as text, integer or real) as YYYY-MM-DD, or --MM-DD when the year
// is 1604 (Apple's "no year" marker). The UTC calendar date is used:
// birthdays are stored as midnight GMT (or local noon on some versions),
// both of which fall on the intended day in UTC. A value that is not a
// number is returned verbatim (trimmed); NULL gives "".
func abDateString(v any) string {
	f, ok := asFloat(v)
	if !ok {
		return strings.TrimSpace(asString(v))
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e11 {
		return ""
	}
	t := time.Unix(int64(math.Floor(f))+appleEpoch, 0).UTC()
	if t.Year() == 1604 {
		return t.Format("--01-02")
	}
	return t.Format("2006-01-02")
}

// abExtras holds the preloaded multi-values and group names by person.
type abExtras struct {
	multi  map[int64][]abMulti
	groups map[int64][]string
}

type abMulti struct {
	uid      int64
	property int64
	label    string
	value    string
	entries  []abEntry // for addresses, IM and social profiles
	problem  string    // a part that could not be read, "" when none
}

type abEntry struct{ key, value string }

// The ABMultiValue columns read (phones, emails, addresses, ...), in scan
// order, with the label's text from ABMultiValueLabel when it can be
// joined.
var (
	mvUID, mvRecord, mvProperty, mvValue, mvLabelID, mvLabel int

	multiValueColumns = columnsOf(
		column{at: &mvUID, name: "UID", orElse: "m.ROWID"}, // the key of its entries; ROWID before iOS 5
		column{at: &mvRecord, name: "record_id", required: true},
		column{at: &mvProperty, name: "property", required: true},
		column{at: &mvValue, name: "value", required: true},
		column{at: &mvLabelID, name: "label", expr: "m.label", on: "labels"},
		column{at: &mvLabel, name: "ABMultiValueLabel.value", expr: "l.value", on: "labels"},
	)
)

func (c *ContactDB) loadExtras(ctx context.Context) (*abExtras, error) {
	x := &abExtras{multi: map[int64][]abMulti{}, groups: map[int64][]string{}}
	entries, err := loadEntries(ctx, c.db)
	if err != nil {
		return nil, err
	}
	mv, err := columns(c.db, "ABMultiValue")
	if err != nil {
		return nil, err
	}
	if mv["record_id"] && mv["property"] {
		labels := false
		join := ""
		if mv["label"] {
			lc, err := columns(c.db, "ABMultiValueLabel")
			if err != nil {
				return nil, err
			}
			if lc["value"] {
				labels = true
				join = " LEFT JOIN ABMultiValueLabel l ON l.ROWID = m.label"
			}
		}
		sel := multiValueColumns.selectList(mv, "m.ROWID", func(name string) string { return "m." + name },
			func(on string) bool { return on == "labels" && labels })
		uid := "UID"
		if !mv["UID"] {
			uid = "ROWID"
		}
		rows, err := c.db.QueryContext(ctx, "SELECT "+sel+" FROM ABMultiValue m"+join+" ORDER BY m.record_id, m."+uid)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		v, ptrs := multiValueColumns.row()
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return nil, err
			}
			u, rec, prop, lab, val, labID := v[mvUID], v[mvRecord], v[mvProperty], v[mvLabel], v[mvValue], v[mvLabelID]
			var m abMulti
			m.uid, _ = asInt(u)
			recID, ok := asInt(rec)
			if !ok {
				continue
			}
			m.property, _ = asInt(prop)
			m.label = cleanLabel(asString(lab))
			if lab == nil && labID != nil {
				m.problem = fmt.Sprintf("label %s is not in ABMultiValueLabel", truncate(asString(labID), 20))
			}
			m.value = asString(val)
			m.entries = entries[m.uid]
			x.multi[recID] = append(x.multi[recID], m)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if err := x.loadGroups(ctx, c.db); err != nil {
		return nil, err
	}
	return x, nil
}

// loadEntries reads ABMultiValueEntry keyed by parent_id (= ABMultiValue.UID).
func loadEntries(ctx context.Context, db *sql.DB) (map[int64][]abEntry, error) {
	out := map[int64][]abEntry{}
	ec, err := columns(db, "ABMultiValueEntry")
	if err != nil || !ec["parent_id"] || !ec["key"] || !ec["value"] {
		return out, err
	}
	kc, err := columns(db, "ABMultiValueEntryKey")
	if err != nil || !kc["value"] {
		return out, err
	}
	rows, err := db.QueryContext(ctx, `SELECT e.parent_id, k.value, e.value FROM ABMultiValueEntry e
		JOIN ABMultiValueEntryKey k ON k.ROWID = e.key ORDER BY e.parent_id, e.ROWID`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p, k, v any
		if err := rows.Scan(&p, &k, &v); err != nil {
			return nil, err
		}
		id, ok := asInt(p)
		if !ok {
			continue
		}
		out[id] = append(out[id], abEntry{key: asString(k), value: asString(v)})
	}
	return out, rows.Err()
}

func (x *abExtras) loadGroups(ctx context.Context, db *sql.DB) error {
	gc, err := columns(db, "ABGroup")
	if err != nil || !gc["Name"] {
		return err
	}
	mc, err := columns(db, "ABGroupMembers")
	if err != nil || !mc["group_id"] || !mc["member_id"] {
		return err
	}
	where := ""
	if mc["member_type"] {
		where = " WHERE m.member_type IS NULL OR m.member_type = 0" // 0 = person, 1 = group
	}
	rows, err := db.QueryContext(ctx, "SELECT m.member_id, g.Name FROM ABGroupMembers m JOIN ABGroup g ON g.ROWID = m.group_id"+
		where+" ORDER BY m.member_id, g.Name, g.ROWID")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var m, n any
		if err := rows.Scan(&m, &n); err != nil {
			return err
		}
		id, ok := asInt(m)
		if !ok {
			continue
		}
		x.groups[id] = append(x.groups[id], asString(n))
	}
	return rows.Err()
}

// attach copies the multi-values and groups of p.ID into p.
func (x *abExtras) attach(p *Contact) {
	counts := map[string]int{} // index of each value in its list
	for _, m := range x.multi[p.ID] {
		list := propertyName(m.property)
		if m.problem != "" {
			p.Problems = append(p.Problems, fmt.Sprintf("%s[%d]: %s", list, counts[list], m.problem))
		}
		counts[list]++
		switch m.property {
		case abPhone:
			p.Phones = append(p.Phones, Labeled{Label: m.label, Value: m.value})
		case abEmail:
			p.Emails = append(p.Emails, Labeled{Label: m.label, Value: m.value})
		case abURL:
			p.URLs = append(p.URLs, Labeled{Label: m.label, Value: m.value})
		case abRelated:
			p.Related = append(p.Related, Labeled{Label: m.label, Value: m.value})
		case abDate:
			p.Dates = append(p.Dates, Labeled{Label: m.label, Value: abDateString(m.value)})
		case abAddress:
			a := Address{Label: m.label}
			for _, e := range m.entries {
				switch strings.ToLower(e.key) {
				case "street":
					a.Street = e.value
				case "city":
					a.City = e.value
				case "state":
					a.State = e.value
				case "zip":
					a.ZIP = e.value
				case "country":
					a.Country = e.value
				case "countrycode":
					a.CountryCode = e.value
				}
			}
			p.Addresses = append(p.Addresses, a)
		case abIM, abSocial:
			pr := Profile{Label: m.label}
			for _, e := range m.entries {
				switch strings.ToLower(e.key) {
				case "service":
					pr.Service = e.value
				case "username":
					pr.Username = e.value
				case "url":
					pr.URL = e.value
				}
			}
			if pr.Username == "" && pr.URL == "" {
				pr.Username = m.value
			}
			p.Profiles = append(p.Profiles, pr)
		}
	}
	if g := x.groups[p.ID]; len(g) > 0 {
		p.Groups = append([]string(nil), g...)
	}
}

// propertyName names a multi-value property in problems.
func propertyName(p int64) string {
	switch p {
	case abPhone:
		return "phones"
	case abEmail:
		return "emails"
	case abAddress:
		return "addresses"
	case abDate:
		return "dates"
	case abIM, abSocial:
		return "profiles"
	case abURL:
		return "urls"
	case abRelated:
		return "related"
	}
	return fmt.Sprintf("property %d", p)
}

// cleanLabel turns a system label such as _$!<Mobile>!$_ into Mobile;
// custom labels are returned as stored.
func cleanLabel(s string) string {
	if strings.HasPrefix(s, "_$!<") && strings.HasSuffix(s, ">!$_") && len(s) >= 8 {
		return s[4 : len(s)-4]
	}
	return s
}

// photoReader fetches per-contact images from AddressBookImages.sqlitedb. The
// images of each contact are located once, by one scan of each table
// (their record_id columns may have no index in a rebuilt database, so a
// query per contact would be quadratic), and each image is then read by
// its ROWID.
type photoReader struct {
	full, thumb       map[int64][]int64 // image ROWIDs by record_id, preferred first
	fullSt, thumbSt   *sql.Stmt
	fullErr, thumbErr error
}

func (c *ContactDB) photoReader() *photoReader {
	r := &photoReader{}
	if c.images == nil {
		return r
	}
	if fc, err := columns(c.images, "ABFullSizeImage"); err == nil && fc["record_id"] && fc["data"] {
		r.full, r.fullErr = imageIndex(c.images, "SELECT record_id, ROWID FROM ABFullSizeImage WHERE length(data) > 0 ORDER BY record_id, ROWID")
		r.fullSt, _ = c.images.Prepare("SELECT data FROM ABFullSizeImage WHERE ROWID = ?")
	}
	if tc, err := columns(c.images, "ABThumbnailImage"); err == nil && tc["record_id"] && tc["data"] {
		order := "ROWID"
		if tc["format"] {
			order = "format <> 0, format, ROWID"
		}
		r.thumb, r.thumbErr = imageIndex(c.images, "SELECT record_id, ROWID FROM ABThumbnailImage WHERE length(data) > 0 ORDER BY record_id, "+order)
		r.thumbSt, _ = c.images.Prepare("SELECT data FROM ABThumbnailImage WHERE ROWID = ?")
	}
	return r
}

// imageIndex runs q (record_id, ROWID rows) into a map.
func imageIndex(db *sql.DB, q string) (map[int64][]int64, error) {
	rows, err := db.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var rec, id any
		if err := rows.Scan(&rec, &id); err != nil {
			return nil, err
		}
		r, ok1 := asInt(rec)
		i, ok2 := asInt(id)
		if ok1 && ok2 {
			out[r] = append(out[r], i)
		}
	}
	return out, rows.Err()
}

func (r *photoReader) fill(p *Contact) error {
	for _, src := range []struct {
		ids map[int64][]int64
		st  *sql.Stmt
		err error
	}{{r.full, r.fullSt, r.fullErr}, {r.thumb, r.thumbSt, r.thumbErr}} {
		if src.err != nil {
			return src.err
		}
		if src.st == nil {
			continue
		}
		for _, id := range src.ids[p.ID] {
			var b []byte
			err := src.st.QueryRow(id).Scan(&b)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			if len(b) > 0 {
				p.Photo, p.HasPhoto = b, true
				return nil
			}
		}
	}
	return nil
}

func (r *photoReader) close() {
	if r.fullSt != nil {
		r.fullSt.Close()
	}
	if r.thumbSt != nil {
		r.thumbSt.Close()
	}
}
