package export

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"iter"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-vcard"
	"github.com/iosbackup/iosbackup/records"
)

// VCard writes contacts as vCard 3.0 (RFC 2426), the version phones
// import most reliably: one BEGIN:VCARD…END:VCARD block per contact, CRLF
// line ends, lines folded at 75 octets without splitting a UTF-8
// character. See the package documentation for the property mapping.
//
// A nil contact or an error from contacts is counted in Stats.Failed and
// skipped. The returned error joins the row errors and, when writing to w
// failed (ErrOutput), that failure; the export stops at the first write
// failure.
func VCard(w io.Writer, contacts iter.Seq2[*records.Contact, error]) (Stats, error) {
	var st Stats
	bw := bufio.NewWriterSize(w, 64<<10)
	fw := &foldWriter{w: bw}
	enc := vcard.NewEncoder(fw)
	i := -1
	for c, err := range contacts {
		i++
		if err != nil {
			st.fail(i, err)
			continue
		}
		if c == nil {
			st.fail(i, ErrNilRecord)
			continue
		}
		cw := cardWriter{card: vcard.Card{}}
		cw.contact(c)
		if err := enc.Encode(cw.card); err != nil {
			return st, st.result(err)
		}
		if fw.err != nil {
			return st, st.result(fw.err)
		}
		st.Written++
	}
	if err := bw.Flush(); err != nil {
		return st, st.result(err)
	}
	return st, st.result(nil)
}

// cardWriter builds one go-vcard Card from a contact; go-vcard's Encoder
// writes it (escaping backslashes, commas and line breaks) and foldWriter
// folds its long lines. go-vcard cannot escape ';' inside one component
// of a structured value (N, ADR, ORG), so such a ';' is written as ','.
type cardWriter struct {
	card vcard.Card
	item int // last itemN group used
}

func (cw *cardWriter) contact(c *records.Contact) {
	cw.card.SetValue(vcard.FieldVersion, "3.0")

	cw.prop(vcard.FieldName, nil, structured(c.Last, c.First, c.Middle, c.Prefix, c.Suffix))
	cw.prop(vcard.FieldFormattedName, nil, escapeText(formattedName(c)))
	if c.Nickname != "" {
		cw.prop(vcard.FieldNickname, nil, escapeText(c.Nickname))
	}
	for _, p := range []struct{ key, v string }{
		{"X-PHONETIC-FIRST-NAME", c.FirstPhonetic},
		{"X-PHONETIC-MIDDLE-NAME", c.MiddlePhonetic},
		{"X-PHONETIC-LAST-NAME", c.LastPhonetic},
	} {
		if p.v != "" {
			cw.prop(p.key, nil, escapeText(p.v))
		}
	}
	if c.Organization != "" || c.Department != "" {
		// The organization's reading goes where importers look for it:
		// Android's vCard importer takes the SORT-AS parameter of ORG as
		// the phonetic company name, Apple's reads X-PHONETIC-ORG.
		var params vcard.Params
		if c.OrgPhonetic != "" && c.Organization != "" {
			params = vcard.Params{"SORT-AS": {paramValue(c.OrgPhonetic)}}
		}
		if c.Department != "" {
			cw.prop(vcard.FieldOrganization, params, structured(c.Organization, c.Department))
		} else {
			cw.prop(vcard.FieldOrganization, params, escapeText(c.Organization))
		}
	}
	if c.OrgPhonetic != "" {
		cw.prop("X-PHONETIC-ORG", nil, escapeText(c.OrgPhonetic))
	}
	if c.JobTitle != "" {
		cw.prop(vcard.FieldTitle, nil, escapeText(c.JobTitle))
	}
	if c.IsOrganization {
		cw.prop("X-ABShowAs", nil, "COMPANY")
	}
	if bd, ok := vcardDate(c.Birthday); ok {
		cw.prop(vcard.FieldBirthday, nil, bd)
	}
	for _, p := range c.Phones {
		if p.Value != "" {
			cw.labeled(vcard.FieldTelephone, phoneTypes, []string{"VOICE"}, p.Label, escapeText(p.Value))
		}
	}
	for _, e := range c.Emails {
		if e.Value != "" {
			cw.labeled(vcard.FieldEmail, emailTypes, []string{"INTERNET"}, e.Label, escapeText(e.Value))
		}
	}
	for _, a := range c.Addresses {
		v := structured("", "", a.Street, a.City, a.State, a.ZIP, a.Country)
		if v == ";;;;;;" {
			continue
		}
		g := cw.labeledGroup(vcard.FieldAddress, addressTypes, nil, a.Label, v, a.CountryCode != "")
		if a.CountryCode != "" {
			cw.groupProp(g, "X-ABADR", nil, escapeText(strings.ToLower(a.CountryCode)))
		}
	}
	for _, u := range c.URLs {
		if u.Value != "" {
			cw.labeled(vcard.FieldURL, urlTypes, nil, u.Label, escapeText(u.Value))
		}
	}
	for _, p := range c.Profiles {
		cw.profile(p)
	}
	for _, r := range c.Related {
		if r.Value != "" {
			cw.labeled("X-ABRELATEDNAMES", nil, nil, r.Label, escapeText(r.Value))
		}
	}
	for _, d := range c.Dates {
		if v, ok := vcardDate(d.Value); ok {
			cw.labeled("X-ABDATE", nil, nil, d.Label, v)
		}
	}
	if c.Note != "" {
		cw.prop(vcard.FieldNote, nil, escapeText(c.Note))
	}
	// One CATEGORIES property per group: go-vcard escapes every comma of
	// a value, so a comma-separated list would read as one category.
	for _, g := range c.Groups {
		if g = escapeText(g); g != "" {
			cw.prop(vcard.FieldCategories, nil, g)
		}
	}
	// A recovered contact is marked beside its data (NOTE is left as it
	// was): where it was found, in a property importers ignore.
	if c.Recovered != nil || c.Deleted {
		key := "X-IBACKUP-DELETED"
		if !c.Deleted {
			key = "X-IBACKUP-EARLIER-VERSION"
		}
		src := recoverySource(c.Recovered)
		if src == "" {
			src = "unknown"
		}
		cw.prop(key, nil, escapeText(src))
	}
	if c.Modified != nil && !c.Modified.IsZero() {
		cw.prop(vcard.FieldRevision, nil, c.Modified.UTC().Format("2006-01-02T15:04:05Z"))
	}
	if len(c.Photo) > 0 {
		params := vcard.Params{"ENCODING": {"b"}}
		if t := imageType(c.Photo); t != "" {
			params[vcard.ParamType] = []string{t}
		}
		cw.prop(vcard.FieldPhoto, params, base64.StdEncoding.EncodeToString(c.Photo))
	}
}

// labeled writes a property whose label maps to TYPE values through
// table; a label not in the table keeps its text in an X-ABLabel property
// of the same itemN group (Apple's convention, also read by Google
// Contacts). It returns the group used, "" for none.
func (cw *cardWriter) labeled(key string, table map[string][]string, base []string, label, value string) string {
	return cw.labeledGroup(key, table, base, label, value, false)
}

// labeledGroup is labeled, always using a group when group is true.
func (cw *cardWriter) labeledGroup(key string, table map[string][]string, base []string, label, value string, group bool) string {
	types := append([]string(nil), base...)
	custom := ""
	if label != "" {
		if t, ok := table[labelKey(label)]; ok {
			types = t
		} else {
			custom = label
		}
	}
	var params vcard.Params
	if len(types) > 0 {
		params = vcard.Params{vcard.ParamType: types}
	}
	if custom == "" && !group {
		cw.prop(key, params, value)
		return ""
	}
	g := cw.nextItem()
	cw.groupProp(g, key, params, value)
	if custom != "" {
		cw.groupProp(g, "X-ABLabel", nil, escapeText(custom))
	}
	return g
}

// imServices maps instant-message services (lower case) to IMPP URI
// schemes; other profiles are written as X-SOCIALPROFILE.
var imServices = map[string]string{
	"skype": "skype", "jabber": "xmpp", "xmpp": "xmpp", "googletalk": "xmpp",
	"google talk": "xmpp", "aim": "aim", "icq": "icq", "msn": "msnim",
	"yahoo": "ymsgr", "qq": "x-apple", "gadugadu": "x-apple",
	"facebook messenger": "x-apple", "facebookmessenger": "x-apple",
}

func (cw *cardWriter) profile(p records.Profile) {
	if p.Username == "" && p.URL == "" {
		return
	}
	svc := strings.ToLower(strings.TrimSpace(p.Service))
	if scheme, ok := imServices[svc]; ok && p.URL == "" {
		params := vcard.Params{"X-SERVICE-TYPE": {paramValue(p.Service)}}
		if t, ok := emailTypes[labelKey(p.Label)]; ok && p.Label != "" {
			params[vcard.ParamType] = t[1:] // drop INTERNET
		}
		cw.prop(vcard.FieldIMPP, params, escapeText(scheme+":"+p.Username))
		return
	}
	params := vcard.Params{}
	if svc != "" {
		params[vcard.ParamType] = []string{paramValue(svc)}
	}
	if p.Username != "" {
		params["X-USER"] = []string{paramValue(p.Username)}
	}
	v := p.URL
	if v == "" {
		v = "x-apple:" + p.Username
	}
	cw.prop("X-SOCIALPROFILE", params, escapeText(v))
}

func (cw *cardWriter) nextItem() string {
	cw.item++
	return "item" + strconv.Itoa(cw.item)
}

func (cw *cardWriter) prop(key string, params vcard.Params, value string) {
	cw.groupProp("", key, params, value)
}

// groupProp adds one property. value is raw text (go-vcard escapes it),
// or components already joined by structured.
func (cw *cardWriter) groupProp(group, key string, params vcard.Params, value string) {
	cw.card.Add(key, &vcard.Field{Value: value, Params: params, Group: group})
}

// foldWriter folds the lines go-vcard writes (CRLF-ended) at 75 octets,
// continuing on lines that start with a space and cutting only between
// UTF-8 characters (RFC 2426 section 2.6).
type foldWriter struct {
	w       io.Writer
	pending []byte
	out     bytes.Buffer
	err     error
}

func (f *foldWriter) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	f.pending = append(f.pending, p...)
	for {
		i := bytes.Index(f.pending, []byte("\r\n"))
		if i < 0 {
			break
		}
		f.out.Reset()
		fold(&f.out, f.pending[:i])
		if _, err := f.w.Write(f.out.Bytes()); err != nil {
			f.err = err
			return 0, err
		}
		f.pending = f.pending[i+2:]
	}
	return len(p), nil
}

// fold writes l with CRLF, continuing lines longer than 75 octets on lines
// that start with a space, cutting only between UTF-8 characters.
func fold(buf *bytes.Buffer, l []byte) {
	limit := 75
	for len(l) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(l[cut]) {
			cut--
		}
		buf.Write(l[:cut])
		buf.WriteString("\r\n ")
		l = l[cut:]
		limit = 74 // the leading space counts
	}
	buf.Write(l)
	buf.WriteString("\r\n")
}

// lineBreaks turns CRLF and lone CR into LF, which go-vcard escapes.
var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// escapeText prepares s for a vCard value: valid UTF-8, no control
// characters but tab and line breaks, line breaks as LF. go-vcard's
// Encoder does the escaping.
func escapeText(s string) string {
	return lineBreaks.Replace(cleanText(s))
}

// cleanText makes s valid UTF-8 and drops C0/C1 control characters other
// than tab, CR and LF.
func cleanText(s string) string {
	ok := utf8.ValidString(s)
	if ok {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f || c == 0xC2 {
				ok = false
				break
			}
		}
	}
	if ok {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r >= 0x7f && r < 0xa0 {
			return -1
		}
		return r
	}, s)
}

// structured prepares each component and joins them with ';'. A ';'
// inside a component cannot be escaped through go-vcard and becomes ','.
func structured(parts ...string) string {
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(escapeText(p), ";", ",")
	}
	return strings.Join(parts, ";")
}

// paramValue makes s usable as a parameter value: control characters,
// double quotes and backslashes dropped, quoted when it holds ';', ':',
// ',' or spaces.
func paramValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if strings.ContainsAny(s, ";:, ") {
		return `"` + s + `"`
	}
	return s
}

// formattedName is the FN value: records.FormattedName, the full name in
// the order the phone shows it (family name first for names in CJK
// script), else the organization, nickname, first phone or email.
func formattedName(c *records.Contact) string {
	return records.FormattedName(c)
}

// vcardDate checks a YYYY-MM-DD or --MM-DD date.
func vcardDate(s string) (string, bool) {
	digits := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	switch {
	case len(s) == 10 && s[4] == '-' && s[7] == '-' && digits(s[:4]) && digits(s[5:7]) && digits(s[8:]):
		return s, true
	case len(s) == 7 && s[:2] == "--" && s[4] == '-' && digits(s[2:4]) && digits(s[5:]):
		return s, true
	}
	return "", false
}

// imageType sniffs the vCard 3.0 TYPE of a photo.
func imageType(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "JPEG"
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		return "PNG"
	case len(b) >= 6 && (string(b[:6]) == "GIF87a" || string(b[:6]) == "GIF89a"):
		return "GIF"
	}
	return ""
}

// labelKey normalizes a cleaned label for the type tables.
func labelKey(l string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(l), " ", ""))
}

var (
	phoneTypes = map[string][]string{
		"mobile": {"CELL", "VOICE"}, "cell": {"CELL", "VOICE"},
		"iphone":  {"IPHONE", "CELL", "VOICE"},
		"home":    {"HOME", "VOICE"},
		"work":    {"WORK", "VOICE"},
		"main":    {"MAIN", "VOICE"},
		"homefax": {"HOME", "FAX"}, "workfax": {"WORK", "FAX"}, "otherfax": {"OTHER", "FAX"},
		"fax":   {"FAX"},
		"pager": {"PAGER"},
		"other": {"OTHER", "VOICE"},
	}
	emailTypes = map[string][]string{
		"home":  {"INTERNET", "HOME"},
		"work":  {"INTERNET", "WORK"},
		"other": {"INTERNET", "OTHER"},
	}
	urlTypes = map[string][]string{
		"home":  {"HOME"},
		"work":  {"WORK"},
		"other": {"OTHER"},
	}
	addressTypes = map[string][]string{
		"home":  {"HOME"},
		"work":  {"WORK"},
		"other": {"OTHER"},
	}
)
