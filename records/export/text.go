package export

import (
	"bufio"
	"fmt"
	"io"
	"iter"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/iosbackup/iosbackup/internal/termsafe"
	"github.com/iosbackup/iosbackup/records"
)

// The text format lays records out for people, not programs: one
// contact with its details, one call or one message per line, with
// times in a zone named on the first line. Everything that comes from
// the backup is made safe for a terminal (see termsafe): control
// characters, escape sequences, bidirectional controls and invalid UTF-8
// are shown as visible escapes (\e, \x07, \u{202E}, \xff), never written
// raw. The layout is for reading and may change between versions; JSON
// Lines is the format for programs.

// TextOptions are the options of CallsText and MessagesText.
type TextOptions struct {
	// Names gives the contact name of a handle (phone number or email),
	// "" when none matches; nil shows handles alone (or the names the
	// records carry).
	Names func(handle string) string
	// Location is the zone of the times shown; nil means time.Local.
	Location *time.Location
	// Chats are the conversations of the messages (records.MessageDB's
	// Chats): MessagesText names the participants of group chats from
	// them. Nil leaves the participants out.
	Chats []*records.Chat
}

// ContactsText writes contacts as text: the display name with nickname,
// job title and organization, then one indented line per phone, email,
// URL, address, birthday, note and problem. A recovered contact starts
// with its mark, e.g. "[deleted — Recently Deleted] ". Row errors are
// counted and kept as for the other exporters.
func ContactsText(w io.Writer, contacts iter.Seq2[*records.Contact, error]) (Stats, error) {
	var st Stats
	bw := bufio.NewWriter(w)
	for c := range textRows(contacts, &st) {
		name := records.DisplayName(c)
		if name == "" {
			name = "(no name)"
		}
		var extra []string
		if c.Nickname != "" && !strings.Contains(name, c.Nickname) {
			extra = append(extra, "“"+c.Nickname+"”")
		}
		if c.JobTitle != "" {
			extra = append(extra, c.JobTitle)
		}
		if c.Organization != "" && c.Organization != name {
			extra = append(extra, c.Organization)
		}
		mark := textRecoveredMark(c.Deleted, c.Recovered)
		if len(extra) > 0 {
			textLine(bw, "%s%s (%s)", mark, name, strings.Join(extra, ", "))
		} else {
			textLine(bw, "%s%s", mark, name)
		}
		labeled := func(kind string, vs []records.Labeled) {
			for _, v := range vs {
				if v.Label != "" {
					textLine(bw, "    %-8s %s: %s", kind, v.Label, v.Value)
				} else {
					textLine(bw, "    %-8s %s", kind, v.Value)
				}
			}
		}
		labeled("phone", c.Phones)
		labeled("email", c.Emails)
		labeled("url", c.URLs)
		for _, ad := range c.Addresses {
			var parts []string
			for _, p := range []string{ad.Street, ad.City, strings.TrimSpace(ad.State + " " + ad.ZIP), ad.Country} {
				if p != "" {
					parts = append(parts, p)
				}
			}
			textLine(bw, "    %-8s %s: %s", "address", ad.Label, strings.Join(parts, ", "))
		}
		if c.Birthday != "" {
			textLine(bw, "    %-8s %s", "birthday", c.Birthday)
		}
		if c.Note != "" {
			textLine(bw, "    %-8s %s", "note", strings.ReplaceAll(c.Note, "\n", " / "))
		}
		for _, p := range c.Problems {
			textLine(bw, "    %-8s %s", "problem", p)
		}
	}
	return st, st.result(outputError(bw.Flush()))
}

// CallsText writes calls as text, one aligned line each: date and time
// (in opt.Location), direction (incoming, outgoing, missed), type, who
// ("Name (number)", the name from the call or else opt.Names), the
// duration, and the call's problems. The first line names the zone.
func CallsText(w io.Writer, calls iter.Seq2[*records.Call, error], opt TextOptions) (Stats, error) {
	var st Stats
	loc := textZone(opt.Location)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	first := true
	for c := range textRows(calls, &st) {
		if first {
			first = false
			at := time.Now()
			if c.Date != nil {
				at = *c.Date
			}
			textZoneLine(tw, loc, at)
		}
		dir := "incoming"
		switch {
		case c.Outgoing:
			dir = "outgoing"
		case c.Missed:
			dir = "missed"
		}
		who := textWho(c.Address, c.Name, opt.Names)
		dur := ""
		if c.Duration > 0 {
			dur = (time.Duration(c.Duration*float64(time.Second)) / time.Second * time.Second).String()
		}
		if len(c.Problems) > 0 {
			dur += "  [problem: " + strings.Join(c.Problems, "; ") + "]"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", textDate(c.Date, loc), dir, termsafe.Line(string(c.Type)),
			termsafe.Line(textRecoveredMark(c.Deleted, c.Recovered)+who), termsafe.Line(dur))
	}
	return st, st.result(outputError(tw.Flush()))
}

// MessagesText writes messages as text, grouped by conversation in the
// order each first appears: a "== title (with participants) [service] =="
// header, then one line per message with its date and time (in
// opt.Location), sender ("Me", the name from opt.Names, else the handle)
// and text; a multi-line body keeps its line breaks, indented. Replies
// quote the start of the message they answer, attachments show name,
// type and size, and tapbacks, group events and unsent messages are
// described in words. All messages are held until the end, to group
// them. The first line names the zone.
func MessagesText(w io.Writer, msgs iter.Seq2[*records.Message, error], opt TextOptions) (Stats, error) {
	var st Stats
	loc := textZone(opt.Location)
	names := opt.Names
	type conv struct {
		key  string
		msgs []*records.Message
	}
	var order []*conv
	byKey := map[string]*conv{}
	byGUID := map[string]*records.Message{}
	for m := range textRows(msgs, &st) {
		key := m.ChatGUID
		if key == "" {
			key = m.Chat
		}
		c := byKey[key]
		if c == nil {
			c = &conv{key: key}
			byKey[key] = c
			order = append(order, c)
		}
		c.msgs = append(c.msgs, m)
		byGUID[m.GUID] = m
	}
	chatByGUID := map[string]*records.Chat{}
	for _, c := range opt.Chats {
		chatByGUID[c.GUID] = c
	}
	quote := func(guid string) string {
		t := byGUID[guid]
		if t == nil {
			return "a message"
		}
		s := strings.TrimSpace(strings.ReplaceAll(t.Text, "\uFFFC", ""))
		if s == "" {
			if len(t.Attachments) > 0 {
				return "an attachment"
			}
			return "a message"
		}
		if r := []rune(s); len(r) > 40 {
			s = string(r[:39]) + "…"
		}
		return "“" + s + "”"
	}
	bw := bufio.NewWriter(w)
	if len(order) > 0 {
		at := time.Now()
		if d := order[0].msgs[0].Date; d != nil {
			at = *d
		}
		textZoneLine(bw, loc, at)
	}
	for i, c := range order {
		first := c.msgs[0]
		title := first.Chat
		if first.ChatName != nil && *first.ChatName != "" {
			title = *first.ChatName
		} else if title != "" {
			title = textWho(title, "", names)
		}
		if title == "" {
			title = "(no conversation)"
		}
		var people []string
		if ch := chatByGUID[first.ChatGUID]; ch != nil && ch.Group {
			for _, p := range ch.Participants {
				people = append(people, nameOf(names, p))
			}
		}
		if i > 0 {
			fmt.Fprintln(bw)
		}
		head := "== " + title
		if len(people) > 0 {
			sort.Strings(people)
			head += " (with " + strings.Join(people, ", ") + ")"
		}
		if first.Service != "" {
			head += " [" + first.Service + "]"
		}
		textLine(bw, "%s ==", head)
		for _, m := range c.msgs {
			fmt.Fprintf(bw, "%s  %s\n", textDate(m.Date, loc), textMessageLine(m, names, quote))
		}
	}
	return st, st.result(outputError(bw.Flush()))
}

// textBodyMark stands for a message body in a line being made safe;
// termsafe.Line leaves it alone, so the body (with its line breaks)
// replaces it after.
const textBodyMark = "\uE000body\uE000"

// textReactionVerbs describe tapbacks by their records.Reaction type.
var textReactionVerbs = map[string]string{
	"love": "loved", "like": "liked", "dislike": "disliked", "laugh": "laughed at",
	"emphasize": "emphasized", "question": "questioned", "sticker": "put a sticker on",
}

// textMessageLine is the line of one message after its date, made safe: the
// body keeps its line breaks, each followed by the indent that lines it
// up under the first.
func textMessageLine(m *records.Message, names func(string) string, quote func(guid string) string) string {
	from := "Me"
	if !m.FromMe {
		from = "?"
		if m.Sender != nil {
			from = nameOf(names, *m.Sender)
		}
	}
	var line, body string
	switch {
	case m.Reaction != nil:
		r := m.Reaction
		kind := string(r.Type)
		verb := textReactionVerbs[kind]
		if kind == "emoji" {
			verb = "reacted " + r.Emoji + " to"
		}
		if verb == "" {
			verb = "reacted to"
		}
		if r.Removed {
			verb = "took back a reaction (" + kind + ") to"
		}
		line = fmt.Sprintf("%s %s %s", from, verb, quote(r.Target))
	case m.GroupEvent != nil:
		g := m.GroupEvent
		switch kind := string(g.Kind); kind {
		case "renamed":
			line = fmt.Sprintf("— %s named the conversation “%s”", from, g.Title)
		case "added", "removed":
			line = fmt.Sprintf("— %s %s %s", from, kind, nameOf(names, g.Other))
		case "left":
			line = fmt.Sprintf("— %s left the conversation", from)
		default:
			line = fmt.Sprintf("— %s: %s", from, strings.ReplaceAll(kind, "-", " "))
		}
	case m.Unsent:
		line = from + " unsent a message"
	default:
		text := strings.TrimSpace(strings.ReplaceAll(m.Text, "\uFFFC", ""))
		// The body's own line breaks are kept (indented); the rest of
		// the line is made safe below.
		body = termsafe.Lines(text)
		line = from + ": " + textBodyMark
		if m.ReplyTo != nil {
			line += "  (reply to " + quote(*m.ReplyTo) + ")"
		}
		for _, at := range m.Attachments {
			missing := ""
			if at.Missing {
				missing = ", missing"
			}
			line += fmt.Sprintf("  [%s, %s, %s%s]", at.Name, at.MIME, textSize(at.Size), missing)
		}
		if m.Edited {
			line += "  (edited)"
		}
	}
	line = termsafe.Line(textRecoveredMark(m.Deleted, m.Recovered) + line)
	if body != "" || strings.Contains(line, textBodyMark) {
		line = strings.Replace(line, textBodyMark, strings.ReplaceAll(body, "\n", "\n                    "), 1)
	}
	return line
}

// textRows passes the records of seq through, counting them in st as
// written; a failed or nil record is counted and kept as a row error
// instead, and skipped.
func textRows[T any](seq iter.Seq2[*T, error], st *Stats) iter.Seq[*T] {
	return func(yield func(*T) bool) {
		i := -1
		for v, err := range seq {
			i++
			if err != nil || v == nil {
				if err == nil {
					err = ErrNilRecord
				}
				st.fail(i, err)
				continue
			}
			st.Written++
			if !yield(v) {
				return
			}
		}
	}
}

// textLine writes one line to w: the formatted text made safe, then
// "\n". The format is the package's own; only the values come from the
// backup.
func textLine(w io.Writer, format string, args ...any) {
	fmt.Fprintln(w, termsafe.Line(fmt.Sprintf(format, args...)))
}

// textZone is the zone of the times shown: loc, or time.Local for nil.
func textZone(loc *time.Location) *time.Location {
	if loc == nil {
		return time.Local
	}
	return loc
}

// textZoneLine is the first line of text output: the zone of its times.
func textZoneLine(w io.Writer, loc *time.Location, at time.Time) {
	fmt.Fprintf(w, "Times are in %s\n\n", termsafe.Line(ZoneLabel(loc, at)))
}

// textDate shows a time to the minute in loc, "????-??-?? ??:??" for an
// unknown time.
func textDate(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "????-??-?? ??:??"
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// textWho names a handle: "Name (handle)", the handle alone, or
// "unknown caller". name is the record's own; names is asked when it is
// empty.
func textWho(handle, name string, names func(string) string) string {
	if name == "" && names != nil && handle != "" {
		name = names(handle)
	}
	switch {
	case handle == "" && name == "":
		return "unknown caller"
	case name == "" || name == handle:
		return handle
	case handle == "":
		return name
	}
	return name + " (" + handle + ")"
}

// textRecoveredMark is the mark of a recovered record in text output:
// "[deleted — recovered from wal, message page 5 offset 3999] ", "" for
// a live record.
func textRecoveredMark(deleted bool, r *records.Recovery) string {
	if n := recoveryNote(deleted, r); n != "" {
		return "[" + n + "] "
	}
	return ""
}

// textSize shows a byte count in binary units: "512 B", "1.5 KiB".
func textSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
