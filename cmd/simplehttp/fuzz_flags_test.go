package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// FuzzHeaderFlag parses any -H value and, when it is taken, sends the
// header on a real response. Properties: a taken header has a token for
// a name and a value without control characters or surrounding blanks,
// is not one net/http frames the response with, and reaches an HTTP/1.1
// client exactly as given (net/http neither drops it nor splits it, so a
// value can never add a header or a body); parsing "Name: value" again
// gives the same header.
func FuzzHeaderFlag(f *testing.F) {
	for _, s := range []string{
		"X-Frame-Options: DENY", "Cache-Control:no-store", "x-a:  b c \t", "Server: mine/1",
		"X-A: a\r\nX-B: b", "X-A: \x00", "X-A: \x7f", "Content-Length: 1", "transfer-encoding: chunked",
		"Connection: close", "Content-Encoding: gzip", "X A: b", ": b", "X-A", "X-A:", "X-A: caf\xc3\xa9 \xff", "Set-Cookie: a=b; Path=/",
	} {
		f.Add(s)
	}
	var sent header
	srv := httptest.NewServer(withHeaders(nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()[sent.Name] = []string{sent.Value}
		io.WriteString(w, "body")
	})))
	f.Cleanup(srv.Close)
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseHeader(s)
		if err != nil {
			return
		}
		if !validHeaderName(h.Name) || hasControl(h.Value) || strings.Trim(h.Value, " \t") != h.Value ||
			h.Name == "Content-Length" || h.Name == "Transfer-Encoding" || h.Name == "Connection" || h.Name == "Content-Encoding" {
			t.Fatalf("parseHeader(%q) = %q", s, h)
		}
		if again, err := parseHeader(h.Name + ": " + h.Value); err != nil || again != h {
			t.Fatalf("parseHeader(%q) = %q, but parseHeader of that = %q, %v", s, h, again, err)
		}
		sent = h
		res, err := srv.Client().Get(srv.URL)
		if err != nil {
			t.Fatalf("-H %q: %v", s, err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || string(body) != "body" || res.StatusCode != 200 {
			t.Fatalf("-H %q: %d %q, %v", s, res.StatusCode, body, err)
		}
		if got := res.Header[h.Name]; !slices.Equal(got, []string{h.Value}) {
			t.Fatalf("-H %q: the client got %s %q, want %q", s, h.Name, got, h.Value)
		}
	})
}

// FuzzSize parses any size flag value. Properties: a size taken is more
// than zero and is the number times its unit, without overflow; written
// back by String and parsed again it is the same size.
func FuzzSize(f *testing.F) {
	for _, s := range []string{"4096", "500K", "1m", "2GiB", "1 T", "8388607T", "8388608T", "9223372036854775807",
		"9223372036854775808", "0", "00", "1.5G", "1,5G", "-1", "+1", "1kB", "K", "", "1 ", " 1", "1\tk", "1\u00a0K"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize(s)
		if err != nil {
			return
		}
		if n <= 0 {
			t.Fatalf("parseSize(%q) = %d", s, n)
		}
		rest := strings.TrimLeft(s, "0123456789")
		if rest == s {
			t.Fatalf("parseSize(%q) = %d without a number", s, n)
		}
		b := byteSize(n)
		var again byteSize
		if err := again.Set(b.String()); err != nil || again != b {
			t.Fatalf("parseSize(%q) = %d, written %q, read again %d, %v", s, n, b.String(), again, err)
		}
	})
}

// FuzzArgs parses any command line, its arguments separated by NUL bytes
// in the input. Properties: parseArgs never panics; a command line it
// takes has a port of 0-65535 and only -H headers parseHeader takes
// (whatever way -H was written: -H 'N: v', -H N v, -HN v, --header=N,
// --head N v); and the same command line parses again to the same
// configuration.
func FuzzArgs(f *testing.F) {
	for _, s := range []string{
		"", "8080", "-1", "--bind\x00127.0.0.1\x0065535", "-H\x00X-A: b\x00-H\x00X-B\x00c", "-HX-A\x00-1",
		"--head=X-A\x00v", "--header\x00X-A", "-H\x00X-A\x00--", "--\x00-H", "--b\x00::1", "--dir=.\x00--dir\x00/",
		"--max-upload\x001G\x00--upload", "-p\x00HTTP/1.1\x000", "--cgi\x00--cgi", "-H\x00Content-Length: 1",
		"--=x", "-", "--", "-\x00-", "--h", "-H\x00:\x00x", "--auth\x00a:b\x00--auth-for\x00write",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Split(s, "\x00")
		if s == "" {
			args = nil
		}
		cfg, err := parseArgs(slices.Clone(args))
		if err != nil {
			return
		}
		if cfg.Port < 0 || cfg.Port > 65535 {
			t.Fatalf("parseArgs(%q): port %d", args, cfg.Port)
		}
		for _, h := range cfg.Headers {
			if again, err := parseHeader(h.Name + ": " + h.Value); err != nil || again != h {
				t.Fatalf("parseArgs(%q): header %q, which parseHeader gives as %q, %v", args, h, again, err)
			}
		}
		again, err := parseArgs(slices.Clone(args))
		if err != nil || !reflect.DeepEqual(again, cfg) {
			t.Fatalf("parseArgs(%q) = %+v, then %+v, %v", args, cfg, again, err)
		}
	})
}
