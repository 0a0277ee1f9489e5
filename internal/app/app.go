// Package app wires Rampart's services from its configuration: everything
// `server serve` runs up to the listener. The end-to-end tests build the
// application through it too, so they exercise exactly the served wiring.
package app

import (
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/rampart-dev/rampart/internal/auth/apikey"
	"github.com/rampart-dev/rampart/internal/auth/keys"
	"github.com/rampart-dev/rampart/internal/auth/perms"
	"github.com/rampart-dev/rampart/internal/config"
	apphttp "github.com/rampart-dev/rampart/internal/http"
	"github.com/rampart-dev/rampart/internal/jobs"
	"github.com/rampart-dev/rampart/internal/mail"
	"github.com/rampart-dev/rampart/web"
)

// App is the wired application.
type App struct {
	// Handler serves every route.
	Handler http.Handler
	// Jobs queues jobs (mail, webhook processing) from requests; it works
	// them only once started.
	Jobs *jobs.Client
	// apiKeys is closed by Close (it listens for revocations on Redis).
	apiKeys *apikey.Service
}

// New builds the application on pool and, when rdb is not nil, Redis (rate
// limits, revocations and key-cache invalidation shared by every instance;
// in memory otherwise). Call Close at shutdown.
func New(cfg *config.Config, pool *pgxpool.Pool, rdb *redis.Client, log *slog.Logger) (*App, error) {
	sender, err := mail.NewSender(cfg.SMTPURL)
	if err != nil {
		return nil, err
	}
	jobsClient, err := jobs.NewClient(jobs.Options{Pool: pool, Logger: log, MailSender: sender, MailFrom: cfg.MailFrom})
	if err != nil {
		return nil, err
	}
	apiKeys, err := newAPIKeys(cfg, pool, rdb, log)
	if err != nil {
		return nil, err
	}
	a := &App{Jobs: jobsClient, apiKeys: apiKeys}
	if err := a.buildHandler(cfg, pool, rdb, log); err != nil {
		_ = a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) buildHandler(cfg *config.Config, pool *pgxpool.Pool, rdb *redis.Client, log *slog.Logger) error {
	tokens, err := newTokens(cfg, pool, rdb)
	if err != nil {
		return err
	}
	box, err := newSealBox(cfg) // TOTP and webhook secrets at rest
	if err != nil {
		return err
	}
	accounts, err := newAccounts(cfg, pool, box, mail.NewOutbox(a.Jobs.River()), tokens.RevokeUser, log)
	if err != nil {
		return err
	}
	hooks, err := newWebhooks(cfg, pool, box, a.Jobs, log)
	if err != nil {
		return err
	}
	assets, err := web.NewAssets()
	if err != nil {
		return err
	}
	csrfKey, err := keys.Derive(cfg.SecretKey, keys.CSRF)
	if err != nil {
		return err
	}
	a.Handler, err = apphttp.NewHandler(apphttp.Options{
		Logger: log, Pool: pool, Redis: rdb, Assets: assets, Registry: apphttp.NewRegistry(),
		TrustedProxies: cfg.TrustedProxies, AdminAllowedCIDRs: cfg.AdminAllowedCIDRs,
		Production: cfg.IsProduction(), BaseURL: cfg.BaseURL, CSRFKey: csrfKey,
		CORSAllowedOrigins:         cfg.CORSAllowedOrigins,
		RateLimitRequestsPerMinute: cfg.RateLimitRequestsPerMinute,
		RateLimitAuthPerMinute:     cfg.RateLimitAuthPerMinute,
		RateLimitAPIPerHour:        cfg.RateLimitAPIPerHour,
		Accounts:                   accounts,
		APIKeys:                    a.apiKeys,
		Tokens:                     tokens,
		Perms:                      perms.NewStore(pool),
		Webhooks:                   hooks,
	})
	return err
}

// Close releases what New started (the API-key cache's Redis listener).
func (a *App) Close() error { return a.apiKeys.Close() }
