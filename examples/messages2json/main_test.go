package main

import (
	"bytes"
	"encoding/json"
	"strings"
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
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 10 {
		t.Fatalf("%d lines, want 10:\n%s", len(lines), out.String())
	}
	var m struct {
		GUID     string `json:"guid"`
		Chat     string `json:"chat"`
		ChatName string `json:"chat_name"`
		Sender   string `json:"sender"`
		Text     string `json:"text"`
		Date     string `json:"date"`
		Reaction *struct {
			Type, Target string
		} `json:"reaction"`
	}
	if err := json.Unmarshal([]byte(lines[7]), &m); err != nil {
		t.Fatal(err)
	}
	if m.GUID != "DEMO-MSG-08" || m.Chat != "chat493021847" || m.ChatName != "Hiking Crew" ||
		m.Sender != demobuild.Alice || m.Date != "2024-05-30T18:09:00.000Z" ||
		m.Reaction == nil || m.Reaction.Type != "like" || m.Reaction.Target != "DEMO-MSG-07" {
		t.Errorf("line 8 = %+v (reaction %+v)", m, m.Reaction)
	}
}

func TestUnencrypted(t *testing.T) {
	dir := t.TempDir()
	if _, err := demobuild.Write(dir, demobuild.Options{Unencrypted: true}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("IBACKUP_PASSWORD", "")
	var out bytes.Buffer
	if err := run(dir, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"text":"Your order #1234 is on its way."`) {
		t.Errorf("SMS missing:\n%s", out.String())
	}
}
