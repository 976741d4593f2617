package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	for _, format := range []string{"csv", "text", "android-xml"} {
		out := runOut(t, 0, "messages", "--db", db, "--deleted", "--format", format)
		if !strings.Contains(out, "[deleted: recovered from wal, message page 5 offset ") || !strings.Contains(out, gone) {
			t.Errorf("%s --deleted: recovered messages missing or unmarked", format)
		}
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
	if !strings.Contains(all.String(), "[deleted: recovered from wal, message page 5 offset ") || !strings.Contains(all.String(), gone) {
		t.Error("HTML --deleted: recovered messages missing or unmarked")
	}
}
