package aescbc

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func TestSbox(t *testing.T) {
	// FIPS-197 figure 7 entries.
	for _, c := range []struct{ in, out byte }{
		{0x00, 0x63}, {0x01, 0x7c}, {0x10, 0xca}, {0x53, 0xed}, {0x7f, 0xd2},
		{0x80, 0xcd}, {0x9a, 0xb8}, {0xc9, 0xdd}, {0xfe, 0xbb}, {0xff, 0x16},
	} {
		if got := sbox(c.in); got != c.out {
			t.Errorf("sbox(%#02x) = %#02x, want %#02x", c.in, got, c.out)
		}
	}
	// A permutation without fixed or opposite fixed points.
	var seen [256]bool
	for i := range 256 {
		s := sbox(byte(i))
		if seen[s] {
			t.Fatalf("sbox not a permutation: %#02x repeated", s)
		}
		seen[s] = true
		if s == byte(i) || s == ^byte(i) {
			t.Errorf("sbox(%#02x) = %#02x is a (opposite) fixed point", i, s)
		}
	}
}

func TestGmul(t *testing.T) {
	// FIPS-197 §4.2: {57}·{83} = {c1}, {57}·{13} = {fe}.
	if got := gmul(0x57, 0x83); got != 0xc1 {
		t.Errorf("gmul(57, 83) = %02x, want c1", got)
	}
	if got := gmul(0x57, 0x13); got != 0xfe {
		t.Errorf("gmul(57, 13) = %02x, want fe", got)
	}
	for i := 1; i < 256; i++ {
		if gmul(byte(i), 1) != byte(i) || gmul(byte(i), 0) != 0 {
			t.Fatalf("gmul identity fails at %02x", i)
		}
	}
}

func TestInvMixColumn(t *testing.T) {
	// Well-known MixColumns pairs (output → input).
	for _, c := range []struct{ mixed, orig string }{
		{"8e4da1bc", "db135345"},
		{"9fdc589d", "f20a225c"},
		{"01010101", "01010101"},
		{"c6c6c6c6", "c6c6c6c6"},
		{"d5d5d7d6", "d4d4d4d5"},
		{"4d7ebdf8", "2d26314c"},
	} {
		col, _ := hex.DecodeString(c.mixed)
		invMixColumn(col)
		if got := hex.EncodeToString(col); got != c.orig {
			t.Errorf("InvMixColumns(%s) = %s, want %s", c.mixed, got, c.orig)
		}
	}
}

func TestExpandKey(t *testing.T) {
	// FIPS-197 appendix A: first expanded words after the key, and the
	// last four words (the final round key).
	for _, c := range []struct {
		key, next, last string
		nr              int
	}{
		{"2b7e151628aed2a6abf7158809cf4f3c", "a0fafe17", "d014f9a8c9ee2589e13f0cc8b6630ca6", 10},
		{"8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", "fe0c91f7", "e98ba06f448c773c8ecc720401002202", 12},
		{"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "9ba35411", "fe4890d1e6188d0b046df344706c631e", 14},
	} {
		key, _ := hex.DecodeString(c.key)
		var w [(maxRounds + 1) * BlockSize]byte
		nr := expandKey(&w, key)
		if nr != c.nr {
			t.Errorf("key %d bytes: Nr = %d, want %d", len(key), nr, c.nr)
		}
		if !bytes.Equal(w[:len(key)], key) {
			t.Errorf("key %d bytes: schedule does not start with the key", len(key))
		}
		if got := hex.EncodeToString(w[len(key) : len(key)+4]); got != c.next {
			t.Errorf("key %d bytes: w[Nk] = %s, want %s", len(key), got, c.next)
		}
		if got := hex.EncodeToString(w[16*nr : 16*nr+16]); got != c.last {
			t.Errorf("key %d bytes: last round key = %s, want %s", len(key), got, c.last)
		}
		for _, b := range w[16*(nr+1):] {
			if b != 0 {
				t.Fatalf("key %d bytes: wrote past round key %d", len(key), nr)
			}
		}
	}
}

func TestExpandDecKeysLayout(t *testing.T) {
	key, _ := hex.DecodeString("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
	var ek, dk [(maxRounds + 1) * BlockSize]byte
	expandKey(&ek, key)
	expandDecKeys(&dk, key)
	if !bytes.Equal(dk[:16], ek[224:]) || !bytes.Equal(dk[224:], ek[:16]) {
		t.Errorf("first/last decryption keys are not ek[14]/ek[0]")
	}
	col := bytes.Clone(ek[16*13 : 16*13+4])
	invMixColumn(col)
	if !bytes.Equal(dk[16:20], col) {
		t.Errorf("dk[1] column 0 = %x, want InvMixColumns(ek[13]) = %x", dk[16:20], col)
	}

	// AES-128: slots 0..3 unused (zero), slot 4 = ek[10].
	key128, _ := hex.DecodeString("2b7e151628aed2a6abf7158809cf4f3c")
	expandKey(&ek, key128)
	expandDecKeys(&dk, key128)
	if !bytes.Equal(dk[:64], make([]byte, 64)) {
		t.Errorf("AES-128: unused slots not zero: %x", dk[:64])
	}
	if !bytes.Equal(dk[64:80], ek[160:176]) || !bytes.Equal(dk[224:], ek[:16]) {
		t.Errorf("AES-128: first/last decryption keys misplaced")
	}
}

// TestKeyScheduleAsm: the AES-NI SubWord and InvMixColumns give the same
// decryption keys as the pure-Go ones, for every key size (run both ways
// on a CPU with AES-NI; elsewhere the pure-Go path alone).
func TestKeyScheduleAsm(t *testing.T) {
	if !haveAsm {
		t.Skip("no AES-NI")
	}
	defer func() { keyAsm = haveAsm }()
	for _, n := range []int{16, 24, 32} {
		for seed := range 64 {
			key := make([]byte, n)
			for i := range key {
				key[i] = byte(seed*131 + i*29 + n)
			}
			var a, g [(maxRounds + 1) * BlockSize]byte
			keyAsm = true
			expandDecKeys(&a, key)
			keyAsm = false
			expandDecKeys(&g, key)
			if a != g {
				t.Fatalf("key %x: AES-NI schedule differs from the pure-Go one", key)
			}
		}
	}
	var w [4]byte
	for i := range 256 {
		w = [4]byte{byte(i), byte(i + 1), byte(i + 2), byte(i + 3)}
		subWordAsm(&w)
		for j := range 4 {
			if w[j] != sbox(byte(i+j)) {
				t.Fatalf("subWordAsm byte %d of %02x: %02x, want %02x", j, i+j, w[j], sbox(byte(i+j)))
			}
		}
	}
}
