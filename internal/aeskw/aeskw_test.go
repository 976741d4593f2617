package aeskw

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// RFC 3394 section 4 test vectors.
var vectors = []struct{ kek, key, wrapped string }{
	{"000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF", "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"},
	{"000102030405060708090A0B0C0D0E0F1011121314151617", "00112233445566778899AABBCCDDEEFF", "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D"},
	{"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "00112233445566778899AABBCCDDEEFF", "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7"},
	{"000102030405060708090A0B0C0D0E0F1011121314151617", "00112233445566778899AABBCCDDEEFF0001020304050607", "031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2"},
	{"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "00112233445566778899AABBCCDDEEFF0001020304050607", "A8F9BC1612C68B3FF6E6F4FBE30E71E4769C8B80A32CB8958CD5D17D6B254DA1"},
	{"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F", "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"},
}

func TestRFC3394(t *testing.T) {
	for _, v := range vectors {
		w, err := Wrap(unhex(v.kek), unhex(v.key))
		if err != nil || !bytes.Equal(w, unhex(v.wrapped)) {
			t.Errorf("Wrap(%s) = %x, %v", v.key, w, err)
		}
		k, err := Unwrap(unhex(v.kek), unhex(v.wrapped))
		if err != nil || !bytes.Equal(k, unhex(v.key)) {
			t.Errorf("Unwrap(%s) = %x, %v", v.wrapped, k, err)
		}
		bad := unhex(v.wrapped)
		bad[len(bad)-1] ^= 1
		if _, err := Unwrap(unhex(v.kek), bad); !errors.Is(err, ErrIntegrity) {
			t.Errorf("corrupted unwrap: %v", err)
		}
	}
}

func TestBadLengths(t *testing.T) {
	kek := make([]byte, 32)
	for _, n := range []int{0, 8, 16, 17, 41} {
		if _, err := Unwrap(kek, make([]byte, n)); !errors.Is(err, ErrLength) {
			t.Errorf("Unwrap len %d: %v", n, err)
		}
	}
	if _, err := Unwrap(make([]byte, 7), make([]byte, 40)); !errors.Is(err, ErrLength) {
		t.Errorf("bad kek: %v", err)
	}
}
