// Package accesslog writes an access log for any [http.Handler], in the
// format of Python's http.server by default:
//
//	127.0.0.1 - - [05/Mar/2024 09:07:03] code 404, message File not found
//	127.0.0.1 - - [05/Mar/2024 09:07:03] "GET /missing HTTP/1.1" 404 335
//
// It is middleware of the usual shape, so it fits net/http and chi alike:
//
//	al, err := accesslog.New(accesslog.Options{})
//	...
//	defer al.Close() // after http.Server.Shutdown: writes the buffered lines
//	http.ListenAndServe(addr, al.Handler(mux)) // or r.Use(al.Handler)
//
// # The line
//
// Each request gives one line, written when the handler returns: the client
// address (the IP of the peer without port, or from X-Forwarded-For when the
// peer is one of [Options.TrustedProxies]), the time the request started,
// the request line as the client sent it (r.Method, r.RequestURI, r.Proto;
// never the decoded path), the status, and the number of body bytes sent,
// counted also when they go through io.ReaderFrom (sendfile), "-" for none.
// Handlers downstream add lines before it, as Python's log_error does;
// errorpage writes "code N, message M" so. They find the request's lines
// through the ResponseWriter the middleware hands on, also behind other
// middleware whose wrappers have Unwrap() http.ResponseWriter (chi's do);
// behind a wrapper without Unwrap those lines are lost. Put the access log
// outside errorpage (al.Handler(ep.Handler(mux)), or r.Use(al.Handler)
// first), so that it logs the page errorpage sends and its message.
// A handler of this module that refuses a request line as too long (the
// command's 414) has it logged as Python does, "" (CLF "-"), so that a
// client cannot write a megabyte into the log with each request.
//
// A handler that panics is logged with what it had sent (status "-" if
// nothing), and the panic goes on. A hijacked connection is logged when the
// handler returns, with the status and bytes sent through the
// ResponseWriter before the hijack.
//
// [Common], [Combined] and [JSON] are the other formats.
//
// # Security
//
// Everything the client controls (request line, headers, user name,
// messages) is scrubbed with [Scrub] before it is written, as Python 3.12+
// does: no C0 control, DEL or C1 control reaches the log, neither raw nor
// UTF-8 encoded, also in JSON. So a request cannot forge log lines or send
// escape sequences to the terminal of whoever reads the log. In Common and
// Combined quoted fields '"' is written as \".
//
// X-Forwarded-For is believed only from the proxies listed in
// [Options.TrustedProxies]; the address logged is the rightmost one of the
// header that is not a trusted proxy, which a client cannot forge.
//
// # Output
//
// Lines go to [Options.Writer] (os.Stderr by default), one Write per line,
// never interleaved across concurrent requests. When the writer is an
// *os.File, lines are buffered and written within 100 ms; [Middleware.Flush]
// and [Middleware.Close] write them at once. Call Close when the server has
// shut down, so no line is lost.
//
// A writer that fails (a full disk) does not affect the requests: the lines
// it refuses are dropped, later ones are tried again, and
// [Options.Logger] is told once when the failure begins and once when it
// ends, with the number of lines lost.
//
// # Cost
//
// A request costs no allocation in the text formats (one in [JSON]), unless
// a handler adds lines for it or it panics or hijacks the connection: the
// per-request state, which is also the ResponseWriter handed on, comes
// from a pool, the request is not copied, the line is appended to a reused
// buffer, and the time stamp is formatted once per second.
package accesslog
