package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iosbackup/iosbackup/records"
)

// contactsHeader is the header row of ContactsCSV.
var contactsHeader = []string{
	"id", "prefix", "first", "middle", "last", "suffix", "nickname",
	"organization", "department", "job_title", "birthday", "note",
	"phones", "emails", "urls", "addresses", "profiles", "related", "dates",
	"groups", "created", "modified", "has_photo",
	"first_phonetic", "middle_phonetic", "last_phonetic", "organization_phonetic", "display_name", "problems",
	"deleted", "recovered",
}

// messagesHeader is the header row of MessagesCSV.
var messagesHeader = []string{
	"rowid", "guid", "date", "chat", "chat_name", "service", "from_me",
	"sender", "sender_name", "text", "subject", "attachments", "reaction",
	"reaction_target", "reaction_removed", "reply_to", "edited", "unsent", "is_read",
	"date_read", "date_delivered", "date_edited",
	"deleted", "recovered",
}

// callsHeader is the header row of CallsCSV.
var callsHeader = []string{
	"id", "date", "address", "name", "duration", "outgoing", "answered",
	"missed", "type", "service", "country", "participants", "unique_id",
	"mobile_country_code", "problems",
	"deleted", "recovered",
}

// ContactsCSV writes contacts as CSV with a header row of column names (the JSON field names).
// Multi-valued fields are joined as "Label: value; Label: value" (a value
// without a label appears alone); addresses as "Label: street, city,
// state zip, country". The joins are for reading in a spreadsheet; JSONL
// is the lossless format. Dates are RFC 3339 UTC with milliseconds.
// The last two columns of every CSV (contacts, messages, calls) mark
// recovered records: deleted ("true" for a deleted record) and recovered
// (where it was found, as recoveryNote describes it after the dash; empty for a live record).
//
// Text is made valid UTF-8 and control characters other than tab and
// line breaks are dropped (bidirectional marks are kept: they are part of
// Arabic and Hebrew text). Cells that a spreadsheet could run as a formula
// are prefixed with an apostrophe (see csvSafe), phone numbers written
// with a "+" and punctuation included; plain numbers are left alone. No
// byte order mark is written: a caller that wants one (Excel needs it to
// read UTF-8) writes "\uFEFF" first, as ibackup does by default.
func ContactsCSV(w io.Writer, contacts iter.Seq2[*records.Contact, error]) (Stats, error) {
	return writeCSV(w, contactsHeader, contacts, func(c *records.Contact, row []string) []string {
		return append(row,
			strconv.FormatInt(c.ID, 10), c.Prefix, c.First, c.Middle, c.Last, c.Suffix, c.Nickname,
			c.Organization, c.Department, c.JobTitle, c.Birthday, c.Note,
			joinLabeled(c.Phones), joinLabeled(c.Emails), joinLabeled(c.URLs),
			joinAddresses(c.Addresses), joinProfiles(c.Profiles), joinLabeled(c.Related), joinLabeled(c.Dates),
			strings.Join(c.Groups, "; "), formatTime(c.Created), formatTime(c.Modified), strconv.FormatBool(c.HasPhoto),
			c.FirstPhonetic, c.MiddlePhonetic, c.LastPhonetic, c.OrgPhonetic, contactDisplayName(c), strings.Join(c.Problems, "; "),
			strconv.FormatBool(c.Deleted), recoverySource(c.Recovered),
		)
	})
}

// MessagesCSV writes messages as CSV with a header row of column names, in
// input order. sender_name is the message's SenderName, else names (may
// be nil) of the sender's handle: a contact name, empty when none matches
// ("Me" for messages from the owner).
// Attachments are joined as "name (mime, N bytes)" with "[missing]"
// appended when the file is not in the backup; reaction holds the tapback
// type (or its emoji), reaction_removed tells a removal.
func MessagesCSV(w io.Writer, msgs iter.Seq2[*records.Message, error], names func(handle string) string) (Stats, error) {
	return writeCSV(w, messagesHeader, msgs, func(m *records.Message, row []string) []string {
		sender, senderName := "", ""
		if m.FromMe {
			senderName = "Me"
		} else if m.Sender != nil {
			// The contact's name only, as in JSON Lines: empty when no
			// contact matches.
			sender = *m.Sender
			if m.SenderName != nil {
				senderName = *m.SenderName
			} else if names != nil && sender != "" {
				senderName = names(sender)
			}
		}
		chatName := ""
		if m.ChatName != nil {
			chatName = *m.ChatName
		}
		reaction, target, removed := "", "", ""
		if m.Reaction != nil {
			reaction = string(m.Reaction.Type)
			if m.Reaction.Type == "emoji" && m.Reaction.Emoji != "" {
				reaction = m.Reaction.Emoji
			}
			target = m.Reaction.Target
			removed = strconv.FormatBool(m.Reaction.Removed)
		}
		replyTo := ""
		if m.ReplyTo != nil {
			replyTo = *m.ReplyTo
		}
		return append(row,
			strconv.FormatInt(m.RowID, 10), m.GUID, formatTime(m.Date), m.Chat, chatName, m.Service,
			strconv.FormatBool(m.FromMe), sender, senderName, m.Text, m.Subject,
			joinAttachments(m.Attachments), reaction, target, removed, replyTo,
			strconv.FormatBool(m.Edited), strconv.FormatBool(m.Unsent), strconv.FormatBool(m.IsRead),
			formatTime(m.DateRead), formatTime(m.DateDelivered), formatTime(m.DateEdited),
			strconv.FormatBool(m.Deleted), recoverySource(m.Recovered),
		)
	})
}

// contactDisplayName is c.DisplayName, computed when the reader did not
// fill it.
func contactDisplayName(c *records.Contact) string {
	if c.DisplayName != "" {
		return c.DisplayName
	}
	return records.DisplayName(c)
}

// CallsCSV writes calls as CSV with a header row of column names. duration is in
// seconds; participants of group calls are joined with "; ". name is the
// call's Name (see records.Resolver.NameCalls); country is the ISO code
// of CallHistory.storedata, mobile_country_code the network code of the
// older call_history.db.
func CallsCSV(w io.Writer, calls iter.Seq2[*records.Call, error]) (Stats, error) {
	return writeCSV(w, callsHeader, calls, func(c *records.Call, row []string) []string {
		return append(row,
			strconv.FormatInt(c.ID, 10), formatTime(c.Date), c.Address, c.Name,
			strconv.FormatFloat(c.Duration, 'f', -1, 64),
			strconv.FormatBool(c.Outgoing), strconv.FormatBool(c.Answered), strconv.FormatBool(c.Missed),
			string(c.Type), string(c.Service), c.Country, strings.Join(c.Participants, "; "), c.UniqueID,
			c.MCC, strings.Join(c.Problems, "; "),
			strconv.FormatBool(c.Deleted), recoverySource(c.Recovered),
		)
	})
}

func writeCSV[T any](w io.Writer, header []string, seq iter.Seq2[*T, error], row func(*T, []string) []string) (Stats, error) {
	var st Stats
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return st, st.result(err)
	}
	cells := make([]string, 0, len(header))
	i := -1
	for rec, err := range seq {
		i++
		if err != nil {
			st.fail(i, err)
			continue
		}
		if rec == nil {
			st.fail(i, ErrNilRecord)
			continue
		}
		cells = row(rec, cells[:0])
		for j, c := range cells {
			cells[j] = csvSafe(cleanText(c))
		}
		if err := cw.Write(cells); err != nil {
			return st, st.result(err)
		}
		st.Written++
	}
	cw.Flush()
	return st, st.result(cw.Error())
}

// csvSafe defuses spreadsheet formula injection, as OWASP advises: a
// cell whose first character other than white space is =, +, -, @ or
// their full-width forms (＝＋－＠), or that starts with a tab, carriage
// return or line feed, is prefixed with an apostrophe, so that "=HYPERLINK(…)",
// " =1+1", "\n=cmd", "＝1+1" and "+1*(2+3)" stay text. A cell that is a
// plain number ("-12", "+15551234567", "3.5") is left alone: spreadsheets
// read it as a number, never as a formula.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '\t', '\r', '\n':
		return "'" + s
	}
	t := strings.TrimLeft(s, " \t\r\n\u00a0\u3000")
	r, _ := utf8.DecodeRuneInString(t)
	switch r {
	case '=', '@', '\uFF1D', '\uFF20', '\uFF0B', '\uFF0D':
		return "'" + s
	case '+', '-':
		if t != s || !plainNumber(t) {
			return "'" + s
		}
	}
	return s
}

// plainNumber reports whether s is an optional sign, digits and at most
// one decimal point between digits.
func plainNumber(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	intPart, frac, dot := strings.Cut(s, ".")
	digits := func(x string) bool {
		if x == "" {
			return false
		}
		for i := 0; i < len(x); i++ {
			if x[i] < '0' || x[i] > '9' {
				return false
			}
		}
		return true
	}
	return digits(intPart) && (!dot || digits(frac))
}

func joinLabeled(vs []records.Labeled) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteString("; ")
		}
		if v.Label != "" {
			b.WriteString(v.Label)
			b.WriteString(": ")
		}
		b.WriteString(v.Value)
	}
	return b.String()
}

func joinProfiles(ps []records.Profile) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteString("; ")
		}
		label := p.Service
		if label == "" {
			label = p.Label
		}
		if label != "" {
			b.WriteString(label)
			b.WriteString(": ")
		}
		v := p.Username
		if v == "" {
			v = p.URL
		}
		b.WriteString(v)
	}
	return b.String()
}

// oneLine folds line breaks into ", " for single-line address parts.
var oneLine = strings.NewReplacer("\r\n", ", ", "\n", ", ", "\r", ", ")

// addressLine renders a postal address on one line:
// "street, city, state zip, country".
func addressLine(a records.Address) string {
	var parts []string
	add := func(s string) {
		if s = strings.TrimSpace(oneLine.Replace(s)); s != "" {
			parts = append(parts, s)
		}
	}
	add(a.Street)
	add(a.City)
	add(strings.TrimSpace(a.State + " " + a.ZIP))
	add(a.Country)
	return strings.Join(parts, ", ")
}

func joinAddresses(as []records.Address) string {
	var b strings.Builder
	for i, a := range as {
		if i > 0 {
			b.WriteString("; ")
		}
		if a.Label != "" {
			b.WriteString(a.Label)
			b.WriteString(": ")
		}
		b.WriteString(addressLine(a))
	}
	return b.String()
}

func joinAttachments(as []records.Attachment) string {
	var b strings.Builder
	for i, a := range as {
		if i > 0 {
			b.WriteString("; ")
		}
		name := a.Name
		if name == "" {
			name = baseName(a.Path)
		}
		fmt.Fprintf(&b, "%s (%s, %d bytes)", name, a.MIME, a.Size)
		if a.Missing {
			b.WriteString(" [missing]")
		}
	}
	return b.String()
}

// baseName is the last element of a slash-separated path.
func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// msgTime is the date of m for sorting; zero when unknown.
func msgTime(m *records.Message) time.Time {
	if m.Date == nil {
		return time.Time{}
	}
	return *m.Date
}
