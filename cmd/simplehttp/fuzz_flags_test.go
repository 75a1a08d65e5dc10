package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/simplehttp/simplehttp/accesslog"
	"github.com/simplehttp/simplehttp/fileserver"
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
// --head N v); the same command line parses again to the same
// configuration, and so does the configuration written back with the
// options the usage text shows (commandLine); and a command line it
// refuses is told so by a message that names an argument as given, or
// an option given.
func FuzzArgs(f *testing.F) {
	for _, s := range []string{
		"", "8080", "-1", "--bind\x00127.0.0.1\x0065535", "-H\x00X-A: b\x00-H\x00X-B\x00c", "-HX-A\x00-1",
		"--head=X-A\x00v", "--header\x00X-A", "-H\x00X-A\x00--", "--\x00-H", "--b\x00::1", "--dir=.\x00--dir\x00/",
		"--max-upload\x001G\x00--upload", "-p\x00HTTP/1.1\x000", "--cgi\x00--cgi", "-H\x00Content-Length: 1",
		"--=x", "-", "--", "-\x00-", "--h", "-H\x00:\x00x", "--auth\x00a:b\x00--auth-for\x00write",
		"-d\x00", "--directory=-x\x00--log-file=--quiet", "--spa\x00./a\x00--idle-timeout\x001h", "--header=-b: v\x00-H\x00-x: v",
		"--upload\x00--upload-origin\x00https://a.example\x00--auth\x00u:p:q\x00--auth-for=write\x00--trusted-proxy=::1",
		"--archive\x00--archive-max\x001K\x00--listing\x00rich\x00--index=-i\x00--health\x00/h\x00-p\x00HTTP/1.1",
		"--tls-cert\x00c\x00--tls-key\x00k\x00--tls-password-file\x00p\x00--tls-reload\x00--cache-control\x00no-store",
		"--log-format\x00json\x00--quiet\x00--symlinks\x00never\x00--no-sniff\x00--qr\x00--precompressed\x00--compress",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Split(s, "\x00")
		if s == "" {
			args = nil
		}
		cfg, err := parseArgs(slices.Clone(args))
		if errors.Is(err, errHelp) || errors.Is(err, errVersion) {
			return
		}
		if err != nil {
			if !namesAnArgument(err.Error(), args) {
				t.Fatalf("parseArgs(%q): %q names no argument", args, err)
			}
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
		written := commandLine(t, cfg)
		if again, err := parseArgs(slices.Clone(written)); err != nil || !reflect.DeepEqual(again, cfg) {
			t.Fatalf("parseArgs(%q) = %+v, written back as %q, which parses to %+v, %v", args, cfg, written, again, err)
		}
	})
}

// usageOption matches an option in the usage text: its short name, if
// any, and its long name.
var usageOption = regexp.MustCompile(`(?m)^  (?:-(\w), )?--([a-z-]+)`)

// commandLine writes cfg as a command line, each option as the usage text
// shows it (the short name if it has one), its value in the next
// argument, or after = when it starts with a dash, as argparse would take
// it for an option otherwise.
func commandLine(t *testing.T, cfg config) []string {
	shorts := map[string]string{}
	for _, m := range usageOption.FindAllStringSubmatch(usage, -1) {
		shorts[m[2]] = m[1]
	}
	var args []string
	flag := func(name string, values ...string) {
		short, ok := shorts[name]
		if !ok {
			t.Fatalf("usage shows no --%s", name)
		}
		opt := "--" + name
		if short != "" {
			opt = "-" + short
		}
		switch {
		case len(values) == 0:
			args = append(args, opt)
		case strings.HasPrefix(values[0], "-"):
			args = append(args, "--"+name+"="+values[0])
		default:
			args = append(args, opt, values[0])
		}
	}
	set := func(name string, on bool) {
		if on {
			flag(name)
		}
	}
	str := func(name, v, def string) {
		if v != def {
			flag(name, v)
		}
	}
	each := func(name string, vs []string) {
		for _, v := range vs {
			flag(name, v)
		}
	}
	dur := func(name string, d, def time.Duration) {
		if d != def {
			flag(name, d.String())
		}
	}
	str("bind", cfg.Bind, "")
	str("directory", cfg.Dir, ".")
	str("protocol", cfg.Protocol, http10)
	set("cgi", cfg.CGI)
	str("tls-cert", cfg.TLSCert, "")
	str("tls-key", cfg.TLSKey, "")
	str("tls-password-file", cfg.TLSPasswordFile, "")
	set("tls-reload", cfg.TLSReload)
	for _, h := range cfg.Headers {
		flag("header", h.Name+": "+h.Value)
	}
	str("log-format", cfg.LogFormat.String(), accesslog.Python.String())
	str("log-file", cfg.LogFile, "")
	set("quiet", cfg.Quiet)
	str("symlinks", cfg.Symlinks.String(), fileserver.SymlinksFollow.String())
	set("no-listing", cfg.NoListing)
	set("no-sniff", cfg.NoSniff)
	each("index", cfg.Index)
	dur("read-header-timeout", cfg.ReadHeaderTimeout, 10*time.Second)
	dur("idle-timeout", cfg.IdleTimeout, 60*time.Second)
	dur("send-timeout", cfg.SendTimeout, writeStallTimeout)
	set("precompressed", cfg.Precompressed)
	set("compress", cfg.Compress)
	str("cache-control", cfg.CacheControl, "")
	str("spa", cfg.SPA, "")
	set("upload", cfg.Upload)
	if cfg.MaxUpload != 0 {
		flag("max-upload", (*byteSize)(&cfg.MaxUpload).String())
	}
	each("upload-origin", cfg.UploadOrigins)
	for _, user := range slices.Sorted(maps.Keys(cfg.AuthUsers)) {
		flag("auth", user+":"+cfg.AuthUsers[user])
	}
	str("auth-file", cfg.AuthFile, "")
	str("auth-for", cfg.AuthFor.String(), fileserver.AuthAll.String())
	each("trusted-proxy", cfg.TrustedProxies)
	set("archive", cfg.Archive)
	if cfg.ArchiveMax != 0 {
		flag("archive-max", (*byteSize)(&cfg.ArchiveMax).String())
	}
	set("qr", cfg.QR)
	str("health", cfg.Health, "")
	str("listing", cfg.Listing.String(), fileserver.ListingPython.String())
	return append(args, strconv.Itoa(cfg.Port))
}

// namesAnArgument reports whether the error message msg names one of
// args: as given (quoted or not), the value of an option given in the
// same argument, or an option given, by its long name or its short one.
func namesAnArgument(msg string, args []string) bool {
	if rest, ok := strings.CutPrefix(msg, "unrecognized arguments: "); ok {
		// argparse's message, the positionals after the port unquoted,
		// so that empty ones show as nothing.
		words := strings.Fields(strings.Join(args, " "))
		for _, w := range strings.Fields(rest) {
			if !slices.Contains(words, w) {
				return false
			}
		}
		return true
	}
	var cfg config
	var fv flagValues
	fs := newFlagSet(&cfg, &fv)
	var names []string
	for _, a := range args {
		names = append(names, a, fmt.Sprintf("%q", a))
		name, value, ok := strings.Cut(a, "=")
		if ok {
			names = append(names, name, fmt.Sprintf("%q", value))
		}
		var f *pflag.Flag
		switch {
		case strings.HasPrefix(a, "--"):
			f, _ = longFlag(fs, strings.TrimPrefix(name, "--"))
		case strings.HasPrefix(a, "-") && len(a) > 1:
			f = fs.ShorthandLookup(a[1:2])
			names = append(names, fmt.Sprintf("%q", a[2:]))
			// In a group of short options, the flag set names the
			// rest of the group from the one it cannot take: -0 in -h0.
			for k := 2; k < len(a); k++ {
				names = append(names, "-"+a[k:])
			}
		}
		if f != nil {
			names = append(names, "--"+f.Name)
			if f.Shorthand != "" {
				names = append(names, "-"+f.Shorthand)
			}
		}
	}
	for _, n := range names {
		if n != "" && containsWord(msg, n) {
			return true
		}
	}
	return false
}

// containsWord reports whether msg holds w as a word of its own: between
// its start or end, blanks, quotes and colons, so that an argument "e"
// is not named by the "e" of "empty".
func containsWord(msg, w string) bool {
	for i := 0; ; {
		j := strings.Index(msg[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		if (start == 0 || strings.ContainsRune(` "':`, rune(msg[start-1]))) &&
			(end == len(msg) || strings.ContainsRune(` "':,`, rune(msg[end]))) {
			return true
		}
		i = start + 1
	}
}
