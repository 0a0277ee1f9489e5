package account_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/keys"
	"github.com/rampart-dev/rampart/internal/auth/password"
	"github.com/rampart-dev/rampart/internal/auth/recovery"
	"github.com/rampart-dev/rampart/internal/auth/seal"
	"github.com/rampart-dev/rampart/internal/auth/session"
	"github.com/rampart-dev/rampart/internal/auth/signedurl"
	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/db/dbtest"
	"github.com/rampart-dev/rampart/internal/mail"
)

// Passwords the strength policy accepts.
const (
	goodPassword  = "plum orbit kettle quasar"
	otherPassword = "granite Tulip 58 harbor"
	thirdPassword = "velvet-lantern-orbit-92"
)

const baseURL = "https://app.example"

// cheapParams keep argon2 fast in tests; the shape of the code is the same.
var cheapParams = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

var meta = account.RequestMeta{IP: "203.0.113.7", UserAgent: "TestBrowser/1.0", RequestID: "req-123"}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	pool     *pgxpool.Pool
	svc      *account.Service
	cfg      account.Config
	clock    *clock
	sessions *session.Store
}

const (
	maxFailures = 3
	lockout     = 15 * time.Minute
)

// newEnv builds a Service on a fresh database, with an insert-only River
// client behind the outbox and a settable clock. edit may change the Config.
func newEnv(t *testing.T, edit ...func(*account.Config)) *env {
	t.Helper()
	pool := dbtest.New(t)
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signedurl.New(bytes.Repeat([]byte{'k'}, signedurl.MinKeySize))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	base, _ := url.Parse(baseURL)
	sessions := session.NewStore(pool, c.Now)
	box, codes := atRestKeys(t)
	cfg := account.Config{
		Pool:        pool,
		Seal:        box,
		Recovery:    codes,
		Hasher:      password.NewHasher(cheapParams, 0, 0),
		Signer:      signer,
		Outbox:      mail.NewOutbox(rc),
		Sessions:    sessions,
		BaseURL:     base,
		MaxFailures: maxFailures,
		Lockout:     lockout,
		Logger:      slog.New(slog.DiscardHandler),
		Now:         c.Now,
	}
	for _, e := range edit {
		e(&cfg)
	}
	svc, err := account.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{pool: pool, svc: svc, cfg: cfg, clock: c, sessions: sessions}
}

// atRestKeys are the encryption of TOTP secrets and the recovery-code HMAC,
// keyed from a fixed test master key.
func atRestKeys(t *testing.T) (*seal.Box, *recovery.Hasher) {
	t.Helper()
	master := bytes.Repeat([]byte{'m'}, keys.MinMasterSize)
	k, err := seal.KeyFromMaster(master)
	if err != nil {
		t.Fatal(err)
	}
	box, err := seal.New(k)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := keys.Derive(master, keys.RecoveryCode)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := recovery.NewHasher(rk)
	if err != nil {
		t.Fatal(err)
	}
	return box, codes
}

// mails returns the outbox rows to an address, oldest first.
func (e *env) mails(t *testing.T, to string) []db.MailOutbox {
	t.Helper()
	rows, err := e.pool.Query(t.Context(),
		`SELECT * FROM mail_outbox WHERE to_address = $1 ORDER BY created_at, id`, to)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[db.MailOutbox])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (e *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.pool.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var linkRE = regexp.MustCompile(`https?://[^\s"<>]+`)

// linkTo finds the link to path in a mail's text body and returns it as a
// server sees it: path and query only.
func linkTo(t *testing.T, m db.MailOutbox, path string) *url.URL {
	t.Helper()
	for _, raw := range linkRE.FindAllString(m.TextBody, -1) {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if u.Path == path {
			if u.Scheme+"://"+u.Host != baseURL {
				t.Errorf("link %s is not built on the base URL", raw)
			}
			rel, _ := url.Parse(u.RequestURI())
			return rel
		}
	}
	t.Fatalf("no link to %s in mail %q:\n%s", path, m.Subject, m.TextBody)
	return nil
}

// lastLink is the link to path in the newest mail to to.
func (e *env) lastLink(t *testing.T, to, path string) *url.URL {
	t.Helper()
	ms := e.mails(t, to)
	if len(ms) == 0 {
		t.Fatalf("no mail to %s", to)
	}
	return linkTo(t, ms[len(ms)-1], path)
}

// signUp creates an account and verifies it; it returns the user.
func (e *env) signUp(t *testing.T, email, pw string) account.User {
	t.Helper()
	if err := e.svc.SignUp(t.Context(), email, pw, meta); err != nil {
		t.Fatalf("SignUp(%s): %v", email, err)
	}
	u, err := e.svc.VerifyEmail(t.Context(), e.lastLink(t, email, account.PathVerifyEmail), meta)
	if err != nil {
		t.Fatalf("VerifyEmail(%s): %v", email, err)
	}
	return u
}

func (e *env) login(t *testing.T, email, pw string) (account.User, error) {
	t.Helper()
	return e.svc.Login(t.Context(), email, pw, meta)
}

func (e *env) startSession(t *testing.T, userID uuid.UUID) (string, session.Session) {
	t.Helper()
	token, s, err := e.svc.StartSession(t.Context(), userID, meta)
	if err != nil {
		t.Fatal(err)
	}
	return token, s
}

func (e *env) live(t *testing.T, token string) bool {
	t.Helper()
	_, _, err := e.svc.CurrentUser(t.Context(), token)
	if err != nil && !errors.Is(err, account.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

type auditRow struct {
	Kind, IP, UserAgent, RequestID string
	Detail                         map[string]any
}

// events lists the user's audit events, oldest first.
func (e *env) events(t *testing.T, userID uuid.UUID) []auditRow {
	t.Helper()
	rows, err := e.pool.Query(t.Context(),
		`SELECT kind, ip, user_agent, request_id, detail FROM audit_events WHERE user_id = $1 ORDER BY id`, userID)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auditRow, error) {
		var a auditRow
		var raw []byte
		if err := r.Scan(&a.Kind, &a.IP, &a.UserAgent, &a.RequestID, &raw); err != nil {
			return a, err
		}
		return a, json.Unmarshal(raw, &a.Detail)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func kinds(evs []auditRow) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Kind
	}
	return out
}

func countKind(evs []auditRow, kind string) int {
	n := 0
	for _, e := range evs {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

func (e *env) user(t *testing.T, email string) db.User {
	t.Helper()
	u, err := db.New(e.pool).GetUserByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("load %s: %v", email, err)
	}
	return u
}
