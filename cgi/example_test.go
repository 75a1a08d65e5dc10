package cgi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/simplehttp/simplehttp/cgi"
)

func ExampleNew() {
	// A site with one script. (A real program calls
	// cgi.MaybeRunLauncher first thing in main; this test binary does it
	// in TestMain.)
	root, _ := os.MkdirTemp("", "site")
	defer os.RemoveAll(root)
	os.Mkdir(filepath.Join(root, "cgi-bin"), 0o755)
	os.WriteFile(filepath.Join(root, "cgi-bin", "hello.sh"), []byte(
		"#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\n'\necho \"hello $1 from $SCRIPT_NAME$PATH_INFO\"\n"), 0o755)
	// Run as root, the server runs scripts as nobody, who must be able to
	// reach and run them whatever the umask left of 0755 above.
	for _, p := range []string{root, filepath.Join(root, "cgi-bin"), filepath.Join(root, "cgi-bin", "hello.sh")} {
		os.Chmod(p, 0o755)
	}

	c, err := cgi.New(cgi.Options{Root: root})
	if err != nil {
		fmt.Println(err)
		return
	}
	files := http.FileServer(http.Dir(root))
	srv := httptest.NewServer(c.Handler(files))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/cgi-bin/hello.sh/extra?world")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.Status)
	fmt.Print(string(body))
	// Output:
	// 200 OK
	// hello world from /cgi-bin/hello.sh/extra
}
