package pyescape_test

import (
	"fmt"

	"github.com/simplehttp/simplehttp/internal/pyescape"
)

// A listing entry: the href is quoted, the text HTML-escaped, and entries
// sort by their Python-lower-cased names.
func Example() {
	name := "R&D <draft> ΟΔΥΣΣΕΥΣ.txt"
	fmt.Printf("<li><a href=\"%s\">%s</a></li>\n", pyescape.URL(name), pyescape.HTML(name))
	fmt.Println(pyescape.Lower(name))
	// Output:
	// <li><a href="R%26D%20%3Cdraft%3E%20%CE%9F%CE%94%CE%A5%CE%A3%CE%A3%CE%95%CE%A5%CE%A3.txt">R&amp;D &lt;draft&gt; ΟΔΥΣΣΕΥΣ.txt</a></li>
	// r&d <draft> οδυσσευσ.txt
}

func ExampleURL() {
	fmt.Println(pyescape.URL("dir/a b:c@d?e#f"))
	fmt.Println(pyescape.URL("caf\xe9")) // Latin-1 bytes, not UTF-8: 0xE9 as U+DCE9
	// Output:
	// dir/a%20b%3Ac%40d%3Fe%23f
	// caf%ED%B3%A9
}

func ExampleHTML() {
	fmt.Println(pyescape.HTML(`<b>"Tom & Jerry's"</b>`))
	// Output:
	// &lt;b&gt;"Tom &amp; Jerry's"&lt;/b&gt;
}

func ExampleLog() {
	fmt.Println(pyescape.Log("GET /\x1b[2J\\ HTTP/1.1\u0085"))
	// Output:
	// GET /\x1b[2J\\ HTTP/1.1\x85
}

func ExampleUnescapeLog() {
	s, err := pyescape.UnescapeLog(`GET /\x1b[2J\\ HTTP/1.1`)
	fmt.Printf("%q %v\n", s, err)
	// Output:
	// "GET /\x1b[2J\\ HTTP/1.1" <nil>
}

func ExampleLower() {
	fmt.Println(pyescape.Lower("ΣΟΦΟΣ ΌΣΟΣ.txt İ \u212a ß"))
	// Output:
	// σοφος όσοσ.txt i̇ k ß
}
