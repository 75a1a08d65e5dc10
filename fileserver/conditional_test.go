package fileserver

import (
	"testing"
	"time"
)

// imfSeeds are If-Modified-Since values around the IMF-fixdate shape.
var imfSeeds = []string{
	"Tue, 02 Jan 2024 03:04:05 GMT",
	"Sun, 06 Nov 1994 08:49:37 GMT",
	"Xyz, 02 Jan 2024 03:04:05 GMT", // any first word ending in a comma
	"Tue, 31 Feb 2024 03:04:05 GMT", // no such day
	"Thu, 29 Feb 2024 23:59:59 GMT",
	"Sun, 29 Feb 2023 00:00:00 GMT",
	"Tue, 02 Jan 0099 03:04:05 GMT", // a two-digit year: 1999
	"Tue, 02 Jan 0000 03:04:05 GMT", // 2000
	"Tue, 02 Jan 2024 24:00:00 GMT",
	"Tue, 02 Jan 2024 03:60:05 GMT",
	"Tue, 02 Jan 2024 03:04:60 GMT",
	"Tue, 00 Jan 2024 03:04:05 GMT",
	"Tue, 02 JAN 2024 03:04:05 GMT", // Python lower-cases the month; the fast path leaves it to the parser
	"Tue, 02 anF 2024 03:04:05 GMT",
	"Tue, 02 Jan 2024 03:04:05 UTC",
	"Tue, 02 Jan 2024 03:04:05 gmt",
	"a b, 02 Jan 2024 03:04:05 GMT", // two words before the comma: Python gives up
	"Tue,  2 Jan 2024 03:04:05 GMT",
	"Tue, +2 Jan 2024 03:04:05 GMT",
	"Tue, 02 Jan 2024 03:04:05 GMT ",
	"1ue, 02 Jan 2024 03:04:05 GMT",
}

// TestIMFFixdate: the allocation-free fast path agrees with the
// Python-compatible parser on every input it accepts, and accepts the
// usual form.
func TestIMFFixdate(t *testing.T) {
	for _, s := range imfSeeds {
		checkIMFFixdate(t, s)
	}
	want := time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC)
	if got, ok := parseIMFFixdate("Sun, 06 Nov 1994 08:49:37 GMT"); !ok || !got.Equal(want) {
		t.Errorf("parseIMFFixdate(RFC 9110's example) = %v, %v; want %v, true", got, ok, want)
	}
	if n := testing.AllocsPerRun(100, func() { parseIMFFixdate("Sun, 06 Nov 1994 08:49:37 GMT") }); n != 0 {
		t.Errorf("parseIMFFixdate allocates %v times", n)
	}
}

func checkIMFFixdate(t *testing.T, s string) {
	t.Helper()
	fast, ok := parseIMFFixdate(s)
	if !ok {
		return
	}
	slow, sok := parseHTTPDate(s)
	if !sok || !slow.Equal(fast) {
		t.Errorf("%q: fast path %v, parser %v, %v", s, fast, slow, sok)
	}
}

// FuzzIMFFixdate checks the allocation-free If-Modified-Since parser
// against the general one. Property: whatever the input, the fast parser
// either declines it (and the general parser decides) or returns exactly
// the time the general parser (net/http's formats) reads from it; it
// never accepts a date the general parser rejects or reads it differently.
func FuzzIMFFixdate(f *testing.F) {
	for _, s := range imfSeeds {
		f.Add(s)
	}
	f.Fuzz(checkIMFFixdate)
}

// TestHTTPDateHugeNumbers: an If-Modified-Since whose year or time zone
// offset is an integer too large for any date is ignored, as Python's
// parsedate_to_datetime raises for it (OverflowError, ValueError) and
// send_head then ignores the header. An offset of 11 digits was taken for
// an unknown zone, read as UTC, and answered 304; on a 32-bit platform an
// offset or year of 10 digits wrapped around to a valid one.
func TestHTTPDateHugeNumbers(t *testing.T) {
	for _, s := range []string{
		"Sun, 06 Nov 2094 08:49:37 +99999999999",
		"Sun, 06 Nov 2094 08:49:37 -99999999999",
		"Sun, 06 Nov 2094 08:49:37 +9999999999",
		"Sun, 06 Nov 2094 08:49:37 +4294967296", // 1<<32
		"Sun, 06 Nov 4294977295 08:49:37 GMT",   // 1<<32 + 9999
		"Sun, 06 Nov 99999999999999999999 08:49:37 GMT",
	} {
		if got, ok := parseHTTPDate(s); ok {
			t.Errorf("parseHTTPDate(%q) = %v, want it ignored", s, got)
		}
	}
	want := time.Date(2094, 11, 6, 8, 49, 37, 0, time.UTC)
	for _, s := range []string{"Sun, 06 Nov 2094 08:49:37 +0000000000000", "Sun, 06 Nov 2094 08:49:37 -0"} {
		if got, ok := parseHTTPDate(s); !ok || !got.Equal(want) {
			t.Errorf("parseHTTPDate(%q) = %v, %v; want %v (UTC)", s, got, ok, want)
		}
	}
}

// FuzzHTTPDate checks the Python-compatible If-Modified-Since parser by
// what Python's parsedate_to_datetime guarantees. Properties: every byte
// Python's str.split() takes for white space in a Latin-1 header (0x09-0x0D,
// 0x1C-0x1F, 0x20, 0x85, 0xA0) separates words alike, so turning each into
// a space changes nothing; the names are matched without regard to ASCII
// case, so upper-casing the ASCII letters changes nothing; and a date that
// is read is a valid UTC time of the years 1-9999.
func FuzzHTTPDate(f *testing.F) {
	for _, s := range imfSeeds {
		f.Add(s)
	}
	for _, s := range []string{
		"Sunday, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 1994",
		"6 Nov 94 8.49.37 UT",
		"Nov 6 1994, 08:49:37 -0000",
		"Tue,\xa002\x85Jan 2024 03:04:05\x1cGMT",
		"Tue, 02 Jan 2024\u300003:04:05 GMT",
		"Tue, 02 Apr\u0130l 2024 03:04:05 GMT",
		"Tue, 02 Jan 2024 03:04:05 E\u017fT",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseHTTPDate(s)
		if ok && (got.Location() != time.UTC || got.Year() < 1 || got.Year() > 9999) {
			t.Fatalf("parseHTTPDate(%q) = %v", s, got)
		}
		spaced, upper := []byte(s), []byte(s)
		for i, c := range spaced {
			if c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || 0x1c <= c && c <= 0x1f || c == 0x85 || c == 0xa0 {
				spaced[i] = ' '
			}
			if 'a' <= c && c <= 'z' {
				upper[i] = c - 'a' + 'A'
			}
		}
		for _, v := range []string{string(spaced), string(upper)} {
			if g, o := parseHTTPDate(v); o != ok || !g.Equal(got) {
				t.Fatalf("parseHTTPDate(%q) = %v, %v but parseHTTPDate(%q) = %v, %v", s, got, ok, v, g, o)
			}
		}
	})
}
