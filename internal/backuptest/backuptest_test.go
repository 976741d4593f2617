package backuptest

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"howett.net/plist"

	"github.com/iosbackup/iosbackup/internal/aeskw"
	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

var allEras = []Era{EraMBDB, Era10_1, Era10_2}

const (
	smsID  = "3d0d7e5fb2ce288813306e4d4636395e047a3d28"
	abID   = "31bb7ba8914766d4ba40d6dfb6113c8b614be442"
	logID  = "edc077100b5d5caa335ccfb13634677fae81826a" // HomeDomain-Library/CallHistoryTransactions/transaction.log
	linkTo = "/var/mobile/Library/Elsewhere"
)

func sampleFiles() []File {
	return []File{
		{Domain: "HomeDomain", Path: "Library/SMS", Kind: KindDir},
		{Domain: "HomeDomain", Path: "Library/SMS/sms.db", Data: []byte("SQLite format 3\x00 pretend sms database"), Class: 3},
		{Domain: "HomeDomain", Path: "Library/AddressBook/AddressBook.sqlitedb", Data: bytes.Repeat([]byte("ab"), 40), Class: 4},
		{Domain: "HomeDomain", Path: "Library/CallHistoryTransactions/transaction.log"},
		{Domain: "AppDomain-com.example.notes", Path: "Library/link", Kind: KindSymlink, Target: linkTo},
	}
}

func TestFileIDKAT(t *testing.T) {
	// docs/FORMAT.md §16.5.
	for _, c := range []struct{ domain, path, want string }{
		{"HomeDomain", "Library/SMS/sms.db", smsID},
		{"HomeDomain", "Library/AddressBook/AddressBook.sqlitedb", abID},
		{"HomeDomain", "Library/CallHistoryDB/CallHistory.storedata", "5a4935c78a5255723f707230a451d79c540d2741"},
		{"WirelessDomain", "Library/CallHistory/call_history.db", "2b2b0084a1bc3a5ac8c27afdf14afb42c61a19ca"},
		{"HomeDomain", "Library/CallHistoryTransactions/transaction.log", logID},
	} {
		if got := FileID(c.domain, c.path); got != c.want {
			t.Errorf("FileID(%q, %q) = %s, want %s", c.domain, c.path, got, c.want)
		}
	}
}

func TestDeterminism(t *testing.T) {
	for _, era := range allEras {
		for _, enc := range []bool{false, true} {
			opts := Options{Era: era, Encrypted: enc, Seed: 7}
			m1, r1, err := Build(opts, sampleFiles())
			if err != nil {
				t.Fatal(err)
			}
			m2, r2, err := Build(opts, sampleFiles())
			if err != nil {
				t.Fatal(err)
			}
			if len(m1) != len(m2) {
				t.Fatalf("%v/%v: %d vs %d files", era, enc, len(m1), len(m2))
			}
			for name, f := range m1 {
				if g, ok := m2[name]; !ok || !bytes.Equal(f.Data, g.Data) {
					t.Errorf("%v/%v: %s differs between identical builds", era, enc, name)
				}
			}
			if !bytes.Equal(r1.KEK, r2.KEK) || !bytes.Equal(r1.Keybag, r2.Keybag) {
				t.Errorf("%v/%v: results differ", era, enc)
			}
			m3, r3, err := Build(Options{Era: era, Encrypted: enc, Seed: 8}, sampleFiles())
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(m1["Manifest.plist"].Data, m3["Manifest.plist"].Data) || bytes.Equal(r1.Keybag, r3.Keybag) {
				t.Errorf("%v/%v: another seed gave the same keybag", era, enc)
			}
			if r1.UDID == r3.UDID {
				t.Errorf("%v/%v: another seed gave the same UDID %s", era, enc, r1.UDID)
			}
		}
	}
}

func TestLayoutPerEra(t *testing.T) {
	for _, era := range allEras {
		for _, enc := range []bool{false, true} {
			m, r, err := Build(Options{Era: era, Encrypted: enc}, sampleFiles())
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for n := range m {
				names = append(names, n)
			}
			slices.Sort(names)
			var want []string
			switch era {
			case EraMBDB:
				want = []string{abID, smsID, "Info.plist", "Manifest.mbdb", "Manifest.plist", "Status.plist", logID}
			default:
				want = []string{"31/" + abID, "3d/" + smsID, "Info.plist", "Manifest.db", "Manifest.plist", "Status.plist", "ed/" + logID}
			}
			slices.Sort(want)
			if !slices.Equal(names, want) {
				t.Errorf("%v/%v: files %q, want %q", era, enc, names, want)
			}
			// 2 domain roots + 5 files, roots first in order of appearance.
			var got []string
			for _, e := range r.Entries {
				got = append(got, e.Domain+"|"+e.Path)
			}
			wantE := []string{"HomeDomain|", "HomeDomain|Library/SMS", "HomeDomain|Library/SMS/sms.db",
				"HomeDomain|Library/AddressBook/AddressBook.sqlitedb", "HomeDomain|Library/CallHistoryTransactions/transaction.log",
				"AppDomain-com.example.notes|", "AppDomain-com.example.notes|Library/link"}
			if !slices.Equal(got, wantE) {
				t.Errorf("%v/%v: entries %q, want %q", era, enc, got, wantE)
			}
			log, _ := r.Entry(logID)
			if enc && len(m[log.PayloadName].Data) != 16 {
				t.Errorf("%v: empty encrypted file payload is %d bytes, want 16", era, len(m[log.PayloadName].Data))
			}
			if !enc && len(m[log.PayloadName].Data) != 0 {
				t.Errorf("%v: empty plain payload is %d bytes", era, len(m[log.PayloadName].Data))
			}
		}
	}
	m, _, err := Build(Options{Era: Era10_2, Flat: true}, sampleFiles()[:2])
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m[smsID]; !ok {
		t.Error("Flat did not write a flat payload")
	}
	m, _, err = Build(Options{Era: EraMBDB, Nested: true}, sampleFiles()[:2])
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m["3d/"+smsID]; !ok {
		t.Error("Nested did not write a nested payload")
	}
}

func TestKeybagTLV(t *testing.T) {
	for _, era := range allEras {
		for _, enc := range []bool{false, true} {
			_, r, err := Build(Options{Era: era, Encrypted: enc, Seed: 3}, nil)
			if err != nil {
				t.Fatal(err)
			}
			kb := parseKeybag(t, r.Keybag)
			dp := era == Era10_2 && enc
			wantOrder := []string{"VERS", "TYPE", "UUID", "HMCK", "WRAP", "SALT", "ITER"}
			if dp {
				wantOrder = append(wantOrder, "DPWT", "DPIC", "DPSL")
			}
			var order []string
			for _, it := range kb.items {
				order = append(order, it.tag)
			}
			if !slices.Equal(order, wantOrder) {
				t.Errorf("%v/%v: header order %q, want %q", era, enc, order, wantOrder)
			}
			wantVers := uint32(3)
			if era == Era10_2 {
				wantVers = 5
			}
			if kb.u32("VERS") != wantVers || kb.u32("TYPE") != 1 || kb.u32("WRAP") != 0 || kb.u32("ITER") != 10 {
				t.Errorf("%v/%v: VERS %d TYPE %d WRAP %d ITER %d", era, enc, kb.u32("VERS"), kb.u32("TYPE"), kb.u32("WRAP"), kb.u32("ITER"))
			}
			if len(kb.header["UUID"]) != 16 || len(kb.header["SALT"]) != 20 || !bytes.Equal(kb.header["HMCK"], make([]byte, 40)) {
				t.Errorf("%v/%v: UUID/SALT/HMCK lengths wrong", era, enc)
			}
			if dp && (kb.u32("DPWT") != 1 || kb.u32("DPIC") != 10 || len(kb.header["DPSL"]) != 20) {
				t.Errorf("%v: DPWT %d DPIC %d DPSL %d bytes", era, kb.u32("DPWT"), kb.u32("DPIC"), len(kb.header["DPSL"]))
			}
			if len(kb.classes) != 11 {
				t.Fatalf("%v/%v: %d classes", era, enc, len(kb.classes))
			}
			for i, c := range kb.classes {
				cls := int(be32(c["CLAS"]))
				wantWrap := uint32(2)
				if cls == 5 || cls >= 9 {
					wantWrap = 3
				}
				if cls != i+1 || be32(c["WRAP"]) != wantWrap || be32(c["KTYP"]) != 0 || len(c["WPKY"]) != 40 || len(c["UUID"]) != 16 {
					t.Errorf("%v/%v: class record %d = CLAS %d WRAP %d KTYP %d WPKY %d bytes", era, enc, i, cls, be32(c["WRAP"]), be32(c["KTYP"]), len(c["WPKY"]))
				}
				got, err := aeskw.Unwrap(r.KEK, c["WPKY"])
				if !enc {
					if r.KEK != nil || r.ClassKeys != nil {
						t.Errorf("%v: unencrypted backup reports keys", era)
					}
					continue
				}
				if err != nil || !bytes.Equal(got, r.ClassKeys[cls]) {
					t.Errorf("%v: class %d does not unwrap to the reported key: %v", era, cls, err)
				}
				if r.ClassWrap[cls] != wantWrap {
					t.Errorf("%v: ClassWrap[%d] = %d", era, cls, r.ClassWrap[cls])
				}
			}
			// KEK derivation per §6.1, computed here directly.
			if enc {
				var kek []byte
				if dp {
					k1, _ := pbkdf2.Key(sha256.New, "test", kb.header["DPSL"], 10, 32)
					kek, _ = pbkdf2.Key(sha1.New, string(k1), kb.header["SALT"], 10, 32)
				} else {
					kek, _ = pbkdf2.Key(sha1.New, "test", kb.header["SALT"], 10, 32)
				}
				if !bytes.Equal(kek, r.KEK) {
					t.Errorf("%v: KEK %x, want %x", era, r.KEK, kek)
				}
			}
		}
	}
}

// TestKEKPyiosbackupParameters builds with the PB keybag parameters
// (docs/FORMAT.md §16.3) but DPIC 1000 and compares with crypto/pbkdf2.
func TestKEKPyiosbackupParameters(t *testing.T) {
	zeros := make([]byte, 20)
	_, r, err := Build(Options{Era: Era10_2, Encrypted: true, Password: "0000", Iterations: 10000, DPIC: 1000,
		Keybag: KeybagOptions{Salt: zeros, DPSL: zeros}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	k1, _ := pbkdf2.Key(sha256.New, "0000", zeros, 1000, 32)
	want, _ := pbkdf2.Key(sha1.New, string(k1), zeros, 10000, 32)
	if !bytes.Equal(r.KEK, want) {
		t.Fatalf("KEK %x, want %x", r.KEK, want)
	}
	kb := parseKeybag(t, r.Keybag)
	if kb.u32("ITER") != 10000 || kb.u32("DPIC") != 1000 || !bytes.Equal(kb.header["SALT"], zeros) || !bytes.Equal(kb.header["DPSL"], zeros) {
		t.Errorf("keybag header ITER %d DPIC %d SALT %x DPSL %x", kb.u32("ITER"), kb.u32("DPIC"), kb.header["SALT"], kb.header["DPSL"])
	}
}

// TestHashcatVectors reproduces the WPKY of docs/FORMAT.md §16.2 vectors F
// (PBKDF2-SHA1 only) and H (two-stage, DPIC 1000) by building keybags
// whose class 1 key is the vector's unwrapped key.
func TestHashcatVectors(t *testing.T) {
	for _, c := range []struct {
		name, password, salt, dpsl, kek, key, wpky string
		era                                        Era
		dpic                                       int
	}{
		{"F", "test123", "37d2bd7caefbb24a9729e41a3257ef06188dc01e", "",
			"0fa447b306577e8aeb2165a3d480c40fa70eaf99f83a74c5b334b687c488a2cd",
			"974df46624faf86673d42c658a628872963ed4ab1527b01f75f8c87719c8a44c",
			"06dc04bca4eeea2fbc1bc7356fa758243bead479673640a668db285c8f48c402cc435539d935509e", EraMBDB, 0},
		{"H", "1", "6832814730342072666684158073107301064276", "46de5e844e0ee1c81d2cca6acefb77789c1a7cd0",
			"b13991335ad8f67fb71045f6dfc2b5739976726601ec67ae14ba8c3263767a46",
			"57eac5110c0400000c39c4bdb5bf00008a956423fc5e0000ad7022b6e8110000",
			"b3d3f05b5367345fcb654b9b628e2ed24d8b8726f1f74707a956c776475d6ebfffc962340d9cbbca", Era10_2, 1000},
	} {
		opts := Options{Era: c.era, Encrypted: true, Password: c.password, Iterations: 10000, DPIC: c.dpic,
			Keybag: KeybagOptions{Salt: unhex(t, c.salt), Classes: []ClassSpec{{Class: 1, Wrap: 2, Key: unhex(t, c.key)}}}}
		if c.dpsl != "" {
			opts.Keybag.DPSL = unhex(t, c.dpsl)
		}
		_, r, err := Build(opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r.KEK, unhex(t, c.kek)) {
			t.Errorf("%s: KEK %x, want %s", c.name, r.KEK, c.kek)
		}
		kb := parseKeybag(t, r.Keybag)
		if len(kb.classes) != 1 || !bytes.Equal(kb.classes[0]["WPKY"], unhex(t, c.wpky)) {
			t.Errorf("%s: WPKY %x, want %s", c.name, kb.classes[0]["WPKY"], c.wpky)
		}
	}
}

// TestPyiosbackupFileKAT reproduces docs/FORMAT.md §16.3's EncryptionKey blob
// and ciphertext with all-zero class and file keys.
func TestPyiosbackupFileKAT(t *testing.T) {
	var classes []ClassSpec
	for c := 1; c <= 11; c++ {
		classes = append(classes, ClassSpec{Class: c, Wrap: 2, Key: make([]byte, 32)})
	}
	m, r, err := Build(Options{Era: Era10_2, Encrypted: true, Password: "0000", Keybag: KeybagOptions{Classes: classes}},
		[]File{{Domain: "MyTestDomain", Path: "Media/Test.txt", Data: []byte("Test data"), Class: 2, Mode: 0o100755, Key: make([]byte, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	id := "5727bd1c5fa1055e15d8b4a75a74793c84b5ffdc"
	e, ok := r.Entry(id)
	if !ok {
		t.Fatalf("no entry %s", id)
	}
	if want := unhex(t, "0200000097317494343807e690fd1e431413963dc0e3deb4907fb89fa36ce65126d0ea1301381fb3a2941e2f"); !bytes.Equal(e.WrappedKey, want) {
		t.Errorf("EncryptionKey %x, want %x", e.WrappedKey, want)
	}
	if want := unhex(t, "78b51ca5374c3ad575174288688cda49"); !bytes.Equal(m["57/"+id].Data, want) {
		t.Errorf("payload %x, want %x", m["57/"+id].Data, want)
	}
}

func TestPayloadsDecrypt(t *testing.T) {
	files := append(sampleFiles(), File{Domain: "HomeDomain", Path: "Library/exact16", Data: []byte("0123456789abcdef"), Class: 1})
	for _, era := range allEras {
		m, r, err := Build(Options{Era: era, Encrypted: true}, files)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range r.Entries {
			if e.Kind != KindFile {
				if e.FileKey != nil || e.WrappedKey != nil || e.PayloadName != "" {
					t.Errorf("%v: %s has key or payload", era, e.Path)
				}
				continue
			}
			n++
			if len(e.WrappedKey) != 44 || int(binary.LittleEndian.Uint32(e.WrappedKey)) != e.Class {
				t.Fatalf("%v: %s EncryptionKey %x (class %d)", era, e.Path, e.WrappedKey, e.Class)
			}
			fk, err := aeskw.Unwrap(r.ClassKeys[e.Class], e.WrappedKey[4:])
			if err != nil || !bytes.Equal(fk, e.FileKey) {
				t.Fatalf("%v: %s file key does not unwrap: %v", era, e.Path, err)
			}
			ct := m[e.PayloadName].Data
			if len(ct) != (len(e.Data)/16+1)*16 {
				t.Errorf("%v: %s ciphertext %d bytes for %d plaintext", era, e.Path, len(ct), len(e.Data))
			}
			pt, err := decryptCBC(fk, ct)
			if err != nil {
				t.Fatal(err)
			}
			if got := unpad(t, pt); !bytes.Equal(got, e.Data) || int64(len(got)) != e.Size {
				t.Errorf("%v: %s decrypts to %q (size %d)", era, e.Path, got, e.Size)
			}
		}
		if n != 4 {
			t.Errorf("%v: %d files", era, n)
		}
		sms, _ := r.Entry(smsID)
		if want := "SQLite format 3\x00 pretend sms database"; string(sms.Data) != want {
			t.Errorf("sms data %q", sms.Data)
		}
	}
	// Unencrypted payloads are the plaintext.
	m, r, err := Build(Options{Era: Era10_2}, sampleFiles())
	if err != nil {
		t.Fatal(err)
	}
	e, _ := r.Entry(abID)
	if !bytes.Equal(m[e.PayloadName].Data, bytes.Repeat([]byte("ab"), 40)) || e.FileKey != nil || e.WrappedKey != nil {
		t.Errorf("unencrypted payload %q key %x", m[e.PayloadName].Data, e.WrappedKey)
	}
}

type archive struct {
	Version  int            `plist:"$version"`
	Archiver string         `plist:"$archiver"`
	Top      map[string]any `plist:"$top"`
	Objects  []any          `plist:"$objects"`
}

func decodeArchive(t *testing.T, b []byte) (archive, map[string]any) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("bplist00")) {
		t.Fatalf("MBFile is not a binary plist: %q", b[:min(8, len(b))])
	}
	var a archive
	if _, err := plist.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	if a.Version != 100000 || a.Archiver != "NSKeyedArchiver" || a.Top["root"] != plist.UID(1) || a.Objects[0] != "$null" {
		t.Fatalf("bad envelope: %d %q %v %v", a.Version, a.Archiver, a.Top, a.Objects[0])
	}
	root, ok := a.Objects[1].(map[string]any)
	if !ok {
		t.Fatalf("root is %T", a.Objects[1])
	}
	return a, root
}

func deref(t *testing.T, a archive, v any) any {
	t.Helper()
	u, ok := v.(plist.UID)
	if !ok || int(u) >= len(a.Objects) {
		t.Fatalf("not a UID in range: %#v", v)
	}
	return a.Objects[u]
}

func TestMBFileRoundTrip(t *testing.T) {
	key := append([]byte{3, 0, 0, 0}, bytes.Repeat([]byte{0xAB}, 40)...)
	for _, asUID := range []bool{false, true} {
		blob, err := MBFile{RelativePath: "Library/SMS/sms.db", Size: 278528, LastModified: 1638501497, Birth: 1566918489,
			LastStatusChange: 1638559914, Mode: 0o100644, UserID: 501, GroupID: 501, InodeNumber: 45856,
			ProtectionClass: 3, EncryptionKey: key, Digest: bytes.Repeat([]byte{1}, 20), KeyDataAsUID: asUID}.Archive()
		if err != nil {
			t.Fatal(err)
		}
		a, root := decodeArchive(t, blob)
		for k, want := range map[string]uint64{"Size": 278528, "LastModified": 1638501497, "Birth": 1566918489,
			"LastStatusChange": 1638559914, "Mode": 33188, "UserID": 501, "GroupID": 501, "InodeNumber": 45856,
			"ProtectionClass": 3, "Flags": 0} {
			if got, ok := root[k].(uint64); !ok || got != want {
				t.Errorf("%s = %#v, want %d", k, root[k], want)
			}
		}
		if p := deref(t, a, root["RelativePath"]); p != "Library/SMS/sms.db" {
			t.Errorf("RelativePath %#v", p)
		}
		if d := deref(t, a, root["Digest"]); !bytes.Equal(d.([]byte), bytes.Repeat([]byte{1}, 20)) {
			t.Errorf("Digest %#v", d)
		}
		kd := deref(t, a, root["EncryptionKey"]).(map[string]any)
		data := kd["NS.data"]
		if asUID {
			data = deref(t, a, data)
		}
		if !bytes.Equal(data.([]byte), key) {
			t.Errorf("asUID=%v: NS.data %#v", asUID, data)
		}
		cls := deref(t, a, kd["$class"]).(map[string]any)
		if cls["$classname"] != "NSMutableData" {
			t.Errorf("key class %v", cls)
		}
		mb := deref(t, a, root["$class"]).(map[string]any)
		if mb["$classname"] != "MBFile" || !slices.Equal(anyStrings(mb["$classes"]), []string{"MBFile", "NSObject"}) {
			t.Errorf("MBFile class %v", mb)
		}
		if _, ok := root["Target"]; ok {
			t.Error("Target present on a file")
		}
	}
	blob, err := MBFile{RelativePath: "Library/link", Target: linkTo, Mode: ModeSymlink}.Archive()
	if err != nil {
		t.Fatal(err)
	}
	a, root := decodeArchive(t, blob)
	if deref(t, a, root["Target"]) != linkTo || root["EncryptionKey"] != nil {
		t.Errorf("symlink root %v", root)
	}
	if len(a.Objects) != 5 {
		t.Errorf("symlink archive has %d objects, want 5 ($null, root, path, target, class)", len(a.Objects))
	}
}

func anyStrings(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

type dbRow struct {
	id, domain, path string
	flags            int64
	file             []byte
}

func readDB(t *testing.T, img []byte) []dbRow {
	t.Helper()
	db, err := sqlitemem.Open(img, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT fileID, domain, relativePath, flags, file FROM Files ORDER BY rowid")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []dbRow
	for rows.Next() {
		var r dbRow
		var id, dom, p *string
		var fl *int64
		if err := rows.Scan(&id, &dom, &p, &fl, &r.file); err != nil {
			t.Fatal(err)
		}
		if id != nil {
			r.id = *id
		}
		if dom != nil {
			r.domain = *dom
		}
		if p != nil {
			r.path = *p
		}
		if fl != nil {
			r.flags = *fl
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var uv int
	if err := db.QueryRow("PRAGMA user_version").Scan(&uv); err != nil || uv != 2 {
		t.Errorf("user_version %d %v", uv, err)
	}
	return out
}

func TestManifestDB(t *testing.T) {
	for _, era := range []Era{Era10_1, Era10_2} {
		for _, enc := range []bool{false, true} {
			m, r, err := Build(Options{Era: era, Encrypted: enc}, sampleFiles())
			if err != nil {
				t.Fatal(err)
			}
			stored := m["Manifest.db"].Data
			img := stored
			if era == Era10_2 && enc {
				if sqlitemem.IsSQLite(stored) {
					t.Fatal("encrypted Manifest.db is plaintext")
				}
				blob := r.ManifestKeyBlob
				if len(blob) != 44 || binary.LittleEndian.Uint32(blob) != 4 {
					t.Fatalf("ManifestKey blob %x", blob)
				}
				mk, err := aeskw.Unwrap(r.ClassKeys[4], blob[4:])
				if err != nil || !bytes.Equal(mk, r.ManifestKey) {
					t.Fatalf("manifest key does not unwrap: %v", err)
				}
				pt, err := decryptCBC(mk, stored)
				if err != nil {
					t.Fatal(err)
				}
				img = unpad(t, pt)
				if len(stored) != len(img)+16 {
					t.Errorf("padded Manifest.db %d bytes for %d", len(stored), len(img))
				}
			} else if r.ManifestKey != nil || r.ManifestKeyBlob != nil {
				t.Errorf("%v/%v: unexpected ManifestKey", era, enc)
			}
			if !bytes.Equal(img, r.ManifestDB) {
				t.Fatalf("%v/%v: Manifest.db differs from Result.ManifestDB", era, enc)
			}
			rows := readDB(t, img)
			if len(rows) != 7 {
				t.Fatalf("%v/%v: %d rows", era, enc, len(rows))
			}
			want := []struct {
				domain, path string
				flags        int64
			}{{"HomeDomain", "", 2}, {"HomeDomain", "Library/SMS", 2}, {"HomeDomain", "Library/SMS/sms.db", 1},
				{"HomeDomain", "Library/AddressBook/AddressBook.sqlitedb", 1}, {"HomeDomain", "Library/CallHistoryTransactions/transaction.log", 1},
				{"AppDomain-com.example.notes", "", 2}, {"AppDomain-com.example.notes", "Library/link", 4}}
			for i, w := range want {
				rw := rows[i]
				if rw.domain != w.domain || rw.path != w.path || rw.flags != w.flags || rw.id != FileID(w.domain, w.path) {
					t.Errorf("%v/%v: row %d = %s %q %q %d", era, enc, i, rw.id, rw.domain, rw.path, rw.flags)
				}
				a, root := decodeArchive(t, rw.file)
				if deref(t, a, root["RelativePath"]) != w.path {
					t.Errorf("row %d RelativePath %v", i, deref(t, a, root["RelativePath"]))
				}
				_, hasKey := root["EncryptionKey"]
				if hasKey != (enc && w.flags == 1) {
					t.Errorf("%v/%v: row %d EncryptionKey present=%v", era, enc, i, hasKey)
				}
			}
			_, sms := decodeArchive(t, rows[2].file)
			wantMT := uint64(DefaultDate(era).Add(-time.Hour).Unix())
			if sms["Size"] != uint64(37) || sms["ProtectionClass"] != uint64(3) || sms["Mode"] != uint64(0o100644) || sms["LastModified"] != wantMT || sms["UserID"] != uint64(501) {
				t.Errorf("sms MBFile %v", sms)
			}
			a, link := decodeArchive(t, rows[6].file)
			if deref(t, a, link["Target"]) != linkTo || link["Mode"] != uint64(0o120755) || link["ProtectionClass"] != uint64(0) {
				t.Errorf("symlink MBFile %v", link)
			}
		}
	}
	// No padding variant.
	m, r, err := Build(Options{Era: Era10_2, Encrypted: true, ManifestDBNoPadding: true, ManifestKeyClass: 2}, sampleFiles())
	if err != nil {
		t.Fatal(err)
	}
	if len(m["Manifest.db"].Data) != len(r.ManifestDB) || binary.LittleEndian.Uint32(r.ManifestKeyBlob) != 2 {
		t.Errorf("no-padding Manifest.db %d bytes for %d; class %d", len(m["Manifest.db"].Data), len(r.ManifestDB), binary.LittleEndian.Uint32(r.ManifestKeyBlob))
	}
	pt, _ := decryptCBC(r.ManifestKey, m["Manifest.db"].Data)
	if !bytes.Equal(pt, r.ManifestDB) {
		t.Error("no-padding Manifest.db does not decrypt to the image")
	}
}

func TestMBDB(t *testing.T) {
	for _, enc := range []bool{false, true} {
		m, r, err := Build(Options{Era: EraMBDB, Encrypted: enc}, sampleFiles())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(m["Manifest.mbdb"].Data, r.MBDB) {
			t.Fatal("Result.MBDB differs")
		}
		recs := parseMBDB(t, r.MBDB)
		if len(recs) != 7 {
			t.Fatalf("%d records", len(recs))
		}
		root := recs[0]
		if root.domain != "HomeDomain" || root.path != "" || root.pathNull || root.mode != 0o40755 || root.class != 0 || root.target != nil || root.key != nil || root.hash != nil {
			t.Errorf("root record %+v", root)
		}
		sms := recs[2]
		mt := time.Date(2016, 8, 1, 9, 0, 0, 0, time.UTC).Unix()
		if !DefaultDate(EraMBDB).Equal(time.Date(2016, 8, 1, 10, 0, 0, 0, time.UTC)) {
			t.Errorf("DefaultDate %v", DefaultDate(EraMBDB))
		}
		if sms.path != "Library/SMS/sms.db" || sms.size != 37 || sms.class != 3 || sms.mode != 0o100644 || sms.uid != 501 || sms.gid != 501 ||
			int64(sms.mtime) != mt || int64(sms.ctime) != mt || int64(sms.btime) != mt-86400 || sms.props != 0 || sms.inode != 10002 {
			t.Errorf("sms record %+v", sms)
		}
		e, _ := r.Entry(smsID)
		if enc && (!bytes.Equal(sms.key, e.WrappedKey) || len(sms.key) != 44) {
			t.Errorf("sms key %x want %x", sms.key, e.WrappedKey)
		}
		if !enc && sms.key != nil {
			t.Errorf("unencrypted key %x", sms.key)
		}
		link := recs[6]
		if string(link.target) != linkTo || link.mode != 0o120755 || link.domain != "AppDomain-com.example.notes" {
			t.Errorf("link record %+v", link)
		}
	}
	_, r, err := Build(Options{Era: EraMBDB, MBDBNullEmptyPath: true}, sampleFiles()[:1])
	if err != nil {
		t.Fatal(err)
	}
	if recs := parseMBDB(t, r.MBDB); !recs[0].pathNull || recs[1].pathNull {
		t.Errorf("MBDBNullEmptyPath: %+v", recs)
	}
}

func TestPlists(t *testing.T) {
	for _, era := range allEras {
		for _, xml := range []bool{false, true} {
			m, r, err := Build(Options{Era: era, Encrypted: true, XMLPlists: xml, PasscodeSet: true,
				Device: DeviceInfo{Name: "Santas Phone", Apps: []string{"com.example.a", "org.example.b"}}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"Info.plist", "Status.plist", "Manifest.plist"} {
				isXML := bytes.HasPrefix(m[name].Data, []byte("<?xml"))
				if isXML != xml {
					t.Errorf("%v: %s xml=%v", era, name, isXML)
				}
			}
			var mp struct {
				BackupKeyBag         []byte
				IsEncrypted          bool
				ManifestKey          []byte
				Lockdown             map[string]string
				Applications         map[string]map[string]string
				Date                 time.Time
				Version              string
				SystemDomainsVersion string
				WasPasscodeSet       bool
			}
			if _, err := plist.Unmarshal(m["Manifest.plist"].Data, &mp); err != nil {
				t.Fatal(err)
			}
			wantV, wantPV, wantS := "10.0", "17.5", "3.3"
			switch era {
			case EraMBDB:
				wantV, wantPV, wantS = "9.1", "9.3.6", "2.4"
			case Era10_1:
				wantPV = "10.1.1"
			}
			if !bytes.Equal(mp.BackupKeyBag, r.Keybag) || !mp.IsEncrypted || mp.Version != wantV || !mp.WasPasscodeSet ||
				mp.Lockdown["DeviceName"] != "Santas Phone" || mp.Lockdown["ProductVersion"] != wantPV || mp.Lockdown["UniqueDeviceID"] != r.UDID {
				t.Errorf("%v: Manifest.plist %+v", era, mp)
			}
			if (era == Era10_2) != (mp.ManifestKey != nil) || !bytes.Equal(mp.ManifestKey, r.ManifestKeyBlob) {
				t.Errorf("%v: ManifestKey %x", era, mp.ManifestKey)
			}
			app := mp.Applications["org.example.b"]
			if len(mp.Applications) != 2 || app["CFBundleIdentifier"] != "org.example.b" || app["ContainerContentClass"] != "Data/Application" || !strings.HasSuffix(app["Path"], "/b.app") {
				t.Errorf("%v: Applications %v", era, mp.Applications)
			}
			var info map[string]any
			if _, err := plist.Unmarshal(m["Info.plist"].Data, &info); err != nil {
				t.Fatal(err)
			}
			if info["Device Name"] != "Santas Phone" || info["Product Version"] != wantPV || info["Unique Identifier"] != strings.ToUpper(r.UDID) ||
				info["IMEI"] != "356938035643809" || info["Phone Number"] != "+1 (555) 010-0199" || info["ICCID"] != "8901410321111851072" ||
				!slices.Equal(anyStrings(info["Installed Applications"]), []string{"com.example.a", "org.example.b"}) {
				t.Errorf("%v: Info.plist %v", era, info)
			}
			if d, ok := info["Last Backup Date"].(time.Time); !ok || !d.Equal(mp.Date) {
				t.Errorf("%v: Last Backup Date %v vs %v", era, info["Last Backup Date"], mp.Date)
			}
			var st map[string]any
			if _, err := plist.Unmarshal(m["Status.plist"].Data, &st); err != nil {
				t.Fatal(err)
			}
			if st["Version"] != wantS || st["SnapshotState"] != "finished" || st["IsFullBackup"] != true || len(st["UUID"].(string)) != 36 {
				t.Errorf("%v: Status.plist %v", era, st)
			}
		}
	}
}

func TestWriteMatchesBuild(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Era: Era10_2, Encrypted: true, Seed: 11}
	r, err := Write(dir, opts, sampleFiles())
	if err != nil {
		t.Fatal(err)
	}
	if r.Dir != dir {
		t.Errorf("Dir %q", r.Dir)
	}
	m, _, err := Build(opts, sampleFiles())
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range m {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil || !bytes.Equal(b, f.Data) {
			t.Errorf("%s: %v", name, err)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 7 { // 3 plists, Manifest.db, 3 xx dirs
		t.Errorf("%d root entries", len(ents))
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, o := range []Options{{Era: Era(9)}, {Iterations: -1}, {Flat: true, Nested: true},
		{Raw: []RawRow{{FileID: "../x", Payload: []byte("p")}}}} {
		_, _, err := Build(o, nil)
		if !errors.Is(err, ErrOption) {
			t.Errorf("%+v: err %v", o, err)
		}
	}
}
