package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

//go:generate go run ./internal/gendemo testdata/demo

// Exit statuses (docs/CLI.md).
const (
	exitOK       = 0
	exitPartial  = 1
	exitUsage    = 2
	exitPassword = 3
	exitBackup   = 4
	// exitInterrupted is the status after Ctrl-C (128 + SIGINT), as shells
	// report it.
	exitInterrupted = 130
)

// exitError is an error with the exit status it causes. Its message is the
// whole line printed after "ibackup: ".
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func fail(code int, format string, args ...any) error {
	return &exitError{code: code, msg: fmt.Sprintf(format, args...)}
}

func usageErr(format string, args ...any) error {
	return fail(exitUsage, format, args...)
}

// app holds the streams of one run, so that tests can run commands in
// process.
type app struct {
	stdin  *os.File
	stdout *bufio.Writer
	stderr io.Writer
	// stdoutFile is the unbuffered standard output (for terminal checks).
	stdoutFile *os.File
	// ctx is canceled by Ctrl-C; commands pass it to the library and stop
	// at the next record or file when it is done.
	ctx context.Context
}

type command struct {
	name    string
	args    string
	summary string
	run     func(a *app, args []string) error
}

var commands []*command

func init() {
	commands = []*command{
		{"list", "[DIR]", "the backups under DIR or the default MobileSync folders", (*app).list},
		{"info", "BACKUP [--json]", "device and backup facts (no password needed)", (*app).info},
		{"files", "BACKUP [--domain D] [--glob PATTERN] [--json]", "one line per manifest entry", (*app).files},
		{"extract", "BACKUP DEST [--domain D] [--glob PATTERN] [--workers N]", "decrypt files to DEST/<domain>/<path>", (*app).extract},
		{"key", "BACKUP [--out F]", "print the derived key (for --key-file)", (*app).key},
		{"hash", "BACKUP", "print the $itunes_backup$ line for hashcat and John the Ripper", (*app).hash},
		{"check", "BACKUP", "health report; exit 0 when healthy, 1 otherwise", (*app).check},
		{"contacts", "BACKUP|--db FILE [--format jsonl|csv|vcf|text] [--out F] [--no-bom] [--deleted]", "every contact", (*app).contacts},
		{"messages", "BACKUP|--db FILE [--format jsonl|csv|html|android-xml|text] [--out F|DIR] [--chat ID|NUMBER|NAME] [--tz ZONE] [--no-bom] [--reactions-as-text] [--deleted]", "every message", (*app).messages},
		{"calls", "BACKUP|--db FILE [--format jsonl|csv|android-xml|text] [--out F] [--tz ZONE] [--no-bom] [--all-calls] [--deleted]", "every call", (*app).calls},
		{"chats", "BACKUP|--db FILE [--json]", "one line per conversation: participants, service, count, first and last date", (*app).chats},
		{"calendar", "BACKUP|--db FILE [--format jsonl|csv|ics|text] [--out F|DIR]", "every calendar event (ics: --out DIR writes one file per calendar)", (*app).calendar},
		{"reminders", "BACKUP|--db FILE [--format jsonl|csv|ics|text] [--out F|DIR]", "every reminder (ics: VTODO; --out DIR writes one file per list)", (*app).reminders},
		{"demo", "[--out DIR]", "a tour of the commands on a sample backup built into ibackup", (*app).demo},
	}
}

func main() {
	os.Exit(runMain(os.Args[1:]))
}

// interruptGrace is how long a command has, after Ctrl-C, to stop by
// itself before the process ends anyway (a library call that takes no
// context may be stuck on a hostile input).
const interruptGrace = 700 * time.Millisecond

// exitNow ends the process; tests replace it.
var exitNow = os.Exit

// runMain runs one command line with Ctrl-C handling: the first Ctrl-C
// cancels the command's context (it stops at the next record or file and
// exits with status 130); if it has not stopped after interruptGrace, or
// at a second Ctrl-C, the temporary files are removed and the process
// exits with status 130 at once. Nothing half-written is left under a
// final name either way: output is written under a temporary name and
// renamed when complete.
func runMain(args []string) int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-sigs
		select {
		case <-sigs:
		case <-time.After(interruptGrace):
		}
		removeTemps()
		fmt.Fprintln(os.Stderr, "ibackup: interrupted")
		exitNow(exitInterrupted)
	}()
	return runContext(ctx, args, os.Stdin, os.Stdout, os.Stderr)
}

// run executes one command line and returns the exit status.
func run(args []string, stdin, stdout *os.File, stderr io.Writer) int {
	return runContext(context.Background(), args, stdin, stdout, stderr)
}

// runContext is run under ctx (canceled by Ctrl-C).
func runContext(ctx context.Context, args []string, stdin, stdout *os.File, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: bufio.NewWriterSize(stdout, 64<<10), stderr: stderr, stdoutFile: stdout, ctx: ctx}
	code := a.dispatch(args)
	if ctx.Err() != nil {
		removeTemps()
		return exitInterrupted
	}
	if err := a.stdout.Flush(); err != nil && code == exitOK {
		fmt.Fprintf(stderr, "ibackup: writing output: %s\n", safe(err.Error()))
		code = exitPartial
	}
	return code
}

func (a *app) dispatch(args []string) int {
	if len(args) == 0 {
		a.usage(a.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c := lookup(args[1]); c != nil {
				fmt.Fprintf(a.stdout, "usage: ibackup %s %s\n\n%s\n", c.name, c.args, c.summary)
				return exitOK
			}
		}
		a.usage(a.stdout)
		return exitOK
	}
	c := lookup(name)
	if c == nil {
		a.warnf("unknown command %q; run 'ibackup help' for the list", name)
		return exitUsage
	}
	err := c.run(a, args[1:])
	if a.ctx.Err() != nil {
		a.stdout.Flush()
		var ee *exitError
		if errors.As(err, &ee) && ee.code == exitInterrupted {
			a.warnf("%s", oneLine(ee.msg))
		} else {
			a.warnf("interrupted")
		}
		return exitInterrupted
	}
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errHelp) {
		return exitOK
	}
	var ee *exitError
	if !errors.As(err, &ee) {
		ee = &exitError{code: exitPartial, msg: err.Error()}
	}
	a.stdout.Flush()
	if ee.msg == "" { // already reported (an export's summary line)
		return ee.code
	}
	a.warnf("%s", oneLine(ee.msg))
	if ee.code == exitUsage {
		fmt.Fprintf(a.stderr, "usage: ibackup %s %s\n", c.name, c.args)
	}
	return ee.code
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (a *app) usage(w io.Writer) {
	fmt.Fprintln(w, "ibackup reads iPhone and iPad backups (iTunes/Finder), encrypted or not.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage: ibackup COMMAND [ARGS] [FLAGS]")
	fmt.Fprintln(w)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Encrypted backups: --key-file F, --password-file F, $IBACKUP_PASSWORD, or a prompt on a terminal.")
	fmt.Fprintln(w, "Exit status: 0 ok, 1 partial failure, 2 usage, 3 password problem, 4 not a backup or unreadable.")
	fmt.Fprintln(w, "Start with: ibackup demo")
}

// oneLine keeps an error message on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// temps are the temporary files being written, removed when the process
// is interrupted.
var temps = struct {
	sync.Mutex
	names map[string]bool
}{names: map[string]bool{}}

func addTemp(name string) {
	temps.Lock()
	temps.names[name] = true
	temps.Unlock()
}

func dropTemp(name string) {
	temps.Lock()
	delete(temps.names, name)
	temps.Unlock()
}

func removeTemps() {
	temps.Lock()
	defer temps.Unlock()
	for name := range temps.names {
		_ = os.RemoveAll(name)
		delete(temps.names, name)
	}
}

// writeFileAtomic writes data to name with mode 0600, through a temporary
// file in the same folder renamed when complete (an existing file, or a
// symbolic link, at name is replaced, never written through).
func writeFileAtomic(name string, data []byte) error {
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	addTemp(f.Name())
	defer dropTemp(f.Name())
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
