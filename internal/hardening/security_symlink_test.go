package hardening

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// TestSecuritySymlinks serves, through the full stack over TCP, a tree
// whose links stay inside the root or escape it, relative and absolute,
// to files and to directories, chained and looping, under each of the
// file server's symlink policies; and checks what the CGI middleware
// does with links in a CGI directory, which it confines to that
// directory whatever the policy.
func TestSecuritySymlinks(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	secret := marker("SECRET")
	ranMarker := marker("TRAP-RAN")
	ranDir := filepath.Join(base, "ran")
	ranFile := filepath.Join(ranDir, "linked-script")
	writeTree(t, base, map[string]file{
		"outside/secret.txt": {content: secret + "\n"},
		"outside/run.sh":     trapScript(ranFile, ranMarker),
		"outside/cgi/hi.sh":  script("printf 'Content-Type: text/plain\\n\\nlinked cgi dir\\n'\n"),
		"outside/dir/x.txt":  {content: "outside x\n"},
	})
	worldWritable(t, ranDir)
	writeTree(t, root, map[string]file{
		"file.txt":              {content: "inside\n"},
		"dir/x.txt":             {content: "x\n"},
		"in.txt":                {link: "file.txt"},
		"inabs.txt":             {link: filepath.Join(root, "file.txt")},
		"indir":                 {link: "dir"},
		"indirabs":              {link: filepath.Join(root, "dir")},
		"dir/up.txt":            {link: "../file.txt"},
		"out.txt":               {link: "../outside/secret.txt"},
		"outabs.txt":            {link: filepath.Join(base, "outside/secret.txt")},
		"outdir":                {link: "../outside"},
		"outdirabs":             {link: filepath.Join(base, "outside")},
		"dir/upout":             {link: "../../outside/secret.txt"},
		"chain.txt":             {link: "chain2.txt"},
		"chain2.txt":            {link: "../outside/secret.txt"},
		"loop":                  {link: "loop"},
		"dangling.txt":          {link: "missing.txt"},
		"cgi-bin/ok.sh":         script("printf 'Content-Type: text/plain\\n\\nok\\n'\n"),
		"cgi-bin/linkin.sh":     {link: "ok.sh"},
		"cgi-bin/linkout.sh":    {link: "../../outside/run.sh"},
		"cgi-bin/linkoutabs.sh": {link: filepath.Join(base, "outside/run.sh")},
		"cgi-bin/linkdir":       {link: "../../outside"},
		"htbin":                 {link: "../outside/cgi"},
		// Two directories down, where the stricter policies resolve
		// names with openat2(2) on Linux rather than the os.Root walk.
		"dir/sub/y.txt":  {content: "y\n"},
		"a/b/deep.txt":   {content: "deep\n"},
		"a/b/in.txt":     {link: "../../file.txt"},
		"a/b/out.txt":    {link: "../../../outside/secret.txt"},
		"a/b/outabs.txt": {link: filepath.Join(base, "outside/secret.txt")},
		"a/b/outdir":     {link: "../../../outside"},
		"a/b/indir":      {link: "../../dir"},
		"a/b/chain.txt":  {link: "../../chain.txt"},
	})

	const (
		ok  = "inside\n"
		x   = "x\n"
		out = "SECRET" // the secret, whatever its marker
		nf  = "404"
	)
	tests := []struct {
		target                string
		follow, inside, never string // body expected under each policy, or "404"
	}{
		{"/file.txt", ok, ok, ok},
		{"/in.txt", ok, ok, nf},
		{"/inabs.txt", ok, nf, nf}, // os.Root refuses absolute links, even to inside
		{"/indir/x.txt", x, x, nf},
		{"/indirabs/x.txt", x, nf, nf},
		{"/dir/up.txt", ok, ok, nf},
		{"/out.txt", out, nf, nf},
		{"/outabs.txt", out, nf, nf},
		{"/outdir/secret.txt", out, nf, nf},
		{"/outdirabs/secret.txt", out, nf, nf},
		{"/dir/upout", out, nf, nf},
		{"/chain.txt", out, nf, nf}, // a link inside that points at a link out
		{"/indir/../out.txt", out, nf, nf},
		{"/indir/../../outside/secret.txt", nf, nf, nf}, // ".." is resolved on the URL, never above the root
		{"/outdir/../file.txt", ok, ok, ok},
		{"/%6futdir/secret.txt", out, nf, nf},
		{"/loop", nf, nf, nf},
		{"/dangling.txt", nf, nf, nf},
		{"/a/b/deep.txt", "deep\n", "deep\n", "deep\n"},
		{"/indir/sub/y.txt", "y\n", "y\n", nf},
		{"/a/b/in.txt", ok, ok, nf},
		{"/a/b/indir/x.txt", x, x, nf},
		{"/a/b/indir/sub/y.txt", "y\n", "y\n", nf},
		{"/a/b/out.txt", out, nf, nf},
		{"/a/b/outabs.txt", out, nf, nf},
		{"/a/b/outdir/secret.txt", out, nf, nf},
		{"/a/b/outdir/dir/x.txt", "outside x\n", nf, nf},
		{"/a/b/chain.txt", out, nf, nf},
	}
	policies := []struct {
		name   string
		policy fileserver.SymlinkPolicy
		want   func(i int) string
	}{
		{"follow", fileserver.SymlinksFollow, func(i int) string { return tests[i].follow }},
		{"inside", fileserver.SymlinksInside, func(i int) string { return tests[i].inside }},
		{"never", fileserver.SymlinksNever, func(i int) string { return tests[i].never }},
	}
	for _, p := range policies {
		t.Run(p.name, func(t *testing.T) {
			st := newStack(t, root, stackOptions{Symlinks: p.policy})
			for i, tt := range tests {
				want := p.want(i)
				res := get(t, st.addr, tt.target)
				leaked := bytes.Contains(res.raw, []byte(secret))
				switch {
				case want == nf && (res.status != 404 || leaked):
					t.Errorf("GET %s: %d (secret leaked: %v), want 404", tt.target, res.status, leaked)
				case want == out && (res.status != 200 || !leaked):
					t.Errorf("GET %s: %d %q, want 200 and the secret (Python follows links)", tt.target, res.status, res.body)
				case want != nf && want != out && (res.status != 200 || string(res.body) != want):
					t.Errorf("GET %s: %d %q, want 200 %q", tt.target, res.status, res.body, want)
				}
			}
			// Directories through links: listed (and redirected to the
			// slash form) only where the policy follows the link.
			dirs := []struct {
				target string
				follow bool // the policy follows this link
			}{
				{"/indir/", p.policy != fileserver.SymlinksNever},
				{"/outdir/", p.policy == fileserver.SymlinksFollow},
				{"/outdirabs/", p.policy == fileserver.SymlinksFollow},
			}
			for _, d := range dirs {
				res := get(t, st.addr, d.target)
				if d.follow != (res.status == 200) || !d.follow && res.status != 404 {
					t.Errorf("GET %s: status %d, want listing %v (else 404)", d.target, res.status, d.follow)
				}
				noSlash := strings.TrimSuffix(d.target, "/")
				res = get(t, st.addr, noSlash)
				if d.follow && (res.status != 301 || res.header.Get("Location") != d.target) ||
					!d.follow && res.status != 404 {
					t.Errorf("GET %s: %d Location %q, want 301 to %s if followed, else 404",
						noSlash, res.status, res.header.Get("Location"), d.target)
				}
			}
			// The root listing names every link under every policy and
			// never shows what is behind one.
			res := get(t, st.addr, "/")
			if res.status != 200 || bytes.Contains(res.raw, []byte(secret)) {
				t.Errorf("GET /: %d, secret in listing: %v", res.status, bytes.Contains(res.raw, []byte(secret)))
			}
			for _, name := range []string{"out.txt@", "outdir@", "loop@", "chain.txt@"} {
				if !bytes.Contains(res.body, []byte(">"+name+"<")) {
					t.Errorf("GET /: listing lacks %s", name)
				}
			}

			// CGI: links inside a CGI directory must stay inside it,
			// whatever the file server's policy.
			cgiTests := []struct {
				target string
				status int
				body   string
			}{
				{"/cgi-bin/ok.sh", 200, "ok\n"},
				{"/cgi-bin/linkin.sh", 200, "ok\n"},
				{"/cgi-bin/linkout.sh", 404, ""},
				{"/cgi-bin/linkoutabs.sh", 404, ""},
				{"/cgi-bin/linkdir/run.sh", 404, ""},
				{"/cgi-bin/linkdir/../linkout.sh", 404, ""},
				// A CGI directory that is itself a link is taken as the
				// operator made it (as Python does): its scripts run.
				{"/htbin/hi.sh", 200, "linked cgi dir\n"},
			}
			for _, tt := range cgiTests {
				res := get(t, st.addr, tt.target)
				if res.status != tt.status || tt.body != "" && string(res.body) != tt.body {
					t.Errorf("GET %s: %d %q, want %d %q", tt.target, res.status, res.body, tt.status, tt.body)
				}
				if bytes.Contains(res.raw, []byte(ranMarker)) {
					t.Errorf("GET %s: a script behind a link out of cgi-bin ran", tt.target)
				}
			}
		})
	}
	if _, err := os.Stat(ranFile); err == nil {
		t.Errorf("outside/run.sh ran through a link")
	}
}
