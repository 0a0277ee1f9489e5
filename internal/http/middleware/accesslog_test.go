package middleware_test

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
	"github.com/rampart-dev/rampart/internal/logging"
)

// accessLogEcho returns an Echo instance with the production order of the
// request id and access log middleware (and the trusted-proxy extractor), and
// the buffer the access log writes to.
func accessLogEcho(t *testing.T, cfg middleware.AccessLogConfig) (*echo.Echo, *logBuffer) {
	t.Helper()
	buf := &logBuffer{}
	cfg.Logger = logging.New(buf, logging.FormatJSON, slog.LevelInfo)
	e := echo.New()
	e.IPExtractor = middleware.NewIPExtractor([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	e.Use(middleware.RequestID(), middleware.AccessLogWithConfig(cfg))
	e.GET("/items/:id", func(c echo.Context) error { return c.String(http.StatusOK, "hello") })
	e.GET("/search", func(c echo.Context) error { return c.String(http.StatusOK, "results") })
	return e, buf
}

// onlyRequestLine returns the one access log line, failing unless there is
// exactly one.
func onlyRequestLine(t *testing.T, buf *logBuffer) map[string]any {
	t.Helper()
	lines := buf.recordsWithMsg(t, "request")
	if len(lines) != 1 {
		t.Fatalf("got %d access log lines, want 1:\n%s", len(lines), buf.String())
	}
	return lines[0]
}

func TestAccessLogWritesOneLinePerRequest(t *testing.T) {
	e, buf := accessLogEcho(t, middleware.AccessLogConfig{})
	req := httptest.NewRequest(http.MethodGet, "/items/42", nil)
	req.RemoteAddr = "10.0.0.1:5555"
	req.Header.Set("X-Forwarded-For", "198.51.100.23")
	req.Header.Set("User-Agent", "test-agent/1.0")
	rec := serve(e, req)

	line := onlyRequestLine(t, buf)
	want := map[string]any{
		"level":      "INFO",
		"method":     "GET",
		"path":       "/items/42",
		"route":      "/items/:id",
		"status":     float64(200),
		"bytes":      float64(len("hello")),
		"client_ip":  "198.51.100.23",
		"user_agent": "test-agent/1.0",
		"request_id": rec.Header().Get(middleware.HeaderRequestID),
	}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s = %#v, want %#v", k, line[k], v)
		}
	}
	if _, ok := line["duration"]; !ok {
		t.Error("the line has no duration")
	}
	if _, ok := line["query"]; ok {
		t.Error("a request without a query logged a query attribute")
	}
}

func TestAccessLogRecordsTheStatusTheErrorHandlerWrites(t *testing.T) {
	cases := []struct {
		name    string
		path    string
		handler echo.HandlerFunc
	}{
		{"an error returned by a handler is logged with the error handler's status", "/fail",
			func(echo.Context) error { return errors.New("boom") }},
		{"an unmatched route is logged with the error handler's status", "/no/such/route", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, buf := accessLogEcho(t, middleware.AccessLogConfig{})
			calls := 0
			e.HTTPErrorHandler = func(err error, c echo.Context) {
				calls++
				_ = c.String(http.StatusTeapot, "teapot")
			}
			if tc.handler != nil {
				e.GET(tc.path, tc.handler)
			}
			rec := serve(e, httptest.NewRequest(http.MethodGet, tc.path, nil))
			if rec.Code != http.StatusTeapot || calls != 1 {
				t.Fatalf("response %d after %d error handler calls, want 418 after exactly 1", rec.Code, calls)
			}
			line := onlyRequestLine(t, buf)
			if line["status"] != float64(http.StatusTeapot) || line["bytes"] != float64(len("teapot")) {
				t.Errorf("logged status %v bytes %v, want 418 and %d", line["status"], line["bytes"], len("teapot"))
			}
			if line["level"] != "INFO" {
				t.Errorf("level = %v, want INFO for a 4xx", line["level"])
			}
		})
	}
}

func TestAccessLogLogsServerErrorsAsWarnings(t *testing.T) {
	e, buf := accessLogEcho(t, middleware.AccessLogConfig{})
	e.GET("/broken", func(echo.Context) error { return errors.New("database exploded") })
	rec := serve(e, httptest.NewRequest(http.MethodGet, "/broken", nil))
	line := onlyRequestLine(t, buf)
	if rec.Code != http.StatusInternalServerError || line["status"] != float64(500) || line["level"] != "WARN" {
		t.Errorf("response %d, logged status %v at %v; want 500 at WARN", rec.Code, line["status"], line["level"])
	}
}

// secretsIn reports which secrets appear in any string value of a log line
// (numbers such as the duration are skipped: they could contain digits by
// chance).
func secretsIn(line map[string]any, secrets []string) []string {
	var found []string
	for _, v := range line {
		s, ok := v.(string)
		if !ok {
			continue
		}
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				found = append(found, secret)
			}
		}
	}
	return found
}

func TestAccessLogRedactsSecretsInTheQuery(t *testing.T) {
	cases := []struct {
		name      string
		cfg       middleware.AccessLogConfig
		query     string
		secrets   []string
		wantQuery string // exact logged query, or "" to only check secrets
		keep      []string
	}{
		{
			name:    "passwords, tokens and codes are redacted but other parameters kept",
			query:   "password=hunter2&token=abc&code=123456&page=2",
			secrets: []string{"hunter2", "abc", "123456"},
			keep:    []string{"page=2"},
		},
		{
			name:    "parameter names are matched case-insensitively",
			query:   "Password=hunter2&API_KEY=k-123&Sig=s-456&q=books",
			secrets: []string{"hunter2", "k-123", "s-456"},
			keep:    []string{"q=books"},
		},
		{
			name:    "any name containing a secret fragment is redacted",
			query:   "reset_token=t-789&client_secret=c-012&x_signature=x-345&sort=asc",
			secrets: []string{"t-789", "c-012", "x-345"},
			keep:    []string{"sort=asc"},
		},
		{
			name:    "extra sensitive params from the config are redacted",
			cfg:     middleware.AccessLogConfig{SensitiveParams: []string{"Invite"}},
			query:   "invite=inv-secret-1&INVITE=inv-secret-2&page=3",
			secrets: []string{"inv-secret-1", "inv-secret-2"},
			keep:    []string{"page=3"},
		},
		{
			name:      "an unparseable query is not logged raw",
			query:     "a=%zz&password=hunter2",
			secrets:   []string{"hunter2", "%zz"},
			wantQuery: "[UNPARSEABLE]",
		},
		{
			name:      "a query with semicolons is not logged raw",
			query:     "a=1;password=hunter2",
			secrets:   []string{"hunter2"},
			wantQuery: "[UNPARSEABLE]",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, buf := accessLogEcho(t, tc.cfg)
			req := httptest.NewRequest(http.MethodGet, "/search", nil)
			req.URL.RawQuery = tc.query
			req.Header.Set(middleware.HeaderRequestID, "fixed-request-id")
			serve(e, req)

			line := onlyRequestLine(t, buf)
			if found := secretsIn(line, tc.secrets); len(found) > 0 {
				t.Errorf("the access log line contains %q: %v", found, line)
			}
			query, _ := line["query"].(string)
			if tc.wantQuery != "" && query != tc.wantQuery {
				t.Errorf("query = %q, want %q", query, tc.wantQuery)
			}
			for _, k := range tc.keep {
				if !strings.Contains(query, k) {
					t.Errorf("query %q lost %q", query, k)
				}
			}
			if tc.wantQuery == "" && !strings.Contains(query, "REDACTED") {
				t.Errorf("query %q does not show that values were redacted", query)
			}
		})
	}
}

func TestAccessLogSkipperSkipsTheLine(t *testing.T) {
	e, buf := accessLogEcho(t, middleware.AccessLogConfig{Skipper: func(c echo.Context) bool { return c.Path() == "/search" }})
	serve(e, httptest.NewRequest(http.MethodGet, "/search", nil))
	serve(e, httptest.NewRequest(http.MethodGet, "/items/1", nil))
	lines := buf.recordsWithMsg(t, "request")
	if len(lines) != 1 || lines[0]["path"] != "/items/1" {
		t.Errorf("got lines %v, want only /items/1", lines)
	}
}

func TestAccessLogWithoutALoggerPanicsAtConstruction(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("AccessLogWithConfig without a Logger did not panic")
		}
	}()
	middleware.AccessLogWithConfig(middleware.AccessLogConfig{})
}

func TestRedactQuery(t *testing.T) {
	sensitive := map[string]bool{}
	for _, p := range middleware.DefaultSensitiveParams {
		sensitive[p] = true
	}
	const r = "%5BREDACTED%5D" // logging.Redacted, query-escaped
	cases := []struct {
		name, in, want string
	}{
		{"an empty query stays empty", "", ""},
		{"harmless parameters are kept", "page=2&q=go", "page=2&q=go"},
		{"parameters come out sorted by name", "z=1&a=2", "a=2&z=1"},
		{"a password is redacted", "password=hunter2&page=2", "page=2&password=" + r},
		{"every value of a repeated code is redacted", "code=1&code=2", "code=" + r + "&code=" + r},
		{"an upper-case name is redacted", "TOKEN=abc", "TOKEN=" + r},
		{"a name with a secret fragment is redacted", "refresh_token=abc&my_secret=def", "my_secret=" + r + "&refresh_token=" + r},
		{"a percent-encoded sensitive name is still redacted", "pass%77ord=hunter2", "password=" + r},
		{"a name without a value is redacted", "password", "password=" + r},
		{"signed-link parameters are redacted", "expires=1700000000&sig=deadbeef&email=a%40b.c", "email=a%40b.c&expires=" + r + "&sig=" + r},
		{"short spellings of secrets are redacted", "pass=a&pw=b&pwd=c&jwt=d&session=e&sid=f&page=1",
			"jwt=" + r + "&page=1&pass=" + r + "&pw=" + r + "&pwd=" + r + "&session=" + r + "&sid=" + r},
		{"a JWT under an innocent name is redacted", "q=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl&n=1", "n=1&q=" + r},
		{"an API key under an innocent name is redacted", "k=0ce6e664.a01abd2282fd472928846bd51705e1c1", "k=" + r},
		{"a bearer value is redacted", "h=Bearer+abcdefghijklmnopqrstuvwxyz", "h=" + r},
		{"text that merely looks alike is kept", "q=eyJ+hello+world.foo.bar&id=0ce6e664", "id=0ce6e664&q=eyJ+hello+world.foo.bar"},
		{"a bad percent escape makes the query unparseable", "a=%zz", "[UNPARSEABLE]"},
		{"a semicolon makes the query unparseable", "a=1;b=2", "[UNPARSEABLE]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := middleware.RedactQuery(tc.in, sensitive); got != tc.want {
				t.Errorf("RedactQuery(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
