package fileserver_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// TestSymlinkPolicies serves one tree with links that stay inside the root
// and links that escape it, relative and absolute, under each policy.
func TestSymlinkPolicies(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	for name, content := range map[string]string{
		"root/file.txt":      "inside\n",
		"root/dir/x.txt":     "x\n",
		"outside/secret.txt": "SECRET\n",
	} {
		p := filepath.Join(base, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
	}
	for link, target := range map[string]string{
		"root/in.txt":       "file.txt",
		"root/inabs.txt":    filepath.Join(root, "file.txt"),
		"root/indir":        "dir",
		"root/dir/up.txt":   "../file.txt",
		"root/out.txt":      "../outside/secret.txt",
		"root/outabs.txt":   filepath.Join(base, "outside/secret.txt"),
		"root/outdir":       "../outside",
		"root/dir/upout":    "../../outside/secret.txt",
		"root/dangling.txt": "missing.txt",
	} {
		if err := os.Symlink(target, filepath.Join(base, link)); err != nil {
			t.Fatal(err)
		}
	}
	const (
		ok     = "inside\n"
		secret = "SECRET\n"
	)
	tests := []struct {
		target                string
		follow, inside, never string // expected body, or "404"
	}{
		{"/file.txt", ok, ok, ok},
		{"/in.txt", ok, ok, "404"},
		{"/inabs.txt", ok, "404", "404"}, // os.Root refuses absolute links, even to inside
		{"/indir/x.txt", "x\n", "x\n", "404"},
		{"/dir/up.txt", ok, ok, "404"},
		{"/out.txt", secret, "404", "404"},
		{"/outabs.txt", secret, "404", "404"},
		{"/outdir/secret.txt", secret, "404", "404"},
		{"/dir/upout", secret, "404", "404"},
		{"/dangling.txt", "404", "404", "404"},
		{"/../outside/secret.txt", "404", "404", "404"},
	}
	policies := []struct {
		name   string
		policy fileserver.SymlinkPolicy
		want   func(tt struct{ target, follow, inside, never string }) string
	}{
		{"follow", fileserver.SymlinksFollow, func(tt struct{ target, follow, inside, never string }) string { return tt.follow }},
		{"inside", fileserver.SymlinksInside, func(tt struct{ target, follow, inside, never string }) string { return tt.inside }},
		{"never", fileserver.SymlinksNever, func(tt struct{ target, follow, inside, never string }) string { return tt.never }},
	}
	for _, p := range policies {
		t.Run(p.name, func(t *testing.T) {
			h, err := fileserver.NewDir(root, p.policy, fileserver.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			for _, tt := range tests {
				want := p.want(tt)
				got := serve(t, h, "GET", tt.target, nil)
				switch {
				case want == "404" && got.status != 404:
					t.Errorf("GET %s: status = %d (%q), want 404", tt.target, got.status, got.body)
				case want == "404" && strings.Contains(got.body, "SECRET"):
					t.Errorf("GET %s: the secret leaked", tt.target)
				case want != "404" && (got.status != 200 || got.body != want):
					t.Errorf("GET %s: %d %q, want 200 %q", tt.target, got.status, got.body, want)
				}
			}
			// The listing shows every link with its marker under each
			// policy; only following it is refused.
			list := serve(t, h, "GET", "/", nil)
			for _, li := range []string{
				`<li><a href="in.txt">in.txt@</a></li>`,
				`<li><a href="out.txt">out.txt@</a></li>`,
				`<li><a href="dangling.txt">dangling.txt@</a></li>`,
			} {
				if !strings.Contains(list.body, li) {
					t.Errorf("listing lacks %s", li)
				}
			}
			indir := `<li><a href="indir/">indir@</a></li>`
			if p.policy == fileserver.SymlinksNever {
				indir = `<li><a href="indir">indir@</a></li>`
			}
			if !strings.Contains(list.body, indir) {
				t.Errorf("listing lacks %s:\n%s", indir, list.body)
			}
		})
	}
}

// TestSymlinkToParent: a link to ".." leads back to the root, which every
// policy but never lets a request list. Go before 1.24.3 panicked in
// os.Root opening such a link (a 500 for /dir/parent/ under inside), which
// is why go.mod asks for 1.24.3.
func TestSymlinkToParent(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "file.txt"), []byte("inside\n"), 0o644)
	os.Mkdir(filepath.Join(root, "dir"), 0o755)
	if err := os.Symlink("..", filepath.Join(root, "dir", "parent")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []fileserver.SymlinkPolicy{fileserver.SymlinksFollow, fileserver.SymlinksInside, fileserver.SymlinksNever} {
		t.Run(p.String(), func(t *testing.T) {
			h, err := fileserver.NewDir(root, p, fileserver.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			got := serve(t, h, "GET", "/dir/parent/", nil)
			if p == fileserver.SymlinksNever {
				if got.status != 404 {
					t.Errorf("GET /dir/parent/: status = %d, want 404", got.status)
				}
				return
			}
			if li := `<li><a href="file.txt">file.txt</a></li>`; got.status != 200 || !strings.Contains(got.body, li) {
				t.Errorf("GET /dir/parent/: %d, want 200 with %s:\n%s", got.status, li, got.body)
			}
		})
	}
}

// TestSymlinkPolicyText: the text form of a policy is the simplehttp
// command's --symlinks value, both ways, and nothing else is accepted.
func TestSymlinkPolicyText(t *testing.T) {
	for _, tt := range []struct {
		policy fileserver.SymlinkPolicy
		text   string
	}{
		{fileserver.SymlinksFollow, "follow"},
		{fileserver.SymlinksInside, "inside"},
		{fileserver.SymlinksNever, "never"},
	} {
		if got := tt.policy.String(); got != tt.text {
			t.Errorf("SymlinkPolicy(%d).String() = %q, want %q", int(tt.policy), got, tt.text)
		}
		b, err := tt.policy.MarshalText()
		if err != nil || string(b) != tt.text {
			t.Errorf("SymlinkPolicy(%d).MarshalText() = %q, %v, want %q", int(tt.policy), b, err, tt.text)
		}
		p := fileserver.SymlinkPolicy(-1)
		if err := p.UnmarshalText([]byte(tt.text)); err != nil || p != tt.policy {
			t.Errorf("UnmarshalText(%q) = %v, policy %d, want %d", tt.text, err, int(p), int(tt.policy))
		}
	}
	for _, text := range []string{"", "Follow", "INSIDE", " never", "never ", "yes", "0", "1"} {
		p := fileserver.SymlinksNever
		err := p.UnmarshalText([]byte(text))
		if err == nil || !strings.Contains(err.Error(), "want follow, inside or never") {
			t.Errorf("UnmarshalText(%q) = %v, want an error naming the three policies", text, err)
		}
		if p != fileserver.SymlinksNever {
			t.Errorf("UnmarshalText(%q) failed but changed the policy to %v", text, p)
		}
	}
	for _, p := range []fileserver.SymlinkPolicy{-1, 3} {
		if b, err := p.MarshalText(); err == nil {
			t.Errorf("SymlinkPolicy(%d).MarshalText() = %q, want an error", int(p), b)
		}
		if got, want := p.String(), fmt.Sprintf("SymlinkPolicy(%d)", int(p)); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
	// As a JSON value, through encoding.TextMarshaler.
	var v struct{ Links fileserver.SymlinkPolicy }
	if err := json.Unmarshal([]byte(`{"Links":"inside"}`), &v); err != nil || v.Links != fileserver.SymlinksInside {
		t.Errorf(`json.Unmarshal {"Links":"inside"} = %v, %v`, v.Links, err)
	}
	if b, err := json.Marshal(v); err != nil || string(b) != `{"Links":"inside"}` {
		t.Errorf("json.Marshal = %s, %v", b, err)
	}
}
