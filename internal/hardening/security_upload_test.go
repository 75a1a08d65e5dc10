//go:build unix

package hardening

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
	"github.com/simplehttp/simplehttp/internal/filetree"
)

// snapshot is every name under dir with its content (see filetree.Read).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m, err := filetree.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// multipartRequest is a raw POST of one file part with the filename
// parameter written as given (quotes and all).
func multipartRequest(target, filename, content string) string {
	body := "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=" + filename + "\r\n" +
		"Content-Type: application/octet-stream\r\n\r\n" + content + "\r\n--B--\r\n"
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		target, len(body), body)
}

func putRequest(target, content string) string {
	return fmt.Sprintf("PUT %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", target, len(content), content)
}

// TestSecurityUploadTraversal sends uploads, over raw sockets to the full
// stack with uploads on, under each symlink policy: PUT to every
// traversal target of the read-side suite retargeted at a new name, and
// multipart filenames that climb, are absolute, or use the other
// system's separator; plus writes through links that leave the root.
// Nothing outside the root may change, and every file an upload created
// must be a plain visible name inside the root holding the marker.
func TestSecurityUploadTraversal(t *testing.T) {
	for _, policy := range []fileserver.SymlinkPolicy{fileserver.SymlinksFollow, fileserver.SymlinksInside, fileserver.SymlinksNever} {
		t.Run(policy.String(), func(t *testing.T) {
			base := t.TempDir()
			root := filepath.Join(base, "root")
			writeTree(t, base, map[string]file{
				"outside/target.txt": {content: "ORIGINAL\n"},
				"root/sub/keep.txt":  {content: "keep\n"},
				"root/out":           {link: "../outside"},
				"root/outabs":        {link: filepath.Join(base, "outside")},
				"root/outfile":       {link: "../outside/target.txt"},
				"root/sub/up":        {link: "../../outside"},
				// Links inside the root to directories no upload
				// writes into: hidden ones and the CGI directories.
				"root/.ssh/":       {},
				"root/.git/hooks/": {},
				"root/cgi-bin/":    {},
				"root/keys":        {link: ".ssh"},
				"root/sub/g":       {link: "../.git"},
				"root/sub/h":       {link: "g/hooks"},
				"root/scripts":     {link: "cgi-bin"},
				"root/sub/cgi":     {link: "../sub/../cgi-bin"},
			})
			outside := snapshot(t, filepath.Join(base, "outside"))
			st := newStack(t, root, stackOptions{Symlinks: policy, Upload: true})
			payload := marker("UPLOADED")

			var targets []string
			for _, prefix := range []string{"/", "/sub/"} {
				for _, unit := range traversalUnits {
					for depth := 1; depth <= 8; depth++ {
						up := strings.Repeat(unit, depth)
						targets = append(targets, prefix+up+"pwned.txt", prefix+up+"outside/pwned.txt", prefix+up+"outside/target.txt")
					}
				}
			}
			abs := filepath.ToSlash(base)
			targets = append(targets,
				"/out/pwned.txt", "/outabs/pwned.txt", "/outfile", "/out/target.txt", "/sub/up/pwned.txt",
				"/out/../out/pwned.txt", "/sub/../out/pwned.txt", "/out%2fpwned.txt", "/out%2Ftarget.txt",
				abs+"/outside/pwned.txt", "/"+abs+"/outside/pwned.txt", "//"+strings.TrimPrefix(abs, "/")+"/outside/pwned.txt",
				"http://evil.example/../outside/pwned.txt", "/proc/self/cwd/pwned.txt", "/dev/shm/pwned.txt",
				"/pwned.txt%00.jpg", "/sub%00/pwned.txt", "/.pwned", "/sub/.ssh/authorized_keys", "/.ssh/authorized_keys",
				"/keys/authorized_keys", "/sub/g/config", "/sub/h/pre-commit", "/scripts/pwned.cgi", "/sub/cgi/pwned.cgi",
				"/cgi-bin/pwned.cgi", "/CGI-BIN/pwned.cgi", "/htbin/pwned.cgi",
			)
			status := map[int]int{}
			for _, target := range targets {
				resp := rawRequest(t, st.addr, putRequest(target, payload))
				status[resp.status]++
			}
			filenames := []string{
				`"../../outside/pwned.txt"`, `"..\\..\\outside\\pwned.txt"`, `"/etc/pwned.txt"`, `"` + abs + `/outside/pwned.txt"`,
				`"%2e%2e/outside/pwned.txt"`, `"C:\\..\\..\\pwned.txt"`, `"....//....//pwned.txt"`, `"pwned.txt/"`,
				`"..%2f..%2foutside%2fpwned.txt"`, `"../"`, `".."`, `"."`, `""`, `"target.txt"`, `".htaccess"`,
				`"a\x00b"`, `"x\r\nContent-Type: text/html"`, `pwned.txt`, `"\u202etxt.exe"`,
			}
			for _, dirTarget := range []string{"/", "/sub/", "/out/", "/outabs/", "/sub/up/", "/../outside/", "/%2e%2e/outside/",
				"/keys/", "/sub/g/", "/sub/h/", "/scripts/", "/sub/cgi/", "/cgi-bin/"} {
				for _, fn := range filenames {
					resp := rawRequest(t, st.addr, multipartRequest(dirTarget, fn, payload))
					status[resp.status]++
				}
			}
			st.close()

			if got := snapshot(t, filepath.Join(base, "outside")); fmt.Sprint(got) != fmt.Sprint(outside) {
				t.Errorf("outside the root changed:\n got %v\nwant %v", got, outside)
			}
			created := 0
			for rel, content := range snapshot(t, root) {
				if content != payload {
					continue
				}
				created++
				for _, elem := range strings.Split(rel, "/") {
					if elem == "" || elem[0] == '.' || strings.ContainsAny(elem, "\x00\r\n\\") || elem == "cgi-bin" {
						t.Errorf("an upload created %q", rel)
					}
				}
			}
			if bytes.Contains(st.access.Bytes(), []byte(payload)) || bytes.Contains(st.diag.Bytes(), []byte(payload)) {
				t.Error("the uploaded bytes reached a log")
			}
			t.Logf("%d PUT targets and %d multipart filenames: statuses %v; %d files created, all inside the root", len(targets), len(filenames)*13, status, created)
		})
	}
}

// TestSecurityUploadRebinding sends, over raw sockets to the full stack
// with uploads on, the uploads a page that reached the server by DNS
// rebinding makes its visitor's browser send: the page's host name as
// Host and in Origin, Sec-Fetch-Site: same-origin (or, from an older
// browser, Origin alone). The server listens on 127.0.0.1, where no name
// but the machine's own leads, so each gets 403 and nothing is stored;
// the same upload under the address itself is taken.
func TestSecurityUploadRebinding(t *testing.T) {
	root := t.TempDir()
	st := newStack(t, root, stackOptions{Upload: true})
	defer st.close()
	_, port, _ := strings.Cut(st.addr, ":")
	for i, host := range []string{"rebind.attacker.example:" + port, "7f000001.rebind.example:" + port, "127.0.0.1.nip.example:" + port} {
		for j, browser := range []string{"Sec-Fetch-Site: same-origin\r\nOrigin: http://" + host, "Origin: http://" + host} {
			name := fmt.Sprintf("/%d-%d", i, j)
			for _, req := range []string{putRequest(name+".txt", "pwned\n"), multipartRequest("/", `"`+name[1:]+`.html"`, "<script>pwned()</script>\n")} {
				req = strings.Replace(req, "Host: x\r\n", "Host: "+host+"\r\n"+browser+"\r\n", 1)
				if res := rawRequest(t, st.addr, req); res.status != 403 || !bytes.Contains(res.body, []byte("Cross-origin upload refused")) {
					t.Errorf("%.60q: %d %.80q, want 403", req, res.status, res.body)
				}
			}
		}
	}
	if got := snapshot(t, root); len(got) != 1 { // "./", the root itself
		t.Errorf("uploads by DNS rebinding stored %v", got)
	}
	req := strings.Replace(putRequest("/own.txt", "mine\n"), "Host: x\r\n", "Host: "+st.addr+"\r\nSec-Fetch-Site: same-origin\r\nOrigin: http://"+st.addr+"\r\n", 1)
	if res := rawRequest(t, st.addr, req); res.status != 201 {
		t.Errorf("the same upload under the server's own address: %d %.80q, want 201", res.status, res.body)
	}
}
