package records

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/iosbackup/iosbackup/internal/plistsafe"
	"github.com/iosbackup/iosbackup/internal/typedstream"
)

// errSummaryInfo reports a message_summary_info value that is not the
// expected property list.
var errSummaryInfo = errors.New("records: malformed message_summary_info")

// parseSummaryInfo decodes message.message_summary_info, the binary plist
// that iOS 16+ keeps for edited and unsent messages. Its "ec" dictionary
// maps a message part (decimal string) to that part's versions, each
// {d: seconds since 2001, t: attributedBody of the version}; edits holds
// them sorted by part, oldest version first, with Date from d (rounded to
// the microsecond, the precision of a double at that magnitude) and Text
// decoded from t. "rp" lists the retracted (unsent) parts, returned sorted.
// A version whose text cannot be decoded keeps an empty Text and makes
// the error non-nil; the other versions are still returned.
func parseSummaryInfo(b []byte) (edits []Edit, retracted []int, err error) {
	defer func() {
		if r := recover(); r != nil { // the plist decoder must not take the caller down
			edits, retracted, err = nil, nil, fmt.Errorf("%w: %v", errSummaryInfo, r)
		}
	}()
	var doc map[string]any
	if _, err := plistsafe.Unmarshal("message_summary_info", b, &doc, plistsafe.DefaultLimits); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errSummaryInfo, err)
	}
	var errs []error
	if ec, ok := doc["ec"].(map[string]any); ok {
		parts := make([]int, 0, len(ec))
		byPart := map[int][]any{}
		for k, v := range ec {
			p, err := strconv.Atoi(k)
			if err != nil || p < 0 {
				errs = append(errs, fmt.Errorf("%w: edited part %q", errSummaryInfo, k))
				continue
			}
			arr, ok := v.([]any)
			if !ok {
				errs = append(errs, fmt.Errorf("%w: edits of part %d are not an array", errSummaryInfo, p))
				continue
			}
			parts = append(parts, p)
			byPart[p] = arr
		}
		sort.Ints(parts)
		for _, p := range parts {
			for _, ev := range byPart[p] {
				d, ok := ev.(map[string]any)
				if !ok {
					errs = append(errs, fmt.Errorf("%w: edit event of part %d is not a dictionary", errSummaryInfo, p))
					continue
				}
				e := Edit{Part: p}
				if secs, ok := msgPlistNumber(d["d"]); ok {
					// A double near 7e8 resolves ~0.1 µs: round away the noise.
					if t := appleTime(secs); t != nil {
						r := t.Round(time.Microsecond)
						e.Date = &r
					}
				}
				if t, ok := d["t"].([]byte); ok && len(t) > 0 {
					s, err := typedstream.Text(t)
					if err != nil && !errors.Is(err, typedstream.ErrNoText) {
						if r, ok := typedstream.Recover(t); ok {
							s, err = r, nil
						} else {
							errs = append(errs, fmt.Errorf("edit of part %d: %w", p, err))
						}
					}
					e.Text = s
				}
				edits = append(edits, e)
			}
		}
	}
	if rp, ok := doc["rp"].([]any); ok {
		for _, v := range rp {
			if n, ok := msgPlistNumber(v); ok && n >= 0 && n <= math.MaxInt32 {
				retracted = append(retracted, int(n))
			}
		}
		sort.Ints(retracted)
	}
	return edits, retracted, errors.Join(errs...)
}

func msgPlistNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case int:
		return float64(x), true
	}
	return 0, false
}
