package backuptest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"howett.net/plist"

	"github.com/iosbackup/iosbackup/internal/aeskw"
	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

var hex40 = regexp.MustCompile(`^([0-9a-f]{2}/)?[0-9a-f]{40}$`)

func hostileFiles() []File {
	return []File{
		{Domain: "AppDomain-../..", Path: "Library/x", Data: []byte("dom")},
		{Domain: "HomeDomain", Path: "../../../etc/passwd", Data: []byte("rel")},
		{Domain: "HomeDomain", Path: "/etc/passwd", Data: []byte("abs")},
		{Domain: "HomeDomain", Path: "a\x00b", Data: []byte("nul")},
		{Domain: "HomeDomain", Path: "Library/escape", Kind: KindSymlink, Target: "../../../../../../etc"},
		{Domain: "HomeDomain", Path: "Library/SMS/sms.db-wal", Data: []byte("WAL bytes")},
	}
}

func TestHostileFilesStayInside(t *testing.T) {
	for _, era := range allEras {
		dir := t.TempDir()
		r, err := Write(filepath.Join(dir, "bk"), Options{Era: era, Encrypted: true}, hostileFiles())
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(filepath.Join(dir, "bk"), p)
			rel = filepath.ToSlash(rel)
			if strings.HasPrefix(rel, "..") {
				t.Errorf("%v: file outside the backup: %s", era, p)
			}
			if !strings.HasSuffix(rel, ".plist") && !strings.HasPrefix(rel, "Manifest.") && !hex40.MatchString(rel) {
				t.Errorf("%v: unexpected payload name %q", era, rel)
			}
			n++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != 3+1+5 { // plists, manifest, 5 regular files
			t.Errorf("%v: %d files written", era, n)
		}
		wal, ok := r.Entry(FileID("HomeDomain", "Library/SMS/sms.db-wal"))
		if !ok || string(wal.Data) != "WAL bytes" || wal.Size != 9 {
			t.Errorf("%v: WAL entry %+v", era, wal)
		}
		if era == EraMBDB {
			recs := parseMBDB(t, r.MBDB)
			if recs[0].domain != "AppDomain-../.." || recs[4].path != "/etc/passwd" || recs[5].path != "a\x00b" || string(recs[6].target) != "../../../../../../etc" {
				t.Errorf("mbdb hostile records %+v", recs)
			}
			continue
		}
		rows := readDB(t, r.ManifestDB)
		if rows[3].path != "../../../etc/passwd" || rows[5].path != "a\x00b" || rows[5].id != FileID("HomeDomain", "a\x00b") {
			t.Errorf("%v: hostile rows %q %q", era, rows[3].path, rows[5].path)
		}
	}
}

func TestRawRows(t *testing.T) {
	garbage := []byte("bplist00\xff\xff garbage")
	raw := []RawRow{
		{FileID: smsID, Domain: "HomeDomain", Path: "Library/SMS/sms.db", Flags: 1}, // duplicate, NULL file
		{FileID: "not-a-file-id", Domain: "HomeDomain", Path: "x", Flags: 1, File: garbage, Payload: []byte("p")},
		{FileID: "ffffffffffffffffffffffffffffffffffffffff", NullDomain: true, NullPath: true, NullFlags: true, File: []byte{}},
		{NullFileID: true, Domain: "HomeDomain", Path: "y", Flags: 16},
	}
	m, r, err := Build(Options{Era: Era10_2, Encrypted: true, Raw: raw}, sampleFiles()[:2])
	if err != nil {
		t.Fatal(err)
	}
	rows := readDB(t, r.ManifestDB)
	if len(rows) != 3+4 {
		t.Fatalf("%d rows", len(rows))
	}
	if rows[3].id != smsID || rows[3].file != nil || rows[2].id != smsID || rows[2].file == nil {
		t.Errorf("duplicate rows %+v %+v", rows[2], rows[3])
	}
	if rows[4].id != "not-a-file-id" || !bytes.Equal(rows[4].file, garbage) {
		t.Errorf("garbage row %+v", rows[4])
	}
	if rows[5].domain != "" || rows[5].path != "" || rows[5].flags != 0 || rows[5].file == nil || len(rows[5].file) != 0 {
		t.Errorf("null row %+v", rows[5])
	}
	if rows[6].id != "" || rows[6].flags != 16 {
		t.Errorf("null fileID row %+v", rows[6])
	}
	if string(m["no/not-a-file-id"].Data) != "p" {
		t.Errorf("raw payload not written: %v", m["no/not-a-file-id"])
	}
	db, err := sqlitemem.Open(r.ManifestDB, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var schema string
	if err := db.QueryRow("SELECT sql FROM sqlite_master WHERE name = 'Files'").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(schema, "PRIMARY KEY") {
		t.Errorf("duplicate fileIDs but schema %q", schema)
	}
	// Without duplicates the real schema is kept.
	_, r, err = Build(Options{Era: Era10_1}, sampleFiles()[:2])
	if err != nil {
		t.Fatal(err)
	}
	db2, err := sqlitemem.Open(r.ManifestDB, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if err := db2.QueryRow("SELECT sql FROM sqlite_master WHERE name = 'Files'").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if schema != "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)" {
		t.Errorf("schema %q", schema)
	}

	// MBDB: a verbatim record and a built one.
	rec := []byte("\x00\x01D\xff\xff") // truncated record
	_, r, err = Build(Options{Era: EraMBDB, Raw: []RawRow{{Domain: "AppDomain-..", Path: "../x", Flags: 2}, {Record: rec}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(r.MBDB, rec) {
		t.Error("raw record not appended")
	}
	recs := parseMBDB(t, r.MBDB[:len(r.MBDB)-len(rec)])
	if len(recs) != 1 || recs[0].domain != "AppDomain-.." || recs[0].path != "../x" || recs[0].mode != ModeDir {
		t.Errorf("raw mbdb records %+v", recs)
	}
}

func TestKeybagDamage(t *testing.T) {
	_, r, err := Build(Options{Era: Era10_2, Encrypted: true, Keybag: KeybagOptions{NoClassKeys: true}}, sampleFiles()[:3])
	if err != nil {
		t.Fatal(err)
	}
	if kb := parseKeybag(t, r.Keybag); len(kb.classes) != 0 || kb.u32("DPIC") != 10 {
		t.Errorf("NoClassKeys: %d classes", len(kb.classes))
	}
	if len(r.ClassKeys) != 0 {
		t.Errorf("ClassKeys %v", r.ClassKeys)
	}
	if e, _ := r.Entry(smsID); len(e.WrappedKey) != 44 {
		t.Errorf("file key not written without class keys")
	}

	_, r, err = Build(Options{Era: EraMBDB, Encrypted: true, Keybag: KeybagOptions{ITER: 1 << 31, DPIC: 5, ForceDP: true, Version: 4}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kb := parseKeybag(t, r.Keybag)
	if kb.u32("ITER") != 1<<31 || kb.u32("DPIC") != 5 || kb.u32("VERS") != 4 || len(kb.header["DPSL"]) != 20 {
		t.Errorf("overrides: ITER %d DPIC %d VERS %d", kb.u32("ITER"), kb.u32("DPIC"), kb.u32("VERS"))
	}
	want, _ := DeriveKEK("test", kb.header["SALT"], 10, true, kb.header["DPSL"], 10)
	if !bytes.Equal(r.KEK, want) {
		t.Error("KEK not derived from Options.Iterations/DPIC")
	}

	giant := GiantTLV("WPKY", 0xFFFFFFF0)
	if !bytes.Equal(giant, []byte("WPKY\xff\xff\xff\xf0")) {
		t.Errorf("GiantTLV %x", giant)
	}
	_, r, err = Build(Options{Era: Era10_1, Encrypted: true, Keybag: KeybagOptions{Extra: giant}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(r.Keybag, giant) || binary.BigEndian.Uint32(r.Keybag[len(r.Keybag)-4:]) != 0xFFFFFFF0 {
		t.Error("giant TLV not appended")
	}
	if kb := parseKeybag(t, r.Keybag[:len(r.Keybag)-8]); len(kb.classes) != 11 || kb.header["DPSL"] != nil {
		t.Errorf("Era10_1 keybag: %d classes, DPSL %x", len(kb.classes), kb.header["DPSL"])
	}

	m, _, err := Build(Options{Era: Era10_2, Keybag: KeybagOptions{Raw: TLVU32("VERS", 9)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mp struct{ BackupKeyBag []byte }
	if _, err := plist.Unmarshal(m["Manifest.plist"].Data, &mp); err != nil || !bytes.Equal(mp.BackupKeyBag, []byte("VERS\x00\x00\x00\x04\x00\x00\x00\x09")) {
		t.Errorf("raw keybag %x %v", mp.BackupKeyBag, err)
	}
}

func TestFileDamage(t *testing.T) {
	stale := int64(5)
	files := []File{
		{Domain: "HomeDomain", Path: "wrongclass", Data: []byte("w"), Class: 3, KeyClass: 1},
		{Domain: "HomeDomain", Path: "badkey", Data: []byte("b"), BadWrappedKey: true},
		{Domain: "HomeDomain", Path: "devicebound", Data: []byte("d"), Class: 9},
		{Domain: "HomeDomain", Path: "nokey", Data: []byte("plain"), NoKey: true},
		{Domain: "HomeDomain", Path: "nopayload", Data: []byte("gone"), NoPayload: true},
		{Domain: "HomeDomain", Path: "stale", Data: []byte("longer than five"), RecordedSize: &stale},
		{Domain: "HomeDomain", Path: "custom", Data: []byte("c"), Payload: []byte("not ciphertext")},
	}
	m, r, err := Build(Options{Era: Era10_2, Encrypted: true, NoDomainRoots: true}, files)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Entries) != len(files) {
		t.Fatalf("%d entries (NoDomainRoots)", len(r.Entries))
	}
	get := func(p string) ResultEntry { e, _ := r.Entry(FileID("HomeDomain", p)); return e }

	w := get("wrongclass")
	if binary.LittleEndian.Uint32(w.WrappedKey) != 1 || w.Class != 3 {
		t.Errorf("wrongclass prefix %x class %d", w.WrappedKey[:4], w.Class)
	}
	if _, err := aeskw.Unwrap(r.ClassKeys[1], w.WrappedKey[4:]); !errors.Is(err, aeskw.ErrIntegrity) {
		t.Errorf("wrongclass unwraps with class 1: %v", err)
	}
	if k, err := aeskw.Unwrap(r.ClassKeys[3], w.WrappedKey[4:]); err != nil || !bytes.Equal(k, w.FileKey) {
		t.Errorf("wrongclass does not unwrap with class 3: %v", err)
	}
	b := get("badkey")
	if _, err := aeskw.Unwrap(r.ClassKeys[3], b.WrappedKey[4:]); !errors.Is(err, aeskw.ErrIntegrity) {
		t.Errorf("badkey unwraps: %v", err)
	}
	if d := get("devicebound"); binary.LittleEndian.Uint32(d.WrappedKey) != 9 || r.ClassWrap[9] != 3 {
		t.Errorf("devicebound class %d wrap %d", d.Class, r.ClassWrap[9])
	}
	nk := get("nokey")
	if nk.WrappedKey != nil || string(m[nk.PayloadName].Data) != "plain" {
		t.Errorf("nokey %+v", nk)
	}
	rows := readDB(t, r.ManifestDB)
	if _, root := decodeArchive(t, rows[3].file); root["EncryptionKey"] != nil {
		t.Error("nokey has EncryptionKey")
	}
	if np := get("nopayload"); np.PayloadName != "" || m[np.FileID[:2]+"/"+np.FileID] != nil {
		t.Errorf("nopayload written")
	}
	if _, root := decodeArchive(t, rows[5].file); root["Size"] != uint64(5) {
		t.Errorf("stale size %v", root["Size"])
	}
	if c := get("custom"); string(m[c.PayloadName].Data) != "not ciphertext" {
		t.Errorf("custom payload %q", m[c.PayloadName].Data)
	}
}

func TestExtraOmitMutate(t *testing.T) {
	m, _, err := Build(Options{Era: Era10_2, SnapshotState: "uploading",
		Extra: map[string][]byte{"Snapshot/Manifest.plist": []byte("x"), "Manifest.db-wal": {}},
		Omit:  []string{"Info.plist"},
		Mutate: func(name string, b []byte) []byte {
			if name == "Status.plist" {
				return append([]byte(nil), b[:10]...)
			}
			return b
		}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m["Info.plist"] != nil || string(m["Snapshot/Manifest.plist"].Data) != "x" || m["Manifest.db-wal"] == nil || len(m["Status.plist"].Data) != 10 {
		t.Errorf("extra/omit/mutate not applied: %v", m)
	}
	_, _, err = Build(Options{Extra: map[string][]byte{"../evil": nil}}, nil)
	if !errors.Is(err, ErrOption) {
		t.Errorf("escaping Extra accepted: %v", err)
	}
}

func TestDamageHelpers(t *testing.T) {
	for _, inDir := range []bool{false, true} {
		opts := Options{Era: Era10_2, Encrypted: true}
		var tree Tree
		var r *Result
		if inDir {
			dir := t.TempDir()
			res, err := Write(dir, opts, sampleFiles())
			if err != nil {
				t.Fatal(err)
			}
			tree, r = InDir(dir), res
		} else {
			fsys, res, err := Build(opts, sampleFiles())
			if err != nil {
				t.Fatal(err)
			}
			tree, r = InMap(fsys), res
		}
		if n, err := PayloadName(tree, smsID); err != nil || n != "3d/"+smsID {
			t.Fatalf("PayloadName %q %v", n, err)
		}
		if err := TruncatePayload(tree, smsID, 20); err != nil {
			t.Fatal(err)
		}
		if b, _ := tree.ReadFile("3d/" + smsID); len(b) != 20 {
			t.Errorf("truncated to %d", len(b))
		}
		if err := TruncatePayload(tree, smsID, 21); !errors.Is(err, ErrOption) {
			t.Errorf("truncate beyond end: %v", err)
		}
		if err := CorruptPadding(tree, r, abID); err != nil {
			t.Fatal(err)
		}
		ab, _ := r.Entry(abID)
		ct, _ := tree.ReadFile(ab.PayloadName)
		pt, _ := decryptCBC(ab.FileKey, ct)
		if len(ct) != 96 || pt[len(pt)-1] != 0 || !bytes.Equal(pt[:80], ab.Data) {
			t.Errorf("CorruptPadding: %d bytes, last %d", len(ct), pt[len(pt)-1])
		}
		if err := RemovePayload(tree, logID); err != nil {
			t.Fatal(err)
		}
		if _, err := PayloadName(tree, logID); !errors.Is(err, ErrNotFound) {
			t.Errorf("removed payload still found: %v", err)
		}
		if err := RemovePayload(tree, logID); !errors.Is(err, ErrNotFound) {
			t.Errorf("second remove: %v", err)
		}
		if _, err := PayloadName(tree, "../../etc"); !errors.Is(err, ErrOption) {
			t.Errorf("unsafe fileID accepted: %v", err)
		}
		if err := CorruptManifestDB(tree); err != nil {
			t.Fatal(err)
		}
		if b, _ := tree.ReadFile("Manifest.db"); len(b) != 4096 || sqlitemem.IsSQLite(b) || !bytes.Equal(b, Garbage(4096)) {
			t.Error("CorruptManifestDB")
		}
		if err := EditPlist(tree, "Info.plist", func(d map[string]any) { delete(d, "IMEI"); d["Device Name"] = "Edited" }); err != nil {
			t.Fatal(err)
		}
		var info map[string]any
		b, _ := tree.ReadFile("Info.plist")
		if _, err := plist.Unmarshal(b, &info); err != nil || info["Device Name"] != "Edited" || info["IMEI"] != nil || info["Product Version"] != "17.5" {
			t.Errorf("EditPlist: %v %v", info, err)
		}
		if err := ReplaceKeybag(tree, []byte("junk")); err != nil {
			t.Fatal(err)
		}
		var mp struct {
			BackupKeyBag []byte
			ManifestKey  []byte
		}
		b, _ = tree.ReadFile("Manifest.plist")
		if _, err := plist.Unmarshal(b, &mp); err != nil || string(mp.BackupKeyBag) != "junk" || !bytes.Equal(mp.ManifestKey, r.ManifestKeyBlob) {
			t.Errorf("ReplaceKeybag: %q %v", mp.BackupKeyBag, err)
		}
		if err := CorruptManifestPlist(tree); err != nil {
			t.Fatal(err)
		}
		b, _ = tree.ReadFile("Manifest.plist")
		var bad map[string]any
		if _, err := plist.Unmarshal(b, &bad); err == nil {
			t.Error("corrupt Manifest.plist still decodes")
		}
		if err := TruncateFile(tree, "Status.plist", 3); err != nil {
			t.Fatal(err)
		}
		if b, _ := tree.ReadFile("Status.plist"); string(b) != "bpl" {
			t.Errorf("TruncateFile: %q", b)
		}
		if _, err := tree.ReadFile("nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing file: %v", err)
		}
		if inDir {
			if err := tree.WriteFile("../escape", nil); !errors.Is(err, ErrOption) {
				t.Errorf("dir tree wrote outside: %v", err)
			}
		}
	}
	// CorruptPadding needs an encrypted entry.
	fsys, r, err := Build(Options{Era: EraMBDB}, sampleFiles())
	if err != nil {
		t.Fatal(err)
	}
	if err := CorruptPadding(InMap(fsys), r, smsID); !errors.Is(err, ErrNotFound) {
		t.Errorf("CorruptPadding on plain file: %v", err)
	}
	if err := TruncatePayload(InMap(fsys), smsID, 0); err != nil {
		t.Fatal(err)
	}
	if len(fsys[smsID].Data) != 0 {
		t.Error("flat payload not truncated")
	}
}
