package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/iosbackup/iosbackup/records/export"
)

// The "text" format: records laid out for people, not programs, by
// export.ContactsText, MessagesText, CallsText, EventsText and
// RemindersText; here are the time zone of --tz and the helpers of the
// chats list.

func shortDate(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "????-??-?? ??:??"
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// zoneFlag resolves --tz: an IANA name ("Asia/Tokyo"), "UTC" or "Local";
// "" is this computer's zone, named when its name can be found (the TZ
// variable, /etc/localtime).
func zoneFlag(name string) (*time.Location, error) {
	if name != "" && name != "Local" {
		loc, err := time.LoadLocation(name)
		if err != nil {
			return nil, usageErr("unknown time zone %q for --tz; use a name such as Europe/Paris, America/New_York or UTC", name)
		}
		return loc, nil
	}
	if tz := os.Getenv("TZ"); tz != "" {
		if loc, err := time.LoadLocation(strings.TrimPrefix(tz, ":")); err == nil {
			return loc, nil
		}
	}
	if target, err := os.Readlink("/etc/localtime"); err == nil {
		if _, zone, ok := strings.Cut(target, "zoneinfo/"); ok {
			if loc, err := time.LoadLocation(zone); err == nil {
				return loc, nil
			}
		}
	}
	return time.Local, nil
}

// zoneLine is the first line of text output: the zone of its times.
func zoneLine(w io.Writer, loc *time.Location, at time.Time) {
	fmt.Fprintf(w, "Times are in %s\n\n", export.ZoneLabel(loc, at))
}
