package backuptest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/iosbackup/iosbackup/internal/aeskw"
)

// builder holds the state of one Build/Write call.
type builder struct {
	opts Options
	dev  DeviceInfo
	res  *Result

	encrypted bool
	useDP     bool
	// classKeys holds the value wrapped in each class record.
	classKeys map[int][]byte
	out       map[string][]byte
}

// rand returns n deterministic pseudo-random bytes for label: SHA-256 in
// counter mode over the seed and the label.
func (b *builder) rand(label string, n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	var hdr [16]byte
	binary.BigEndian.PutUint64(hdr[:8], uint64(b.opts.Seed))
	for ctr := uint64(0); len(out) < n; ctr++ {
		binary.BigEndian.PutUint64(hdr[8:], ctr)
		h := sha256.New()
		h.Write(hdr[:])
		h.Write([]byte(label))
		out = h.Sum(out)
	}
	return out[:n]
}

func (b *builder) hexRand(label string, n int) string {
	return hex.EncodeToString(b.rand(label, (n+1)/2))[:n]
}

func (b *builder) uuid(label string) string {
	u := strings.ToUpper(hex.EncodeToString(b.rand(label, 16)))
	return u[0:8] + "-" + u[8:12] + "-" + u[12:16] + "-" + u[16:20] + "-" + u[20:32]
}

// defaultClasses mirrors the hv20 keybag: classes 1–11, WRAP=2 for 1–4
// and 6–8, WRAP=3 for 5, 9, 10 and 11.
func defaultClasses() []ClassSpec {
	var cs []ClassSpec
	for c := 1; c <= 11; c++ {
		w := uint32(2)
		if c == 5 || c >= 9 {
			w = 3
		}
		cs = append(cs, ClassSpec{Class: c, Wrap: w})
	}
	return cs
}

func newBuilder(opts Options) (*builder, error) {
	if opts.Era < EraMBDB || opts.Era > Era10_2 {
		return nil, fmt.Errorf("%w: era %d", ErrOption, int(opts.Era))
	}
	if opts.Iterations < 0 || opts.DPIC < 0 {
		return nil, fmt.Errorf("%w: negative iteration count", ErrOption)
	}
	if opts.Password == "" {
		opts.Password = "test"
	}
	if opts.Iterations == 0 {
		opts.Iterations = 10
	}
	if opts.DPIC == 0 {
		opts.DPIC = 10
	}
	if opts.SnapshotState == "" {
		opts.SnapshotState = "finished"
	}
	if opts.ManifestKeyClass == 0 {
		opts.ManifestKeyClass = 4
	}
	if opts.Flat && opts.Nested {
		return nil, fmt.Errorf("%w: Flat and Nested", ErrOption)
	}
	b := &builder{opts: opts, res: &Result{}, out: map[string][]byte{}}
	b.encrypted = opts.Encrypted
	b.useDP = opts.Keybag.ForceDP || (opts.Era == Era10_2 && opts.Encrypted && !opts.Keybag.NoDP)
	b.device()
	if err := b.keybag(); err != nil {
		return nil, err
	}
	return b, nil
}

// DefaultDate returns the default backup date of era (Device.Date); file
// times default to one hour (ModTime, Changed) and 25 hours (Birth) earlier.
func DefaultDate(era Era) time.Time {
	switch era {
	case EraMBDB:
		return time.Date(2016, 8, 1, 10, 0, 0, 0, time.UTC)
	case Era10_1:
		return time.Date(2016, 11, 20, 10, 0, 0, 0, time.UTC)
	}
	return time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)
}

// device fills the per-era device defaults.
func (b *builder) device() {
	d := b.opts.Device
	def := DeviceInfo{Name: "Test iPhone", IMEI: "356938035643809", PhoneNumber: "+1 (555) 010-0199", ICCID: "8901410321111851072"}
	switch b.opts.Era {
	case EraMBDB:
		def.ProductType, def.ProductVersion, def.BuildVersion = "iPhone4,1", "9.3.6", "13G37"
		def.UDID = b.hexRand("udid", 40)
	case Era10_1:
		def.ProductType, def.ProductVersion, def.BuildVersion = "iPhone9,3", "10.1.1", "14B100"
		def.UDID = b.hexRand("udid", 40)
	default:
		def.ProductType, def.ProductVersion, def.BuildVersion = "iPhone14,2", "17.5", "21F79"
		def.UDID = "00008110-" + strings.ToUpper(b.hexRand("udid", 16))
	}
	def.Date = DefaultDate(b.opts.Era)
	def.Serial = "F2LT" + strings.ToUpper(b.hexRand("serial", 8))
	def.Apps = []string{"com.example.notes"}
	or := func(v *string, dv string) {
		if *v == "" {
			*v = dv
		}
	}
	or(&d.Name, def.Name)
	or(&d.ProductType, def.ProductType)
	or(&d.ProductVersion, def.ProductVersion)
	or(&d.BuildVersion, def.BuildVersion)
	or(&d.Serial, def.Serial)
	or(&d.UDID, def.UDID)
	or(&d.IMEI, def.IMEI)
	or(&d.PhoneNumber, def.PhoneNumber)
	or(&d.ICCID, def.ICCID)
	if d.Date.IsZero() {
		d.Date = def.Date
	}
	d.Date = d.Date.UTC()
	if d.Apps == nil {
		d.Apps = def.Apps
	}
	b.dev = d
	b.res.UDID = d.UDID
}

// DeriveKEK computes the key-encryption key of docs/FORMAT.md §6.1: with dp,
// PBKDF2-SHA256(password, dpsl, dpic) then PBKDF2-SHA1(k1, salt, iter);
// otherwise PBKDF2-SHA1(password, salt, iter). It is an independent
// implementation for cross-checking readers.
func DeriveKEK(password string, salt []byte, iter int, dp bool, dpsl []byte, dpic int) ([]byte, error) {
	pw := password
	if dp {
		k1, err := pbkdf2.Key(sha256.New, password, dpsl, dpic, 32)
		if err != nil {
			return nil, err
		}
		pw = string(k1)
	}
	return pbkdf2.Key(sha1.New, pw, salt, iter, 32)
}

// TLV encodes one keybag item: 4-byte tag, uint32 BE length, value.
func TLV(tag string, value []byte) []byte {
	out := make([]byte, 0, 8+len(value))
	out = append(out, tag...)
	for len(out) < 4 {
		out = append(out, ' ')
	}
	out = out[:4]
	out = binary.BigEndian.AppendUint32(out, uint32(len(value)))
	return append(out, value...)
}

// TLVU32 encodes a keybag item with a uint32 BE value.
func TLVU32(tag string, v uint32) []byte {
	return TLV(tag, binary.BigEndian.AppendUint32(nil, v))
}

// GiantTLV returns a keybag item header whose length field claims n bytes
// while only the 8-byte header is present.
func GiantTLV(tag string, n uint32) []byte {
	out := append([]byte(nil), (tag + "    ")[:4]...)
	return binary.BigEndian.AppendUint32(out, n)
}

func (b *builder) keybag() error {
	ko := b.opts.Keybag
	salt := ko.Salt
	if salt == nil {
		salt = b.rand("salt", 20)
	}
	dpsl := ko.DPSL
	if dpsl == nil {
		dpsl = b.rand("dpsl", 20)
	}
	if b.encrypted {
		kek, err := DeriveKEK(b.opts.Password, salt, b.opts.Iterations, b.useDP, dpsl, b.opts.DPIC)
		if err != nil {
			return fmt.Errorf("backuptest: kdf: %w", err)
		}
		b.res.KEK = kek
	}
	vers := ko.Version
	if vers == 0 {
		vers = 3
		if b.opts.Era == Era10_2 {
			vers = 5
		}
	}
	iter := ko.ITER
	if iter == 0 {
		iter = uint32(b.opts.Iterations)
	}
	dpic := ko.DPIC
	if dpic == 0 {
		dpic = uint32(b.opts.DPIC)
	}
	var kb []byte
	kb = append(kb, TLVU32("VERS", vers)...)
	kb = append(kb, TLVU32("TYPE", 1)...)
	kb = append(kb, TLV("UUID", b.rand("keybag-uuid", 16))...)
	kb = append(kb, TLV("HMCK", make([]byte, 40))...)
	kb = append(kb, TLVU32("WRAP", 0)...)
	kb = append(kb, TLV("SALT", salt)...)
	kb = append(kb, TLVU32("ITER", iter)...)
	if b.useDP {
		kb = append(kb, TLVU32("DPWT", 1)...)
		kb = append(kb, TLVU32("DPIC", dpic)...)
		kb = append(kb, TLV("DPSL", dpsl)...)
	}
	classes := ko.Classes
	if classes == nil {
		classes = defaultClasses()
	}
	if ko.NoClassKeys {
		classes = nil
	}
	b.classKeys = map[int][]byte{}
	b.res.ClassWrap = map[int]uint32{}
	for _, cs := range classes {
		key := cs.Key
		if key == nil {
			key = b.rand(fmt.Sprintf("classkey/%d", cs.Class), 32)
		}
		var wpky []byte
		if b.encrypted && cs.Wrap&2 != 0 {
			w, err := aeskw.Wrap(b.res.KEK, key)
			if err != nil {
				return fmt.Errorf("backuptest: wrap class %d: %w", cs.Class, err)
			}
			wpky = w
		} else {
			wpky = b.rand(fmt.Sprintf("wpky/%d", cs.Class), 40)
		}
		if _, dup := b.classKeys[cs.Class]; !dup {
			b.classKeys[cs.Class] = key
			b.res.ClassWrap[cs.Class] = cs.Wrap
		}
		kb = append(kb, TLV("UUID", b.rand(fmt.Sprintf("class-uuid/%d", cs.Class), 16))...)
		kb = append(kb, TLVU32("CLAS", uint32(cs.Class))...)
		kb = append(kb, TLVU32("WRAP", cs.Wrap)...)
		kb = append(kb, TLVU32("KTYP", 0)...)
		kb = append(kb, TLV("WPKY", wpky)...)
	}
	kb = append(kb, ko.Extra...)
	if ko.Raw != nil {
		kb = slices.Clone(ko.Raw)
	}
	b.res.Keybag = kb
	if b.encrypted {
		b.res.ClassKeys = map[int][]byte{}
		for c, k := range b.classKeys {
			b.res.ClassKeys[c] = slices.Clone(k)
		}
	}
	return nil
}

// classKey returns the key used to wrap keys of class c: the keybag's
// class key, or a seeded key no keybag entry matches when c is absent.
func (b *builder) classKey(c int) []byte {
	if k, ok := b.classKeys[c]; ok {
		return k
	}
	return b.rand(fmt.Sprintf("absent-class/%d", c), 32)
}

// EncryptCBC encrypts plain with AES-256-CBC and a zero IV, adding PKCS#7
// padding when pad is set (then an empty input gives one block).
func EncryptCBC(key, plain []byte, pad bool) ([]byte, error) {
	c, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("backuptest: %w", err)
	}
	buf := slices.Clone(plain)
	if pad {
		n := aes.BlockSize - len(buf)%aes.BlockSize
		for range n {
			buf = append(buf, byte(n))
		}
	} else if len(buf)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: unpadded length %d not a multiple of 16", ErrOption, len(buf))
	}
	cipher.NewCBCEncrypter(c, make([]byte, aes.BlockSize)).CryptBlocks(buf, buf)
	return buf, nil
}

// decryptCBC decrypts with AES-256-CBC and a zero IV, without unpadding.
func decryptCBC(key, ct []byte) ([]byte, error) {
	c, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("backuptest: %w", err)
	}
	if len(ct)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("backuptest: ciphertext length %d not a multiple of 16", len(ct))
	}
	out := make([]byte, len(ct))
	cipher.NewCBCDecrypter(c, make([]byte, aes.BlockSize)).CryptBlocks(out, ct)
	return out, nil
}

// entry is a normalised File ready to be written.
type entry struct {
	f                     File
	id                    string
	mode                  uint16
	class                 int
	uid, gid              int
	inode                 uint64
	mtime, birth, changed int64
	size                  int64
	wrapped               []byte // 44-byte EncryptionKey or nil
	fileKey               []byte
	payload               []byte
	payloadName           string
	hasPayload            bool
}

type domPath struct{ domain, path string }

// expand adds the domain-root and parent directory rows.
func (b *builder) expand(files []File) []File {
	given := map[domPath]bool{}
	for _, f := range files {
		given[domPath{f.Domain, f.Path}] = true
	}
	added := map[domPath]bool{}
	var out []File
	add := func(domain, p string) {
		k := domPath{domain, p}
		if given[k] || added[k] {
			return
		}
		added[k] = true
		out = append(out, File{Domain: domain, Path: p, Kind: KindDir})
	}
	for _, f := range files {
		if !b.opts.NoDomainRoots {
			add(f.Domain, "")
		}
		if b.opts.ParentDirs && f.Path != "" {
			parts := strings.Split(f.Path, "/")
			for i := 1; i < len(parts); i++ {
				add(f.Domain, strings.Join(parts[:i], "/"))
			}
		}
		out = append(out, f)
	}
	return out
}

func (b *builder) flat() bool {
	if b.opts.Flat {
		return true
	}
	if b.opts.Nested {
		return false
	}
	return b.opts.Era == EraMBDB
}

func (b *builder) payloadName(id string) string {
	if b.flat() || len(id) < 2 {
		return id
	}
	return id[:2] + "/" + id
}

func (b *builder) entries(files []File) ([]*entry, error) {
	seen := map[string]int{}
	var es []*entry
	for i, f := range b.expand(files) {
		e := &entry{f: f, id: FileID(f.Domain, f.Path)}
		occ := seen[e.id]
		seen[e.id]++
		e.mode = f.Mode
		if e.mode == 0 {
			switch f.Kind {
			case KindDir:
				e.mode = ModeDir
			case KindSymlink:
				e.mode = ModeSymlink
			default:
				e.mode = ModeFile
			}
		}
		e.class = f.Class
		if e.class == 0 && f.Kind == KindFile && !f.NoClass {
			e.class = 3
		}
		e.uid, e.gid = f.UID, f.GID
		if !f.NoOwner {
			if e.uid == 0 {
				e.uid = 501
			}
			if e.gid == 0 {
				e.gid = 501
			}
		}
		e.inode = f.Inode
		if e.inode == 0 {
			e.inode = uint64(10000 + i)
		}
		mt := f.ModTime
		if mt.IsZero() {
			mt = b.dev.Date.Add(-time.Hour)
		}
		bt := f.Birth
		if bt.IsZero() {
			bt = mt.Add(-24 * time.Hour)
		}
		ct := f.Changed
		if ct.IsZero() {
			ct = mt
		}
		e.mtime, e.birth, e.changed = mt.Unix(), bt.Unix(), ct.Unix()
		if f.Kind == KindFile {
			e.size = int64(len(f.Data))
		}
		if f.RecordedSize != nil {
			e.size = *f.RecordedSize
		}
		if f.Kind == KindFile {
			e.hasPayload = !f.NoPayload
			e.payload = slices.Clone(f.Data)
			if b.encrypted && !f.NoKey {
				e.fileKey = b.rand(fmt.Sprintf("filekey/%s/%d", e.id, occ), 32)
				if f.Key != nil {
					e.fileKey = slices.Clone(f.Key)
				}
				w, err := aeskw.Wrap(b.classKey(e.class), e.fileKey)
				if err != nil {
					return nil, fmt.Errorf("backuptest: wrap file key: %w", err)
				}
				if f.BadWrappedKey {
					w = b.rand(fmt.Sprintf("badkey/%s/%d", e.id, occ), 40)
				}
				kc := e.class
				if f.KeyClass != 0 {
					kc = f.KeyClass
				}
				e.wrapped = binary.LittleEndian.AppendUint32(nil, uint32(kc))
				e.wrapped = append(e.wrapped, w...)
				ct, err := EncryptCBC(e.fileKey, f.Data, true)
				if err != nil {
					return nil, err
				}
				e.payload = ct
			}
			if f.Payload != nil {
				e.payload = slices.Clone(f.Payload)
			}
			if e.hasPayload {
				e.payloadName = b.payloadName(e.id)
			}
		}
		es = append(es, e)
	}
	return es, nil
}

func (b *builder) build(files []File) (map[string][]byte, error) {
	es, err := b.entries(files)
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		if e.hasPayload {
			b.out[e.payloadName] = e.payload
		}
		b.res.Entries = append(b.res.Entries, ResultEntry{
			FileID: e.id, Domain: e.f.Domain, Path: e.f.Path, Kind: e.f.Kind,
			Class: e.class, Size: e.size, FileKey: e.fileKey, WrappedKey: e.wrapped,
			PayloadName: e.payloadName, Data: slices.Clone(e.f.Data),
		})
	}
	for _, r := range b.opts.Raw {
		if r.Payload != nil {
			if !safeName(r.FileID) {
				return nil, fmt.Errorf("%w: raw payload for unsafe fileID %q", ErrOption, r.FileID)
			}
			b.out[b.payloadName(r.FileID)] = slices.Clone(r.Payload)
		}
	}
	if b.opts.Era == EraMBDB {
		m, err := b.mbdb(es)
		if err != nil {
			return nil, err
		}
		b.res.MBDB = m
		b.out["Manifest.mbdb"] = m
	} else {
		db, err := b.manifestDB(es)
		if err != nil {
			return nil, err
		}
		b.res.ManifestDB = db
		stored := db
		if b.opts.Era == Era10_2 && b.encrypted {
			mk := b.rand("manifestkey", 32)
			w, err := aeskw.Wrap(b.classKey(b.opts.ManifestKeyClass), mk)
			if err != nil {
				return nil, fmt.Errorf("backuptest: wrap manifest key: %w", err)
			}
			b.res.ManifestKey = mk
			b.res.ManifestKeyBlob = append(binary.LittleEndian.AppendUint32(nil, uint32(b.opts.ManifestKeyClass)), w...)
			stored, err = EncryptCBC(mk, db, !b.opts.ManifestDBNoPadding)
			if err != nil {
				return nil, err
			}
		}
		b.out["Manifest.db"] = stored
	}
	if err := b.plists(); err != nil {
		return nil, err
	}
	for name, data := range b.opts.Extra {
		b.out[name] = slices.Clone(data)
	}
	for _, name := range b.opts.Omit {
		delete(b.out, name)
	}
	if b.opts.Mutate != nil {
		names := make([]string, 0, len(b.out))
		for n := range b.out {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			b.out[n] = b.opts.Mutate(n, b.out[n])
		}
	}
	for name := range b.out {
		if !fs.ValidPath(name) || name == "." || strings.ContainsAny(name, "\\\x00") {
			return nil, fmt.Errorf("%w: output name %q", ErrOption, name)
		}
	}
	return b.out, nil
}
