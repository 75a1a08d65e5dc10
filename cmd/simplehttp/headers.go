package main

import (
	"net/http"
	"net/textproto"
	"slices"
	"strings"

	"github.com/simplehttp/simplehttp/internal/hopbyhop"
)

// parseHeader parses the value of -H, "Name: value", as Python 3.15's
// --header does. The name must be an HTTP token and the value must not hold
// control characters (a CR or LF would split the response). The headers
// that frame the response are refused: net/http sets them, and a wrong
// Content-Length or Transfer-Encoding would corrupt every response. So is
// Content-Encoding: set on every response, it would label listings, error
// pages and every file that is not so encoded as compressed (browsers
// show them as garbage), and the file server, taking it for a compressor
// in front, leaves Content-Length out of a HEAD; --precompressed serves
// name.gz as name, with the header, to clients that take gzip.
func parseHeader(s string) (header, error) {
	name, value, ok := strings.Cut(s, ":")
	if !ok {
		return header{}, usagef("invalid -H %q: want 'Name: value'", s)
	}
	if !validHeaderName(name) {
		return header{}, usagef("invalid -H %q: %q is not a header name", s, name)
	}
	value = strings.Trim(value, " \t")
	if hasControl(value) {
		return header{}, usagef("invalid -H %q: control character in the value", s)
	}
	name = textproto.CanonicalMIMEHeaderKey(name)
	if name == "Content-Length" || hopbyhop.Is(name) {
		return header{}, usagef("invalid -H %q: the server sets %s itself", s, name)
	}
	if name == "Content-Encoding" {
		return header{}, usagef("invalid -H %q: the server sets Content-Encoding on the responses it encodes; to serve name.gz, .br or .zst in place of name, use --precompressed", s)
	}
	return header{name, value}, nil
}

// hasControl reports whether the header value v holds a control
// character other than a tab, which RFC 9110 does not allow in a field
// value: net/http sends it raw over HTTP/1.x, and drops the whole field
// over HTTP/2.
func hasControl(v string) bool {
	for _, c := range []byte(v) {
		if c < ' ' && c != '\t' || c == 0x7f {
			return true
		}
	}
	return false
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// withHeaders returns middleware that adds hs to every response before
// next runs. A handler may still replace one (the file server sets its own
// Content-Type, and its Cache-Control with --cache-control); set outside
// errorpage, they stay on its pages, but for the page's own Content-Type
// and Content-Length. The values
// of each name are built once and shared by every response (net/http only
// reads them; whoever appends to one gets a copy, the slice being full).
func withHeaders(hs []header) func(http.Handler) http.Handler {
	var names []string
	values := map[string][]string{}
	for _, kv := range hs {
		if values[kv.Name] == nil {
			names = append(names, kv.Name)
		}
		values[kv.Name] = append(values[kv.Name], kv.Value)
	}
	type field struct {
		name   string
		values []string
	}
	fields := make([]field, len(names))
	for i, n := range names {
		fields[i] = field{n, slices.Clip(values[n])}
	}
	return func(next http.Handler) http.Handler {
		if len(fields) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			for _, f := range fields {
				if have := h[f.name]; len(have) == 0 {
					h[f.name] = f.values
				} else {
					h[f.name] = append(have[:len(have):len(have)], f.values...)
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// withServer puts the command's Server header, "simplehttp/VERSION", in
// front of hs, unless hs sets one: Python sends "SimpleHTTP/0.6
// Python/3.14.0" on every response, and -H 'Server: ...' replaces it.
func withServer(hs []header) []header {
	for _, h := range hs {
		if h.Name == "Server" {
			return hs
		}
	}
	return append([]header{{"Server", serverToken()}}, hs...)
}

// serverHeader returns the Server header the responses carry: the one -H
// sets, or serverToken. CGI scripts get it as SERVER_SOFTWARE, as under
// Python, where both are version_string().
func serverHeader(hs []header) string {
	for _, h := range withServer(hs) {
		if h.Name == "Server" {
			return h.Value
		}
	}
	return serverToken()
}

// serverToken is "simplehttp/" and the module version without its "v"
// ("simplehttp/1.2.0", "simplehttp/0.0.0-20260102150405-abcdef123456" for
// a go build in a git checkout), or "simplehttp/devel" for a build without
// a version (go run): an RFC 9110 product token, which "(devel)" is not.
func serverToken() string {
	v := moduleVersion()
	if v == "(devel)" || v == "" {
		v = "devel"
	}
	v = strings.TrimPrefix(v, "v")
	// A pseudo-version's "+incompatible" and the like are tokens too, but
	// keep only token characters whatever the build says.
	v = strings.Map(func(r rune) rune {
		if r < 0x80 && validHeaderName(string(r)) {
			return r
		}
		return -1
	}, v)
	return "simplehttp/" + v
}
