//go:build !(linux && (amd64 || arm64))

package fileserver

import (
	"io/fs"
	"net/http"
	"os"
)

// statOrServeHit returns what fs.Stat does. The fast path that stats into
// the stack and answers cache hits at once is built for Linux on amd64 and
// arm64 only, where the system call's number and struct are known.
func (h *Handler) statOrServeHit(_ http.ResponseWriter, _ *http.Request, name string, _ bool) (bool, fs.FileInfo, error) {
	fi, err := h.statFS.Stat(name)
	return false, fi, err
}

// beneathDir is the openat2(2) stat of statfast_linux.go, not built here.
type beneathDir struct{}

func newBeneathDir(*os.Root, SymlinkPolicy) *beneathDir { return nil }

func (*beneathDir) close() {}

func (*beneathDir) open(string) *os.File { return nil }

func (*dirFS) statBeneath(string) (bool, fs.FileInfo, error) { return false, nil, nil }
