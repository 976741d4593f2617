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
	want := "date,direction,type,number,name,seconds\n" +
		"2024-05-30 09:15:00Z,outgoing,phone,+15550100001,Alice Martin,312.5\n" +
		"2024-05-30 12:40:00Z,missed,phone,+15550100002,Bob Chen,0\n" +
		"2024-05-31 20:05:00Z,incoming,facetime-video,carol@example.org,Carol Diaz,1260\n" +
		"2024-05-31 21:00:00Z,outgoing,facetime-audio,+15550100002,Bob Chen,95\n" +
		"2024-06-01 08:45:00Z,incoming,phone,+15550109999,,42\n"
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
