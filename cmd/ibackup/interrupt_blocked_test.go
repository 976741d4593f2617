package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/backuptest"
	"github.com/iosbackup/iosbackup/internal/dbfixture"
)

// TestInterruptBlockedOutput sends Ctrl-C to commands that are stuck in a
// call: their standard output is a pipe nobody reads (a pager that was
// left, a stalled consumer), so the write blocks for ever once the pipe
// is full. Each must end within a second or so with exit status 130.
func TestInterruptBlockedOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	bin := ibackupBinary(t)
	dir := t.TempDir()
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	const n = 3000 // enough output to fill a 64 KiB pipe many times

	var msgs []dbfixture.SMSMessage
	for i := range n {
		msgs = append(msgs, dbfixture.SMSMessage{RowID: int64(i + 1), GUID: fmt.Sprintf("G%05d", i), Handle: 1,
			Text: strings.Repeat("a long enough message ", 3), Service: "SMS", Chats: []int64{1},
			Date: t0.Add(time.Duration(i) * time.Minute)})
	}
	sms, err := dbfixture.SMS(dbfixture.SMSiOS14, dbfixture.SMSData{
		Handles:  []dbfixture.SMSHandle{{RowID: 1, ID: "+15551230000"}},
		Chats:    []dbfixture.SMSChat{{RowID: 1, GUID: "SMS;-;+15551230000", Identifier: "+15551230000", Service: "SMS", Handles: []int64{1}}},
		Messages: msgs,
	})
	if err != nil {
		t.Fatal(err)
	}
	var people []dbfixture.Person
	for i := range n {
		people = append(people, dbfixture.Person{First: fmt.Sprintf("Person%04d", i), Last: "Example",
			Created: t0, Modified: t0})
	}
	ab, err := dbfixture.AddressBook(dbfixture.ABiOS15, people...)
	if err != nil {
		t.Fatal(err)
	}
	var calls []dbfixture.CallRecord
	for i := range n {
		calls = append(calls, dbfixture.CallRecord{Address: fmt.Sprintf("+1555123%04d", i), Date: t0.Add(time.Duration(i) * time.Hour),
			Duration: 60, Outgoing: i%2 == 0, Answered: true, CallType: 1})
	}
	ch, err := dbfixture.CallHistory(dbfixture.CallsiOS16, calls...)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	smsPath, abPath, chPath := write("sms.db", sms), write("AddressBook.sqlitedb", ab), write("CallHistory.storedata", ch)

	var files []backuptest.File
	for i := range n {
		files = append(files, backuptest.File{Domain: "HomeDomain", Path: fmt.Sprintf("Library/Many/folder-%02d/file-%04d.txt", i%50, i), Data: []byte("x")})
	}
	many := filepath.Join(dir, "many")
	if _, err := backuptest.Write(many, backuptest.Options{Era: backuptest.Era10_2, Seed: 9}, files); err != nil {
		t.Fatal(err)
	}

	// The same backup with every payload missing: check names each one.
	missing := filepath.Join(dir, "missing")
	res, err := backuptest.Write(missing, backuptest.Options{Era: backuptest.Era10_2, Seed: 9}, files)
	if err != nil {
		t.Fatal(err)
	}
	_ = res
	for i := range n {
		id := backuptest.FileID("HomeDomain", files[i].Path)
		if p, err := backuptest.PayloadName(backuptest.InDir(missing), id); err == nil {
			os.Remove(filepath.Join(missing, p))
		}
	}

	cases := []struct {
		name string
		args []string
	}{
		{"messages", []string{"messages", "--db", smsPath, "--format", "text"}},
		{"contacts", []string{"contacts", "--db", abPath, "--format", "csv"}},
		{"calls", []string{"calls", "--db", chPath}},
		{"files", []string{"files", many, "--json"}},
		{"check", []string{"check", missing}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var stderr strings.Builder
			cmd := exec.Command(bin, c.args...)
			cmd.Stdout = w
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			// Let it fill the pipe and block; then Ctrl-C.
			select {
			case err := <-done:
				t.Fatalf("ended without blocking (%v): %s", err, stderr.String())
			case <-time.After(2 * time.Second):
			}
			sent := time.Now()
			cmd.Process.Signal(os.Interrupt)
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 10 s after Ctrl-C; stderr: %s", stderr.String())
			}
			took := time.Since(sent)
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
				t.Fatalf("exit %v, want status %d; stderr: %s", err, exitInterrupted, stderr.String())
			}
			// One second is the goal; the bound allows for a loaded machine.
			if took > 5*time.Second {
				t.Errorf("took %v after Ctrl-C", took)
			}
			t.Logf("ended %v after Ctrl-C", took.Round(time.Millisecond))
		})
	}
}
