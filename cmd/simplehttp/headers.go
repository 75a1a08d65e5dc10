package main

import (
	"net/http"
	"net/textproto"
	"strings"
)

// parseHeader parses the value of -H, "Name: value", as Python 3.15's
// --header does. The name must be an HTTP token and the value must not hold
// control characters (a CR or LF would split the response). The headers
// that frame the response are refused: net/http sets them, and a wrong
// Content-Length or Transfer-Encoding would corrupt every response.
func parseHeader(s string) (header, error) {
	name, value, ok := strings.Cut(s, ":")
	if !ok {
		return header{}, usagef("invalid -H %q: want 'Name: value'", s)
	}
	if !validHeaderName(name) {
		return header{}, usagef("invalid -H %q: %q is not a header name", s, name)
	}
	value = strings.Trim(value, " \t")
	for _, c := range []byte(value) {
		if c < ' ' && c != '\t' || c == 0x7f {
			return header{}, usagef("invalid -H %q: control character in the value", s)
		}
	}
	name = textproto.CanonicalMIMEHeaderKey(name)
	switch name {
	case "Connection", "Content-Length", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return header{}, usagef("invalid -H %q: the server sets %s itself", s, name)
	}
	return header{name, value}, nil
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
// Content-Type), and an error page drops ETag, Last-Modified, Cache-Control
// and Content-Encoding, which describe the content it replaces.
func withHeaders(hs []header) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if len(hs) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			for _, kv := range hs {
				h[kv.Name] = append(h[kv.Name], kv.Value)
			}
			next.ServeHTTP(w, r)
		})
	}
}
