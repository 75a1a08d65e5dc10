// Package errorpage sends the error responses of Python's http.server: the
// page that BaseHTTPRequestHandler.send_error builds from
// error_message_format, with the same status, headers and body, byte for
// byte (Python 3.14's page, with its dark-mode <style> block).
//
// What it guarantees: every error page is Python's, or the one the
// Options describe, with the message escaped; a typed error body of the
// wrapped handler (a JSON API error) passes through untouched and success
// responses are streamed, never buffered; a panic becomes a 500 page rather
// than an empty reply; a write from a goroutine that outlives its request
// never reaches a client; and Flush, Hijack, sendfile and
// [http.ResponseController] keep working through the middleware.
//
// [Error] is send_error as a plain function, for handlers that know about
// this package (fileserver and cgi call it unless given an ErrorHandler of
// their own). [StatusText] is Python's table of default messages and
// explanations (BaseHTTPRequestHandler.responses), as of Python 3.13.
//
// # Middleware
//
// [New] returns a [Middleware] whose [Middleware.Handler] wraps any
// handler (r.Use(ep.Handler) with chi, ep.Handler(mux) otherwise). Error
// responses the wrapped handlers send without a body of their own (no
// Content-Type, or the text of [http.Error] and [http.NotFound]) are
// replaced by the page; responses with a typed body pass through byte for
// byte, and success responses are streamed, never buffered. [Error] called
// under the middleware renders with its options: the middleware puts
// itself into the request's context, where Error finds it behind any
// wrapper of the ResponseWriter. The options mirror Python's attributes:
//
//	Options.Format       error_message_format (a Format: ParseFormat or PythonFormat)
//	Options.ContentType  error_content_type
//	Options.CloseAfterError
//	                     Python's Connection: close after every error; by
//	                     default the connection is kept, as nginx keeps it,
//	                     except after 400, 413, 414, 431, 500 and 501
//	Options.Codes        (beyond Python) the error statuses replaced, 400-599 by
//	                     default; never one below 400
//	Options.DisableNegotiation
//	                     (beyond Python) off by default: Accept can select
//	                     JSON or one line of text instead of the page
//	Options.DisableRecovery
//	                     (beyond Python) off by default: a panic becomes
//	                     the 500 page, logged once with its stack
//	Options.Logger       (beyond Python) diagnostics, slog.Default() if nil
//
// The error is also reported to the access log as Python's log_error line
// "code 404, message File not found", through [accesslog.Entry.AddMessage].
// Install the access log outside the middleware, so that it sees the page.
//
// # Python compatibility
//
// The page is Python's error_message_format:
//
//	<!DOCTYPE HTML>
//	<html lang="en">
//	    <head>
//	        <meta charset="utf-8">
//	        <style type="text/css">
//	            :root {
//	                color-scheme: light dark;
//	            }
//	        </style>
//	        <title>Error response</title>
//	    </head>
//	    <body>
//	        <h1>Error response</h1>
//	        <p>Error code: 404</p>
//	        <p>Message: File not found.</p>
//	        <p>Error code explanation: 404 - Nothing matches the given URI.</p>
//	    </body>
//	</html>
//
// served as text/html;charset=utf-8 (with Connection: close under
// CloseAfterError). The golden files
// in testdata are recorded from the local python3's http.server by
// testdata/record.py. Where net/http cannot do what Python does (the reason
// phrase of the status line), [Error] says so.
//
// # Security
//
// The message and the explanation are escaped as Python escapes them: &, <
// and > only. That is enough for the element text they are put in, and
// quotes are left alone, as in Python. Never pass err.Error(), a file-system
// path or anything else the client should not see: the page shows the
// message as it is. Python writes the message into the status line too,
// where a CR or LF splits the response; net/http always sends the standard
// phrase there, so a message cannot inject headers.
package errorpage
