package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// uploadDriver is a page, served from the same directory (so from the
// same origin), that loads the listing in a frame and does what a user
// does: chooses two files in the listing's upload form and presses its
// button. Choosing files is the one step a headless browser run from
// the command line cannot do by hand, so the script hands the input a
// FileList; the browser then encodes and posts the form itself, as for
// a user. Once the frame shows the answer, its title and text are copied
// into this page for --dump-dom.
const uploadDriver = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>driver</title></head><body>
<iframe id="f" src="/"></iframe>
<pre id="out">pending</pre>
<script>
const f = document.getElementById("f");
let submitted = false;
f.onload = () => {
  const d = f.contentDocument;
  if (!submitted) {
    submitted = true;
    const input = d.querySelector("form input[type=file]");
    const dt = new DataTransfer();
    dt.items.add(new File(["hello from chromium\n"], "from browser.txt", {type: "text/plain"}));
    dt.items.add(new File([new Uint8Array([0, 1, 2, 255])], "bytes <&>.bin"));
    input.files = dt.files;
    d.querySelector("form button[type=submit]").click();
    return;
  }
  const links = [...d.querySelectorAll("li a")].map(a => a.getAttribute("href") + " " + a.textContent);
  document.getElementById("out").textContent = "title: " + d.title + "\n" + links.join("\n");
};
</script></body></html>
`

// TestBrowserUpload uploads two files through the listing's form in
// headless Chromium: they arrive byte for byte, and the page that
// answers links each of them.
func TestBrowserUpload(t *testing.T) {
	chromium := needChromium(t)
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "driver.html"), uploadDriver)
	srv := startBinary(t, "0", "-b", "127.0.0.1", "-d", root, "--upload")

	dom := browserRun(t, chromium, "--dump-dom", "--virtual-time-budget=20000", srv.url+"/driver.html")
	i := strings.Index(dom, `<pre id="out">`)
	j := strings.Index(dom, "</pre>")
	if i < 0 || j < i {
		t.Fatalf("no result in the driver page:\n%s", dom)
	}
	got := dom[i+len(`<pre id="out">`) : j]
	want := "title: Uploaded to /\n" +
		"from%20browser.txt from browser.txt\n" +
		"bytes%20%3C%26%3E.bin bytes &lt;&amp;&gt;.bin"
	if got != want {
		t.Errorf("the page after the upload shows:\n%s\nwant:\n%s", got, want)
	}
	for name, content := range map[string][]byte{
		"from browser.txt": []byte("hello from chromium\n"),
		"bytes <&>.bin":    {0, 1, 2, 255},
	} {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil || !bytes.Equal(b, content) {
			t.Errorf("%s: %q, %v; want %q", name, b, err, content)
		}
	}
	srv.stop(t, os.Interrupt)
	if l := srv.stderr.String(); !strings.Contains(l, `"POST / HTTP/1.1" 201`) {
		t.Errorf("the log lacks the upload:\n%s", l)
	}
}

// noFileDriver loads a listing in a frame and presses its Upload button
// without choosing a file, as a user who clicks too soon does; it then
// reports whether the frame left the listing and what the file input
// says of its value.
const noFileDriver = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>driver</title></head><body>
<iframe id="f" src="/"></iframe>
<pre id="out">pending</pre>
<script>
const f = document.getElementById("f");
let clicked = false;
f.onload = () => {
  const d = f.contentDocument;
  if (clicked) {
    document.getElementById("out").textContent = "left the listing: " + d.title;
    return;
  }
  clicked = true;
  const input = d.querySelector("form input[type=file]");
  d.querySelector("form button[type=submit]").click();
  setTimeout(() => {
    if (document.getElementById("out").textContent === "pending") {
      document.getElementById("out").textContent = "stayed; value missing: " + input.validity.valueMissing;
    }
  }, 1000);
};
</script></body></html>
`

// TestBrowserUploadNoFile presses the Upload button of each listing's
// form in headless Chromium with no file chosen: the browser asks for
// one and sends nothing, rather than posting an empty form that the
// server can only answer with a 400 error page.
func TestBrowserUploadNoFile(t *testing.T) {
	chromium := needChromium(t)
	for _, style := range []string{"python", "rich"} {
		t.Run(style, func(t *testing.T) {
			root := t.TempDir()
			writeFile(t, filepath.Join(root, "driver.html"), noFileDriver)
			srv := startBinary(t, "0", "-b", "127.0.0.1", "-d", root, "--upload", "--listing", style)
			dom := browserRun(t, chromium, "--dump-dom", "--virtual-time-budget=10000", srv.url+"/driver.html")
			i := strings.Index(dom, `<pre id="out">`)
			j := strings.Index(dom, "</pre>")
			if i < 0 || j < i {
				t.Fatalf("no result in the driver page:\n%s", dom)
			}
			if got, want := dom[i+len(`<pre id="out">`):j], "stayed; value missing: true"; got != want {
				t.Errorf("after Upload with no file: %q, want %q", got, want)
			}
			srv.stop(t, os.Interrupt)
			if l := srv.stderr.String(); strings.Contains(l, "POST") {
				t.Errorf("the browser posted the form:\n%s", l)
			}
		})
	}
}
