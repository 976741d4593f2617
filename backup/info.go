package backup

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sort"
	"time"

	"github.com/iosbackup/iosbackup/internal/plistsafe"
)

// maxPlistSize bounds Info.plist and Manifest.plist, which are read into
// memory (Info.plist holds app icons and iTunes data; real ones are under
// 10 MB).
const maxPlistSize = 64 << 20

// maxStatusPlistSize bounds Status.plist (real ones are about 200 bytes).
const maxStatusPlistSize = 1 << 20

// plistLimits bounds what a root plist may hold before it is decoded:
// real ones nest at most 4 levels deep and hold at most a few thousand
// values (one dictionary per installed app).
func plistLimits(name string) plistsafe.Limits {
	lim := plistsafe.DefaultLimits // depth 128, 2^20 values, 2^16 containers
	lim.MaxSize = maxPlistSize
	if name == "Status.plist" {
		lim.MaxSize = maxStatusPlistSize
	}
	return lim
}

// Info holds the device and backup facts of the root plists. Reading it
// needs no password.
type Info struct {
	DeviceName        string    `json:"device_name"`
	DisplayName       string    `json:"display_name,omitempty"`
	ProductName       string    `json:"product_name,omitempty"`
	ProductType       string    `json:"model"`
	ProductVersion    string    `json:"ios_version"`
	BuildVersion      string    `json:"build"`
	SerialNumber      string    `json:"serial"`
	UDID              string    `json:"udid"`
	IMEI              string    `json:"imei,omitempty"`
	MEID              string    `json:"meid,omitempty"`
	ICCID             string    `json:"iccid,omitempty"`
	PhoneNumber       string    `json:"phone_number,omitempty"`
	GUID              string    `json:"guid,omitempty"`
	ITunesVersion     string    `json:"itunes_version,omitempty"`
	LastBackupDate    time.Time `json:"date"`
	Encrypted         bool      `json:"encrypted"`
	PasscodeSet       bool      `json:"passcode_set"`
	ManifestVersion   string    `json:"manifest_version,omitempty"`
	SystemDomains     string    `json:"system_domains_version,omitempty"`
	InstalledApps     []string  `json:"installed_apps"`
	Apps              []App     `json:"apps,omitempty"`
	Status            *Status   `json:"status"`
	Format            string    `json:"format"` // "Manifest.db" or "Manifest.mbdb"
	Problems          []string  `json:"problems,omitempty"`
	ManifestEncrypted bool      `json:"manifest_encrypted"`
}

// App is an application listed in Manifest.plist.
type App struct {
	BundleID       string `json:"bundle_id"`
	Version        string `json:"version,omitempty"`
	ContainerClass string `json:"container,omitempty"`
	Path           string `json:"path,omitempty"`
}

// Status is Status.plist.
type Status struct {
	Version       string    `json:"version"`
	Date          time.Time `json:"date"`
	IsFullBackup  bool      `json:"full_backup"`
	SnapshotState string    `json:"snapshot_state"`
	BackupState   string    `json:"backup_state"`
	UUID          string    `json:"uuid"`
}

// clone returns a deep copy of in.
func (in *Info) clone() *Info {
	c := *in
	c.InstalledApps = slices.Clone(in.InstalledApps)
	c.Apps = slices.Clone(in.Apps)
	c.Problems = slices.Clone(in.Problems)
	if in.Status != nil {
		st := *in.Status
		c.Status = &st
	}
	return &c
}

type infoPlist struct {
	DeviceName     string    `plist:"Device Name"`
	DisplayName    string    `plist:"Display Name"`
	ProductName    string    `plist:"Product Name"`
	ProductType    string    `plist:"Product Type"`
	ProductVersion string    `plist:"Product Version"`
	BuildVersion   string    `plist:"Build Version"`
	SerialNumber   string    `plist:"Serial Number"`
	UniqueID       string    `plist:"Unique Identifier"`
	TargetID       string    `plist:"Target Identifier"`
	IMEI           string    `plist:"IMEI"`
	MEID           string    `plist:"MEID"`
	ICCID          string    `plist:"ICCID"`
	PhoneNumber    string    `plist:"Phone Number"`
	GUID           string    `plist:"GUID"`
	ITunesVersion  string    `plist:"iTunes Version"`
	LastBackupDate time.Time `plist:"Last Backup Date"`
	InstalledApps  []string  `plist:"Installed Applications"`
}

type manifestPlist struct {
	BackupKeyBag         []byte              `plist:"BackupKeyBag"`
	IsEncrypted          bool                `plist:"IsEncrypted"`
	ManifestKey          []byte              `plist:"ManifestKey"`
	Lockdown             map[string]any      `plist:"Lockdown"`
	Applications         map[string]appPlist `plist:"Applications"`
	Date                 time.Time           `plist:"Date"`
	Version              string              `plist:"Version"`
	SystemDomainsVersion string              `plist:"SystemDomainsVersion"`
	WasPasscodeSet       bool                `plist:"WasPasscodeSet"`
}

type appPlist struct {
	CFBundleIdentifier    string `plist:"CFBundleIdentifier"`
	CFBundleVersion       string `plist:"CFBundleVersion"`
	ContainerContentClass string `plist:"ContainerContentClass"`
	Path                  string `plist:"Path"`
}

type statusPlist struct {
	Version       string    `plist:"Version"`
	Date          time.Time `plist:"Date"`
	IsFullBackup  bool      `plist:"IsFullBackup"`
	SnapshotState string    `plist:"SnapshotState"`
	BackupState   string    `plist:"BackupState"`
	UUID          string    `plist:"UUID"`
}

// readPlist reads and decodes a root plist. A missing file gives an error
// wrapping fs.ErrNotExist; a malformed one a *FormatError.
func readPlist(fsys fs.FS, name string, v any) error {
	lim := plistLimits(name)
	b, err := readSmall(fsys, name, int64(lim.MaxSize))
	if err != nil {
		return err
	}
	if _, err := plistsafe.Unmarshal(name, b, v, lim); err != nil {
		var pe *plistsafe.FormatError
		if errors.As(err, &pe) {
			err = pe.Err // the FormatError names the file already
		}
		return &FormatError{File: name, Offset: -1, Err: err}
	}
	return nil
}

// openRegular opens name after checking, without opening it, that it is a
// regular file (symbolic links inside the folder are followed), and checks
// again on the opened file.
func openRegular(fsys fs.FS, name string) (fs.File, fs.FileInfo, error) {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil, &FormatError{File: name, Offset: -1, Err: fmt.Errorf("%w (%s)", ErrNotRegular, typeName(st.Mode()))}
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, nil, err
	}
	st, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, &FormatError{File: name, Offset: -1, Err: fmt.Errorf("%w (%s)", ErrNotRegular, typeName(st.Mode()))}
	}
	return f, st, nil
}

// typeName names the type of a file that is not regular.
func typeName(m fs.FileMode) string {
	switch t := m.Type(); {
	case t&fs.ModeDir != 0:
		return "a directory"
	case t&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case t&fs.ModeSocket != 0:
		return "a socket"
	case t&fs.ModeCharDevice != 0:
		return "a character device"
	case t&fs.ModeDevice != 0:
		return "a device"
	case t&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "an irregular file"
}

func readSmall(fsys fs.FS, name string, max int64) ([]byte, error) {
	f, st, err := openRegular(fsys, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st.Size() > max {
		return nil, &FormatError{File: name, Offset: -1, Err: fmt.Errorf("file of %d bytes exceeds the %d-byte limit", st.Size(), max)}
	}
	// Read exactly the size the file has now; a file that grows while
	// being read is cut there, one that shrinks is reported.
	buf := make([]byte, st.Size())
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil, &FormatError{File: name, Offset: -1, Err: fmt.Errorf("read: %w", err)}
	}
	return buf, nil
}

func lockdownString(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// buildInfo merges the three plists; Info.plist values win over the
// Lockdown copy in Manifest.plist.
func buildInfo(ip *infoPlist, mp *manifestPlist, sp *statusPlist) *Info {
	in := &Info{}
	if mp != nil {
		in.Encrypted = mp.IsEncrypted
		in.PasscodeSet = mp.WasPasscodeSet
		in.ManifestVersion = mp.Version
		in.SystemDomains = mp.SystemDomainsVersion
		in.ManifestEncrypted = mp.IsEncrypted && len(mp.ManifestKey) > 0
		in.DeviceName = lockdownString(mp.Lockdown, "DeviceName")
		in.ProductType = lockdownString(mp.Lockdown, "ProductType")
		in.ProductVersion = lockdownString(mp.Lockdown, "ProductVersion")
		in.BuildVersion = lockdownString(mp.Lockdown, "BuildVersion")
		in.SerialNumber = lockdownString(mp.Lockdown, "SerialNumber")
		in.UDID = lockdownString(mp.Lockdown, "UniqueDeviceID")
		in.LastBackupDate = mp.Date
		for id, a := range mp.Applications {
			bid := a.CFBundleIdentifier
			if bid == "" {
				bid = id
			}
			in.Apps = append(in.Apps, App{BundleID: bid, Version: a.CFBundleVersion, ContainerClass: a.ContainerContentClass, Path: a.Path})
		}
		sort.Slice(in.Apps, func(i, j int) bool { return in.Apps[i].BundleID < in.Apps[j].BundleID })
	}
	if ip != nil {
		set := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		set(&in.DeviceName, ip.DeviceName)
		in.DisplayName = ip.DisplayName
		in.ProductName = ip.ProductName
		set(&in.ProductType, ip.ProductType)
		set(&in.ProductVersion, ip.ProductVersion)
		set(&in.BuildVersion, ip.BuildVersion)
		set(&in.SerialNumber, ip.SerialNumber)
		set(&in.UDID, ip.UniqueID)
		if in.UDID == "" {
			in.UDID = ip.TargetID
		}
		in.IMEI, in.MEID, in.ICCID, in.PhoneNumber, in.GUID = ip.IMEI, ip.MEID, ip.ICCID, ip.PhoneNumber, ip.GUID
		in.ITunesVersion = ip.ITunesVersion
		if !ip.LastBackupDate.IsZero() {
			in.LastBackupDate = ip.LastBackupDate
		}
		in.InstalledApps = ip.InstalledApps
	}
	if in.InstalledApps == nil {
		for _, a := range in.Apps {
			in.InstalledApps = append(in.InstalledApps, a.BundleID)
		}
	}
	if in.InstalledApps == nil {
		in.InstalledApps = []string{}
	}
	if sp != nil {
		in.Status = &Status{Version: sp.Version, Date: sp.Date, IsFullBackup: sp.IsFullBackup, SnapshotState: sp.SnapshotState, BackupState: sp.BackupState, UUID: sp.UUID}
	}
	in.LastBackupDate = in.LastBackupDate.UTC()
	return in
}
