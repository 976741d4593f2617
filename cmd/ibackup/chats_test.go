package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iosbackup/iosbackup/internal/realdata"
)

// runCaptured runs one command line in process and returns its exit
// status, standard output and standard error.
func runCaptured(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	out, err := os.Create(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	var errb strings.Builder
	code := run(args, nil, out, &errb)
	b, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	return code, string(b), errb.String()
}

// TestChatsRealIOS5 lists the conversations of the real iOS 5 sms.db
// through the iOS 5.1.1 mbdb backup, as text and as JSON Lines.
func TestChatsRealIOS5(t *testing.T) {
	t.Setenv("TZ", "UTC")
	dir := realdata.Path(t, "DERIVED-ios5-mbdb-backup/clean")
	code, out, errs := runCaptured(t, "chats", dir, "--tz", "UTC")
	want := "Times are in UTC (UTC+00:00)\n\n" +
		"ID              NAME  PARTICIPANTS    SERVICE  MESSAGES  FIRST             LAST\n" +
		"(209) 598-1933  -     (209) 598-1933  MMS/SMS  3         2012-03-11 02:08  2012-03-11 02:08\n" +
		"(209) 649-0617  -     (209) 649-0617  SMS      1         2012-04-26 23:56  2012-04-26 23:56\n"
	if code != 0 || out != want || errs != "" {
		t.Errorf("chats: status %d, stderr %q, output:\n%s\nwant:\n%s", code, errs, out, want)
	}
	code, out, errs = runCaptured(t, "chats", dir, "--json")
	want = `{"id":"(209) 598-1933","guid":"msg_group:2","name":null,"participants":[{"handle":"(209) 598-1933","name":null}],"service":"MMS/SMS","group":false,"messages":3,"first":"2012-03-11T02:08:09.000Z","last":"2012-03-11T02:08:54.000Z"}` + "\n" +
		`{"id":"(209) 649-0617","guid":"msg_group:3","name":null,"participants":[{"handle":"(209) 649-0617","name":null}],"service":"SMS","group":false,"messages":1,"first":"2012-04-26T23:56:13.000Z","last":"2012-04-26T23:56:13.000Z"}` + "\n"
	if code != 0 || out != want || errs != "" {
		t.Errorf("chats --json: status %d, stderr %q, output:\n%s\nwant:\n%s", code, errs, out, want)
	}
}

// TestMessagesWithProblems: the ios-backup-parser fixture's 10 rows are
// all written; the 6 with problems are listed and counted, and the exit
// status is 1.
func TestMessagesWithProblems(t *testing.T) {
	db := realdata.Path(t, "ios-backup-parser/messages/testdata/messages.1.sms.db")
	code, out, errs := runCaptured(t, "messages", "--db", db)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != exitPartial || len(lines) != 10 {
		t.Fatalf("status %d, %d lines; stderr:\n%s", code, len(lines), errs)
	}
	if n := strings.Count(out, `"problems":null`); n != 4 {
		t.Errorf("%d records without problems, want 4", n)
	}
	if !strings.Contains(lines[8], `"problems":["attributedBody: typedstream: offset 20: unexpected end of data; text left out"]`) {
		t.Errorf("row 9: %s", lines[8])
	}
	if !strings.Contains(errs, "ibackup: 6 messages were written with problems") ||
		!strings.Contains(errs, "ibackup: problem: message 8: handle_id 999 names no handle: sender unknown") {
		t.Errorf("stderr:\n%s", errs)
	}
}

// TestMessagesUnsupportedExit: a database whose schema the reader does
// not know exits with status 4 and names what is missing.
func TestMessagesUnsupportedExit(t *testing.T) {
	// The AddressBook is an SQLite database without a message table.
	ab := realdata.Path(t, "Unit-21-Homework-Final-Report/AddressBook.sqlitedb")
	for _, cmd := range []string{"messages", "chats"} {
		code, out, errs := runCaptured(t, cmd, "--db", ab)
		if code != exitBackup || out != "" || !strings.Contains(errs, "unsupported schema: no table message") {
			t.Errorf("%s: status %d, output %q, stderr %q", cmd, code, out, errs)
		}
	}
}

// TestChatsTableSafe: the chats table shows a hostile chat name's
// escape sequences, tabs and bidi marks as visible escapes, on one line,
// like every other text the tool prints.
func TestChatsTableSafe(t *testing.T) {
	for in, want := range map[string]string{
		"Family":                  "Family",
		"a\tb":                    `a\tb`,
		"\x1b]52;c;ZXZpbA==\x07x": `\e]52;c;ZXZpbA==\x07x`,
		"invoice\u202Efdp.exe":    `invoice\u{202E}fdp.exe`,
		"line\nbreak\u2028sep":    `line\nbreak\u{2028}sep`,
		"家族グループ":                  "家族グループ",
	} {
		if got := plainText(in); got != want {
			t.Errorf("plainText(%q) = %q, want %q", in, got, want)
		}
	}
}
