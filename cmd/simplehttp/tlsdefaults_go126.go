//go:build go1.26

// As tlsdefaults.go, for Go 1.26: the hybrid post-quantum key exchanges
// SecP256r1MLKEM768 and SecP384r1MLKEM1024 are offered, as Go 1.26 does by
// default and a module that says go 1.24 does not (tlssecpmlkem=0).

//go:debug tlssecpmlkem=1

package main
