package records

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/unicode/norm"
)

// foldPhone folds the compatibility forms of a phone number (or any
// handle) to their plain form with Unicode NFKC: full-width digits and
// punctuation ("０９０－１２３４－５６７８") become ASCII ("090-1234-5678").
// Every comparison of numbers goes through it.
func foldPhone(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return norm.NFKC.String(s)
		}
	}
	return s
}

// E164 returns a phone number in E.164 form ("+819012345678"), the form
// people and programs can deduplicate and dial from anywhere. A number
// written without its country code is read as a number of region (an ISO
// 3166 code such as "JP" or "us"; "" when unknown, in which case only
// numbers written with their country code, "+…" or "00…", convert).
// Full-width digits are folded first. ok is false for text that is not a
// possible phone number (emails, short codes, service codes with * or #).
// The rules are those of libphonenumber (github.com/nyaruka/phonenumbers).
func E164(number, region string) (string, bool) {
	n, ok := parsePhone(number, region)
	if !ok {
		return "", false
	}
	e := phonenumbers.Format(n, phonenumbers.E164)
	if !phonenumbers.IsValidNumber(n) {
		// A possible but invalid number (a fictional 555 number, a
		// misdialled one) is kept only if it reads back as itself: for
		// some, libphonenumber strips a national prefix the second time.
		again, err := phonenumbers.Parse(e, "ZZ")
		if err != nil || phonenumbers.Format(again, phonenumbers.E164) != e {
			return "", false
		}
	}
	return e, true
}

func parsePhone(number, region string) (*phonenumbers.PhoneNumber, bool) {
	s := strings.TrimSpace(foldPhone(number))
	if len(s) >= 4 && strings.EqualFold(s[:4], "tel:") {
		s = s[4:]
	}
	if i := strings.IndexAny(s, ",;"); i >= 0 {
		s = s[:i]
	}
	if s == "" || len(s) > 64 || strings.ContainsAny(s, "@*#") || !strings.ContainsAny(s, "0123456789") {
		return nil, false
	}
	region = strings.ToUpper(strings.TrimSpace(region))
	if region == "" {
		region = "ZZ" // unknown: only international forms parse
	}
	n, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return nil, false
	}
	return n, true
}

// RegionOfNumber returns the ISO 3166 region (upper case, e.g. "JP") of a
// phone number written with its country code, such as the phone's own
// number in a backup's Info.plist; "" when it cannot tell. Numbers of a
// country calling code shared by several regions give the main one
// ("+1…" gives "US" unless the number belongs to another NANP region).
func RegionOfNumber(number string) string {
	n, ok := parsePhone(number, "")
	if !ok {
		return ""
	}
	if r := phonenumbers.GetRegionCodeForNumber(n); r != "" && r != "ZZ" && r != "001" {
		return r
	}
	if r := phonenumbers.GetRegionCodeForCountryCode(int(n.GetCountryCode())); r != "ZZ" && r != "001" {
		return r
	}
	return ""
}

// RegionOfICCID returns the ISO 3166 region of the SIM card whose ICCID is
// given: the digits after the telecom prefix 89 are the country calling
// code (ITU-T E.118), e.g. "8981…" is Japan. "" when it cannot tell.
func RegionOfICCID(iccid string) string {
	d := strings.TrimSpace(foldPhone(iccid))
	if len(d) < 6 || !strings.HasPrefix(d, "89") {
		return ""
	}
	for i := 0; i < len(d); i++ {
		if (d[i] < '0' || d[i] > '9') && !(i == len(d)-1 && (d[i] == 'F' || d[i] == 'f')) {
			return ""
		}
	}
	d = d[2:]
	if strings.HasPrefix(d, "01") { // North America writes its code 1 as 01
		d = d[1:]
	}
	cc, err := strconv.Atoi(d[:ccLen(d)])
	if err != nil {
		return ""
	}
	if r := phonenumbers.GetRegionCodeForCountryCode(cc); r != "ZZ" && r != "001" {
		return r
	}
	return ""
}
