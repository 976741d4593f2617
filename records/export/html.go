package export

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iosbackup/iosbackup/records"
)

// HTMLOptions configures HTML.
type HTMLOptions struct {
	// Names turns a handle (phone number, email) into a contact name; it
	// may be nil, and may return "" or the handle itself when unknown.
	Names func(handle string) string
	// Files holds the attachments, at Domain/Path (e.g.
	// "MediaDomain/Library/SMS/Attachments/ab/12/…/IMG_1.jpg"). When nil,
	// every attachment is shown as missing.
	Files fs.FS
	// Location is the time zone of the dates shown; nil means time.Local.
	Location *time.Location
	// Title heads every page; "" means "Messages".
	Title string
	// PageSize is how many messages a conversation page holds before the
	// next day starts a new page (a single day longer than twice PageSize
	// is cut too, so no page holds more than 2×PageSize); 0 means
	// 1000.
	PageSize int
	// Context, when set, stops the export when it is done: HTML returns
	// its error (context.Canceled) and leaves no partly written file.
	Context context.Context
	// NoHEICPreview leaves HEIC photos as links instead of converting
	// them to a JPEG shown on the page.
	NoHEICPreview bool
}

// defaultPageSize is the number of messages per page when
// HTMLOptions.PageSize is 0.
const defaultPageSize = 1000

// HTML writes a readable transcript under dir: one page per conversation
// (named after the chat identifier, made safe), index.html listing them,
// and the attachments copied into dir/attachments. See the package
// documentation for what a page shows and for the security measures.
//
// Messages may arrive in any order, interleaved across chats: HTML keeps
// every message (the records themselves, not copies) until the input
// ends, then writes the pages one at a time, so memory grows with the
// number of messages; attachments are copied as their message arrives and
// never held in memory. The iterator must therefore not reuse the records
// it yields.
//
// A nil message or an error from msgs is counted in Stats.Failed and
// skipped; an attachment that is missing or cannot be copied counts in
// Stats.Missing and shows as a placeholder. Failures to create dir or to
// write a page or an attachment's copy stop the export with ErrOutput.
func HTML(dir string, msgs iter.Seq2[*records.Message, error], opt HTMLOptions) (Stats, error) {
	var st Stats
	if opt.Location == nil {
		opt.Location = time.Local
	}
	if opt.Title == "" {
		opt.Title = "Messages"
	}
	if opt.PageSize <= 0 {
		opt.PageSize = defaultPageSize
	}
	ctx := opt.Context
	if ctx == nil {
		ctx = context.Background()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return st, st.result(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return st, st.result(err)
	}
	defer root.Close()

	cp := &attCopier{ctx: ctx, root: root, files: opt.Files, done: map[string]attView{}, heic: !opt.NoHEICPreview}
	chats := map[string]*chatBuf{}
	var order []*chatBuf
	i := -1
	for m, err := range msgs {
		i++
		if cerr := ctx.Err(); cerr != nil {
			return st, fmt.Errorf("export: %w", cerr)
		}
		if err != nil {
			st.fail(i, err)
			continue
		}
		if m == nil {
			st.fail(i, ErrNilRecord)
			continue
		}
		key := chatKey(m)
		c := chats[key]
		if c == nil {
			c = &chatBuf{key: key}
			chats[key] = c
			order = append(order, c)
		}
		e := entry{m: m, seq: len(c.entries)}
		for j := range m.Attachments {
			v, err := cp.view(&m.Attachments[j])
			if err != nil {
				if cerr := ctx.Err(); cerr != nil {
					return st, fmt.Errorf("export: %w", cerr)
				}
				return st, st.result(err)
			}
			if v.Missing {
				st.Missing++
			}
			e.atts = append(e.atts, v)
		}
		c.add(e)
		st.Written++
	}

	used := map[string]bool{"index": true}
	for _, c := range order {
		c.file = uniqueName(safeBase(c.key, 80), used) + ".html"
	}
	var rows []indexRow
	for _, c := range order {
		p := c.page(opt)
		pages := p.split(opt.PageSize, c.file, used, opt.Location)
		for _, pg := range pages {
			if cerr := ctx.Err(); cerr != nil {
				return st, fmt.Errorf("export: %w", cerr)
			}
			if err := writeTemplate(root, pg.File, "page", pg); err != nil {
				return st, st.result(err)
			}
		}
		rows = append(rows, indexRow{
			Href: c.file, Name: p.Chat, Participants: strings.Join(p.Participants, ", "),
			Count: p.Count, Pages: len(pages), Last: c.last, LastLabel: formatLocal(c.last, opt.Location, "2006-01-02 15:04"),
		})
		c.entries = nil // let the page's records go
	}
	slices.SortStableFunc(rows, func(a, b indexRow) int { return b.Last.Compare(a.Last) })
	idx := indexData{Title: opt.Title, Rows: rows, Zone: ZoneLabel(opt.Location, time.Now())}
	if len(rows) > 0 {
		idx.Zone = ZoneLabel(opt.Location, rows[0].Last)
	}
	if err := writeTemplate(root, "index.html", "index", idx); err != nil {
		return st, st.result(err)
	}
	return st, st.result(nil)
}

// chatKey is the identifier a message's page is named after.
func chatKey(m *records.Message) string {
	switch {
	case m.Chat != "":
		return m.Chat
	case m.ChatGUID != "":
		return m.ChatGUID
	}
	return "unknown"
}

type entry struct {
	m    *records.Message
	seq  int
	atts []attView
}

type chatBuf struct {
	key     string
	file    string
	entries []entry
	parts   []string // participant handles, first seen first
	name    string
	group   bool
	last    time.Time
}

func (c *chatBuf) add(e entry) {
	m := e.m
	c.entries = append(c.entries, e)
	if m.ChatName != nil && *m.ChatName != "" {
		c.name = *m.ChatName
	}
	if isGroup(m) {
		c.group = true
	}
	for _, p := range m.Participants {
		if p != "" && !slices.Contains(c.parts, p) {
			c.parts = append(c.parts, p)
		}
	}
	if !m.FromMe && m.Sender != nil && *m.Sender != "" && !slices.Contains(c.parts, *m.Sender) {
		c.parts = append(c.parts, *m.Sender)
	}
	if t := msgTime(m); t.After(c.last) {
		c.last = t
	}
}

// Template views.

type pageData struct {
	Title        string
	Chat         string
	Participants []string
	Group        bool
	Count        int // messages in the whole conversation
	Days         []*dayView

	File       string // this page's file name
	Zone       string // "Asia/Tokyo (JST, UTC+09:00)"
	PageNo     int    // 1-based
	PageCount  int
	Prev, Next string // neighbour pages' file names, "" at the ends
	First      string // the first page's file name
	Range      string // dates this page covers
	Years      []yearLinks
}

type dayView struct {
	Label string
	ID    string    // "d2023-05-01", the anchor of the day
	Month string    // "2023-05"
	Date  time.Time // the day, in the page's zone
	Items []*itemView
}

// yearLinks is one line of a page's date index.
type yearLinks struct {
	Year   string
	Months []monthLink
}

type monthLink struct{ Label, Href string }

type itemView struct {
	System      string
	FromMe      bool
	Sender      string
	SenderTitle string
	Time        string
	Subject     string
	Text        string
	Quote       *quoteView
	Attachments []attView
	Reactions   []reactView
	Edited      bool
	Edits       []editView
	Unsent      bool
	Service     string
	Deleted     string // recoveryNote of a recovered message ("" for a live one)

	guid string
	name string // sender name, also for 1:1 chats and "Me"
}

type quoteView struct{ Sender, Text string }

type reactView struct {
	Symbol, Who string
	Deleted     string // recoveryNote of a recovered tapback
	key         string
}

type editView struct{ Time, Text string }

type attView struct {
	Name     string
	Href     string // the saved copy
	Preview  string // a JPEG made from a HEIC photo, shown on the page
	Image    bool   // shown with <img>
	Video    bool   // shown with <video>
	Audio    bool   // shown with <audio>
	Missing  bool
	Download bool // not a passive type: saved as .bin and offered as a download
	Label    string
}

type indexRow struct {
	Href, Name, Participants, LastLabel string
	Count, Pages                        int
	Last                                time.Time
}

type indexData struct {
	Title string
	Zone  string
	Rows  []indexRow
}

// page builds the view of one conversation.
func (c *chatBuf) page(opt HTMLOptions) *pageData {
	slices.SortStableFunc(c.entries, func(a, b entry) int {
		if r := msgTime(a.m).Compare(msgTime(b.m)); r != 0 {
			return r
		}
		return cmp.Compare(a.m.RowID, b.m.RowID)
	})
	p := &pageData{Title: opt.Title, Group: c.group}
	if !c.group && len(c.parts) == 0 && c.key != "unknown" {
		c.parts = []string{c.key}
	}
	for _, h := range c.parts {
		n := nameOf(opt.Names, h)
		if n != h {
			n += " (" + h + ")"
		}
		p.Participants = append(p.Participants, n)
	}
	p.Chat = c.displayName(opt.Names)

	who := func(m *records.Message) (name, handle string) {
		if m.FromMe {
			return "Me", ""
		}
		if m.Sender != nil && *m.Sender != "" {
			return nameOf(opt.Names, *m.Sender), *m.Sender
		}
		if !c.group {
			return nameOf(opt.Names, c.key), c.key
		}
		return "Unknown", ""
	}
	byGUID := map[string]*itemView{}
	var day *dayView
	addItem := func(t *time.Time, it *itemView) {
		label := "Unknown date"
		var date time.Time
		if t != nil && !t.IsZero() {
			lt := t.In(opt.Location)
			label = lt.Format("Monday, 2 January 2006")
			it.Time = lt.Format("15:04")
			date = time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, opt.Location)
		}
		if day == nil || day.Label != label {
			day = &dayView{Label: label, Date: date}
			if !date.IsZero() {
				day.ID = date.Format("d2006-01-02")
				day.Month = date.Format("2006-01")
			}
			p.Days = append(p.Days, day)
		}
		day.Items = append(day.Items, it)
	}
	for _, e := range c.entries {
		m := e.m
		name, handle := who(m)
		switch {
		case m.Reaction != nil:
			r := m.Reaction
			sym := reactionSymbol(r)
			key := name + "\x00" + string(r.Type) + "\x00" + r.Emoji
			if target := byGUID[r.Target]; target != nil {
				if r.Removed {
					target.Reactions = slices.DeleteFunc(target.Reactions, func(x reactView) bool { return x.key == key })
				} else if !slices.ContainsFunc(target.Reactions, func(x reactView) bool { return x.key == key }) {
					target.Reactions = append(target.Reactions, reactView{Symbol: sym, Who: name, Deleted: recoveryNote(m.Deleted, m.Recovered), key: key})
				}
				continue
			}
			verb := "reacted " + sym + " to a message"
			if r.Removed {
				verb = "removed a " + sym + " reaction"
			}
			addItem(m.Date, &itemView{System: name + " " + verb, Deleted: recoveryNote(m.Deleted, m.Recovered)})
			p.Count++
			continue
		case m.GroupEvent != nil:
			addItem(m.Date, &itemView{System: groupEventText(name, m.GroupEvent, opt.Names), Deleted: recoveryNote(m.Deleted, m.Recovered)})
			p.Count++
			continue
		}
		it := &itemView{
			FromMe: m.FromMe, Subject: m.Subject, Text: messageText(m.Text), Attachments: e.atts,
			Edited: m.Edited || len(m.Edits) > 0, Unsent: m.Unsent, Service: m.Service, guid: m.GUID, name: name,
			Deleted: recoveryNote(m.Deleted, m.Recovered),
		}
		if c.group && !m.FromMe {
			it.Sender, it.SenderTitle = name, handle
			if it.SenderTitle == it.Sender {
				it.SenderTitle = ""
			}
		}
		if m.ReplyTo != nil && *m.ReplyTo != m.GUID {
			if q := byGUID[*m.ReplyTo]; q != nil {
				text := q.Text
				if text == "" && len(q.Attachments) > 0 {
					text = "📎 " + q.Attachments[0].Name
				}
				it.Quote = &quoteView{Sender: q.name, Text: truncateRunes(text, 160)}
			}
		}
		if len(m.Edits) > 1 {
			for _, ed := range m.Edits[:len(m.Edits)-1] { // the last one is the current text
				it.Edits = append(it.Edits, editView{Time: formatLocal(derefTime(ed.Date), opt.Location, "2006-01-02 15:04"), Text: ed.Text})
			}
		}
		if m.GUID != "" {
			byGUID[m.GUID] = it
		}
		addItem(m.Date, it)
		p.Count++
	}
	return p
}

func (c *chatBuf) displayName(names func(string) string) string {
	if c.name != "" {
		return c.name
	}
	if !c.group {
		return nameOf(names, c.key)
	}
	var ns []string
	for i, h := range c.parts {
		if i == 4 {
			ns = append(ns, fmt.Sprintf("+%d more", len(c.parts)-4))
			break
		}
		ns = append(ns, nameOf(names, h))
	}
	if len(ns) == 0 {
		return c.key
	}
	return strings.Join(ns, ", ")
}

// messageText drops the U+FFFC placeholders iMessage leaves where
// attachments sit in the text (they are shown separately).
func messageText(s string) string {
	if !strings.ContainsRune(s, '\uFFFC') {
		return s
	}
	return strings.TrimSpace(strings.ReplaceAll(s, "\uFFFC", ""))
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func formatLocal(t time.Time, loc *time.Location, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(layout)
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// reactionSymbol is the emoji shown for a tapback.
func reactionSymbol(r *records.Reaction) string {
	switch r.Type {
	case "love":
		return "❤️"
	case "like":
		return "👍"
	case "dislike":
		return "👎"
	case "laugh":
		return "😂"
	case "emphasize":
		return "‼️"
	case "question":
		return "❓"
	case "sticker":
		return "🏷️"
	}
	if r.Emoji != "" {
		return r.Emoji
	}
	return "•"
}

func groupEventText(who string, g *records.GroupEvent, names func(string) string) string {
	other := nameOf(names, g.Other)
	switch g.Kind {
	case "added":
		return who + " added " + other
	case "removed":
		return who + " removed " + other
	case "renamed":
		return who + " named the conversation “" + g.Title + "”"
	case "left":
		return who + " left the conversation"
	case "icon-changed":
		return who + " changed the group photo"
	case "icon-removed":
		return who + " removed the group photo"
	case "background-changed":
		return who + " changed the background"
	case "background-removed":
		return who + " removed the background"
	}
	s := who + ": " + string(g.Kind)
	if other != "" {
		s += " " + other
	}
	return s
}

// attCopier copies attachments under root/attachments, once each.
type attCopier struct {
	ctx   context.Context
	root  *os.Root
	files fs.FS
	done  map[string]attView // source path → view of its copy (Href "" when it failed)
	n     int
	mkdir bool
	heic  bool // make JPEG previews of HEIC photos
}

// Passive types: the extensions (of the name as saved) that browsers open
// as media, PDF or plain text, never as a document that runs scripts.
// Everything else is saved with the extension ".bin" (so that a browser
// downloads it instead of sniffing it, which on file:// pages can turn
// any unknown type into HTML) and offered as a download.
var (
	imageExt = []string{".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp"}
	videoExt = []string{".mp4", ".m4v", ".webm", ".mov"}
	audioExt = []string{".mp3", ".m4a", ".aac", ".wav", ".ogg", ".oga", ".opus", ".flac"}
	otherExt = []string{".pdf", ".txt"}
	heicExt  = []string{".heic", ".heif"}
)

// savedName is the file name under attachments/ for the n-th copy of an
// attachment named name, and how the page shows it. The decision is made
// on the name as saved (after safeBase has dropped trailing dots, spaces
// and anything not ASCII), never on the MIME type the database claims.
func savedName(n int, name string) (saved string, v attView) {
	base := safeBase(name, 100)
	ext := strings.ToLower(path.Ext(base))
	switch {
	case slices.Contains(imageExt, ext):
		v.Image = true
	case slices.Contains(videoExt, ext):
		v.Video = true
	case slices.Contains(audioExt, ext):
		v.Audio = true
	case slices.Contains(otherExt, ext):
	case slices.Contains(heicExt, ext):
		// A photo: Chromium downloads HEIC files (it does not sniff
		// them); the page shows a JPEG made from it.
	default:
		base += ".bin"
		v.Download = true
	}
	return strconv.Itoa(n) + "-" + base, v
}

// view copies a (when possible) and describes it for the page. Only a
// failure to write the copy is returned as an error.
func (cp *attCopier) view(a *records.Attachment) (attView, error) {
	name := a.Name
	if name == "" {
		name = baseName(a.Path)
	}
	if name == "" {
		name = "attachment"
	}
	label := name
	if a.MIME != "" {
		label += " (" + a.MIME + ")"
	}
	v, err := cp.copy(a, name)
	v.Name, v.Label = name, label
	if err != nil {
		return v, err
	}
	if v.Href == "" {
		return attView{Name: name, Label: label, Missing: true}, nil
	}
	return v, nil
}

// copy returns the view of a's copy, with Href "" when a is not
// available. Errors reading the source make it unavailable; only errors
// creating or writing the copy are returned.
func (cp *attCopier) copy(a *records.Attachment, name string) (attView, error) {
	if a.Missing || cp.files == nil || a.Path == "" {
		return attView{}, nil
	}
	src := strings.TrimLeft(a.Path, "/")
	if a.Domain != "" {
		src = a.Domain + "/" + src
	}
	src = path.Clean(src)
	if !fs.ValidPath(src) {
		return attView{}, nil
	}
	if v, ok := cp.done[src]; ok {
		return v, nil
	}
	cp.done[src] = attView{}
	in, err := cp.files.Open(src)
	if err != nil {
		return attView{}, nil
	}
	defer in.Close()
	if fi, err := in.Stat(); err != nil || !fi.Mode().IsRegular() {
		return attView{}, nil
	}
	if !cp.mkdir {
		if err := cp.root.Mkdir("attachments", 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return attView{}, err
		}
		cp.mkdir = true
	}
	cp.n++
	dest, v := savedName(cp.n, name)
	err = writeAtomic(cp.root, "attachments/"+dest, func(w io.Writer) error {
		_, err := io.Copy(w, ctxReader{cp.ctx, in})
		return err
	})
	if err != nil {
		var pe *fs.PathError
		if cp.ctx.Err() == nil && errors.As(err, &pe) && pe.Op == "read" { // the source failed: treat as missing
			return attView{}, nil
		}
		return attView{}, err
	}
	v.Href = "attachments/" + dest
	if cp.heic && slices.Contains(heicExt, strings.ToLower(path.Ext(safeBase(name, 100)))) {
		jpg := strings.TrimSuffix(dest, path.Ext(dest)) + ".jpg"
		if err := heicPreview(cp.ctx, cp.root, "attachments/"+dest, "attachments/"+jpg); err == nil {
			v.Preview = "attachments/" + jpg
			v.Image = true
		} else if cp.ctx.Err() != nil {
			return attView{}, cp.ctx.Err()
		}
	}
	cp.done[src] = v
	return v, nil
}

// ctxReader stops reading when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// writeAtomic creates name under root (mode 0600) by writing a temporary
// file beside it with fill and renaming it when complete, so that a
// failure or an interruption never leaves a partial file under name.
func writeAtomic(root *os.Root, name string, fill func(io.Writer) error) error {
	dir, base := path.Split(name)
	tmp := dir + ".tmp-" + base
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	err = fill(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmp, name)
	}
	if err != nil {
		_ = root.Remove(tmp)
	}
	return err
}

// windowsReserved are device names Windows will not use as file names.
var windowsReserved = map[string]bool{
	"con": true, "prn": true, "aux": true, "nul": true,
	"com1": true, "com2": true, "com3": true, "com4": true, "com5": true, "com6": true, "com7": true, "com8": true, "com9": true,
	"lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true, "lpt5": true, "lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true,
}

// safeBase turns s into a file name safe on every common file system:
// ASCII letters, digits and "+-_.@" only (others become "_"), no leading
// or trailing dots, at most max bytes, never empty, never a Windows
// device name. It can't contain a path separator or be "." or "..".
func safeBase(s string, max int) string {
	b := make([]byte, 0, min(len(s), max))
	for _, r := range s {
		ok := r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+-_.@", r))
		if !ok {
			r = '_'
		}
		if r == '_' && len(b) > 0 && b[len(b)-1] == '_' {
			continue
		}
		b = append(b, byte(r))
	}
	out := strings.Trim(string(b), "._ ")
	if len(out) > max {
		out = strings.TrimRight(out[:max], "._ ")
	}
	if out == "" {
		out = "chat"
	}
	stem, _, _ := strings.Cut(strings.ToLower(out), ".")
	if windowsReserved[stem] {
		out = "_" + out
	}
	return out
}

// uniqueName returns base, or base-2, base-3… when a name equal to it
// ignoring case is already used, and marks the result used.
func uniqueName(base string, used map[string]bool) string {
	name := base
	for n := 2; used[strings.ToLower(name)]; n++ {
		name = base + "-" + strconv.Itoa(n)
	}
	used[strings.ToLower(name)] = true
	return name
}

func writeTemplate(root *os.Root, name, tmpl string, data any) error {
	err := writeAtomic(root, name, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 32<<10)
		if err := templates.ExecuteTemplate(bw, tmpl, data); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("export: %s: %w", name, err)
	}
	return nil
}

var templates = template.Must(template.New("").Parse(htmlTemplates))

const htmlTemplates = `{{define "style"}}<style>
:root{color-scheme:light}
body{margin:0;background:#f2f2f7;color:#1c1c1e;font:15px/1.4 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Color Emoji",sans-serif}
header{background:#fff;border-bottom:1px solid #d1d1d6;padding:14px 20px}
header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#6e6e73;font-size:13px}
header a{color:#0a66d8;text-decoration:none}
main{max-width:760px;margin:0 auto;padding:12px 16px 40px}
.day{text-align:center;color:#6e6e73;font-size:12px;font-weight:600;margin:18px 0 8px}
.sys{text-align:center;color:#6e6e73;font-size:12px;font-style:italic;margin:6px 0}
.msg{display:flex;flex-direction:column;align-items:flex-start;margin:3px 0}
.msg.me{align-items:flex-end}
.who{font-size:12px;color:#6e6e73;margin:6px 12px 1px}
.bubble{max-width:72%;padding:7px 12px;border-radius:18px;background:#e5e5ea;color:#000;white-space:pre-wrap;overflow-wrap:anywhere}
.me .bubble{background:#0a7cff;color:#fff}
.sms.me .bubble{background:#34c759}
.bubble img{display:block;max-width:100%;max-height:320px;border-radius:12px;margin:4px 0}
.bubble a{color:inherit}
.quote{border-left:3px solid rgba(0,0,0,.3);padding:0 0 0 8px;margin:2px 0 6px;font-size:13px;opacity:.8}
.me .quote{border-left-color:rgba(255,255,255,.6)}
.subject{font-weight:600}
.missing{font-style:italic;opacity:.75}
.unsent{font-style:italic;opacity:.75}
.meta{font-size:11px;color:#8e8e93;margin:1px 12px}
.react{font-size:12px;background:#fff;border:1px solid #d1d1d6;border-radius:10px;padding:0 6px;margin:-4px 8px 2px}
details{font-size:12px}
table{width:100%;border-collapse:collapse;background:#fff}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #e5e5ea;vertical-align:top}
td.n{text-align:right}
nav{font-size:13px;color:#6e6e73;margin:6px 0 0}
nav a{margin:0 2px}
nav.dates div{margin:2px 0}
footer{max-width:760px;margin:0 auto;padding:0 16px 30px}
.bubble video{display:block;max-width:100%;max-height:320px;margin:4px 0}
.bubble audio{display:block;max-width:100%;margin:4px 0}
.att{font-size:12px}
.deleted .bubble{border:2px dashed #d70015;opacity:.85}
.recovered{font-size:11px;color:#d70015;margin:1px 12px}
.sys .recovered{margin:0}
</style>{{end}}
{{define "page"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'">
<title>{{.Chat}}{{if gt .PageCount 1}} ({{.PageNo}}/{{.PageCount}}){{end}} – {{.Title}}</title>
{{template "style"}}</head>
<body><header><h1>{{.Chat}}</h1>
<p>{{if .Participants}}{{range $i, $p := .Participants}}{{if $i}}, {{end}}{{$p}}{{end}} · {{end}}{{.Count}} messages · <a href="index.html">All conversations</a></p>
<p class="zone">Times are in {{.Zone}}</p>
{{template "nav" .}}</header>
<main>{{range .Days}}<div class="day"{{if .ID}} id="{{.ID}}"{{end}}>{{.Label}}</div>
{{range .Items}}{{if .System}}<div class="sys{{if .Deleted}} deleted{{end}}">{{.System}}{{if .Time}} · {{.Time}}{{end}}{{if .Deleted}} · <span class="recovered">{{.Deleted}}</span>{{end}}</div>
{{else}}<div class="msg{{if .FromMe}} me{{end}}{{if eq .Service "SMS"}} sms{{end}}{{if .Deleted}} deleted{{end}}">{{if .Sender}}<div class="who"{{if .SenderTitle}} title="{{.SenderTitle}}"{{end}}>{{.Sender}}</div>{{end}}<div class="bubble">{{with .Quote}}<div class="quote"><b>{{.Sender}}</b><br>{{.Text}}</div>{{end}}{{if .Subject}}<div class="subject">{{.Subject}}</div>{{end}}{{if .Unsent}}<span class="unsent">This message was unsent.</span>{{else}}{{.Text}}{{end}}{{range .Attachments}}{{if .Missing}}<div class="missing">📎 {{.Label}} — missing</div>{{else if .Preview}}<a href="{{.Preview}}"><img src="{{.Preview}}" alt="{{.Name}}" loading="lazy" decoding="async"></a><div class="att">📎 <a href="{{.Href}}" download>{{.Label}}</a> — original, download</div>{{else if .Image}}<a href="{{.Href}}"><img src="{{.Href}}" alt="{{.Name}}" loading="lazy" decoding="async"></a>{{else if .Video}}<video controls preload="none" src="{{.Href}}"></video><div class="att">📎 <a href="{{.Href}}">{{.Label}}</a></div>{{else if .Audio}}<audio controls preload="none" src="{{.Href}}"></audio><div class="att">📎 <a href="{{.Href}}">{{.Label}}</a></div>{{else if .Download}}<div>📎 <a href="{{.Href}}" download>{{.Label}}</a> — download</div>{{else}}<div>📎 <a href="{{.Href}}">{{.Label}}</a></div>{{end}}{{end}}</div>{{if .Reactions}}<div class="react">{{range $i, $r := .Reactions}}{{if $i}} · {{end}}{{$r.Symbol}} {{$r.Who}}{{if $r.Deleted}} <span class="recovered" title="{{$r.Deleted}}">(deleted)</span>{{end}}{{end}}</div>{{end}}<div class="meta">{{.Time}}{{if .Edited}} · Edited{{end}}</div>{{if .Deleted}}<div class="recovered">{{.Deleted}}</div>{{end}}{{if .Edits}}<details class="meta"><summary>Earlier versions</summary>{{range .Edits}}<div>{{.Time}}: {{.Text}}</div>{{end}}</details>{{end}}</div>
{{end}}{{end}}{{end}}</main>
<footer>{{template "nav" .}}</footer></body></html>
{{end}}
{{define "nav"}}{{if gt .PageCount 1}}<nav class="pages">{{if .Prev}}<a href="{{.Prev}}" rel="prev">← Earlier</a>{{else}}<span>← Earlier</span>{{end}} · Page {{.PageNo}} of {{.PageCount}}{{if .Range}} ({{.Range}}){{end}} · {{if .Next}}<a href="{{.Next}}" rel="next">Later →</a>{{else}}<span>Later →</span>{{end}}</nav>{{end}}{{if .Years}}<nav class="dates">{{range .Years}}<div><b>{{.Year}}</b>{{range .Months}} <a href="{{.Href}}">{{.Label}}</a>{{end}}</div>{{end}}</nav>{{end}}{{end}}
{{define "index"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{{.Title}}</title>
{{template "style"}}</head>
<body><header><h1>{{.Title}}</h1><p>{{len .Rows}} conversations</p><p class="zone">Times are in {{.Zone}}</p></header>
<main><table><thead><tr><th>Conversation</th><th>Participants</th><th>Messages</th><th>Last message</th></tr></thead>
<tbody>{{range .Rows}}<tr><td><a href="{{.Href}}">{{.Name}}</a></td><td>{{.Participants}}</td><td class="n">{{.Count}}{{if gt .Pages 1}} ({{.Pages}} pages){{end}}</td><td>{{.LastLabel}}</td></tr>
{{end}}</tbody></table></main></body></html>
{{end}}`

// split cuts the conversation p into pages of about size messages each: a
// new page starts at the first day boundary after size messages, or
// anywhere after 2×size. The first page is named first; the others get
// names derived from it, reserved in used. Every page gets the
// navigation, the time zone and the date index of the whole conversation.
func (p *pageData) split(size int, first string, used map[string]bool, loc *time.Location) []*pageData {
	var pages []*pageData
	cur := &pageData{}
	n := 0
	flush := func() {
		if len(cur.Days) > 0 || len(pages) == 0 {
			pages = append(pages, cur)
		}
		cur, n = &pageData{}, 0
	}
	for _, d := range p.Days {
		if n >= size {
			flush()
		}
		for len(d.Items) > 0 {
			room := 2*size - n
			if len(d.Items) <= room {
				cur.Days = append(cur.Days, d)
				n += len(d.Items)
				break
			}
			part := *d
			part.Items = d.Items[:room]
			cur.Days = append(cur.Days, &part)
			rest := *d
			rest.Items = d.Items[room:]
			rest.Label = d.Label + " (continued)"
			rest.ID, rest.Month = "", "" // anchors stay on the first part
			d = &rest
			flush()
		}
	}
	flush()

	stem := strings.TrimSuffix(first, ".html")
	for i, pg := range pages {
		pg.File = first
		if i > 0 {
			pg.File = uniqueName(stem+"-p"+strconv.Itoa(i+1), used) + ".html"
		}
	}
	// The date index: the first day of each month, wherever it is.
	var years []yearLinks
	seen := map[string]bool{}
	for _, pg := range pages {
		for _, d := range pg.Days {
			if d.Month == "" || seen[d.Month] {
				continue
			}
			seen[d.Month] = true
			y := d.Date.Format("2006")
			if len(years) == 0 || years[len(years)-1].Year != y {
				years = append(years, yearLinks{Year: y})
			}
			yl := &years[len(years)-1]
			yl.Months = append(yl.Months, monthLink{Label: d.Date.Format("Jan"), Href: pg.File + "#" + d.ID})
		}
	}
	for i, pg := range pages {
		pg.Title, pg.Chat, pg.Participants, pg.Group, pg.Count = p.Title, p.Chat, p.Participants, p.Group, p.Count
		pg.PageNo, pg.PageCount, pg.First = i+1, len(pages), first
		if i > 0 {
			pg.Prev = pages[i-1].File
		}
		if i+1 < len(pages) {
			pg.Next = pages[i+1].File
		}
		if len(pages) > 1 || len(years) > 1 || len(years) == 1 && len(years[0].Months) > 1 {
			pg.Years = years
		}
		var from, to time.Time
		for _, d := range pg.Days {
			if d.Date.IsZero() {
				continue
			}
			if from.IsZero() {
				from = d.Date
			}
			to = d.Date
		}
		at := time.Now()
		if !from.IsZero() {
			at = from
			pg.Range = from.Format("2 Jan 2006")
			if !to.Equal(from) {
				pg.Range += " – " + to.Format("2 Jan 2006")
			}
		}
		pg.Zone = ZoneLabel(loc, at)
	}
	return pages
}

// ZoneLabel names the zone loc as people read it at t, for the line that
// says which zone the times of a page or a text export are in:
// "Asia/Tokyo (JST, UTC+09:00)"; time.Local is "local time (…)".
func ZoneLabel(loc *time.Location, t time.Time) string {
	abbr, off := t.In(loc).Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	utc := fmt.Sprintf("UTC%s%02d:%02d", sign, off/3600, off%3600/60)
	name := loc.String()
	if name == "Local" {
		name = "local time"
	}
	if abbr == "" || abbr == name || strings.HasPrefix(abbr, "+") || strings.HasPrefix(abbr, "-") {
		return name + " (" + utc + ")"
	}
	return name + " (" + abbr + ", " + utc + ")"
}

func mimeFromExt(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	case ".heic":
		return "image/heic"
	}
	return ""
}
