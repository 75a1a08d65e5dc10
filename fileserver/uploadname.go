package fileserver

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/simplehttp/simplehttp/internal/samename"
)

// lookAlikeMsg is the refusal of a name that looks the same as one in
// its directory (see lookAlike).
const lookAlikeMsg = "A name that looks the same exists"

// existsMsg is the refusal of an upload whose name is taken by a file
// (or, at the exclusive link of the commit, by anything).
const existsMsg = "File exists"

// placedInvisible reports whether c, after prev (-1 at the start of a
// name), is not an invisible character out of its place. Some have a
// use in a name, where they have it: a variation selector chooses an
// emoji's or a symbol's look (U+FE00-FE0F) or an ideograph's glyph
// (U+E0100-E01EF), and tag characters make a flag of the black flag
// (U+1F3F4 followed by tags and the cancel tag U+E007F), and the
// zero-width joiner and non-joiner join emoji and the letters of many
// scripts. Anywhere else they show as nothing: after an ordinary letter,
// a name with them looks like the name without. inTag is carried from rune to rune: whether a
// flag's tags are open.
func placedInvisible(prev, c rune, inTag *bool) bool {
	switch {
	case c >= 0xe0020 && c <= 0xe007e: // tag characters
		if prev == 0x1f3f4 || *inTag {
			*inTag = true
			return true
		}
		return false
	case c == 0xe007f: // cancel tag: ends a flag's tags
		ok := *inTag
		*inTag = false
		return ok
	case *inTag, c >= 0xe0000 && c <= 0xe007f:
		return false // a flag's tags not ended, a language tag
	case c >= 0xe0100 && c <= 0xe01ef: // ideographic variation selectors
		return prev >= 0 && unicode.Is(unicode.Han, prev)
	case c >= 0xfe00 && c <= 0xfe0f:
		if prev >= '0' && prev <= '9' || prev == '#' || prev == '*' {
			return true // keycaps (1️⃣, #️⃣), the slashed zero
		}
		return !ordinary(prev) && !unicode.Is(unicode.Variation_Selector, prev)
	case c == 0x200c || c == 0x200d: // zero-width non-joiner and joiner
		return !ordinary(prev)
	case c >= 0x180b && c <= 0x180f: // Mongolian free variation selectors
		return prev >= 0 && unicode.Is(unicode.Mongolian, prev) && unicode.IsLetter(prev)
	}
	// The other characters that show as nothing (interlinear annotation
	// marks, musical beams, unassigned ones kept for such use) have no
	// place in a name.
	return !samename.Ignorable(c) && (c < 0xfff9 || c > 0xfffb)
}

// ordinary reports whether c (-1 for the start of a name) is the start,
// an ASCII character or a Latin, Greek or Cyrillic letter: what no
// variation selector or joiner follows to any effect.
func ordinary(c rune) bool {
	return c < utf8.RuneSelf ||
		c < 0x2000 && unicode.IsLetter(c) && unicode.In(c, unicode.Latin, unicode.Greek, unicode.Cyrillic)
}

// nameKey is what a name looks like, to compare it with others: its
// characters that show as nothing (Unicode's default ignorable ones,
// among them the joiners, variation selectors and tags that an upload
// takes where they have a use) left out, and the rest in Normalization
// Form C, so that an "é" written as "e" and a combining acute accent
// (as macOS writes names) is the "é" written as one character. Letter
// case is kept: on a file system that ignores it, the system itself
// refuses a name that differs from another in case only; on others,
// "README" and "readme" do not look the same.
func nameKey(name string) string {
	if isASCII(name) {
		return name
	}
	b := make([]byte, 0, len(name))
	for _, c := range name {
		if !samename.Ignorable(c) {
			b = utf8.AppendRune(b, c)
		}
	}
	return norm.NFC.String(string(b))
}

// isASCII reports whether s holds ASCII characters alone.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// namesRead, if not nil, is called for each reading of a directory's
// names: tests count them.
var namesRead func()

// dirNames are the names of a directory by their nameKey, read once
// when first needed, for the checks of several names; a nil *dirNames
// reads the directory for each.
type dirNames struct {
	read bool
	m    map[string]string
	err  error
}

// lookAlike returns a name in dir that is not base but looks the same
// (has its nameKey), or "". A listing with both would show the same name
// twice, and a link to one could be a link to the other: an upload that
// added "café.pdf" with a decomposed "é" beside "café.pdf" could pass for
// it.
func (d *dirNames) lookAlike(dir *os.File, base string) (string, error) {
	if d == nil {
		return lookAlike(dir, base)
	}
	if !d.read {
		d.read = true
		d.m = make(map[string]string)
		d.err = eachName(dir, func(n string) bool {
			d.m[nameKey(n)] = n
			return true
		})
	}
	if d.err != nil {
		return "", d.err
	}
	if n, ok := d.m[nameKey(base)]; ok && n != base {
		return n, nil
	}
	return "", nil
}

// add records name, just created in the directory.
func (d *dirNames) add(name string) {
	if d != nil && d.m != nil {
		d.m[nameKey(name)] = name
	}
}

// lookAlike returns a name in dir that is not base but looks the same
// as base, or "".
func lookAlike(dir *os.File, base string) (string, error) {
	key, found := nameKey(base), ""
	err := eachName(dir, func(n string) bool {
		if n != base && (n == key || nameKey(n) == key) {
			found = n
			return false
		}
		return true
	})
	return found, err
}

// eachName calls f with each name in dir until it returns false.
func eachName(dir *os.File, f func(string) bool) error {
	if namesRead != nil {
		namesRead()
	}
	if _, err := dir.Seek(0, io.SeekStart); err != nil {
		return err
	}
	for {
		names, err := dir.Readdirnames(1024)
		for _, n := range names {
			if !f(n) {
				return nil
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// lookAlikeConflict refuses base in dir if it would be a new name there
// that looks the same as another (see lookAlike; names as in
// checkTarget). An existing name is not a new one: it is replaced or
// refused as before.
func (h *Handler) lookAlikeConflict(dir *os.File, base string, names *dirNames) *uploadError {
	cur, err := lstatAt(dir, base)
	if err == nil && cur.exists || isASCII(base) {
		// A name of ASCII characters alone is its own nameKey, and no
		// upload makes another name that looks like it
		// (checkUploadName), so the directory is not read: reading it
		// for every upload took 80 ms a PUT in a directory of 100,000
		// entries, against 1.5 ms. Only a name put there otherwise
		// (the Kelvin sign for K, a soft hyphen) can look like it.
		return nil
	}
	other, err := names.lookAlike(dir, base)
	if err == nil && other == "" {
		return nil
	}
	switch {
	case err == nil:
		return refuse(http.StatusConflict, lookAlikeMsg)
	case errors.Is(err, fs.ErrNotExist):
		// The directory was removed while the body arrived: 409 "No
		// such directory", as when naming the file fails for it.
		return h.writeError(err)
	}
	// A directory that cannot be read is not taken for safe.
	return &uploadError{code: http.StatusForbidden, msg: "Upload refused", err: err}
}

// lockNames holds, until the func it returns is called, the lock on the
// names of dir that the last check and the naming of an upload take
// together: of two uploads of look-alike names at once, one sees the
// other's name. It holds for the uploads of this handler only. The
// received files are synced first (syncEarly), so that the lock is not
// held while their bytes go to disk.
func (h *Handler) lockNames(dir *os.File) func() {
	id, _ := identOf(dir)
	mu := &h.nameMu[(id.ino^id.dev)%uint64(len(h.nameMu))]
	mu.Lock()
	return mu.Unlock
}

// syncEarly writes the received bytes to disk, before the lock of the
// directory's names is taken; commit syncs again, and reports failure.
func (t *tempFile) syncEarly() {
	if t.File != nil { // a parked file was synced by park
		t.Sync()
	}
}
