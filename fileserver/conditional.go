package fileserver

import (
	"strings"
	"time"

	"github.com/simplehttp/simplehttp/internal/pyescape"
)

// notModifiedSince applies the If-Modified-Since rule of Python's send_head:
// it reports whether a file with the given mtime may be answered 304 for the
// request header value ims. Only dates Python reads as UTC count.
func notModifiedSince(ims string, mtime time.Time) bool {
	t, ok := parseIMFFixdate(ims)
	if !ok {
		t, ok = parseHTTPDate(ims)
	}
	if !ok {
		return false
	}
	// Python compares the mtime truncated to whole seconds.
	return mtime.Unix() <= t.Unix()
}

var (
	monthNames = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul",
		"aug", "sep", "oct", "nov", "dec",
		"january", "february", "march", "april", "may", "june", "july",
		"august", "september", "october", "november", "december"}
	dayNames = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	// zoneNames is email._parseaddr._timezones, offsets in Python's
	// hhmm-as-integer form.
	zoneNames = map[string]int{"UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
		"AST": -400, "ADT": -300, "EST": -500, "EDT": -400,
		"CST": -600, "CDT": -500, "MST": -700, "MDT": -600,
		"PST": -800, "PDT": -700}
)

// parseHTTPDate follows Python's email.utils.parsedate_to_datetime and the
// check in SimpleHTTPRequestHandler.send_head: it returns the date when
// Python would use it, that is when the date parses and its zone is UTC
// (GMT, UT, UTC, Z, +0000), -0000, unknown or absent. Any other offset, and
// anything unparsable, yields ok == false: Python ignores the header then.
// Python sees the header as Latin-1 text, one character a byte, so the
// words are split and the names matched byte by byte (pyescape.Fields,
// asciiLower), not as UTF-8.
func parseHTTPDate(s string) (time.Time, bool) {
	data := pyescape.Fields(s)
	if len(data) == 0 {
		return time.Time{}, false
	}
	if strings.HasSuffix(data[0], ",") || contains(dayNames, asciiLower(data[0])) {
		data = data[1:]
	} else if i := strings.LastIndexByte(data[0], ','); i >= 0 {
		data[0] = data[0][i+1:]
	}
	if len(data) == 3 { // RFC 850 date
		if stuff := strings.Split(data[0], "-"); len(stuff) == 3 {
			data = append(stuff, data[1:]...)
		}
	}
	if len(data) == 4 {
		s := data[3]
		i := strings.IndexByte(s, '+')
		if i == -1 {
			i = strings.IndexByte(s, '-')
		}
		if i > 0 {
			data = append(data[:3:3], s[:i], s[i:])
		} else {
			data = append(data, "")
		}
	}
	if len(data) < 5 {
		return time.Time{}, false
	}
	dd, mm, yy, tm, tz := data[0], data[1], data[2], data[3], data[4]
	if dd == "" || mm == "" || yy == "" {
		return time.Time{}, false
	}
	mm = asciiLower(mm)
	if !contains(monthNames, mm) {
		dd, mm = mm, asciiLower(dd)
		if !contains(monthNames, mm) {
			return time.Time{}, false
		}
	}
	month := index(monthNames, mm) + 1
	if month > 12 {
		month -= 12
	}
	dd = strings.TrimSuffix(dd, ",")
	if strings.IndexByte(yy, ':') > 0 {
		yy, tm = tm, yy
	}
	if strings.HasSuffix(yy, ",") {
		yy = yy[:len(yy)-1]
		if yy == "" {
			return time.Time{}, false
		}
	}
	if yy == "" || yy[0] < '0' || yy[0] > '9' {
		yy, tz = tz, yy
	}
	if tm == "" {
		return time.Time{}, false
	}
	tm = strings.TrimSuffix(tm, ",")
	var thh, tmm, tss string
	switch parts := strings.Split(tm, ":"); {
	case len(parts) == 2:
		thh, tmm, tss = parts[0], parts[1], "0"
	case len(parts) == 3:
		thh, tmm, tss = parts[0], parts[1], parts[2]
	case len(parts) == 1 && strings.Contains(tm, "."):
		dots := strings.Split(tm, ".")
		switch len(dots) {
		case 2:
			thh, tmm, tss = dots[0], dots[1], "0"
		case 3:
			thh, tmm, tss = dots[0], dots[1], dots[2]
		default:
			return time.Time{}, false
		}
	default:
		return time.Time{}, false
	}
	year, ok1 := pyInt(yy)
	day, ok2 := pyInt(dd)
	hour, ok3 := pyInt(thh)
	minute, ok4 := pyInt(tmm)
	sec, ok5 := pyInt(tss)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return time.Time{}, false
	}
	// The zone: only what Python ends up calling UTC is usable.
	tz = asciiUpper(tz)
	if off, known := zoneNames[tz]; known {
		if off != 0 {
			return time.Time{}, false
		}
	} else if off, isInt := pyInt(tz); isInt && off != 0 {
		return time.Time{}, false
	}
	return pyDate(year, month, day, hour, minute, sec)
}

// asciiLower lower-cases the ASCII letters of s and leaves every other
// byte: Python's lower() of a Latin-1 character outside ASCII is never an
// ASCII letter, where strings.ToLower turns U+0130 into 'i' and
// U+212A (Kelvin) into 'k'.
func asciiLower(s string) string {
	return asciiCase(s, 'A', 'Z', 'a'-'A')
}

// asciiUpper upper-cases the ASCII letters of s, as asciiLower lowers
// them (strings.ToUpper turns U+017F, long s, into 'S').
func asciiUpper(s string) string {
	return asciiCase(s, 'a', 'z', 'A'-'a')
}

func asciiCase(s string, lo, hi byte, delta int) string {
	i := 0
	for i < len(s) && (s[i] < lo || s[i] > hi) {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if lo <= b[i] && b[i] <= hi {
			b[i] = byte(int(b[i]) + delta)
		}
	}
	return string(b)
}

// pyDate is the end of Python's parsedate_to_datetime for a UTC date: a
// two-digit year is moved to 1969-2068, and datetime() rejects
// out-of-range fields, which makes send_head ignore the header.
func pyDate(year, month, day, hour, minute, sec int) (time.Time, bool) {
	if year < 100 {
		if year > 68 {
			year += 1900
		} else {
			year += 2000
		}
	}
	if year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > daysIn(time.Month(month), year) ||
		hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC), true
}

// parseIMFFixdate reads the one date format nearly every client sends,
// RFC 9110's IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), without
// allocating, and gives the answer parseHTTPDate gives for it. It reports
// false for anything else, including IMF-fixdate with other capitals or
// spacing, which parseHTTPDate then reads as Python does.
func parseIMFFixdate(s string) (time.Time, bool) {
	if len(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
		s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25:] != " GMT" {
		return time.Time{}, false
	}
	// Python drops a first word that ends in a comma, whatever it is;
	// three letters keep it a single word.
	for i := 0; i < 3; i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return time.Time{}, false
		}
	}
	month := strings.Index("JanFebMarAprMayJunJulAugSepOctNovDec", s[8:11])
	if month < 0 || month%3 != 0 {
		return time.Time{}, false
	}
	day, ok1 := digits(s[5:7])
	year, ok2 := digits(s[12:16])
	hour, ok3 := digits(s[17:19])
	minute, ok4 := digits(s[20:22])
	sec, ok5 := digits(s[23:25])
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return time.Time{}, false
	}
	return pyDate(year, month/3+1, day, hour, minute, sec)
}

// digits parses s, which must be all ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// pyIntHuge is what pyInt gives for an integer past 1,000,000,009.
const pyIntHuge = 2e9

// pyInt parses an integer the way Python's int(str) does for the inputs
// that matter here: optional sign, ASCII digits, single underscores between
// digits. Any value past 1,000,000,009 is pyIntHuge, with its sign.
func pyInt(s string) (int, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > 1e8 {
			// Far outside any valid field, yet an integer: Python's
			// int() takes any length, and then datetime() refuses it
			// (a time zone offset too, which must not pass for an
			// unknown zone, read as UTC). n*10 never passes
			// 1,000,000,009: an int of 32 bits holds it.
			n = pyIntHuge
			continue
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func contains(list []string, s string) bool { return index(list, s) >= 0 }

func index(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
