// Development tools, a module of their own so that their dependencies
// never reach the library's go.mod: the load comparison (loadbench,
// `make bench`), the soak (soak, `make soak`) and staticcheck, pinned
// here. loadbench and soak build the command in the library's module
// (the parent directory), with the library's go.mod. `make test` runs
// this module's tests; `make lint` runs
//	go tool -modfile=tools/go.mod staticcheck ./...
// in the library and `go tool staticcheck ./...` here. The go line is
// staticcheck's: it needs Go 1.26.
// Upgrade (from this directory):
//	go get -tool honnef.co/go/tools/cmd/staticcheck@VERSION
module github.com/simplehttp/simplehttp/tools

go 1.26.0

tool honnef.co/go/tools/cmd/staticcheck

require (
	github.com/andybalholm/brotli v1.3.0
	github.com/go-chi/chi/v5 v5.5.0
	golang.org/x/mod v0.43.0
	gonum.org/v1/plot v0.17.0
)

require (
	codeberg.org/go-fonts/liberation v0.5.0 // indirect
	codeberg.org/go-latex/latex v0.2.0 // indirect
	codeberg.org/go-pdf/fpdf v0.11.1 // indirect
	git.sr.ht/~sbinet/gg v0.7.0 // indirect
	github.com/BurntSushi/toml v1.4.1-0.20240526193622-a339e1f7089c // indirect
	github.com/ajstarks/svgo v0.0.0-20211024235047-1546f124cd8b // indirect
	github.com/golang/freetype v0.0.0-20170609003504-e2365dfdc4a0 // indirect
	golang.org/x/exp/typeparams v0.0.0-20231108232855-2478ac86f678 // indirect
	golang.org/x/image v0.30.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/text v0.28.0 // indirect
	golang.org/x/tools v0.52.0 // indirect
	honnef.co/go/tools v0.8.2 // indirect
)
