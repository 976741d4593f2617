package dbfixture

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"howett.net/plist"

	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

// CallEra selects the kind and schema generation of a synthetic call
// history database.
type CallEra int

// The call-history generations CallHistory can build.
const (
	// CallsiOS6 is the old WirelessDomain call_history.db: a call table,
	// Unix-second dates, flags bit 0 = outgoing.
	CallsiOS6 CallEra = 6
	// CallsiOS9 is CallHistory.storedata with the ZCALLRECORD columns of a
	// real iOS 9.3 store; ZADDRESS holds UTF-8 bytes (BLOB).
	CallsiOS9 CallEra = 9
	// CallsiOS11 adds ZCALL_CATEGORY, ZHANDLE_TYPE and ZSERVICE_PROVIDER;
	// ZADDRESS holds TEXT.
	CallsiOS11 CallEra = 11
	// CallsiOS14 adds ZHANDLE and the group-call join table
	// Z_2REMOTEPARTICIPANTHANDLES(Z_2REMOTEPARTICIPANTCALLS,
	// Z_3REMOTEPARTICIPANTHANDLES); ZADDRESS holds BLOB.
	CallsiOS14 CallEra = 14
	// CallsiOS16 has another entity numbering (ZHANDLE is entity 4, so the
	// join column is Z_4REMOTEPARTICIPANTHANDLES) and more ZCALLRECORD
	// columns (ZJUNKCONFIDENCE, ZWASEMERGENCYCALL, ZVERIFICATIONSTATUS, ...);
	// ZADDRESS holds TEXT.
	CallsiOS16 CallEra = 16
)

// CallEras lists every era, oldest first.
var CallEras = []CallEra{CallsiOS6, CallsiOS9, CallsiOS11, CallsiOS14, CallsiOS16}

func (e CallEra) String() string { return "iOS" + strconv.Itoa(int(e)) }

// CoreData reports whether the era is a CallHistory.storedata (else a
// call_history.db).
func (e CallEra) CoreData() bool { return e >= CallsiOS9 }

// AddressBlob reports whether the era stores ZADDRESS as UTF-8 bytes
// (BLOB) rather than TEXT.
func (e CallEra) AddressBlob() bool { return e == CallsiOS9 || e == CallsiOS14 }

// CallRecord is one call of a synthetic call history.
type CallRecord struct {
	ID                int64 // Z_PK or ROWID; 0 lets SQLite choose
	Address           string
	Name              string
	Date              time.Time
	Duration          float64 // seconds (whole seconds in call_history.db)
	Outgoing          bool
	Answered          bool   // not stored by call_history.db
	CallType          int    // ZCALLTYPE: 1 phone, 8 FaceTime video, 16 FaceTime audio, 0 third-party app
	ServiceProvider   string // iOS 11+; "" gives com.apple.Telephony / com.apple.FaceTime by CallType (NULL for type 0)
	Country           string // ISO country code, e.g. "us" (CallHistory.storedata)
	MCC               string // mobile country code, e.g. "310" (call_history.db's country_code)
	UniqueID          string // "" gives a generated UUID
	DisconnectedCause *int
	Participants      []string // group-call handles (iOS 14+)
}

type callSchema struct {
	callEnt, handleEnt int
	columns            string // ZCALLRECORD columns after Z_PK, Z_ENT, Z_OPT
}

const zcallIOS9 = `ZANSWERED INTEGER, ZCALLTYPE INTEGER, ZDISCONNECTED_CAUSE INTEGER, ZFACE_TIME_DATA INTEGER,
	ZNUMBER_AVAILABILITY INTEGER, ZORIGINATED INTEGER, ZREAD INTEGER, ZDATE TIMESTAMP, ZDURATION FLOAT,
	ZDEVICE_ID VARCHAR, ZISO_COUNTRY_CODE VARCHAR, ZLOCATION VARCHAR, ZNAME VARCHAR, ZUNIQUE_ID VARCHAR UNIQUE,
	ZADDRESS BLOB`

const zcallIOS11 = `ZANSWERED INTEGER, ZCALL_CATEGORY INTEGER, ZCALLTYPE INTEGER, ZDISCONNECTED_CAUSE INTEGER,
	ZFACE_TIME_DATA INTEGER, ZHANDLE_TYPE INTEGER, ZNUMBER_AVAILABILITY INTEGER, ZORIGINATED INTEGER,
	ZREAD INTEGER, ZDATE TIMESTAMP, ZDURATION FLOAT, ZDEVICE_ID VARCHAR, ZISO_COUNTRY_CODE VARCHAR,
	ZLOCATION VARCHAR, ZNAME VARCHAR, ZSERVICE_PROVIDER VARCHAR, ZUNIQUE_ID VARCHAR UNIQUE, ZADDRESS BLOB`

const zcallIOS14 = `ZANSWERED INTEGER, ZCALL_CATEGORY INTEGER, ZCALLTYPE INTEGER, ZDISCONNECTED_CAUSE INTEGER,
	ZFACE_TIME_DATA INTEGER, ZHANDLE_TYPE INTEGER, ZJUNKCONFIDENCE INTEGER, ZNUMBER_AVAILABILITY INTEGER,
	ZORIGINATED INTEGER, ZREAD INTEGER, ZDATE TIMESTAMP, ZDURATION FLOAT, ZDEVICE_ID VARCHAR,
	ZISO_COUNTRY_CODE VARCHAR, ZLOCATION VARCHAR, ZNAME VARCHAR, ZPARTICIPANTGROUPUUID VARCHAR,
	ZSERVICE_PROVIDER VARCHAR, ZUNIQUE_ID VARCHAR UNIQUE, ZADDRESS BLOB`

const zcallIOS16 = `ZANSWERED INTEGER, ZCALL_CATEGORY INTEGER, ZCALLTYPE INTEGER, ZDISCONNECTED_CAUSE INTEGER,
	ZFACE_TIME_DATA INTEGER, ZFILTERED_OUT_REASON INTEGER, ZHANDLE_TYPE INTEGER, ZJUNKCONFIDENCE INTEGER,
	ZJUNKIDENTIFICATIONCATEGORY VARCHAR, ZNUMBER_AVAILABILITY INTEGER, ZORIGINATED INTEGER, ZREAD INTEGER,
	ZVERIFICATIONSTATUS INTEGER, ZWASEMERGENCYCALL INTEGER, ZDATE TIMESTAMP, ZDURATION FLOAT,
	ZDEVICE_ID VARCHAR, ZISO_COUNTRY_CODE VARCHAR, ZLOCATION VARCHAR, ZNAME VARCHAR,
	ZPARTICIPANTGROUPUUID VARCHAR, ZSERVICE_PROVIDER VARCHAR, ZUNIQUE_ID VARCHAR UNIQUE, ZADDRESS BLOB`

var callSchemas = map[CallEra]callSchema{
	CallsiOS9:  {callEnt: 2, columns: zcallIOS9},
	CallsiOS11: {callEnt: 2, columns: zcallIOS11},
	CallsiOS14: {callEnt: 2, handleEnt: 3, columns: zcallIOS14},
	CallsiOS16: {callEnt: 2, handleEnt: 4, columns: zcallIOS16},
}

// CallHistory returns the image of a synthetic call-history database of
// the given era holding calls: a CallHistory.storedata for iOS 9 and
// later, a call_history.db for CallsiOS6. Fields the era cannot store are
// dropped.
func CallHistory(era CallEra, calls ...CallRecord) ([]byte, error) {
	if era == CallsiOS6 {
		return oldCallHistory(calls)
	}
	s, ok := callSchemas[era]
	if !ok {
		return nil, fmt.Errorf("dbfixture: unknown call-history era %d", era)
	}
	return sqlitemem.Build(func(conn *sql.Conn) error {
		ctx := context.Background()
		ddl := []string{
			"CREATE TABLE ZCALLDBPROPERTIES ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZTIMER_ALL FLOAT, ZTIMER_INCOMING FLOAT, ZTIMER_LAST FLOAT, ZTIMER_LIFETIME FLOAT, ZTIMER_OUTGOING FLOAT )",
			"CREATE TABLE ZCALLRECORD ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, " + s.columns + " )",
			"CREATE INDEX ZCALLRECORD_ZDATE_INDEX ON ZCALLRECORD (ZDATE)",
			"CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER)",
			"CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB)",
			"CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB)",
		}
		if s.handleEnt != 0 {
			join := fmt.Sprintf("Z_%dREMOTEPARTICIPANTHANDLES", s.callEnt)
			ddl = append(ddl,
				"CREATE TABLE ZHANDLE ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZTYPE INTEGER, ZNORMALIZEDVALUE VARCHAR, ZVALUE VARCHAR )",
				fmt.Sprintf("CREATE TABLE %s ( Z_%dREMOTEPARTICIPANTCALLS INTEGER, Z_%dREMOTEPARTICIPANTHANDLES INTEGER, PRIMARY KEY (Z_%dREMOTEPARTICIPANTCALLS, Z_%dREMOTEPARTICIPANTHANDLES) )",
					join, s.callEnt, s.handleEnt, s.callEnt, s.handleEnt),
				fmt.Sprintf("CREATE INDEX %s_Z_%dREMOTEPARTICIPANTHANDLES_INDEX ON %s (Z_%dREMOTEPARTICIPANTHANDLES, Z_%dREMOTEPARTICIPANTCALLS)",
					join, s.handleEnt, join, s.handleEnt, s.callEnt))
		}
		for _, q := range ddl {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("dbfixture: %s: %w", q, err)
			}
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := writeCoreDataCalls(ctx, tx, era, s, calls); err != nil {
			return err
		}
		return tx.Commit()
	})
}

func callExec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("dbfixture: %s: %w", q, err)
	}
	return res, nil
}

func writeCoreDataCalls(ctx context.Context, tx *sql.Tx, era CallEra, s callSchema, calls []CallRecord) error {
	have := map[string]bool{}
	for _, c := range strings.Split(s.columns, ",") {
		if f := strings.Fields(c); len(f) > 0 {
			have[f[0]] = true
		}
	}
	handles := map[string]int64{}
	var maxCall int64
	for i, c := range calls {
		vals := map[string]any{
			"Z_ENT": s.callEnt, "Z_OPT": 1,
			"ZANSWERED": callBool(c.Answered), "ZORIGINATED": callBool(c.Outgoing), "ZREAD": 1,
			"ZCALLTYPE": c.CallType, "ZFACE_TIME_DATA": nil, "ZNUMBER_AVAILABILITY": 0,
			"ZDATE": float64(c.Date.Unix()-cocoaEpochUnix) + float64(c.Date.Nanosecond())/1e9, "ZDURATION": c.Duration,
			"ZDEVICE_ID": nil, "ZISO_COUNTRY_CODE": callNull(c.Country), "ZLOCATION": nil,
			"ZNAME": callNull(c.Name), "ZCALL_CATEGORY": 1, "ZHANDLE_TYPE": 2,
			"ZJUNKCONFIDENCE": 0, "ZVERIFICATIONSTATUS": 0, "ZWASEMERGENCYCALL": 0,
		}
		if c.Date.IsZero() {
			vals["ZDATE"] = nil
		}
		if c.ID != 0 {
			vals["Z_PK"] = c.ID
		}
		if c.CallType == 8 || c.CallType == 16 {
			vals["ZCALL_CATEGORY"] = 2
		}
		if strings.Contains(c.Address, "@") {
			vals["ZHANDLE_TYPE"] = 3
		}
		if c.DisconnectedCause != nil {
			vals["ZDISCONNECTED_CAUSE"] = *c.DisconnectedCause
		}
		provider := c.ServiceProvider
		if provider == "" {
			switch c.CallType {
			case 1:
				provider = "com.apple.Telephony"
			case 8, 16:
				provider = "com.apple.FaceTime"
			}
		}
		vals["ZSERVICE_PROVIDER"] = callNull(provider)
		uid := c.UniqueID
		if uid == "" {
			uid = fmt.Sprintf("8E4F2C1A-0000-4000-8000-%012d", i+1)
		}
		vals["ZUNIQUE_ID"] = uid
		switch {
		case c.Address == "":
			vals["ZADDRESS"] = nil
		case era.AddressBlob():
			vals["ZADDRESS"] = []byte(c.Address)
		default:
			vals["ZADDRESS"] = c.Address
		}
		if len(c.Participants) > 0 {
			vals["ZPARTICIPANTGROUPUUID"] = fmt.Sprintf("5D0B7A2E-0000-4000-8000-%012d", i+1)
		}
		var cols []string
		var args []any
		for _, k := range []string{"Z_PK", "Z_ENT", "Z_OPT"} {
			if v, ok := vals[k]; ok {
				cols, args = append(cols, k), append(args, v)
			}
		}
		for _, c := range strings.Split(s.columns, ",") {
			f := strings.Fields(c)
			if len(f) == 0 {
				continue
			}
			if v, ok := vals[f[0]]; ok {
				cols, args = append(cols, f[0]), append(args, v)
			}
		}
		res, err := callExec(ctx, tx, "INSERT INTO ZCALLRECORD ("+strings.Join(cols, ", ")+") VALUES (?"+strings.Repeat(", ?", len(cols)-1)+")", args...)
		if err != nil {
			return err
		}
		pk, err := res.LastInsertId()
		if err != nil {
			return err
		}
		maxCall = max(maxCall, pk)
		if s.handleEnt == 0 {
			continue
		}
		for _, p := range c.Participants {
			hid, ok := handles[p]
			if !ok {
				typ := 2
				if strings.Contains(p, "@") {
					typ = 3
				}
				r, err := callExec(ctx, tx, "INSERT INTO ZHANDLE (Z_ENT, Z_OPT, ZTYPE, ZNORMALIZEDVALUE, ZVALUE) VALUES (?, 1, ?, ?, ?)",
					s.handleEnt, typ, strings.ToLower(p), p)
				if err != nil {
					return err
				}
				if hid, err = r.LastInsertId(); err != nil {
					return err
				}
				handles[p] = hid
			}
			if _, err := callExec(ctx, tx, fmt.Sprintf("INSERT INTO Z_%dREMOTEPARTICIPANTHANDLES VALUES (?, ?)", s.callEnt), pk, hid); err != nil {
				return err
			}
		}
	}
	ents := [][2]any{{1, "CallDBProperties"}, {s.callEnt, "CallRecord"}}
	if s.handleEnt == 4 {
		ents = append(ents, [2]any{3, "EmergencyMediaItem"})
	}
	if s.handleEnt != 0 {
		ents = append(ents, [2]any{s.handleEnt, "Handle"})
	}
	for _, e := range ents {
		var maxPK int64
		switch e[1] {
		case "CallRecord":
			maxPK = maxCall
		case "Handle":
			maxPK = int64(len(handles))
		}
		if _, err := callExec(ctx, tx, "INSERT INTO Z_PRIMARYKEY (Z_ENT, Z_NAME, Z_SUPER, Z_MAX) VALUES (?, ?, 0, ?)", e[0], e[1], maxPK); err != nil {
			return err
		}
	}
	meta, err := plist.Marshal(map[string]any{
		"NSStoreType":                    "SQLite",
		"NSPersistenceFrameworkVersion":  641,
		"NSStoreModelVersionIdentifiers": []string{strconv.Itoa(int(era) + 1)},
		"NSStoreUUID":                    "3C7E1B5A-0000-4000-8000-000000000001",
	}, plist.BinaryFormat)
	if err != nil {
		return err
	}
	_, err = callExec(ctx, tx, "INSERT INTO Z_METADATA (Z_VERSION, Z_UUID, Z_PLIST) VALUES (1, ?, ?)", "3C7E1B5A-0000-4000-8000-000000000001", meta)
	return err
}

func callBool(b bool) int {
	if b {
		return 1
	}
	return 0
}

func callNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Bits of call.flags in call_history.db.
const (
	oldCallOutgoing = 1
	oldCallPhone    = 4
	oldCallFaceTime = 16
)

func oldCallHistory(calls []CallRecord) ([]byte, error) {
	return sqlitemem.Build(func(conn *sql.Conn) error {
		ctx := context.Background()
		for _, q := range []string{
			"CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key))",
			"CREATE TABLE call (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, address TEXT, date INTEGER, duration INTEGER, flags INTEGER, id INTEGER, name TEXT, country_code TEXT, network_code TEXT, read INTEGER, assisted INTEGER, face_time_data BLOB, originalAddress TEXT)",
			"CREATE INDEX date_index on call(date)",
			"INSERT INTO _SqliteDatabaseProperties VALUES ('call_history_limit', '100')",
		} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("dbfixture: %s: %w", q, err)
			}
		}
		for _, c := range calls {
			flags := oldCallPhone
			if c.CallType == 8 || c.CallType == 16 {
				flags = oldCallFaceTime
			}
			if c.Outgoing {
				flags |= oldCallOutgoing
			}
			var id, date any
			if c.ID != 0 {
				id = c.ID
			}
			if !c.Date.IsZero() {
				date = c.Date.Unix()
			}
			if _, err := conn.ExecContext(ctx, `INSERT INTO call (ROWID, address, date, duration, flags, id, name, country_code, network_code, read, assisted, originalAddress)
				VALUES (?, ?, ?, ?, ?, -1, ?, ?, '', 1, 0, ?)`,
				id, callNull(c.Address), date, int64(math.Round(c.Duration)), flags, callNull(c.Name), callNull(c.MCC), callNull(c.Address)); err != nil {
				return fmt.Errorf("dbfixture: insert call: %w", err)
			}
		}
		return nil
	})
}
