package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/iosbackup/iosbackup/records"
)

// --chat finds a conversation by its identifier or GUID, by any spelling
// of a participant's number (national, international with spaces,
// full-width digits, E.164; the phone's region JP from its own number),
// and by the name of the participant's contact (case, width and spaces
// aside). An unknown one exits 1 and points at 'ibackup chats'.
func TestChatByNameOrNumber(t *testing.T) {
	dir := cjkBackup(t)
	yamada := []string{"こんにちは +819012345678", "はい"}
	smith := []string{"こんにちは +81312345678"}
	for _, tc := range []struct {
		chat     string
		want     []string
		selected bool // the selection is said on stderr
	}{
		{"+819012345678", yamada, false},
		{"SMS;-;+819012345678", yamada, false},
		{"090-1234-5678", yamada, true},
		{"+81 90 1234 5678", yamada, true},
		{"０９０－１２３４－５６７８", yamada, true},
		{"(090) 1234 5678", yamada, true},
		{"山田 太郎", yamada, true},
		{"山田太郎", yamada, true},
		{"　山田　太郎　", yamada, true}, // full-width spaces
		{"john smith", smith, true},
		{"ＪＯＨＮ　ＳＭＩＴＨ", smith, true},
		{"03-1234-5678", smith, true},
		{"株式会社テスト", []string{"こんにちは +81398765432"}, true},
	} {
		t.Run(tc.chat, func(t *testing.T) {
			code, out, stderr := ibackupRun(t, "messages", "--chat", tc.chat, dir)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var got []string
			chats := map[string]bool{}
			for line := range strings.Lines(out) {
				var m struct {
					Text *string `json:"text"`
					Chat string  `json:"chat"`
				}
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatalf("%v: %q", err, line)
				}
				if m.Text != nil {
					got = append(got, *m.Text)
				}
				chats[m.Chat] = true
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Errorf("texts = %q, want %q", got, want)
			}
			if len(chats) != 1 {
				t.Errorf("chats = %v, want one", chats)
			}
			said := strings.Contains(stderr, "--chat selected 1 chat(s)")
			if said != tc.selected {
				t.Errorf("stderr %q: selection said = %v, want %v", stderr, said, tc.selected)
			}
		})
	}
	// Text output names the selected chat's contact on stderr.
	_, _, stderr := ibackupRun(t, "messages", "--format", "text", "--chat", "09012345678", dir)
	if !strings.Contains(stderr, "+819012345678 (山田 太郎)") {
		t.Errorf("stderr = %q, want the participant and the contact's name", stderr)
	}
	for _, unknown := range []string{"佐藤 花子", "090-0000-0000", "nobody@example.com"} {
		code, out, stderr := ibackupRun(t, "messages", "--chat", unknown, dir)
		if code != 1 || out != "" || !strings.Contains(stderr, "ibackup chats") {
			t.Errorf("--chat %q: exit %d, stdout %q, stderr %q; want exit 1 naming 'ibackup chats'", unknown, code, out, stderr)
		}
	}
}

// Every chat the first matching rule finds is selected (the SMS and the
// iMessage chat of one number), and an identifier wins over a number.
func TestMatchChatsSeveral(t *testing.T) {
	chats := []*records.Chat{
		{GUID: "SMS;-;+819012345678", Identifier: "+819012345678", Participants: []string{"+819012345678"}},
		{GUID: "iMessage;-;+819012345678", Identifier: "+819012345678", Participants: []string{"+819012345678"}},
		{GUID: "chat1", Identifier: "chat1", Name: "090-1234-5678", Group: true, Participants: []string{"+81312345678"}},
	}
	sel, rule := matchChats(chats, "090 1234 5678", "JP", nil)
	if rule != chatByNumber || len(sel) != 2 || sel[0] != chats[0] || sel[1] != chats[1] {
		t.Errorf("by number: rule %d, %d chats", rule, len(sel))
	}
	sel, rule = matchChats(chats, "chat1", "JP", nil)
	if rule != chatByID || len(sel) != 1 || sel[0] != chats[2] {
		t.Errorf("by id: rule %d, %d chats", rule, len(sel))
	}
	// Without a region a national number still matches its national form.
	sel, rule = matchChats([]*records.Chat{{Identifier: "09012345678", Participants: []string{"09012345678"}}}, "090-1234-5678", "", nil)
	if rule != chatByNumber || len(sel) != 1 {
		t.Errorf("no region: rule %d, %d chats", rule, len(sel))
	}
	if sel, rule := matchChats(chats, "  ", "JP", nil); sel != nil || rule != 0 {
		t.Errorf("blank: rule %d, %d chats", rule, len(sel))
	}
}
