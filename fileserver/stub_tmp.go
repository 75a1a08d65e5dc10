package fileserver

import (
	"io/fs"
	"net/http"
)

// Handler serves files (temporary stub; being written).
type Handler struct{}

// New returns a Handler serving fsys.
func New(fsys fs.FS, opts Options) (*Handler, error) { return &Handler{}, nil }

// NewDir returns a Handler serving the OS directory dir.
func NewDir(dir string, opts Options) (*Handler, error) { return &Handler{}, nil }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
