package fileserver

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/simplehttp/simplehttp/internal/goldenfile"
)

// TestRichPageUploadArchives renders the rich page with an upload form
// and archive buttons, as the handler will once those handlers are there:
// the form posts multipart/form-data to the directory itself with a
// labelled multiple-file input and a submit button, and each format is
// a "?download=FORMAT" link.
func TestRichPageUploadArchives(t *testing.T) {
	page := richPage{
		Title:    "/docs/a <b>/",
		Crumbs:   richCrumbs("/docs/a%20%3Cb%3E/"),
		Parent:   true,
		Columns:  richColumns(richSort{key: "date", desc: true}),
		Count:    1,
		Upload:   true,
		Archives: []string{"zip", "tar.gz"},
	}
	b := appendRichHead(nil, &page)
	b = appendRichRows(b, []richEntry{{&entry{name: "x.txt"}, richStamp{kind: 'f', size: 1, hasTime: true, mtime: 1700000000}}})
	b = appendRichTail(b, &page)
	goldenfile.Check(t, "testdata/TestRichPageUploadArchives/page.golden", b)
	for _, want := range []string{
		`<form class="upload bar" method="post" action="./" enctype="multipart/form-data"><label for="upload-file">Upload files</label><input id="upload-file" type="file" name="file" multiple required> <button type="submit">Upload</button></form>`,
		`<form class="archives" method="get" action="./"><button name="download" value="zip">Download this folder as .zip</button> `,
		`<button name="download" value="tar.gz">Download this folder as .tar.gz</button> </form>`,
	} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("page lacks %s", want)
		}
	}
	// Without them, neither shows.
	page.Upload, page.Archives = false, nil
	b = appendRichHead(nil, &page)
	for _, no := range []string{`method="post"`, "download="} {
		if bytes.Contains(b, []byte(no)) {
			t.Errorf("page without Upload and Archives has %q", no)
		}
	}
}

func TestAppendHumanSize(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1, "1 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1229, "1.2 KiB"},
		{1048524, "1023.9 KiB"}, {1048575, "1.0 MiB"}, // never "1024.0 KiB"
		{5 << 20, "5.0 MiB"}, {3 << 30, "3.0 GiB"}, {1 << 62, "4.0 EiB"}, {1<<63 - 1, "8.0 EiB"},
	}
	for _, tt := range tests {
		if got := string(appendHumanSize(nil, tt.n)); got != tt.want {
			t.Errorf("appendHumanSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestParseRichSort(t *testing.T) {
	tests := []struct {
		query string
		want  richSort
	}{
		{"", richSort{key: "name"}},
		{"sort=size", richSort{key: "size"}},
		{"sort=date&order=desc", richSort{key: "date", desc: true}},
		{"order=desc", richSort{key: "name", desc: true}},
		{"sort=Size&order=DESC", richSort{key: "name"}},            // exact values only
		{"sort=size&sort=date", richSort{key: "size"}},             // the first wins
		{"sort=%zz&order=desc", richSort{key: "name", desc: true}}, // a pair that does not parse is ignored
		{"download=zip", richSort{key: "name"}},
	}
	for _, tt := range tests {
		if got := parseRichSort(tt.query); got != tt.want {
			t.Errorf("parseRichSort(%q) = %+v, want %+v", tt.query, got, tt.want)
		}
	}
}

// TestRichCrumbs: each crumb climbs to its directory with "../", counting
// empty segments as the browser does, and the last is the page itself.
func TestRichCrumbs(t *testing.T) {
	tests := []struct {
		path string
		want []richCrumb
	}{
		{"/", []richCrumb{{"/", ""}}},
		{"/a/", []richCrumb{{"/", "../"}, {"a", ""}}},
		{"/static/a%20b/c%2Fd/", []richCrumb{{"/", "../../../"}, {"static", "../../"}, {"a b", "../"}, {"c/d", ""}}},
		{"/a//b/", []richCrumb{{"/", "../../../"}, {"a", "../../"}, {"b", ""}}},
		{"/%3Cx%3E/", []richCrumb{{"/", "../"}, {"<x>", ""}}},
		// From /a/b// the browser climbs to / with ../../../.
		{"/a/b//", []richCrumb{{"/", "../../../"}, {"a", "../../"}, {"b", ""}}},
		{"//a/", []richCrumb{{"/", "../../"}, {"a", ""}}},
		// A name that is not UTF-8 is shown as the rows show it.
		{"/dir%FE/", []richCrumb{{"/", "../"}, {"dir\uFFFD", ""}}},
	}
	for _, tt := range tests {
		if got := richCrumbs(tt.path); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("richCrumbs(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}
