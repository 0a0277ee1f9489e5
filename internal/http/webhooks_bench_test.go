package http

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/db/dbtest"
	"github.com/rampart-dev/rampart/internal/logging"
	"github.com/rampart-dev/rampart/internal/webhook"
	"github.com/rampart-dev/rampart/web"
)

// BenchmarkWebhookDelivery measures verified deliveries through the whole
// stack: POST /webhooks/{id} with a GitHub-signed body, each with a new
// delivery id, so every one is verified, stored and queued in one
// transaction. ns/op is the time per delivery; deliveries/s is reported.
func BenchmarkWebhookDelivery(b *testing.B) {
	pool := dbtest.New(b)
	base, _ := url.Parse(testOrigin)
	hooks := newWebhooks(b, pool)
	h, err := NewHandler(Options{
		Logger: logging.New(io.Discard, logging.FormatJSON, slog.LevelInfo), Pool: pool, Assets: must(web.NewAssets()),
		Registry: NewRegistry(), CSRFKey: testCSRFKey, BaseURL: base, Accounts: newAccounts(b, pool), Webhooks: hooks,
		RateLimitRequestsPerMinute: 1_000_000, RateLimitAuthPerMinute: 1_000_000,
	})
	if err != nil {
		b.Fatal(err)
	}
	u, err := db.New(pool).CreateUser(b.Context(), db.CreateUserParams{Email: "bench@example.com", PasswordHash: "x"})
	if err != nil {
		b.Fatal(err)
	}
	e, secret, err := hooks.Create(b.Context(), u.ID, "bench", "github", "")
	if err != nil {
		b.Fatal(err)
	}
	path := "/webhooks/" + e.ID.String()
	body := []byte(`{"action":"opened","number":1,"repository":{"full_name":"rampart/rampart"}}`)
	var seq atomic.Int64
	b.ReportAllocs()
	// Providers deliver concurrently; 8 in flight per core lets PostgreSQL
	// group the commits (each delivery is one durable transaction).
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			hdr := webhook.SignGitHub([]byte(secret), body, "d-"+strconv.FormatInt(seq.Add(1), 10), "pull_request")
			req := httptest.NewRequest(http.MethodPost, testOrigin+path, bytes.NewReader(body))
			req.Header = hdr
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = "192.0.2.9:1234"
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("status %d: %s", rec.Code, rec.Body)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}
