package export

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"github.com/iosbackup/iosbackup/records"
)

// ICSOptions tunes the iCalendar exports.
type ICSOptions struct {
	// ProductID is the PRODID of each calendar; "" gives
	// "-//iosbackup//ibackup//EN".
	ProductID string
	// Stamp is the DTSTAMP of records with no modification or creation
	// date; the zero value gives the time of the export.
	Stamp time.Time
}

func (o ICSOptions) prodID() string {
	if o.ProductID != "" {
		return o.ProductID
	}
	return "-//iosbackup//ibackup//EN"
}

func (o ICSOptions) stamp() time.Time {
	if o.Stamp.IsZero() {
		return time.Now().UTC().Truncate(time.Second)
	}
	return o.Stamp.UTC()
}

// errNoStart is the cause of the row error of an event with no readable
// start: iCalendar cannot hold it.
var errNoStart = errors.New("export: the event has no start date")

// ICSCalendar is one calendar written by EventsICSDir or RemindersICSDir.
type ICSCalendar struct {
	Title string // calendar or list name
	File  string // path written
	Count int    // events or reminders in it
}

// EventsICS writes events as iCalendar (RFC 5545) with go-ical: one
// VCALENDAR per calendar, in order of first appearance, each with the
// VTIMEZONE of every zone its events use (built from Go's time-zone data
// for the years the events cover), one VEVENT per event with RRULE and
// EXDATE for repeats, RECURRENCE-ID for changed occurrences, VALARM for
// alarms, ORGANIZER and ATTENDEE with PARTSTAT. All-day events are
// VALUE=DATE with an exclusive DTEND; floating events have no zone.
// Lines are folded at 75 octets.
//
// An event with no start (a damaged date) cannot be written: it is
// counted in Stats.Failed. Zones are loaded with
// time.LoadLocation: a program that may run where no zone database is
// installed should import time/tzdata. An event whose zone is not known
// is written in UTC.
func EventsICS(w io.Writer, events iter.Seq2[*records.Event, error], opt ICSOptions) (Stats, error) {
	groups, st := groupEvents(events)
	bw := &folder{w: w}
	for _, g := range groups {
		cal, n := eventsCalendar(g, opt, &st)
		if n == 0 {
			continue
		}
		if err := ical.NewEncoder(bw).Encode(cal); err != nil {
			return st, st.result(outputError(err))
		}
		st.Written += n
	}
	return st, st.result(nil)
}

// EventsICSDir writes one .ics file per calendar into dir (created with
// mode 0700 if needed; files 0600, written under a temporary name and
// renamed when complete). File names are made from the calendar titles
// (made safe for every file system, numbered when two collide).
func EventsICSDir(dir string, events iter.Seq2[*records.Event, error], opt ICSOptions) ([]ICSCalendar, Stats, error) {
	groups, st := groupEvents(events)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, st, st.result(outputError(err))
	}
	var out []ICSCalendar
	used := map[string]bool{}
	for _, g := range groups {
		cal, n := eventsCalendar(g, opt, &st)
		if n == 0 {
			continue
		}
		file := filepath.Join(dir, icsFileName(used, g.title)+".ics")
		if err := writeICSFile(file, cal); err != nil {
			return out, st, st.result(outputError(err))
		}
		st.Written += n
		out = append(out, ICSCalendar{Title: g.title, File: file, Count: n})
	}
	return out, st, st.result(nil)
}

// RemindersICS writes reminders as VTODO components: one VCALENDAR per
// list, with DUE (VALUE=DATE for a day with no time), STATUS, COMPLETED,
// PRIORITY, RRULE, RELATED-TO for subtasks and X-APPLE-FLAGGED.
// Reminders marked for deletion are left out (counted in Stats.Skipped).
func RemindersICS(w io.Writer, reminders iter.Seq2[*records.Reminder, error], opt ICSOptions) (Stats, error) {
	groups, st := groupReminders(reminders)
	bw := &folder{w: w}
	for _, g := range groups {
		cal := newCalendar(opt, g.title, "")
		for _, r := range g.items {
			cal.Children = append(cal.Children, todoComponent(r, opt))
		}
		if err := ical.NewEncoder(bw).Encode(cal); err != nil {
			return st, st.result(outputError(err))
		}
		st.Written += len(g.items)
	}
	return st, st.result(nil)
}

// RemindersICSDir writes one .ics file per list into dir, as EventsICSDir.
func RemindersICSDir(dir string, reminders iter.Seq2[*records.Reminder, error], opt ICSOptions) ([]ICSCalendar, Stats, error) {
	groups, st := groupReminders(reminders)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, st, st.result(outputError(err))
	}
	var out []ICSCalendar
	used := map[string]bool{}
	for _, g := range groups {
		cal := newCalendar(opt, g.title, "")
		for _, r := range g.items {
			cal.Children = append(cal.Children, todoComponent(r, opt))
		}
		file := filepath.Join(dir, icsFileName(used, g.title)+".ics")
		if err := writeICSFile(file, cal); err != nil {
			return out, st, st.result(outputError(err))
		}
		st.Written += len(g.items)
		out = append(out, ICSCalendar{Title: g.title, File: file, Count: len(g.items)})
	}
	return out, st, st.result(nil)
}

func icsFileName(used map[string]bool, title string) string {
	base := safeBase(title, 80)
	name := base
	for i := 2; used[strings.ToLower(name)]; i++ {
		name = base + "-" + strconv.Itoa(i)
	}
	used[strings.ToLower(name)] = true
	return name
}

func writeICSFile(file string, cal *ical.Calendar) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), ".ibackup-*.ics.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := ical.NewEncoder(&folder{w: tmp}).Encode(cal); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}

type eventGroup struct {
	title, color string
	events       []*records.Event
}

// groupEvents reads every event and groups them by calendar.
func groupEvents(seq iter.Seq2[*records.Event, error]) ([]*eventGroup, Stats) {
	var st Stats
	var groups []*eventGroup
	byKey := map[string]*eventGroup{}
	i := -1
	for e, err := range seq {
		i++
		if err != nil {
			st.fail(i, err)
			continue
		}
		if e == nil {
			st.fail(i, ErrNilRecord)
			continue
		}
		if e.Start == nil {
			st.fail(i, fmt.Errorf("event %d %q: %w", e.ID, e.Title, errNoStart))
			continue
		}
		key, title, color := "none", "Calendar", ""
		if e.Calendar != nil {
			key = strconv.FormatInt(e.Calendar.ID, 10)
			title, color = e.Calendar.Title, e.Calendar.Color
			if title == "" {
				title = "Calendar " + key
			}
		}
		g := byKey[key]
		if g == nil {
			g = &eventGroup{title: title, color: color}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.events = append(g.events, e)
	}
	return groups, st
}

type reminderGroup struct {
	title string
	items []*records.Reminder
}

func groupReminders(seq iter.Seq2[*records.Reminder, error]) ([]*reminderGroup, Stats) {
	var st Stats
	var groups []*reminderGroup
	byKey := map[string]*reminderGroup{}
	i := -1
	for r, err := range seq {
		i++
		if err != nil {
			st.fail(i, err)
			continue
		}
		if r == nil {
			st.fail(i, ErrNilRecord)
			continue
		}
		if r.Deleted {
			st.Skipped++ // marked for deletion: importing it would bring it back
			continue
		}
		title := r.List
		if title == "" {
			title = "Reminders"
		}
		g := byKey[title]
		if g == nil {
			g = &reminderGroup{title: title}
			byKey[title] = g
			groups = append(groups, g)
		}
		g.items = append(g.items, r)
	}
	return groups, st
}

func newCalendar(opt ICSOptions, title, color string) *ical.Calendar {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, icsText(opt.prodID()))
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	if title != "" {
		setXText(cal.Props, "X-WR-CALNAME", icsText(title))
	}
	if color != "" && validColor(color) {
		p := ical.NewProp("X-APPLE-CALENDAR-COLOR")
		p.Value = color
		cal.Props.Set(p)
	}
	return cal
}

func validColor(s string) bool {
	if len(s) != 7 && len(s) != 9 || s[0] != '#' {
		return false
	}
	for _, c := range s[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// eventsCalendar builds the VCALENDAR of one calendar.
func eventsCalendar(g *eventGroup, opt ICSOptions, st *Stats) (*ical.Calendar, int) {
	cal := newCalendar(opt, g.title, g.color)
	uids := map[int64]string{}
	for _, e := range g.events {
		uids[e.ID] = eventUID(e)
	}
	zones := map[string]*zoneUse{}
	var names []string
	var events []*ical.Component
	use := func(loc *time.Location, e *records.Event) {
		z := zones[loc.String()]
		if z == nil {
			z = &zoneUse{loc: loc, from: *e.Start, to: *e.Start}
			zones[loc.String()] = z
			names = append(names, loc.String())
		}
		z.cover(e)
	}
	for _, e := range g.events {
		loc := eventLocation(e)
		if loc != nil {
			use(loc, e)
		}
		endLoc := loc
		if l := endLocation(e, loc); l != nil {
			endLoc = l
			use(l, e)
		}
		events = append(events, eventComponent(e, loc, endLoc, uids, opt))
	}
	sort.Strings(names)
	for _, n := range names {
		cal.Children = append(cal.Children, zones[n].component())
	}
	cal.Children = append(cal.Children, events...)
	return cal, len(events)
}

// eventLocation returns the zone an event's times are written in; nil for
// UTC, floating and all-day events.
func eventLocation(e *records.Event) *time.Location {
	if e.AllDay || e.Floating || e.TimeZone == "" || e.TimeZone == "UTC" || e.TimeZone == "GMT" {
		return nil
	}
	loc, err := time.LoadLocation(e.TimeZone)
	if err != nil {
		return nil
	}
	return loc
}

// endLocation returns the zone of an event's end when it has its own
// (EndTimeZone), else nil.
func endLocation(e *records.Event, start *time.Location) *time.Location {
	if start == nil || e.EndTimeZone == "" || e.EndTimeZone == e.TimeZone {
		return nil
	}
	loc, err := time.LoadLocation(e.EndTimeZone)
	if err != nil {
		return nil
	}
	return loc
}

func eventUID(e *records.Event) string {
	if e.UUID != "" {
		return icsText(e.UUID)
	}
	return fmt.Sprintf("ibackup-event-%d", e.ID)
}

// setTime sets a date-time property: in loc (with TZID) when given, as a
// floating local time, or in UTC.
func setTime(props ical.Props, name string, t time.Time, loc *time.Location, floating bool) {
	p := ical.NewProp(name)
	switch {
	case loc != nil:
		p.Params.Set(ical.PropTimezoneID, loc.String())
		p.Value = t.In(loc).Format("20060102T150405")
	case floating:
		p.Value = t.UTC().Format("20060102T150405")
	default:
		p.Value = t.UTC().Format("20060102T150405Z")
	}
	props.Add(p)
}

func setDate(props ical.Props, name string, t time.Time) {
	p := ical.NewProp(name)
	p.SetValueType(ical.ValueDate)
	p.Value = t.UTC().Format("20060102")
	props.Add(p)
}

// setXText sets an extension property to escaped text, without the
// VALUE=TEXT parameter go-ical adds to names it does not know.
func setXText(props ical.Props, name, value string) {
	p := ical.NewProp(name)
	p.SetText(value)
	p.Params.Del(ical.ParamValue)
	props.Set(p)
}

func setText(props ical.Props, name, value string) {
	if value = icsText(value); value != "" {
		props.SetText(name, value)
	}
}

func stampOf(modified, created *time.Time, opt ICSOptions) time.Time {
	switch {
	case modified != nil:
		return *modified
	case created != nil:
		return *created
	}
	return opt.stamp()
}

func eventComponent(e *records.Event, loc, endLoc *time.Location, uids map[int64]string, opt ICSOptions) *ical.Component {
	c := ical.NewComponent(ical.CompEvent)
	uid := uids[e.ID]
	if e.OriginalID != nil {
		if u, ok := uids[*e.OriginalID]; ok {
			uid = u
		}
	}
	c.Props.SetText(ical.PropUID, uid)
	c.Props.SetDateTime(ical.PropDateTimeStamp, stampOf(e.Modified, e.Created, opt).UTC().Truncate(time.Second))
	setText(c.Props, ical.PropSummary, e.Title)
	setText(c.Props, ical.PropDescription, e.Notes)
	if u := icsURI(e.URL); u != "" {
		p := ical.NewProp(ical.PropURL)
		p.SetValueType(ical.ValueURI)
		p.Value = u
		c.Props.Set(p)
	}
	if e.AllDay {
		setDate(c.Props, ical.PropDateTimeStart, *e.Start)
		if e.End != nil && !e.End.Before(*e.Start) {
			setDate(c.Props, ical.PropDateTimeEnd, e.End.AddDate(0, 0, 1))
		}
	} else {
		setTime(c.Props, ical.PropDateTimeStart, *e.Start, loc, e.Floating)
		if e.End != nil && !e.End.Before(*e.Start) {
			setTime(c.Props, ical.PropDateTimeEnd, *e.End, endLoc, e.Floating)
		}
	}
	if e.OriginalID != nil && e.OriginalDate != nil {
		if e.AllDay {
			setDate(c.Props, ical.PropRecurrenceID, *e.OriginalDate)
		} else {
			setTime(c.Props, ical.PropRecurrenceID, *e.OriginalDate, loc, e.Floating)
		}
	}
	if e.Recurrence != "" {
		p := ical.NewProp(ical.PropRecurrenceRule)
		p.SetValueType(ical.ValueRecurrence)
		p.Value = e.Recurrence
		if e.Floating {
			// UNTIL takes the form of DTSTART: local time for a floating event.
			p.Value = floatingUntil(p.Value)
		}
		c.Props.Set(p)
	}
	for _, x := range e.Exceptions {
		if e.AllDay {
			setDate(c.Props, ical.PropExceptionDates, x)
		} else {
			setTime(c.Props, ical.PropExceptionDates, x, loc, e.Floating)
		}
	}
	if l := e.Location; l != nil {
		text := l.Title
		if l.Address != "" && l.Address != l.Title {
			text = strings.TrimSpace(strings.TrimSuffix(l.Title+", "+l.Address, ", "))
			text = strings.TrimPrefix(text, ", ")
		}
		setText(c.Props, ical.PropLocation, text)
		if l.Latitude != nil && l.Longitude != nil {
			p := ical.NewProp(ical.PropGeo)
			p.Value = strconv.FormatFloat(*l.Latitude, 'f', -1, 64) + ";" + strconv.FormatFloat(*l.Longitude, 'f', -1, 64)
			c.Props.Set(p)
		}
	}
	switch e.Status {
	case "confirmed":
		c.Props.SetText(ical.PropStatus, "CONFIRMED")
	case "tentative":
		c.Props.SetText(ical.PropStatus, "TENTATIVE")
	case "cancelled":
		c.Props.SetText(ical.PropStatus, "CANCELLED")
	}
	if e.Organizer != nil {
		if p := personProp(ical.PropOrganizer, *e.Organizer, false); p != nil {
			c.Props.Set(p)
		}
	}
	for _, a := range e.Attendees {
		if p := personProp(ical.PropAttendee, a, true); p != nil {
			c.Props.Add(p)
		}
	}
	for _, a := range e.Attachments {
		if u := icsURI(a.URL); u != "" {
			p := ical.NewProp(ical.PropAttach)
			p.Value = u
			c.Props.Add(p)
		}
	}
	if e.Created != nil {
		c.Props.SetDateTime(ical.PropCreated, e.Created.UTC().Truncate(time.Second))
	}
	if e.Modified != nil {
		c.Props.SetDateTime(ical.PropLastModified, e.Modified.UTC().Truncate(time.Second))
	}
	for _, a := range e.Alarms {
		if al := alarmComponent(a, e.Title); al != nil {
			c.Children = append(c.Children, al)
		}
	}
	return c
}

// floatingUntil drops the Z of a date-time UNTIL.
func floatingUntil(rule string) string {
	parts := strings.Split(rule, ";")
	for i, part := range parts {
		if v, ok := strings.CutPrefix(part, "UNTIL="); ok && len(v) == 16 && strings.HasSuffix(v, "Z") {
			parts[i] = "UNTIL=" + strings.TrimSuffix(v, "Z")
		}
	}
	return strings.Join(parts, ";")
}

func alarmComponent(a records.Alarm, title string) *ical.Component {
	c := ical.NewComponent(ical.CompAlarm)
	c.Props.SetText(ical.PropAction, "DISPLAY")
	desc := icsText(title)
	if desc == "" {
		desc = "Reminder"
	}
	c.Props.SetText(ical.PropDescription, desc)
	p := ical.NewProp(ical.PropTrigger)
	switch {
	case a.Offset != nil:
		p.Value = icsDuration(*a.Offset)
	case a.Date != nil:
		p.SetValueType(ical.ValueDateTime)
		p.Value = a.Date.UTC().Format("20060102T150405Z")
	default:
		return nil
	}
	c.Props.Set(p)
	return c
}

// icsDuration writes seconds as an RFC 5545 duration: -PT15M, PT0S, P1D.
func icsDuration(sec int64) string {
	sign := ""
	if sec < 0 {
		sign, sec = "-", -sec
	}
	if sec == 0 {
		return "PT0S"
	}
	var b strings.Builder
	b.WriteString(sign + "P")
	if d := sec / 86400; d > 0 {
		b.WriteString(strconv.FormatInt(d, 10) + "D")
		sec %= 86400
	}
	if sec > 0 {
		b.WriteString("T")
		if h := sec / 3600; h > 0 {
			b.WriteString(strconv.FormatInt(h, 10) + "H")
		}
		if m := sec % 3600 / 60; m > 0 {
			b.WriteString(strconv.FormatInt(m, 10) + "M")
		}
		if s := sec % 60; s > 0 {
			b.WriteString(strconv.FormatInt(s, 10) + "S")
		}
	}
	return b.String()
}

var partstat = map[string]string{
	"needs-action": "NEEDS-ACTION", "accepted": "ACCEPTED", "declined": "DECLINED", "tentative": "TENTATIVE",
	"delegated": "DELEGATED", "completed": "COMPLETED", "in-process": "IN-PROCESS",
}

func personProp(name string, a records.Attendee, attendee bool) *ical.Prop {
	p := ical.NewProp(name)
	switch {
	case a.Email != "":
		p.Value = "mailto:" + icsParam(a.Email)
	case a.Phone != "":
		p.Value = "tel:" + icsParam(a.Phone)
	default:
		return nil
	}
	p.SetValueType(ical.ValueCalendarAddress)
	p.Params.Del(ical.ParamValue)
	if n := icsParam(a.Name); n != "" {
		p.Params.Set(ical.ParamCommonName, n)
	}
	if attendee {
		if ps, ok := partstat[a.Status]; ok {
			p.Params.Set(ical.ParamParticipationStatus, ps)
		}
	}
	return p
}

func todoComponent(r *records.Reminder, opt ICSOptions) *ical.Component {
	c := ical.NewComponent(ical.CompToDo)
	c.Props.SetText(ical.PropUID, reminderUID(r))
	c.Props.SetDateTime(ical.PropDateTimeStamp, stampOf(r.Modified, r.Created, opt).UTC().Truncate(time.Second))
	setText(c.Props, ical.PropSummary, r.Title)
	setText(c.Props, ical.PropDescription, r.Notes)
	if r.Due != nil {
		if r.DueAllDay {
			setDate(c.Props, ical.PropDue, *r.Due)
		} else {
			setTime(c.Props, ical.PropDue, *r.Due, nil, false)
		}
	}
	if r.Completed {
		c.Props.SetText(ical.PropStatus, "COMPLETED")
		if r.CompletedDate != nil {
			c.Props.SetDateTime(ical.PropCompleted, r.CompletedDate.UTC().Truncate(time.Second))
		}
	} else {
		c.Props.SetText(ical.PropStatus, "NEEDS-ACTION")
	}
	if r.Priority > 0 {
		p := ical.NewProp(ical.PropPriority)
		p.Value = strconv.Itoa(r.Priority)
		c.Props.Set(p)
	}
	if r.Recurrence != "" && r.Due != nil {
		p := ical.NewProp(ical.PropRecurrenceRule)
		p.Value = r.Recurrence
		c.Props.Set(p)
	}
	if r.Parent != nil {
		c.Props.SetText(ical.PropRelatedTo, reminderUIDOf(r.Store, *r.Parent))
	}
	if r.Flagged {
		setXText(c.Props, "X-APPLE-FLAGGED", "TRUE")
	}
	if r.Created != nil {
		c.Props.SetDateTime(ical.PropCreated, r.Created.UTC().Truncate(time.Second))
	}
	if r.Modified != nil {
		c.Props.SetDateTime(ical.PropLastModified, r.Modified.UTC().Truncate(time.Second))
	}
	return c
}

// reminderUID is the UID of a reminder, made of its ID and store so that
// RELATED-TO can name a parent from its ID alone.
func reminderUID(r *records.Reminder) string { return reminderUIDOf(r.Store, r.ID) }

func reminderUIDOf(store string, id int64) string {
	return icsText(fmt.Sprintf("ibackup-reminder-%d-%s", id, safeBase(store, 80)))
}

// icsText makes s fit an iCalendar text value: valid UTF-8, line breaks
// as \n, no other control characters.
func icsText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}

// icsParam makes s fit a parameter value or an address: one line, no
// double quote, no control characters.
func icsParam(s string) string {
	s = icsText(s)
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return ' '
		}
		if r == '"' {
			return '\''
		}
		return r
	}, s)
}

// icsURI returns u if it is a one-line URI with a scheme, else "".
func icsURI(u string) string {
	u = strings.TrimSpace(u)
	if u == "" || strings.ContainsAny(u, " \t\r\n\"<>") || !strings.Contains(u, ":") || !utf8.ValidString(u) {
		return ""
	}
	for _, r := range u {
		if r < 0x20 || r == 0x7f {
			return ""
		}
	}
	return u
}

// zoneUse is a time zone used by the events of a calendar and the span of
// time they cover.
type zoneUse struct {
	loc      *time.Location
	from, to time.Time
}

// cover extends the span to an event, its end and its repeats (to their
// UNTIL or COUNT, or five years for a series with no end).
func (z *zoneUse) cover(e *records.Event) {
	for _, t := range []*time.Time{e.Start, e.End, e.OriginalDate} {
		if t == nil {
			continue
		}
		if t.Before(z.from) {
			z.from = *t
		}
		if t.After(z.to) {
			z.to = *t
		}
	}
	if e.Recurrence == "" {
		return
	}
	end := e.Start.AddDate(5, 0, 0)
	freq, interval, count := "", 1, 0
	for _, part := range strings.Split(e.Recurrence, ";") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "FREQ":
			freq = v
		case "INTERVAL":
			if n, err := strconv.Atoi(v); err == nil && n > 0 && n < 1000 {
				interval = n
			}
		case "COUNT":
			if n, err := strconv.Atoi(v); err == nil && n > 0 && n < 100000 {
				count = n
			}
		case "UNTIL":
			if t, err := time.Parse("20060102T150405Z", v); err == nil {
				end = t
			} else if t, err := time.Parse("20060102", v); err == nil {
				end = t
			}
		}
	}
	if count > 0 {
		// The last occurrence is at most count×interval periods away
		// (BYDAY and the like only add occurrences within a period).
		n := count * interval
		switch freq {
		case "DAILY":
			end = e.Start.AddDate(0, 0, n)
		case "WEEKLY":
			end = e.Start.AddDate(0, 0, 7*n)
		case "MONTHLY":
			end = e.Start.AddDate(0, n, 0)
		case "YEARLY":
			end = e.Start.AddDate(n, 0, 0)
		}
	}
	if max := z.from.AddDate(50, 0, 0); end.After(max) {
		end = max
	}
	if end.After(z.to) {
		z.to = end
	}
}

// component builds the VTIMEZONE: one STANDARD or DAYLIGHT sub-component
// for the offset in force at the start of the first year covered, then
// one for every transition until the end of the year after the last.
func (z *zoneUse) component() *ical.Component {
	c := ical.NewComponent(ical.CompTimezone)
	c.Props.SetText(ical.PropTimezoneID, z.loc.String())
	from := time.Date(z.from.In(z.loc).Year(), 1, 1, 0, 0, 0, 0, z.loc)
	to := time.Date(z.to.In(z.loc).Year()+2, 1, 1, 0, 0, 0, 0, z.loc)
	t := from
	name, off := t.Zone()
	c.Children = append(c.Children, observance(t.IsDST(), name, t.Add(0), off, off))
	for i := 0; i < 1000; i++ {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			break
		}
		prev := off
		t = end.In(z.loc)
		name, off = t.Zone()
		if off == prev && i > 0 {
			continue // only the abbreviation changed
		}
		c.Children = append(c.Children, observance(t.IsDST(), name, end, prev, off))
	}
	return c
}

// observance builds a STANDARD or DAYLIGHT sub-component starting at the
// instant at, written as local time in the offset before it (RFC 5545
// 3.6.5).
func observance(dst bool, name string, at time.Time, from, to int) *ical.Component {
	kind := ical.CompTimezoneStandard
	if dst {
		kind = ical.CompTimezoneDaylight
	}
	c := ical.NewComponent(kind)
	p := ical.NewProp(ical.PropDateTimeStart)
	p.Value = at.UTC().Add(time.Duration(from) * time.Second).Format("20060102T150405")
	c.Props.Set(p)
	for _, x := range []struct {
		name string
		off  int
	}{{ical.PropTimezoneOffsetFrom, from}, {ical.PropTimezoneOffsetTo, to}} {
		q := ical.NewProp(x.name)
		q.Value = utcOffset(x.off)
		c.Props.Set(q)
	}
	if name != "" && !strings.ContainsAny(name, "+-") {
		c.Props.SetText(ical.PropTimezoneName, icsText(name))
	}
	return c
}

// utcOffset writes seconds east of UTC as +HHMM (or +HHMMSS).
func utcOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	s := fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec%3600/60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}

// folder folds content lines longer than 75 octets (RFC 5545 3.1) without
// splitting a UTF-8 sequence; it expects CRLF line ends, as go-ical writes.
type folder struct {
	w    io.Writer
	n    int // octets on the current line
	line bytes.Buffer
}

func (f *folder) Write(p []byte) (int, error) {
	for i := 0; i < len(p); {
		if p[i] == '\r' && i+1 < len(p) && p[i+1] == '\n' {
			f.line.WriteString("\r\n")
			if _, err := f.w.Write(f.line.Bytes()); err != nil {
				return i, err
			}
			f.line.Reset()
			f.n = 0
			i += 2
			continue
		}
		_, size := utf8.DecodeRune(p[i:])
		if f.n+size > 75 {
			f.line.WriteString("\r\n ")
			f.n = 1
		}
		f.line.Write(p[i : i+size])
		f.n += size
		i += size
	}
	return len(p), nil
}
