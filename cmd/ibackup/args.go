package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/iosbackup/iosbackup/backup"
)

// errHelp is returned after -h printed a command's usage.
var errHelp = errors.New("help requested")

// newFlags returns a flag set for the command name.
func (a *app) newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args with fs, accepting flags before, between and after
// positional arguments ("ibackup info BACKUP --json"); everything after
// "--" is positional. It returns the positional arguments and checks their
// count is between min and max (max < 0: no limit).
func (a *app) parse(fset *flag.FlagSet, args []string, min, max int) ([]string, error) {
	var pos []string
	for {
		if err := fset.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c := lookup(fset.Name())
				fmt.Fprintf(a.stdout, "usage: ibackup %s %s\n\n%s\n\nflags:\n", c.name, c.args, c.summary)
				fset.SetOutput(a.stdout)
				fset.PrintDefaults()
				return nil, errHelp
			}
			return nil, usageErr("%v", err)
		}
		rest := fset.Args()
		if len(rest) == 0 {
			break
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if len(pos) < min {
		return nil, usageErr("missing argument")
	}
	if max >= 0 && len(pos) > max {
		return nil, usageErr("unexpected argument %q", pos[max])
	}
	return pos, nil
}

// secrets are the flags that supply an encrypted backup's password.
type secrets struct {
	keyFile, passwordFile string
}

func (s *secrets) register(fset *flag.FlagSet) {
	fset.StringVar(&s.keyFile, "key-file", "", "file holding the 64-hex-digit derived key printed by 'ibackup key'")
	fset.StringVar(&s.passwordFile, "password-file", "", "file whose first line is the backup password")
}

// openBackup opens the backup folder dir, mapping errors to exit statuses.
func openBackup(dir string) (*backup.Backup, error) {
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fail(exitBackup, "%s does not exist; give the backup folder (the one holding Manifest.plist)", dir)
		}
		return nil, fail(exitBackup, "cannot read %s: %v; check the path and its permissions", dir, unwrapPath(err))
	}
	if !st.IsDir() {
		return nil, fail(exitBackup, "%s is not a folder; give the backup folder (the one holding Manifest.plist)", dir)
	}
	b, err := backup.Open(dir)
	if err != nil {
		return nil, backupError(dir, err)
	}
	return b, nil
}

// backupError turns a library error about the backup dir into a one-line
// message with what to try, and its exit status. The library never puts a
// secret in its errors, so err can be shown.
func backupError(dir string, err error) error {
	var ee *exitError
	var fe *backup.FormatError
	var ue *backup.UnsupportedError
	switch {
	case errors.As(err, &ee):
		return err
	case errors.Is(err, backup.ErrIncorrectPassword):
		return fail(exitPassword, "incorrect password for backup %s; check the password or use --key-file", dir)
	case errors.Is(err, backup.ErrPasswordRequired):
		return fail(exitPassword, "password required: backup %s is encrypted; set IBACKUP_PASSWORD, use --password-file or --key-file, or run on a terminal to be prompted", dir)
	case errors.Is(err, backup.ErrNotBackup):
		return fail(exitBackup, "%s is not a backup folder (no Manifest.plist, Manifest.db or Manifest.mbdb); give the folder named after the device's UDID", dir)
	case errors.Is(err, backup.ErrTooManyIterations):
		return fail(exitBackup, "backup %s asks for more key-derivation work than allowed (%v); its Manifest.plist is probably damaged", dir, err)
	case errors.As(err, &ue):
		return fail(exitBackup, "backup %s uses something ibackup cannot read yet (%s); please report it", dir, ue.What)
	case errors.As(err, &fe):
		return fail(exitBackup, "unreadable backup %s: %v; run 'ibackup check %s' or copy the backup again", dir, err, dir)
	case errors.Is(err, fs.ErrPermission):
		return fail(exitBackup, "cannot read backup %s: permission denied; on macOS give your terminal Full Disk Access", dir)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fail(exitBackup, "cannot read backup %s: %v; check the folder is complete and readable", dir, err)
	}
	return err
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// unlock unlocks b with the first secret available: --key-file,
// --password-file, $IBACKUP_PASSWORD, then (if required) a prompt when
// standard input is a terminal. When none is available it returns a
// "password required" error if required, else nil (the backup stays
// locked).
func (a *app) unlock(b *backup.Backup, dir string, s *secrets, required bool) error {
	if !b.Encrypted() {
		return nil
	}
	if s.keyFile != "" {
		key, err := readKeyFile(s.keyFile)
		if err != nil {
			return err
		}
		defer clear(key)
		if err := b.UnlockWithKey(key); err != nil {
			if errors.Is(err, backup.ErrIncorrectPassword) {
				return fail(exitPassword, "incorrect password: the key in %s does not unlock backup %s; make it again with 'ibackup key %s --out %s'", s.keyFile, dir, dir, s.keyFile)
			}
			return backupError(dir, err)
		}
		return nil
	}
	pw, err := a.password(dir, s, required)
	if err != nil {
		return err
	}
	if pw == "" {
		if required {
			return backupError(dir, backup.ErrPasswordRequired)
		}
		return nil
	}
	stop := a.spinner("deriving the key")
	err = b.Unlock(a.ctx, pw)
	stop()
	if err != nil {
		if errors.Is(err, backup.ErrIncorrectPassword) && s.passwordFile != "" {
			return fail(exitPassword, "incorrect password (from %s) for backup %s; check the file's first line", s.passwordFile, dir)
		}
		return backupError(dir, err)
	}
	return nil
}

// password returns the password from --password-file, $IBACKUP_PASSWORD or
// (when prompt is set) a prompt, or "" when none is available.
func (a *app) password(dir string, s *secrets, prompt bool) (string, error) {
	if s.passwordFile != "" {
		f, err := os.Open(s.passwordFile)
		if err != nil {
			return "", fail(exitPassword, "password required: cannot read --password-file %s: %v", s.passwordFile, unwrapPath(err))
		}
		defer f.Close()
		line, err := bufio.NewReader(io.LimitReader(f, 64<<10)).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", fail(exitPassword, "password required: cannot read --password-file %s: %v", s.passwordFile, err)
		}
		line = strings.TrimSuffix(line, "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			return "", fail(exitPassword, "password required: the first line of %s is empty", s.passwordFile)
		}
		return line, nil
	}
	if pw := os.Getenv("IBACKUP_PASSWORD"); pw != "" {
		return pw, nil
	}
	if prompt && isTerminal(a.stdin) {
		fmt.Fprintf(a.stderr, "Password for backup %s: ", safe(dir))
		pw, err := term.ReadPassword(int(a.stdin.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", fail(exitPassword, "password required: reading it from the terminal failed: %v", err)
		}
		defer clear(pw)
		return string(pw), nil
	}
	return "", nil
}

// readKeyFile reads a derived key written by 'ibackup key'.
func readKeyFile(name string) ([]byte, error) {
	raw, err := os.ReadFile(name)
	if err != nil {
		return nil, fail(exitPassword, "password required: cannot read --key-file %s: %v", name, unwrapPath(err))
	}
	defer clear(raw)
	h := bytes.TrimSpace(raw)
	key := make([]byte, hex.DecodedLen(len(h)))
	if n, err := hex.Decode(key, h); err != nil || n != 32 {
		clear(key)
		return nil, fail(exitPassword, "incorrect password: --key-file %s does not hold a 64-hex-digit key; make one with 'ibackup key BACKUP --out %s'", name, name)
	}
	return key, nil
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	return f != nil && term.IsTerminal(int(f.Fd()))
}

// spinner shows a spinner with text on standard error when it is a
// terminal, until stop is called.
func (a *app) spinner(text string) (stop func()) {
	f, ok := a.stderr.(*os.File)
	if !ok || !isTerminal(f) {
		return func() {}
	}
	bar := progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(text),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionClearOnFinish(),
	)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			default:
				bar.Add(1)
			}
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		bar.Finish()
	}
}
