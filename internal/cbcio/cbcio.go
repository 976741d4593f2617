package cbcio

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/iosbackup/iosbackup/internal/aescbc"
)

const blockSize = aescbc.BlockSize

var (
	// ErrTruncated means the ciphertext is empty or not a multiple of 16 bytes.
	ErrTruncated = errors.New("cbcio: ciphertext truncated (length not a positive multiple of 16)")
	// ErrPadding means the final block does not end in valid PKCS#7 padding.
	ErrPadding = errors.New("cbcio: invalid PKCS#7 padding")
	// ErrKey means the key is not a valid AES key.
	ErrKey = errors.New("cbcio: invalid key length")
)

// chunk is how much ciphertext is read and decrypted at a time.
const chunk = 256 << 10

// Reader decrypts a CBC stream with PKCS#7 padding.
type Reader struct {
	src   io.Reader
	dec   *aescbc.Decrypter
	iv    [blockSize]byte
	buf   []byte // decryption buffer: chunk+blockSize bytes
	tail  [blockSize]byte
	ntail int    // ciphertext block held back from the previous chunk
	out   []byte // plaintext ready to be returned (a window of buf)
	eof   bool
	err   error
	n     int64 // ciphertext bytes read
}

// NewReader returns a reader of the plaintext of src, decrypted with key
// and a zero IV.
func NewReader(src io.Reader, key []byte) (*Reader, error) {
	return NewReaderIV(src, key, make([]byte, blockSize))
}

// NewReaderSize is NewReader for a ciphertext of known size: its buffer
// is no larger than needed, which matters when many small files are read.
func NewReaderSize(src io.Reader, key []byte, size int64) (*Reader, error) {
	return newReader(src, key, make([]byte, blockSize), size)
}

// NewReaderIV is NewReader with an explicit IV.
func NewReaderIV(src io.Reader, key, iv []byte) (*Reader, error) {
	return newReader(src, key, iv, -1)
}

func newReader(src io.Reader, key, iv []byte, size int64) (*Reader, error) {
	dec, err := aescbc.NewDecrypter(key)
	if err != nil || len(iv) != blockSize {
		return nil, ErrKey
	}
	n := chunk
	if size >= 0 && size < chunk {
		// Room for the whole ciphertext and one more block, so that the
		// end of the stream is seen in one fill.
		// At least one block besides the held one, so that every fill
		// makes progress even if the size was wrong.
		n = max(int(size+blockSize-1)/blockSize*blockSize, blockSize)
	}
	r := &Reader{src: src, dec: dec, buf: make([]byte, n+blockSize)}
	copy(r.iv[:], iv)
	return r, nil
}

// ErrClosed is returned by reads after Close.
var ErrClosed = errors.New("cbcio: reader closed")

// Close forgets the key (its round keys are zeroed); later reads return
// ErrClosed. It does not close the source.
func (r *Reader) Close() error {
	if r.err != ErrClosed {
		r.dec.Close()
		r.err, r.out = ErrClosed, nil
	}
	return nil
}

func (r *Reader) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		r.fill()
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

// WriteTo lets io.Copy avoid an intermediate buffer.
func (r *Reader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		for len(r.out) == 0 {
			if r.err != nil {
				if r.err == io.EOF {
					return total, nil
				}
				return total, r.err
			}
			r.fill()
		}
		n, err := w.Write(r.out)
		total += int64(n)
		r.out = r.out[n:]
		if err != nil {
			return total, err
		}
	}
}

// fill reads the next chunk and decrypts every block except the last one
// seen, which is held until the end of the stream is known.
func (r *Reader) fill() {
	buf := r.buf[:cap(r.buf)]
	have := copy(buf, r.tail[:r.ntail])
	r.ntail = 0
	for have < len(buf) && !r.eof {
		n, err := r.src.Read(buf[have:])
		have += n
		r.n += int64(n)
		if err == io.EOF {
			r.eof = true
		} else if err != nil {
			r.err = err
			return
		}
	}
	if !r.eof {
		// buf is full (a multiple of the block size): decrypt all but
		// the last block, which may turn out to be the padded one.
		dec := have - blockSize
		r.dec.CryptBlocks(buf[:dec], buf[:dec], &r.iv)
		r.ntail = copy(r.tail[:], buf[dec:have])
		r.out = buf[:dec]
		return
	}
	if r.n == 0 || r.n%blockSize != 0 {
		r.err = ErrTruncated
		return
	}
	r.dec.CryptBlocks(buf[:have], buf[:have], &r.iv)
	n, err := Unpad(buf[:have])
	if err != nil {
		r.err = err
		return
	}
	r.out = buf[:n]
	r.err = io.EOF
}

// CiphertextError wraps a decryption error with the ciphertext length.
type CiphertextError struct {
	Size int64
	Err  error
}

func (e *CiphertextError) Error() string {
	return fmt.Sprintf("%v (ciphertext %d bytes)", e.Err, e.Size)
}
func (e *CiphertextError) Unwrap() error { return e.Err }

// Decrypt decrypts a whole ciphertext and strips its PKCS#7 padding.
func Decrypt(ct, key []byte) ([]byte, error) {
	pt, err := DecryptNoPad(ct, key)
	if err != nil {
		return nil, err
	}
	n, err := Unpad(pt)
	if err != nil {
		return nil, err
	}
	return pt[:n], nil
}

// DecryptNoPad decrypts a whole ciphertext and keeps any padding.
func DecryptNoPad(ct, key []byte) ([]byte, error) {
	dec, err := aescbc.NewDecrypter(key)
	if err != nil {
		return nil, ErrKey
	}
	defer dec.Close()
	if len(ct) == 0 || len(ct)%blockSize != 0 {
		return nil, ErrTruncated
	}
	pt := make([]byte, len(ct))
	var iv [blockSize]byte
	dec.CryptBlocks(pt, ct, &iv)
	return pt, nil
}

// Unpad returns the length of pt without its PKCS#7 padding.
func Unpad(pt []byte) (int, error) {
	if len(pt) == 0 {
		return 0, ErrPadding
	}
	pad := int(pt[len(pt)-1])
	if pad == 0 || pad > blockSize || pad > len(pt) {
		return 0, ErrPadding
	}
	for _, c := range pt[len(pt)-pad:] {
		if int(c) != pad {
			return 0, ErrPadding
		}
	}
	return len(pt) - pad, nil
}

// readFullAt fills p from ra at off. A ReaderAt may return io.EOF with a
// full p when p ends the input (io.ReaderAt allows it): that is success.
// A short read is ErrTruncated.
func readFullAt(ra io.ReaderAt, p []byte, off int64) error {
	n, err := ra.ReadAt(p, off)
	switch {
	case n == len(p):
		return nil
	case err == nil || err == io.EOF || err == io.ErrUnexpectedEOF:
		return fmt.Errorf("%w: %d bytes at offset %d, want %d", ErrTruncated, n, off, len(p))
	}
	return err
}

// PlainSize returns the plaintext length of a ciphertext of the given size
// read through ra, by decrypting only its final block.
func PlainSize(ra io.ReaderAt, size int64, key []byte) (int64, error) {
	dec, err := aescbc.NewDecrypter(key)
	if err != nil {
		return 0, ErrKey
	}
	defer dec.Close()
	if size <= 0 || size%blockSize != 0 {
		return 0, ErrTruncated
	}
	var b [2 * blockSize]byte
	iv, last := b[:blockSize], b[blockSize:]
	if size >= 2*blockSize {
		if err := readFullAt(ra, b[:], size-2*blockSize); err != nil {
			return 0, err
		}
	} else if err := readFullAt(ra, last, 0); err != nil {
		return 0, err
	}
	if size < 2*blockSize {
		clear(iv)
	}
	var ivb [blockSize]byte
	copy(ivb[:], iv)
	dec.CryptBlocks(last, last, &ivb)
	n, err := Unpad(last)
	if err != nil {
		return 0, err
	}
	return size - blockSize + int64(n), nil
}

// DecryptAt decrypts the ciphertext of size bytes read through src into
// dst at the same offsets, in segments of segSize bytes decrypted by
// workers goroutines at once (CBC decryption of a block needs only the
// block before it, so segments are independent). It strips the PKCS#7
// padding, truncates dst to the plaintext size, and returns that size.
// Memory use is workers×segSize.
func DecryptAt(dst WriterAtTruncater, src io.ReaderAt, size int64, key []byte, segSize int64, workers int) (int64, error) {
	dec, err := aescbc.NewDecrypter(key)
	if err != nil {
		return 0, ErrKey
	}
	defer dec.Close()
	if size <= 0 || size%blockSize != 0 {
		return 0, ErrTruncated
	}
	if segSize < blockSize {
		segSize = 1 << 20
	}
	segSize -= segSize % blockSize
	if workers < 1 {
		workers = 1
	}
	nseg := (size + segSize - 1) / segSize
	next := make(chan int64)
	errs := make(chan error, workers)
	var lastPlain int64
	go func() {
		for i := int64(0); i < nseg; i++ {
			next <- i
		}
		close(next)
	}()
	var mu sync.Mutex
	var first error
	for range workers {
		go func() {
			buf := make([]byte, blockSize+segSize)
			var err error
			for i := range next {
				if err != nil {
					continue
				}
				off := i * segSize
				n := min(segSize, size-off)
				iv := buf[:blockSize]
				ct := buf[blockSize : blockSize+n]
				if off == 0 {
					clear(iv)
					err = readFullAt(src, ct, 0)
				} else {
					err = readFullAt(src, buf[:blockSize+n], off-blockSize)
				}
				if err != nil {
					continue
				}
				var ivb [blockSize]byte
				copy(ivb[:], iv)
				dec.CryptBlocks(ct, ct, &ivb)
				out := ct
				if off+n == size {
					k, perr := Unpad(ct)
					if perr != nil {
						err = perr
						continue
					}
					out = ct[:k]
					mu.Lock()
					lastPlain = off + int64(k)
					mu.Unlock()
				}
				if _, err = dst.WriteAt(out, off); err != nil {
					continue
				}
			}
			if err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
			errs <- err
		}()
	}
	for range workers {
		<-errs
	}
	if first != nil {
		return 0, first
	}
	if err := dst.Truncate(lastPlain); err != nil {
		return 0, err
	}
	return lastPlain, nil
}

// WriterAtTruncater is the output of DecryptAt, e.g. an *os.File.
type WriterAtTruncater interface {
	io.WriterAt
	Truncate(size int64) error
}

// DecryptInPlace decrypts buf (a whole ciphertext, zero IV) in place with
// up to workers goroutines, each on its own stretch of blocks, and keeps
// any padding. It returns ErrTruncated for a length that is not a
// positive multiple of 16.
func DecryptInPlace(buf, key []byte, workers int) error {
	dec, err := aescbc.NewDecrypter(key)
	if err != nil {
		return ErrKey
	}
	defer dec.Close()
	if len(buf) == 0 || len(buf)%blockSize != 0 {
		return ErrTruncated
	}
	blocks := len(buf) / blockSize
	if workers < 1 || blocks < 4096 {
		workers = 1
	}
	per := (blocks + workers - 1) / workers
	// Each stretch needs the ciphertext block before it as its IV: save
	// them before any stretch is decrypted in place.
	ivs := make([][blockSize]byte, workers)
	for w := range workers {
		start := w * per * blockSize
		if start >= len(buf) {
			break
		}
		if start > 0 {
			copy(ivs[w][:], buf[start-blockSize:start])
		}
	}
	var wg sync.WaitGroup
	for w := range workers {
		start := w * per * blockSize
		if start >= len(buf) {
			break
		}
		end := min(start+per*blockSize, len(buf))
		wg.Add(1)
		go func() {
			defer wg.Done()
			dec.CryptBlocks(buf[start:end], buf[start:end], &ivs[w])
		}()
	}
	wg.Wait()
	return nil
}
