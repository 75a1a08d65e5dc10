package errorpage

//go:generate sh -c "python3 testdata/gen_status.py > status_table.go"

// status is one entry of Python's responses table.
type status struct {
	phrase      string // HTTPStatus.phrase: send_error's default message
	description string // HTTPStatus.description: send_error's default explain
}

// StatusText returns Python's entry for code in
// BaseHTTPRequestHandler.responses: the phrase and the description of the
// http.HTTPStatus member, which send_error uses when it is given no message
// or no explain. The table is that of Python 3.13 and later (404 gives
// "Not Found", "Nothing matches the given URI"; 413 "Content Too Large",
// "Content is too large").
//
// For a code Python does not know (599, say) StatusText returns "???" and
// "???", the strings send_error falls back to.
func StatusText(code int) (message, explain string) {
	if s, ok := statusTable[code]; ok {
		return s.phrase, s.description
	}
	return "???", "???"
}
