package records

import (
	"math"
	"time"
)

// appleEpoch is 2001-01-01T00:00:00Z, the reference date of Cocoa and
// Core Data timestamps, as Unix seconds.
const appleEpoch = 978307200

// nsThreshold separates seconds from nanoseconds: a seconds value reaches
// 1e11 only in the year ~5170, while every nanosecond value later than
// 100 s after the epoch exceeds it.
const nsThreshold = 1e11

// AppleTime converts a Cocoa timestamp (seconds or nanoseconds since
// 2001-01-01 UTC, decided per value) to a UTC time. Zero, NaN and absurd
// values give nil.
func AppleTime(v float64) *time.Time {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	if math.Abs(v) > nsThreshold {
		v /= 1e9
	}
	if math.Abs(v) > 1e11 { // still absurd
		return nil
	}
	// Core Data stores doubles: keep microseconds, drop the binary noise
	// below them (e.g. .345000029).
	sec, frac := math.Modf(v)
	t := time.Unix(int64(sec)+appleEpoch, int64(math.Round(frac*1e6))*1e3).UTC()
	return &t
}

// AppleTimeInt is AppleTime for integer columns, exact for nanoseconds.
func AppleTimeInt(v int64) *time.Time {
	if v == 0 {
		return nil
	}
	if v > nsThreshold || v < -nsThreshold {
		t := time.Unix(appleEpoch, 0).Add(time.Duration(v)).UTC()
		return &t
	}
	t := time.Unix(v+appleEpoch, 0).UTC()
	return &t
}

// UnixTime converts Unix seconds to a UTC time; zero gives nil.
func UnixTime(v float64) *time.Time {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e12 {
		return nil
	}
	sec, frac := math.Modf(v)
	t := time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC()
	return &t
}
