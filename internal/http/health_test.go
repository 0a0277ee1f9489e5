package http

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestReady(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		redisAddr  string // "" for no Redis
		closePool  bool
		wantStatus int
		want       map[string]func(string) bool
	}{
		{
			name:       "answering PostgreSQL without Redis is ready",
			wantStatus: http.StatusOK,
			want: map[string]func(string) bool{
				"postgres": equals("ok"),
				"redis":    equals("skipped"),
			},
		},
		{
			name:       "a Redis that refuses connections is not ready",
			redisAddr:  "127.0.0.1:1",
			wantStatus: http.StatusServiceUnavailable,
			want: map[string]func(string) bool{
				"postgres": equals("ok"),
				"redis":    startsWith("error"),
			},
		},
		{
			name:       "a closed database pool is not ready",
			closePool:  true,
			wantStatus: http.StatusServiceUnavailable,
			want: map[string]func(string) bool{
				"postgres": func(s string) bool { return strings.HasPrefix(s, "error: ") && strings.Contains(s, "closed") },
				"redis":    equals("skipped"),
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, func(o *Options) {
				if tc.redisAddr != "" {
					o.Redis = redis.NewClient(&redis.Options{Addr: tc.redisAddr, MaxRetries: -1})
					t.Cleanup(func() { _ = o.Redis.Close() })
				}
			})
			if tc.closePool {
				s.pool.Close()
			}
			res, body := s.get(t, "/ready")
			if res.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %s", res.StatusCode, tc.wantStatus, body)
			}
			var got healthResponse
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("body is not JSON: %v: %s", err, body)
			}
			wantState := "ok"
			if tc.wantStatus != http.StatusOK {
				wantState = "unavailable"
			}
			if got.Status != wantState {
				t.Errorf("status field = %q, want %q", got.Status, wantState)
			}
			if len(got.Checks) != len(tc.want) {
				t.Errorf("checks = %v, want exactly %d", got.Checks, len(tc.want))
			}
			for name, ok := range tc.want {
				if !ok(got.Checks[name]) {
					t.Errorf("checks.%s = %q is not what was expected", name, got.Checks[name])
				}
			}
			if strings.Contains(body, "postgres://") || strings.Contains(body, "redis://") {
				t.Errorf("the readiness body reveals a connection URL: %s", body)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
		})
	}
}

func equals(want string) func(string) bool { return func(s string) bool { return s == want } }

func startsWith(prefix string) func(string) bool {
	return func(s string) bool { return strings.HasPrefix(s, prefix) }
}
