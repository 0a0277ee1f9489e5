package e2e

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/apikey"
	"github.com/rampart-dev/rampart/internal/auth/jwt"
	"github.com/rampart-dev/rampart/internal/auth/keys"
	"github.com/rampart-dev/rampart/internal/auth/password"
	"github.com/rampart-dev/rampart/internal/auth/perms"
	"github.com/rampart-dev/rampart/internal/auth/recovery"
	"github.com/rampart-dev/rampart/internal/auth/seal"
	"github.com/rampart-dev/rampart/internal/auth/session"
	"github.com/rampart-dev/rampart/internal/auth/signedurl"
	"github.com/rampart-dev/rampart/internal/config"
	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/db/dbtest"
	apphttp "github.com/rampart-dev/rampart/internal/http"
	"github.com/rampart-dev/rampart/internal/inbound"
	"github.com/rampart-dev/rampart/internal/jobs"
	"github.com/rampart-dev/rampart/internal/mail"
	"github.com/rampart-dev/rampart/web"
)

// server is Rampart's web server running in-process on 127.0.0.1 at a
// random port, on its own fresh database, built from the configuration and
// services exactly as `server serve` builds them. APP_BASE_URL is URL, so
// mailed links point back at it. The job worker does not run: mail stays in
// the outbox, read through the dev mailbox.
type server struct {
	URL   string // the base URL, no trailing slash
	Pool  *pgxpool.Pool
	Perms *perms.Store
}

// testEnv is the environment the server is configured from: APP_ENV test
// (plain `session` cookie, the dev mailbox on, no worker) and rate limits
// high enough that the suite never meets them.
func testEnv(baseURL, addr, dbURL, dataDir string) map[string]string {
	return map[string]string{
		"APP_ENV":                        "test",
		"APP_ADDR":                       addr,
		"APP_BASE_URL":                   baseURL,
		"APP_DATA_DIR":                   dataDir,
		"DATABASE_URL":                   dbURL,
		"SECRET_KEY":                     randomHex(32),
		"RATE_LIMIT_REQUESTS_PER_MINUTE": "100000",
		"RATE_LIMIT_AUTH_PER_MINUTE":     "100000",
		"RATE_LIMIT_API_PER_HOUR":        "100000",
	}
}

// startServer starts a server for t and stops it when t ends. Server-side
// warnings go to the test's output; a logged error or CSP violation report
// fails t. Without a browser to drive it, it skips t at once.
func startServer(t *testing.T) *server {
	t.Helper()
	sharedBrowser(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	env := testEnv(base, ln.Addr().String(), dbtest.NewURL(t), t.TempDir())
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	logs := newLogWatch(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	log := slog.New(logs)

	ctx := t.Context()
	pool, err := db.Open(ctx, cfg.DatabaseURL, db.PoolOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.NewMigrator(pool, log).Up(ctx); err != nil {
		t.Fatal(err)
	}
	handler, err := newHandler(t, cfg, pool, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(logs, slog.LevelWarn)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("server: %v", err)
		}
		pool.Close()
		logs.report(t)
	})
	s := &server{URL: base, Pool: pool, Perms: perms.NewStore(pool)}
	s.waitHealthy(t)
	return s
}

// newHandler is cmd/server's serve, up to the listener: the job client (not
// started), API keys, tokens, accounts, webhooks, assets and the handler.
// Without REDIS_URL, limits and revocations are kept in memory.
func newHandler(t *testing.T, cfg *config.Config, pool *pgxpool.Pool, log *slog.Logger) (http.Handler, error) {
	sender, err := mail.NewSender(cfg.SMTPURL)
	if err != nil {
		return nil, err
	}
	jobsClient, err := jobs.NewClient(jobs.Options{Pool: pool, Logger: log, MailSender: sender, MailFrom: cfg.MailFrom})
	if err != nil {
		return nil, err
	}
	box, err := newSealBox(cfg)
	if err != nil {
		return nil, err
	}
	apiKeyHMAC, err := keys.Derive(cfg.SecretKey, keys.APIKey)
	if err != nil {
		return nil, err
	}
	apiKeys, err := apikey.New(apikey.Config{Pool: pool, HMACKey: apiKeyHMAC, Logger: log})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = apiKeys.Close() })
	jwtKey, err := jwt.KeyFromMaster(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	tokens, err := jwt.New(jwt.Config{
		Pool: pool, Key: jwtKey, AccessTTL: cfg.JWTAccessTTL, RefreshTTL: cfg.JWTRefreshTTL,
		Denylist: jwt.NewDenylist(nil, "rampart:jwt:deny:", nil),
	})
	if err != nil {
		return nil, err
	}
	accounts, err := newAccounts(cfg, pool, box, mail.NewOutbox(jobsClient.River()), tokens.RevokeUser, log)
	if err != nil {
		return nil, err
	}
	hooks, err := inbound.New(inbound.Config{Pool: pool, Seal: box, Jobs: jobsClient.River(), BaseURL: cfg.BaseURL, Logger: log})
	if err != nil {
		return nil, err
	}
	assets, err := web.NewAssets()
	if err != nil {
		return nil, err
	}
	csrfKey, err := keys.Derive(cfg.SecretKey, keys.CSRF)
	if err != nil {
		return nil, err
	}
	return apphttp.NewHandler(apphttp.Options{
		Logger: log, Pool: pool, Assets: assets, Registry: apphttp.NewRegistry(),
		TrustedProxies: cfg.TrustedProxies, AdminAllowedCIDRs: cfg.AdminAllowedCIDRs,
		Production: cfg.IsProduction(), BaseURL: cfg.BaseURL, CSRFKey: csrfKey,
		CORSAllowedOrigins:         cfg.CORSAllowedOrigins,
		RateLimitRequestsPerMinute: cfg.RateLimitRequestsPerMinute,
		RateLimitAuthPerMinute:     cfg.RateLimitAuthPerMinute,
		RateLimitAPIPerHour:        cfg.RateLimitAPIPerHour,
		Accounts:                   accounts,
		APIKeys:                    apiKeys,
		Tokens:                     tokens,
		Perms:                      perms.NewStore(pool),
		Webhooks:                   hooks,
	})
}

// newAccounts is cmd/server's: argon2id with the production parameters,
// mail links signed, TOTP secrets sealed and recovery codes keyed, all from
// SECRET_KEY.
func newAccounts(cfg *config.Config, pool *pgxpool.Pool, box *seal.Box, outbox *mail.Outbox, revokeTokens func(context.Context, uuid.UUID) error, log *slog.Logger) (*account.Service, error) {
	signKey, err := keys.Derive(cfg.SecretKey, keys.SignedURL)
	if err != nil {
		return nil, err
	}
	signer, err := signedurl.New(signKey)
	if err != nil {
		return nil, err
	}
	recoveryKey, err := keys.Derive(cfg.SecretKey, keys.RecoveryCode)
	if err != nil {
		return nil, err
	}
	codes, err := recovery.NewHasher(recoveryKey)
	if err != nil {
		return nil, err
	}
	return account.New(account.Config{
		Pool: pool, Seal: box, Recovery: codes, RevokeTokens: revokeTokens,
		Hasher: password.NewHasher(password.DefaultParams(), 0, 0), Signer: signer,
		Outbox: outbox, Sessions: session.NewStore(pool, nil), BaseURL: cfg.BaseURL,
		MaxFailures: cfg.LoginMaxFailures, Lockout: cfg.LoginLockout, Logger: log,
	})
}

func newSealBox(cfg *config.Config) (*seal.Box, error) {
	k, err := seal.KeyFromMaster(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	return seal.New(k)
}

// waitHealthy polls /health until it answers 200.
func (s *server) waitHealthy(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(s.URL + "/health")
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /health did not answer 200 within 10 s (last error: %v)", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
