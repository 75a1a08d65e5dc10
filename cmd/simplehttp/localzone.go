package main

import (
	be "encoding/binary"
	"os"
	"regexp"
	"strings"
	"time"
)

// useTZRule makes time.Local the zone of a TZ variable that holds a POSIX
// rule ("JST-9", "CET-1CEST,M3.5.0,M10.5.0/3"), as the C library does for
// Python: its log's time stamps are in local time. Go reads TZ only as
// the name of a zoneinfo file and takes UTC when there is none, so a
// container without tzdata, given its zone as a rule for that very
// reason, logged in UTC. A TZ that names a file keeps Go's reading of it.
func useTZRule() {
	tz, ok := os.LookupEnv("TZ")
	if !ok || time.Local.String() != "UTC" {
		return // unset (/etc/localtime), or a zone Go has loaded
	}
	if loc := tzRule(tz); loc != nil {
		time.Local = loc
	}
}

// tzRuleUnknown is the abbreviation of tzRule's fallback zone, which no
// POSIX rule can give: a name of it is three letters or more, or <quoted>.
const tzRuleUnknown = "?"

// tzRuleStart is how a rule starts for the C library: the standard
// time's name, letters, or <quoted> letters, digits, '+' and '-', at
// least three, then its offset. Go reads any text up to a digit or sign as
// the name: "Etc/GMT-9", a zone name whose file is missing, would be 9
// hours ahead of a "Etc/GMT" where Python logs in UTC.
var tzRuleStart = regexp.MustCompile(`^(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)[+-]?[0-9]`)

// tzRule returns the location of the POSIX TZ rule tz, or nil if tz is
// not one (a zone name such as "Asia/Tokyo", whose file is missing, or
// ":name", which the C library reads only as a file name). It is built as
// a zoneinfo file with no transitions whose footer is the rule: Go follows
// that footer for every time.
func tzRule(tz string) *time.Location {
	if !tzRuleStart.MatchString(tz) || strings.ContainsAny(tz, "\n\x00") {
		return nil
	}
	// A version 2 file: the header and data in 32 bits, then again in
	// 64 bits, then the footer. The one local time type is UTC, named
	// tzRuleUnknown, what Go falls back to when it cannot read the rule.
	block := func(b []byte) []byte {
		b = append(b, "TZif2"...)
		b = append(b, make([]byte, 15)...)
		// Counts: UT/local and standard/wall indicators, leap seconds,
		// transitions, local time types, abbreviation bytes.
		for _, n := range []uint32{0, 0, 0, 0, 1, uint32(len(tzRuleUnknown) + 1)} {
			b = be.BigEndian.AppendUint32(b, n)
		}
		b = append(b, 0, 0, 0, 0, 0, 0) // offset 0, not DST, abbreviation 0
		return append(b, tzRuleUnknown+"\x00"...)
	}
	data := block(block(nil))
	data = append(data, "\n"+tz+"\n"...)
	loc, err := time.LoadLocationFromTZData(tz, data)
	if err != nil {
		return nil
	}
	if name, _ := time.Unix(0, 0).In(loc).Zone(); name == tzRuleUnknown {
		return nil
	}
	return loc
}
