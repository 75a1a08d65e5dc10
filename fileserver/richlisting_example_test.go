package fileserver_test

import (
	"fmt"
	"log"
	"net/http/httptest"
	"regexp"
	"testing/fstest"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
)

// The rich listing, sorted by size, largest first, as the link of its
// Size heading asks. Each row shows the name, the size (the exact bytes
// in its title) and the modification time in UTC.
func ExampleListingStyle() {
	t := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	fsys := fstest.MapFS{
		"notes.txt":  {Data: make([]byte, 300), ModTime: t},
		"photo.jpg":  {Data: make([]byte, 2_500_000), ModTime: t.Add(-time.Hour)},
		"report.pdf": {Data: make([]byte, 48_000), ModTime: t.Add(-48 * time.Hour)},
	}
	h, err := fileserver.New(fsys, fileserver.Options{Listing: fileserver.ListingRich})
	if err != nil {
		log.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/?sort=size&order=desc", nil))
	row := regexp.MustCompile(`<a href="[^"]*">([^<]*)</a></td><td class="s" title="(\d+) bytes">([^<]*)</td><td class="m"><time datetime="([^"]*)">`)
	for _, m := range row.FindAllStringSubmatch(rec.Body.String(), -1) {
		fmt.Printf("%-10s %8s %7s bytes  %s\n", m[1], m[3], m[2], m[4])
	}
	// Output:
	// photo.jpg   2.4 MiB 2500000 bytes  2024-05-06T06:08:09Z
	// report.pdf 46.9 KiB   48000 bytes  2024-05-04T07:08:09Z
	// notes.txt     300 B     300 bytes  2024-05-06T07:08:09Z
}
