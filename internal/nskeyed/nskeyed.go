package nskeyed

import (
	"encoding/binary"
	"errors"
	"fmt"

	"howett.net/plist"
)

// MaxDepth bounds how deep Decode follows references.
const MaxDepth = 64

// MaxSize bounds the archive size accepted by Parse.
const MaxSize = 64 << 20

// MaxNodes bounds how many values Decode produces in total: shared
// references are expanded at each use, so without a budget a small
// archive whose objects each refer twice to the next one would take
// 2^MaxDepth steps.
const MaxNodes = 1 << 20

// ErrFormat reports an archive that is not a valid NSKeyedArchiver plist.
var ErrFormat = errors.New("nskeyed: not an NSKeyedArchiver archive")

// Archive is a parsed archive.
type Archive struct {
	Objects []any
	Top     map[string]any
}

// Parse decodes the plist and checks the archive envelope.
func Parse(b []byte) (*Archive, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: archive too large", ErrFormat)
	}
	if err := checkBinaryNesting(b); err != nil {
		return nil, err
	}
	var top map[string]any
	if _, err := plist.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	objs, ok := top["$objects"].([]any)
	if !ok {
		return nil, fmt.Errorf("%w: no $objects", ErrFormat)
	}
	t, ok := top["$top"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: no $top", ErrFormat)
	}
	return &Archive{Objects: objs, Top: t}, nil
}

// Root returns the object that $top.root refers to.
func (a *Archive) Root() (any, error) {
	r, ok := a.Top["root"]
	if !ok {
		return nil, fmt.Errorf("%w: no $top.root", ErrFormat)
	}
	return a.Ref(r)
}

// Ref resolves v one level: a UID becomes the object it indexes ("$null"
// becomes nil); any other value is returned as is.
func (a *Archive) Ref(v any) (any, error) {
	u, ok := v.(plist.UID)
	if !ok {
		return v, nil
	}
	if uint64(u) >= uint64(len(a.Objects)) {
		return nil, fmt.Errorf("%w: UID %d out of range (%d objects)", ErrFormat, u, len(a.Objects))
	}
	o := a.Objects[u]
	if s, ok := o.(string); ok && s == "$null" {
		return nil, nil
	}
	return o, nil
}

// ClassName returns the $classname of an object dictionary, or "".
func (a *Archive) ClassName(obj map[string]any) string {
	c, err := a.Ref(obj["$class"])
	if err != nil {
		return ""
	}
	m, ok := c.(map[string]any)
	if !ok {
		return ""
	}
	s, _ := m["$classname"].(string)
	return s
}

// Field resolves obj[key] through references, and unwraps NSData,
// NSString and NSNumber-like containers (NS.data, NS.string, NS.bytes), so
// a caller gets []byte, string, integers, floats, bools, or other values.
func (a *Archive) Field(obj map[string]any, key string) (any, error) {
	v, ok := obj[key]
	if !ok {
		return nil, nil
	}
	return a.value(v, 0)
}

func (a *Archive) value(v any, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("%w: references nested too deep", ErrFormat)
	}
	v, err := a.Ref(v)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return v, nil
	}
	for _, k := range []string{"NS.data", "NS.string", "NS.bytes"} {
		if inner, ok := m[k]; ok {
			return a.value(inner, depth+1)
		}
	}
	return m, nil
}

// Decode converts the archive rooted at v into plain Go values: objects
// become map[string]any (with "$class" replaced by the class name),
// NSArray/NSSet become []any, NSDictionary becomes map[string]any keyed by
// the string form of its keys, NSData []byte, NSString string.
func (a *Archive) Decode(v any) (any, error) {
	d := &decoder{a: a, seen: map[plist.UID]bool{}, budget: MaxNodes}
	return d.decode(v, 0)
}

type decoder struct {
	a      *Archive
	seen   map[plist.UID]bool
	budget int
}

func (d *decoder) decode(v any, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("%w: references nested too deep", ErrFormat)
	}
	if d.budget--; d.budget < 0 {
		return nil, fmt.Errorf("%w: archive expands to more than %d values", ErrFormat, MaxNodes)
	}
	a, seen := d.a, d.seen
	if u, ok := v.(plist.UID); ok {
		if seen[u] {
			return nil, nil // cycle: cut
		}
		seen[u] = true
		defer delete(seen, u)
	}
	v, err := a.Ref(v)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case map[string]any:
		if _, isObj := x["$class"]; !isObj {
			out := make(map[string]any, len(x))
			for k, e := range x {
				dv, err := d.decode(e, depth+1)
				if err != nil {
					return nil, err
				}
				out[k] = dv
			}
			return out, nil
		}
		if nd, ok := x["NS.data"]; ok {
			return d.decode(nd, depth+1)
		}
		if s, ok := x["NS.string"]; ok {
			return d.decode(s, depth+1)
		}
		if objs, ok := x["NS.objects"].([]any); ok {
			if keys, ok := x["NS.keys"].([]any); ok {
				out := make(map[string]any, len(keys))
				for i, k := range keys {
					if i >= len(objs) {
						break
					}
					kd, err := d.decode(k, depth+1)
					if err != nil {
						return nil, err
					}
					vd, err := d.decode(objs[i], depth+1)
					if err != nil {
						return nil, err
					}
					out[fmt.Sprint(kd)] = vd
				}
				return out, nil
			}
			out := make([]any, 0, len(objs))
			for _, o := range objs {
				dv, err := d.decode(o, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, dv)
			}
			return out, nil
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			if k == "$class" {
				out[k] = a.ClassName(x)
				continue
			}
			dv, err := d.decode(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = dv
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			dv, err := d.decode(e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, dv)
		}
		return out, nil
	}
	return v, nil
}

// MaxNesting bounds how deeply containers of a binary plist may nest
// (NSKeyedArchiver archives nest a handful of levels).
const MaxNesting = 256

// checkBinaryNesting refuses binary plists whose containers nest deeper
// than MaxNesting, in time linear in the input: the plist decoder checks
// each container against all its ancestors, so a deep chain would take
// quadratic time. Malformed trailers are left to the decoder to report.
func checkBinaryNesting(b []byte) error {
	if len(b) < 8+32 || string(b[:6]) != "bplist" {
		return nil
	}
	tr := b[len(b)-32:]
	offSize, refSize := int(tr[6]), int(tr[7])
	n, top, table := binary.BigEndian.Uint64(tr[8:]), binary.BigEndian.Uint64(tr[16:]), binary.BigEndian.Uint64(tr[24:])
	body := uint64(len(b) - 32)
	if offSize < 1 || offSize > 8 || refSize < 1 || refSize > 8 || n == 0 || n > body || top >= n ||
		table > body || (body-table)/uint64(offSize) < n {
		return nil
	}
	uint := func(p []byte) uint64 {
		var v uint64
		for _, c := range p {
			v = v<<8 | uint64(c)
		}
		return v
	}
	// children returns the object references of container i (nil for
	// scalars or anything malformed, which the decoder will report).
	children := func(i uint64) []byte {
		off := uint(b[table+i*uint64(offSize) : table+(i+1)*uint64(offSize)])
		if off >= body {
			return nil
		}
		marker := b[off]
		kind := marker >> 4
		if kind != 0xA && kind != 0xC && kind != 0xD {
			return nil
		}
		count, p := uint64(marker&0xF), off+1
		if count == 0xF {
			if p >= body || b[p]>>4 != 1 {
				return nil
			}
			w := uint64(1) << (b[p] & 0xF)
			if w > 8 || p+1+w > body {
				return nil
			}
			count, p = uint(b[p+1:p+1+w]), p+1+w
		}
		if kind == 0xD {
			if count > body {
				return nil
			}
			count *= 2
		}
		if count > body || p+count*uint64(refSize) > body {
			return nil
		}
		return b[p : p+count*uint64(refSize)]
	}
	// Iterative depth-first search; each container is expanded once and
	// its height (levels of containers below and including it) memoized.
	const unknown, visiting = 0, -1
	height := make([]int32, n) // 0 unknown, -1 on the stack, else the height
	type frame struct {
		obj  uint64
		refs []byte
	}
	stack := []frame{{top, children(top)}}
	height[top] = visiting
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if len(f.refs) == 0 {
			h := int32(1)
			refs := children(f.obj)
			for i := 0; i+refSize <= len(refs); i += refSize {
				if r := uint(refs[i : i+refSize]); r < n && height[r] > 0 && height[r]+1 > h {
					h = height[r] + 1
				}
			}
			height[f.obj] = h
			stack = stack[:len(stack)-1]
			continue
		}
		r := uint(f.refs[:refSize])
		f.refs = f.refs[refSize:]
		if r >= n || height[r] == visiting {
			continue // out of range or a cycle: the decoder reports it
		}
		if height[r] != unknown {
			// Already measured through another path.
			if len(stack)+int(height[r]) > MaxNesting {
				return fmt.Errorf("%w: containers nested deeper than %d", ErrFormat, MaxNesting)
			}
			continue
		}
		if len(stack) >= MaxNesting {
			return fmt.Errorf("%w: containers nested deeper than %d", ErrFormat, MaxNesting)
		}
		height[r] = visiting
		stack = append(stack, frame{r, children(r)})
	}
	return nil
}
