package cbcio

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/iotest"
)

func encrypt(t testing.TB, key, pt []byte) []byte {
	pad := blockSize - len(pt)%blockSize
	ct := append(append([]byte(nil), pt...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	cipher.NewCBCEncrypter(b, make([]byte, blockSize)).CryptBlocks(ct, ct)
	return ct
}

func TestRoundTripSizes(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 15, 16, 17, 31, 32, chunk - 1, chunk, chunk + 1, chunk + 15, chunk + 16, 3*chunk + 5} {
		pt := make([]byte, n)
		for i := range pt {
			pt[i] = byte(rng.Uint32())
		}
		ct := encrypt(t, key, pt)
		for _, wrap := range []func(io.Reader) io.Reader{func(r io.Reader) io.Reader { return r }, iotest.OneByteReader, iotest.HalfReader} {
			r, err := NewReader(wrap(bytes.NewReader(ct)), key)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("size %d: got %d bytes, %v", n, len(got), err)
			}
		}
		r, _ := NewReader(bytes.NewReader(ct), key)
		var w bytes.Buffer
		if _, err := io.Copy(&w, r); err != nil || !bytes.Equal(w.Bytes(), pt) {
			t.Fatalf("WriteTo size %d: %v", n, err)
		}
		size, err := PlainSize(bytes.NewReader(ct), int64(len(ct)), key)
		if err != nil || size != int64(n) {
			t.Fatalf("PlainSize %d = %d, %v", n, size, err)
		}
		all, err := Decrypt(ct, key)
		if err != nil || !bytes.Equal(all, pt) {
			t.Fatalf("Decrypt %d: %v", n, err)
		}
	}
}

// The pyiosbackup known answer (docs/FORMAT.md §16.3): zero key, "Test data".
func TestKnownAnswer(t *testing.T) {
	ct, _ := hex.DecodeString("78b51ca5374c3ad575174288688cda49")
	r, _ := NewReader(bytes.NewReader(ct), make([]byte, 32))
	got, err := io.ReadAll(r)
	if err != nil || string(got) != "Test data" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestDamage(t *testing.T) {
	key := bytes.Repeat([]byte{9}, 32)
	ct := encrypt(t, key, bytes.Repeat([]byte("x"), 100))
	for name, c := range map[string]struct {
		ct   []byte
		want error
	}{
		"empty":     {nil, ErrTruncated},
		"truncated": {ct[:len(ct)-3], ErrTruncated},
		"bad pad":   {append(append([]byte(nil), ct[:len(ct)-16]...), make([]byte, 16)...), ErrPadding},
		"wrong key": {encrypt(t, bytes.Repeat([]byte{1}, 32), []byte("0123456789abcdef")), ErrPadding},
	} {
		r, _ := NewReader(bytes.NewReader(c.ct), key)
		_, err := io.ReadAll(r)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if _, err := NewReader(bytes.NewReader(ct), []byte{1}); !errors.Is(err, ErrKey) {
		t.Errorf("bad key: %v", err)
	}
}

func BenchmarkReader(b *testing.B) {
	key := bytes.Repeat([]byte{7}, 32)
	pt := make([]byte, 64<<20)
	ct := encrypt(b, key, pt)
	b.SetBytes(int64(len(ct)))
	for b.Loop() {
		r, _ := NewReader(bytes.NewReader(ct), key)
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

type memFile struct {
	mu sync.Mutex
	b  []byte
}

func (m *memFile) WriteAt(p []byte, off int64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if need := int(off) + len(p); need > len(m.b) {
		m.b = append(m.b, make([]byte, need-len(m.b))...)
	}
	return copy(m.b[off:], p), nil
}

func (m *memFile) Truncate(n int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if int(n) > len(m.b) {
		m.b = append(m.b, make([]byte, int(n)-len(m.b))...)
	}
	m.b = m.b[:n]
	return nil
}

func TestDecryptAt(t *testing.T) {
	key := bytes.Repeat([]byte{3}, 32)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 16, 100, 4095, 4096, 4097, 50000} {
		pt := make([]byte, n)
		for i := range pt {
			pt[i] = byte(rng.Uint32())
		}
		ct := encrypt(t, key, pt)
		for _, seg := range []int64{16, 48, 4096, 1 << 20} {
			for _, w := range []int{1, 3} {
				out := &memFile{}
				got, err := DecryptAt(out, bytes.NewReader(ct), int64(len(ct)), key, seg, w)
				if err != nil || got != int64(n) || !bytes.Equal(out.b, pt) {
					t.Fatalf("n %d seg %d workers %d: %d %v", n, seg, w, got, err)
				}
			}
		}
	}
	ct := encrypt(t, key, make([]byte, 100))
	ct[len(ct)-1] ^= 0x55
	if _, err := DecryptAt(&memFile{}, bytes.NewReader(ct), int64(len(ct)), key, 32, 2); !errors.Is(err, ErrPadding) {
		t.Fatalf("bad padding: %v", err)
	}
	if _, err := DecryptAt(&memFile{}, bytes.NewReader(ct[:50]), 50, key, 32, 2); !errors.Is(err, ErrTruncated) {
		t.Fatalf("truncated: %v", err)
	}
}

func TestDecryptInPlace(t *testing.T) {
	key := bytes.Repeat([]byte{5}, 32)
	for _, n := range []int{0, 15, 16, 4096*16 - 1, 4096 * 16, 100000, 300001} {
		pt := make([]byte, n)
		for i := range pt {
			pt[i] = byte(i * 31)
		}
		ct := encrypt(t, key, pt)
		for _, w := range []int{1, 2, 3, 7} {
			buf := append([]byte(nil), ct...)
			if err := DecryptInPlace(buf, key, w); err != nil {
				t.Fatal(err)
			}
			k, err := Unpad(buf)
			if err != nil || !bytes.Equal(buf[:k], pt) {
				t.Fatalf("n %d workers %d: %v", n, w, err)
			}
		}
	}
	if err := DecryptInPlace(make([]byte, 17), key, 2); !errors.Is(err, ErrTruncated) {
		t.Fatal(err)
	}
}

func TestClose(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	ct := encrypt(t, key, make([]byte, 1<<20))
	r, _ := NewReader(bytes.NewReader(ct), key)
	buf := make([]byte, 100)
	if _, err := r.Read(buf); err != nil {
		t.Fatal(err)
	}
	r.Close()
	r.Close()
	if _, err := r.Read(buf); !errors.Is(err, ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
}

// NewReaderSize decrypts correctly whatever the size hint says.
func TestReaderSizeHint(t *testing.T) {
	key := bytes.Repeat([]byte{4}, 32)
	for _, n := range []int{0, 5, 16, 40, 1000, chunk + 3} {
		pt := bytes.Repeat([]byte{'q'}, n)
		ct := encrypt(t, key, pt)
		for _, hint := range []int64{0, 16, int64(len(ct)), int64(len(ct)) - 16, 3 * chunk} {
			r, err := NewReaderSize(iotest.HalfReader(bytes.NewReader(ct)), key, hint)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("n %d hint %d: %d bytes %v", n, hint, len(got), err)
			}
		}
	}
}

// eofReaderAt returns io.EOF together with the full data when a read ends
// exactly at the end of its input, as io.ReaderAt allows (issue 11, bug 2).
type eofReaderAt struct{ b []byte }

func (r eofReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(r.b)) {
		return 0, io.EOF
	}
	n := copy(p, r.b[off:])
	if off+int64(n) == int64(len(r.b)) {
		return n, io.EOF
	}
	return n, nil
}

func TestReaderAtEOFWithFullData(t *testing.T) {
	key := bytes.Repeat([]byte{5}, 32)
	for _, n := range []int{0, 1, 15, 16, 17, 100, 4096, 50000} {
		pt := bytes.Repeat([]byte{byte(n)}, n)
		ct := encrypt(t, key, pt)
		size, err := PlainSize(eofReaderAt{ct}, int64(len(ct)), key)
		if err != nil || size != int64(n) {
			t.Fatalf("PlainSize %d = %d, %v", n, size, err)
		}
		for _, seg := range []int64{16, 4096} {
			out := &memFile{}
			got, err := DecryptAt(out, eofReaderAt{ct}, int64(len(ct)), key, seg, 2)
			if err != nil || got != int64(n) || !bytes.Equal(out.b, pt) {
				t.Fatalf("DecryptAt n %d seg %d: %d %v", n, seg, got, err)
			}
		}
		// A ReaderAt shorter than the size given is truncated, not a
		// success on stale bytes.
		if len(ct) > 16 {
			if _, err := PlainSize(eofReaderAt{ct[:len(ct)-16]}, int64(len(ct)), key); !errors.Is(err, ErrTruncated) {
				t.Fatalf("short PlainSize %d: %v", n, err)
			}
			if _, err := DecryptAt(&memFile{}, eofReaderAt{ct[:len(ct)-16]}, int64(len(ct)), key, 32, 2); !errors.Is(err, ErrTruncated) {
				t.Fatalf("short DecryptAt %d: %v", n, err)
			}
		}
	}
}

// BenchmarkDecryptInPlace decrypts 64 MiB with one and two goroutines:
// the AES-CBC rate of one core and of two (a floor of extraction).
func BenchmarkDecryptInPlace(b *testing.B) {
	key := bytes.Repeat([]byte{7}, 32)
	buf := make([]byte, 64<<20) // decrypted again and again: the bytes do not matter
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				if err := DecryptInPlace(buf, key, w); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
