package cbcio

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/iosbackup/iosbackup/internal/fuzzcorpus"
)

var fuzzKey = bytes.Repeat([]byte{0x42}, 32)

// seal encrypts pt with fuzzKey, a zero IV and PKCS#7 padding.
func seal(pt []byte) []byte {
	pad := blockSize - len(pt)%blockSize
	buf := append(bytes.Clone(pt), bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, _ := aes.NewCipher(fuzzKey)
	cipher.NewCBCEncrypter(block, make([]byte, blockSize)).CryptBlocks(buf, buf)
	return buf
}

func cbcSeeds() [][]byte {
	badPad := seal([]byte("0123456789abcdef"))
	badPad[len(badPad)-20] ^= 1 // the previous block: flips a pad byte
	return [][]byte{
		seal(nil), seal([]byte("x")), seal(bytes.Repeat([]byte("a"), 15)), seal(bytes.Repeat([]byte("b"), 16)),
		seal(bytes.Repeat([]byte("c"), 1000)), seal([]byte("hello"))[:15], badPad, {}, make([]byte, 32),
	}
}

// FuzzReader decrypts arbitrary ciphertexts four ways (whole, streamed
// through one-byte and half reads, in parallel segments, and the size
// from the last block) and requires the same plaintext or the same error.
func FuzzReader(f *testing.F) {
	for _, s := range cbcSeeds() {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, ct []byte, mode uint8) {
		want, werr := Decrypt(ct, fuzzKey)
		if werr != nil && !errors.Is(werr, ErrTruncated) && !errors.Is(werr, ErrPadding) {
			t.Fatalf("Decrypt: untyped error %v", werr)
		}
		var src io.Reader = bytes.NewReader(ct)
		switch mode % 3 {
		case 1:
			src = iotest.OneByteReader(src)
		case 2:
			src = iotest.HalfReader(src)
		}
		r, err := NewReader(src, fuzzKey)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if !errors.Is(err, werr) && !(err == nil && werr == nil) {
			t.Fatalf("Reader error %v, Decrypt error %v", err, werr)
		}
		if werr == nil && !bytes.Equal(got, want) {
			t.Fatalf("Reader gave %d bytes, Decrypt %d", len(got), len(want))
		}
		if len(got) > len(ct) {
			t.Fatalf("%d plaintext bytes from %d ciphertext bytes", len(got), len(ct))
		}
		n, err := PlainSize(bytes.NewReader(ct), int64(len(ct)), fuzzKey)
		if werr == nil && (err != nil || n != int64(len(want))) {
			t.Fatalf("PlainSize %d, %v; want %d", n, err, len(want))
		}
		if errors.Is(werr, ErrTruncated) && !errors.Is(err, ErrTruncated) {
			t.Fatalf("PlainSize of a truncated ciphertext: %v", err)
		}
		var m memFile
		n, err = DecryptAt(&m, bytes.NewReader(ct), int64(len(ct)), fuzzKey, 16*int64(1+mode%4), 1+int(mode%3))
		if !errors.Is(err, werr) && !(err == nil && werr == nil) {
			t.Fatalf("DecryptAt error %v, Decrypt error %v", err, werr)
		}
		if werr == nil && (n != int64(len(want)) || !bytes.Equal(m.b, want)) {
			t.Fatalf("DecryptAt gave %d bytes (%d written), want %d", n, len(m.b), len(want))
		}
	})
}

// TestReaderDamage streams damaged ciphertexts spanning several chunks:
// a truncated tail and bad padding give the typed error at the end, after
// the intact plaintext before the final block.
func TestReaderDamage(t *testing.T) {
	pt := bytes.Repeat([]byte("0123456789abcdef"), (2*chunk)/16+3)
	ct := seal(pt)
	for name, c := range map[string]struct {
		ct   []byte
		want error
	}{
		"truncated": {ct[:len(ct)-1], ErrTruncated},
		"badpad":    {append(bytes.Clone(ct[:len(ct)-16]), seal([]byte{})[0:16]...), ErrPadding},
	} {
		r, _ := NewReader(iotest.HalfReader(bytes.NewReader(c.ct)), fuzzKey)
		got, err := io.ReadAll(r)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v", name, err)
		}
		if len(got) > len(pt) || !bytes.Equal(got, pt[:len(got)]) {
			t.Errorf("%s: %d bytes of wrong plaintext", name, len(got))
		}
	}
}

func TestFuzzCorpus(t *testing.T) {
	var seeds [][]any
	for i, s := range cbcSeeds() {
		seeds = append(seeds, []any{s, byte(i % 6)})
	}
	fuzzcorpus.Check(t, "FuzzReader", seeds)
}
