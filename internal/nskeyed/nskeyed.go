// Package nskeyed reads NSKeyedArchiver archives (binary or XML plists
// with $archiver, $objects and $top), resolving UID references.
//
// # Security
//
// Archives are untrusted: every UID is bounds-checked, resolution never
// follows more than MaxDepth references, and cycles are cut.
package nskeyed

import (
	"errors"
	"fmt"

	"howett.net/plist"
)

// MaxDepth bounds how deep Decode follows references.
const MaxDepth = 64

// MaxSize bounds the archive size accepted by Parse.
const MaxSize = 64 << 20

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
	return a.decode(v, 0, map[plist.UID]bool{})
}

func (a *Archive) decode(v any, depth int, seen map[plist.UID]bool) (any, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("%w: references nested too deep", ErrFormat)
	}
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
				d, err := a.decode(e, depth+1, seen)
				if err != nil {
					return nil, err
				}
				out[k] = d
			}
			return out, nil
		}
		if d, ok := x["NS.data"]; ok {
			return a.decode(d, depth+1, seen)
		}
		if s, ok := x["NS.string"]; ok {
			return a.decode(s, depth+1, seen)
		}
		if objs, ok := x["NS.objects"].([]any); ok {
			if keys, ok := x["NS.keys"].([]any); ok {
				out := make(map[string]any, len(keys))
				for i, k := range keys {
					if i >= len(objs) {
						break
					}
					kd, err := a.decode(k, depth+1, seen)
					if err != nil {
						return nil, err
					}
					vd, err := a.decode(objs[i], depth+1, seen)
					if err != nil {
						return nil, err
					}
					out[fmt.Sprint(kd)] = vd
				}
				return out, nil
			}
			out := make([]any, 0, len(objs))
			for _, o := range objs {
				d, err := a.decode(o, depth+1, seen)
				if err != nil {
					return nil, err
				}
				out = append(out, d)
			}
			return out, nil
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			if k == "$class" {
				out[k] = a.ClassName(x)
				continue
			}
			d, err := a.decode(e, depth+1, seen)
			if err != nil {
				return nil, err
			}
			out[k] = d
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			d, err := a.decode(e, depth+1, seen)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
		return out, nil
	}
	return v, nil
}
