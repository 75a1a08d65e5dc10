// An application outside the simplehttp module that uses its packages
// as any other program would: the replace directive points at this
// checkout instead of a published version.
module example.com/app

go 1.24.3

require (
	github.com/go-chi/chi/v5 v5.5.0
	github.com/simplehttp/simplehttp v0.0.0
)

require (
	github.com/andybalholm/brotli v1.3.0 // indirect
	github.com/gabriel-vasile/mimetype v1.4.16 // indirect
	github.com/klauspost/compress v1.19.2 // indirect
	golang.org/x/crypto v0.41.0 // indirect
	golang.org/x/sys v0.41.0 // indirect
	golang.org/x/text v0.28.0 // indirect
)

replace github.com/simplehttp/simplehttp => ../..
