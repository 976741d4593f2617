package records

import (
	"context"
	"errors"
	"iter"
	"sort"

	"github.com/iosbackup/iosbackup/internal/devicepath"
)

// Recovered yields the call records of the call history
// (CallHistory.storedata's ZCALLRECORD and call_history.db's call) that
// are not live, carved from older page versions in the -wal, main-file
// pages it replaces, freelist pages and free space, each marked Deleted
// with its Recovered source; an earlier version of a live call comes with
// Deleted false and Recovered.HistoryOf naming it.
//
// The stores are read again from where they were opened: from a backup,
// CallHistory.storedata and call_history.db, whichever exist; else the
// file. They are only read, and carved in memory. The sequence stops with
// ctx's error when ctx is done.
func (c *CallDB) Recovered(ctx context.Context) iter.Seq2[*Call, error] {
	return func(yield func(*Call, error) bool) {
		calls, err := c.recovered(ctx)
		yieldAll(ctx, yield, calls, err)
	}
}

func (c *CallDB) recovered(ctx context.Context) ([]*Call, error) {
	if c.fsys == nil {
		o := origin{name: c.path}
		main, wal, err := o.read(ctx)
		if err != nil {
			return nil, err
		}
		return recoverCalls(o.name, main, wal)
	}
	var out []*Call
	found := false
	for _, name := range []string{devicepath.CallHistory, devicepath.OldCallHistory} {
		o := origin{fsys: c.fsys, name: name}
		main, wal, err := o.read(ctx)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		found = true
		calls, err := recoverCalls(name, main, wal)
		if err != nil {
			return nil, err
		}
		out = append(out, calls...)
	}
	if !found {
		return nil, ErrNotFound
	}
	return out, nil
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
				k.Date = appleTime(f)
			}
			k.Duration, _ = w.f("ZDURATION")
			k.Outgoing = recBool(w.v("ZORIGINATED"))
			k.Answered = recBool(w.v("ZANSWERED"))
			k.Missed = !k.Outgoing && !k.Answered
			ct, hasType := asInt(w.v("ZCALLTYPE"))
			k.Type, k.Service = classifyCall(ct, hasType, CallService(w.s("ZSERVICE_PROVIDER")))
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
				k.Date = unixTime(f)
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
