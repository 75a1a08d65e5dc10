module github.com/simplehttp/simplehttp

go 1.24.3

require (
	github.com/andybalholm/brotli v1.3.0
	github.com/gabriel-vasile/mimetype v1.4.16
	github.com/go-chi/chi/v5 v5.5.0
	github.com/klauspost/compress v1.19.2
	github.com/skip2/go-qrcode v0.0.0-20200617195104-da1b6568686e
	github.com/spf13/pflag v1.1.0
	github.com/youmark/pkcs8 v0.0.0-20240726163527-a2c0da244d78
	golang.org/x/crypto v0.41.0
	golang.org/x/sys v0.41.0
	golang.org/x/text v0.28.0
)
