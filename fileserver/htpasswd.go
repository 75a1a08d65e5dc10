package fileserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// HtpasswdError is the error [ReadHtpasswd] returns for a line it
// refuses: it says where, and for which user.
type HtpasswdError struct {
	Line int    // the line number, from 1
	User string // the user name of the line, "" if it has none
	Err  error  // what is wrong
}

// Error says which line is wrong, for which user, and how, as in
// `line 3: user "ann": ...`.
func (e *HtpasswdError) Error() string {
	if e.User == "" {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d: user %q: %v", e.Line, e.User, e.Err)
}

// Unwrap returns what is wrong, for errors.Is and errors.As.
func (e *HtpasswdError) Unwrap() error { return e.Err }

// maxHtpasswdLine is the longest line ReadHtpasswd reads.
const maxHtpasswdLine = 64 << 10

// ReadHtpasswd reads an htpasswd file, as Apache's htpasswd -B writes
// it, and returns its users for [BasicAuthOptions.Users]: one "user:hash"
// per line, with anything after a further ':' ignored (Apache's comment
// field), blank lines and lines starting with '#' ignored, and
// spaces and tabs around a line trimmed, as is a UTF-8 byte order mark
// at the start of the file. Every hash must be bcrypt ($2a$,
// $2b$ or $2y$, made by htpasswd -B or htpasswd -nbB). Any other kind is
// refused, so that a file meant to protect a server never leaves it open
// or rejects every user for want of a format: SHA-1 ({SHA}), MD5 ($apr1$,
// $1$), SHA-crypt ($5$, $6$), crypt(3) and plain passwords are all weak
// or ambiguous. So are a line without ':', an empty user name, a user
// name with a control character or that starts with a byte order mark
// (from files joined), and a user given twice. The error for
// a line is an [*HtpasswdError], which names the line and the user.
func ReadHtpasswd(r io.Reader) (map[string]string, error) {
	users := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, maxHtpasswdLine)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if n == 1 {
			// An editor's byte order mark would otherwise start the
			// first user's name, who could then never log in.
			line = strings.TrimPrefix(line, "\ufeff")
		}
		line = strings.Trim(line, " \t\r")
		if line == "" || line[0] == '#' {
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		hash, _, _ = strings.Cut(hash, ":") // user:hash:comment, as Apache reads it
		switch {
		case !ok:
			return nil, &HtpasswdError{Line: n, Err: errors.New(`no ':' (want user:hash)`)}
		case user == "":
			return nil, &HtpasswdError{Line: n, Err: errors.New("empty user name")}
		case hasControl(user):
			return nil, &HtpasswdError{Line: n, User: user, Err: errors.New("control character in the user name")}
		case strings.HasPrefix(user, "\ufeff"):
			// Past the first line, from files joined with cat: the
			// user could never log in.
			return nil, &HtpasswdError{Line: n, User: user, Err: errors.New("a byte order mark starts the user name (files joined?)")}
		}
		if _, dup := users[user]; dup {
			return nil, &HtpasswdError{Line: n, User: user, Err: errors.New("user given twice")}
		}
		if err := checkBcrypt(hash); err != nil {
			return nil, &HtpasswdError{Line: n, User: user, Err: err}
		}
		users[user] = hash
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &HtpasswdError{Line: n + 1, Err: fmt.Errorf("line longer than %d bytes", maxHtpasswdLine)}
		}
		return nil, err
	}
	return users, nil
}

// checkBcrypt returns nil if hash is a valid bcrypt hash, or an error
// that names the kind of hash it is.
func checkBcrypt(hash string) error {
	if isBcrypt(hash) {
		_, err := bcryptCost(hash)
		return err
	}
	kind := "a plain-text password or an unknown hash"
	switch {
	case hash == "":
		kind = "an empty password"
	case strings.HasPrefix(hash, "{SHA}"):
		kind = "a SHA-1 hash ({SHA}, htpasswd -s)"
	case strings.HasPrefix(hash, "$apr1$"):
		kind = "an MD5 hash ($apr1$, htpasswd -m, the default of old htpasswd)"
	case strings.HasPrefix(hash, "$1$"):
		kind = "an MD5-crypt hash ($1$)"
	case strings.HasPrefix(hash, "$5$"), strings.HasPrefix(hash, "$6$"):
		kind = "a SHA-crypt hash (" + hash[:3] + ")"
	case len(hash) == 13 && !strings.ContainsFunc(hash, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '/')
	}):
		kind = "a crypt(3) hash (htpasswd -d) or a plain-text password"
	}
	return fmt.Errorf("%s is not supported: want a bcrypt hash (htpasswd -B)", kind)
}
