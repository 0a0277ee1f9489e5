package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func newTestAssets(t testing.TB) *Assets {
	t.Helper()
	a, err := NewAssets()
	if err != nil {
		t.Fatalf("NewAssets: %v", err)
	}
	return a
}

// fileBytes reads an asset from disk, independently of the embedded copy.
func fileBytes(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("static", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func get(t testing.TB, h http.Handler, method, target string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func readBody(t testing.TB, res *http.Response) []byte {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestURL(t *testing.T) {
	a := newTestAssets(t)
	tests := []struct {
		name string
		want string // regexp
	}{
		{"css/app.css", `^/static/css/app\.[0-9a-f]{10}\.css$`},
		{"js/app.js", `^/static/js/app\.[0-9a-f]{10}\.js$`},
		{"favicon.svg", `^/static/favicon\.[0-9a-f]{10}\.svg$`},
		{"vendor/pico-2.1.1.min.css", `^/static/vendor/pico-2\.1\.1\.min\.[0-9a-f]{10}\.css$`},
	}
	for _, tt := range tests {
		t.Run(tt.name+" gets a content-hashed URL", func(t *testing.T) {
			got := a.URL(tt.name)
			if !regexp.MustCompile(tt.want).MatchString(got) {
				t.Fatalf("URL(%q) = %q, want match for %s", tt.name, got, tt.want)
			}
			sum := sha256.Sum256(fileBytes(t, tt.name))
			if h := hex.EncodeToString(sum[:])[:10]; !strings.Contains(got, "."+h+".") {
				t.Errorf("URL(%q) = %q, want the first 10 hex digits of its SHA-256, %s", tt.name, got, h)
			}
		})
	}
}

func TestURLOfUnknownNameIsUnhashedAndNotServed(t *testing.T) {
	a := newTestAssets(t)
	got := a.URL("css/missing.css")
	if got != "/static/css/missing.css" {
		t.Fatalf("URL(unknown) = %q, want /static/css/missing.css", got)
	}
	if res := get(t, a.Handler(), http.MethodGet, got, nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("GET %s = %d, want 404", got, res.StatusCode)
	}
}

func TestHashedNameKeepsExtensionLast(t *testing.T) {
	tests := []struct{ name, want string }{
		{"css/app.css", "css/app.0123456789.css"},
		{"vendor/pico-2.1.1.min.css", "vendor/pico-2.1.1.min.0123456789.css"},
		{"robots", "robots.0123456789"},
	}
	for _, tt := range tests {
		if got := hashedName(tt.name, "0123456789"); got != tt.want {
			t.Errorf("hashedName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestEveryEmbeddedFileIsServedAtItsURL(t *testing.T) {
	a := newTestAssets(t)
	h := a.Handler()
	err := fs.WalkDir(os.DirFS("static"), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		res := get(t, h, http.MethodGet, a.URL(name), nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s (%s) = %d, want 200", a.URL(name), name, res.StatusCode)
			return nil
		}
		if body := readBody(t, res); !bytes.Equal(body, fileBytes(t, name)) {
			t.Errorf("GET %s: body differs from static/%s", a.URL(name), name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestServedAssetHeaders(t *testing.T) {
	a := newTestAssets(t)
	tests := []struct {
		name        string
		contentType string
	}{
		{"css/app.css", "text/css; charset=utf-8"},
		{"js/app.js", "text/javascript; charset=utf-8"},
		{"favicon.svg", "image/svg+xml"},
		{"vendor/LICENSE-pico.txt", "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is served with immutable caching", func(t *testing.T) {
			res := get(t, a.Handler(), http.MethodGet, a.URL(tt.name), nil)
			want := fileBytes(t, tt.name)
			if body := readBody(t, res); !bytes.Equal(body, want) {
				t.Fatalf("body differs from static/%s", tt.name)
			}
			checkHeaders(t, res, map[string]string{
				"Cache-Control":          "public, max-age=31536000, immutable",
				"Content-Type":           tt.contentType,
				"X-Content-Type-Options": "nosniff",
				"Content-Length":         strconv.Itoa(len(want)),
				"Content-Encoding":       "",
			})
			if etag := res.Header.Get("ETag"); !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(etag) {
				t.Errorf("ETag = %q, want a strong quoted hash", etag)
			}
		})
	}
}

func checkHeaders(t *testing.T, res *http.Response, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestGzipIsSentOnlyToClientsThatAcceptIt(t *testing.T) {
	a := newTestAssets(t)
	url := a.URL("vendor/pico-2.1.1.min.css")
	want := fileBytes(t, "vendor/pico-2.1.1.min.css")

	res := get(t, a.Handler(), http.MethodGet, url, map[string]string{"Accept-Encoding": "br, gzip"})
	gz := readBody(t, res)
	checkHeaders(t, res, map[string]string{
		"Content-Encoding": "gzip",
		"Vary":             "Accept-Encoding",
		"Content-Type":     "text/css; charset=utf-8",
		"Cache-Control":    "public, max-age=31536000, immutable",
	})
	if len(gz) >= len(want)/2 {
		t.Errorf("gzip body is %d bytes for %d plain, want well under half", len(gz), len(want))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain, want) {
		t.Fatal("gunzipped body differs from the file")
	}

	refused := get(t, a.Handler(), http.MethodGet, url, map[string]string{"Accept-Encoding": "gzip;q=0, deflate"})
	if ce := refused.Header.Get("Content-Encoding"); ce != "" {
		t.Errorf("with gzip;q=0, Content-Encoding = %q, want none", ce)
	}
	if refused.Header.Get("ETag") == res.Header.Get("ETag") {
		t.Error("plain and gzip responses share an ETag; they must differ")
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"deflate, gzip;q=1.0, *;q=0.5", true},
		{"GZIP", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"gzip;q=0.1", true},
		{"br", false},
		{"gzipx", false},
	}
	for _, tt := range tests {
		if got := acceptsGzip(tt.header); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestRequestsThatMustNotBeServed(t *testing.T) {
	a := newTestAssets(t)
	app := a.URL("css/app.css")
	hash := strings.Split(app, ".")[1]
	tests := []struct {
		name   string
		target string
	}{
		{"unhashed name", "/static/css/app.css"},
		{"stale hash", "/static/css/app.0000000000.css"},
		{"hash in the wrong place", "/static/css/" + hash + ".app.css"},
		{"hashed name of another folder", "/static/js/app." + hash + ".css"},
		{"static root", "/static/"},
		{"a folder", "/static/css/"},
		{"the embedded folder name", "/static/static/css/app.css"},
		{"outside the prefix", "/css/app." + hash + ".css"},
		{"prefix without slash", "/staticcss/app." + hash + ".css"},
		{"double slash", "/static//css/app." + hash + ".css"},
		{"dot dot", "/static/../go.mod"},
		{"dot dot deeper", "/static/css/../../assets.go"},
		{"encoded dots", "/static/%2e%2e/go.mod"},
		{"encoded slash", "/static/..%2fgo.mod"},
		{"fully encoded", "/static/%2e%2e%2f%2e%2e%2fgo.mod"},
		{"backslash", "/static/..%5cgo.mod"},
		{"dot segment before a real file", "/static/./css/app." + hash + ".css"},
		{"NUL byte", "/static/css/app." + hash + ".css%00"},
		{"source file", "/static/assets.go"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is 404", func(t *testing.T) {
			res := get(t, a.Handler(), http.MethodGet, tt.target, nil)
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("GET %s = %d, want 404", tt.target, res.StatusCode)
			}
			if cc := res.Header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
				t.Errorf("404 carries Cache-Control %q", cc)
			}
		})
	}
}

// TestTraversalOverTheWire sends paths exactly as written, past net/http's
// request parsing, to a real server.
func TestTraversalOverTheWire(t *testing.T) {
	a := newTestAssets(t)
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	for _, target := range []string{
		"/static/../go.mod",
		"/static/%2e%2e/go.mod",
		"/static/%2e%2e%2fassets.go",
		"/static/..%2f..%2fgo.mod",
		"/static/.%2e/assets.go",
	} {
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = target
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(t, res)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", target, res.StatusCode)
		}
		if bytes.Contains(body, []byte("module ")) || bytes.Contains(body, []byte("package web")) {
			t.Errorf("GET %s leaked a file from outside static/", target)
		}
	}
}

func TestConditionalGetAnswers304(t *testing.T) {
	a := newTestAssets(t)
	url := a.URL("css/app.css")
	first := get(t, a.Handler(), http.MethodGet, url, nil)
	etag := first.Header.Get("ETag")
	tests := []struct {
		name        string
		ifNoneMatch string
		want        int
	}{
		{"the same ETag", etag, http.StatusNotModified},
		{"a weak form of it", "W/" + etag, http.StatusNotModified},
		{"a list containing it", `"other", ` + etag, http.StatusNotModified},
		{"a star", "*", http.StatusNotModified},
		{"another ETag", `"0123456789abcdef0123456789abcdef"`, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name+" gives "+strconv.Itoa(tt.want), func(t *testing.T) {
			res := get(t, a.Handler(), http.MethodGet, url, map[string]string{"If-None-Match": tt.ifNoneMatch})
			body := readBody(t, res)
			if res.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", res.StatusCode, tt.want)
			}
			if tt.want == http.StatusNotModified {
				if len(body) != 0 {
					t.Errorf("304 has a %d-byte body", len(body))
				}
				checkHeaders(t, res, map[string]string{
					"ETag":          etag,
					"Cache-Control": "public, max-age=31536000, immutable",
				})
			}
		})
	}
}

func TestHeadSendsHeadersWithoutBody(t *testing.T) {
	a := newTestAssets(t)
	res := get(t, a.Handler(), http.MethodHead, a.URL("js/app.js"), nil)
	body := readBody(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("HEAD = %d, want 200", res.StatusCode)
	}
	if len(body) != 0 {
		t.Errorf("HEAD returned a %d-byte body", len(body))
	}
	checkHeaders(t, res, map[string]string{
		"Content-Type":           "text/javascript; charset=utf-8",
		"Content-Length":         strconv.Itoa(len(fileBytes(t, "js/app.js"))),
		"Cache-Control":          "public, max-age=31536000, immutable",
		"X-Content-Type-Options": "nosniff",
	})
	if res.Header.Get("ETag") == "" {
		t.Error("HEAD has no ETag")
	}
}

func TestOtherMethodsAre405(t *testing.T) {
	a := newTestAssets(t)
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		res := get(t, a.Handler(), m, a.URL("css/app.css"), nil)
		if res.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s = %d, want 405", m, res.StatusCode)
		}
		if allow := res.Header.Get("Allow"); allow != "GET, HEAD" {
			t.Errorf("%s: Allow = %q, want \"GET, HEAD\"", m, allow)
		}
	}
}

func TestRangeRequestIsHonoured(t *testing.T) {
	a := newTestAssets(t)
	res := get(t, a.Handler(), http.MethodGet, a.URL("css/app.css"), map[string]string{"Range": "bytes=0-9"})
	body := readBody(t, res)
	if res.StatusCode != http.StatusPartialContent {
		t.Fatalf("status = %d, want 206", res.StatusCode)
	}
	if want := fileBytes(t, "css/app.css")[:10]; !bytes.Equal(body, want) {
		t.Errorf("body = %q, want %q", body, want)
	}
}

func TestVendoredPicoKeepsItsLicenceHeader(t *testing.T) {
	css := fileBytes(t, "vendor/pico-2.1.1.min.css")
	if !bytes.Contains(css[:200], []byte("Pico CSS")) || !bytes.Contains(css[:200], []byte("Licensed under MIT")) {
		t.Error("vendor/pico-2.1.1.min.css lost its licence header")
	}
	if lic := fileBytes(t, "vendor/LICENSE-pico.txt"); !bytes.Contains(lic, []byte("MIT License")) {
		t.Error("vendor/LICENSE-pico.txt is not the MIT licence")
	}
}

func TestStylesAndScriptsLoadNothingExternal(t *testing.T) {
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/|@import`)
	for _, name := range []string{"css/app.css", "js/app.js"} {
		if m := external.Find(fileBytes(t, name)); m != nil {
			t.Errorf("%s refers to something external: %q", name, m)
		}
	}
}

func BenchmarkServeAsset(b *testing.B) {
	a := newTestAssets(b)
	h := a.Handler()
	url := a.URL("vendor/pico-2.1.1.min.css")
	for _, bc := range []struct {
		name     string
		encoding string
	}{
		{"identity", ""},
		{"gzip", "gzip"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, url, nil)
			if bc.encoding != "" {
				req.Header.Set("Accept-Encoding", bc.encoding)
			}
			w := &discardWriter{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.header)
				h.ServeHTTP(w, req)
				if w.code != http.StatusOK {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
}

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the handler rather than a recorder copying bodies.
type discardWriter struct {
	header http.Header
	code   int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

func TestHasKnowsExactlyTheServedURLs(t *testing.T) {
	a := newTestAssets(t)
	for path, want := range map[string]bool{
		a.URL("css/app.css"):   true,
		"/static/css/app.css":  false, // unhashed names are not served
		"/static/":             false,
		"/static/../assets.go": false,
		strings.TrimPrefix(a.URL("css/app.css"), "/static"): false,
	} {
		if got := a.Has(path); got != want {
			t.Errorf("Has(%q) = %v, want %v", path, got, want)
		}
	}
}
