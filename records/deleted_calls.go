package records

import (
	"errors"
	"io/fs"
	"iter"
	"sort"
)

// RecoverCalls returns the call records of the backup's call history
// (CallHistory.storedata's ZCALLRECORD and call_history.db's call) that
// are not live, carved from older page versions in the -wal, main-file
// pages it replaces, freelist pages and free space, each marked Deleted
// with its Recovered source; an earlier version of a live call comes with
// Deleted false and Recovered.HistoryOf naming it.
func RecoverCalls(fsys fs.FS) iter.Seq2[*Call, error] {
	var out []*Call
	found := false
	for _, name := range []string{CallHistoryPath, OldCallHistoryPath} {
		main, wal, err := readDatabase(fsys, name)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return seqOf[Call](nil, err)
		}
		found = true
		calls, err := recoverCalls(name, main, wal)
		if err != nil {
			return seqOf[Call](nil, err)
		}
		out = append(out, calls...)
	}
	if !found {
		return seqOf[Call](nil, ErrNotFound)
	}
	return seqOf(out, nil)
}

// RecoverCallsFile is RecoverCalls for a bare CallHistory.storedata or
// call_history.db.
func RecoverCallsFile(path string) iter.Seq2[*Call, error] {
	main, wal, err := readDatabaseFile(path)
	if err != nil {
		return seqOf[Call](nil, err)
	}
	return RecoverCallsBytes(path, main, wal)
}

// RecoverCallsBytes is RecoverCalls for database bytes.
func RecoverCallsBytes(name string, main, wal []byte) iter.Seq2[*Call, error] {
	return seqOf(recoverCalls(name, main, wal))
}

func recoverCalls(name string, main, wal []byte) ([]*Call, error) {
	c, err := carve(name, main, wal)
	if err != nil {
		return nil, err
	}
	defer c.close()
	var out []*Call
	if recs, t := c.table("ZCALLRECORD"); t != nil {
		for _, r := range recs {
			w := row{r, t}
			k := &Call{ID: w.id(), Address: w.s("ZADDRESS"), Name: w.s("ZNAME"), Country: w.s("ZISO_COUNTRY_CODE"),
				UniqueID: w.s("ZUNIQUE_ID"), Deleted: !r.History, Recovered: c.recovery(r)}
			if f, ok := w.f("ZDATE"); ok {
				k.Date = AppleTime(f)
			}
			k.Duration, _ = w.f("ZDURATION")
			k.Outgoing = recBool(w.v("ZORIGINATED"))
			k.Answered = recBool(w.v("ZANSWERED"))
			k.Missed = !k.Outgoing && !k.Answered
			ct, hasType := asInt(w.v("ZCALLTYPE"))
			k.Type, k.Service = classifyCall(ct, hasType, w.s("ZSERVICE_PROVIDER"))
			if d, ok := asInt(w.v("ZDISCONNECTED_CAUSE")); ok {
				di := int(d)
				k.Disconnected = &di
			}
			out = append(out, k)
		}
	}
	if recs, t := c.table("call"); t != nil {
		for _, r := range recs {
			w := row{r, t}
			k := &Call{ID: w.id(), Address: w.s("address"), Name: w.s("name"), Country: w.s("country_code"),
				Deleted: !r.History, Recovered: c.recovery(r)}
			if f, ok := w.f("date"); ok {
				k.Date = UnixTime(f)
			}
			k.Duration, _ = w.f("duration")
			flags := w.i("flags")
			k.Outgoing = flags&legacyOutgoing != 0
			k.Answered = k.Duration > 0
			k.Missed = !k.Outgoing && !k.Answered
			if flags&legacyFaceTime != 0 {
				k.Type, k.Service = CallFaceTimeVideo, ServiceFaceTime
			} else {
				k.Type, k.Service = CallPhone, ServiceTelephony
			}
			out = append(out, k)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return callBefore(out[i], out[j]) })
	return out, nil
}
