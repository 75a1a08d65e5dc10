package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestRunArchive runs the command with --archive and --archive-max: the
// listing links the archives, a directory within the limit downloads as
// tar.gz holding its files, one over it answers 403 with Python's error
// page, and the access log has both.
func TestRunArchive(t *testing.T) {
	dir := site(t)
	writeFile(t, dir+"/small/a.txt", "a\n")
	writeFile(t, dir+"/big/b.bin", strings.Repeat("b", 2000))
	r := startRun(t, "-b", "127.0.0.1", "-d", dir, "--archive", "--archive-max", "1K", "0")
	base := r.baseURL(t)

	_, page := get(t, base+"/")
	if !strings.Contains(page, `<button name="download" value="tar.gz">tar.gz</button>`) {
		t.Errorf("listing without the archive buttons:\n%s", page)
	}
	resp, body := get(t, base+"/small/?download=tar.gz")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/gzip" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="small.tar.gz"` {
		t.Fatalf("GET /small/?download=tar.gz: %d %q", resp.StatusCode, resp.Header)
	}
	var got []string
	for name, content := range untarGz(t, body) {
		got = append(got, name+"="+content)
	}
	if want := "small/= small/a.txt=a\n"; strings.Join(got, " ") != want {
		t.Errorf("archive holds %q, want %q", strings.Join(got, " "), want)
	}
	resp, body = get(t, base+"/big/?download=zip")
	if resp.StatusCode != 403 || !strings.Contains(body, "Archive too large") {
		t.Errorf("GET /big/?download=zip: %d %q, want 403 Archive too large", resp.StatusCode, body)
	}
	r.exit(t)
	log := r.stderr.String()
	for _, want := range []string{`"GET /small/?download=tar.gz HTTP/1.1" 200 `, `code 403, message Archive too large`} {
		if !strings.Contains(log, want) {
			t.Errorf("the log has no %q:\n%s", want, log)
		}
	}
}

// TestRunNoArchive checks that without --archive the query is ignored, as
// Python ignores it.
func TestRunNoArchive(t *testing.T) {
	r := startRun(t, "-b", "127.0.0.1", "-d", site(t), "0")
	base := r.baseURL(t)
	_, want := get(t, base+"/")
	resp, got := get(t, base+"/?download=zip")
	if resp.Header.Get("Content-Type") != "text/html; charset=utf-8" || got != want || strings.Contains(got, "download") {
		t.Errorf("GET /?download=zip without --archive:\n%s\nwant the listing:\n%s", got, want)
	}
	r.exit(t)
}

// TestRunArchiveCGI: with --cgi, the archive of a directory above a CGI
// directory leaves the scripts out, in any letter case, as every response
// keeps their source from clients.
func TestRunArchiveCGI(t *testing.T) {
	dir := site(t)
	writeFile(t, dir+"/cgi-bin/s.sh", "#!/bin/sh\n# SECRET=hunter2\n")
	writeFile(t, dir+"/site/HTBIN/t.sh", "not a CGI directory: only /htbin is\n")
	writeFile(t, dir+"/a.txt", "a\n")
	r := startRun(t, "-b", "127.0.0.1", "-d", dir, "--cgi", "--archive", "0")
	base := r.baseURL(t)
	resp, body := get(t, base+"/?download=tar.gz")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /?download=tar.gz: %d", resp.StatusCode)
	}
	var got []string
	for name := range untarGz(t, body) {
		got = append(got, name)
	}
	if want := "root/ root/a.txt root/hello.txt root/site/ root/site/HTBIN/ root/site/HTBIN/t.sh"; strings.Join(got, " ") != want {
		t.Errorf("archive holds %q, want %q", strings.Join(got, " "), want)
	}
	r.exit(t)
}

// untarGz yields the name and content of each entry of a tar.gz, in order.
func untarGz(t *testing.T, body string) iter.Seq2[string, string] {
	t.Helper()
	gz, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	return func(yield func(string, string) bool) {
		for {
			h, err := tr.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var content bytes.Buffer
			io.Copy(&content, tr)
			if !yield(h.Name, content.String()) {
				return
			}
		}
	}
}

// TestE2EWgetArchive mirrors a tree with wget --recursive from a server
// with --archive, with each listing style: the mirror holds the tree's
// files and no archive, and the server was never asked for one. wget
// follows every link of a page (rel="nofollow" included; its -R patterns
// only delete a file once it has arrived), so archive links would have
// it download each directory's whole subtree three times more, at every
// level of the tree.
func TestE2EWgetArchive(t *testing.T) {
	need(t, "wget")
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "a.txt"), "a\n")
	writeFile(t, filepath.Join(src, "sub", "b.txt"), "b\n")
	writeFile(t, filepath.Join(src, "sub", "deeper", "c.txt"), "c\n")
	for _, style := range []string{"python", "rich"} {
		t.Run(style, func(t *testing.T) {
			p := startBinary(t, "-b", "127.0.0.1", "-d", src, "-p", "HTTP/1.1", "--archive", "--listing", style, "0")
			dst := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			cmd := client(ctx, "wget", "--recursive", "--level=inf", "--no-parent", "--no-host-directories",
				"--execute", "robots=off", "--no-verbose", "--directory-prefix", dst, p.url+"/")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("wget: %v\n%s", err, out)
			}
			p.stop(t, syscall.SIGTERM)
			if log := p.stderr.String(); strings.Contains(log, "download=") {
				t.Errorf("wget asked for archives:\n%s", log)
			}
			for name := range tree(t, dst) {
				if strings.Contains(name, "download=") {
					t.Errorf("the mirror has %s", name)
				}
			}
			for _, name := range []string{"a.txt", "sub/b.txt", "sub/deeper/c.txt"} {
				if _, err := os.Stat(filepath.Join(dst, filepath.FromSlash(name))); err != nil {
					t.Errorf("the mirror lacks %s: %v\n%s", name, err, out)
				}
			}
		})
	}
}
