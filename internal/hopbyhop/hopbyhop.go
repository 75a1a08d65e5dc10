// Package hopbyhop knows the header fields that are about the connection
// rather than the message (RFC 9110 §7.6.1; RFC 3875 §6.3.4 forbids a CGI
// script to send them): Connection, Keep-Alive, Proxy-Connection, TE,
// Trailer, Transfer-Encoding and Upgrade. A field set by anything but the
// server itself (a CGI script, a -H flag) must not be one of them: it
// would change how the response is framed, or keep or upgrade the
// connection.
package hopbyhop

// fields are the hop-by-hop fields, in canonical form.
var fields = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// Is reports whether the canonical header name (as
// [net/textproto.CanonicalMIMEHeaderKey] writes it: "Te", not "TE") is a
// hop-by-hop field.
func Is(name string) bool { return fields[name] }
