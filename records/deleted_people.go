package records

import (
	"context"
	"iter"
	"sort"
	"strings"
)

// Recovered yields the ABPerson rows of the address book that are not
// live, carved from older page versions in the -wal, main-file pages it
// replaces, freelist pages and free space, with the phones, emails and
// URLs of their ABMultiValue rows (carved, or still live under a person
// id that is gone). Each is marked Deleted with its Recovered source; an
// earlier version of a live contact comes with Deleted false and
// Recovered.HistoryOf naming it.
//
// The address book and its -wal are read again from where they were
// opened (the backup, or the file), only read, and carved in memory. The
// sequence stops with ctx's error when ctx is done.
func (c *ContactDB) Recovered(ctx context.Context) iter.Seq2[*Contact, error] {
	return func(yield func(*Contact, error) bool) {
		main, wal, err := c.origin.read(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		cs, err := recoverContacts(c.origin.name, main, wal)
		yieldAll(ctx, yield, cs, err)
	}
}

// recoverContacts carves the contacts out of an address book's bytes.
func recoverContacts(name string, main, wal []byte) ([]*Contact, error) {
	c, err := carve(name, main, wal)
	if err != nil {
		return nil, err
	}
	defer c.close()
	return carvedContacts(c)
}

type abValue struct {
	record, property int64
	label, value     string
}

func carvedContacts(c *carving) ([]*Contact, error) {
	recs, t := c.table("ABPerson")
	if len(recs) == 0 || t == nil {
		return nil, nil
	}
	labels := map[int64]string{}
	live := map[int64][]abValue{}
	livePeople := map[int64]bool{}
	if rows, err := c.db.Query("SELECT ROWID, value FROM ABMultiValueLabel"); err == nil {
		for rows.Next() {
			var id int64
			var v any
			if rows.Scan(&id, &v) == nil {
				labels[id] = cleanLabel(asString(v))
			}
		}
		rows.Close()
	}
	if rows, err := c.db.Query("SELECT ROWID FROM ABPerson"); err == nil {
		for rows.Next() {
			var id int64
			if rows.Scan(&id) == nil {
				livePeople[id] = true
			}
		}
		rows.Close()
	}
	if rows, err := c.db.Query("SELECT record_id, property, label, value FROM ABMultiValue ORDER BY record_id, ROWID"); err == nil {
		for rows.Next() {
			var rec, prop, lab, val any
			if rows.Scan(&rec, &prop, &lab, &val) != nil {
				continue
			}
			r, _ := asInt(rec)
			if livePeople[r] {
				continue
			}
			p, _ := asInt(prop)
			l, _ := asInt(lab)
			live[r] = append(live[r], abValue{r, p, labels[l], asString(val)})
		}
		rows.Close()
	}
	carvedMV := map[int64][]abValue{}
	if rs, mt := c.table("ABMultiValue"); mt != nil {
		for _, r := range rs {
			if r.History {
				continue
			}
			w := row{r, mt}
			l := w.i("label")
			v := abValue{w.i("record_id"), w.i("property"), labels[l], w.s("value")}
			carvedMV[v.record] = append(carvedMV[v.record], v)
		}
	}
	var out []*Contact
	for _, r := range recs {
		w := row{r, t}
		p := &Contact{
			ID: w.id(), Prefix: w.s("Prefix"), First: w.s("First"), Middle: w.s("Middle"), Last: w.s("Last"),
			Suffix: w.s("Suffix"), Nickname: w.s("Nickname"), FirstPhonetic: w.s("FirstPhonetic"),
			MiddlePhonetic: w.s("MiddlePhonetic"), LastPhonetic: w.s("LastPhonetic"),
			Organization: w.s("Organization"), Department: w.s("Department"), JobTitle: w.s("JobTitle"),
			Note: w.s("Note"), Birthday: abDateString(w.v("Birthday")),
			Phones: []Labeled{}, Emails: []Labeled{}, URLs: []Labeled{}, Addresses: []Address{},
			Deleted: !r.History, Recovered: c.recovery(r),
		}
		if f, ok := w.f("CreationDate"); ok {
			p.Created = appleTime(f)
		}
		if f, ok := w.f("ModificationDate"); ok {
			p.Modified = appleTime(f)
		}
		p.IsOrganization = w.i("Kind") == kindOrganization
		if p.ID != 0 && !r.History {
			for _, v := range append(live[p.ID], carvedMV[p.ID]...) {
				lv := Labeled{Label: v.label, Value: v.value}
				switch v.property {
				case abPhone:
					p.Phones = appendNew(p.Phones, lv)
				case abEmail:
					p.Emails = appendNew(p.Emails, lv)
				case abURL:
					p.URLs = appendNew(p.URLs, lv)
				}
			}
		}
		if p.First == "" && p.Last == "" && p.Organization == "" && len(p.Phones) == 0 && len(p.Emails) == 0 && p.Note == "" {
			continue // nothing a reader could use
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func appendNew(s []Labeled, v Labeled) []Labeled {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	if strings.TrimSpace(v.Value) == "" {
		return s
	}
	return append(s, v)
}
