package keybag

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/iosbackup/iosbackup/internal/realdata"
)

// TestDeriveKeyContext checks that a done context stops the derivation
// before the first stage, and between the two stages, with ctx.Err(); and
// that an open one gives the same key as DeriveKey.
func TestDeriveKeyContext(t *testing.T) {
	kb, err := Parse(realdata.Read(t, "pyiosbackup/extracted_from_tests/MANIFEST_KEYBAG_ZEROS.bin"))
	if err != nil {
		t.Fatal(err)
	}
	var stages []string
	var cancelAfter string
	var cancel context.CancelFunc
	old1, old256 := key1, key256
	key1 = func(p, s []byte, i, n int) []byte {
		stages = append(stages, "sha1")
		if cancelAfter == "sha1" {
			cancel()
		}
		return old1(p, s, min(i, 1), n)
	}
	key256 = func(p, s []byte, i, n int) []byte {
		stages = append(stages, "sha256")
		if cancelAfter == "sha256" {
			cancel()
		}
		return old256(p, s, min(i, 1), n)
	}
	defer func() { key1, key256 = old1, old256 }()

	want, err := kb.DeriveKey([]byte("0000"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cancelAfter string // "" cancels before the call, "none" never
		stages      string
		err         error
	}{
		{"", "", context.Canceled},
		{"sha256", "sha256", context.Canceled},
		{"sha1", "sha256 sha1", context.Canceled},
		{"none", "sha256 sha1", nil},
	} {
		stages, cancelAfter = nil, c.cancelAfter
		var ctx context.Context
		ctx, cancel = context.WithCancel(context.Background())
		if c.cancelAfter == "" {
			cancel()
		}
		k, err := kb.DeriveKeyContext(ctx, []byte("0000"))
		got := ""
		for i, s := range stages {
			if i > 0 {
				got += " "
			}
			got += s
		}
		if !errors.Is(err, c.err) || got != c.stages {
			t.Errorf("cancel after %q: stages %q, err %v; want %q, %v", c.cancelAfter, got, err, c.stages, c.err)
		}
		if c.err == nil && !bytes.Equal(k, want) {
			t.Errorf("key %x, want %x", k, want)
		}
		if c.err != nil && k != nil {
			t.Errorf("cancel after %q: key returned with the error", c.cancelAfter)
		}
		cancel()
	}
}
