package backup

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"howett.net/plist"

	"github.com/iosbackup/iosbackup/internal/fuzzcorpus"
	"github.com/iosbackup/iosbackup/internal/plistsafe"

	"github.com/iosbackup/iosbackup/internal/backuptest"
	"github.com/iosbackup/iosbackup/internal/plistsafe/plisttest"
)

var (
	fuzzBaseOnce sync.Once
	fuzzBase     fstest.MapFS
)

// fuzzBackup returns the payloads and plaintext Manifest.db of a small
// backup, shared by every FuzzNew input.
func fuzzBackup(tb testing.TB) fstest.MapFS {
	fuzzBaseOnce.Do(func() {
		m, _, err := backuptest.Build(backuptest.Options{Era: backuptest.Era10_1, Seed: 1}, goodFiles()[:2])
		if err != nil {
			tb.Fatal(err)
		}
		fuzzBase = m
	})
	return fuzzBase
}

// plistSeeds returns the three root plists of synthetic backups of every
// era, encrypted or not, binary and XML, and a damaged set.
func plistSeeds(tb testing.TB) [][3][]byte {
	tb.Helper()
	var out [][3][]byte
	for i, o := range []backuptest.Options{
		{Era: backuptest.EraMBDB, Encrypted: true, Iterations: 1},
		{Era: backuptest.Era10_1},
		{Era: backuptest.Era10_2, Encrypted: true, Iterations: 1, DPIC: 1, XMLPlists: true},
		{Era: backuptest.Era10_2, Encrypted: true, Iterations: 1, DPIC: 1, Keybag: backuptest.KeybagOptions{ITER: 1 << 31}},
		{Era: backuptest.Era10_2, Encrypted: true, Keybag: backuptest.KeybagOptions{Extra: backuptest.GiantTLV("SALT", 1<<31)}, SnapshotState: "uploading"},
	} {
		o.Seed = int64(i)
		m, _, err := backuptest.Build(o, nil)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, [3][]byte{m["Manifest.plist"].Data, m["Info.plist"].Data, m["Status.plist"].Data})
	}
	damaged := backuptest.InMap(fstest.MapFS{"Manifest.plist": &fstest.MapFile{Data: out[1][0]}})
	if err := backuptest.CorruptManifestPlist(damaged); err != nil {
		tb.Fatal(err)
	}
	mp, _ := damaged.ReadFile("Manifest.plist")
	out = append(out, [3][]byte{mp, []byte("<plist><dict><key>Device Name</key><integer>1</integer></dict></plist>"), nil})
	// Issue 10: the 51-byte plist that crashed the decoder, and plists
	// nested past the limits in each format (the real attacks used 200k
	// binary and 1M text levels; a few hundred levels exercise the same
	// checks and keep the corpus small).
	out = append(out,
		[3][]byte{plisttest.WrappedLength(), plisttest.WrappedLength(), plisttest.WrappedLength()},
		[3][]byte{out[1][0], plisttest.DeepXML(300), plisttest.DeepText(300)},
		[3][]byte{plisttest.DeepBinary(300), plisttest.DeepBinary(300), plisttest.DeepXML(300)},
		[3][]byte{out[1][0], []byte(strings.Repeat("{a=", 300)), []byte("<*I1>" + strings.Repeat("(", 300))})
	// The three root plists of a real-shaped backup in the text formats.
	for _, f := range []int{plist.OpenStepFormat, plist.GNUStepFormat} {
		var s [3][]byte
		for i, b := range out[1] {
			var v any
			if _, err := plistsafe.Unmarshal("seed", b, &v, plistsafe.DefaultLimits); err != nil {
				tb.Fatal(err)
			}
			var err error
			if s[i], err = plist.Marshal(v, f); err != nil {
				tb.Fatal(err)
			}
		}
		out = append(out, s)
	}
	return out
}

// FuzzNew opens backups whose root plists are arbitrary bytes: New, Info,
// HashLine, Unlock (when the keybag is cheap to derive), Entries and Check
// must not panic, and New's errors are typed.
func FuzzNew(f *testing.F) {
	for _, s := range plistSeeds(f) {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, mp, ip, sp []byte) {
		m := fstest.MapFS{}
		for k, v := range fuzzBackup(t) {
			m[k] = v
		}
		for name, data := range map[string][]byte{"Manifest.plist": mp, "Info.plist": ip, "Status.plist": sp} {
			if data != nil {
				m[name] = &fstest.MapFile{Data: data}
			}
		}
		b, err := New(m)
		if err != nil {
			var fe *FormatError
			if b != nil || (!errors.As(err, &fe) && !errors.Is(err, ErrNotBackup)) {
				t.Fatalf("New: %v (%T)", err, err)
			}
			return
		}
		defer b.Close()
		in := b.Info()
		if in == nil || in.InstalledApps == nil || in.Format != "Manifest.db" {
			t.Fatalf("info %+v", in)
		}
		_, _ = b.HashLine()
		if b.kb != nil && b.kb.CheckCost() == nil && b.kb.Iter <= 16 && (!b.kb.TwoStage() || b.kb.DPIC <= 16) {
			_ = b.Unlock(context.Background(), "pw")
		} else if err := b.Unlock(context.Background(), "pw"); err == nil && b.Encrypted() {
			t.Fatal("Unlock succeeded without a usable keybag")
		}
		n := 0
		for _, err := range b.Entries() {
			if err != nil {
				break
			}
			n++
		}
		// The plists do not change what a plaintext manifest holds: two
		// files and the HomeDomain root.
		if !b.Encrypted() && n != 3 {
			t.Fatalf("%d entries from the plaintext manifest", n)
		}
		_, _ = b.Check(context.Background())
	})
}

func TestFuzzCorpus(t *testing.T) {
	var seeds [][]any
	for _, s := range plistSeeds(t) {
		seeds = append(seeds, []any{s[0], s[1], s[2]})
	}
	fuzzcorpus.Check(t, "FuzzNew", seeds)
}
