package keybag

import (
	"bytes"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/iosbackup/iosbackup/internal/fuzzcorpus"

	"github.com/iosbackup/iosbackup/internal/backuptest"
)

// seedKeybags are keybags of synthetic backups of every era, and damaged ones.
func seedKeybags(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for i, o := range []backuptest.Options{
		{Era: backuptest.EraMBDB, Encrypted: true, Iterations: 1},
		{Era: backuptest.Era10_2, Encrypted: true, Iterations: 1, DPIC: 1},
		{Era: backuptest.Era10_2},
		{Era: backuptest.Era10_2, Encrypted: true, Iterations: 1, DPIC: 1, Keybag: backuptest.KeybagOptions{ITER: 1 << 31, DPIC: 1 << 31}},
		{Era: backuptest.Era10_2, Encrypted: true, Keybag: backuptest.KeybagOptions{NoClassKeys: true}},
		{Era: backuptest.Era10_1, Encrypted: true, Iterations: 2, Keybag: backuptest.KeybagOptions{Extra: backuptest.GiantTLV("WPKY", 1<<30)}},
		{Era: backuptest.Era10_1, Encrypted: true, Iterations: 2, Keybag: backuptest.KeybagOptions{Classes: []backuptest.ClassSpec{{Class: 3, Wrap: 2}, {Class: 11, Wrap: 3}}}},
	} {
		o.Seed = int64(i)
		_, res, err := backuptest.Build(o, nil)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, res.Keybag)
	}
	return append(out, backuptest.TLVU32("VERS", 3), []byte("SALT\x00\x00\x00\x01x"), nil)
}

// FuzzParse parses arbitrary keybags; on success the hash line must
// round-trip and unlocking with a key must not panic. Derivation runs only
// for tiny iteration counts, so every input stays fast.
func FuzzParse(f *testing.F) {
	for _, s := range seedKeybags(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		kb, err := Parse(b)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || kb != nil {
				t.Fatalf("Parse error %v (%T) with keybag %v", err, err, kb != nil)
			}
			return
		}
		if line, err := kb.HashLine(); err == nil {
			back, err := ParseHashLine(line)
			if err != nil {
				t.Fatalf("HashLine %q does not parse back: %v", line, err)
			}
			if back.Iter != kb.Iter || !bytes.Equal(back.Salt, kb.Salt) || back.TwoStage() != kb.TwoStage() ||
				(kb.TwoStage() && (back.DPIC != kb.DPIC || !bytes.Equal(back.DPSL, kb.DPSL))) {
				t.Fatalf("hash line %q round trip: %+v vs %+v", line, back, kb)
			}
			if !strings.HasPrefix(line, "$itunes_backup$*") || strings.ContainsAny(line, " \n") {
				t.Fatalf("bad hash line %q", line)
			}
		} else if !errors.Is(err, ErrNoClassKeys) {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("HashLine error %v", err)
			}
		}
		if _, err := kb.Unlock(make([]byte, 32)); err == nil && len(kb.Classes) == 0 {
			t.Fatal("unlocked a keybag without classes")
		}
		if err := kb.CheckCost(); err == nil && kb.Iter <= 16 && (!kb.TwoStage() || kb.DPIC <= 16) {
			kek, err := kb.DeriveKey([]byte("pw"))
			if err != nil || len(kek) != 32 {
				t.Fatalf("DeriveKey: %d bytes, %v", len(kek), err)
			}
			_, _ = kb.Unlock(kek)
		}
	})
}

// TestAbsurdIterationsRefusedWithoutWork checks that ITER 2^31 and DPIC
// 2^32-1 are refused before any PBKDF2 round runs.
func TestAbsurdIterationsRefusedWithoutWork(t *testing.T) {
	calls := 0
	old1, old256 := key1, key256
	key1 = func(p, s []byte, i, n int) []byte { calls++; return old1(p, s, min(i, 1), n) }
	key256 = func(p, s []byte, i, n int) []byte { calls++; return old256(p, s, min(i, 1), n) }
	defer func() { key1, key256 = old1, old256 }()
	for _, o := range []backuptest.KeybagOptions{{ITER: 1 << 31}, {DPIC: 0xFFFFFFFF}, {ITER: MaxIterations + 1}, {DPIC: MaxDPIC + 1}} {
		_, res, err := backuptest.Build(backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Keybag: o}, nil)
		if err != nil {
			t.Fatal(err)
		}
		kb, err := Parse(res.Keybag)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := kb.DeriveKey([]byte("pw")); !errors.Is(err, ErrTooManyIterations) {
			t.Errorf("%+v: DeriveKey error %v", o, err)
		}
		if err := kb.CheckCost(); !errors.Is(err, ErrTooManyIterations) || !strings.Contains(err.Error(), strconv.Itoa(max(int(o.ITER), int(o.DPIC)))) {
			t.Errorf("%+v: CheckCost %v", o, err)
		}
	}
	if calls != 0 {
		t.Fatalf("%d PBKDF2 derivations ran for refused keybags", calls)
	}
}

// allocPerRun returns the average number of bytes f allocates.
func allocPerRun(runs int, f func()) uint64 {
	var before, after runtime.MemStats
	f()
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}

// TestGiantLengthNotAllocated feeds TLV items whose length fields claim up
// to 4 GiB: Parse refuses them and allocates far less than claimed.
func TestGiantLengthNotAllocated(t *testing.T) {
	_, res, err := backuptest.Build(backuptest.Options{Era: backuptest.Era10_2, Encrypted: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []uint32{1 << 20, 1 << 30, 0xFFFFFFFF} {
		for _, in := range [][]byte{
			backuptest.GiantTLV("SALT", n),
			append(bytes.Clone(res.Keybag), backuptest.GiantTLV("WPKY", n)...),
			append(backuptest.GiantTLV("VERS", n), make([]byte, 64)...),
		} {
			var perr error
			got := allocPerRun(20, func() { _, perr = Parse(in) })
			var fe *FormatError
			if !errors.As(perr, &fe) {
				t.Fatalf("length %d: error %v", n, perr)
			}
			if limit := uint64(10*len(in) + 4096); got > limit {
				t.Errorf("length %d, input %d bytes: %d bytes allocated (limit %d)", n, len(in), got, limit)
			}
		}
	}
}

func TestFuzzCorpus(t *testing.T) {
	fuzzcorpus.Check(t, "FuzzParse", fuzzcorpus.Bytes(seedKeybags(t)))
}
