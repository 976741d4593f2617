package dbfixture

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

// RemindersEra selects the schema generation of a synthetic Reminders Core
// Data store (Container_v1/Stores/Data-*.sqlite).
//
// RemiOS13 keeps reminders in the shared ZREMCDOBJECT table (their title in
// ZTITLE1, the column iLEAPP's first reminders reader used); RemiOS16 and
// RemiOS18 have ZREMCDREMINDER and ZREMCDBASELIST, with recurrence rules
// and other objects in ZREMCDOBJECT linked back by ZREMINDERn columns
// (ZREMINDER4 for rules, as in the independent ios-backup-parser fixtures
// of iOS 18 stores). The two later eras number their entities
// differently, as stores of different accounts do.
type RemindersEra int

// The Reminders store generations Reminders can build.
const (
	RemiOS13 RemindersEra = 13
	RemiOS16 RemindersEra = 16
	RemiOS18 RemindersEra = 18
)

// RemindersEras lists every era, oldest first.
var RemindersEras = []RemindersEra{RemiOS13, RemiOS16, RemiOS18}

func (e RemindersEra) String() string { return "iOS" + strconv.Itoa(int(e)) }

// RemindersData is the content of one store.
type RemindersData struct {
	Account   string // the account's name (REMCDAccount)
	Lists     []RemList
	Reminders []RemItem
}

// RemList is a reminder list.
type RemList struct {
	ID   int64
	Name string
}

// RemItem is one reminder.
type RemItem struct {
	ID            int64
	UUID          [16]byte // zero: NULL
	Title, Notes  string
	Due           time.Time
	AllDay        bool
	Completed     bool
	CompletedDate time.Time
	Priority      int
	Flagged       bool
	ListID        int64
	Parent        int64
	Created       time.Time
	Modified      time.Time
	Deleted       bool
	Recurrence    *RemRule
	Raw           map[string]any // raw column values (damaged data)
}

// RemRule is a REMCDRecurrenceRule; Frequency is EventKit's (0 daily,
// 1 weekly, 2 monthly, 3 yearly).
type RemRule struct {
	Frequency, Interval, Count int
	End                        time.Time
}

type remEntities struct {
	account, list, reminder, rule, alarm int
}

var remSchemas = map[RemindersEra]remEntities{
	RemiOS13: {account: 2, list: 6, reminder: 8, rule: 9, alarm: 3},
	RemiOS16: {account: 3, list: 9, reminder: 24, rule: 26, alarm: 4},
	RemiOS18: {account: 92, list: 96, reminder: 91, rule: 93, alarm: 97},
}

// Reminders returns the image of a synthetic Reminders store of the given
// era holding d.
func Reminders(era RemindersEra, d RemindersData) ([]byte, error) {
	ents, ok := remSchemas[era]
	if !ok {
		return nil, fmt.Errorf("dbfixture: unknown reminders era %d", era)
	}
	return sqlitemem.Build(func(conn *sql.Conn) error {
		ctx := context.Background()
		remCols := "ZIDENTIFIER BLOB, ZTITLE VARCHAR, ZNOTES VARCHAR, ZCOMPLETED INTEGER, ZCOMPLETIONDATE TIMESTAMP, ZFLAGGED INTEGER, ZPRIORITY INTEGER, ZALLDAY INTEGER, ZCREATIONDATE TIMESTAMP, ZLASTMODIFIEDDATE TIMESTAMP, ZDUEDATE TIMESTAMP, ZSTARTDATE TIMESTAMP, ZMARKEDFORDELETION INTEGER, ZPARENTREMINDER INTEGER, ZLIST INTEGER, ZACCOUNT INTEGER, ZTIMEZONE VARCHAR, ZCKIDENTIFIER VARCHAR"
		objCols := "ZNAME VARCHAR, ZREMINDER INTEGER, ZREMINDER1 INTEGER, ZREMINDER2 INTEGER, ZREMINDER3 INTEGER, ZREMINDER4 INTEGER, ZFREQUENCY INTEGER, ZINTERVAL INTEGER, ZOCCURRENCECOUNT INTEGER, ZENDDATE TIMESTAMP, ZDAYSOFTHEWEEK BLOB, ZTRIGGER INTEGER, ZMARKEDFORDELETION INTEGER"
		ddl := []string{
			"CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER)",
			"CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB)",
		}
		if era == RemiOS13 {
			// One table for every REMCDObject: reminders (title ZTITLE1),
			// lists and accounts (ZNAME), rules.
			ddl = append(ddl, "CREATE TABLE ZREMCDOBJECT (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "+objCols+
				", ZIDENTIFIER BLOB, ZTITLE1 VARCHAR, ZNOTES VARCHAR, ZCOMPLETED INTEGER, ZCOMPLETIONDATE TIMESTAMP, ZFLAGGED INTEGER, ZPRIORITY INTEGER, ZALLDAY INTEGER, ZCREATIONDATE TIMESTAMP, ZLASTMODIFIEDDATE TIMESTAMP, ZDUEDATE TIMESTAMP, ZSTARTDATE TIMESTAMP, ZPARENTREMINDER INTEGER, ZLIST INTEGER, ZACCOUNT INTEGER)")
		} else {
			ddl = append(ddl,
				"CREATE TABLE ZREMCDREMINDER (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "+remCols+")",
				"CREATE TABLE ZREMCDBASELIST (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZIDENTIFIER BLOB, ZNAME VARCHAR, ZISGROUP INTEGER, ZSHARINGSTATUS INTEGER, ZACCOUNT INTEGER, ZBADGEEMBLEM VARCHAR, ZCOLOR BLOB, ZMARKEDFORDELETION INTEGER)",
				"CREATE TABLE ZREMCDOBJECT (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "+objCols+")")
		}
		for _, q := range ddl {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("dbfixture: %s: %w", q, err)
			}
		}
		exec := func(q string, args ...any) error {
			if _, err := conn.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("dbfixture: %s: %w", q, err)
			}
			return nil
		}
		for _, e := range [][2]any{{ents.account, "REMCDAccount"}, {ents.list, "REMCDList"}, {ents.reminder, "REMCDReminder"}, {ents.rule, "REMCDRecurrenceRule"}, {ents.alarm, "REMCDAlarm"}} {
			if err := exec("INSERT INTO Z_PRIMARYKEY (Z_ENT, Z_NAME, Z_SUPER, Z_MAX) VALUES (?, ?, 0, 0)", e[0], e[1]); err != nil {
				return err
			}
		}
		// Object keys: the account is 900 and other objects come after
		// 1000. In the iOS 13 table, which holds reminders and lists too,
		// list L is stored as 100+L.
		const accountPK = 900
		listPK := func(id int64) int64 {
			if era == RemiOS13 {
				return 100 + id
			}
			return id
		}
		if err := exec("INSERT INTO ZREMCDOBJECT (Z_PK, Z_ENT, Z_OPT, ZNAME) VALUES (?, ?, 1, ?)", accountPK, ents.account, d.Account); err != nil {
			return err
		}
		for _, l := range d.Lists {
			q := "INSERT INTO ZREMCDBASELIST (Z_PK, Z_ENT, Z_OPT, ZNAME, ZISGROUP, ZSHARINGSTATUS, ZACCOUNT) VALUES (?, ?, 1, ?, 0, 0, ?)"
			if era == RemiOS13 {
				q = "INSERT INTO ZREMCDOBJECT (Z_PK, Z_ENT, Z_OPT, ZNAME, ZACCOUNT) VALUES (?, ?, 1, ?, ?)"
			}
			if err := exec(q, listPK(l.ID), ents.list, l.Name, accountPK); err != nil {
				return err
			}
		}
		nextObj := int64(1000)
		for _, r := range d.Reminders {
			vals := map[string]any{
				"Z_PK": r.ID, "Z_ENT": ents.reminder, "Z_OPT": 1,
				"ZNOTES": nullString(r.Notes), "ZCOMPLETED": b2i(r.Completed), "ZCOMPLETIONDATE": cocoa(r.CompletedDate),
				"ZFLAGGED": b2i(r.Flagged), "ZPRIORITY": r.Priority, "ZALLDAY": b2i(r.AllDay),
				"ZCREATIONDATE": cocoa(r.Created), "ZLASTMODIFIEDDATE": cocoa(r.Modified), "ZDUEDATE": cocoa(r.Due),
				"ZMARKEDFORDELETION": b2i(r.Deleted), "ZLIST": listPK(r.ListID), "ZACCOUNT": accountPK,
			}
			if r.UUID != ([16]byte{}) {
				vals["ZIDENTIFIER"] = r.UUID[:]
			}
			if r.Parent != 0 {
				vals["ZPARENTREMINDER"] = r.Parent
			}
			table, title := "ZREMCDREMINDER", "ZTITLE"
			if era == RemiOS13 {
				table, title = "ZREMCDOBJECT", "ZTITLE1"
			}
			vals[title] = r.Title
			for k, v := range r.Raw {
				vals[k] = v
			}
			var cols []string
			var args []any
			for _, k := range sortedKeys(vals) {
				cols = append(cols, k)
				args = append(args, vals[k])
			}
			q := "INSERT INTO " + table + " (" + joinComma(cols) + ") VALUES (?" + repeatArgs(len(cols)-1) + ")"
			if err := exec(q, args...); err != nil {
				return err
			}
			// An alarm object linked through ZREMINDER, so that readers
			// must tell the rule's back-pointer from other objects'.
			nextObj++
			if err := exec("INSERT INTO ZREMCDOBJECT (Z_PK, Z_ENT, Z_OPT, ZREMINDER) VALUES (?, ?, 1, ?)", nextObj, ents.alarm, r.ID); err != nil {
				return err
			}
			if rr := r.Recurrence; rr != nil {
				nextObj++
				if err := exec("INSERT INTO ZREMCDOBJECT (Z_PK, Z_ENT, Z_OPT, ZREMINDER4, ZFREQUENCY, ZINTERVAL, ZOCCURRENCECOUNT, ZENDDATE) VALUES (?, ?, 1, ?, ?, ?, ?, ?)",
					nextObj, ents.rule, r.ID, rr.Frequency, max(rr.Interval, 1), rr.Count, cocoa(rr.End)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func joinComma(s []string) string { return strings.Join(s, ", ") }

func repeatArgs(n int) string { return strings.Repeat(", ?", n) }
