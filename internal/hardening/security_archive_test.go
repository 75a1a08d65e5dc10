package hardening

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/simplehttp/simplehttp/fileserver"
)

// archiveEntry is one entry of a downloaded archive.
type archiveEntry struct {
	name    string
	content string
}

// readArchive lists the entries of a zip, tar.gz or tar.zst archive,
// failing the test if it does not read to its end.
func readArchive(t *testing.T, format string, body []byte) []archiveEntry {
	t.Helper()
	var out []archiveEntry
	if format == "zip" {
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatalf("zip: %v", err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatalf("zip %q: %v", f.Name, err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatalf("zip %q: %v", f.Name, err)
			}
			out = append(out, archiveEntry{f.Name, string(b)})
		}
		return out
	}
	var r io.Reader
	if format == "tar.gz" {
		gz, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	} else {
		zr, err := zstd.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeDir {
			t.Errorf("%s: %q has type %q, want a file or a directory (never a link)", format, h.Name, h.Typeflag)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("%s %q: %v", format, h.Name, err)
		}
		out = append(out, archiveEntry{h.Name, string(b)})
	}
	return out
}

// TestSecurityArchive downloads, through the full stack over TCP, archives
// of a tree of hostile names, with links out of it and loops, in every
// format under every symlink policy, and checks each entry's name: under
// the one top directory, relative, without a "..", "." or empty element,
// no backslash in a zip; the secret behind the links out of the tree only
// under follow; and a Content-Disposition that is plain ASCII.
func TestSecurityArchive(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	secret := marker("SECRET")
	dirName := `d<b>&"'` + "\x1b\r\n" + `%2e%2e..\..` // the directory's own name is hostile too
	tree := map[string]file{
		"outside/secret.txt": {content: secret + "\n"},
	}
	n := 0
	for i, name := range hostileNames {
		if strings.Contains(name, "/") {
			continue
		}
		n++
		tree["root/"+dirName+"/"+name] = file{content: fmt.Sprintf("content %d\n", i)}
	}
	for link, target := range map[string]string{
		"out.txt":    "../../outside/secret.txt",
		"outabs.txt": filepath.Join(base, "outside/secret.txt"),
		"outdir":     "../../outside",
		"up":         "..",
		"self":       ".",
		"loop":       "loop",
	} {
		tree["root/"+dirName+"/"+link] = file{link: target}
	}
	writeTree(t, base, tree)
	target := "/" + strings.NewReplacer("%", "%25", "\x1b", "%1B", "\r", "%0D", "\n", "%0A", `"`, "%22", "<", "%3C", ">", "%3E", `\`, "%5C", "'", "%27", "&", "%26").Replace(dirName) + "/"

	for _, policy := range []fileserver.SymlinkPolicy{fileserver.SymlinksFollow, fileserver.SymlinksInside, fileserver.SymlinksNever} {
		st := newStack(t, root, stackOptions{Symlinks: policy, Archive: true})
		for _, format := range []string{"zip", "tar.gz", "tar.zst"} {
			t.Run(policy.String()+"/"+format, func(t *testing.T) {
				res := get(t, st.addr, target+"?download="+format)
				if res.status != 200 || res.err != nil {
					t.Fatalf("GET %s?download=%s: %d %v", target, format, res.status, res.err)
				}
				cd := res.header.Get("Content-Disposition")
				for i := 0; i < len(cd); i++ {
					if cd[i] < 0x20 || cd[i] >= 0x7f {
						t.Fatalf("Content-Disposition %q has byte %#x", cd, cd[i])
					}
				}
				ext := "." + format
				// Control characters become '_' in filename* too: a name
				// shown to the user carries none.
				if want := `attachment; filename="d<b>&_'____2e_2e.._..` + ext + `"; filename*=UTF-8''d%3Cb%3E&%22%27___%252e%252e..%5C..` + ext; cd != want {
					t.Errorf("Content-Disposition = %q, want %q", cd, want)
				}
				entries := readArchive(t, format, res.body)
				top := dirName
				if format == "zip" {
					top = strings.ReplaceAll(top, `\`, "_")
				}
				files := 0
				for _, e := range entries {
					rel, ok := strings.CutPrefix(e.name, top+"/")
					if !ok && e.name != top+"/" {
						t.Errorf("%q is not under %q", e.name, top+"/")
						continue
					}
					if strings.HasPrefix(e.name, "/") || strings.ContainsRune(e.name, 0) {
						t.Errorf("%q: absolute, or with a NUL", e.name)
					}
					if format == "zip" && strings.Contains(e.name, `\`) {
						t.Errorf("%q: a backslash in a zip name", e.name)
					}
					for _, elem := range strings.Split(strings.TrimSuffix(rel, "/"), "/") {
						if rel != "" && (elem == "" || elem == "." || elem == "..") {
							t.Errorf("%q: element %q", e.name, elem)
						}
					}
					if strings.Contains(e.content, secret) != (policy == fileserver.SymlinksFollow && (path.Base(e.name) == "out.txt" || path.Base(e.name) == "outabs.txt" || path.Base(e.name) == "secret.txt")) {
						t.Errorf("%q: holds the secret: %v, under %v", e.name, strings.Contains(e.content, secret), policy)
					}
					if !strings.HasSuffix(e.name, "/") {
						files++
					}
				}
				want := n // the hostile names
				if policy == fileserver.SymlinksFollow {
					want += 3 // out.txt, outabs.txt, outdir/secret.txt; up, self and loop are loops
				}
				if files != want {
					t.Errorf("%d files, want %d", files, want)
				}
			})
		}
		st.close()
		if diag := string(st.diag.Bytes()); !strings.Contains(diag, "left out of archive") {
			t.Errorf("%v: the log names nothing left out:\n%s", policy, tail(diag, 2000))
		}
		checkLog(t, st.access.Bytes(), "127.0.0.1 - - [")
	}
}

// TestSecurityArchiveIndexPage asks, through the full stack over TCP, for
// archives of a tree whose directory "hidden" keeps its names to itself
// with an index page, as it would from Python's listing: no archive, of
// it or of the root, in any format under any symlink policy, holds its
// secret or names it; its own archive is its index page.
func TestSecurityArchiveIndexPage(t *testing.T) {
	root := t.TempDir()
	secret := marker("SECRET")
	writeTree(t, root, map[string]file{
		"public.txt":                   {content: "public\n"},
		"hidden/index.html":            {content: "<p>nothing here</p>\n"},
		"hidden/" + secret + ".txt":    {content: secret + "\n"},
		"hidden/sub/" + secret + ".db": {content: secret + "\n"},
	})
	for _, policy := range []fileserver.SymlinkPolicy{fileserver.SymlinksFollow, fileserver.SymlinksInside, fileserver.SymlinksNever} {
		st := newStack(t, root, stackOptions{Symlinks: policy, Archive: true})
		for _, format := range []string{"zip", "tar.gz", "tar.zst"} {
			t.Run(policy.String()+"/"+format, func(t *testing.T) {
				res := get(t, st.addr, "/?download="+format)
				if res.status != 200 || res.err != nil {
					t.Fatalf("GET /?download=%s: %d %v", format, res.status, res.err)
				}
				if bytes.Contains(res.body, []byte(secret)) {
					t.Errorf("the archive of the root names or holds the secret of the directory with an index page")
				}
				var names []string
				for _, e := range readArchive(t, format, res.body) {
					names = append(names, e.name)
				}
				if got, want := strings.Join(names, " "), "root/ root/public.txt"; got != want {
					t.Errorf("the archive of the root holds %s, want %s", got, want)
				}
				res = get(t, st.addr, "/hidden/?download="+format)
				if res.status != 200 || string(res.body) != "<p>nothing here</p>\n" || res.header.Get("Content-Disposition") != "" {
					t.Errorf("GET /hidden/?download=%s: %d, Content-Disposition %q, body %.40q; want 200 and the index page",
						format, res.status, res.header.Get("Content-Disposition"), res.body)
				}
			})
		}
		st.close()
	}
}

// TestFaultArchiveDisconnect has clients go away in the middle of large
// archives: the walks stop (the log says so for each), nothing is left
// running, and the server goes on serving.
func TestFaultArchiveDisconnect(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	tree := map[string]file{}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 32 {
		b := make([]byte, 512<<10) // incompressible: 16 MiB of archive, more than any socket buffers
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		tree[fmt.Sprintf("f%02d.bin", i)] = file{content: string(b)}
	}
	writeTree(t, root, tree)
	st := newStack(t, root, stackOptions{Archive: true})
	formats := []string{"zip", "tar.gz", "tar.zst"}
	for _, format := range formats {
		conn, err := net.Dial("tcp", st.addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(20 * time.Second)) // a bound against a hang, not a timing assertion
		fmt.Fprintf(conn, "GET /?download=%s HTTP/1.1\r\nHost: x\r\n\r\n", format)
		if _, err := io.ReadFull(conn, make([]byte, 64<<10)); err != nil {
			t.Fatalf("%s: reading the first 64 KiB: %v", format, err)
		}
		conn.Close()
	}
	if res := get(t, st.addr, "/f00.bin"); res.status != 200 || len(res.body) != 512<<10 {
		t.Errorf("GET /f00.bin after the disconnects: %d, %d bytes", res.status, len(res.body))
	}
	st.close() // waits for every handler
	if got := strings.Count(string(st.diag.Bytes()), "fileserver: archive stopped"); got != len(formats) {
		t.Errorf("%d archives stopped, want %d; log:\n%s", got, len(formats), tail(string(st.diag.Bytes()), 3000))
	}
	if strings.Contains(string(st.diag.Bytes()), "archive aborted") {
		t.Errorf("an archive was aborted, not stopped: %s", tail(string(st.diag.Bytes()), 3000))
	}
}
