package main

import (
	"bytes"
	"testing"

	"github.com/iosbackup/iosbackup/internal/demobuild"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	if _, err := demobuild.Write(dir, demobuild.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("IBACKUP_PASSWORD", demobuild.Password)
	var out bytes.Buffer
	if err := run(dir, &out); err != nil {
		t.Fatal(err)
	}
	want := "Demo iPhone, iOS 17.5.1, 2 apps installed\n" +
		"com.example.trails                           0 files          0 bytes\n" +
		"com.example.weather                          1 files        278 bytes\n"
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
