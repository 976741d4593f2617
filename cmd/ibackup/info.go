package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/iosbackup/iosbackup/backup"
)

// listed is one line of 'ibackup list --json'.
type listed struct {
	Folder    string    `json:"folder"`
	Device    string    `json:"device_name"`
	Model     string    `json:"model"`
	IOS       string    `json:"ios_version"`
	Date      time.Time `json:"date"`
	Encrypted bool      `json:"encrypted"`
	UDID      string    `json:"udid"`
}

func (a *app) list(args []string) error {
	fset := a.newFlags("list")
	asJSON := fset.Bool("json", false, "one JSON object per backup")
	pos, err := a.parse(fset, args, 0, 1)
	if err != nil {
		return err
	}
	var roots []string
	explicit := len(pos) == 1
	if explicit {
		roots = pos
	} else {
		roots = backup.DefaultDirs()
		if len(roots) == 0 {
			return usageErr("no default backup folder on %s; give the folder that holds your backups", runtime.GOOS)
		}
	}
	var found []listed
	var looked []string
	for _, root := range roots {
		st, err := os.Stat(root)
		if err != nil || !st.IsDir() {
			if explicit {
				if err == nil || errors.Is(err, fs.ErrNotExist) {
					return fail(exitBackup, "%s is not a folder; give the folder that holds your backups", root)
				}
				return fail(exitBackup, "cannot read %s: %v", root, unwrapPath(err))
			}
			continue
		}
		looked = append(looked, root)
		for f, err := range backup.Find(root) {
			if f == nil {
				if errors.Is(err, fs.ErrPermission) {
					return fail(exitBackup, "cannot list %s: permission denied; on macOS give your terminal Full Disk Access", root)
				}
				return fail(exitBackup, "cannot list %s: %v", root, unwrapPath(err))
			}
			if err != nil {
				a.warnf("cannot read backup %s: %v", f.Dir, err)
				continue
			}
			in := f.Info
			found = append(found, listed{Folder: f.Dir, Device: in.DeviceName, Model: in.ProductType,
				IOS: in.ProductVersion, Date: in.LastBackupDate, Encrypted: in.Encrypted, UDID: in.UDID})
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Folder < found[j].Folder })
	if *asJSON {
		enc := json.NewEncoder(jsonWriter{a.stdout})
		enc.SetEscapeHTML(false)
		for _, l := range found {
			l.Date = l.Date.UTC()
			if err := enc.Encode(l); err != nil {
				return err
			}
		}
		return nil
	}
	if len(found) == 0 {
		where := strings.Join(roots, ", ")
		if len(looked) == 0 {
			where += " (not present)"
		}
		a.warnf("no backups found in %s", where)
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, l := range found {
		enc := "not encrypted"
		if l.Encrypted {
			enc = "encrypted"
		}
		fmt.Fprintf(tw, "%s\t%s\tiOS %s\t%s\t%s\n", safe(l.Folder), safe(orDash(l.Device)), safe(orDash(l.IOS)), fmtDate(l.Date), enc)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// fmtDate shows a date in the local zone, for people.
func fmtDate(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

func (a *app) info(args []string) error {
	fset := a.newFlags("info")
	asJSON := fset.Bool("json", false, "print the facts as one JSON object")
	pos, err := a.parse(fset, args, 1, 1)
	if err != nil {
		return err
	}
	b, err := openBackup(pos[0])
	if err != nil {
		return err
	}
	defer b.Close()
	in := b.Info()
	if *asJSON {
		c := *in
		c.LastBackupDate = c.LastBackupDate.UTC()
		if c.InstalledApps == nil {
			c.InstalledApps = []string{}
		}
		if c.Status != nil {
			s := *c.Status
			s.Date = s.Date.UTC()
			c.Status = &s
		}
		enc := json.NewEncoder(jsonWriter{a.stdout})
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(&c)
	}
	a.printInfo(pos[0], in)
	return nil
}

func (a *app) printInfo(dir string, in *backup.Info) {
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, safe(v))
		}
	}
	row("Backup", dir)
	row("Device name", orDash(in.DeviceName))
	model := in.ProductType
	if in.ProductName != "" {
		model = in.ProductName + " (" + in.ProductType + ")"
	}
	row("Model", orDash(model))
	ver := in.ProductVersion
	if in.BuildVersion != "" {
		ver += " (" + in.BuildVersion + ")"
	}
	row("iOS version", orDash(ver))
	row("Serial number", in.SerialNumber)
	row("UDID", in.UDID)
	row("IMEI", in.IMEI)
	row("MEID", in.MEID)
	row("Phone number", in.PhoneNumber)
	row("Last backup", fmtDate(in.LastBackupDate))
	row("Encrypted", yesNo(in.Encrypted))
	row("Passcode set", yesNo(in.PasscodeSet))
	state := "-"
	if in.Status != nil {
		state = orDash(in.Status.SnapshotState)
		if in.Status.IsFullBackup {
			state += " (full backup)"
		}
	}
	row("Snapshot state", state)
	row("Manifest", orDash(in.Format))
	apps := in.InstalledApps
	if len(apps) == 0 {
		for _, app := range in.Apps {
			apps = append(apps, app.BundleID)
		}
	}
	row("Installed apps", fmt.Sprint(len(apps)))
	tw.Flush()
	for _, app := range apps {
		linef(a.stdout, "  %s", app)
	}
	for _, p := range in.Problems {
		linef(a.stdout, "Problem: %s", p)
	}
}
