package records

import (
	"errors"
	"iter"
	"strings"
	"sync"
)

// Resolver finds the contact behind a phone number or email address, as
// found in messages and call history. It is safe for concurrent use; its
// contacts do not change once it is built (lookups are cached).
//
// Phone numbers are first folded (full-width digits become ASCII) and
// compared in E.164 form (see E164), national numbers read as numbers of
// the resolver's region (WithRegion: the phone's own country). Numbers
// that do not convert are compared in a normalized form (see NormalizePhone): a
// number written with its country code matches the same number written
// nationally ("+1 (919) 888-7386", "19198887386" and "(919) 888-7386" all
// match; so do "+44 20 7946 0958" and "020 7946 0958"), but two numbers
// whose country codes are both known and differ do not. Numbers of six
// digits or fewer (short codes) and numbers with * or # match only
// exactly. Emails are compared case-insensitively. When several contacts
// match a handle (either way), the first one given wins.
type Resolver struct {
	region string                  // ISO 3166 code of the phone's country, "" when unknown
	e164   map[string]*Contact     // by E.164 number
	phones map[string][]phoneOwner // by national significant number
	exact  map[string]*Contact     // short codes and service codes, by digits
	emails map[string]*Contact     // by lower-case address
	rank   map[*Contact]int        // order in which contacts were given

	// Lookup results by handle: parsing a number by libphonenumber's
	// rules costs tens of microseconds, and calls and messages repeat
	// their handles.
	mu    sync.Mutex
	cache map[string]*Contact
}

// maxCache bounds the lookup cache (entries).
const maxCache = 1 << 16

type phoneOwner struct {
	cc string // country calling code, "" when unknown
	c  *Contact
}

// ResolverOption configures NewResolver.
type ResolverOption func(*Resolver)

// WithRegion sets the region (ISO 3166 code such as "JP"; case does not
// matter) in which numbers written without their country code are read:
// the phone's own country, e.g. RegionOfNumber of the backup's phone
// number or RegionOfICCID of its SIM. Without it such numbers are matched
// by their national digits only.
func WithRegion(region string) ResolverOption {
	return func(r *Resolver) { r.region = strings.ToUpper(strings.TrimSpace(region)) }
}

// NewResolver builds a resolver from a sequence of contacts such as
// ContactDB.Contacts. Rows yielded as errors are skipped; the resolver is
// always returned, together with the joined row errors (nil when none).
func NewResolver(contacts iter.Seq2[*Contact, error], opts ...ResolverOption) (*Resolver, error) {
	r := newResolver(opts)
	var errs []error
	for c, err := range contacts {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r.add(c)
	}
	return r, errors.Join(errs...)
}

func newResolver(opts []ResolverOption) *Resolver {
	r := &Resolver{e164: map[string]*Contact{}, phones: map[string][]phoneOwner{}, exact: map[string]*Contact{},
		emails: map[string]*Contact{}, rank: map[*Contact]int{}}
	for _, o := range opts {
		o(r)
	}
	return r
}

func (r *Resolver) add(c *Contact) {
	if c == nil {
		return
	}
	if _, ok := r.rank[c]; !ok {
		r.rank[c] = len(r.rank)
	}
	for _, p := range c.Phones {
		r.addHandle(p.Value, c)
	}
	for _, e := range c.Emails {
		r.addHandle(e.Value, c)
	}
}

func (r *Resolver) addHandle(h string, c *Contact) {
	if e, ok := emailKey(h); ok {
		if _, dup := r.emails[e]; !dup {
			r.emails[e] = c
		}
		return
	}
	if e, ok := E164(h, r.region); ok {
		if _, dup := r.e164[e]; !dup {
			r.e164[e] = c
		}
	}
	keys, exact := phoneKeys(h)
	if exact != "" {
		if _, dup := r.exact[exact]; !dup {
			r.exact[exact] = c
		}
		return
	}
	for _, k := range keys {
		owners := r.phones[k.nsn]
		dup := false
		for _, o := range owners {
			if o.cc == k.cc {
				dup = true
				break
			}
		}
		if !dup {
			r.phones[k.nsn] = append(owners, phoneOwner{cc: k.cc, c: c})
		}
	}
}

// Lookup returns the contact owning handle (a phone number or an email
// address, optionally with a tel: or mailto: prefix).
func (r *Resolver) Lookup(handle string) (*Contact, bool) {
	if r == nil {
		return nil, false
	}
	r.mu.Lock()
	c, ok := r.cache[handle]
	r.mu.Unlock()
	if ok {
		return c, c != nil
	}
	c, ok = r.lookup(handle)
	r.mu.Lock()
	if r.cache == nil {
		r.cache = map[string]*Contact{}
	}
	if len(r.cache) < maxCache {
		r.cache[handle] = c
	}
	r.mu.Unlock()
	return c, ok
}

func (r *Resolver) lookup(handle string) (*Contact, bool) {
	if e, ok := emailKey(handle); ok {
		c, ok := r.emails[e]
		return c, ok
	}
	var best *Contact
	if e, ok := E164(handle, r.region); ok {
		best = r.e164[e]
	}
	keys, exact := phoneKeys(handle)
	if exact != "" {
		if c, ok := r.exact[exact]; ok && r.earlier(c, best) {
			best = c
		}
		return best, best != nil
	}
	// The first owner (in contact order) whose country code agrees or is
	// unknown on either side.
	for _, k := range keys {
		for _, o := range r.phones[k.nsn] {
			if o.cc == k.cc || o.cc == "" || k.cc == "" {
				if r.earlier(o.c, best) {
					best = o.c
				}
				break
			}
		}
	}
	return best, best != nil
}

// earlier reports whether c was given before best (or best is nil).
func (r *Resolver) earlier(c, best *Contact) bool {
	return best == nil || r.rank[c] < r.rank[best]
}

// Name returns the display name of the contact owning handle, or "".
func (r *Resolver) Name(handle string) string {
	c, ok := r.Lookup(handle)
	if !ok {
		return ""
	}
	return DisplayName(c)
}

// NormalizePhone returns the comparison form of a phone number (a key,
// not a number to dial or store: see E164 for that): "+",
// country code and national significant number when the country code is
// known (written with +, 00 or 011, or an 11-digit North American number
// starting with 1), else the national number without its trunk 0. Spaces,
// punctuation and an optional "tel:" prefix are dropped, letters are
// mapped to keypad digits ("1-800-MY-APPLE" gives "+18006927753"), and
// anything after a ',' or ';' (pauses, parameters) is ignored. Short codes
// (six digits or fewer) and codes with * or # are returned as written,
// full-width digits folded to ASCII,
// without separators. A string with no digit gives "".
func NormalizePhone(s string) string {
	keys, exact := phoneKeys(s)
	if exact != "" {
		return exact
	}
	if len(keys) == 0 {
		return ""
	}
	if keys[0].cc != "" {
		return "+" + keys[0].cc + keys[0].nsn
	}
	return keys[0].nsn
}

type phoneKey struct{ cc, nsn string }

// phoneKeys splits a phone number into its possible (country code,
// national number) readings, most likely first, or returns the exact key
// of a short or service code.
func phoneKeys(s string) (keys []phoneKey, exact string) {
	s = strings.TrimSpace(foldPhone(s))
	if len(s) >= 4 && strings.EqualFold(s[:4], "tel:") {
		s = s[4:]
	}
	if i := strings.IndexAny(s, ",;"); i >= 0 {
		s = s[:i]
	}
	hasDigit := strings.ContainsAny(s, "0123456789")
	if !hasDigit {
		return nil, ""
	}
	service := strings.ContainsAny(s, "*#")
	plus := false
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && b.Len() == 0:
			plus = true
		case service && (r == '*' || r == '#'):
			b.WriteRune(r)
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			b.WriteByte(keypad(r))
		}
	}
	d := b.String()
	if service {
		return nil, d
	}
	if !plus {
		switch {
		case strings.HasPrefix(d, "00") && len(d) > 8:
			plus, d = true, d[2:]
		case strings.HasPrefix(d, "011") && len(d) > 11:
			plus, d = true, d[3:]
		}
	}
	if len(d) <= 6 {
		return nil, d
	}
	if plus && d[0] != '0' { // no country code starts with 0
		n := ccLen(d)
		nsn := trimTrunk(d[n:])
		if n+len(nsn) <= 6 {
			return []phoneKey{{nsn: d}}, ""
		}
		return []phoneKey{{cc: d[:n], nsn: nsn}}, ""
	}
	if len(d) == 11 && d[0] == '1' && d[1] >= '2' { // North American area codes start with 2-9
		return []phoneKey{{cc: "1", nsn: d[1:]}, {nsn: d}}, ""
	}
	return []phoneKey{{nsn: trimTrunk(d)}}, ""
}

// trimTrunk drops the national trunk prefix 0 ("020 7946 0958", or
// "+44 (0)20 ..." written with its trunk digit). National significant
// numbers do not start with 0 (Italy's do, but both forms are trimmed
// alike), so every leading 0 goes, which keeps NormalizePhone idempotent.
func trimTrunk(n string) string {
	t := strings.TrimLeft(n, "0")
	if t == "" && n != "" {
		return "0"
	}
	return t
}

// keypad maps a letter to its telephone keypad digit.
func keypad(r rune) byte {
	if r >= 'a' && r <= 'z' {
		r -= 'a' - 'A'
	}
	const digits = "22233344455566677778889999" // A..Z
	return digits[r-'A']
}

// ccLen returns the length of the ITU-T E.164 country calling code that
// starts d. Calling codes form a prefix-free set: 1 and 7 are one digit,
// the two-digit codes are listed, every other code has three digits.
func ccLen(d string) int {
	if d == "" {
		return 0
	}
	if d[0] == '1' || d[0] == '7' {
		return 1
	}
	if len(d) >= 2 {
		switch d[:2] {
		case "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45",
			"46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61",
			"62", "63", "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94",
			"95", "98":
			return 2
		}
	}
	return 3
}

// emailKey returns the comparison form of an email address.
func emailKey(s string) (string, bool) {
	s = strings.TrimSpace(foldPhone(s))
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	if !strings.Contains(s, "@") {
		return "", false
	}
	return strings.ToLower(s), true
}

// NameCalls passes calls through, setting Name to the display name of the
// contact owning the call's address when one matches (the name the phone
// recorded is kept otherwise). A nil resolver passes calls unchanged.
func (r *Resolver) NameCalls(calls iter.Seq2[*Call, error]) iter.Seq2[*Call, error] {
	if r == nil {
		return calls
	}
	return func(yield func(*Call, error) bool) {
		for c, err := range calls {
			if c != nil && c.Address != "" {
				if n := r.Name(c.Address); n != "" {
					c.Name = n
				}
			}
			if !yield(c, err) {
				return
			}
		}
	}
}

// NameMessages passes messages through, setting SenderName to the display
// name of the contact owning the sender's handle when one matches. A nil
// resolver passes messages unchanged.
func (r *Resolver) NameMessages(msgs iter.Seq2[*Message, error]) iter.Seq2[*Message, error] {
	if r == nil {
		return msgs
	}
	return func(yield func(*Message, error) bool) {
		for m, err := range msgs {
			if m != nil && m.Sender != nil && *m.Sender != "" {
				if n := r.Name(*m.Sender); n != "" {
					m.SenderName = &n
				}
			}
			if !yield(m, err) {
				return
			}
		}
	}
}
