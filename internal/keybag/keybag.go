package keybag

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/iosbackup/iosbackup/internal/aeskw"
	"github.com/iosbackup/iosbackup/internal/kdf"
)

// Caps on attacker-controlled work. Apple uses ITER 10,000 and DPIC
// 10,000,000; these allow ten times that.
const (
	MaxIterations = 100_000
	MaxDPIC       = 100_000_000
	MaxSize       = 1 << 20 // a real keybag is about 1.4 KB
)

var (
	// ErrIncorrectKey means the password (or derived key) does not unwrap
	// the class keys: RFC 3394 integrity check failed.
	ErrIncorrectKey = errors.New("keybag: incorrect password or key")
	// ErrNoClassKeys means the keybag holds no class key wrapped with the
	// password, so a password cannot be verified.
	ErrNoClassKeys = errors.New("keybag: no password-wrapped class keys")
	// ErrTooManyIterations means ITER or DPIC exceeds the cap.
	ErrTooManyIterations = errors.New("keybag: iteration count exceeds the cap")
)

// FormatError reports a malformed keybag.
type FormatError struct {
	Offset int
	Msg    string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("keybag: malformed at offset %d: %s", e.Offset, e.Msg)
}

// Wrap flags of a class key.
const (
	WrapDevice   = 1 // wrapped with the device UID key (0x835): not available off the device
	WrapPasscode = 2 // wrapped with the password-derived key
)

// ClassKey is one protection-class record.
type ClassKey struct {
	UUID    []byte
	Class   int    // protection class, 1-11
	Wrap    uint32 // WrapDevice | WrapPasscode
	KeyType uint32 // 0 AES, 1 Curve25519
	WPKY    []byte // wrapped key (40 bytes)
	PBKY    []byte // public key, Curve25519 classes only
}

// DeviceBound reports whether the class key is also wrapped with the
// device key, so that it cannot be used off the device.
func (c *ClassKey) DeviceBound() bool { return c.Wrap&WrapDevice != 0 || c.Wrap&WrapPasscode == 0 }

// Keybag is a parsed backup keybag.
type Keybag struct {
	Version uint32
	Type    uint32
	UUID    []byte
	Wrap    uint32
	Salt    []byte // SALT: PBKDF2-SHA1 salt
	Iter    int    // ITER
	DPWT    uint32
	DPIC    int    // PBKDF2-SHA256 iterations (iOS 10.2+), 0 when absent
	DPSL    []byte // PBKDF2-SHA256 salt (iOS 10.2+), nil when absent
	HasDPIC bool
	Classes []ClassKey // in keybag order
	Attrs   map[string][]byte
}

// Parse decodes a keybag TLV blob.
func Parse(b []byte) (*Keybag, error) {
	if len(b) > MaxSize {
		return nil, &FormatError{Offset: 0, Msg: "keybag too large"}
	}
	kb := &Keybag{Attrs: map[string][]byte{}}
	var cur *ClassKey
	seenUUID, seenWrap := false, false
	off := 0
	for off+8 <= len(b) {
		tag := string(b[off : off+4])
		n := binary.BigEndian.Uint32(b[off+4 : off+8])
		if uint64(n) > uint64(len(b)-off-8) {
			return nil, &FormatError{Offset: off + 4, Msg: fmt.Sprintf("length %d of tag %q exceeds the keybag", n, printable(tag))}
		}
		val := b[off+8 : off+8+int(n)]
		var num uint32
		if n == 4 {
			num = binary.BigEndian.Uint32(val)
		}
		need4 := func() error {
			if n != 4 {
				return &FormatError{Offset: off, Msg: fmt.Sprintf("tag %s must hold 4 bytes", tag)}
			}
			return nil
		}
		switch {
		case tag == "UUID" && !seenUUID:
			seenUUID = true
			kb.UUID = clone(val)
		case tag == "UUID":
			kb.Classes = append(kb.Classes, ClassKey{UUID: clone(val)})
			cur = &kb.Classes[len(kb.Classes)-1]
		case tag == "WRAP" && !seenWrap:
			if err := need4(); err != nil {
				return nil, err
			}
			seenWrap = true
			kb.Wrap = num
		case cur != nil && (tag == "CLAS" || tag == "WRAP" || tag == "KTYP" || tag == "WPKY" || tag == "PBKY"):
			switch tag {
			case "CLAS":
				if err := need4(); err != nil {
					return nil, err
				}
				cur.Class = int(num & 0xF)
			case "WRAP":
				if err := need4(); err != nil {
					return nil, err
				}
				cur.Wrap = num
			case "KTYP":
				if err := need4(); err != nil {
					return nil, err
				}
				cur.KeyType = num
			case "WPKY":
				cur.WPKY = clone(val)
			case "PBKY":
				cur.PBKY = clone(val)
			}
		case tag == "VERS":
			if err := need4(); err != nil {
				return nil, err
			}
			kb.Version = num
		case tag == "TYPE":
			if err := need4(); err != nil {
				return nil, err
			}
			kb.Type = num & 0x3FFFFFFF
		case tag == "SALT":
			kb.Salt = clone(val)
		case tag == "ITER":
			if err := need4(); err != nil {
				return nil, err
			}
			kb.Iter = int(num)
		case tag == "DPWT":
			if err := need4(); err != nil {
				return nil, err
			}
			kb.DPWT = num
		case tag == "DPIC":
			if err := need4(); err != nil {
				return nil, err
			}
			kb.DPIC = int(num)
			kb.HasDPIC = true
		case tag == "DPSL":
			kb.DPSL = clone(val)
		default:
			kb.Attrs[tag] = clone(val)
		}
		off += 8 + int(n)
	}
	if off != len(b) {
		return nil, &FormatError{Offset: off, Msg: "trailing bytes"}
	}
	if !seenUUID && len(kb.Classes) == 0 && kb.Salt == nil {
		return nil, &FormatError{Offset: 0, Msg: "no keybag header"}
	}
	return kb, nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func printable(s string) string {
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			return hex.EncodeToString([]byte(s))
		}
	}
	return s
}

// TwoStage reports whether the keybag uses the iOS 10.2+ derivation.
func (kb *Keybag) TwoStage() bool { return kb.HasDPIC && kb.DPSL != nil }

// CheckCost returns ErrTooManyIterations when deriving would exceed the caps,
// and a FormatError when the parameters are unusable.
func (kb *Keybag) CheckCost() error {
	if kb.Iter <= 0 {
		return &FormatError{Msg: "missing or zero ITER"}
	}
	if len(kb.Salt) == 0 {
		return &FormatError{Msg: "missing SALT"}
	}
	if kb.Iter > MaxIterations {
		return fmt.Errorf("%w: ITER %d > %d", ErrTooManyIterations, kb.Iter, MaxIterations)
	}
	if kb.TwoStage() {
		if kb.DPIC <= 0 {
			return &FormatError{Msg: "zero DPIC"}
		}
		if kb.DPIC > MaxDPIC {
			return fmt.Errorf("%w: DPIC %d > %d", ErrTooManyIterations, kb.DPIC, MaxDPIC)
		}
	}
	return nil
}

// DeriveKey derives the 32-byte key-encryption key from password.
func (kb *Keybag) DeriveKey(password []byte) ([]byte, error) {
	return kb.DeriveKeyContext(context.Background(), password)
}

// DeriveKeyContext is DeriveKey that stops with ctx.Err() when ctx is
// done, checked before and after each of the two derivation stages (a
// stage, once started, runs to its end: the PBKDF2-SHA256 stage takes
// about a second).
func (kb *Keybag) DeriveKeyContext(ctx context.Context, password []byte) ([]byte, error) {
	if err := kb.CheckCost(); err != nil {
		return nil, err
	}
	if err := kdf.CheckSHA1(); err != nil {
		return nil, err // FIPS 140-only mode: no PBKDF2-HMAC-SHA1
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k := password
	if kb.TwoStage() {
		k = key256(password, kb.DPSL, kb.DPIC, 32)
		defer clear(k)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	kek := key1(k, kb.Salt, kb.Iter, 32)
	if err := ctx.Err(); err != nil {
		clear(kek)
		return nil, err
	}
	return kek, nil
}

// Unlocked holds the class keys unwrapped with a key-encryption key.
type Unlocked struct {
	Keys        map[int][]byte // usable class keys by class
	DeviceBound []int          // classes wrapped with the device key too: not usable here
}

// Unlock unwraps every class key wrapped with the password key. A failed
// integrity check on any of them means the key is wrong.
func (kb *Keybag) Unlock(kek []byte) (*Unlocked, error) {
	if len(kek) != 32 {
		return nil, ErrIncorrectKey
	}
	u := &Unlocked{Keys: map[int][]byte{}}
	checked := 0
	for i := range kb.Classes {
		c := &kb.Classes[i]
		if c.Wrap&WrapPasscode == 0 || len(c.WPKY) == 0 {
			if c.Wrap&WrapDevice != 0 {
				u.DeviceBound = append(u.DeviceBound, c.Class)
			}
			continue
		}
		if len(c.WPKY) != 40 {
			return nil, &FormatError{Msg: fmt.Sprintf("class %d: wrapped key is %d bytes, want 40", c.Class, len(c.WPKY))}
		}
		k, err := aeskw.Unwrap(kek, c.WPKY)
		if err != nil {
			for _, v := range u.Keys {
				clear(v)
			}
			return nil, ErrIncorrectKey
		}
		checked++
		if c.Wrap&WrapDevice != 0 {
			// Half-unwrapped: still needs the device key.
			clear(k)
			u.DeviceBound = append(u.DeviceBound, c.Class)
			continue
		}
		u.Keys[c.Class] = k
	}
	if checked == 0 {
		return nil, ErrNoClassKeys
	}
	slices.Sort(u.DeviceBound)
	return u, nil
}

// HashLine returns the "$itunes_backup$" line that hashcat (modes 14700
// and 14800) and John the Ripper take. It carries the wrapped key of the
// first class record of the keybag that has one (whatever its class), as
// the common extractor does: every password-wrapped key, device-bound or
// not, passes the RFC 3394 check with the right password.
func (kb *Keybag) HashLine() (string, error) {
	var wpky []byte
	for i := range kb.Classes {
		c := &kb.Classes[i]
		if c.Wrap&WrapPasscode != 0 && len(c.WPKY) == 40 {
			wpky = c.WPKY
			break
		}
	}
	if wpky == nil {
		return "", ErrNoClassKeys
	}
	if len(kb.Salt) == 0 || kb.Iter <= 0 {
		return "", &FormatError{Msg: "missing SALT or ITER"}
	}
	var sb strings.Builder
	sb.WriteString("$itunes_backup$*")
	if kb.TwoStage() {
		sb.WriteString("10*")
	} else {
		sb.WriteString("9*")
	}
	sb.WriteString(hex.EncodeToString(wpky))
	sb.WriteString("*" + strconv.Itoa(kb.Iter) + "*" + hex.EncodeToString(kb.Salt) + "*")
	if kb.TwoStage() {
		sb.WriteString(strconv.Itoa(kb.DPIC) + "*" + hex.EncodeToString(kb.DPSL))
	} else {
		sb.WriteString("*")
	}
	return sb.String(), nil
}

// ParseHashLine decodes a "$itunes_backup$" line into a keybag with one
// password-wrapped class key, so that a password can be checked against it.
func ParseHashLine(line string) (*Keybag, error) {
	f := strings.Split(strings.TrimSpace(line), "*")
	if len(f) != 7 || f[0] != "$itunes_backup$" || (f[1] != "9" && f[1] != "10") {
		return nil, &FormatError{Msg: "not an $itunes_backup$ line"}
	}
	wpky, err := hex.DecodeString(f[2])
	if err != nil || len(wpky) != 40 {
		return nil, &FormatError{Msg: "bad WPKY field"}
	}
	iter, err := strconv.Atoi(f[3])
	if err != nil {
		return nil, &FormatError{Msg: "bad ITER field"}
	}
	salt, err := hex.DecodeString(f[4])
	if err != nil {
		return nil, &FormatError{Msg: "bad SALT field"}
	}
	kb := &Keybag{Salt: salt, Iter: iter, Classes: []ClassKey{{Class: 1, Wrap: WrapPasscode, WPKY: wpky}}}
	if f[1] == "10" {
		dpic, err := strconv.Atoi(f[5])
		if err != nil {
			return nil, &FormatError{Msg: "bad DPIC field"}
		}
		dpsl, err := hex.DecodeString(f[6])
		if err != nil {
			return nil, &FormatError{Msg: "bad DPSL field"}
		}
		kb.DPIC, kb.DPSL, kb.HasDPIC = dpic, dpsl, true
	}
	return kb, nil
}

// key256 and key1 are PBKDF2-HMAC-SHA256 and -SHA1 (variables so that
// tests can count derivations).
var (
	key256 = kdf.Key256
	key1   = kdf.Key1
)
