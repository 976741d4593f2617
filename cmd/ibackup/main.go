package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

//go:generate go run ./internal/gendemo testdata/demo

// Exit statuses (spec/CLI.md).
const (
	exitOK       = 0
	exitPartial  = 1
	exitUsage    = 2
	exitPassword = 3
	exitBackup   = 4
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
		{"contacts", "BACKUP|--db FILE [--format jsonl|csv|vcf|text] [--out F]", "every contact", (*app).contacts},
		{"messages", "BACKUP|--db FILE [--format jsonl|csv|html|android-xml|text] [--out F|DIR] [--chat ID]", "every message", (*app).messages},
		{"calls", "BACKUP|--db FILE [--format jsonl|csv|android-xml|text] [--out F]", "every call", (*app).calls},
		{"demo", "[--out DIR]", "a tour of the commands on a sample backup built into ibackup", (*app).demo},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit status.
func run(args []string, stdin, stdout *os.File, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: bufio.NewWriterSize(stdout, 64<<10), stderr: stderr, stdoutFile: stdout}
	code := a.dispatch(args)
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
