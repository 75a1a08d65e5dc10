package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2EUpload sends files with curl (-T, -F) and wget (--method=PUT)
// to the command run with --upload --max-upload 1M --cgi, and checks each
// answer, the files on disk and the log lines.
func TestE2EUpload(t *testing.T) {
	need(t, "curl", "wget")
	root := t.TempDir()
	src := t.TempDir()
	for _, dir := range []string{"sub", "cgi-bin"} {
		if err := os.Mkdir(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("cgi-bin", filepath.Join(root, "scripts")); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"a.txt":         []byte("alpha\n"),
		"b c.bin":       randomBytes(t, 300<<10),
		"too big.bin":   randomBytes(t, 1<<20+1),
		"script.sh":     []byte("#!/bin/sh\necho pwned\n"),
		"wget body.txt": []byte("from wget\n"),
	}
	for name, data := range files {
		writeFile(t, filepath.Join(src, name), string(data))
	}
	p := startBinary(t, "-b", "127.0.0.1", "-d", root, "-p", "HTTP/1.1", "--upload", "--max-upload", "1M", "--upload-origin", "https://files.example.com", "--cgi", "0")
	in := func(name string) string { return filepath.Join(src, name) }

	// curl -T to a directory URL appends the file's name.
	status, h, body := headOf(t, curl(t, "--include", "-T", in("a.txt"), p.url+"/sub/"))
	if status != "HTTP/1.1 201 Created" || h["location"][0] != "/sub/a.txt" || body != "" {
		t.Errorf("curl -T: %s %v %q", status, h, body)
	}
	status, _, body = headOf(t, curl(t, "--include", "-T", in("a.txt"), p.url+"/sub/"))
	if status != "HTTP/1.1 409 Conflict" || !strings.Contains(body, "Message: File exists.") {
		t.Errorf("curl -T of a name that exists: %s %q", status, body)
	}
	// Over the limit: refused on the announced length, before curl sends
	// the body (it waits for 100 Continue).
	status, _, body = headOf(t, curl(t, "--include", "-T", in("too big.bin"), p.url+"/big.bin"))
	if status != "HTTP/1.1 413 Request Entity Too Large" || !strings.Contains(body, "Upload larger than 1048576 bytes") {
		t.Errorf("curl -T over --max-upload: %s %q", status, body)
	}
	// A form, as a browser sends it.
	status, h, body = headOf(t, curl(t, "--include", "-F", "file=@"+in("b c.bin"), "-F", "file=@"+in("script.sh"), p.url+"/sub/"))
	if status != "HTTP/1.1 201 Created" || len(h["location"]) != 0 ||
		!strings.Contains(body, `<li><a href="b%20c.bin">b c.bin</a> (307200 bytes)</li>`) ||
		!strings.Contains(body, `<li><a href="script.sh">script.sh</a> (21 bytes)</li>`) {
		t.Errorf("curl -F: %s %v\n%s", status, h, body)
	}
	// A form on another site, posted by a visitor's browser: refused.
	status, _, body = headOf(t, curl(t, "--include", "-H", "Origin: https://evil.example", "-H", "Sec-Fetch-Site: cross-site",
		"-F", "file=@"+in("a.txt"), p.url+"/"))
	if status != "HTTP/1.1 403 Forbidden" || !strings.Contains(body, "Message: Cross-origin upload refused.") {
		t.Errorf("curl -F from another site: %s %q", status, body)
	}
	// From the origin --upload-origin names (a proxy in front): taken.
	status, _, _ = headOf(t, curl(t, "--include", "-H", "Origin: https://files.example.com", "-H", "Sec-Fetch-Site: cross-site",
		"-F", "file=@"+in("a.txt"), p.url+"/"))
	if status != "HTTP/1.1 201 Created" {
		t.Errorf("curl -F from --upload-origin: %s", status)
	}
	// Nothing goes into a CGI directory, by PUT or by form.
	status, _, _ = headOf(t, curl(t, "--include", "-T", in("script.sh"), p.url+"/cgi-bin/"))
	if status != "HTTP/1.1 501 Not Implemented" {
		t.Errorf("curl -T into cgi-bin: %s", status)
	}
	status, _, _ = headOf(t, curl(t, "--include", "-F", "file=@"+in("script.sh"), p.url+"/cgi-bin/"))
	if status != "HTTP/1.1 403 Forbidden" {
		t.Errorf("curl -F into cgi-bin: %s", status)
	}
	// Nor through a link to one.
	status, _, body = headOf(t, curl(t, "--include", "-T", in("script.sh"), p.url+"/scripts/"))
	if status != "HTTP/1.1 403 Forbidden" || !strings.Contains(body, "Message: Uploads into this directory are refused.") {
		t.Errorf("curl -T into a link to cgi-bin: %s %q", status, body)
	}
	// wget.
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cmd := client(ctx, "wget", "--quiet", "--server-response", "--output-document=-",
		"--method=PUT", "--body-file="+in("wget body.txt"), p.url+"/wget%20body.txt")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "HTTP/1.1 201 Created") {
		t.Errorf("wget --method=PUT: %v\n%s", err, out)
	}
	p.stop(t, os.Interrupt)

	for name, where := range map[string]string{"a.txt": "sub", "b c.bin": "sub", "script.sh": "sub", "wget body.txt": "."} {
		got, err := os.ReadFile(filepath.Join(root, where, name))
		if err != nil || !bytes.Equal(got, files[name]) {
			t.Errorf("%s/%s: %d bytes, %v; want the %d sent", where, name, len(got), err, len(files[name]))
		}
	}
	for _, gone := range []string{"big.bin", "cgi-bin/script.sh"} {
		if _, err := os.Lstat(filepath.Join(root, gone)); err == nil {
			t.Errorf("%s exists after a refused upload", gone)
		}
	}
	if fi, err := os.Stat(filepath.Join(root, "sub", "script.sh")); err == nil && fi.Mode()&0o111 != 0 {
		t.Errorf("an uploaded file is executable: %v", fi.Mode())
	}
	log := p.stderr.String()
	for _, want := range []string{
		`"PUT /sub/a.txt HTTP/1.1" 201 -`,
		`code 409, message File exists`,
		`"PUT /sub/a.txt HTTP/1.1" 409 `,
		`"PUT /big.bin HTTP/1.1" 413 `,
		`"POST /sub/ HTTP/1.1" 201 `,
		`"PUT /wget%20body.txt HTTP/1.1" 201 -`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
}
