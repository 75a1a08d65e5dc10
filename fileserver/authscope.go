package fileserver

import (
	"fmt"
	"strconv"
)

// AuthScope says which requests a [BasicAuth] asks credentials for. The
// zero value is AuthAll. Its text form, used by [AuthScope.String],
// [AuthScope.MarshalText] and [AuthScope.UnmarshalText] (and so by
// encoding/json and [flag.TextVar]), is "all" or "write", the values of
// the simplehttp command's --auth-for flag.
type AuthScope int

const (
	// AuthAll asks every request for credentials, whatever its method.
	AuthAll AuthScope = iota
	// AuthWrites asks credentials only of the requests that may change
	// something: every method but GET, HEAD and OPTIONS (PUT, POST,
	// DELETE and any other). Reading stays open to everyone.
	AuthWrites
)

var authScopeNames = [...]string{AuthAll: "all", AuthWrites: "write"}

// String returns "all" or "write", or "AuthScope(n)" for a value that is
// neither.
func (s AuthScope) String() string {
	if s >= 0 && int(s) < len(authScopeNames) {
		return authScopeNames[s]
	}
	return "AuthScope(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText returns "all" or "write"; it fails for any other value.
func (s AuthScope) MarshalText() ([]byte, error) {
	if s < 0 || int(s) >= len(authScopeNames) {
		return nil, fmt.Errorf("fileserver: unknown %v", s)
	}
	return []byte(authScopeNames[s]), nil
}

// UnmarshalText sets s from "all" or "write", exactly as written; any
// other text is an error and leaves s as it was.
func (s *AuthScope) UnmarshalText(text []byte) error {
	for i, name := range authScopeNames {
		if string(text) == name {
			*s = AuthScope(i)
			return nil
		}
	}
	return fmt.Errorf("fileserver: unknown auth scope %q: want all or write", text)
}

// covers reports whether a request with method needs credentials.
func (s AuthScope) covers(method string) bool {
	if s != AuthWrites {
		return true
	}
	switch method {
	case "GET", "HEAD", "OPTIONS":
		return false
	}
	return true
}
