// Package accesslog writes an access log for any [http.Handler], in the
// format of Python's http.server by default:
//
//	127.0.0.1 - - [05/Mar/2024 09:07:03] code 404, message File not found
//	127.0.0.1 - - [05/Mar/2024 09:07:03] "GET /missing HTTP/1.1" 404 460
//
// What it guarantees: one line per request, also when the handler panics or
// hijacks the connection; the size counts every body byte sent, sendfile
// included; nothing the client controls reaches the log unescaped, and no
// password of Basic authentication (only its user name, and only in the
// formats that have a user field) nor of a URL's user information ("GET
// http://user:pass@host/ HTTP/1.1" is logged with xxxxx for the password;
// a password a client puts in a query is just a query, logged as sent);
// lines are never interleaved, and a failing writer never fails a
// request. The ResponseWriter keeps Flush, Hijack, sendfile and
// [http.ResponseController] working.
//
// It is middleware of the usual shape, so it fits net/http and chi alike:
//
//	al, err := accesslog.New(accesslog.Options{})
//	...
//	srv := &http.Server{Addr: addr, Handler: al.Handler(mux), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute} // or r.Use(al.Handler)
//	err = srv.ListenAndServe() // until srv.Shutdown begins
//	...                        // wait for srv.Shutdown to return
//	al.Close()                 // then: writes the lines still buffered
//
// # The line
//
// Each request gives one line, written when the handler returns: the client
// address (the IP of the peer without port, or from X-Forwarded-For when the
// peer is one of [Options.TrustedProxies]), the time the request started,
// the request line as the client sent it (r.Method, r.RequestURI, r.Proto;
// never the decoded path; the password of a target such as
// http://user:pass@host/ written as xxxxx), the status, and the number of
// body bytes sent, counted also when they go through io.ReaderFrom
// (sendfile), "-" for none.
// Handlers downstream add lines before it, as Python's log_error does;
// errorpage writes "code N, message M" so. They find the request's
// [Entry] in its context with [FromContext] (the middleware passes on a
// copy of the request that carries it), so behind any other middleware
// that keeps the context. Put the access log outside errorpage
// (al.Handler(ep.Handler(mux)), or r.Use(al.Handler) first), so that it
// logs the page errorpage sends and its message. A handler that refuses a
// request line as too long (the command's 414) calls
// [Entry.OmitRequestLine], and the line shows "" (CLF "-"), as Python
// does, so that a client cannot write a megabyte into the log with each
// request.
//
// A handler that panics is logged with what it had sent (status "-" if
// nothing), and the panic goes on. A hijacked connection is logged when the
// handler returns, with the status and bytes sent through the
// ResponseWriter before the hijack. Once the handler has returned, the
// ResponseWriter it was given refuses every write and every deadline: a
// goroutine it left behind cannot write into a response that net/http has
// finished, nor set the deadlines of a connection that may be serving
// another request by then.
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
// Combined quoted fields '"' is written as \", and in the user name,
// which is not quoted, ' ' and '[' are written as \x20 and \x5b, and
// any other Unicode space as Python escapes it (\xa0, \u2003), so that
// no client can make a line the usual parsers misread.
//
// X-Forwarded-For is believed only from the proxies listed in
// [Options.TrustedProxies]; the address logged is the rightmost one of the
// header that is not a trusted proxy, which a client cannot forge.
//
// # Output
//
// Lines go to [Options.Writer] (os.Stderr by default), one Write per line,
// never interleaved across concurrent requests. With
// [Options.FlushInterval], lines are buffered and written within that
// interval; [Middleware.Flush] and [Middleware.Close] write them at once.
// Call Close when the server has shut down, so no line is lost.
// [Middleware.SlogHandler] lets a program write its diagnostics into the
// same stream, in the same order, in the format of Python's log_error.
//
// A writer that fails (a full disk) does not affect the requests: the lines
// it refuses are dropped, later ones are tried again, and
// [Options.Logger] is told once when the failure begins and once when it
// ends, with the number of lines lost (at most one such pair a minute,
// however often writes fail and succeed in turn; one that begins and ends
// within that minute is said once it is up, at the next write).
//
// # Cost
//
// A request costs two allocations in the text formats (three in [JSON]),
// unless a handler adds more than one line for it: the per-request state (the
// ResponseWriter handed on, the Entry and the context that carries it),
// new for each request so that nothing can leak from one request into
// another, and the copy of the request with that context. The line is
// formatted in a pooled buffer, and the time stamp once per second.
package accesslog
