package records

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/iosbackup/iosbackup/internal/devicepath"
)

// calendarTaskType is CalendarItem.entity_type of a task (a reminder of
// iOS 12 and earlier); events are 2.
const calendarTaskType = 3

// ReminderDB reads reminders from every store found. It is safe for
// concurrent use.
type ReminderDB struct {
	sources []reminderSource
}

type reminderSource interface {
	reminders(ctx context.Context) iter.Seq2[*Reminder, error]
	close() error
}

// OpenReminders opens the reminders of a backup (or of any tree laid out
// as Domain/relative/path): every Data-*.sqlite store under
// AppDomainGroup-group.com.apple.reminders/Container_v1/Stores, listed
// with fs.Glob, then the tasks of Calendar.sqlitedb (iOS 12 and earlier,
// or reminders never upgraded to the new stores), when it holds any. When
// neither exists the error wraps ErrNotFound; a store whose schema is not
// recognised gives an *UnsupportedError.
func OpenReminders(fsys fs.FS) (*ReminderDB, error) {
	names, err := fs.Glob(fsys, devicepath.RemindersStores+"/Data-*.sqlite")
	if err != nil {
		return nil, &DatabaseError{Name: devicepath.RemindersStores, Err: err}
	}
	sort.Strings(names)
	r := &ReminderDB{}
	for _, name := range names {
		db, err := openFS(fsys, name)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			r.Close()
			return nil, err
		}
		src, err := probeReminderStore(name, db)
		if err != nil {
			r.Close()
			return nil, err
		}
		r.sources = append(r.sources, src)
	}
	// Tasks of Calendar.sqlitedb: the reminders of iOS 12 and earlier, and
	// of later devices whose reminders were never upgraded to the new
	// stores. When stores exist, a Calendar.sqlitedb that cannot be read
	// is left to the calendar reader to report.
	cal, err := OpenCalendar(fsys)
	switch {
	case err == nil:
		src, err := calendarTasks(cal)
		if err != nil {
			if len(r.sources) == 0 {
				return nil, err
			}
			break
		}
		if src.count > 0 || len(r.sources) == 0 {
			r.sources = append(r.sources, src)
		} else {
			src.close()
		}
	case errors.Is(err, ErrNotFound):
		if len(r.sources) == 0 {
			return nil, fmt.Errorf("%w: %s/Data-*.sqlite or %s", ErrNotFound, devicepath.RemindersStores, devicepath.Calendar)
		}
	default:
		if len(r.sources) == 0 {
			return nil, err
		}
	}
	return r, nil
}

// OpenRemindersFile opens a bare reminders database: a Reminders Core Data
// store (Data-*.sqlite) or a Calendar.sqlitedb holding tasks (iOS 12 and
// earlier), with its "-wal" beside it, if any. The files are only read.
func OpenRemindersFile(p string) (*ReminderDB, error) {
	db, err := openFile(p)
	if err != nil {
		return nil, err
	}
	return openReminderDB(p, db)
}

func openReminderDB(name string, db *sql.DB) (*ReminderDB, error) {
	ci, err := columns(db, "CalendarItem")
	if err != nil {
		db.Close()
		return nil, &DatabaseError{Name: name, Err: err}
	}
	if len(ci) > 0 {
		cal, err := probeCalendar(name, db)
		if err != nil {
			return nil, err
		}
		src, err := calendarTasks(cal)
		if err != nil {
			return nil, err
		}
		return &ReminderDB{sources: []reminderSource{src}}, nil
	}
	src, err := probeReminderStore(name, db)
	if err != nil {
		return nil, err
	}
	return &ReminderDB{sources: []reminderSource{src}}, nil
}

// Close releases the databases.
func (r *ReminderDB) Close() error {
	var errs []error
	for _, s := range r.sources {
		errs = append(errs, s.close())
	}
	return errors.Join(errs...)
}

// Reminders returns every reminder, store by store (in file-name order),
// each store in ID order. Reminders marked for deletion but still stored
// are included with Deleted set. A reminder with a damaged part comes with
// what could be read and the damage in its Problems; a row that cannot be
// read is yielded as a *RowError; a failing query ends that store with a
// *DatabaseError. The sequence stops with ctx's error when ctx is done.
func (r *ReminderDB) Reminders(ctx context.Context) iter.Seq2[*Reminder, error] {
	return func(yield func(*Reminder, error) bool) {
		for _, s := range r.sources {
			for rem, err := range s.reminders(ctx) {
				if !yield(rem, err) {
					return
				}
				if err != nil && ctx.Err() != nil {
					return
				}
			}
		}
	}
}

// Core Data stores.

type coreDataReminders struct {
	name, base string
	db         *sql.DB
	table      string // ZREMCDREMINDER, or ZREMCDOBJECT (iOS 13)
	titleCol   string
	cols       map[string]bool
	objCols    map[string]bool // ZREMCDOBJECT
	listCols   map[string]bool // ZREMCDBASELIST
	entities   map[string]int64
}

func probeReminderStore(name string, db *sql.DB) (*coreDataReminders, error) {
	fail := func(err error) (*coreDataReminders, error) {
		db.Close()
		return nil, err
	}
	s := &coreDataReminders{name: name, base: path.Base(name), db: db, entities: map[string]int64{}}
	var err error
	if s.cols, err = columns(db, "ZREMCDREMINDER"); err != nil {
		return fail(&DatabaseError{Name: name, Err: err})
	}
	if s.objCols, err = columns(db, "ZREMCDOBJECT"); err != nil {
		return fail(&DatabaseError{Name: name, Err: err})
	}
	if s.listCols, err = columns(db, "ZREMCDBASELIST"); err != nil {
		return fail(&DatabaseError{Name: name, Err: err})
	}
	pk, err := columns(db, "Z_PRIMARYKEY")
	if err != nil {
		return fail(&DatabaseError{Name: name, Err: err})
	}
	if pk["Z_ENT"] && pk["Z_NAME"] {
		rows, err := db.Query("SELECT +Z_ENT, +Z_NAME FROM Z_PRIMARYKEY")
		if err != nil {
			return fail(&DatabaseError{Name: name, Err: err})
		}
		for rows.Next() {
			var ent, n any
			if err := rows.Scan(&ent, &n); err != nil {
				rows.Close()
				return fail(&DatabaseError{Name: name, Err: err})
			}
			if e, ok := asInt(ent); ok {
				s.entities[asString(n)] = e
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fail(&DatabaseError{Name: name, Err: err})
		}
	}
	switch {
	case len(s.cols) > 0:
		s.table, s.titleCol = "ZREMCDREMINDER", "ZTITLE"
	case s.objCols["ZTITLE1"]:
		// iOS 13: reminders share ZREMCDOBJECT with the other entities.
		s.table, s.titleCol, s.cols = "ZREMCDOBJECT", "ZTITLE1", s.objCols
		if _, ok := s.entities["REMCDReminder"]; !ok {
			return fail(&UnsupportedError{Database: name, Table: "Z_PRIMARYKEY", Missing: []string{"REMCDReminder entity"}})
		}
	default:
		return fail(&UnsupportedError{Database: name, Table: "ZREMCDREMINDER", Missing: reminderColumns.missing(nil)})
	}
	if missing := columnsFor(s.titleCol).missing(s.cols); len(missing) > 0 {
		return fail(&UnsupportedError{Database: name, Table: s.table, Missing: missing})
	}
	return s, nil
}

func (s *coreDataReminders) close() error { return s.db.Close() }

// The reminder columns read (ZREMCDREMINDER, or ZREMCDOBJECT on iOS 13
// where the title is ZTITLE1: see columnsFor), in scan order.
var (
	rmTitle, rmPK, rmCompleted, rmDue, rmPriority, rmList, rmIdentifier int
	rmCKIdentifier, rmNotes, rmCompletionDate, rmFlagged, rmAllDay      int
	rmCreated, rmModified, rmStart, rmDeleted, rmParent, rmAccount      int

	reminderColumns = columnsOf(
		column{at: &rmTitle, name: "ZTITLE", required: true},
		column{at: &rmPK, name: "Z_PK", required: true},
		column{at: &rmCompleted, name: "ZCOMPLETED", required: true},
		column{at: &rmDue, name: "ZDUEDATE", required: true},
		column{at: &rmPriority, name: "ZPRIORITY", required: true},
		column{at: &rmList, name: "ZLIST", required: true},
		column{at: &rmIdentifier, name: "ZIDENTIFIER"},
		column{at: &rmCKIdentifier, name: "ZCKIDENTIFIER"},
		column{at: &rmNotes, name: "ZNOTES"},
		column{at: &rmCompletionDate, name: "ZCOMPLETIONDATE"},
		column{at: &rmFlagged, name: "ZFLAGGED"},
		column{at: &rmAllDay, name: "ZALLDAY"},
		column{at: &rmCreated, name: "ZCREATIONDATE"},
		column{at: &rmModified, name: "ZLASTMODIFIEDDATE"},
		column{at: &rmStart, name: "ZSTARTDATE"},
		column{at: &rmDeleted, name: "ZMARKEDFORDELETION"},
		column{at: &rmParent, name: "ZPARENTREMINDER"},
		column{at: &rmAccount, name: "ZACCOUNT"},
	)
)

// columnsFor returns the reminder columns of a store whose title column
// is titleCol.
func columnsFor(titleCol string) columnTable {
	t := append(columnTable(nil), reminderColumns...)
	t[rmTitle].name = titleCol
	return t
}

var reminderOwnerColumn = regexp.MustCompile(`^ZREMINDER[0-9]*$`)

// remFrequencies maps REMCDRecurrenceRule.ZFREQUENCY (EventKit's
// EKRecurrenceFrequency values) to an RRULE FREQ.
var remFrequencies = map[int64]string{0: "DAILY", 1: "WEEKLY", 2: "MONTHLY", 3: "YEARLY"}

type remSide struct {
	lists      map[int64]string
	accounts   map[int64]string
	rules      map[int64][]string // reminder → RRULE values
	ruleIssues map[int64][]string
}

// The columns of the lists (ZREMCDBASELIST), and of the other objects
// of a store (ZREMCDOBJECT: accounts, lists of iOS 13, recurrence
// rules), in scan order.
var (
	lsPK, lsName                                                              int
	obPK, obEnt, obName, obFrequency, obInterval, obCount, obEnd              int
	obDaysOfWeek, obDaysOfMonth, obMonths, obWeeks, obDaysOfYear, obPositions int

	listColumns = columnsOf(
		column{at: &lsPK, name: "Z_PK"},
		column{at: &lsName, name: "ZNAME"},
	)
	objectColumns = columnsOf(
		column{at: &obPK, name: "Z_PK"},
		column{at: &obEnt, name: "Z_ENT"},
		column{at: &obName, name: "ZNAME"}, // of an account or list
		column{at: &obFrequency, name: "ZFREQUENCY"},
		column{at: &obInterval, name: "ZINTERVAL"},
		column{at: &obCount, name: "ZOCCURRENCECOUNT"},
		column{at: &obEnd, name: "ZENDDATE"},
		column{at: &obDaysOfWeek, name: "ZDAYSOFTHEWEEK"},
		column{at: &obDaysOfMonth, name: "ZDAYSOFTHEMONTH"},
		column{at: &obMonths, name: "ZMONTHSOFTHEYEAR"},
		column{at: &obWeeks, name: "ZWEEKSOFTHEYEAR"},
		column{at: &obDaysOfYear, name: "ZDAYSOFTHEYEAR"},
		column{at: &obPositions, name: "ZSETPOSITIONS"},
	)
)

func (s *coreDataReminders) loadSide(ctx context.Context) (*remSide, error) {
	side := &remSide{lists: map[int64]string{}, accounts: map[int64]string{}, rules: map[int64][]string{}, ruleIssues: map[int64][]string{}}
	if s.listCols["ZNAME"] {
		for v, err := range scanTable(ctx, s.db, s.name, "ZREMCDBASELIST", listColumns.names(), s.listCols, "", "") {
			if err != nil {
				return nil, err
			}
			id, _ := asInt(v[lsPK])
			side.lists[id] = clip(asString(v[lsName]))
		}
	}
	if len(s.objCols) == 0 {
		return side, nil
	}
	var owners []string
	for c := range s.objCols {
		if reminderOwnerColumn.MatchString(c) {
			owners = append(owners, c)
		}
	}
	sort.Strings(owners)
	// The owner columns (ZREMINDER<n>) follow the table's.
	want := append(objectColumns.names(), owners...)
	ruleEnt, hasRules := s.entities["REMCDRecurrenceRule"]
	accountEnt, hasAccount := s.entities["REMCDAccount"]
	listEnt, hasList := s.entities["REMCDList"]
	for v, err := range scanTable(ctx, s.db, s.name, "ZREMCDOBJECT", want, s.objCols, "", "Z_PK") {
		if err != nil {
			return nil, err
		}
		id, _ := asInt(v[obPK])
		ent, _ := asInt(v[obEnt])
		switch {
		case hasAccount && ent == accountEnt:
			side.accounts[id] = clip(asString(v[obName]))
		case hasList && ent == listEnt && len(s.listCols) == 0:
			side.lists[id] = clip(asString(v[obName]))
		case hasRules && ent == ruleEnt:
			owner, ok := int64(0), false
			ambiguous := false
			for i := range owners {
				if o, isInt := asInt(v[len(objectColumns)+i]); isInt && v[len(objectColumns)+i] != nil {
					if ok && o != owner {
						ambiguous = true
					}
					owner, ok = o, true
				}
			}
			if !ok || ambiguous {
				continue // a rule of no single reminder (e.g. of a list)
			}
			p := &problems{}
			freqV, hasFreq := asInt(v[obFrequency])
			freq, known := remFrequencies[freqV]
			if !hasFreq || !known {
				side.ruleIssues[owner] = append(side.ruleIssues[owner], fmt.Sprintf("recurrence frequency %s is not known", asString(v[obFrequency])))
				continue
			}
			interval, _ := asInt(v[obInterval])
			count, _ := asInt(v[obCount])
			rule := buildRRule(freq, interval, count, v[obEnd], false, "", p)
			for _, i := range []int{obDaysOfWeek, obDaysOfMonth, obMonths, obWeeks, obDaysOfYear, obPositions} {
				if v[i] != nil {
					p.add(fmt.Sprintf("recurrence detail %s not decoded; occurrences may differ", objectColumns[i].name))
				}
			}
			side.rules[owner] = append(side.rules[owner], rule)
			side.ruleIssues[owner] = append(side.ruleIssues[owner], p.list...)
		case !hasAccount && v[obName] != nil:
			side.accounts[id] = clip(asString(v[obName]))
		}
	}
	return side, nil
}

func (s *coreDataReminders) reminders(ctx context.Context) iter.Seq2[*Reminder, error] {
	return func(yield func(*Reminder, error) bool) {
		side, err := s.loadSide(ctx)
		if err != nil {
			if ctx.Err() == nil {
				err = &DatabaseError{Name: s.name, Err: err}
			}
			yield(nil, err)
			return
		}
		want := columnsFor(s.titleCol).names()
		where := ""
		if s.table == "ZREMCDOBJECT" {
			where = fmt.Sprintf("Z_ENT = %d", s.entities["REMCDReminder"])
		}
		for v, err := range scanTable(ctx, s.db, s.name, s.table, want, s.cols, where, "Z_PK") {
			if err != nil {
				if !yield(nil, err) {
					return
				}
				continue
			}
			if !yield(s.build(v, side), nil) {
				return
			}
		}
	}
}

func (s *coreDataReminders) build(v []any, side *remSide) *Reminder {
	r := &Reminder{Store: s.base}
	p := &problems{}
	r.ID, _ = asInt(v[rmPK])
	r.UUID = uuidValue(v[rmIdentifier])
	if r.UUID == "" {
		r.UUID = p.text("ZCKIDENTIFIER", v[rmCKIdentifier])
	}
	r.Title = p.text(s.titleCol, v[rmTitle])
	r.Notes = p.text("ZNOTES", v[rmNotes])
	r.Completed = asBool(v[rmCompleted])
	r.CompletedDate = p.date("ZCOMPLETIONDATE", v[rmCompletionDate])
	r.Flagged = asBool(v[rmFlagged])
	if pr, ok := asInt(v[rmPriority]); ok {
		if pr < 0 || pr > 9 {
			p.add(fmt.Sprintf("priority %d is out of range", pr))
		} else {
			r.Priority = int(pr)
		}
	}
	r.DueAllDay = asBool(v[rmAllDay])
	r.Due = p.date("ZDUEDATE", v[rmDue])
	if r.DueAllDay && r.Due != nil {
		r.Due = floatingDay(*r.Due, "")
	}
	r.Start = p.date("ZSTARTDATE", v[rmStart])
	r.Created = p.date("ZCREATIONDATE", v[rmCreated])
	r.Modified = p.date("ZLASTMODIFIEDDATE", v[rmModified])
	r.Deleted = asBool(v[rmDeleted])
	if parent, ok := asInt(v[rmParent]); ok && v[rmParent] != nil {
		r.Parent = &parent
	}
	if lid, ok := asInt(v[rmList]); ok && v[rmList] != nil {
		if name, ok := side.lists[lid]; ok {
			r.List = name
		} else {
			p.add(fmt.Sprintf("list %d is not in the store", lid))
		}
	}
	if aid, ok := asInt(v[rmAccount]); ok && v[rmAccount] != nil {
		r.Account = side.accounts[aid]
	}
	rules := side.rules[r.ID]
	if len(rules) > 0 {
		r.Recurrence = rules[0]
		if len(rules) > 1 {
			p.add(fmt.Sprintf("%d recurrence rules; only the first is read", len(rules)))
		}
	}
	for _, issue := range side.ruleIssues[r.ID] {
		p.add(issue)
	}
	r.Problems = p.list
	return r
}

// uuidValue formats a 16-byte identifier as a UUID; text is kept as is.
func uuidValue(v any) string {
	switch x := v.(type) {
	case []byte:
		if len(x) == 16 {
			return fmt.Sprintf("%X-%X-%X-%X-%X", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
		}
		return ""
	case string:
		return clip(x)
	}
	return ""
}

// Calendar.sqlitedb tasks (iOS 12 and earlier).

type calendarTaskSource struct {
	c     *CalendarDB
	count int64 // tasks in the database
}

func calendarTasks(c *CalendarDB) (*calendarTaskSource, error) {
	if !c.has("CalendarItem", "entity_type") {
		c.Close()
		return nil, &UnsupportedError{Database: c.name, Table: "CalendarItem", Missing: []string{"entity_type"}}
	}
	var n int64
	if err := c.db.QueryRow("SELECT count(*) FROM CalendarItem WHERE entity_type = ?", calendarTaskType).Scan(&n); err != nil {
		c.Close()
		return nil, &DatabaseError{Name: c.name, Err: err}
	}
	if n > 0 {
		if missing := missingColumns(c.cols["CalendarItem"], []string{"due_date", "completion_date", "priority"}); len(missing) > 0 {
			c.Close()
			return nil, &UnsupportedError{Database: c.name, Table: "CalendarItem", Missing: missing}
		}
	}
	return &calendarTaskSource{c: c, count: n}, nil
}

func (t *calendarTaskSource) close() error { return t.c.Close() }

func (t *calendarTaskSource) reminders(ctx context.Context) iter.Seq2[*Reminder, error] {
	return func(yield func(*Reminder, error) bool) {
		side, err := t.c.loadSide(ctx)
		if err != nil {
			yield(nil, t.c.dbErr(ctx, err))
			return
		}
		where := fmt.Sprintf("entity_type = %d", calendarTaskType)
		for v, err := range t.c.scan(ctx, "CalendarItem", calendarItemColumns.names(), where, "ROWID") {
			if err != nil {
				if !yield(nil, err) {
					return
				}
				continue
			}
			if !yield(t.build(v, side), nil) {
				return
			}
		}
	}
}

func (t *calendarTaskSource) build(v []any, s *calSide) *Reminder {
	r := &Reminder{Store: path.Base(strings.ReplaceAll(t.c.name, "\\", "/"))}
	p := &problems{}
	r.ID, _ = asInt(v[ciRowID])
	r.UUID = p.text("UUID", v[ciUUID])
	if r.UUID == "" {
		r.UUID = p.text("unique_identifier", v[ciUniqueID])
	}
	r.Title = p.text("summary", v[ciSummary])
	r.Notes = p.text("description", v[ciDescription])
	r.DueAllDay = asBool(v[ciDueAllDay])
	r.Due = p.date("due_date", v[ciDue])
	if r.Due != nil && r.DueAllDay {
		r.Due = floatingDay(*r.Due, asString(v[ciDueTZ]))
	}
	r.CompletedDate = p.date("completion_date", v[ciCompletion])
	r.Completed = v[ciCompletion] != nil
	if pr, ok := asInt(v[ciPriority]); ok {
		if pr < 0 || pr > 9 {
			p.add(fmt.Sprintf("priority %d is out of range", pr))
		} else {
			r.Priority = int(pr)
		}
	}
	r.Created = p.date("creation_date", v[ciCreated])
	r.Modified = p.date("last_modified", v[ciModified])
	if cid, ok := asInt(v[ciCalendar]); ok && s.hasCalendar {
		if ci, ok := s.calendars[cid]; ok {
			r.List, r.Account = ci.Title, ci.Account
		} else {
			p.add(fmt.Sprintf("calendar %d is not in the Calendar table", cid))
		}
	}
	r.Recurrence = recurrenceRule(s.recurrences[r.ID], r.DueAllDay, p)
	r.Problems = p.list
	return r
}
