package records

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Conversions of scanned SQLite values: a column may hold any storage
// class whatever its declared type, so every reader converts through these.

// asString converts a scanned SQLite value to text ("" for NULL).
func asString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// asFloat converts a scanned SQLite value (number or numeric text) to a
// float64; ok is false for NULL and non-numeric values.
func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	case []byte:
		f, err := strconv.ParseFloat(strings.TrimSpace(string(x)), 64)
		return f, err == nil
	}
	return 0, false
}

// asInt converts a scanned SQLite value to an int64.
func asInt(v any) (int64, bool) {
	if i, ok := v.(int64); ok {
		return i, true
	}
	f, ok := asFloat(v)
	if !ok || math.IsNaN(f) || math.Abs(f) > 9e18 {
		return 0, false
	}
	return int64(f), true
}
