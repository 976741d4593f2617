package records

import (
	"strings"
	"unicode"
)

// Name order. One rule decides, for every output (DisplayName,
// FormattedName, and through them vCard FN, text, HTML and Android XML):
// the family name comes first when the name parts are written in a CJK
// script (Han, Hiragana, Katakana, Hangul) and contain no Latin letter,
// as the phone shows them; Western order (given name first) otherwise.
// A Japanese name (kana in its parts or readings) keeps a space between
// family and given name ("山田 太郎"); Chinese and Korean names are joined
// without one ("王小明", "김민수").

// nameOrder returns whether the family name comes first and the
// separator between name parts.
func nameOrder(c *Contact) (familyFirst bool, sep string) {
	cjk, latin, kana := false, false, false
	for _, s := range []string{c.First, c.Middle, c.Last} {
		for _, r := range s {
			switch {
			case unicode.In(r, unicode.Hiragana, unicode.Katakana):
				cjk, kana = true, true
			case unicode.In(r, unicode.Han, unicode.Hangul):
				cjk = true
			case unicode.Is(unicode.Latin, r):
				latin = true
			}
		}
	}
	if !cjk || latin {
		return false, " "
	}
	if !kana {
		for _, s := range []string{c.FirstPhonetic, c.MiddlePhonetic, c.LastPhonetic} {
			for _, r := range s {
				if unicode.In(r, unicode.Hiragana, unicode.Katakana) {
					kana = true
				}
			}
		}
	}
	if kana {
		return true, " "
	}
	return true, ""
}

// joinName joins the non-empty (trimmed) parts with sep.
func joinName(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// personName is the given and family name (and, when full, prefix,
// middle name and suffix) in the order of nameOrder; "" when c has none.
func personName(c *Contact, full bool) string {
	first, sep := nameOrder(c)
	middle, prefix, suffix := "", "", ""
	if full {
		middle, prefix, suffix = c.Middle, c.Prefix, c.Suffix
	}
	var core string
	if first {
		core = joinName(sep, c.Last, middle, c.First)
	} else {
		core = joinName(" ", c.First, middle, c.Last)
	}
	if core == "" {
		return ""
	}
	return joinName(" ", prefix, core, suffix)
}

// DisplayName returns the name to show for c, as the phone lists it: the
// organization for a company record, else the given and family name in
// the order the name rule above decides ("Ada Lovelace", "山田 太郎",
// "王小明"), else the organization, the nickname, the first phone number,
// the first email. A nil contact gives "".
func DisplayName(c *Contact) string {
	if c == nil {
		return ""
	}
	if c.IsOrganization && strings.TrimSpace(c.Organization) != "" {
		return strings.TrimSpace(c.Organization)
	}
	if n := personName(c, false); n != "" {
		return n
	}
	return fallbackName(c)
}

// FormattedName returns the full name of c, with prefix, middle name and
// suffix, in the same order as DisplayName ("Dr. Ada King Lovelace PhD",
// "山田 太郎"); the vCard FN. Without name parts (or for a company record)
// it falls back as DisplayName does.
func FormattedName(c *Contact) string {
	if c == nil {
		return ""
	}
	if c.IsOrganization && strings.TrimSpace(c.Organization) != "" {
		return strings.TrimSpace(c.Organization)
	}
	if n := personName(c, true); n != "" {
		return n
	}
	return fallbackName(c)
}

func fallbackName(c *Contact) string {
	for _, s := range []string{c.Organization, c.Nickname} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	for _, l := range [][]Labeled{c.Phones, c.Emails} {
		for _, v := range l {
			if s := strings.TrimSpace(v.Value); s != "" {
				return s
			}
		}
	}
	return ""
}
