package backuptest

import (
	"fmt"
	"strings"

	"howett.net/plist"
)

func (b *builder) marshal(v any) ([]byte, error) {
	f := plist.BinaryFormat
	if b.opts.XMLPlists {
		f = plist.XMLFormat
	}
	out, err := plist.Marshal(v, f)
	if err != nil {
		return nil, fmt.Errorf("backuptest: plist: %w", err)
	}
	return out, nil
}

func (b *builder) appName(id string) string {
	name := id
	if i := strings.LastIndexByte(id, '.'); i >= 0 {
		name = id[i+1:]
	}
	if name == "" {
		name = "App"
	}
	return name
}

func (b *builder) plists() error {
	d := b.dev
	manifestVersion, statusVersion := "10.0", "3.3"
	if b.opts.Era == EraMBDB {
		manifestVersion, statusVersion = "9.1", "2.4"
	}

	apps := map[string]any{}
	for _, id := range d.Apps {
		apps[id] = map[string]any{
			"CFBundleIdentifier":    id,
			"CFBundleVersion":       "1.0",
			"ContainerContentClass": "Data/Application",
			"Path":                  "/var/containers/Bundle/Application/" + b.uuid("app-bundle/"+id) + "/" + b.appName(id) + ".app",
		}
	}
	manifest := map[string]any{
		"BackupKeyBag": b.res.Keybag,
		"IsEncrypted":  b.encrypted,
		"Lockdown": map[string]any{
			"BuildVersion":   d.BuildVersion,
			"DeviceName":     d.Name,
			"ProductType":    d.ProductType,
			"ProductVersion": d.ProductVersion,
			"SerialNumber":   d.Serial,
			"UniqueDeviceID": d.UDID,
		},
		"Applications":         apps,
		"Date":                 d.Date,
		"Version":              manifestVersion,
		"SystemDomainsVersion": "24.0",
		"WasPasscodeSet":       b.opts.PasscodeSet,
	}
	if b.res.ManifestKeyBlob != nil {
		manifest["ManifestKey"] = b.res.ManifestKeyBlob
	}
	mp, err := b.marshal(manifest)
	if err != nil {
		return err
	}
	b.out["Manifest.plist"] = mp

	product := "iPhone"
	if strings.HasPrefix(d.ProductType, "iPad") {
		product = "iPad"
	}
	installed := make([]string, len(d.Apps))
	copy(installed, d.Apps)
	infoApps := map[string]any{}
	for _, id := range d.Apps {
		meta, err := plist.Marshal(map[string]any{"softwareVersionBundleId": id, "itemName": b.appName(id)}, plist.BinaryFormat)
		if err != nil {
			return fmt.Errorf("backuptest: plist: %w", err)
		}
		infoApps[id] = map[string]any{
			"ApplicationSINF": b.rand("sinf/"+id, 16),
			"iTunesMetadata":  meta,
		}
	}
	info := map[string]any{
		"Applications":           infoApps,
		"Build Version":          d.BuildVersion,
		"Device Name":            d.Name,
		"Display Name":           d.Name,
		"GUID":                   strings.ToUpper(b.hexRand("guid", 32)),
		"ICCID":                  d.ICCID,
		"IMEI":                   d.IMEI,
		"Installed Applications": installed,
		"Last Backup Date":       d.Date,
		"Phone Number":           d.PhoneNumber,
		"Product Name":           product,
		"Product Type":           d.ProductType,
		"Product Version":        d.ProductVersion,
		"Serial Number":          d.Serial,
		"Target Identifier":      d.UDID,
		"Target Type":            "Device",
		"Unique Identifier":      strings.ToUpper(d.UDID),
		"iTunes Version":         "12.11.0.26",
	}
	ip, err := b.marshal(info)
	if err != nil {
		return err
	}
	b.out["Info.plist"] = ip

	status := map[string]any{
		"BackupState":   "new",
		"Date":          d.Date,
		"IsFullBackup":  true,
		"SnapshotState": b.opts.SnapshotState,
		"UUID":          b.uuid("status-uuid"),
		"Version":       statusVersion,
	}
	sp, err := b.marshal(status)
	if err != nil {
		return err
	}
	b.out["Status.plist"] = sp
	return nil
}
