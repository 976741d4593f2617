package export

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"os"

	"github.com/gen2brain/heic"
)

// maxHEICPixels bounds the photos HTML converts from HEIC to JPEG (an
// iPhone photo has 12 or 48 million pixels); larger ones stay links.
const maxHEICPixels = 100_000_000

// maxHEICBytes bounds the size of a HEIC file HTML converts (64 MiB).
const maxHEICBytes = 64 << 20

// errHEICTooLarge is returned for photos over the limits.
var errHEICTooLarge = errors.New("export: HEIC photo too large to convert")

// errHEICNative is returned when the HEIC package has loaded a system
// libheif, which would decode untrusted photos outside the sandbox.
var errHEICNative = errors.New("export: HEIC photo not converted: a system libheif is loaded (build with -tags nodynamic to convert in the sandbox)")

// heicPreview decodes the HEIC file src under root and writes it as the
// JPEG dst (mode 0600, through a temporary file). The decoder is
// libheif and libde265 compiled to WebAssembly and run by wazero
// (github.com/gen2brain/heic): pure Go, no cgo, and the C decoders run
// in a sandbox that cannot reach memory outside its own, which matters
// for photos that come from an untrusted backup.
//
// On a machine with the development library libheif.so installed,
// github.com/gen2brain/heic loads it at start-up and would decode with
// it natively, outside the sandbox and without a memory bound; photos
// are then not converted (they stay links) unless the program is built
// with -tags nodynamic, which keeps the WebAssembly decoder.
func heicPreview(ctx context.Context, root *os.Root, src, dst string) (err error) {
	defer func() {
		if r := recover(); r != nil { // the decoder must not take the export down
			err = fmt.Errorf("export: HEIC decoder failed: %v", r)
		}
	}()
	if heic.Dynamic() == nil {
		return errHEICNative
	}
	f, err := root.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() > maxHEICBytes {
		return errHEICTooLarge
	}
	// An ISO base media file starts with its ftyp box; anything else is
	// not worth starting the decoder for.
	var head [12]byte
	if _, err := io.ReadFull(f, head[:]); err != nil || string(head[4:8]) != "ftyp" {
		return errors.New("export: not a HEIF file")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	cfg, err := heic.DecodeConfig(bufio.NewReader(f))
	if err != nil {
		return err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxHEICPixels {
		return errHEICTooLarge
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	img, err := heic.Decode(io.LimitReader(f, maxHEICBytes))
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return writeAtomic(root, dst, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		if err := jpeg.Encode(bw, img, &jpeg.Options{Quality: 85}); err != nil {
			return err
		}
		return bw.Flush()
	})
}
