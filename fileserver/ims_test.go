package fileserver_test

import (
	"net/http"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// TestIfModifiedSinceLatin1: Python reads a header as Latin-1 text, so a
// raw no-break space (0xA0) or NEL (0x85) between the words of an
// If-Modified-Since date separates them as a space does, and the file is
// answered 304; a Unicode space in UTF-8 (U+3000, U+00A0 as C2 A0) is not
// white space to Python, the date does not parse, and the file is sent.
// Each answer here is what Python 3's http.server gives.
func TestIfModifiedSinceLatin1(t *testing.T) {
	h := mustNew(t, mapFS(), fileserver.Options{})
	for _, tc := range []struct {
		ims  string
		want int
	}{
		{"Tue, 02 Jan 2024 03:04:05 GMT", http.StatusNotModified},
		{"Tue,\xa002 Jan 2024 03:04:05 GMT", http.StatusNotModified},
		{"Tue,\x8502\xa0Jan 2024 03:04:05 GMT", http.StatusNotModified},
		{"Tue, 02 Jan 2024\u300003:04:05 GMT", http.StatusOK},
		{"Tue, 02 Jan 2024 03:04:05\u00a0GMT", http.StatusOK},
		{"Tue, 02 JAN 2024 03:04:05 GMT", http.StatusNotModified},
		{"Tue, 02 Apr\u0130l 2024 03:04:05 GMT", http.StatusOK},        // İ is no 'i' to Python
		{"Tue, 02 Jan 2024 03:04:05 E\u017fT", http.StatusNotModified}, // ſ is no 'S': an unknown zone, UTC
	} {
		if got := serve(t, h, "GET", "/hello.txt", map[string]string{"If-Modified-Since": tc.ims}); got.status != tc.want {
			t.Errorf("If-Modified-Since %q: status %d, want %d", tc.ims, got.status, tc.want)
		}
	}
}

// TestIfModifiedSinceNotDigits: a date whose day, year or time holds a
// character that is not a digit does not parse in Python, and the file
// is sent; ':' and '/' sit next to the digits in ASCII.
func TestIfModifiedSinceNotDigits(t *testing.T) {
	h := mustNew(t, mapFS(), fileserver.Options{})
	for _, ims := range []string{
		"Tue, 0: Jan 2024 03:04:05 GMT",
		"Tue, 02 Jan 20:4 03:04:05 GMT",
		"Tue, 02 Jan 2024 0/:04:05 GMT",
		"Tue, 02 Jan 2024 03:04:0: GMT",
	} {
		if got := serve(t, h, "GET", "/hello.txt", map[string]string{"If-Modified-Since": ims}); got.status != http.StatusOK {
			t.Errorf("If-Modified-Since %q: status %d, want 200", ims, got.status)
		}
	}
}

// TestIfModifiedSinceFormats: the date formats Python's
// email.utils.parsedate_to_datetime reads besides IMF-fixdate (RFC 850,
// asctime, numeric and named zones, hh:mm and dotted times, the words in
// another order), each one second (or minute) after the file's
// modification time, which answers 304 when Python takes the date, and
// one before, which answers 200. Each answer here is what Python 3's
// http.server gives.
func TestIfModifiedSinceFormats(t *testing.T) {
	h := mustNew(t, mapFS(), fileserver.Options{})
	for _, tc := range []struct {
		ims  string
		want int
	}{
		{"02 Jan 2024 03:04:06 GMT", 304},
		{"02 Jan 2024 03:04:04 GMT", 200},
		{"Tuesday, 02-Jan-24 03:04:06 GMT", 304},
		{"Tuesday, 02-Jan-24 03:04:04 GMT", 200},
		{"Tue Jan  2 03:04:06 2024", 304},
		{"Tue Jan  2 03:04:04 2024", 200},
		{"Tue, 02 Jan 2024 03:04:06 +0000", 304},
		{"Tue, 02 Jan 2024 03:04:04 +0000", 200},
		{"Tue, 02 Jan 2024 03:04:06 -0000", 304},
		{"Tue, 02 Jan 2024 03:04:04 -0000", 200},
		{"Tue, 02 Jan 2024 03:04:06 +0100", 200},
		{"Tue, 02 Jan 2024 03:04:04 +0100", 200},
		{"Tue, 02 Jan 2024 03:04:06 EST", 200},
		{"Tue, 02 Jan 2024 03:04:04 EST", 200},
		{"Tue, 02 Jan 2024 03:04:06 UT", 304},
		{"Tue, 02 Jan 2024 03:04:04 UT", 200},
		{"Tue, 02 Jan 2024 03:04:06", 304},
		{"Tue, 02 Jan 2024 03:04:04", 200},
		{"Tue, 02 Jan 2024 03:05 GMT", 304},
		{"Tue, 02 Jan 2024 03:04 GMT", 200},
		{"Tue, 02 Jan 2024 03.04.06 GMT", 304},
		{"Tue, 02 Jan 2024 03.04.04 GMT", 200},
		{"Tue, 02 Jan 2024 03.05 GMT", 304},
		{"Tue, 02 Jan 2024 03.04 GMT", 200},
		{"Tue, Jan 02 2024 03:04:06 GMT", 304},
		{"Tue, Jan 02 2024 03:04:04 GMT", 200},
		{"Tue, 02 Jan 2024, 03:04:06 GMT", 304},
		{"Tue, 02 Jan 2024, 03:04:04 GMT", 200},
		{"Tue, 02 Jan 03:04:06 2024 GMT", 304},
		{"Tue, 02 Jan 03:04:04 2024 GMT", 200},
		{"Tue, 02 Jan 2024 03:04:06+0000", 304},
		{"Tue, 02 Jan 2024 03:04:04+0000", 200},
		{"Tue, 02 Jan 2024 03:04:06-0100", 200},
		{"Tue, 02 Jan 2024 03:04:04-0100", 200},
		{"Tue,02 Jan 2024 03:04:06 GMT", 304},
		{"Tue,02 Jan 2024 03:04:04 GMT", 200},
		{"Tue, 02 January 2024 03:04:06 GMT", 304},
		{"Tue, 02 January 2024 03:04:04 GMT", 200},
		{"Tue, 02 Jan 24 03:04:06 GMT", 304},
		{"Tue, 02 Jan 24 03:04:04 GMT", 200},
		{"Tue, 02 Jan 2024 03:04:06 gmt", 304},
		{"Tue, 02 Jan 2024 03:04:04 gmt", 200},
		{"Tue, 02 Jan 2024 03:04:06 Z", 304},
		{"Tue, 02 Jan 2024 03:04:04 Z", 200},
		{"Tue, 02 Jan 2024 03:04:06, GMT", 304},
		{"Tue, 02 Jan 2024 03:04:04, GMT", 200},
		{"Tue, 02 Jan 2024 03:04:06 +0000 (UTC)", 304},
		{"Tue, 02 Jan 2024 03:04:04 +0000 (UTC)", 200},
		{"Tue, 02 Jan , 03:04:06 GMT", 200},
		{"Tue, 02 Jan , 03:04:04 GMT", 200},
		{"Tue, 02 Jan 2024", 200},
		{"Tue, 02 Jan 2024 03:04:06 0", 304},
		{"Tue, 02 Jan 2024 03:04:04 0", 200},
		{"Tue, 02 Jan 2024 03:04:06 x", 304},
		{"Tue, 02 Jan 2024 03:04:04 x", 200},
		{"Tue, 02 Jan 2024 03.04.06.00 GMT", 200},
		{"Tue, 02 Jan 2024 03.04.04.00 GMT", 200},
		{"Tue, 02 Jan 2024 03:04:06.5 GMT", 200},
		{"Tue, 02 Jan 2024 03:04:04.5 GMT", 200},
		{"Tue, 2 Jan 2024 03:04:06 +0001", 200},
		{"Tue, 2 Jan 2024 03:04:04 +0001", 200},
		// Dates long after the file's that Python cannot read: a
		// part read wrongly would answer 304.
		{"Tue, 02 Jan 2099 0x:04:06 GMT", 200},
		{"Tue, 02 Jan 2099 03:0x:06 GMT", 200},
		{"Tue, 02 Jan 2099 03:04:0x GMT", 200},
		{"Tue, 0x Jan 2099 03:04:06 GMT", 200},
		{"Tue, 02 Jan 20x9 03:04:06 GMT", 200},
		{"Tue, 02 Jan 2099 03:04:06 +01x0", 304}, // an unknown zone: UTC
		{"Tue, 02 Jan 2099 03:04:06:07 GMT", 200},
		{"Tue, 02 Jan 2099 03 GMT", 200},
		{"Tue, 02 Xyz 2099 03:04:06 GMT", 200},
		{"Tue, 02 Jan 2099 03.04.06.07 GMT", 200},
		{"Tue, 02 Jan 2099 03.04:06 GMT", 200},
		{"Tue, 02 Jan 2099, GMT", 200},
		{"Tue, , Jan 2099 03:04:06 GMT", 200},
		{"Tue, 02 Jan x2099 03:04:06 GMT", 200},
		{"Tue, 02-Jan-2099-x 03:04:06 GMT", 200},
		{"Tue,", 200},
		{"", 200},
	} {
		if got := serve(t, h, "GET", "/hello.txt", map[string]string{"If-Modified-Since": tc.ims}); got.status != tc.want {
			t.Errorf("If-Modified-Since %q: status %d, want %d", tc.ims, got.status, tc.want)
		}
	}
}
