package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/backuptest"
)

// ibackupBinary returns a path that runs this test binary as ibackup
// (testscript.Main dispatches on the program name).
func ibackupBinary(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "ibackup")
	if err := os.Symlink(self, bin); err != nil {
		t.Skip("no symlinks:", err)
	}
	return bin
}

// TestInterrupt sends Ctrl-C (SIGINT) to commands stuck on hostile inputs
// (a FIFO where a database, a plist or a payload should be: opening it
// blocks for ever) and checks that each ends within a second with exit
// status 130, leaving no file under its final name and no temporary file.
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	bin := ibackupBinary(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.db")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs:", err)
	}
	// A backup whose Info.plist is a FIFO.
	plistHang := filepath.Join(dir, "plisthang")
	if _, err := backuptest.Write(plistHang, backuptest.Options{Era: backuptest.Era10_2, Seed: 3}, []backuptest.File{
		{Domain: "HomeDomain", Path: "Library/a.txt", Data: []byte("a")},
	}); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(plistHang, "Info.plist"))
	if err := syscall.Mkfifo(filepath.Join(plistHang, "Info.plist"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A backup whose only payload is a FIFO.
	payloadHang := filepath.Join(dir, "payloadhang")
	if _, err := backuptest.Write(payloadHang, backuptest.Options{Era: backuptest.Era10_2, Seed: 4}, []backuptest.File{
		{Domain: "HomeDomain", Path: "Library/big.bin", Data: []byte("payload")},
	}); err != nil {
		t.Fatal(err)
	}
	tree := backuptest.InDir(payloadHang)
	id := backuptest.FileID("HomeDomain", "Library/big.bin")
	pname, err := backuptest.PayloadName(tree, id)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(payloadHang, pname))
	if err := syscall.Mkfifo(filepath.Join(payloadHang, pname), 0o600); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o700)
	cases := []struct {
		name  string
		args  []string
		final string // must not exist afterwards
		twice bool   // a second Ctrl-C right after the first
	}{
		{"messages", []string{"messages", "--db", fifo, "--out", filepath.Join(out, "m.jsonl")}, filepath.Join(out, "m.jsonl"), false},
		{"contacts", []string{"contacts", "--db", fifo, "--format", "csv", "--out", filepath.Join(out, "c.csv")}, filepath.Join(out, "c.csv"), false},
		{"calls", []string{"calls", "--db", fifo, "--out", filepath.Join(out, "k.jsonl")}, filepath.Join(out, "k.jsonl"), true},
		{"files", []string{"files", plistHang}, "", false},
		{"check", []string{"check", plistHang}, "", true},
		{"extract", []string{"extract", payloadHang, filepath.Join(out, "x")}, filepath.Join(out, "x", "HomeDomain", "Library", "big.bin"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The Ctrl-C must come after the process has set up its
			// handler: on a loaded machine (or under -race) start-up can
			// take long, and a Ctrl-C before it ends the process by the
			// signal's default action. Such a run is tried again later.
			var (
				err    error
				sent   time.Time
				stderr strings.Builder
			)
			for _, wait := range []time.Duration{400 * time.Millisecond, 2 * time.Second, 6 * time.Second} {
				stderr.Reset()
				cmd := exec.Command(bin, c.args...)
				cmd.Stderr = &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				select {
				case err := <-done:
					// The input no longer hangs (it is refused up front).
					t.Logf("ended before Ctrl-C: %v: %s", err, stderr.String())
					return
				case <-time.After(wait):
				}
				sent = time.Now()
				cmd.Process.Signal(os.Interrupt)
				if c.twice {
					time.Sleep(50 * time.Millisecond)
					cmd.Process.Signal(os.Interrupt)
				}
				select {
				case err = <-done:
				case <-time.After(10 * time.Second):
					cmd.Process.Kill()
					t.Fatalf("still running 10 s after Ctrl-C; stderr: %s", stderr.String())
				}
				var ee *exec.ExitError
				if errors.As(err, &ee) && ee.ExitCode() == -1 && stderr.Len() == 0 {
					t.Logf("Ctrl-C came before the handler was set up (after %v); again", wait)
					continue
				}
				break
			}
			took := time.Since(sent)
			if err == nil {
				// It finished by itself as the Ctrl-C came: the input was
				// refused up front and no longer hangs.
				t.Logf("ended by itself around the Ctrl-C: %s", stderr.String())
				return
			}
			var ee *exec.ExitError
			if errors.As(err, &ee) && ee.ExitCode() != exitInterrupted && strings.Contains(stderr.String(), "not a regular file") {
				// The FIFO was refused up front, and the refusal raced
				// the Ctrl-C on a loaded machine: no hang either way.
				t.Logf("refused as the Ctrl-C came: %s", stderr.String())
				return
			}
			if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
				t.Fatalf("exit %v, want status %d; stderr: %s", err, exitInterrupted, stderr.String())
			}
			// One second is the goal; the bound allows for a loaded machine.
			if took > 5*time.Second {
				t.Errorf("took %v after Ctrl-C", took)
			}
			t.Logf("ended %v after Ctrl-C", took.Round(time.Millisecond))
			if !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("stderr %q does not say interrupted", stderr.String())
			}
			if c.final != "" {
				if _, err := os.Stat(c.final); err == nil {
					t.Errorf("%s exists after Ctrl-C", c.final)
				}
			}
			filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
				if err == nil && strings.Contains(fi.Name(), ".tmp") {
					t.Errorf("temporary file left: %s", p)
				}
				return nil
			})
		})
	}
}
