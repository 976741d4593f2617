package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/iosbackup/iosbackup/backup"
	"github.com/iosbackup/iosbackup/internal/demobuild"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	if _, err := demobuild.Write(dir, demobuild.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("IBACKUP_PASSWORD", "wrong")
	if err := run(dir, &bytes.Buffer{}); !errors.Is(err, backup.ErrIncorrectPassword) {
		t.Fatalf("wrong password: %v, want ErrIncorrectPassword", err)
	}
	t.Setenv("IBACKUP_PASSWORD", demobuild.Password)
	var out bytes.Buffer
	if err := run(dir, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if n := strings.Count(s, "BEGIN:VCARD\r\n"); n != 4 {
		t.Errorf("%d vCards, want 4:\n%s", n, s)
	}
	for _, want := range []string{"FN:Alice Martin\r\n", "BDAY:1990-04-12\r\n", "NICKNAME:Caz\r\n", "ORG:Tony's Pizza\r\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("no %q in:\n%s", want, s)
		}
	}
}
