package main

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/iosbackup/iosbackup/records"
)

// How --chat finds conversations. The first rule that matches any chat
// decides, and every chat it matches is selected:
//  1. the chat identifier or GUID, exactly (as listed by 'ibackup chats');
//  2. a participant's phone number, in any spelling ("090-1234-5678",
//     "+81 90 1234 5678", full-width digits), compared in E.164 form with
//     the phone's own country as the region of national numbers; or a
//     participant's email address, case aside;
//  3. the name of a participant's contact (its display name) or the
//     chat's own name, case, width (NFKC) and spaces aside.
const (
	chatByID = iota + 1
	chatByNumber
	chatByName
)

// matchChats returns the chats --chat want selects and the rule that
// matched (0 when none did). region is the phone's own country ("" when
// unknown); res gives contact names (nil without an address book).
func matchChats(chats []*records.Chat, want, region string, res *records.Resolver) ([]*records.Chat, int) {
	var out []*records.Chat
	for _, c := range chats {
		if c.Identifier == want || c.GUID == want {
			out = append(out, c)
		}
	}
	if len(out) > 0 {
		return out, chatByID
	}
	for _, c := range chats {
		for _, h := range handlesOf(c) {
			if sameHandle(h, want, region) {
				out = append(out, c)
				break
			}
		}
	}
	if len(out) > 0 {
		return out, chatByNumber
	}
	key := nameKey(want)
	if key == "" {
		return nil, 0
	}
	for _, c := range chats {
		if nameKey(c.Name) == key {
			out = append(out, c)
			continue
		}
		for _, h := range handlesOf(c) {
			if ct, ok := res.Lookup(h); ok && nameKey(records.DisplayName(ct)) == key {
				out = append(out, c)
				break
			}
		}
	}
	if len(out) > 0 {
		return out, chatByName
	}
	return nil, 0
}

// handlesOf returns the participants of c, and its identifier when that
// is a person's handle (a one-to-one chat may list no participants).
func handlesOf(c *records.Chat) []string {
	hs := append([]string(nil), c.Participants...)
	if !c.Group && c.Identifier != "" {
		hs = append(hs, c.Identifier)
	}
	return hs
}

// sameHandle reports whether handle h and the --chat value want are the
// same phone number or email address.
func sameHandle(h, want, region string) bool {
	if strings.Contains(h, "@") || strings.Contains(want, "@") {
		return strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "mailto:")),
			strings.TrimSpace(strings.TrimPrefix(want, "mailto:")))
	}
	if a, ok := records.E164(h, region); ok {
		if b, ok := records.E164(want, region); ok {
			return a == b
		}
	}
	a, b := records.NormalizePhone(h), records.NormalizePhone(want)
	return a != "" && a == b
}

// nameKey is the form names are compared in: NFKC-folded, lower case,
// without spaces (so "山田太郎", "山田 太郎" and "ＹＡＭＡＤＡ" compare as
// typed on the phone).
func nameKey(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// chatMessages returns the messages of the selected chats, chat after
// chat (each in the reader's order), and the identifiers and GUIDs that
// name them (for the recovered messages of --deleted).
func chatMessages(ctx context.Context, db *records.MessageDB, sel []*records.Chat) (iter.Seq2[*records.Message, error], map[string]bool) {
	ids := map[string]bool{}
	var keys []string
	for _, c := range sel {
		key := c.GUID
		if key == "" {
			key = c.Identifier
		}
		if !ids[key] {
			keys = append(keys, key)
		}
		for _, k := range []string{c.GUID, c.Identifier} {
			if k != "" {
				ids[k] = true
			}
		}
	}
	return func(yield func(*records.Message, error) bool) {
		for _, k := range keys {
			for m, err := range db.MessagesInChat(ctx, k) {
				if !yield(m, err) {
					return
				}
			}
		}
	}, ids
}

// selectedChats says on stderr which chats --chat selected when it was
// not a chat identifier or when it named several.
func (a *app) selectedChats(sel []*records.Chat, names func(string) string) {
	fmt.Fprintf(a.stderr, "ibackup: --chat selected %d chat(s):\n", len(sel))
	for _, c := range sel {
		var who []string
		for _, h := range c.Participants {
			if names != nil {
				if n := names(h); n != "" {
					h += " (" + n + ")"
				}
			}
			who = append(who, h)
		}
		line := c.Identifier
		if c.Name != "" {
			line += " “" + c.Name + "”"
		}
		if c.Service != "" {
			line += " " + c.Service
		}
		if len(who) > 0 {
			line += ": " + strings.Join(who, ", ")
		}
		fmt.Fprintf(a.stderr, "  %s\n", safe(line))
	}
}
