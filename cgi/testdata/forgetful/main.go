// Command forgetful is a server whose main forgets to call
// cgi.MaybeRunLauncher before cgi.New; TestForgetfulLauncher runs it. It
// counts its starts in a file beside its executable (the launcher's
// environment is empty).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/simplehttp/simplehttp/cgi"
)

func main() {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	dir := filepath.Dir(exe)
	f, err := os.OpenFile(filepath.Join(dir, "starts"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		panic(err)
	}
	f.WriteString("start\n")
	f.Close()
	_, err = cgi.New(cgi.Options{Root: dir})
	fmt.Fprintln(os.Stderr, err)
	os.Exit(3)
}
