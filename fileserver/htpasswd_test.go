package fileserver_test

import (
	"errors"
	"maps"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/simplehttp/simplehttp/fileserver"
)

func TestReadHtpasswd(t *testing.T) {
	file := "# made with htpasswd -B\n" +
		"bob:" + hunter2Hash + "\n" +
		"\n" +
		"   \t\n" +
		"carol:$2y$" + strings.TrimPrefix(s3cretHash, "$2a$") + "\r\n" + // CRLF
		"  dave:$2b$" + strings.TrimPrefix(s3cretHash, "$2a$") + "  \n" +
		"erin:" + hunter2Hash + ":Erin Example, room 12\n" + // Apache's comment field
		"élodie:" + hunter2Hash // no final newline
	got, err := fileserver.ReadHtpasswd(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"bob":    hunter2Hash,
		"carol":  "$2y$" + strings.TrimPrefix(s3cretHash, "$2a$"),
		"dave":   "$2b$" + strings.TrimPrefix(s3cretHash, "$2a$"),
		"erin":   hunter2Hash,
		"élodie": hunter2Hash,
	}
	if !maps.Equal(got, want) {
		t.Errorf("ReadHtpasswd = %q, want %q", got, want)
	}
	// A byte order mark, as some Windows editors write, is not part of
	// the first user's name.
	got, err = fileserver.ReadHtpasswd(strings.NewReader("\ufeffbob:" + hunter2Hash + "\r\n"))
	if want := map[string]string{"bob": hunter2Hash}; err != nil || !maps.Equal(got, want) {
		t.Errorf("file with a byte order mark: %q, %v; want %q", got, err, want)
	}
	if got, err := fileserver.ReadHtpasswd(strings.NewReader("")); err != nil || len(got) != 0 {
		t.Errorf("empty file: %q, %v; want no users, no error", got, err)
	}
}

func TestReadHtpasswdErrors(t *testing.T) {
	want := func(line int, user, msg string) string {
		if user == "" {
			return "line " + itoa(line) + ": " + msg
		}
		return "line " + itoa(line) + ": user " + strconv.Quote(user) + ": " + msg
	}
	const notBcrypt = " is not supported: want a bcrypt hash (htpasswd -B)"
	tests := []struct {
		name, file, want string
	}{
		{"SHA-1", "# c\nbob:" + hunter2Hash + "\nann:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\n", want(3, "ann", "a SHA-1 hash ({SHA}, htpasswd -s)"+notBcrypt)},
		{"apr1", "ann:$apr1$2nQ2xVvy$5OVWx1zOBgIUbCcM0NRDq.\n", want(1, "ann", "an MD5 hash ($apr1$, htpasswd -m, the default of old htpasswd)"+notBcrypt)},
		{"MD5-crypt", "ann:$1$saltsalt$qjXMvbEw8oaL.CzflDugX/\n", want(1, "ann", "an MD5-crypt hash ($1$)"+notBcrypt)},
		{"SHA-256-crypt", "ann:$5$rounds=5000$salt$abc\n", want(1, "ann", "a SHA-crypt hash ($5$)"+notBcrypt)},
		{"SHA-512-crypt", "ann:$6$salt$abc\n", want(1, "ann", "a SHA-crypt hash ($6$)"+notBcrypt)},
		{"crypt", "ann:rqXexS6ZhobKA\n", want(1, "ann", "a crypt(3) hash (htpasswd -d) or a plain-text password"+notBcrypt)},
		{"plain", "ann:hunter2\n", want(1, "ann", "a plain-text password or an unknown hash"+notBcrypt)},
		{"empty password", "ann:\n", want(1, "ann", "an empty password"+notBcrypt)},
		{"broken bcrypt", "ann:$2y$05$tooshort\n", want(1, "ann", "invalid bcrypt hash: crypto/bcrypt: hashedSecret too short to be a bcrypted password")},
		// Cut short by a copy and paste: bcrypt.Cost takes it, and no
		// password would ever match it.
		{"bcrypt cut short", "ann:" + hunter2Hash[:59] + "\n", want(1, "ann", "invalid bcrypt hash: 59 bytes long, want 60")},
		{"bcrypt with a stray byte", "ann:" + hunter2Hash + "x\n", want(1, "ann", "invalid bcrypt hash: 61 bytes long, want 60")},
		{"bcrypt outside its alphabet", "ann:" + hunter2Hash[:59] + "-\n", want(1, "ann", `invalid bcrypt hash: byte 60 is not in bcrypt's alphabet`)},
		// The messages quote nothing of the value: a password that
		// looks like a hash must not be shown.
		{"bcrypt cost not a number", "ann:$2a$xy" + hunter2Hash[7:] + "\n", want(1, "ann", `invalid bcrypt hash: its cost is not a number from 4 to 31`)},
		{"bcrypt cost out of range", "ann:$2a$99" + hunter2Hash[7:] + "\n", want(1, "ann", `invalid bcrypt hash: its cost is not a number from 4 to 31`)},
		{"no colon", "\n\nann\n", want(3, "", "no ':' (want user:hash)")},
		{"empty user", ":" + hunter2Hash + "\n", want(1, "", "empty user name")},
		{"control in user", "a\x1bnn:" + hunter2Hash + "\n", want(1, "a\x1bnn", "control character in the user name")},
		{"twice", "ann:" + hunter2Hash + "\nann:" + hunter2Hash + "\n", want(2, "ann", "user given twice")},
		// Two files, each with an editor's mark, joined with cat.
		{"byte order mark after line 1", "\ufeffann:" + hunter2Hash + "\n\ufeffbob:" + hunter2Hash + "\n", want(2, "\ufeffbob", "a byte order mark starts the user name (files joined?)")},
		{"line too long", "ann:" + hunter2Hash + "\nbob:" + strings.Repeat("x", 70000) + "\n", want(2, "", "line longer than 65536 bytes")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			users, err := fileserver.ReadHtpasswd(strings.NewReader(tt.file))
			var he *fileserver.HtpasswdError
			if err == nil || err.Error() != tt.want || !errors.As(err, &he) || users != nil {
				t.Errorf("ReadHtpasswd: %q, %v; want no users and %q", users, err, tt.want)
			}
		})
	}
	// A read error is passed on as it is.
	errRead := errors.New("disk on fire")
	if _, err := fileserver.ReadHtpasswd(iotest.ErrReader(errRead)); !errors.Is(err, errRead) {
		t.Errorf("read error: got %v, want %v", err, errRead)
	}
}

// TestReadHtpasswdUsers checks that what ReadHtpasswd returns
// authenticates.
func TestReadHtpasswdUsers(t *testing.T) {
	users, err := fileserver.ReadHtpasswd(strings.NewReader("bob:" + hunter2Hash + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := newAuth(t, fileserver.BasicAuthOptions{Users: users}).Handler(reached)
	for auth, want := range map[string]int{basic("bob:hunter2"): 200, basic("bob:hunter"): 401, basic("bob:" + hunter2Hash): 401} {
		if code, _ := authRequest(h, "192.0.2.1:1", auth); code != want {
			t.Errorf("%q: status %d, want %d", auth, code, want)
		}
	}
}

// FuzzReadHtpasswd reads any file. Properties: a refused file gives an
// *HtpasswdError that names a line of the file; an accepted one gives
// users that NewBasicAuth takes (a file the reader passes must never
// stop the server at startup), each with a bcrypt hash, and written back
// one "user:hash" a line they read the same; and no error shows the
// password or hash of the line it refuses, which may be a password typed
// in clear (checked for a field holding '~', a byte no message holds).
func FuzzReadHtpasswd(f *testing.F) {
	for _, s := range []string{
		"bob:" + hunter2Hash + "\n",
		"\ufeffbob:" + hunter2Hash + "\r\n# c\n\n  carol:" + s3cretHash + ":comment\n",
		"bob:" + hunter2Hash + "\nbob:" + s3cretHash,
		"ann:plain~password\n",
		"ann:{SHA}abc~defghijklmnopq=\n",
		"ann:$6$~salt$abcdefghijklmnop\n",
		"ann:$2y$04$~short\n",
		":" + hunter2Hash,
		"a\x01b:" + hunter2Hash,
		"nocolon\n",
		" \t#x:y\n\xef\xbb\xbfbob:" + hunter2Hash,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, file string) {
		users, err := fileserver.ReadHtpasswd(strings.NewReader(file))
		if err != nil {
			var he *fileserver.HtpasswdError
			if !errors.As(err, &he) || he.Line < 1 || he.Line > strings.Count(file, "\n")+1 {
				t.Fatalf("ReadHtpasswd(%q): error %v, want an *HtpasswdError naming a line of the file", file, err)
			}
			lines := strings.Split(file, "\n")
			if he.Line > len(lines) {
				return
			}
			_, rest, _ := strings.Cut(lines[he.Line-1], ":")
			hash, _, _ := strings.Cut(rest, ":")
			hash = strings.Trim(hash, " \t\r")
			if len(hash) >= 8 && strings.Contains(hash, "~") && !strings.Contains(hash, `"`) &&
				!strings.Contains(strconv.Quote(he.User), hash) && strings.Contains(err.Error(), hash) {
				t.Fatalf("ReadHtpasswd(%q): error %q shows the password field %q", file, err, hash)
			}
			return
		}
		if len(users) == 0 {
			return
		}
		if _, err := fileserver.NewBasicAuth(fileserver.BasicAuthOptions{Users: users}); err != nil {
			t.Fatalf("ReadHtpasswd(%q) = %q, which NewBasicAuth refuses: %v", file, users, err)
		}
		var b strings.Builder
		b.WriteString("#\n") // a byte order mark starts only line 1
		for u, h := range users {
			if !strings.HasPrefix(h, "$2") {
				t.Fatalf("ReadHtpasswd(%q): user %q has %q, not a bcrypt hash", file, u, h)
			}
			b.WriteString(u + ":" + h + "\n")
		}
		again, err := fileserver.ReadHtpasswd(strings.NewReader(b.String()))
		if err != nil || !maps.Equal(again, users) {
			t.Fatalf("ReadHtpasswd(%q) = %q; written back and read again: %q, %v", file, users, again, err)
		}
	})
}
