package fileserver_test

import (
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// put is the target of a PUT of name into the root.
func put(name string) string { return "/" + url.PathEscape(name) }

// TestUploadLookAlikeNames: a new name that looks the same as one in its
// directory (the same in Normalization Form C once the characters that
// show as nothing are left out) is refused with 409, as an existing name
// is: a listing with both would show one name twice, and a link to one
// could pass for the other. Names that look different are taken.
func TestUploadLookAlikeNames(t *testing.T) {
	eachTemp(t, func(t *testing.T) {
		dir := t.TempDir()
		for _, n := range []string{
			"café.pdf",         // é as one character (NFC)
			"cafe\u0301.txt",   // e and a combining acute, as macOS writes it
			"Kelvin.txt",       // K, not the Kelvin sign U+212A
			"\u2764\ufe0f.txt", // ❤️, with its emoji variation selector
		} {
			if err := os.WriteFile(filepath.Join(dir, n), []byte("old\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		before := tree(t, dir)
		for _, overwrite := range []bool{false, true} {
			h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOverwrite: overwrite})
			for _, n := range []string{
				"cafe\u0301.pdf", // NFD beside NFC
				"caf\u00e9.txt",  // NFC beside NFD
				"\u2764.txt",     // ❤ beside ❤️
			} {
				w := upReq(h, "PUT", put(n), []byte("new\n"), false)
				if w.Code != 409 || !strings.Contains(w.Body.String(), "A name that looks the same exists") {
					t.Errorf("overwrite %v: PUT %+q: %d %q, want 409", overwrite, n, w.Code, w.Body)
				}
				// Unless-exists is met (the name does not exist): the
				// refusal is still the 409 of a name that looks the same.
				w = upReq(h, "PUT", put(n), []byte("new\n"), false, "If-None-Match", "*")
				if w.Code != 409 {
					t.Errorf("overwrite %v: PUT %+q with If-None-Match: *: %d, want 409", overwrite, n, w.Code)
				}
				body, ct := multipartBody(t, "other.txt", "x", n, "new\n")
				w = upReq(h, "POST", "/", body, false, "Content-Type", ct)
				if w.Code != 409 || !strings.Contains(w.Body.String(), "A name that looks the same exists: "+strconv.Quote(n)) {
					t.Errorf("overwrite %v: POST %+q: %d %q, want 409", overwrite, n, w.Code, w.Body)
				}
			}
			sameTree(t, dir, before)
		}
		// The same name is the same name: replaced with UploadOverwrite.
		h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOverwrite: true})
		if w := upReq(h, "PUT", put("café.pdf"), []byte("new\n"), false); w.Code != 204 {
			t.Errorf("PUT café.pdf over itself: %d, want 204", w.Code)
		}
		// Names that look different are other names.
		for _, n := range []string{"cafe.pdf", "CAFÉ.pdf", "kelvin.txt", "\U0001f5a4.txt"} {
			if w := upReq(h, "PUT", put(n), []byte("x"), false); w.Code != 201 {
				t.Errorf("PUT %+q: %d, want 201", n, w.Code)
			}
		}
	})
}

// TestPostLookAlikeTwice: one multipart upload with two names that look
// the same has the same name twice, and stores neither.
func TestPostLookAlikeTwice(t *testing.T) {
	dir := t.TempDir()
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
	body, ct := multipartBody(t, "café.txt", "one", "cafe\u0301.txt", "two")
	w := upReq(h, "POST", "/", body, false, "Content-Type", ct)
	if w.Code != 409 || !strings.Contains(w.Body.String(), "The same file name twice in one upload") {
		t.Errorf("POST: %d %q, want 409", w.Code, w.Body)
	}
	sameTree(t, dir, map[string]string{"./": ""})
}

// TestUploadInvisibleNames: the invisible characters that have a use in
// a name are taken where they have it (emoji, flags, ideographs, Persian
// words), and refused with 400 elsewhere, where a name with them looks
// like the name without.
func TestUploadInvisibleNames(t *testing.T) {
	dir := t.TempDir()
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
	for _, n := range []string{
		"a\U000e0041b.txt",         // a tag character after a letter
		"\U000e0001en.txt",         // the language tag
		"\U0001f3f4\U000e0067.txt", // a flag's tags not ended
		"a\U000e007f.txt",          // a cancel tag alone
		"a\u206ab.txt",             // deprecated format characters
		"a\u206fb.txt",
		"caf\ufe00e.txt", // variation selectors after letters
		"cafe\ufe0f.txt",
		"\ufe0fcafe.txt",
		"\u00e9\ufe0e.txt",
		"\u0430\ufe0f.txt", // Cyrillic а
		"x\U000e0100.txt",  // an ideographic variation selector after a letter
		"\u2764\ufe0f\ufe0f.txt",
		"caf\u200de.txt", // joiners after letters
		"caf\u200ce.txt",
		"\u200dcafe.txt",
		"caf\u180be.txt",     // a Mongolian variation selector after a Latin letter
		"caf\ufff9e.txt",     // an interlinear annotation mark
		"caf\U0001d173e.txt", // a musical format character
		"caf\ufff0e.txt",     // unassigned, kept for characters that show as nothing
	} {
		w := upReq(h, "PUT", put(n), []byte("x"), false)
		if w.Code != 400 || !strings.Contains(w.Body.String(), "Bad file name: contains a control character") {
			t.Errorf("PUT %+q: %d %q, want 400", n, w.Code, w.Body)
		}
		body, ct := multipartBody(t, n, "x")
		if w := upReq(h, "POST", "/", body, false, "Content-Type", ct); w.Code != 400 {
			t.Errorf("POST %+q: %d, want 400", n, w.Code)
		}
	}
	sameTree(t, dir, map[string]string{"./": ""})
	taken := []string{
		"\u2764\ufe0f.txt",                               // ❤️
		"1\ufe0f\u20e3.txt",                              // 1️⃣
		"\U0001f3f3\ufe0f\u200d\U0001f308.txt",           // 🏳️‍🌈
		"\U0001f468\u200d\U0001f469\u200d\U0001f467.txt", // 👨‍👩‍👧
		"\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f.txt", // the flag of England
		"\u1828\u180b.txt",     // a Mongolian letter with its variant chosen
		"\u8fbb\U000e0100.txt", // 辻 with its glyph chosen
		"\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645.txt", // Persian, with a non-joiner
	}
	for _, n := range taken {
		if w := upReq(h, "PUT", put(n), []byte("x"), false); w.Code != 201 {
			t.Errorf("PUT %+q: %d %q, want 201", n, w.Code, w.Body)
		}
	}
	if names, _ := os.ReadDir(dir); len(names) != len(taken) {
		t.Errorf("stored %d files, want %d", len(names), len(taken))
	}
}

// TestUploadConcurrentLookAlike: of uploads at once of names that look
// the same, one is stored and the others get 409.
func TestUploadConcurrentLookAlike(t *testing.T) {
	eachTemp(t, func(t *testing.T) {
		for range 20 {
			dir := t.TempDir()
			h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
			const n = 6
			codes := make([]int, n)
			var start, wg sync.WaitGroup
			start.Add(1)
			for i := range n {
				name := "café.bin"
				if i%2 == 1 {
					name = "cafe\u0301.bin"
				}
				pw, w, served := startPut(h, put(name), 4)
				wg.Add(1)
				go func() {
					defer wg.Done()
					start.Wait()
					go func() { pw.Write([]byte("body")); pw.Close() }()
					<-served
					pw.CloseWithError(io.ErrUnexpectedEOF) // if refused unread
					codes[i] = w.Code
					if w.Code != 201 && w.Code != 409 {
						t.Errorf("upload %d: %d %q", i, w.Code, w.Body)
					}
				}()
			}
			start.Done()
			wg.Wait()
			created := 0
			for i, c := range codes {
				switch c {
				case 201:
					created++
				case 409:
				default:
					t.Errorf("upload %d: %d", i, c)
				}
			}
			if names, _ := os.ReadDir(dir); created != 1 || len(names) != 1 {
				t.Fatalf("%d uploads got 201, the directory holds %v", created, names)
			}
		}
	})
}

// TestUploadPlainLookAlike: a name that looks like one of ASCII
// characters alone (the Kelvin sign U+212A for K, the Greek question mark
// U+037E for ";") is refused with 400 whether or not that name exists, so
// that the upload of an ASCII name, which reads no directory, never lands
// beside a look-alike an upload made.
func TestUploadPlainLookAlike(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Kelvin.txt"), []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := tree(t, dir)
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOverwrite: true})
	for _, n := range []string{"\u212aelvin.txt", "\u212aey.pdf", "a\u037eb.txt"} {
		w := upReq(h, "PUT", put(n), []byte("new\n"), false)
		if w.Code != 400 || !strings.Contains(w.Body.String(), "Bad file name: looks like a name of plain characters") {
			t.Errorf("PUT %+q: %d %q, want 400", n, w.Code, w.Body)
		}
		body, ct := multipartBody(t, n, "new\n")
		if w = upReq(h, "POST", "/", body, false, "Content-Type", ct); w.Code != 400 {
			t.Errorf("POST %+q: %d, want 400", n, w.Code)
		}
	}
	sameTree(t, dir, before)
	// An ASCII name is its own look: the directory is not read for it.
	reads := fileserver.CountNamesRead()
	if w := upReq(h, "PUT", put("Key.pdf"), []byte("new\n"), false); w.Code != 201 || reads() != 0 {
		t.Errorf("PUT Key.pdf: %d, %d readings of the directory, want 201 and 0", w.Code, reads())
	}
}

// TestPostReadsDirectoryTwice: a multipart post reads its directory's
// names once for the checks made as its files arrive and once when it
// names them, however many files it holds: read for each file, a post of
// 1,000 files into a directory of 100,000 took the server a minute and a
// half of CPU time. (Names of ASCII characters alone need no reading.)
func TestPostReadsDirectoryTwice(t *testing.T) {
	dir := t.TempDir()
	for i := range 20 {
		os.WriteFile(filepath.Join(dir, "old"+strconv.Itoa(i)), nil, 0o644)
	}
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
	var parts []string
	for i := range 50 {
		parts = append(parts, "new-é"+strconv.Itoa(i)+".txt", "x")
	}
	body, ct := multipartBody(t, parts...)
	reads := fileserver.CountNamesRead()
	w := upReq(h, "POST", "/", body, false, "Content-Type", ct)
	if n := reads(); w.Code != 201 || n != 2 {
		t.Errorf("POST of 50 files: %d, %d readings of the directory, want 201 and 2", w.Code, n)
	}
	if names, _ := os.ReadDir(dir); len(names) != 70 {
		t.Errorf("the directory holds %d names, want 70", len(names))
	}
}

// TestPutReadsDirectoryTwice: a PUT of a new name that is not plain ASCII
// reads its directory's names once before the body and once under the
// lock it names the file with, where every other upload into the
// directory waits, also when its target is looked at again there (with
// UploadOverwrite, or with a precondition): each reading of a directory
// of 100,000 entries took 80 ms.
func TestPutReadsDirectoryTwice(t *testing.T) {
	for _, c := range []struct {
		name      string
		overwrite bool
		hdr       []string
	}{
		{"plain", false, nil},
		{"overwrite", true, nil},
		{"If-None-Match", false, []string{"If-None-Match", "*"}},
		{"overwrite, If-None-Match", true, []string{"If-None-Match", "*"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for i := range 20 {
				os.WriteFile(filepath.Join(dir, "old"+strconv.Itoa(i)), nil, 0o644)
			}
			h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOverwrite: c.overwrite})
			reads := fileserver.CountNamesRead()
			w := upReq(h, "PUT", put("new-é.txt"), []byte("x"), false, c.hdr...)
			if n := reads(); w.Code != 201 || n != 2 {
				t.Errorf("PUT new-é.txt: %d, %d readings of the directory, want 201 and 2", w.Code, n)
			}
		})
	}
}

// TestUploadNameEdges: the edges of the rules for a name. Each control
// and invisible character the rules list is refused on its own, the
// characters next to the control ranges are taken, and a name of 255
// bytes (what file systems take) is taken where one of 256 is refused,
// and the names Windows reserves are refused however they are written.
func TestUploadNameEdges(t *testing.T) {
	dir := t.TempDir()
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
	for _, c := range []string{
		"\x01", "\x1f", "\x7f", "\u0080", "\u009f", "\u00ad", "\u034f", "\u061c", "\u115f", "\u1160",
		"\u17b4", "\u17b5", "\u180e", "\u200b", "\u200e", "\u200f", "\u202a", "\u202e", "\u2060",
		"\u3164", "\ufeff", "\uffa0",
	} {
		n := "a" + c + "b.txt"
		if w := upReq(h, "PUT", put(n), []byte("x"), false); w.Code != 400 || !strings.Contains(w.Body.String(), "Bad file name: contains a control character") {
			t.Errorf("PUT %+q: %d %q, want 400 for a control character", n, w.Code, w.Body)
		}
	}
	long := strings.Repeat("n", 252) + ".txt"
	if w := upReq(h, "PUT", put(long), []byte("x"), false); w.Code != 400 || !strings.Contains(w.Body.String(), "Bad file name: longer than 255 bytes") {
		t.Errorf("PUT a name of 256 bytes: %d %q, want 400", w.Code, w.Body)
	}
	// Windows opens the device for its name with an extension, and with
	// spaces before the extension.
	for _, n := range []string{"con.txt", "CON .txt", "Lpt1  .log"} {
		if w := upReq(h, "PUT", put(n), []byte("x"), false); w.Code != 400 || !strings.Contains(w.Body.String(), "Bad file name: reserved on Windows") {
			t.Errorf("PUT %+q: %d %q, want 400 for a name Windows reserves", n, w.Code, w.Body)
		}
	}
	taken := []string{"a b~.txt", "a\u00a0b.txt", long[1:],
		// The first and last characters of the ranges of invisible
		// characters taken in their place.
		"\U0001f3f4\U000e0020\U000e007e\U000e007f.txt", // a black flag's tags
		"\u6f22\U000e01ef.txt",                         // an ideographic variation selector
		"\u2764\ufe00.txt",                             // a variation selector
		"\u1820\u180f.txt",                             // a Mongolian one after a Mongolian letter
		"a\u1810.txt",                                  // a Mongolian digit: visible
	}
	for _, n := range taken {
		if w := upReq(h, "PUT", put(n), []byte("x"), false); w.Code != 201 {
			t.Errorf("PUT %+q: %d %q, want 201", n, w.Code, w.Body)
		}
	}
	want := map[string]string{"./": ""}
	for _, n := range taken {
		want[n] = "x"
	}
	sameTree(t, dir, want)
}
