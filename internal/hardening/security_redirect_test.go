package hardening

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// browserResolve resolves a Location header against the URL of the
// request the way a browser does (WHATWG URL parsing for http): leading
// and trailing C0 controls and spaces are stripped, tabs and newlines
// removed anywhere, and a backslash is a slash. It returns the host the
// browser would go to, or "" when it would not follow the header at all.
func browserResolve(requestURL, loc string) string {
	loc = strings.TrimFunc(loc, func(r rune) bool { return r <= ' ' })
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(loc)
	base, err := url.Parse(requestURL)
	if err != nil {
		return ""
	}
	u, err := url.Parse(loc)
	if err != nil {
		return ""
	}
	return base.ResolveReference(u).Host
}

// TestSecurityRedirect asks the full stack, over a raw socket, for
// directories without their trailing slash in every way that has made a
// server redirect a browser to another host (CVE-2021-28861 and
// friends), with directories named like hosts, and checks that every
// Location resolves to the server itself.
func TestSecurityRedirect(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	// Directories named like hosts, and like tricks on hosts.
	hostDirs := []string{
		"evil.com", `\evil.com`, `\\evil.com`, "@evil.com", "evil.com:80", "%2fevil.com",
		"..evil.com", "http:", "http:evil.com", "javascript:alert(1)", "a",
	}
	tree := map[string]file{"a/evil.com/": {}, "a/b/": {}, "cgi-bin/sub/": {}}
	for _, d := range hostDirs {
		tree[d+"/"] = file{}
	}
	writeTree(t, root, tree)
	st := newStack(t, root, stackOptions{})

	targets := []string{
		"//evil.com", "///evil.com", "////evil.com", `/\evil.com`, `/\\evil.com`, `\\evil.com`, `\evil.com`,
		`/\/evil.com`, `//\evil.com`, "/%2f%2fevil.com", "/%2F/evil.com", "/%2fevil.com", "//%2fevil.com",
		"/%5cevil.com", "/%5c%5cevil.com", "/%5C/evil.com", "//%5cevil.com", "/%5c%5c%5cevil.com",
		"/%255cevil.com", "/%252f%252fevil.com", "/.//evil.com", `/./\evil.com`, "//./evil.com",
		"/a/..//evil.com", "/a//evil.com", "/a/%2f%2fevil.com", "/%09/evil.com", "/%0a/evil.com",
		"/%0d%0a/evil.com", "/%00/evil.com", "/%20/evil.com", "/%2e%2e//evil.com", "//evil.com/",
		"//evil.com?x=1", "//evil.com?next=//evil.com", "//evil.com#frag", "//evil.com?%0d%0aLocation:%20//evil.com",
		"/evil.com?next=//evil.com", "/evil.com?\\\\evil.com", "/evil.com#\\\\evil.com",
		"/@evil.com", "//@evil.com", "/%40evil.com", "/evil.com:80", "//evil.com:80",
		"/..evil.com", "/%2e%2eevil.com", "/http:", "//http:", "/http:evil.com", "/http%3aevil.com",
		"/javascript:alert(1)", "/javascript%3aalert(1)", "/%5c%5cevil.com/", "/a/b", "//a//b", "///a///b",
		"http://evil.com/evil.com", "http://evil.com//evil.com", "http://127.0.0.1//evil.com",
		"/cgi-bin", "//cgi-bin", `/\cgi-bin`, "/cgi-bin/sub", "//cgi-bin//sub", "/cgi-bin/%2f%2fevil.com",
	}
	var tried, redirects, offsite int
	for _, target := range targets {
		for _, query := range []string{"", "?q=1", "?//evil.com", "?\\\\evil.com"} {
			if strings.ContainsAny(target, "?#") && query != "" {
				continue
			}
			tried++
			res := get(t, st.addr, target+query)
			loc := res.header.Get("Location")
			if loc == "" {
				if res.status >= 300 && res.status < 400 {
					t.Errorf("GET %s%s: %d without Location", target, query, res.status)
				}
				continue
			}
			redirects++
			host := browserResolve("http://"+st.addr+"/x/", loc)
			if host != st.addr {
				offsite++
				t.Errorf("GET %s%s: Location %q takes a browser to %q", target, query, loc, host)
			}
			// Stronger than same-host: a path-absolute reference with no
			// byte a browser would rewrite.
			if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.ContainsAny(loc, "\\\t\r\n ") {
				t.Errorf("GET %s%s: Location %q is not a plain absolute path", target, query, loc)
			}
		}
	}
	// Not vacuous: the host-like directories did redirect.
	for _, tt := range []struct{ target, loc string }{
		{"//evil.com", "/evil.com/"},
		{"/%5cevil.com", "/%5cevil.com/"}, // the escape as the client wrote it
		{"//evil.com?next=//evil.com", "/evil.com/?next=//evil.com"},
	} {
		res := get(t, st.addr, tt.target)
		if res.status != 301 || res.header.Get("Location") != tt.loc {
			t.Errorf("GET %s: %d Location %q, want 301 %q", tt.target, res.status, res.header.Get("Location"), tt.loc)
		}
	}
	if redirects < len(hostDirs) {
		t.Errorf("only %d redirects for %d requests: the directories were not reached", redirects, tried)
	}
	t.Logf("redirect: %d requests tried, %d redirects, %d off-site", tried, redirects, offsite)
}
