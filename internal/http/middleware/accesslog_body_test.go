package middleware_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
	"github.com/rampart-dev/rampart/internal/logging"
)

// bodyEcho echoes the body it reads, so a test can check the handler still
// receives every byte after the access log captured some.
func bodyEcho(t *testing.T, cfg middleware.AccessLogConfig) (*echo.Echo, *logBuffer) {
	t.Helper()
	buf := &logBuffer{}
	cfg.Logger = logging.New(buf, logging.FormatJSON, slog.LevelInfo)
	e := echo.New()
	e.Use(middleware.AccessLogWithConfig(cfg))
	e.POST("/in", func(c echo.Context) error {
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		return c.String(http.StatusOK, string(b))
	})
	return e, buf
}

func TestAccessLogBodies(t *testing.T) {
	long := `{"note":"` + strings.Repeat("x", 5000) + `","password":"hunter2"}`
	cases := []struct {
		name        string
		cfg         middleware.AccessLogConfig
		contentType string
		body        string
		secrets     []string
		want        []string // substrings of the logged body
		noBody      bool
	}{
		{"form fields that are secrets are redacted", middleware.AccessLogConfig{LogBody: true},
			"application/x-www-form-urlencoded", "email=ada%40example.com&password=hunter2&csrf_token=tok-1&totp_code=123456",
			[]string{"hunter2", "tok-1", "123456"}, []string{"email=ada%40example.com", "REDACTED"}, false},
		{"JSON members that are secrets are redacted at any depth", middleware.AccessLogConfig{LogBody: true},
			"application/json", `{"email":"ada@example.com","password":"hunter2","nested":{"refresh_token":"rt-1","list":[{"api_key":"k-2"}]}}`,
			[]string{"hunter2", "rt-1", "k-2"}, []string{`"email":"ada@example.com"`, "REDACTED"}, false},
		{"a +json media type is treated as JSON", middleware.AccessLogConfig{LogBody: true},
			"application/merge-patch+json; charset=utf-8", `{"secret":"s-3","name":"x"}`,
			[]string{"s-3"}, []string{`"name":"x"`}, false},
		{"extra sensitive fields apply to bodies", middleware.AccessLogConfig{LogBody: true, SensitiveParams: []string{"ssn"}},
			"application/json", `{"ssn":"123-45-6789","name":"x"}`, []string{"123-45-6789"}, []string{"REDACTED"}, false},
		{"a body over the limit is described by size only", middleware.AccessLogConfig{LogBody: true},
			"application/json", long, []string{"hunter2", "xxxx"}, []string{"not logged"}, false},
		{"unparseable JSON is not logged raw", middleware.AccessLogConfig{LogBody: true},
			"application/json", `{"password":"hunter2"`, []string{"hunter2"}, []string{"unparseable"}, false},
		{"other content types are not logged", middleware.AccessLogConfig{LogBody: true},
			"text/plain", "password=hunter2", []string{"hunter2"}, nil, true},
		{"bodies are not logged unless asked", middleware.AccessLogConfig{},
			"application/json", `{"password":"hunter2"}`, []string{"hunter2"}, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, buf := bodyEcho(t, tc.cfg)
			req := httptest.NewRequest(http.MethodPost, "/in", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			rec := serve(e, req)
			if rec.Body.String() != tc.body {
				t.Fatalf("the handler did not receive the whole body: got %d bytes, want %d", rec.Body.Len(), len(tc.body))
			}
			line := onlyRequestLine(t, buf)
			if found := secretsIn(line, tc.secrets); len(found) > 0 {
				t.Errorf("the access log line contains %q: %v", found, line)
			}
			body, has := line["body"].(string)
			if tc.noBody {
				if has {
					t.Errorf("a body was logged: %q", body)
				}
				return
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("logged body %q lacks %q", body, w)
				}
			}
		})
	}
}

func TestAccessLogHeaders(t *testing.T) {
	e, buf := accessLogEcho(t, middleware.AccessLogConfig{
		Headers:          []string{"Referer", "Authorization", "Cookie", "X-Hub-Signature-256", "X-Tenant-Secret", "X-Custom", "Accept"},
		SensitiveHeaders: []string{"X-Custom"},
	})
	req := httptest.NewRequest(http.MethodGet, "/search", nil)
	req.Header.Set("Referer", "https://example.com/page")
	req.Header.Set("Authorization", "Bearer tok-abc")
	req.Header.Set("Cookie", "session=sess-def")
	req.Header.Set("X-Hub-Signature-256", "sha256=sig-ghi")
	req.Header.Set("X-Tenant-Secret", "ts-jkl")
	req.Header.Set("X-Custom", "cu-mno")
	serve(e, req)

	line := onlyRequestLine(t, buf)
	if found := secretsIn(line, []string{"tok-abc", "sess-def", "sig-ghi", "ts-jkl", "cu-mno"}); len(found) > 0 {
		t.Errorf("the access log line contains %q: %v", found, line)
	}
	if line["header.Referer"] != "https://example.com/page" {
		t.Errorf("Referer not logged: %v", line)
	}
	if line["header.Authorization"] != logging.Redacted || line["header.X-Custom"] != logging.Redacted {
		t.Errorf("sensitive headers not marked redacted: %v", line)
	}
	if _, ok := line["header.Accept"]; ok {
		t.Errorf("an absent header was logged: %v", line)
	}
}

func TestAccessLogReplacingTheSensitiveParams(t *testing.T) {
	e, buf := accessLogEcho(t, middleware.AccessLogConfig{SensitiveParams: []string{"invite"}, ReplaceSensitiveParams: true})
	req := httptest.NewRequest(http.MethodGet, "/search?invite=i-1&code=c-2&password=p-3", nil)
	serve(e, req)
	query, _ := onlyRequestLine(t, buf)["query"].(string)
	if strings.Contains(query, "i-1") || strings.Contains(query, "p-3") {
		t.Errorf("a replaced list or a built-in secret name leaked: %q", query)
	}
	if !strings.Contains(query, "code=c-2") {
		t.Errorf("code is no longer in the list, so it should be logged: %q", query)
	}
}
