package http

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// scrape fetches /metrics as an operator on loopback.
func (s *testServer) scrape(t *testing.T) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.RemoteAddr = "127.0.0.1:1234"
	res, body := s.do(t, req)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics from loopback: status %d: %s", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET /metrics: Content-Type %q, want the Prometheus text format", ct)
	}
	return body
}

func TestMetricsAreForOperatorsOnly(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	cases := []struct {
		name, remote, xff string
		want              int
	}{
		{"loopback IPv4 may scrape", "127.0.0.1:1234", "", http.StatusOK},
		{"loopback IPv6 may scrape", "[::1]:1234", "", http.StatusOK},
		{"an outside address is refused", "203.0.113.9:1234", "", http.StatusForbidden},
		{"an outside address claiming loopback in X-Forwarded-For is refused", "203.0.113.9:1234", "127.0.0.1", http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			req.RemoteAddr = tc.remote
			if tc.xff != "" {
				req.Header.Set("X-Forwarded-For", tc.xff)
			}
			res, body := s.do(t, req)
			if res.StatusCode != tc.want {
				t.Fatalf("status = %d, want %d", res.StatusCode, tc.want)
			}
			if tc.want != http.StatusOK && strings.Contains(body, "rampart_") {
				t.Errorf("a refused scrape still shows metrics: %.300s", body)
			}
		})
	}
}

func TestMetricsExposeRequestAndPoolMetrics(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	s.get(t, "/health")
	body := s.scrape(t)
	for _, want := range []string{
		`rampart_http_requests_total{method="GET",route="/health",status="200"} 1`,
		`rampart_http_request_duration_seconds_bucket{method="GET",route="/health",le="+Inf"} 1`,
		"rampart_db_pool_total_conns",
		"rampart_db_pool_max_conns",
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestMetricsLabelUnknownPathsAsUnmatched(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	for _, p := range []string{"/wp-admin/setup.php", "/.env", "/no/such/page"} {
		if res, _ := s.get(t, p); res.StatusCode != http.StatusNotFound {
			t.Fatalf("GET %s: status %d, want 404", p, res.StatusCode)
		}
	}
	body := s.scrape(t)
	if want := `rampart_http_requests_total{method="GET",route="unmatched",status="404"} 3`; !strings.Contains(body, want) {
		t.Errorf("metrics lack %q:\n%s", want, grep(body, "rampart_http_requests_total"))
	}
	for _, leaked := range []string{"wp-admin", ".env", "/no/such/page"} {
		if strings.Contains(body, leaked) {
			t.Errorf("a scanned path %q became a label", leaked)
		}
	}
}

func TestMetricsCountRefusalsUnderTheirRoute(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.RemoteAddr = "203.0.113.9:1234"
	s.do(t, req)
	body := s.scrape(t)
	if want := `rampart_http_requests_total{method="GET",route="/metrics",status="403"} 1`; !strings.Contains(body, want) {
		t.Errorf("metrics lack %q:\n%s", want, grep(body, "rampart_http_requests_total"))
	}
}

func grep(body, substr string) string {
	var out []string
	for line := range strings.SplitSeq(body, "\n") {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
