package plistsafe

import (
	"errors"
	"testing"
	"time"

	"howett.net/plist"

	"github.com/iosbackup/iosbackup/internal/fuzzcorpus"
	"github.com/iosbackup/iosbackup/internal/plistsafe/plisttest"
)

// fuzzLimits are small, so that the fuzzer reaches them.
var fuzzLimits = Limits{MaxSize: 1 << 20, MaxDepth: 16, MaxNodes: 4096, MaxContainers: 256}

type fuzzStruct struct {
	Name  string         `plist:"Device Name"`
	Date  time.Time      `plist:"Date"`
	Apps  []string       `plist:"Installed Applications"`
	Bag   []byte         `plist:"BackupKeyBag"`
	Flag  bool           `plist:"IsEncrypted"`
	Lock  map[string]any `plist:"Lockdown"`
	Count int64          `plist:"Count"`
}

func seeds(tb testing.TB) [][]byte {
	val := map[string]any{"Device Name": "iPhone", "Installed Applications": []any{"a", "b"}, "IsEncrypted": true,
		"Lockdown": map[string]any{"k": []any{uint64(1), 2.5, []byte{1}, map[string]any{"u": plist.UID(3)}}},
		"Date":     time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC), "BackupKeyBag": []byte("VERS")}
	var out [][]byte
	for _, f := range []int{plist.BinaryFormat, plist.XMLFormat, plist.OpenStepFormat, plist.GNUStepFormat} {
		b, err := plist.Marshal(val, f)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return append(out, plisttest.WrappedLength(), plisttest.DeepBinary(40), doubling(20), plisttest.DeepXML(40), plisttest.DeepText(40),
		bplistOf([]byte{0xa1, 0}), []byte("<abcd> ((((( /* ( */ \"(\" )"), []byte("{a=<*I5>;b=<[AAEC]>;c=<0102>;}"))
}

// FuzzUnmarshal: whatever the input, Unmarshal returns (no panic, no
// stack overflow), and an input that passes Check never makes the decoder
// panic: the check covers every way the decoder can fail hard.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v any
		_, err := Unmarshal("f", b, &v, fuzzLimits)
		if errors.Is(err, ErrDecoder) {
			t.Fatalf("decoder panicked on input that passed the check: %v", err)
		}
		var s fuzzStruct
		_, err = Unmarshal("f", b, &s, fuzzLimits)
		if errors.Is(err, ErrDecoder) {
			t.Fatalf("decoder panicked on input that passed the check (struct): %v", err)
		}
		var fe *FormatError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("untyped error %v", err)
		}
	})
}

func TestFuzzCorpus(t *testing.T) {
	fuzzcorpus.Check(t, "FuzzUnmarshal", fuzzcorpus.Bytes(seeds(t)))
}
