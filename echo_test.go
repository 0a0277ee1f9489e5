package rampart_test

// These tests hold the mitigations that let the govulncheck gate accept Echo
// v4's two unfixed advisories, GO-2026-6872 and GO-2026-6875 (DESIGN.md,
// Security decisions; scripts/vulngate): Echo stays inside internal/http, and
// no code uses the Echo features that trust client-supplied headers.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const echoModule = "github.com/labstack/echo"

// echoContextRisks are the Echo methods GO-2026-6875 names (in v5's
// advisory data): the scheme read from client headers, JSONP, static files.
var echoContextRisks = map[string]string{
	"Scheme":    "trusts X-Forwarded-Proto from anyone; use middleware.RequestIsHTTPS",
	"JSONP":     "named in GO-2026-6875; JSONP is also a cross-site read channel",
	"JSONPBlob": "named in GO-2026-6875; JSONP is also a cross-site read channel",
	"Static":    "Echo's static handler is named in GO-2026-6875; serve web/ through our own handler",
	"StaticFS":  "Echo's static handler is named in GO-2026-6875; serve web/ through our own handler",
}

// echoMiddlewareRisks are Echo middleware that ours replace.
var echoMiddlewareRisks = map[string]bool{
	"Proxy": true, "ProxyWithConfig": true,
	"Secure": true, "SecureWithConfig": true,
	"Static": true, "StaticWithConfig": true,
	"MethodOverride": true, "MethodOverrideWithConfig": true,
	"RateLimiter": true, "RateLimiterWithConfig": true,
	"NewRateLimiterMemoryStore": true, "NewRateLimiterMemoryStoreWithConfig": true,
}

// echoViolations lists the risky Echo uses in one parsed file.
func echoViolations(fset *token.FileSet, f *ast.File) []string {
	var mw string // the local name of Echo's middleware package, if imported
	importsEcho := false
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if !strings.HasPrefix(path, echoModule) {
			continue
		}
		importsEcho = true
		if strings.HasSuffix(path, "/middleware") {
			mw = "middleware"
			if imp.Name != nil {
				mw = imp.Name.Name
			}
		}
	}
	if !importsEcho {
		return nil
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok && mw != "" && x.Name == mw && echoMiddlewareRisks[n.Sel.Name] {
				out = append(out, fset.Position(n.Pos()).String()+": Echo's "+n.Sel.Name+" middleware (ours replace it)")
			}
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
				if why, risky := echoContextRisks[sel.Sel.Name]; risky {
					out = append(out, fset.Position(n.Pos()).String()+": ."+sel.Sel.Name+"(): "+why)
				}
			}
		}
		return true
	})
	return out
}

func TestEchoViolationsAreFound(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want int
	}{
		{"c.Scheme() is found", `package p; import "github.com/labstack/echo/v4"; func f(c echo.Context) string { return c.Scheme() }`, 1},
		{"c.JSONP is found", `package p; import "github.com/labstack/echo/v4"; func f(c echo.Context) error { return c.JSONP(200, "cb", nil) }`, 1},
		{"e.Static is found", `package p; import "github.com/labstack/echo/v4"; func f(e *echo.Echo) { e.Static("/", "web") }`, 1},
		{"an aliased middleware import is followed", `package p; import mw "github.com/labstack/echo/v4/middleware"; var x = mw.ProxyWithConfig`, 1},
		{"Echo's rate limiter is found", `package p; import "github.com/labstack/echo/v4/middleware"; var x = middleware.RateLimiter(nil)`, 1},
		{"a URL's Scheme field is not a call", `package p; import ("net/url"; "github.com/labstack/echo/v4"); var _ echo.Context; func f(u *url.URL) string { return u.Scheme }`, 0},
		{"Echo's Recover-style helpers are fine", `package p; import echomw "github.com/labstack/echo/v4/middleware"; var x = echomw.DefaultSkipper`, 0},
		{"a file without Echo is not inspected", `package p; type s struct{}; func (s) Scheme() string { return "" }; func f() { s{}.Scheme() }`, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "x.go", tc.src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			if got := echoViolations(fset, f); len(got) != tc.want {
				t.Errorf("found %q, want %d", got, tc.want)
			}
		})
	}
}

// goFiles parses every non-test Go file of the module, outside testdata and
// hidden or local-state directories.
func goFiles(t *testing.T) (*token.FileSet, map[string]*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(path)] = f
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fset, files
}

func TestEchoIsImportedOnlyInsideInternalHTTP(t *testing.T) {
	_, files := goFiles(t)
	if len(files) < 50 {
		t.Fatalf("only %d Go files found; is the test running at the module root?", len(files))
	}
	for path, f := range files {
		if strings.HasPrefix(path, "internal/http/") {
			continue
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(p, echoModule) {
				t.Errorf("%s imports %s: keep Echo inside internal/http, so a move to v5 stays mechanical", path, p)
			}
		}
	}
}

// benchStack compares our middleware with Echo's own, so it may use Echo's
// middleware as long as only the benchmarks (bench/) import it.
const benchStack = "internal/http/benchstack/"

func TestNoEchoFeatureThatTrustsClientHeaders(t *testing.T) {
	fset, files := goFiles(t)
	for path, f := range files {
		if strings.HasPrefix(path, benchStack) {
			continue
		}
		for _, v := range echoViolations(fset, f) {
			t.Errorf("%s (GO-2026-6872/GO-2026-6875 are accepted only without these; DESIGN.md, Security decisions)", v)
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); strings.HasSuffix(p, "/"+strings.TrimSuffix(benchStack, "/")) && !strings.HasPrefix(path, "bench/") {
				t.Errorf("%s imports %s, which uses Echo's own middleware: only bench/ may", path, p)
			}
		}
	}
}
