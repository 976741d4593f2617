package export

import (
	"bufio"
	"encoding/base64"
	"io"
	"io/fs"
	"iter"
	"math"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iosbackup/iosbackup/records"
)

// AndroidOptions configures AndroidSMS and AndroidCalls.
type AndroidOptions struct {
	// Names turns a handle into a contact name for contact_name; nil or
	// "" means "(Unknown)", as the app writes.
	Names func(handle string) string
	// Files holds attachments at Domain/Path (see HTMLOptions.Files);
	// nil means attachments become "[missing attachment]" text parts.
	Files fs.FS
	// Location is the zone of readable_date; nil means time.Local.
	Location *time.Location
	// Owner is the phone's own number, used as the sender address of sent
	// MMS and a recipient of received group MMS. "" writes Android's
	// placeholder "insert-address-token" for sent MMS and leaves the owner
	// out of received ones.
	Owner string
	// ReactionsAsText writes tapbacks as text messages the way an iPhone
	// sends them to Android phones (Loved “…”). By default they are
	// skipped (Stats.Skipped).
	ReactionsAsText bool
	// AllCalls makes AndroidCalls write every call. By default FaceTime
	// and third-party app calls are left out (Stats.SkippedBy[SkippedCalls]),
	// since Android's dialer would show them as phone calls.
	AllCalls bool
	// MaxAttachmentBytes skips embedding larger attachments (a text part
	// names them instead); 0 means no limit.
	MaxAttachmentBytes int64
}

// androidToken is what Android stores as the own address of sent MMS.
const androidToken = "insert-address-token"

// AndroidSMS writes messages as the XML that "SMS Backup & Restore" (by
// SyncTech) restores on Android: <sms> elements for one-to-one text
// messages and <mms> elements (text and attachment parts, sender and
// recipients) for group chats and messages with attachments.
//
// The root's count attribute must equal the number of elements and comes
// first, so AndroidSMS keeps every record of msgs (pointers, not copies:
// the iterator must not reuse them) in memory until the input ends, then
// writes them in input order; attachment bytes are read from opt.Files
// and base64-encoded straight to w, one at a time, never held whole, and
// never written to a temporary file.
//
// Left out on purpose (Stats.Skipped): tapbacks (unless
// opt.ReactionsAsText), group events, unsent messages and messages with
// neither text nor attachments. Attachments not found in opt.Files, or
// larger than opt.MaxAttachmentBytes, become a text part naming them and
// count in Stats.Missing. A nil message or an error from msgs counts in
// Stats.Failed. A read error in the middle of an attachment leaves a
// truncated part that cannot be taken back, so it stops the export with
// ErrOutput like a write error.
func AndroidSMS(w io.Writer, msgs iter.Seq2[*records.Message, error], opt AndroidOptions) (Stats, error) {
	var st Stats
	if opt.Location == nil {
		opt.Location = time.Local
	}
	var keep []*records.Message
	texts := map[string]string{} // guid → text, for reactions
	i := -1
	for m, err := range msgs {
		i++
		if err != nil {
			st.fail(i, err)
			continue
		}
		if m == nil {
			st.fail(i, ErrNilRecord)
			continue
		}
		if opt.ReactionsAsText && m.GUID != "" && m.Reaction == nil {
			texts[m.GUID] = messageText(m.Text)
		}
		switch {
		case m.Reaction != nil && !opt.ReactionsAsText:
			st.skip(SkippedTapbacks)
			continue
		case m.GroupEvent != nil:
			st.skip(SkippedGroupEvents)
			continue
		case m.Unsent:
			st.skip(SkippedUnsent)
			continue
		case m.Reaction == nil && len(m.Attachments) == 0 && strings.TrimSpace(messageText(m.Text)) == "" && m.Subject == "":
			st.skip(SkippedEmpty)
			continue
		}
		keep = append(keep, m)
	}

	bw := bufio.NewWriterSize(w, 64<<10)
	x := xmlWriter{w: bw}
	x.str("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n")
	x.str(`<smses count="` + strconv.Itoa(len(keep)) + `">` + "\n")
	for _, m := range keep {
		body := messageText(m.Text)
		if m.Reaction != nil {
			body = reactionText(m.Reaction, texts[m.Reaction.Target])
		}
		if isGroup(m) || (len(m.Attachments) > 0 && m.Reaction == nil) {
			st.Missing += x.mms(m, body, opt)
		} else {
			x.sms(m, body, opt)
		}
		if x.err != nil {
			return st, st.result(x.err)
		}
		st.Written++
	}
	x.str("</smses>\n")
	if x.err == nil {
		x.err = bw.Flush()
	}
	return st, st.result(x.err)
}

// AndroidCalls writes calls as the XML that "SMS Backup & Restore"
// restores into Android's call log: type 1 incoming, 2 outgoing, 3
// missed; duration in whole seconds (rounded); presentation 1 (allowed),
// or 2 (restricted) when the number is unknown. contact_name is the
// call's own name, else opt.Names of the number, else "(Unknown)". Only
// phone calls are written unless opt.AllCalls (FaceTime and third-party
// app calls would show as phone calls in Android's dialer). The calls
// are kept in memory until the input ends, to write the count first.
func AndroidCalls(w io.Writer, calls iter.Seq2[*records.Call, error], opt AndroidOptions) (Stats, error) {
	var st Stats
	if opt.Location == nil {
		opt.Location = time.Local
	}
	var keep []*records.Call
	i := -1
	for c, err := range calls {
		i++
		if err != nil {
			st.fail(i, err)
			continue
		}
		if c == nil {
			st.fail(i, ErrNilRecord)
			continue
		}
		if !opt.AllCalls && c.Type != "" && c.Type != "phone" {
			st.skip(SkippedCalls)
			continue
		}
		keep = append(keep, c)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	x := xmlWriter{w: bw}
	x.str("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n")
	x.str(`<calls count="` + strconv.Itoa(len(keep)) + `">` + "\n")
	for _, c := range keep {
		typ := "1"
		switch {
		case c.Outgoing:
			typ = "2"
		case c.Missed || !c.Answered:
			typ = "3"
		}
		presentation := "1"
		if c.Address == "" {
			presentation = "2"
		}
		name := c.Name
		if name == "" {
			name = contactName(opt.Names, c.Address)
		}
		dur := c.Duration
		if math.IsNaN(dur) || dur < 0 || dur > 1e9 {
			dur = 0
		}
		x.str("  <call")
		x.attr("number", c.Address)
		x.attr("duration", strconv.FormatInt(int64(math.Round(dur)), 10))
		x.attr("date", javaMillis(c.Date))
		x.attr("type", typ)
		x.attr("presentation", presentation)
		x.attr("readable_date", readableDate(c.Date, opt.Location))
		x.attr("contact_name", name)
		x.str(" />\n")
		if x.err != nil {
			return st, st.result(x.err)
		}
		st.Written++
	}
	x.str("</calls>\n")
	if x.err == nil {
		x.err = bw.Flush()
	}
	return st, st.result(x.err)
}

func (x *xmlWriter) sms(m *records.Message, body string, opt AndroidOptions) {
	typ, read, dateSent := "1", "0", javaMillis(m.Date)
	if m.FromMe {
		typ, read, dateSent = "2", "1", "0"
	} else if m.IsRead {
		read = "1"
	}
	addr := m.Chat
	if addr == "" && m.Sender != nil {
		addr = *m.Sender
	}
	subject := m.Subject
	if subject == "" {
		subject = "null"
	}
	x.str("  <sms")
	x.attr("protocol", "0")
	x.attr("address", addr)
	x.attr("date", javaMillis(m.Date))
	x.attr("type", typ)
	x.attr("subject", subject)
	x.attr("body", body)
	x.attr("toa", "null")
	x.attr("sc_toa", "null")
	x.attr("service_center", "null")
	x.attr("read", read)
	x.attr("status", "-1")
	x.attr("locked", "0")
	x.attr("date_sent", dateSent)
	x.attr("readable_date", readableDate(m.Date, opt.Location))
	x.attr("contact_name", contactName(opt.Names, addr))
	x.str(" />\n")
}

// mms writes one <mms> element and returns how many attachments could
// not be embedded.
func (x *xmlWriter) mms(m *records.Message, body string, opt AndroidOptions) (missing int) {
	others := participants(m)
	box, mtype, read := "1", "132", "0"
	if m.FromMe {
		box, mtype, read = "2", "128", "1"
	} else if m.IsRead {
		read = "1"
	}
	names := make([]string, len(others))
	for i, h := range others {
		names[i] = contactName(opt.Names, h)
	}
	sub := m.Subject
	if sub == "" {
		sub = "null"
	}
	textOnly := "1"
	if len(m.Attachments) > 0 && m.Reaction == nil {
		textOnly = "0"
	}
	x.str("  <mms")
	x.attr("date", javaMillis(m.Date))
	x.attr("rr", "129")
	x.attr("sub", sub)
	x.attr("ct_t", "application/vnd.wap.multipart.related")
	x.attr("read_status", "null")
	x.attr("seen", "1")
	x.attr("msg_box", box)
	x.attr("address", strings.Join(others, "~"))
	x.attr("sub_cs", "null")
	x.attr("resp_st", "null")
	x.attr("retr_st", "null")
	x.attr("d_tm", "null")
	x.attr("text_only", textOnly)
	x.attr("exp", "null")
	x.attr("locked", "0")
	x.attr("m_id", orNull(m.GUID))
	x.attr("st", "null")
	x.attr("retr_txt_cs", "null")
	x.attr("retr_txt", "null")
	x.attr("creator", "null")
	x.attr("date_sent", "0")
	x.attr("read", read)
	x.attr("m_size", "null")
	x.attr("rpt_a", "null")
	x.attr("ct_cls", "null")
	x.attr("pri", "129")
	x.attr("tr_id", "null")
	x.attr("resp_txt", "null")
	x.attr("ct_l", "null")
	x.attr("m_cls", "personal")
	x.attr("d_rpt", "129")
	x.attr("v", "18")
	x.attr("m_type", mtype)
	x.attr("readable_date", readableDate(m.Date, opt.Location))
	x.attr("contact_name", strings.Join(names, ", "))
	x.str(">\n    <parts>\n")

	// Decide the parts first, for the SMIL layout.
	type part struct {
		att  *records.Attachment
		name string
		ct   string
		file fs.File
	}
	var parts []part
	var notes []string
	if m.Reaction == nil {
		for i := range m.Attachments {
			a := &m.Attachments[i]
			name := a.Name
			if name == "" {
				name = baseName(a.Path)
			}
			if name == "" {
				name = "attachment" + strconv.Itoa(i)
			}
			f := openAttachment(opt.Files, a, opt.MaxAttachmentBytes)
			if f == nil {
				missing++
				notes = append(notes, "[missing attachment: "+name+"]")
				continue
			}
			ct := strings.ToLower(strings.TrimSpace(a.MIME))
			if ct == "" {
				if ct = mimeFromExt(name); ct == "" {
					ct = "application/octet-stream"
				}
			}
			parts = append(parts, part{att: a, name: name, ct: ct, file: f})
		}
	}
	text := body
	for _, n := range notes {
		if text != "" {
			text += "\n"
		}
		text += n
	}
	var smil strings.Builder
	smil.WriteString(`<smil><head><layout><root-layout/><region id="Image" fit="meet" top="0" left="0" height="80%" width="100%"/><region id="Text" top="80%" left="0" height="20%" width="100%"/></layout></head><body>`)
	for _, p := range parts {
		tag := "ref"
		switch {
		case strings.HasPrefix(p.ct, "image/"):
			tag = "img"
		case strings.HasPrefix(p.ct, "video/"):
			tag = "video"
		case strings.HasPrefix(p.ct, "audio/"):
			tag = "audio"
		}
		region := ""
		if tag == "img" || tag == "video" {
			region = ` region="Image"`
		}
		smil.WriteString(`<par dur="5000ms"><` + tag + ` src="` + smilAttr(p.name) + `"` + region + `/></par>`)
	}
	if text != "" {
		smil.WriteString(`<par dur="5000ms"><text src="text_0.txt" region="Text"/></par>`)
	}
	smil.WriteString(`</body></smil>`)
	x.part("-1", "application/smil", "smil.xml", "null", "<smil>", "smil.xml", smil.String())
	for i, p := range parts {
		x.str("      <part")
		x.attr("seq", strconv.Itoa(i))
		x.attr("ct", p.ct)
		x.attr("name", p.name)
		x.attr("chset", "null")
		x.attr("cd", "null")
		x.attr("fn", "null")
		x.attr("cid", "<"+p.name+">")
		x.attr("cl", p.name)
		x.attr("ctt_s", "null")
		x.attr("ctt_t", "null")
		x.attr("text", "null")
		x.str(` data="`)
		if x.err == nil {
			enc := base64.NewEncoder(base64.StdEncoding, x.w)
			_, err := io.Copy(enc, p.file)
			if cerr := enc.Close(); x.err == nil {
				x.err = cerr
			}
			if err != nil && x.err == nil {
				x.err = err // a failed read after the count was written can't be undone
			}
		}
		p.file.Close()
		x.str(`" />` + "\n")
	}
	if text != "" {
		x.part(strconv.Itoa(len(parts)), "text/plain", "null", "106", "<text_0>", "text_0.txt", text)
	}
	x.str("    </parts>\n    <addrs>\n")
	from := opt.Owner
	if from == "" {
		from = androidToken
	}
	if !m.FromMe {
		from = ""
		if m.Sender != nil {
			from = *m.Sender
		} else if len(others) == 1 {
			from = others[0]
		}
	}
	if from != "" {
		x.addr(from, "137")
	}
	for _, h := range others {
		if h != from {
			x.addr(h, "151")
		}
	}
	if !m.FromMe && opt.Owner != "" {
		x.addr(opt.Owner, "151")
	}
	x.str("    </addrs>\n  </mms>\n")
	return missing
}

func (x *xmlWriter) part(seq, ct, name, chset, cid, cl, text string) {
	x.str("      <part")
	x.attr("seq", seq)
	x.attr("ct", ct)
	x.attr("name", name)
	x.attr("chset", chset)
	x.attr("cd", "null")
	x.attr("fn", "null")
	x.attr("cid", cid)
	x.attr("cl", cl)
	x.attr("ctt_s", "null")
	x.attr("ctt_t", "null")
	x.attr("text", text)
	x.str(" />\n")
}

func (x *xmlWriter) addr(address, typ string) {
	x.str("      <addr")
	x.attr("address", address)
	x.attr("type", typ)
	x.attr("charset", "106")
	x.str(" />\n")
}

// openAttachment opens a's file in files, nil when it is unavailable or
// too large.
func openAttachment(files fs.FS, a *records.Attachment, max int64) fs.File {
	if files == nil || a.Missing || a.Path == "" {
		return nil
	}
	src := strings.TrimLeft(a.Path, "/")
	if a.Domain != "" {
		src = a.Domain + "/" + src
	}
	src = path.Clean(src)
	if !fs.ValidPath(src) {
		return nil
	}
	f, err := files.Open(src)
	if err != nil {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || max > 0 && fi.Size() > max {
		f.Close()
		return nil
	}
	return f
}

// isGroup reports whether m belongs to a group chat.
func isGroup(m *records.Message) bool {
	return m.ChatName != nil || len(m.Participants) > 1 || isGroupID(m.Chat)
}

// isGroupID reports whether a chat identifier names a group ("chat"
// followed by digits).
func isGroupID(id string) bool {
	if len(id) <= 4 || !strings.HasPrefix(id, "chat") {
		return false
	}
	for i := 4; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// participants lists the other members of m's chat.
func participants(m *records.Message) []string {
	var out []string
	add := func(h string) {
		for _, x := range out {
			if x == h {
				return
			}
		}
		if h != "" {
			out = append(out, h)
		}
	}
	for _, p := range m.Participants {
		add(p)
	}
	if !m.FromMe && m.Sender != nil {
		add(*m.Sender)
	}
	if len(out) == 0 && !isGroupID(m.Chat) {
		add(m.Chat)
	}
	return out
}

// reactionText renders a tapback like iMessage does for SMS recipients.
func reactionText(r *records.Reaction, target string) string {
	quoted := "“" + truncateRunes(target, 100) + "”"
	if target == "" {
		quoted = "a message"
	}
	verb := map[string]string{
		"love": "Loved", "like": "Liked", "dislike": "Disliked", "laugh": "Laughed at",
		"emphasize": "Emphasized", "question": "Questioned",
	}[string(r.Type)]
	switch {
	case r.Removed:
		return "Removed " + reactionSymbol(r) + " from " + quoted
	case verb != "":
		return verb + " " + quoted
	}
	return "Reacted " + reactionSymbol(r) + " to " + quoted
}

func contactName(names func(string) string, handle string) string {
	if n := nameOf(names, handle); n != "" && n != handle {
		return n
	}
	return "(Unknown)"
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

// javaMillis is t as milliseconds since 1970, "0" when unknown.
func javaMillis(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

func readableDate(t *time.Time, loc *time.Location) string {
	if t == nil || t.IsZero() {
		return "null"
	}
	return t.In(loc).Format("Jan 2, 2006 3:04:05 PM")
}

var smilEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func smilAttr(s string) string { return smilEscaper.Replace(s) }

// xmlWriter writes XML, keeping the first error.
type xmlWriter struct {
	w   *bufio.Writer
	err error
	buf []byte
}

func (x *xmlWriter) str(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

// attr writes ` name="value"`, value escaped (see appendXMLAttr).
func (x *xmlWriter) attr(name, value string) {
	b := x.buf[:0]
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, '=', '"')
	b = appendXMLAttr(b, value)
	b = append(b, '"')
	x.buf = b
	if x.err == nil {
		_, x.err = x.w.Write(b)
	}
}

// appendXMLAttr escapes s for a double-quoted attribute: markup
// characters become entities; tab, CR and LF become character references
// (so attribute normalization keeps them); characters XML 1.0 does not
// allow (other controls, U+FFFE, U+FFFF) are dropped and invalid UTF-8
// becomes U+FFFD.
func appendXMLAttr(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '&':
				b = append(b, "&amp;"...)
			case '<':
				b = append(b, "&lt;"...)
			case '>':
				b = append(b, "&gt;"...)
			case '"':
				b = append(b, "&quot;"...)
			case '\'':
				b = append(b, "&apos;"...)
			case '\n':
				b = append(b, "&#10;"...)
			case '\r':
				b = append(b, "&#13;"...)
			case '\t':
				b = append(b, "&#9;"...)
			default:
				if c >= 0x20 && c != 0x7f {
					b = append(b, c)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, "\uFFFD"...)
		case r == 0xFFFE || r == 0xFFFF || r >= 0x80 && r < 0xA0:
			// not allowed (U+FFFE/FFFF) or discouraged C1 controls: drop
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}
