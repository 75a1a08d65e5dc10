package filetree_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/simplehttp/simplehttp/internal/filetree"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", ".hidden"), []byte("h"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a\n"), 0o644)
	os.Symlink("sub", filepath.Join(dir, "link"))

	got, err := filetree.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"./": "", "a.txt": "a\n", "link": "-> sub", "sub/": "", "sub/.hidden": "h"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Read:\n got %v\nwant %v", got, want)
	}
}

func TestReadMissing(t *testing.T) {
	if _, err := filetree.Read(filepath.Join(t.TempDir(), "none")); !os.IsNotExist(err) {
		t.Errorf("Read of a missing directory: %v, want a not-exist error", err)
	}
}
