package nskeyed

import (
	"errors"
	"fmt"

	"github.com/iosbackup/iosbackup/internal/plistsafe"
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
	var top map[string]any
	if _, err := plistsafe.Unmarshal("archive", b, &top, limits); err != nil {
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
	u, ok := v.(plistsafe.UID)
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
	d := &decoder{a: a, seen: map[plistsafe.UID]bool{}, budget: MaxNodes}
	return d.decode(v, 0)
}

type decoder struct {
	a      *Archive
	seen   map[plistsafe.UID]bool
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
	if u, ok := v.(plistsafe.UID); ok {
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

// MaxNesting bounds how deeply containers of the archive's plist may nest
// (NSKeyedArchiver archives nest a handful of levels: objects refer to
// each other by UID, not by nesting).
const MaxNesting = 256

// limits are checked before the plist is decoded (see plistsafe): size,
// nesting, and values and containers once shared binary objects are
// expanded. Real MBFile and message archives hold a few hundred values.
var limits = plistsafe.Limits{
	MaxSize:       MaxSize,
	MaxDepth:      MaxNesting,
	MaxNodes:      MaxNodes,
	MaxContainers: 1 << 18,
}
