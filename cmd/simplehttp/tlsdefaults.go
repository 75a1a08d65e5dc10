//go:build go1.25

// The command's TLS (--tls-cert) follows the defaults of the Go it is built
// with, not those of the go 1.24 that go.mod names so that the library
// builds with Go 1.24: a module that says go 1.24 keeps accepting SHA-1
// signatures in TLS 1.2 handshakes (tlssha1=1), which Go 1.25 refuses by
// default, as RFC 9155 asks and as OpenSSL's default security level does
// for Python's server.

//go:debug tlssha1=0

package main
