package main

import (
	"debug/elf"
	"strings"
	"testing"
)

// TestBinaryHasNoMethodByName checks that the built command makes no
// reflective method lookup by name. One reachable call (executing any
// html/template or text/template does it) makes the linker keep every
// exported method of every type in the program: 2.5 MB of the binary,
// and about 1.5 MiB more of it resident in every running instance. The
// error page and the rich listing are rendered without templates for
// that reason; only a custom errorpage.ParseFormat links the executor.
func TestBinaryHasNoMethodByName(t *testing.T) {
	bin := binary(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Skipf("not an ELF binary (%v): the symbol check needs one", err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatalf("reading the symbols of %s: %v", bin, err)
	}
	var found, templates []string
	for _, s := range syms {
		switch {
		case strings.HasSuffix(s.Name, ".MethodByName") && strings.HasPrefix(s.Name, "reflect."):
			found = append(found, s.Name)
		case strings.HasPrefix(s.Name, "text/template.(*state)."):
			templates = append(templates, s.Name)
		}
	}
	if len(syms) < 1000 {
		t.Fatalf("%s has only %d symbols: stripped?", bin, len(syms))
	}
	if len(found) > 0 {
		t.Errorf("the command links %v (and %d functions of text/template's executor, e.g. %v); "+
			"whatever reaches them keeps every exported method of every type in the binary",
			found, len(templates), templates[:min(3, len(templates))])
	}
}
