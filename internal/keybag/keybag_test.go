package keybag

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/iosbackup/iosbackup/internal/realdata"
	"howett.net/plist"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hv20Keybag(t *testing.T) *Keybag {
	t.Helper()
	var m struct {
		BackupKeyBag []byte
	}
	if _, err := plist.Unmarshal(realdata.Read(t, "hv20/day23/Backup/Manifest.plist"), &m); err != nil {
		t.Fatal(err)
	}
	kb, err := Parse(m.BackupKeyBag)
	if err != nil {
		t.Fatal(err)
	}
	return kb
}

func TestHV20Keybag(t *testing.T) {
	kb := hv20Keybag(t)
	if kb.Version != 3 || kb.Type != 1 || kb.Iter != 10000 || kb.TwoStage() || len(kb.Classes) != 11 {
		t.Fatalf("header: vers %d type %d iter %d twostage %v classes %d", kb.Version, kb.Type, kb.Iter, kb.TwoStage(), len(kb.Classes))
	}
	if hex.EncodeToString(kb.UUID) != "e48e232f771242689b1266631d0aa5c5" || hex.EncodeToString(kb.Salt) != "0834c7493b056222d7a7e382a69c0c6a06649d9a" {
		t.Fatalf("uuid %x salt %x", kb.UUID, kb.Salt)
	}
	kek, err := kb.DeriveKey([]byte("20201225"))
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(kek) != "38b97d556cace5fd1cfcbe67ec6a81277dfef5c5bacdfccdd32bb25467f56b25" {
		t.Fatalf("KEK %x", kek)
	}
	u, err := kb.Unlock(kek)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{
		1: "73fdf94630fcab32083354090267081488c177e072585715aeb7caf9bd03ba5f",
		2: "edb2c087926e23e031f9f9786e477fcc910c1a186ea772ec5f2b6fb774784c7e",
		3: "90b6bbb3d98ecb7afa423f4d85b4179ebd06aa87f17f425d44c247f2abf73330",
		4: "16ccdb23419474deb148504e0ff5b6c44e80d86fc0daaf03fdb3481b4f408c7e",
		6: "c96dcbbd6dc39ec481b1695e62f6c1c3582f688a8f1ae1226f7407f525f8ca4a",
		7: "239d10971b5b5679715f6adafc533ef2b17afe17edee98b610962c841590122d",
		8: "d4d771327509d259426a91d855d5c52a99c0e1a37ac174b4c7480c07bf247433",
	}
	if len(u.Keys) != len(want) {
		t.Fatalf("%d usable class keys, want %d", len(u.Keys), len(want))
	}
	for c, k := range want {
		if hex.EncodeToString(u.Keys[c]) != k {
			t.Errorf("class %d key %x", c, u.Keys[c])
		}
	}
	if got := u.DeviceBound; len(got) != 4 || got[0] != 5 || got[3] != 11 {
		t.Errorf("device-bound classes %v, want [5 9 10 11]", got)
	}
	bad, _ := kb.DeriveKey([]byte("20201224"))
	if _, err := kb.Unlock(bad); !errors.Is(err, ErrIncorrectKey) {
		t.Fatalf("wrong password: %v", err)
	}
	line, err := kb.HashLine()
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimSpace(string(realdata.Read(t, "hv20/day23/hash.txt"))); line != want {
		t.Fatalf("hash line\n got %s\nwant %s", line, want)
	}
}

func TestPyiosbackupKeybags(t *testing.T) {
	kb, err := Parse(realdata.Read(t, "pyiosbackup/extracted_from_tests/MANIFEST_KEYBAG_ZEROS_BEFORE_10_2.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if kb.TwoStage() || kb.Version != 3 {
		t.Fatalf("old keybag: twostage %v vers %d", kb.TwoStage(), kb.Version)
	}
	kek, err := kb.DeriveKey([]byte("0000"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := kb.Unlock(kek)
	if err != nil {
		t.Fatal(err)
	}
	for c, k := range u.Keys {
		if !bytes.Equal(k, make([]byte, 32)) {
			t.Errorf("class %d key %x, want zeros", c, k)
		}
	}
	kb, err = Parse(realdata.Read(t, "pyiosbackup/extracted_from_tests/MANIFEST_KEYBAG_ZEROS.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if !kb.TwoStage() || kb.DPIC != 10000000 || kb.DPWT != 1 || kb.Version != 5 || len(kb.Classes) != 11 {
		t.Fatalf("10.2 keybag: %+v", kb)
	}
	// The stage-one output for "0000" is a known answer (docs/FORMAT.md §16.3); skip the 10M rounds.
	kek = key1(unhex(t, "1e8bf0bd2f08aca606dfcf6b3ab19a3307f12cfc15c787b10eb7f5ecb957b987"), kb.Salt, kb.Iter, 32)
	if hex.EncodeToString(kek) != "ec8edc160b5745ccae000bfb4787630f322821191fba7eea38feab2c6307cd9b" {
		t.Fatalf("KEK %x", kek)
	}
	if _, err := kb.Unlock(kek); err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		return
	}
	full, err := kb.DeriveKey([]byte("0000"))
	if err != nil || !bytes.Equal(full, kek) {
		t.Fatalf("full derivation %x, %v", full, err)
	}
}

// TestHashVectors checks every line of realdata/hash-vectors: the listed
// password unlocks it and another does not.
func TestHashVectors(t *testing.T) {
	f, err := os.Open(realdata.Path(t, "hash-vectors/itunes_backup_hashes.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 4 {
			t.Fatalf("bad line %q", line)
		}
		n++
		hash, pw := cols[2], cols[3]
		t.Run(cols[0], func(t *testing.T) {
			kb, err := ParseHashLine(hash)
			if err != nil {
				t.Fatal(err)
			}
			if kb.DPIC >= 1_000_000 && testing.Short() {
				t.Skip("slow vector under -short")
			}
			kek, err := kb.DeriveKey([]byte(pw))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := kb.Unlock(kek); err != nil {
				t.Fatalf("password %q rejected: %v", pw, err)
			}
			if kb.DPIC >= 1_000_000 {
				return // one slow derivation per vector is enough
			}
			kek, _ = kb.DeriveKey([]byte(pw + "x"))
			if _, err := kb.Unlock(kek); !errors.Is(err, ErrIncorrectKey) {
				t.Fatalf("wrong password accepted: %v", err)
			}
		})
	}
	if n != 12 {
		t.Fatalf("%d vectors, want 12", n)
	}
}

func TestCaps(t *testing.T) {
	kb := &Keybag{Salt: make([]byte, 20), Iter: 1 << 30}
	if _, err := kb.DeriveKey([]byte("x")); !errors.Is(err, ErrTooManyIterations) {
		t.Fatalf("ITER cap: %v", err)
	}
	kb = &Keybag{Salt: make([]byte, 20), Iter: 10, DPIC: 1<<31 - 1, HasDPIC: true, DPSL: make([]byte, 20)}
	if _, err := kb.DeriveKey([]byte("x")); !errors.Is(err, ErrTooManyIterations) {
		t.Fatalf("DPIC cap: %v", err)
	}
}

func TestMalformed(t *testing.T) {
	for name, b := range map[string][]byte{
		"giant length": append([]byte("VERS\xff\xff\xff\xff"), 0, 0, 0, 3),
		"trailing":     []byte("VERS\x00\x00\x00\x04\x00\x00\x00\x03ab"),
		"short int":    []byte("ITER\x00\x00\x00\x02\x00\x01"),
		"empty":        nil,
	} {
		var fe *FormatError
		if _, err := Parse(b); !errors.As(err, &fe) {
			t.Errorf("%s: %v", name, err)
		}
	}
	kb := &Keybag{Salt: make([]byte, 20), Iter: 1}
	if _, err := kb.Unlock(make([]byte, 32)); !errors.Is(err, ErrNoClassKeys) {
		t.Errorf("no class keys: %v", err)
	}
}
