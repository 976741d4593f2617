package main

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/realdata"
)

// runOut runs ibackup with args and returns its standard output.
func runOut(t *testing.T, want int, args ...string) string {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stderr bytes.Buffer
	if code := run(args, nil, f, &stderr); code != want {
		t.Fatalf("ibackup %v: exit %d, want %d: %s", args, code, want, stderr.String())
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDeletedFlag: --deleted adds the messages recovered from the real
// iOS 5 sms.db's -wal in every format, marked; without it nothing changes.
func TestDeletedFlag(t *testing.T) {
	db := realdata.Path(t, "Presentations", "sms.db")
	const gone = "Hey Johnny. Where did you hide the gun?"
	for _, format := range []string{"jsonl", "csv", "text", "android-xml"} {
		if out := runOut(t, 0, "messages", "--db", db, "--format", format); strings.Contains(out, gone) || strings.Contains(out, `"deleted"`) {
			t.Errorf("%s without --deleted shows recovered messages", format)
		}
	}
	out := runOut(t, 0, "messages", "--db", db, "--deleted")
	var latest []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.Contains(line, `"deleted":true`) && !strings.Contains(line, `"history_of"`) {
			latest = append(latest, line)
		}
	}
	if len(latest) != 6 {
		t.Errorf("%d deleted messages in JSON Lines, want 6", len(latest))
	}
	for _, want := range []string{`"text":"` + gone + `"`, `"recovered":{"source":"wal","database":"` + db + `","table":"message","page":5,"offset":`, `"frame":`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON Lines lacks %s", want)
		}
	}
	// The mark is beside the text, never in it.
	out = runOut(t, 0, "messages", "--db", db, "--deleted", "--format", "text")
	if !strings.Contains(out, "[deleted — recovered from wal, message page 5 offset ") || !strings.Contains(out, ": "+gone+"\n") {
		t.Errorf("text --deleted: recovered messages missing or unmarked:\n%s", out)
	}
	rows := csvRows(t, runOut(t, 0, "messages", "--db", db, "--deleted", "--format", "csv"))
	head := rows[0]
	if n := len(head); n < 2 || head[n-2] != "deleted" || head[n-1] != "recovered" {
		t.Fatalf("CSV header ends %q, want deleted, recovered", head)
	}
	col := slices.Index(head, "text")
	var marked, live int
	for _, r := range rows[1:] {
		del, rec := r[len(r)-2], r[len(r)-1]
		switch {
		case r[col] == gone:
			if del != "true" || !strings.HasPrefix(rec, "wal, message page 5 offset ") {
				t.Errorf("CSV row of %q: deleted %q, recovered %q", gone, del, rec)
			}
			marked++
		case del == "false" && rec == "":
			live++
		}
		if strings.Contains(r[col], "[deleted") {
			t.Errorf("CSV text carries a mark: %q", r[col])
		}
	}
	if marked == 0 || live == 0 {
		t.Errorf("CSV: %d rows of the deleted message, %d live rows", marked, live)
	}
	out = runOut(t, 0, "messages", "--db", db, "--deleted", "--format", "android-xml")
	if !strings.Contains(out, ` body="`+gone+`"`) || strings.Contains(out, "[deleted") {
		t.Errorf("android-xml --deleted: the recovered message is missing or its body altered")
	}
	dir := filepath.Join(t.TempDir(), "html")
	runOut(t, 0, "messages", "--db", db, "--deleted", "--format", "html", "--out", dir)
	var all strings.Builder
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".html") {
			b, _ := os.ReadFile(p)
			all.Write(b)
		}
		return nil
	})
	html := all.String()
	// The bubble of the deleted message: class "deleted", its exact text,
	// and the caption naming the source.
	re := regexp.MustCompile(`<div class="msg[^"]* deleted">.*?<div class="bubble">` + regexp.QuoteMeta(gone) + `</div>.*?<div class="recovered">deleted — recovered from wal, message page 5 offset \d+</div>`)
	if !re.MatchString(html) || strings.Contains(html, "[deleted") || !strings.Contains(html, ".deleted .bubble{border:2px dashed") {
		t.Error("HTML --deleted: recovered messages missing, unmarked or altered")
	}
}

// csvRows parses CSV output (with its byte order mark).
func csvRows(t *testing.T, out string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF"))).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("CSV: %v (%d rows)", err, len(rows))
	}
	return rows
}

// TestDeletedContactsAndCalls: --deleted on contacts and calls, from bare
// databases where rows were deleted as the phone deletes them.
func TestDeletedContactsAndCalls(t *testing.T) {
	var people []dbfixture.Person
	for i := 1; i <= 20; i++ {
		people = append(people, dbfixture.Person{First: fmt.Sprintf("Given%02d", i), Last: "Family",
			Phones: []dbfixture.Value{{Label: dbfixture.SystemLabel("Mobile"), Value: fmt.Sprintf("+1555020%04d", i)}}})
	}
	ab, err := dbfixture.AddressBook(dbfixture.ABiOS9, people...)
	if err != nil {
		t.Fatal(err)
	}
	abPath := delWrite(t, ab, "DELETE FROM ABMultiValue WHERE record_id = 7", "DELETE FROM ABPerson WHERE ROWID = 7")
	if out := runOut(t, 0, "contacts", "--db", abPath); strings.Contains(out, "Given07") {
		t.Error("contacts without --deleted shows the deleted contact")
	}
	out := runOut(t, 0, "contacts", "--db", abPath, "--deleted")
	if !strings.Contains(out, `"first":"Given07"`) || !strings.Contains(out, `"deleted":true,"recovered":{"source":"`) || !strings.Contains(out, `"table":"ABPerson"`) {
		t.Errorf("contacts --deleted: %s", out)
	}
	if out := runOut(t, 0, "contacts", "--db", abPath, "--deleted", "--format", "vcf"); !strings.Contains(out, "FN:Given07 Family\r\n") ||
		!regexp.MustCompile(`\r\nX-IBACKUP-DELETED:(freelist|unallocated|superseded-page|wal)\\, ABPerson page \d+ offset \d+\r\n`).MatchString(out) ||
		strings.Count(out, "X-IBACKUP-") != 1 || strings.Contains(out, "NOTE") {
		t.Errorf("vCard --deleted: %s", out)
	}
	rows := csvRows(t, runOut(t, 0, "contacts", "--db", abPath, "--deleted", "--format", "csv"))
	first, note := slices.Index(rows[0], "first"), slices.Index(rows[0], "note")
	for _, r := range rows[1:] {
		del, rec := r[len(r)-2], r[len(r)-1]
		if want := r[first] == "Given07"; (del == "true") != want || (rec != "") != want || r[note] != "" {
			t.Errorf("contacts CSV row %q: deleted %q, recovered %q, note %q", r[first], del, rec, r[note])
		}
	}
	if out := runOut(t, 0, "contacts", "--db", abPath, "--deleted", "--format", "text"); !regexp.MustCompile(`(?m)^\[deleted — recovered from \S+ ABPerson page \d+ offset \d+\] Given07 Family$`).MatchString(out) {
		t.Errorf("contacts text --deleted:\n%s", out)
	}

	var calls []dbfixture.CallRecord
	for i := 1; i <= 20; i++ {
		calls = append(calls, dbfixture.CallRecord{ID: int64(i), Address: fmt.Sprintf("+1555030%04d", i), Date: time.Date(2024, 1, 1, i, 0, 0, 0, time.UTC), Duration: 60, CallType: 1})
	}
	ch, err := dbfixture.CallHistory(dbfixture.CallsiOS16, calls...)
	if err != nil {
		t.Fatal(err)
	}
	chPath := delWrite(t, ch, "DELETE FROM ZCALLRECORD WHERE Z_PK = 9")
	if out := runOut(t, 0, "calls", "--db", chPath); strings.Contains(out, "+15550300009") {
		t.Error("calls without --deleted shows the deleted call")
	}
	for _, format := range []string{"jsonl", "csv", "text", "android-xml"} {
		out := runOut(t, 0, "calls", "--db", chPath, "--deleted", "--format", format)
		marked := strings.Contains(out, "[deleted — recovered from ")
		if !strings.Contains(out, "+15550300009") || marked != (format == "text") {
			t.Errorf("calls --deleted --format %s: %s", format, out)
		}
	}
	rows = csvRows(t, runOut(t, 0, "calls", "--db", chPath, "--deleted", "--format", "csv"))
	addr, name := slices.Index(rows[0], "address"), slices.Index(rows[0], "name")
	for _, r := range rows[1:] {
		del, rec := r[len(r)-2], r[len(r)-1]
		if want := r[addr] == "+15550300009"; (del == "true") != want || want && !strings.Contains(rec, "ZCALLRECORD page ") || r[name] != "" {
			t.Errorf("calls CSV row %q: deleted %q, recovered %q, name %q", r[addr], del, rec, r[name])
		}
	}
}

// delWrite writes img as a database file, runs stmts on it with
// secure_delete off and returns its path.
func delWrite(t *testing.T, img []byte, stmts ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	if err := os.WriteFile(path, img, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range append([]string{"PRAGMA secure_delete=OFF"}, stmts...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return path
}
