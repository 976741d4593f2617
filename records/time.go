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

// appleTime converts a Cocoa timestamp (seconds or nanoseconds since
// 2001-01-01 UTC, decided per value) to a UTC time. Zero, NaN and absurd
// values give nil.
func appleTime(v float64) *time.Time {
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

// appleTimeInt is appleTime for integer columns, exact for nanoseconds.
func appleTimeInt(v int64) *time.Time {
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

// unixTime converts Unix seconds to a UTC time; zero gives nil.
func unixTime(v float64) *time.Time {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e12 {
		return nil
	}
	sec, frac := math.Modf(v)
	t := time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC()
	return &t
}

// Date units of the record databases, decided in one place.
//
// Each date column is read in the unit its schema defines, and values
// that cannot be right are reported rather than passed on:
//
//   - sms.db, iOS 6 and later (message.date, date_read, date_delivered,
//     date_edited, date_retracted, attachment.created_date): offsets from
//     2001-01-01 UTC, in seconds up to iOS 10 and in nanoseconds from
//     iOS 11. Migrated databases mix both, so the unit is decided per
//     value (appleTime, appleTimeInt): above 1e11 it is nanoseconds; a
//     seconds value reaches 1e11 only in the year ~5170, and every
//     nanosecond value later than 100 s after 2001 exceeds it.
//   - sms.db, iOS 3 to 5 (the schema with message.address and flags): SMS
//     and MMS rows keep message.date in Unix seconds; iMessage rows
//     (is_madrid = 1) keep date, madrid_date_read and
//     madrid_date_delivered in seconds since 2001, like madrid_attachment.
//     The row's is_madrid decides, never the value.
//   - call_history.db (iOS 4-7): Unix seconds. CallHistory.storedata and
//     AddressBook: seconds since 2001 (Core Data doubles).
//
// A date that decodes outside the window a record can have is left out
// (null) and named in the record's Problems: before 2007-01-01 (no iPhone
// existed) or after the backup's own date plus one day (a phone cannot
// record the future; the day absorbs clock and time zone slack). A bare
// database has no backup date: only the 2007 bound and a far-future bound
// (2100-01-01) apply, so a unit misread by a factor of 1e9 or an epoch
// off by 31 years is still caught in most cases, but a date a few years
// late is not.
type dateLimits struct {
	notBefore, notAfter time.Time
}

var (
	earliestDate = time.Date(2007, 1, 1, 0, 0, 0, 0, time.UTC)
	farFuture    = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// limitsFor returns the window of a database captured at backupDate (zero
// for a bare file).
func limitsFor(backupDate time.Time) dateLimits {
	if backupDate.IsZero() {
		return dateLimits{earliestDate, farFuture}
	}
	return dateLimits{earliestDate, backupDate.UTC().Add(24 * time.Hour)}
}

// check returns t unchanged when it is nil or inside the window; else nil
// and the problem to report for field.
func (l dateLimits) check(field string, t *time.Time) (*time.Time, string) {
	if t == nil {
		return nil, ""
	}
	if t.Before(l.notBefore) {
		return nil, field + ": " + t.Format(time.RFC3339) + " is before " + l.notBefore.Format("2006-01-02") + "; left out"
	}
	if l.notAfter.IsZero() || !t.After(l.notAfter) {
		return t, ""
	}
	return nil, field + ": " + t.Format(time.RFC3339) + " is after " + l.notAfter.Format(time.RFC3339) + "; left out"
}
