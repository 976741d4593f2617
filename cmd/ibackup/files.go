package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/iosbackup/iosbackup/backup"
	"github.com/iosbackup/iosbackup/manifest"
)

// selector is the --domain and --glob filter of files and extract.
type selector struct {
	domain, glob string
}

func (s *selector) register(fset interface {
	StringVar(*string, string, string, string)
}) {
	fset.StringVar(&s.domain, "domain", "", "only entries of this domain (a path.Match pattern: 'AppDomain-*')")
	fset.StringVar(&s.glob, "glob", "", "only entries matching this path.Match pattern: without a '/' it matches the file name ('*.jpg'), with one the whole Domain/relative/path")
}

func (s *selector) check() error {
	for _, p := range []string{s.domain, s.glob} {
		if _, err := path.Match(p, ""); err != nil {
			return usageErr("bad pattern %q: %v", p, err)
		}
	}
	return nil
}

func (s *selector) match(e *manifest.Entry) bool {
	if s.domain != "" {
		if ok, _ := path.Match(s.domain, e.Domain); !ok {
			return false
		}
	}
	if s.glob != "" {
		name := e.Domain + "/" + e.Path
		if !strings.Contains(s.glob, "/") {
			name = path.Base(e.Path) // "*" does not cross "/": match the file name
		}
		if ok, _ := path.Match(s.glob, name); !ok {
			return false
		}
	}
	return true
}

// active reports whether a filter was given.
func (s *selector) active() bool { return s.domain != "" || s.glob != "" }

// warnNoMatch warns that the filter matched no entry.
func (a *app) warnNoMatch(s *selector) {
	var f []string
	if s.domain != "" {
		f = append(f, fmt.Sprintf("--domain %q", s.domain))
	}
	if s.glob != "" {
		f = append(f, fmt.Sprintf("--glob %q", s.glob))
	}
	a.warnf("no entry matches %s; 'ibackup files BACKUP' lists them all", strings.Join(f, " "))
}

// fileJSON is one line of 'ibackup files --json'.
type fileJSON struct {
	FileID          string  `json:"file_id"`
	Domain          string  `json:"domain"`
	Path            string  `json:"path"`
	Kind            string  `json:"kind"`
	Size            int64   `json:"size"`
	Mode            string  `json:"mode"`
	ProtectionClass int     `json:"protection_class"`
	Modified        *string `json:"modified"`
	Target          string  `json:"target,omitempty"`
	Encrypted       bool    `json:"encrypted"`
	Problem         string  `json:"problem,omitempty"`
}

func (a *app) files(args []string) error {
	fset := a.newFlags("files")
	var sec secrets
	var sel selector
	sec.register(fset)
	sel.register(fset)
	asJSON := fset.Bool("json", false, "one JSON object per line")
	pos, err := a.parse(fset, args, 1, 1)
	if err != nil {
		return err
	}
	if err := sel.check(); err != nil {
		return err
	}
	dir := pos[0]
	b, err := openBackup(dir)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := a.unlock(b, dir, &sec, b.Info().ManifestEncrypted); err != nil {
		return err
	}
	enc := json.NewEncoder(jsonWriter{a.stdout})
	enc.SetEscapeHTML(false)
	bad, matched := 0, 0
	for e, err := range b.Entries() {
		if a.ctx.Err() != nil {
			return a.ctx.Err()
		}
		if err != nil {
			return backupError(dir, err)
		}
		if !sel.match(&e.Entry) {
			continue
		}
		matched++
		problem := e.Problem()
		if e.Err != nil {
			bad++
			if problem == "" {
				problem = e.Err.Error()
			}
		}
		if *asJSON {
			j := fileJSON{FileID: e.FileID, Domain: e.Domain, Path: e.Path, Kind: e.Kind.String(), Size: e.Size,
				Mode: fmt.Sprintf("%o", e.Mode), ProtectionClass: e.ProtectionClass, Target: e.Target,
				Encrypted: e.Encrypted(), Problem: problem}
			if !e.Modified.IsZero() {
				s := e.Modified.UTC().Format("2006-01-02T15:04:05.000Z07:00")
				j.Modified = &s
			}
			if err := enc.Encode(&j); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(a.stdout, "%s\t%s\t%s\t%d\t%d\n", safe(e.Domain), safe(e.Path), e.Kind, e.Size, e.ProtectionClass)
	}
	if matched == 0 && sel.active() {
		a.stdout.Flush()
		a.warnNoMatch(&sel)
	}
	if bad > 0 {
		return fail(exitPartial, "%d entries of backup %s could not be decoded completely; they are listed with what could be read", bad, dir)
	}
	return nil
}

func (a *app) extract(args []string) error {
	fset := a.newFlags("extract")
	var sec secrets
	var sel selector
	sec.register(fset)
	sel.register(fset)
	workers := fset.Int("workers", 0, "files decrypted at once (0: one per CPU)")
	pos, err := a.parse(fset, args, 2, 2)
	if err != nil {
		return err
	}
	if err := sel.check(); err != nil {
		return err
	}
	if *workers < 0 {
		return usageErr("--workers must be 0 or more")
	}
	dir, dest := pos[0], pos[1]
	b, err := openBackup(dir)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := a.unlock(b, dir, &sec, true); err != nil {
		return err
	}

	opt := &backup.ExtractOptions{Workers: *workers}
	finishBar := func() {}
	if sel.domain != "" || sel.glob != "" {
		opt.Filter = sel.match
	}
	if f, ok := a.stderr.(*os.File); ok && isTerminal(f) {
		// The total (recorded sizes) is summed by Extract as it runs.
		bar := progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(f),
			progressbar.OptionSetDescription("extracting"),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		opt.Progress = func(p backup.Progress) {
			if total := max(p.TotalBytes, p.Bytes); p.TotalKnown && total != bar.GetMax64() {
				bar.ChangeMax64(total)
			}
			bar.Set64(p.Bytes)
		}
		finishBar = func() { bar.Finish() }
	}
	rep, err := b.Extract(a.ctx, dest, opt)
	finishBar()
	if err != nil {
		if errors.Is(err, context.Canceled) || a.ctx.Err() != nil {
			return fail(exitInterrupted, "interrupted; %s holds what was extracted so far", dest)
		}
		var ee *exitError
		if rep == nil && !errors.As(err, &ee) {
			var pe *os.PathError
			if errors.As(err, &pe) && !errors.Is(err, backup.ErrPasswordRequired) {
				return fail(exitPartial, "cannot write to %s: %v", dest, unwrapPath(err))
			}
		}
		return backupError(dir, err)
	}
	unsafe := 0
	for _, s := range rep.Skipped {
		if s.Reason == backup.SkipUnsafePath {
			unsafe++
		}
		a.warnf("skipped %s/%s (%s): backup: %v", s.Domain, s.Path, s.FileID, s)
	}
	for _, f := range rep.Failed {
		a.warnf("failed %s/%s (%s): %v", f.Domain, f.Path, f.FileID, reason(f.Err))
	}
	linef(a.stdout, "extracted %d files (%s) and %d folders to %s; %d failed, %d skipped (%d unsafe)",
		rep.Files, humanBytes(rep.Bytes), rep.Dirs, dest, len(rep.Failed), len(rep.Skipped), unsafe)
	if rep.Files+rep.Dirs == 0 && len(rep.Failed)+len(rep.Skipped) == 0 && sel.active() {
		a.warnNoMatch(&sel)
	}
	if !rep.OK() {
		return fail(exitPartial, "%d files failed and %d unsafe entries were skipped; the rest is in %s", len(rep.Failed), unsafe, dest)
	}
	return nil
}

// reason is an entry error's cause, with a hint for the common ones.
func reason(err error) string {
	switch {
	case errors.Is(err, backup.ErrMissingPayload):
		return err.Error() + " (the backup folder is incomplete; copy it again if you can)"
	case errors.Is(err, backup.ErrDeviceBound):
		return err.Error() + " (only the phone itself can decrypt it)"
	}
	return err.Error()
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
