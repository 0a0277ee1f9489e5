package http

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rampart-dev/rampart/internal/db/dbtest"
	"github.com/rampart-dev/rampart/internal/http/middleware"
	"github.com/rampart-dev/rampart/internal/logging"
	"github.com/rampart-dev/rampart/web"
)

// generatedRequestID is the shape of a request id the server made up.
var generatedRequestID = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

// logBuffer is a goroutine-safe buffer for the logger under test.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// records decodes the JSON log lines whose msg is msg.
func (b *logBuffer) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, sc.Text())
		}
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// testServer is the real handler on a fresh database.
type testServer struct {
	handler http.Handler
	pool    *pgxpool.Pool
	assets  *web.Assets
	log     *logBuffer
}

// testCSRFKey is a fixed 32-byte key for tests.
var testCSRFKey = []byte("0123456789abcdef0123456789abcdef")

// newTestServer builds the handler with NewHandler on a fresh migrated
// database; change adjusts the options first.
func newTestServer(t *testing.T, change func(*Options)) *testServer {
	t.Helper()
	s := &testServer{pool: dbtest.New(t), assets: must(web.NewAssets()), log: &logBuffer{}}
	opts := Options{
		Logger:            logging.New(s.log, logging.FormatJSON, slog.LevelDebug),
		Pool:              s.pool,
		Assets:            s.assets,
		Registry:          NewRegistry(),
		AdminAllowedCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
		CSRFKey:           testCSRFKey,
	}
	if change != nil {
		change(&opts)
	}
	h, err := NewHandler(opts)
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	s.handler = h
	return s
}

// do sends req and returns the response with its body read.
func (s *testServer) do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

func (s *testServer) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	return s.do(t, httptest.NewRequest(http.MethodGet, path, nil))
}

func TestNewHandlerRefusesMissingDependencies(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	assets := must(web.NewAssets())
	log := logging.New(io.Discard, logging.FormatJSON, slog.LevelInfo)
	full := Options{Logger: log, Pool: pool, Assets: assets, Registry: NewRegistry(), CSRFKey: testCSRFKey}
	cases := []struct {
		name   string
		change func(*Options)
	}{
		{"a missing logger is refused", func(o *Options) { o.Logger = nil }},
		{"a missing pool is refused", func(o *Options) { o.Pool = nil }},
		{"missing assets are refused", func(o *Options) { o.Assets = nil }},
		{"a missing registry is refused", func(o *Options) { o.Registry = nil }},
		{"a short CSRF key is refused", func(o *Options) { o.CSRFKey = o.CSRFKey[:31] }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := full
			tc.change(&opts)
			if h, err := NewHandler(opts); err == nil || h != nil {
				t.Errorf("NewHandler = %v, %v; want nil and an error", h, err)
			}
		})
	}
}

func TestNewHandlerRefusesARegistryAlreadyUsed(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	reg := prometheus.NewRegistry()
	opts := Options{Logger: logging.New(io.Discard, logging.FormatJSON, slog.LevelInfo), Pool: pool, Assets: must(web.NewAssets()), Registry: reg, CSRFKey: testCSRFKey}
	if _, err := NewHandler(opts); err != nil {
		t.Fatalf("first NewHandler: %v", err)
	}
	if _, err := NewHandler(opts); err == nil {
		t.Error("a second handler registered the same metrics on the same registry without an error")
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	res, body := s.get(t, "/health")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", res.StatusCode)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, body)
	}
	if len(got) != 1 || got["status"] != "ok" {
		t.Errorf(`body = %s, want {"status":"ok"}`, body)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
}

func TestLandingPage(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	res, body := s.get(t, "/")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q, want text/html", ct)
	}
	if !strings.Contains(body, "Rampart") || !strings.Contains(body, "<!doctype html>") && !strings.Contains(body, "<!DOCTYPE html>") {
		t.Errorf("the landing page is not an HTML document naming Rampart: %.300s", body)
	}
}

func TestStaticAssetsAreCachedForever(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	url := s.assets.URL("css/app.css")
	if url == "/static/css/app.css" {
		t.Fatalf("URL(css/app.css) = %q, want a content-hashed name", url)
	}
	res, body := s.get(t, url)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", url, res.StatusCode)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("Cache-Control = %q, want immutable", cc)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") || body == "" {
		t.Errorf("Content-Type %q with %d bytes, want a stylesheet", ct, len(body))
	}
	if res.Header.Get(middleware.HeaderRequestID) == "" {
		t.Error("the asset response has no X-Request-Id")
	}

	head, headBody := s.do(t, httptest.NewRequest(http.MethodHead, url, nil))
	if head.StatusCode != http.StatusOK || headBody != "" || !strings.Contains(head.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("HEAD %s = %d with %d bytes, Cache-Control %q; want 200, no body, immutable",
			url, head.StatusCode, len(headBody), head.Header.Get("Cache-Control"))
	}
}

func TestUnknownAssetsAnswer404(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	for _, p := range []string{"/static/css/app.css", "/static/css/app.0000000000.css", "/static/../go.mod", "/static/"} {
		if res, _ := s.get(t, p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, res.StatusCode)
		}
	}
}

func TestEveryResponseCarriesARequestID(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	cases := []struct {
		name, method, path, remote string
	}{
		{"a health check", http.MethodGet, "/health", ""},
		{"a readiness check", http.MethodGet, "/ready", ""},
		{"the landing page", http.MethodGet, "/", ""},
		{"an unknown path", http.MethodGet, "/no/such/page", ""},
		{"a HEAD of an unknown path", http.MethodHead, "/no/such/page", ""},
		{"a method that is not allowed", http.MethodPost, "/health", ""},
		{"metrics refused to an outsider", http.MethodGet, "/metrics", "203.0.113.9:1234"},
		{"metrics served to an operator", http.MethodGet, "/metrics", "127.0.0.1:1234"},
		{"an unknown asset", http.MethodGet, "/static/nope.css", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name+" carries a generated request id", func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.remote != "" {
				req.RemoteAddr = tc.remote
			}
			res, _ := s.do(t, req)
			if id := res.Header.Get(middleware.HeaderRequestID); !generatedRequestID.MatchString(id) {
				t.Errorf("%s %s (%d): X-Request-Id = %q, want a generated id", tc.method, tc.path, res.StatusCode, id)
			}
		})
		t.Run(tc.name+" keeps a valid inbound request id", func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.remote != "" {
				req.RemoteAddr = tc.remote
			}
			req.Header.Set(middleware.HeaderRequestID, "lb-trace-0001")
			res, _ := s.do(t, req)
			if id := res.Header.Get(middleware.HeaderRequestID); id != "lb-trace-0001" {
				t.Errorf("%s %s (%d): X-Request-Id = %q, want the inbound lb-trace-0001", tc.method, tc.path, res.StatusCode, id)
			}
		})
	}
}

func TestAccessLogLineCarriesTheRequestID(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	req := httptest.NewRequest(http.MethodGet, "/health?password=hunter2&page=1", nil)
	req.Header.Set(middleware.HeaderRequestID, "probe-123")
	s.do(t, req)
	lines := s.log.records(t, "request")
	if len(lines) != 1 {
		t.Fatalf("got %d access log lines, want 1:\n%s", len(lines), s.log.String())
	}
	l := lines[0]
	if l["request_id"] != "probe-123" || l["path"] != "/health" || l["status"] != float64(200) || l["client_ip"] != "192.0.2.1" {
		t.Errorf("access log line = %v", l)
	}
	if strings.Contains(s.log.String(), "hunter2") {
		t.Errorf("the log contains the password: %s", s.log.String())
	}
}
