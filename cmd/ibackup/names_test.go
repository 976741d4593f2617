package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/backuptest"
	"github.com/iosbackup/iosbackup/internal/dbfixture"
)

// cjkBackup writes an unencrypted backup of a phone in Japan holding the
// CJK fixture: contacts with full-width and national numbers, and calls
// and messages from their numbers in E.164 form.
func cjkBackup(t *testing.T) string {
	t.Helper()
	ab, err := dbfixture.AddressBook(dbfixture.ABiOS15, dbfixture.CJKPeople()...)
	if err != nil {
		t.Fatal(err)
	}
	calls, err := dbfixture.CallHistory(dbfixture.CallsiOS16, dbfixture.CJKCalls()...)
	if err != nil {
		t.Fatal(err)
	}
	sms, err := dbfixture.SMS(dbfixture.SMSiOS18, dbfixture.CJKMessages())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "backup")
	_, err = backuptest.Write(dir, backuptest.Options{Era: backuptest.Era10_2,
		Device: backuptest.DeviceInfo{Name: "山田のiPhone", PhoneNumber: dbfixture.CJKOwnNumber, Date: dbfixture.CJKT0.Add(30 * 24 * time.Hour)}},
		[]backuptest.File{
			{Domain: "HomeDomain", Path: "Library/AddressBook/AddressBook.sqlitedb", Data: ab},
			{Domain: "HomeDomain", Path: "Library/CallHistoryDB/CallHistory.storedata", Data: calls},
			{Domain: "HomeDomain", Path: "Library/SMS/sms.db", Data: sms},
		})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// ibackupOut runs the tool and returns its standard output, failing on a
// non-zero exit status.
func ibackupOut(t *testing.T, args ...string) string {
	t.Helper()
	out, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	var stderr bytes.Buffer
	if code := run(args, nil, out, &stderr); code != 0 {
		t.Fatalf("ibackup %q: exit %d: %s", args, code, stderr.String())
	}
	b, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The names of contacts (family name first for CJK) in every format of
// calls and messages: name / sender_name in JSON Lines and CSV, and the
// same names in text, HTML and Android XML. The contacts' numbers are
// written in full-width digits and national format; the calls and
// messages carry E.164 numbers; the phone's region (JP) comes from its own
// number in Info.plist.
func TestNamesInEveryFormat(t *testing.T) {
	dir := cjkBackup(t)
	want := []string{"山田 太郎", "王小明", "김민수", "John Smith", "株式会社テスト", ""}

	// Calls, JSON Lines: name is null for the unknown caller.
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(ibackupOut(t, "calls", dir)), "\n") {
		var v struct{ Name *string }
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatal(err)
		}
		if v.Name == nil {
			got = append(got, "")
		} else {
			if *v.Name == "" {
				t.Errorf("empty name instead of null: %s", line)
			}
			got = append(got, *v.Name)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("calls jsonl names = %q, want %q", got, want)
	}
	// Calls, CSV.
	if got := csvColumn(t, ibackupOut(t, "calls", dir, "--format", "csv"), "name"); !slices.Equal(got, want) {
		t.Errorf("calls csv names = %q, want %q", got, want)
	}
	// Calls, text and Android XML.
	text := ibackupOut(t, "calls", dir, "--format", "text")
	xml := ibackupOut(t, "calls", dir, "--format", "android-xml")
	for _, n := range want[:5] {
		if !strings.Contains(text, n+" (+") {
			t.Errorf("calls text lacks %q:\n%s", n, text)
		}
		if !strings.Contains(xml, `contact_name="`+n+`"`) {
			t.Errorf("calls android-xml lacks %q:\n%s", n, xml)
		}
	}

	// Messages, JSON Lines: sender_name, null for the phone's own message
	// and for the unknown sender.
	got = nil
	for _, line := range strings.Split(strings.TrimSpace(ibackupOut(t, "messages", dir)), "\n") {
		var v struct {
			FromMe     bool    `json:"from_me"`
			SenderName *string `json:"sender_name"`
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatal(err)
		}
		if v.FromMe {
			if v.SenderName != nil {
				t.Errorf("own message has sender_name %q", *v.SenderName)
			}
			continue
		}
		if v.SenderName == nil {
			got = append(got, "")
		} else {
			got = append(got, *v.SenderName)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("messages jsonl sender_name = %q, want %q", got, want)
	}
	// Messages, CSV (the phone's own message is "Me").
	csvNames := csvColumn(t, ibackupOut(t, "messages", dir, "--format", "csv"), "sender_name")
	if i := slices.Index(csvNames, "Me"); i >= 0 {
		csvNames = slices.Delete(csvNames, i, i+1)
	}
	if !slices.Equal(csvNames, want) {
		t.Errorf("messages csv sender_name = %q, want %q", csvNames, want)
	}
	// Messages, text, Android XML and HTML.
	text = ibackupOut(t, "messages", dir, "--format", "text")
	xml = ibackupOut(t, "messages", dir, "--format", "android-xml")
	html := filepath.Join(t.TempDir(), "html")
	ibackupOut(t, "messages", dir, "--format", "html", "--out", html)
	var pages strings.Builder
	files, _ := filepath.Glob(filepath.Join(html, "*.html"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		pages.Write(b)
	}
	for _, n := range want[:5] {
		if !strings.Contains(text, n+": こんにちは") {
			t.Errorf("messages text lacks %q:\n%s", n, text)
		}
		if !strings.Contains(xml, `contact_name="`+n+`"`) {
			t.Errorf("messages android-xml lacks %q", n)
		}
		if !strings.Contains(pages.String(), n) {
			t.Errorf("messages html lacks %q", n)
		}
	}

	// Contacts: text and vCard FN in the same order.
	text = ibackupOut(t, "contacts", dir, "--format", "text")
	vcf := ibackupOut(t, "contacts", dir, "--format", "vcf")
	for _, n := range want[:5] {
		if !strings.Contains(text, n) {
			t.Errorf("contacts text lacks %q", n)
		}
		if !strings.Contains(vcf, "\r\nFN:"+n+"\r\n") {
			t.Errorf("vCard lacks FN:%s", n)
		}
	}
	if strings.Contains(vcf, "FN:太郎 山田") {
		t.Error("vCard has the given name first")
	}
}

// csvColumn returns the cells of the named column, header excluded.
func csvColumn(t *testing.T, data, name string) []string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(data, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.Index(rows[0], name)
	if i < 0 {
		t.Fatalf("no column %q in %q", name, rows[0])
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

// ibackupRun runs the tool and returns its exit status, standard output
// and standard error.
func ibackupRun(t *testing.T, args ...string) (int, string, string) {
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

// A database whose schema the reader does not know is refused with exit
// status 4 and the table and columns named; records with damaged parts
// are written, listed, and give exit status 1.
func TestContactsCallsRefuseAndPartial(t *testing.T) {
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls.db")
	if err := os.WriteFile(calls, mustBytes(t)(dbfixture.AddressBook(dbfixture.ABiOS15, dbfixture.CJKPeople()...)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := ibackupRun(t, "calls", "--db", calls)
	if code != 4 || out != "" || !strings.Contains(errOut, "unsupported schema: table ZCALLRECORD lacks columns ZADDRESS, ZDATE") {
		t.Errorf("address book as calls: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	ab := filepath.Join(dir, "AddressBook.sqlitedb")
	people := dbfixture.CJKPeople()
	people[1].Created = time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC) // cannot be right
	if err := os.WriteFile(ab, mustBytes(t)(dbfixture.AddressBook(dbfixture.ABiOS15, people...)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = ibackupRun(t, "contacts", "--db", ab)
	if code != 1 || strings.Count(out, "\n") != 5 || !strings.Contains(errOut, "1 contacts were written with problems") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, `"created":null,`) || !strings.Contains(out, `"problems":["created: -63158400 is not a plausible date (before 2007: 1999-01-01T00:00:00Z)"]`) {
		t.Errorf("stdout:\n%s", out)
	}
	code, out, _ = ibackupRun(t, "contacts", "--db", ab, "--format", "text")
	if code != 1 || !strings.Contains(out, "王小明\n    phone    Mobile: +86 138 1234 5678\n    problem  created: ") {
		t.Errorf("text: exit %d:\n%s", code, out)
	}
}

func mustBytes(t *testing.T) func([]byte, error) []byte {
	return func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}
