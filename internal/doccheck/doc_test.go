// Package doccheck_test checks the documentation of the public packages.
package doccheck_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportedDocs: every exported constant, variable, function, type and
// method of the public packages has a comment that go doc shows. A
// declaration slipped in between a doc comment and what it documents
// takes the comment for itself, and go doc then shows nothing for the
// function; this has happened to all three New constructors.
func TestExportedDocs(t *testing.T) {
	for _, dir := range []string{"fileserver", "cgi", "errorpage", "accesslog"} {
		path := filepath.Join("..", "..", dir)
		entries, err := os.ReadDir(path)
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		var files []*ast.File
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(path, e.Name()), nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		p, err := doc.NewFromFiles(fset, files, "github.com/simplehttp/simplehttp/"+dir)
		if err != nil {
			t.Fatal(err)
		}
		missing := func(kind, name, text string) {
			if strings.TrimSpace(text) == "" {
				t.Errorf("%s: %s %s has no doc comment", dir, kind, name)
			}
		}
		values := func(kind string, vs []*doc.Value) {
			for _, v := range vs {
				// A group's comment documents its names, or each
				// name its own (the line's comment counts).
				if strings.TrimSpace(v.Doc) != "" {
					continue
				}
				for _, spec := range v.Decl.Specs {
					vs := spec.(*ast.ValueSpec)
					for _, n := range vs.Names {
						if n.IsExported() && vs.Doc.Text() == "" && vs.Comment.Text() == "" {
							t.Errorf("%s: %s %s has no doc comment", dir, kind, n.Name)
						}
					}
				}
			}
		}
		values("const", p.Consts)
		values("var", p.Vars)
		for _, f := range p.Funcs {
			missing("func", f.Name, f.Doc)
		}
		for _, typ := range p.Types {
			missing("type", typ.Name, typ.Doc)
			values("const", typ.Consts)
			values("var", typ.Vars)
			for _, f := range typ.Funcs {
				missing("func", f.Name, f.Doc)
			}
			for _, m := range typ.Methods {
				missing("method", typ.Name+"."+m.Name, m.Doc)
			}
		}
	}
}
