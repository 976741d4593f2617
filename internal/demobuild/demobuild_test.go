package demobuild

import (
	"bytes"
	"image/png"
	"testing"
)

func TestImageDecodes(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(Image()))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 48 || b.Dy() != 32 {
		t.Fatalf("image is %v, want 48×32", b)
	}
	// Top-left is sky, bottom-left grass.
	if r, g, b, _ := img.At(0, 0).RGBA(); r>>8 != 0x6c || g>>8 != 0xb4 || b>>8 != 0xe0 {
		t.Errorf("sky pixel = %x %x %x", r>>8, g>>8, b>>8)
	}
	if r, g, b, _ := img.At(0, 31).RGBA(); r>>8 != 0x3c || g>>8 != 0x90+31 || b>>8 != 0x3c {
		t.Errorf("grass pixel = %x %x %x", r>>8, g>>8, b>>8)
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	ra, err := Write(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rb, err := Write(b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ra.KEK, rb.KEK) || !bytes.Equal(ra.ManifestDB, rb.ManifestDB) {
		t.Error("two builds differ")
	}
	if len(ra.KEK) != 32 {
		t.Errorf("KEK is %d bytes", len(ra.KEK))
	}
}
