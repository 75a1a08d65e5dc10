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
