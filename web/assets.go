// Package web holds Rampart's static assets (stylesheets, scripts, icons),
// embedded in the binary and served under content-hashed URLs.
//
// A hashed URL changes whenever the file's bytes change, so every response
// can be cached by browsers and proxies forever ("immutable") and a deploy
// never leaves a visitor with a stale stylesheet. Only net/http is used here,
// so the package does not depend on the web framework.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// Prefix is the URL path under which Handler serves assets.
const Prefix = "/static/"

// hashLen is the number of hex characters of the SHA-256 digest put in a
// file name: 40 bits, plenty to tell versions of one file apart.
const hashLen = 10

// cacheForever is sent with every asset: the URL names its content, so the
// response can never go stale.
const cacheForever = "public, max-age=31536000, immutable"

//go:embed static
var embedded embed.FS

// Assets serves embedded static files under content-hashed URLs.
//
// It is immutable once built by NewAssets and safe for concurrent use.
type Assets struct {
	urls  map[string]string // logical name ("css/app.css") -> URL
	files map[string]*asset // hashed name ("css/app.3f2a1b9c0d.css") -> file
}

// asset is one embedded file, read and hashed once at start-up.
type asset struct {
	body        []byte
	gzipped     []byte // nil when compression would not help
	etag        string // strong ETag of body
	gzipETag    string // strong ETag of gzipped
	contentType string
}

// NewAssets reads every embedded file once, hashes it (SHA-256, first 10 hex
// characters) and prepares the responses Handler sends. Text files are also
// gzip-compressed once here, so requests never pay for compression.
// It fails only if the embedded tree cannot be read or compressed.
func NewAssets() (*Assets, error) {
	root, err := fs.Sub(embedded, "static")
	if err != nil {
		return nil, fmt.Errorf("web: open embedded assets: %w", err)
	}
	a := &Assets{urls: map[string]string{}, files: map[string]*asset{}}
	err = fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(root, name)
		if err != nil {
			return err
		}
		f, err := newAsset(name, body)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		hashed := hashedName(name, hex.EncodeToString(sum[:])[:hashLen])
		a.urls[name] = Prefix + hashed
		a.files[hashed] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: load embedded assets: %w", err)
	}
	return a, nil
}

func newAsset(name string, body []byte) (*asset, error) {
	sum := sha256.Sum256(body)
	f := &asset{
		body:        body,
		etag:        `"` + hex.EncodeToString(sum[:16]) + `"`,
		contentType: contentType(name),
	}
	if !compressible(f.contentType) {
		return f, nil
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	// Compression that saves less than a tenth is not worth a second variant.
	if buf.Len() < len(body)-len(body)/10 {
		f.gzipped = buf.Bytes()
		f.gzipETag = `"` + hex.EncodeToString(sum[:16]) + `-gz"`
	}
	return f, nil
}

// hashedName inserts the hash before the extension:
// "css/app.css" -> "css/app.3f2a1b9c0d.css", "robots" -> "robots.3f2a1b9c0d".
func hashedName(name, hash string) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hash + ext
}

// URL returns the content-hashed URL of the embedded file name, a slash
// separated path relative to the static folder ("css/app.css" ->
// "/static/css/app.3f2a1b9c0d.css"). It never panics: an unknown name yields
// "/static/"+name, which Handler answers with 404, so a typo shows up as a
// broken link that tests catch rather than as a crashed page.
func (a *Assets) URL(name string) string {
	if u, ok := a.urls[name]; ok {
		return u
	}
	return Prefix + name
}

// Handler returns the handler for paths under /static/; mount it there for
// GET and HEAD without stripping the prefix. It serves only the
// exact hashed names that URL hands out; any other path, including an
// unhashed or stale-hash name and any path-traversal attempt, gets 404.
// Only GET and HEAD are allowed (405 with Allow otherwise). Responses carry
// Cache-Control "public, max-age=31536000, immutable", Content-Type, a strong
// ETag and X-Content-Type-Options nosniff; If-None-Match yields 304 and Range
// requests are honoured. Text assets are sent gzip-encoded to clients that
// accept it, with Vary: Accept-Encoding, so no compression middleware should
// wrap this handler.
func (a *Assets) Handler() http.Handler {
	return http.HandlerFunc(a.serve)
}

// Has reports whether urlPath (e.g. "/static/app.css") names an asset, so
// a router can answer the others with its own 404 page.
func (a *Assets) Has(urlPath string) bool {
	name, ok := strings.CutPrefix(urlPath, Prefix)
	return ok && a.files[name] != nil
}

func (a *Assets) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	// The lookup is an exact match against names built from the embedded
	// tree, so "..", encoded slashes and the like can never reach a file.
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	f := a.files[name]
	if !ok || f == nil {
		http.NotFound(w, r)
		return
	}
	body, etag := f.body, f.etag
	if f.gzipped != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			body, etag = f.gzipped, f.gzipETag
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("Cache-Control", cacheForever)
	h.Set("Content-Type", f.contentType)
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header value admits gzip,
// honouring an explicit refusal such as "gzip;q=0".
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" {
			continue
		}
		q, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(params)), "q=")
		if !ok {
			return true
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(q), 64)
		return err == nil && v > 0
	}
	return false
}

// contentType maps a file extension to a media type. The common ones are
// fixed here rather than left to mime.TypeByExtension, which consults the
// host's mime tables and so differs between machines.
func contentType(name string) string {
	switch ext := strings.ToLower(path.Ext(name)); ext {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".json", ".map":
		return "application/json"
	case ".webmanifest":
		return "application/manifest+json"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/vnd.microsoft.icon"
	case ".woff2":
		return "font/woff2"
	case ".txt":
		return "text/plain; charset=utf-8"
	default:
		if ct := mime.TypeByExtension(ext); ct != "" {
			return ct
		}
		return "application/octet-stream"
	}
}

func compressible(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") ||
		strings.HasPrefix(contentType, "image/svg") ||
		strings.HasPrefix(contentType, "application/json") ||
		strings.HasPrefix(contentType, "application/manifest")
}
