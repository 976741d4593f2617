package records

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iosbackup/iosbackup/internal/devicepath"
)

// Limits that keep hostile databases bounded: lists longer than these are
// cut and the cut is listed in the record's Problems.
const (
	maxEventList  = 1000    // attendees, alarms, exceptions, attachments per event
	maxFieldBytes = 1 << 20 // one text field
)

// CalendarDB reads the events of a Calendar.sqlitedb. It is safe for
// concurrent use.
type CalendarDB struct {
	name string
	db   *sql.DB
	cols map[string]map[string]bool // table → columns, for the tables read
}

// The columns of the tables joined to CalendarItem, in scan order: an
// index in a scanned row each, and a table each.
var (
	stRowID, stName                                                    int
	calRowID, calTitle, calColor, calStore                             int
	locRowID, locTitle, locAddress, locLatitude, locLongitude          int
	idRowID, idDisplayName, idAddress, idFirst, idLast                 int
	paRowID, paEntity, paStatus, paIdentity, paOwner, paEmail, paPhone int
	paSelf                                                             int
	reFrequency, reOwner, reInterval, reCount, reEnd, reSpecifier      int
	exDate, exOwner                                                    int
	alOwner, alDate, alInterval, alProximity                           int
	afRowID, afName, afSize, afURL                                     int
	atOwner, atFile, atName, atSize, atURL                             int

	storeColumns = columnsOf(
		column{at: &stRowID, name: "ROWID"},
		column{at: &stName, name: "name", required: true},
	)
	calendarColumns = columnsOf(
		column{at: &calRowID, name: "ROWID"},
		column{at: &calTitle, name: "title", required: true},
		column{at: &calColor, name: "color"},
		column{at: &calStore, name: "store_id"},
	)
	locationColumns = columnsOf(
		column{at: &locRowID, name: "ROWID"},
		column{at: &locTitle, name: "title", required: true},
		column{at: &locAddress, name: "address"},
		column{at: &locLatitude, name: "latitude"},
		column{at: &locLongitude, name: "longitude"},
	)
	identityColumns = columnsOf(
		column{at: &idRowID, name: "rowid"},
		column{at: &idDisplayName, name: "display_name"},
		column{at: &idAddress, name: "address"},
		column{at: &idFirst, name: "first_name"},
		column{at: &idLast, name: "last_name"},
	)
	participantColumns = columnsOf(
		column{at: &paRowID, name: "ROWID"},
		column{at: &paEntity, name: "entity_type"},
		column{at: &paStatus, name: "status"},
		column{at: &paIdentity, name: "identity_id"},
		column{at: &paOwner, name: "owner_id", required: true},
		column{at: &paEmail, name: "email"},
		column{at: &paPhone, name: "phone_number"},
		column{at: &paSelf, name: "is_self"},
	)
	recurrenceColumns = columnsOf(
		column{at: &reFrequency, name: "frequency", required: true},
		column{at: &reOwner, name: "owner_id", required: true},
		column{at: &reInterval, name: "interval"},
		column{at: &reCount, name: "count"},
		column{at: &reEnd, name: "end_date"},
		column{at: &reSpecifier, name: "specifier"},
	)
	exceptionColumns = columnsOf(
		column{at: &exDate, name: "date", required: true},
		column{at: &exOwner, name: "owner_id", required: true},
	)
	// The owner column is calendaritem_owner_id, or owner_id in older
	// schemas; one of them is required (see probeCalendar).
	alarmColumns = columnsOf(
		column{at: &alOwner, name: "calendaritem_owner_id"},
		column{at: &alDate, name: "trigger_date"},
		column{at: &alInterval, name: "trigger_interval"},
		column{at: &alProximity, name: "proximity"},
	)
	attachmentFileColumns = columnsOf(
		column{at: &afRowID, name: "ROWID"},
		column{at: &afName, name: "filename", required: true},
		column{at: &afSize, name: "file_size"},
		column{at: &afURL, name: "url"},
	)
	// The file is file_id (in AttachmentFile), or filename, file_size and
	// url in older schemas; one of file_id and filename is required (see
	// probeCalendar).
	attachmentColumns = columnsOf(
		column{at: &atOwner, name: "owner_id", required: true},
		column{at: &atFile, name: "file_id"},
		column{at: &atName, name: "filename"},
		column{at: &atSize, name: "file_size"},
		column{at: &atURL, name: "url"},
	)
)

// calendarTables are the tables of Calendar.sqlitedb read, with their
// columns.
var calendarTables = map[string]columnTable{
	"CalendarItem":   calendarItemColumns,
	"Calendar":       calendarColumns,
	"Store":          storeColumns,
	"Location":       locationColumns,
	"Recurrence":     recurrenceColumns,
	"ExceptionDate":  exceptionColumns,
	"Alarm":          alarmColumns,
	"Participant":    participantColumns,
	"Identity":       identityColumns,
	"Attachment":     attachmentColumns,
	"AttachmentFile": attachmentFileColumns,
}

// calendarTableOrder is the order the tables are probed in: CalendarItem
// first, so that a database of another kind is named by it.
var calendarTableOrder = []string{"CalendarItem", "Calendar", "Store", "Location", "Recurrence",
	"ExceptionDate", "Alarm", "Participant", "Identity", "Attachment", "AttachmentFile"}

// OpenCalendar opens HomeDomain/Library/Calendar/Calendar.sqlitedb (with
// its "-wal") from a backup or any tree laid out as Domain/relative/path.
// A missing database gives an error wrapping ErrNotFound; a schema not
// recognised an *UnsupportedError.
func OpenCalendar(fsys fs.FS) (*CalendarDB, error) {
	db, err := openFS(fsys, devicepath.Calendar)
	if err != nil {
		return nil, err
	}
	return probeCalendar(devicepath.Calendar, db)
}

// OpenCalendarFile opens a bare Calendar.sqlitedb (and its "-wal" beside
// it, if any). The files are only read.
func OpenCalendarFile(path string) (*CalendarDB, error) {
	db, err := openFile(path)
	if err != nil {
		return nil, err
	}
	return probeCalendar(path, db)
}

func probeCalendar(name string, db *sql.DB) (*CalendarDB, error) {
	c := &CalendarDB{name: name, db: db, cols: map[string]map[string]bool{}}
	for _, table := range calendarTableOrder {
		cols, err := columns(db, table)
		if err != nil {
			db.Close()
			return nil, &DatabaseError{Name: name, Err: err}
		}
		if len(cols) == 0 && table != "CalendarItem" {
			continue // optional table absent: its fields stay empty
		}
		missing := calendarTables[table].missing(cols)
		if table == "Alarm" && !cols["calendaritem_owner_id"] && !cols["owner_id"] {
			missing = append(missing, "calendaritem_owner_id")
		}
		if table == "Attachment" && !cols["file_id"] && !cols["filename"] {
			missing = append(missing, "file_id")
		}
		if len(missing) > 0 {
			db.Close()
			return nil, &UnsupportedError{Database: name, Table: table, Missing: missing}
		}
		c.cols[table] = cols
	}
	return c, nil
}

func missingColumns(have map[string]bool, want []string) []string {
	var missing []string
	for _, w := range want {
		if !have[w] {
			missing = append(missing, w)
		}
	}
	return missing
}

// Close releases the database.
func (c *CalendarDB) Close() error { return c.db.Close() }

func (c *CalendarDB) has(table, col string) bool { return c.cols[table][col] }

// Events returns every event, in ROWID order. Birthdays and changed
// occurrences of repeating events are events too (Birthday, OriginalID);
// tasks of iOS 12 and earlier are not (see OpenReminders). An event with
// a damaged part comes with what could be read and the damage in its
// Problems; a row that cannot be read at all is yielded as a *RowError and
// iteration goes on; a failing query ends the sequence with a
// *DatabaseError. The sequence stops with ctx's error when ctx is done.
func (c *CalendarDB) Events(ctx context.Context) iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		side, err := c.loadSide(ctx)
		if err != nil {
			yield(nil, c.dbErr(ctx, err))
			return
		}
		where := ""
		if c.has("CalendarItem", "entity_type") {
			where = "entity_type IS NOT 3"
		}
		for v, err := range c.scan(ctx, "CalendarItem", calendarItemColumns.names(), where, "ROWID") {
			if err != nil {
				if !yield(nil, err) {
					return
				}
				continue
			}
			if !yield(c.buildEvent(v, side), nil) {
				return
			}
		}
	}
}

func (c *CalendarDB) dbErr(ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return err
	}
	return &DatabaseError{Name: c.name, Err: err}
}

// The CalendarItem columns read (events, and the tasks of iOS 12 and
// earlier), in scan order.
var (
	ciRowID, ciSummary, ciDescription, ciURL, ciStart, ciStartTZ, ciEnd, ciEndTZ   int
	ciAllDay, ciCalendar, ciLocation, ciOrganizer, ciStatus, ciCreated, ciModified int
	ciUUID, ciUniqueID, ciConference, ciConferenceDetected, ciScale, ciOrigItem    int
	ciOrigDate, ciDue, ciDueTZ, ciDueAllDay, ciCompletion, ciPriority              int

	calendarItemColumns = columnsOf(
		column{at: &ciRowID, name: "ROWID"},
		column{at: &ciSummary, name: "summary", required: true},
		column{at: &ciDescription, name: "description"},
		column{at: &ciURL, name: "url"},
		column{at: &ciStart, name: "start_date", required: true},
		column{at: &ciStartTZ, name: "start_tz"},
		column{at: &ciEnd, name: "end_date", required: true},
		column{at: &ciEndTZ, name: "end_tz"},
		column{at: &ciAllDay, name: "all_day", required: true},
		column{at: &ciCalendar, name: "calendar_id", required: true},
		column{at: &ciLocation, name: "location_id"},
		column{at: &ciOrganizer, name: "organizer_id"},
		column{at: &ciStatus, name: "status"},
		column{at: &ciCreated, name: "creation_date"},
		column{at: &ciModified, name: "last_modified"},
		column{at: &ciUUID, name: "UUID"},
		column{at: &ciUniqueID, name: "unique_identifier"},
		column{at: &ciConference, name: "conference_url"},
		column{at: &ciConferenceDetected, name: "conference_url_detected"},
		column{at: &ciScale, name: "calendar_scale"},
		column{at: &ciOrigItem, name: "orig_item_id"},
		column{at: &ciOrigDate, name: "orig_date"},
		// tasks (iOS 12 and earlier; required of a task source, see calendarTasks)
		column{at: &ciDue, name: "due_date"},
		column{at: &ciDueTZ, name: "due_tz"},
		column{at: &ciDueAllDay, name: "due_all_day"},
		column{at: &ciCompletion, name: "completion_date"},
		column{at: &ciPriority, name: "priority"},
	)
)

// scan selects want from table (NULL for the columns the table lacks),
// filtered by where and ordered by order, and yields each row's values
// (the slice is reused). Cancellation of ctx ends the scan with ctx's
// error.
func (c *CalendarDB) scan(ctx context.Context, table string, want []string, where, order string) iter.Seq2[[]any, error] {
	return scanTable(ctx, c.db, c.name, table, want, c.cols[table], where, order)
}

func scanTable(ctx context.Context, db *sql.DB, name, table string, want []string, have map[string]bool, where, order string) iter.Seq2[[]any, error] {
	return func(yield func([]any, error) bool) {
		sel := make([]string, len(want))
		for i, col := range want {
			switch {
			case col == "ROWID" || col == "rowid":
				sel[i] = "rowid"
			case have[col]:
				sel[i] = "+" + quoteIdent(col) // unary plus: no decltype-based conversion
			default:
				sel[i] = "NULL"
			}
		}
		q := "SELECT " + strings.Join(sel, ", ") + " FROM " + quoteIdent(table)
		if where != "" {
			q += " WHERE " + where
		}
		if order != "" {
			q += " ORDER BY " + order
		}
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			if ctx.Err() != nil {
				yield(nil, ctx.Err())
				return
			}
			yield(nil, &DatabaseError{Name: name, Err: err})
			return
		}
		defer rows.Close()
		v := make([]any, len(sel))
		ptrs := make([]any, len(sel))
		for i := range v {
			ptrs[i] = &v[i]
		}
		for v, err := range eachRow(ctx, rows, table, v, ptrs, func(err error) error { return &DatabaseError{Name: name, Err: err} }) {
			if !yield(v, err) {
				return
			}
		}
	}
}

// calSide holds the rows of the tables joined to CalendarItem.
type calSide struct {
	calendars   map[int64]*CalendarInfo
	locations   map[int64]*EventLocation
	participant map[int64]*calParticipant
	attendees   map[int64][]int64 // owner → participant ids, in ROWID order
	recurrences map[int64][]calRecurrence
	exceptions  map[int64][]float64
	alarms      map[int64][]calAlarm
	attachments map[int64][]EventAttachment
	hasCalendar bool
	hasLocation bool
}

type calParticipant struct {
	att        Attendee
	entityType int64
	hasEntity  bool
	problem    string
}

type calRecurrence struct {
	frequency, interval, count int64
	hasFreq                    bool
	end                        any
	specifier                  string
}

type calAlarm struct {
	date      any
	interval  any
	proximity int64
}

func (c *CalendarDB) loadSide(ctx context.Context) (*calSide, error) {
	s := &calSide{
		calendars:   map[int64]*CalendarInfo{},
		locations:   map[int64]*EventLocation{},
		participant: map[int64]*calParticipant{},
		attendees:   map[int64][]int64{},
		recurrences: map[int64][]calRecurrence{},
		exceptions:  map[int64][]float64{},
		alarms:      map[int64][]calAlarm{},
		attachments: map[int64][]EventAttachment{},
		hasCalendar: c.cols["Calendar"] != nil,
		hasLocation: c.cols["Location"] != nil,
	}
	// each runs fn on every row of table, stopping at the first error.
	each := func(table string, want columnTable, order string, fn func(v []any)) error {
		if c.cols[table] == nil {
			return nil
		}
		for v, err := range c.scan(ctx, table, want.names(), "", order) {
			if err != nil {
				return err
			}
			fn(v)
		}
		return nil
	}
	stores := map[int64]string{}
	if err := each("Store", storeColumns, "", func(v []any) {
		id, _ := asInt(v[stRowID])
		stores[id] = clip(asString(v[stName]))
	}); err != nil {
		return nil, err
	}
	if err := each("Calendar", calendarColumns, "", func(v []any) {
		id, _ := asInt(v[calRowID])
		ci := &CalendarInfo{ID: id, Title: clip(asString(v[calTitle])), Color: clip(asString(v[calColor]))}
		if sid, ok := asInt(v[calStore]); ok {
			ci.Account = stores[sid]
		}
		s.calendars[id] = ci
	}); err != nil {
		return nil, err
	}
	if err := each("Location", locationColumns, "", func(v []any) {
		id, _ := asInt(v[locRowID])
		l := &EventLocation{Title: clip(asString(v[locTitle])), Address: clip(asString(v[locAddress]))}
		lat, okLat := asFloat(v[locLatitude])
		lon, okLon := asFloat(v[locLongitude])
		if okLat && okLon && !(lat == 0 && lon == 0) && math.Abs(lat) <= 90 && math.Abs(lon) <= 180 {
			l.Latitude, l.Longitude = &lat, &lon
		}
		s.locations[id] = l
	}); err != nil {
		return nil, err
	}
	type identity struct{ name, address string }
	identities := map[int64]identity{}
	if err := each("Identity", identityColumns, "", func(v []any) {
		id, _ := asInt(v[idRowID])
		name := clip(asString(v[idDisplayName]))
		if name == "" {
			name = strings.TrimSpace(clip(asString(v[idFirst])) + " " + clip(asString(v[idLast])))
		}
		identities[id] = identity{name: name, address: clip(asString(v[idAddress]))}
	}); err != nil {
		return nil, err
	}
	if err := each("Participant", participantColumns, "ROWID", func(v []any) {
		id, _ := asInt(v[paRowID])
		p := &calParticipant{}
		p.entityType, p.hasEntity = asInt(v[paEntity])
		p.att.Email = clip(asString(v[paEmail]))
		p.att.Phone = clip(asString(v[paPhone]))
		p.att.Self = asBool(v[paSelf])
		if iid, ok := asInt(v[paIdentity]); ok {
			if ident, ok := identities[iid]; ok {
				p.att.Name = ident.name
				if p.att.Email == "" {
					p.att.Email = mailAddress(ident.address)
				}
			}
		}
		if st, ok := asInt(v[paStatus]); ok {
			p.att.Status = participantStatus(st)
			if p.att.Status == "" {
				p.problem = fmt.Sprintf("participant %d: unknown reply status %d", id, st)
			}
		}
		s.participant[id] = p
		if owner, ok := asInt(v[paOwner]); ok {
			s.attendees[owner] = append(s.attendees[owner], id)
		}
	}); err != nil {
		return nil, err
	}
	if err := each("Recurrence", recurrenceColumns, "ROWID", func(v []any) {
		owner, _ := asInt(v[reOwner])
		var r calRecurrence
		r.frequency, r.hasFreq = asInt(v[reFrequency])
		r.interval, _ = asInt(v[reInterval])
		r.count, _ = asInt(v[reCount])
		r.end = v[reEnd]
		r.specifier = clip(asString(v[reSpecifier]))
		s.recurrences[owner] = append(s.recurrences[owner], r)
	}); err != nil {
		return nil, err
	}
	if err := each("ExceptionDate", exceptionColumns, "date", func(v []any) {
		owner, _ := asInt(v[exOwner])
		if d, ok := asFloat(v[exDate]); ok {
			s.exceptions[owner] = append(s.exceptions[owner], d)
		}
	}); err != nil {
		return nil, err
	}
	alarms := alarmColumns
	if !c.has("Alarm", "calendaritem_owner_id") {
		alarms = append(columnTable(nil), alarmColumns...)
		alarms[alOwner].name = "owner_id"
	}
	if err := each("Alarm", alarms, "ROWID", func(v []any) {
		owner, _ := asInt(v[alOwner])
		a := calAlarm{date: v[alDate], interval: v[alInterval]}
		a.proximity, _ = asInt(v[alProximity])
		s.alarms[owner] = append(s.alarms[owner], a)
	}); err != nil {
		return nil, err
	}
	files := map[int64]EventAttachment{}
	if err := each("AttachmentFile", attachmentFileColumns, "", func(v []any) {
		id, _ := asInt(v[afRowID])
		size, _ := asInt(v[afSize])
		files[id] = EventAttachment{Name: clip(asString(v[afName])), Size: size, URL: clip(asString(v[afURL]))}
	}); err != nil {
		return nil, err
	}
	if err := each("Attachment", attachmentColumns, "ROWID", func(v []any) {
		owner, _ := asInt(v[atOwner])
		var a EventAttachment
		if fid, ok := asInt(v[atFile]); ok && c.has("Attachment", "file_id") {
			f, ok := files[fid]
			if !ok {
				f.Name = fmt.Sprintf("(attachment file %d missing)", fid)
			}
			a = f
		} else {
			size, _ := asInt(v[atSize])
			a = EventAttachment{Name: clip(asString(v[atName])), Size: size, URL: clip(asString(v[atURL]))}
		}
		s.attachments[owner] = append(s.attachments[owner], a)
	}); err != nil {
		return nil, err
	}
	return s, nil
}

// mailAddress strips the mailto: scheme of an Identity address.
func mailAddress(s string) string {
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		return s[7:]
	}
	return s
}

// participantStatus maps Participant.status to an iCalendar PARTSTAT
// value, lower-case: the stored values follow the PARTSTAT order, 7 being
// "no response" as 0.
func participantStatus(v int64) string {
	switch v {
	case 0, 7:
		return "needs-action"
	case 1:
		return "accepted"
	case 2:
		return "declined"
	case 3:
		return "tentative"
	case 4:
		return "delegated"
	case 5:
		return "completed"
	case 6:
		return "in-process"
	}
	return ""
}

// floatTZ is the time-zone name Calendar.sqlitedb gives floating items.
const floatTZ = "_float"

func (c *CalendarDB) buildEvent(v []any, s *calSide) *Event {
	e := &Event{}
	e.ID, _ = asInt(v[ciRowID])
	p := &problems{}
	e.Title = p.text("summary", v[ciSummary])
	e.Notes = p.text("description", v[ciDescription])
	e.URL = p.text("url", v[ciURL])
	e.ConferenceURL = p.text("conference_url_detected", v[ciConferenceDetected])
	if e.ConferenceURL == "" {
		e.ConferenceURL = p.text("conference_url", v[ciConference])
	}
	e.UUID = p.text("UUID", v[ciUUID])
	if e.UUID == "" {
		e.UUID = p.text("unique_identifier", v[ciUniqueID])
	}
	e.Birthday = asString(v[ciScale]) == "gregorian"
	e.AllDay = asBool(v[ciAllDay])
	startTZ := asString(v[ciStartTZ])
	start := p.date("start_date", v[ciStart])
	end := p.date("end_date", v[ciEnd])
	switch {
	case e.AllDay:
		e.Start, e.End = allDayRange(start, end, startTZ, p)
	default:
		e.Start, e.End = start, end
		if startTZ == floatTZ {
			e.Floating = true
		} else {
			e.TimeZone = clip(startTZ)
			if endTZ := asString(v[ciEndTZ]); endTZ != "" && endTZ != floatTZ && endTZ != startTZ && end != nil {
				e.EndTimeZone = clip(endTZ)
			}
		}
		if start != nil && end != nil && end.Before(*start) {
			p.add("end_date is before start_date")
		}
	}
	if st, ok := asInt(v[ciStatus]); ok {
		switch st {
		case 1:
			e.Status = "confirmed"
		case 2:
			e.Status = "tentative"
		case 3:
			e.Status = "cancelled"
		}
	}
	e.Created = p.date("creation_date", v[ciCreated])
	e.Modified = p.date("last_modified", v[ciModified])
	if orig, ok := asInt(v[ciOrigItem]); ok && orig > 0 {
		e.OriginalID = &orig
		e.OriginalDate = p.date("orig_date", v[ciOrigDate])
	}

	if cid, ok := asInt(v[ciCalendar]); ok && s.hasCalendar {
		if ci, ok := s.calendars[cid]; ok {
			cc := *ci
			e.Calendar = &cc
		} else {
			p.add(fmt.Sprintf("calendar %d is not in the Calendar table", cid))
		}
	}
	if lid, ok := asInt(v[ciLocation]); ok && lid > 0 && s.hasLocation {
		if l, ok := s.locations[lid]; ok {
			ll := *l
			e.Location = &ll
		} else {
			p.add(fmt.Sprintf("location %d is not in the Location table", lid))
		}
	}
	e.Recurrence = recurrenceRule(s.recurrences[e.ID], e.AllDay, p)
	if e.Floating {
		// UNTIL takes the form of the start: a local time.
		parts := strings.Split(e.Recurrence, ";")
		for i, part := range parts {
			if strings.HasPrefix(part, "UNTIL=") {
				parts[i] = strings.TrimSuffix(part, "Z")
			}
		}
		e.Recurrence = strings.Join(parts, ";")
	}
	for i, d := range s.exceptions[e.ID] {
		if i == maxEventList {
			p.add(fmt.Sprintf("%d more exception dates not read", len(s.exceptions[e.ID])-i))
			break
		}
		t := appleTime(d)
		if t == nil {
			p.add(fmt.Sprintf("exception date %v is not a date", d))
			continue
		}
		if e.AllDay {
			t = floatingDay(*t, startTZ)
		}
		e.Exceptions = append(e.Exceptions, *t)
	}
	for i, a := range s.alarms[e.ID] {
		if i == maxEventList {
			p.add(fmt.Sprintf("%d more alarms not read", len(s.alarms[e.ID])-i))
			break
		}
		// An absolute alarm has a trigger_date (its trigger_interval NULL
		// or 0); a relative one a trigger_interval.
		var al Alarm
		off, hasOff := asFloat(a.interval)
		switch {
		case a.date != nil && (!hasOff || off == 0):
			al.Date = p.date("alarm trigger_date", a.date)
		case hasOff && math.Abs(off) < 1e10:
			o := int64(math.Round(off))
			al.Offset = &o
		case hasOff:
			p.add(fmt.Sprintf("alarm trigger_interval %v is out of range", off))
		}
		switch a.proximity {
		case 1:
			al.Proximity = "arrive"
		case 2:
			al.Proximity = "leave"
		}
		if al.Offset == nil && al.Date == nil {
			if !hasOff && a.date == nil {
				p.add("an alarm has neither a trigger interval nor a trigger date")
			}
			continue
		}
		e.Alarms = append(e.Alarms, al)
	}
	organizer, _ := asInt(v[ciOrganizer])
	if organizer > 0 {
		if pp, ok := s.participant[organizer]; ok {
			a := pp.att
			e.Organizer = &a
			if pp.problem != "" {
				p.add(pp.problem)
			}
		} else if len(s.participant) > 0 || c.cols["Participant"] != nil {
			p.add(fmt.Sprintf("organizer %d is not in the Participant table", organizer))
		}
	}
	n := 0
	for _, pid := range s.attendees[e.ID] {
		pp := s.participant[pid]
		if pid == organizer || (pp.hasEntity && pp.entityType != 7) {
			continue // the organizer, or another kind of participant
		}
		if n == maxEventList {
			p.add("more attendees not read")
			break
		}
		n++
		e.Attendees = append(e.Attendees, pp.att)
		if pp.problem != "" {
			p.add(pp.problem)
		}
	}
	for i, a := range s.attachments[e.ID] {
		if i == maxEventList {
			p.add("more attachments not read")
			break
		}
		e.Attachments = append(e.Attachments, a)
	}
	e.Problems = p.list
	return e
}

// allDayRange turns the stored start and end of an all-day event into its
// first and last day (midnight UTC). The stored instants are midnight of
// the day in the item's zone, or in UTC for floating items; the end is
// either the next midnight or one second before it, so the number of days
// is rounded.
func allDayRange(start, end *time.Time, tz string, p *problems) (*time.Time, *time.Time) {
	if start == nil {
		return nil, nil
	}
	first := floatingDay(*start, tz)
	if end == nil {
		return first, nil
	}
	days := int(math.Round(end.Sub(*start).Hours() / 24))
	if end.Before(*start) {
		p.add("end_date is before start_date")
		last := floatingDay(*end, tz)
		return first, last
	}
	if days < 1 {
		days = 1
	}
	last := first.AddDate(0, 0, days-1)
	return first, &last
}

// floatingDay returns midnight UTC of the day t falls on in zone tz (UTC
// for floating items and unknown zones).
func floatingDay(t time.Time, tz string) *time.Time {
	if tz != "" && tz != floatTZ {
		if loc, err := time.LoadLocation(tz); err == nil {
			t = t.In(loc)
		}
	}
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return &d
}

// calendarFrequencies maps Recurrence.frequency to an RRULE FREQ.
var calendarFrequencies = map[int64]string{1: "DAILY", 2: "WEEKLY", 3: "MONTHLY", 4: "YEARLY"}

// rruleParts are the RRULE parts a specifier may carry under their own
// names.
var rruleParts = map[string]bool{
	"FREQ": true, "INTERVAL": true, "COUNT": true, "UNTIL": true, "BYDAY": true, "BYMONTH": true,
	"BYMONTHDAY": true, "BYYEARDAY": true, "BYWEEKNO": true, "BYSETPOS": true, "WKST": true,
}

// recurrenceRule builds the RRULE value of an event from its Recurrence
// rows. Only the first rule is kept (EventKit keeps one); the specifier's
// D= part (days of the week) and parts written under RRULE names are
// converted; other specifier parts are listed as problems rather than
// dropped silently.
func recurrenceRule(rs []calRecurrence, allDay bool, p *problems) string {
	if len(rs) == 0 {
		return ""
	}
	if len(rs) > 1 {
		p.add(fmt.Sprintf("%d recurrence rules; only the first is read", len(rs)))
	}
	r := rs[0]
	freq, ok := calendarFrequencies[r.frequency]
	if !ok {
		p.add(fmt.Sprintf("recurrence frequency %d is not known", r.frequency))
		return ""
	}
	return buildRRule(freq, r.interval, r.count, r.end, allDay, r.specifier, p)
}

// buildRRule writes an RRULE value.
func buildRRule(freq string, interval, count int64, end any, allDay bool, specifier string, p *problems) string {
	parts := []string{"FREQ=" + freq}
	extra := map[string]string{}
	var extraOrder []string
	if specifier != "" {
		for _, kv := range strings.Split(specifier, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
			k = strings.ToUpper(k)
			switch {
			case !ok || val == "":
				if strings.TrimSpace(kv) != "" {
					p.add(fmt.Sprintf("recurrence detail %q not understood; occurrences may differ", kv))
				}
			case k == "FREQ":
				if !strings.EqualFold(val, freq) {
					p.add(fmt.Sprintf("recurrence specifier says FREQ=%s but frequency says %s", val, freq))
				}
			case k == "D":
				days, ok := specifierDays(val)
				if !ok {
					p.add(fmt.Sprintf("recurrence days %q not understood; occurrences may differ", val))
					continue
				}
				extra["BYDAY"] = days
				extraOrder = append(extraOrder, "BYDAY")
			case rruleParts[k] && validRRuleValue(val):
				if _, dup := extra[k]; !dup {
					extraOrder = append(extraOrder, k)
				}
				extra[k] = strings.ToUpper(val)
			default:
				p.add(fmt.Sprintf("recurrence detail %q not understood; occurrences may differ", kv))
			}
		}
	}
	if v, ok := extra["INTERVAL"]; ok && interval <= 1 {
		interval, _ = strconv.ParseInt(v, 10, 64)
	}
	if interval > 1 {
		parts = append(parts, "INTERVAL="+strconv.FormatInt(interval, 10))
	}
	if count > 0 {
		parts = append(parts, "COUNT="+strconv.FormatInt(count, 10))
	} else if end != nil {
		f, ok := asFloat(end)
		t := appleTime(f)
		switch {
		case !ok || t == nil:
			p.add(fmt.Sprintf("recurrence end %q is not a date", asString(end)))
		case allDay:
			parts = append(parts, "UNTIL="+t.UTC().Format("20060102"))
		default:
			parts = append(parts, "UNTIL="+t.UTC().Format("20060102T150405Z"))
		}
	}
	for _, k := range extraOrder {
		if k == "INTERVAL" || k == "COUNT" || k == "UNTIL" {
			continue
		}
		parts = append(parts, k+"="+extra[k])
	}
	return strings.Join(parts, ";")
}

// validRRuleValue reports whether v holds only the characters of RRULE
// values (letters, digits, signs and commas).
func validRRuleValue(v string) bool {
	if len(v) > 200 {
		return false
	}
	for _, r := range v {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == ',' || r == '-' || r == '+') {
			return false
		}
	}
	return true
}

var weekdays = map[string]bool{"MO": true, "TU": true, "WE": true, "TH": true, "FR": true, "SA": true, "SU": true}

// specifierDays converts the D= part of a Recurrence specifier ("0MO,0WE":
// each day prefixed by its week number, 0 for every week) to a BYDAY list.
func specifierDays(v string) (string, bool) {
	var out []string
	for _, d := range strings.Split(v, ",") {
		d = strings.ToUpper(strings.TrimSpace(d))
		if len(d) < 2 || !weekdays[d[len(d)-2:]] {
			return "", false
		}
		num := d[:len(d)-2]
		if num == "" || num == "0" || num == "+0" {
			out = append(out, d[len(d)-2:])
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil || n < -53 || n > 53 {
			return "", false
		}
		out = append(out, strconv.Itoa(n)+d[len(d)-2:])
	}
	return strings.Join(out, ","), len(out) > 0
}

// problems collects the problems of one record.
type problems struct{ list []string }

func (p *problems) add(s string) {
	if len(p.list) < 50 {
		p.list = append(p.list, s)
	}
}

// text converts a column to text: valid UTF-8, at most maxFieldBytes.
func (p *problems) text(col string, v any) string {
	s := asString(v)
	if len(s) > maxFieldBytes {
		p.add(fmt.Sprintf("%s: %d bytes, cut to %d", col, len(s), maxFieldBytes))
		s = s[:maxFieldBytes]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// date converts a Cocoa timestamp column; a value that is not a date is a
// problem and gives nil.
func (p *problems) date(col string, v any) *time.Time {
	if v == nil {
		return nil
	}
	f, ok := asFloat(v)
	if !ok {
		p.add(fmt.Sprintf("%s: not a date: %q", col, truncate(asString(v), 64)))
		return nil
	}
	t := appleTime(f)
	if t == nil && f != 0 {
		p.add(fmt.Sprintf("%s: %v is out of range", col, f))
	}
	return t
}

// clip bounds a text value read for a side table.
func clip(s string) string {
	if len(s) > maxFieldBytes {
		s = s[:maxFieldBytes]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// Calendars returns the calendars of the database (ID order), with
// their store (account) and color: the one way to see a calendar that
// holds no event, since events name only their own (Event.Calendar).
func (c *CalendarDB) Calendars() ([]CalendarInfo, error) {
	s, err := c.loadSide(context.Background())
	if err != nil {
		return nil, c.dbErr(context.Background(), err)
	}
	out := make([]CalendarInfo, 0, len(s.calendars))
	for _, ci := range s.calendars {
		out = append(out, *ci)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
