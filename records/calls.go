package records

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"strings"

	"github.com/iosbackup/iosbackup/internal/devicepath"
)

type callSchema int

const (
	callCoreData callSchema = iota // CallHistory.storedata: ZCALLRECORD
	callLegacy                     // call_history.db: call
)

type callSource struct {
	name   string
	db     *sql.DB
	schema callSchema
}

// CallDB reads call history: CallHistory.storedata (iOS 8 and later, plus
// CallHistoryTemp.storedata when present) or the older call_history.db
// (iOS 4–7). It is safe for concurrent use.
type CallDB struct {
	sources []callSource
	// Where the stores were opened from, for Recovered: a backup, or
	// the path of a bare file.
	fsys fs.FS
	path string
}

// OpenCalls opens the call history of a backup (or of any tree laid out as
// Domain/relative/path):
// HomeDomain/Library/CallHistoryDB/CallHistory.storedata and
// CallHistoryTemp.storedata beside it (each with its "-wal") when either
// exists, else WirelessDomain/Library/CallHistory/call_history.db (iOS
// 4-7). When none exists the error wraps ErrNotFound.
func OpenCalls(fsys fs.FS) (*CallDB, error) {
	c := &CallDB{fsys: fsys}
	for _, name := range []string{devicepath.CallHistory, devicepath.CallHistoryTemp} {
		if err := c.add(fsys, name); err != nil {
			c.Close()
			return nil, err
		}
	}
	if len(c.sources) == 0 {
		if err := c.add(fsys, devicepath.OldCallHistory); err != nil {
			return nil, err
		}
	}
	if len(c.sources) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, devicepath.CallHistory)
	}
	return c, nil
}

// add opens name from fsys if it exists; a missing file is not an error.
func (c *CallDB) add(fsys fs.FS, name string) error {
	db, err := openFS(fsys, name)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	src, err := probeCalls(name, db)
	if err != nil {
		return err
	}
	c.sources = append(c.sources, src)
	return nil
}

// OpenCallsFile opens a bare CallHistory.storedata or call_history.db (with
// its "-wal" beside it, if any). The schema is detected by probing for the
// ZCALLRECORD (Core Data) or call table. The files are only read.
func OpenCallsFile(path string) (*CallDB, error) {
	db, err := openFile(path)
	if err != nil {
		return nil, err
	}
	src, err := probeCalls(path, db)
	if err != nil {
		return nil, err
	}
	return &CallDB{sources: []callSource{src}, path: path}, nil
}

// probeCalls recognises the store by its tables and columns: ZCALLRECORD
// (Core Data) or call (call_history.db), each with its key columns. Any
// other schema gives an *UnsupportedError.
func probeCalls(name string, db *sql.DB) (callSource, error) {
	fail := func(err error) (callSource, error) {
		db.Close()
		return callSource{}, err
	}
	zc, err := columns(db, "ZCALLRECORD")
	if err != nil {
		return fail(&DatabaseError{Name: name, Err: err})
	}
	if len(zc) > 0 {
		if m := zcallColumns.missing(zc); len(m) > 0 {
			return fail(&UnsupportedError{Database: name, Table: "ZCALLRECORD", Missing: m})
		}
		return callSource{name: name, db: db, schema: callCoreData}, nil
	}
	lc, err := columns(db, "call")
	if err != nil {
		return fail(&DatabaseError{Name: name, Err: err})
	}
	if len(lc) > 0 {
		if m := legacyCallColumns.missing(lc); len(m) > 0 {
			return fail(&UnsupportedError{Database: name, Table: "call", Missing: m})
		}
		return callSource{name: name, db: db, schema: callLegacy}, nil
	}
	return fail(&UnsupportedError{Database: name, Table: "ZCALLRECORD", Missing: zcallColumns.missing(nil)})
}

// Close releases the databases.
func (c *CallDB) Close() error {
	var errs []error
	for _, s := range c.sources {
		errs = append(errs, s.db.Close())
	}
	return errors.Join(errs...)
}

// Calls returns every call ordered by date (then by ID). When several
// stores are open (CallHistory and CallHistoryTemp) their rows are merged
// by date, and a call whose UniqueID was already returned is skipped. A
// row that cannot be read is yielded as a *RowError and iteration
// continues; a failing query ends that store's rows after yielding a
// *DatabaseError. The queries run under ctx: when ctx is done, the
// running query is interrupted and the sequence ends with an error.
func (c *CallDB) Calls(ctx context.Context) iter.Seq2[*Call, error] {
	if len(c.sources) == 1 {
		return c.sources[0].calls(ctx)
	}
	return func(yield func(*Call, error) bool) {
		type head struct {
			next func() (*Call, error, bool)
			stop func()
			call *Call
		}
		var heads []*head
		defer func() {
			for _, h := range heads {
				h.stop()
			}
		}()
		// advance fills h.call with the next call of h, yielding errors on the
		// way; it returns false when the consumer stopped.
		advance := func(h *head) bool {
			for {
				call, err, ok := h.next()
				if !ok {
					h.call = nil
					return true
				}
				if err != nil {
					if !yield(nil, err) {
						return false
					}
					continue
				}
				h.call = call
				return true
			}
		}
		for _, s := range c.sources {
			next, stop := iter.Pull2(s.calls(ctx))
			h := &head{next: next, stop: stop}
			heads = append(heads, h)
			if !advance(h) {
				return
			}
		}
		seen := map[string]bool{}
		for {
			var best *head
			for _, h := range heads {
				if h.call != nil && (best == nil || callBefore(h.call, best.call)) {
					best = h
				}
			}
			if best == nil {
				return
			}
			call := best.call
			if !advance(best) {
				return
			}
			if call.UniqueID != "" {
				if seen[call.UniqueID] {
					continue
				}
				seen[call.UniqueID] = true
			}
			if !yield(call, nil) {
				return
			}
		}
	}
}

func callBefore(a, b *Call) bool {
	switch {
	case a.Date == nil && b.Date != nil:
		return true
	case a.Date != nil && b.Date == nil:
		return false
	case a.Date != nil && b.Date != nil && !a.Date.Equal(*b.Date):
		return a.Date.Before(*b.Date)
	}
	return a.ID < b.ID
}

func (s callSource) calls(ctx context.Context) iter.Seq2[*Call, error] {
	if s.schema == callLegacy {
		return s.legacyCalls(ctx)
	}
	return s.coreDataCalls(ctx)
}

// The ZCALLRECORD columns read (CallHistory.storedata), in scan order.
var (
	zcPK, zcAddress, zcName, zcDate, zcDuration, zcOriginated, zcAnswered int
	zcCallType, zcService, zcCountry, zcUniqueID, zcDisconnected          int

	zcallColumns = columnsOf(
		column{at: &zcPK, name: "Z_PK"},
		column{at: &zcAddress, name: "ZADDRESS", required: true},
		column{at: &zcName, name: "ZNAME"},
		column{at: &zcDate, name: "ZDATE", required: true},
		column{at: &zcDuration, name: "ZDURATION", required: true},
		column{at: &zcOriginated, name: "ZORIGINATED", required: true},
		column{at: &zcAnswered, name: "ZANSWERED", required: true},
		column{at: &zcCallType, name: "ZCALLTYPE"},
		column{at: &zcService, name: "ZSERVICE_PROVIDER"},
		column{at: &zcCountry, name: "ZISO_COUNTRY_CODE"},
		column{at: &zcUniqueID, name: "ZUNIQUE_ID"},
		column{at: &zcDisconnected, name: "ZDISCONNECTED_CAUSE"},
	)
)

func (s callSource) coreDataCalls(ctx context.Context) iter.Seq2[*Call, error] {
	return func(yield func(*Call, error) bool) {
		fail := func(err error) { yield(nil, &DatabaseError{Name: s.name, Err: err}) }
		cols, err := columns(s.db, "ZCALLRECORD")
		if err != nil {
			fail(err)
			return
		}
		participants, dangling, err := loadParticipants(s.db)
		if err != nil {
			fail(err)
			return
		}
		order := "Z_PK"
		if cols["ZDATE"] {
			order = "ZDATE, Z_PK"
		}
		for v, err := range scanRows(ctx, s.db, s.name, "ZCALLRECORD", zcallColumns, cols, order) {
			if err != nil {
				if !yield(nil, err) {
					return
				}
				continue
			}
			c := &Call{}
			c.ID, _ = asInt(v[zcPK])
			c.Address = strings.TrimSpace(asString(v[zcAddress]))
			c.Name = asString(v[zcName])
			c.Date = recordDate(&c.Problems, "date", v[zcDate], appleTime)
			c.Duration = callDuration(&c.Problems, v[zcDuration])
			c.Outgoing = asBool(v[zcOriginated])
			c.Answered = asBool(v[zcAnswered])
			c.Missed = !c.Outgoing && !c.Answered
			callType, hasType := asInt(v[zcCallType])
			c.Type, c.Service = classifyCall(callType, hasType, CallService(asString(v[zcService])))
			c.Country = strings.ToLower(strings.TrimSpace(asString(v[zcCountry])))
			c.UniqueID = asString(v[zcUniqueID])
			if d, ok := asInt(v[zcDisconnected]); ok {
				di := int(d)
				c.Disconnected = &di
			}
			if p := participants[c.ID]; len(p) > 0 {
				c.Participants = p
			}
			for _, h := range dangling[c.ID] {
				c.Problems = append(c.Problems, fmt.Sprintf("participants: handle %d is not in ZHANDLE", h))
			}
			if !yield(c, nil) {
				return
			}
		}
	}
}

// classifyCall maps ZCALLTYPE and ZSERVICE_PROVIDER to a Call.Type and a
// service, filling the default service when none is stored. A provider
// outside com.apple.* is a third-party (CallKit) app whatever the type.
// Unknown ZCALLTYPE values count as FaceTime audio for the FaceTime
// provider and as phone calls otherwise.
func classifyCall(callType int64, hasType bool, service CallService) (CallType, CallService) {
	if service != "" && !strings.HasPrefix(string(service), "com.apple.") {
		return CallApp, service
	}
	typ := CallPhone
	switch {
	case !hasType:
		if service == ServiceFaceTime {
			typ = CallFaceTimeAudio
		}
	case callType == 1:
	case callType == 8:
		typ = CallFaceTimeVideo
	case callType == 16:
		typ = CallFaceTimeAudio
	case callType == 0:
		typ = CallApp
	default:
		if service == ServiceFaceTime {
			typ = CallFaceTimeAudio
		}
	}
	if service == "" {
		switch typ {
		case CallPhone:
			service = ServiceTelephony
		case CallFaceTimeAudio, CallFaceTimeVideo:
			service = ServiceFaceTime
		}
	}
	return typ, service
}

// loadParticipants reads the group-call participants: ZHANDLE rows linked
// to ZCALLRECORD through the Core Data join table
// Z_<n>REMOTEPARTICIPANTHANDLES, whose name and column numbers depend on the
// model version and are discovered from the schema. Links to a handle
// that does not exist are returned in dangling, by call.
func loadParticipants(db *sql.DB) (out map[int64][]string, dangling map[int64][]int64, err error) {
	out, dangling = map[int64][]string{}, map[int64][]int64{}
	hc, err := columns(db, "ZHANDLE")
	if err != nil || !hc["Z_PK"] || !hc["ZVALUE"] {
		return out, dangling, err
	}
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'Z\_%REMOTEPARTICIPANTHANDLES' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, nil, err
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, nil, err
		}
		tables = append(tables, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for _, t := range tables {
		tc, err := columns(db, t)
		if err != nil {
			return nil, nil, err
		}
		var callCol, handleCol string
		for name := range tc {
			u := strings.ToUpper(name)
			switch {
			case strings.HasSuffix(u, "REMOTEPARTICIPANTCALLS"):
				callCol = name
			case strings.HasSuffix(u, "REMOTEPARTICIPANTHANDLES"):
				handleCol = name
			}
		}
		if callCol == "" || handleCol == "" {
			continue
		}
		q := fmt.Sprintf(`SELECT j.%s, +h.ZVALUE, j.%s, h.Z_PK IS NULL FROM %s j LEFT JOIN ZHANDLE h ON h.Z_PK = j.%s ORDER BY j.%s, h.Z_PK`,
			quoteIdent(callCol), quoteIdent(handleCol), quoteIdent(t), quoteIdent(handleCol), quoteIdent(callCol))
		if err := func() error {
			rows, err := db.Query(q)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var c, v, hid any
				var missing bool
				if err := rows.Scan(&c, &v, &hid, &missing); err != nil {
					return err
				}
				id, ok := asInt(c)
				if ok && missing {
					h, _ := asInt(hid)
					dangling[id] = append(dangling[id], h)
					continue
				}
				val := strings.TrimSpace(asString(v))
				if !ok || val == "" {
					continue
				}
				out[id] = append(out[id], val)
			}
			return rows.Err()
		}(); err != nil {
			return nil, nil, err
		}
	}
	return out, dangling, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// The columns of call_history.db's call table read, in scan order.
var (
	lcRowID, lcAddress, lcDate, lcDuration, lcFlags, lcName, lcCountry int

	legacyCallColumns = columnsOf(
		column{at: &lcRowID, name: "ROWID"},
		column{at: &lcAddress, name: "address", required: true},
		column{at: &lcDate, name: "date", required: true},
		column{at: &lcDuration, name: "duration", required: true},
		column{at: &lcFlags, name: "flags", required: true},
		column{at: &lcName, name: "name"},
		column{at: &lcCountry, name: "country_code"},
	)
)

// Bits of call.flags in call_history.db. Only bit 0 is confirmed by the
// schema's own triggers; the FaceTime bit is community knowledge.
const (
	legacyOutgoing = 1
	legacyFaceTime = 16
)

func (s callSource) legacyCalls(ctx context.Context) iter.Seq2[*Call, error] {
	return func(yield func(*Call, error) bool) {
		fail := func(err error) { yield(nil, &DatabaseError{Name: s.name, Err: err}) }
		cols, err := columns(s.db, "call")
		if err != nil {
			fail(err)
			return
		}
		order := "ROWID"
		if cols["date"] {
			order = "date, ROWID"
		}
		for v, err := range scanRows(ctx, s.db, s.name, "call", legacyCallColumns, cols, order) {
			if err != nil {
				if !yield(nil, err) {
					return
				}
				continue
			}
			c := &Call{}
			c.ID, _ = asInt(v[lcRowID])
			c.Address = strings.TrimSpace(asString(v[lcAddress]))
			// call_history.db stores Unix seconds (its own triggers and
			// every known copy agree); appleTime is not tried.
			c.Date = recordDate(&c.Problems, "date", v[lcDate], unixTime)
			c.Duration = callDuration(&c.Problems, v[lcDuration])
			flags, _ := asInt(v[lcFlags])
			c.Name = asString(v[lcName])
			// country_code holds the network's mobile country code
			// (e.g. 310 for the United States), not an ISO code.
			c.MCC = strings.TrimSpace(asString(v[lcCountry]))
			c.Outgoing = flags&legacyOutgoing != 0
			// The old store does not record whether a call was answered: a
			// call with a duration is taken as answered.
			c.Answered = c.Duration > 0
			c.Missed = !c.Outgoing && !c.Answered
			if flags&legacyFaceTime != 0 {
				c.Type, c.Service = CallFaceTimeVideo, ServiceFaceTime
			} else {
				c.Type, c.Service = CallPhone, ServiceTelephony
			}
			if !yield(c, nil) {
				return
			}
		}
	}
}

// callDuration reads a duration in seconds; a value that is not a number,
// negative or longer than a year is a problem and gives 0.
func callDuration(problems *[]string, v any) float64 {
	if v == nil {
		return 0
	}
	f, ok := asFloat(v)
	if !ok || f < 0 || f > 366*24*3600 || f != f {
		*problems = append(*problems, fmt.Sprintf("duration: %q is not a plausible duration", truncate(asString(v), 40)))
		return 0
	}
	return f
}

// asBool reports whether a scanned SQLite value is a non-zero number.
func asBool(v any) bool {
	f, ok := asFloat(v)
	return ok && f != 0
}

// scanRows selects want from table (NULL for the columns the table lacks;
// ROWID always exists), ordered by order, and yields each row's values.
// A row that cannot be scanned is yielded as a *RowError and the scan
// goes on; a failed query or cursor is yielded as a *DatabaseError naming
// the database and ends it. The values slice is reused from row to row.
func scanRows(ctx context.Context, db *sql.DB, name, table string, want columnTable, have map[string]bool, order string) iter.Seq2[[]any, error] {
	return func(yield func([]any, error) bool) {
		sel := want.selectList(have, "+ROWID", func(name string) string {
			return "+" + name // unary plus: no decltype-based conversion by the driver
		}, nil)
		rows, err := db.QueryContext(ctx, "SELECT "+sel+" FROM "+table+" ORDER BY "+order)
		if err != nil {
			yield(nil, &DatabaseError{Name: name, Err: err})
			return
		}
		defer rows.Close()
		v, ptrs := want.row()
		for v, err := range eachRow(ctx, rows, table, v, ptrs, func(err error) error { return &DatabaseError{Name: name, Err: err} }) {
			if !yield(v, err) {
				return
			}
		}
	}
}
