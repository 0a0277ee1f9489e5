package http

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/password"
	"github.com/rampart-dev/rampart/internal/auth/perms"
	"github.com/rampart-dev/rampart/internal/auth/session"
	"github.com/rampart-dev/rampart/internal/auth/signedurl"
	"github.com/rampart-dev/rampart/internal/db/dbtest"
	"github.com/rampart-dev/rampart/internal/logging"
	"github.com/rampart-dev/rampart/internal/mail"
	"github.com/rampart-dev/rampart/web"
)

// BenchmarkAPIMe measures GET /api/v1/me side by side:
//
//   - echo-bare: a bare Echo serving the same handler work (the user row
//     from PostgreSQL, as JSON) for a fixed user, with no middleware and no
//     authentication: the ceiling;
//   - api-key, jwt: Rampart's whole stack (request id, metrics, access log,
//     headers, limits, CSRF skip, authentication, the per-credential limit,
//     the scope rule) authenticating an API key or an access token.
//
// Compare ns/op: the ratio bare/ours is the fraction of bare Echo's
// throughput. `make bench` runs it; the README records the numbers.
func BenchmarkAPIMe(b *testing.B) {
	pool := dbtest.New(b)
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		b.Fatal(err)
	}
	signer, _ := signedurl.New(bytes.Repeat([]byte{'s'}, signedurl.MinKeySize))
	base, _ := url.Parse(testOrigin)
	box, codes := testAtRestKeys(b)
	accounts, err := account.New(account.Config{
		Pool: pool, Hasher: password.NewHasher(cheapHashParams, 0, 0), Signer: signer, Outbox: mail.NewOutbox(rc),
		Sessions: session.NewStore(pool, nil), BaseURL: base, MaxFailures: 10, Lockout: 1, Seal: box, Recovery: codes,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	keys, tokens := newAPIAuth(b, pool, nil)
	h, err := NewHandler(Options{
		Logger: logging.New(io.Discard, logging.FormatJSON, slog.LevelInfo), Pool: pool, Assets: must(web.NewAssets()),
		Registry: NewRegistry(), CSRFKey: testCSRFKey, BaseURL: base,
		Accounts: accounts, APIKeys: keys, Tokens: tokens, Perms: perms.NewStore(pool),
		RateLimitRequestsPerMinute: 1_000_000, RateLimitAuthPerMinute: 1_000_000, RateLimitAPIPerHour: 1_000_000_000,
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	if err := accounts.SignUp(ctx, "bench@example.com", strongPassword, account.RequestMeta{}); err != nil {
		b.Fatal(err)
	}
	u, err := accounts.Login(ctx, "bench@example.com", strongPassword, account.RequestMeta{})
	if err != nil {
		b.Fatal(err)
	}
	key, _, err := keys.Create(ctx, u.ID, "bench", []string{"read"}, 0)
	if err != nil {
		b.Fatal(err)
	}
	pair, err := tokens.IssuePair(ctx, u.ID, nil)
	if err != nil {
		b.Fatal(err)
	}

	bare := echo.New()
	bare.GET("/api/v1/me", func(c echo.Context) error {
		usr, err := accounts.UserByID(c.Request().Context(), u.ID)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, meResponse{ID: usr.ID.String(), Email: usr.Email, EmailVerified: usr.EmailVerified,
			TOTPEnabled: usr.TwoFactor, CreatedAt: usr.CreatedAt})
	})

	for _, v := range []struct {
		name    string
		handler http.Handler
		auth    string
	}{
		{"echo-bare", bare, ""},
		{"api-key", h, "Bearer " + key},
		{"jwt", h, "Bearer " + pair.AccessToken},
	} {
		b.Run(v.name, func(b *testing.B) {
			check := serveMe(v.handler, v.auth)
			var me meResponse
			if check.Code != http.StatusOK || json.Unmarshal(check.Body.Bytes(), &me) != nil || me.ID != u.ID.String() {
				b.Fatalf("GET /api/v1/me = %d %s", check.Code, check.Body)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if rec := serveMe(v.handler, v.auth); rec.Code != http.StatusOK {
						b.Errorf("status %d", rec.Code)
						return
					}
				}
			})
		})
	}
}

func serveMe(h http.Handler, auth string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, testOrigin+"/api/v1/me", nil)
	req.RemoteAddr = "192.0.2.1:1234"
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
