package inbound_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rampart-dev/rampart/internal/auth/keys"
	"github.com/rampart-dev/rampart/internal/auth/seal"
	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/db/dbtest"
	"github.com/rampart-dev/rampart/internal/inbound"
	"github.com/rampart-dev/rampart/internal/webhook"
)

const baseURL = "https://app.example"

// start is where every test clock begins.
var start = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable time source, shared by the Service and the worker.
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
	pool  *pgxpool.Pool
	svc   *inbound.Service
	river *river.Client[pgx.Tx] // insert-only
	clock *clock
	cfg   inbound.Config
}

// newEnv builds a Service on a fresh database with a real seal.Box, an
// insert-only River client and a settable clock. edit may change the Config.
func newEnv(t *testing.T, edit ...func(*inbound.Config)) *env {
	t.Helper()
	pool := dbtest.New(t)
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: start}
	base, _ := url.Parse(baseURL)
	cfg := inbound.Config{
		Pool: pool, Seal: sealBox(t), Jobs: rc, BaseURL: base,
		Logger: slog.New(slog.DiscardHandler), Now: c.Now,
	}
	for _, e := range edit {
		e(&cfg)
	}
	svc, err := inbound.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{pool: pool, svc: svc, river: rc, clock: c, cfg: cfg}
}

// sealBox encrypts endpoint secrets at rest, keyed from a fixed test master key.
func sealBox(t *testing.T) *seal.Box {
	t.Helper()
	k, err := seal.KeyFromMaster(bytes.Repeat([]byte{'m'}, keys.MinMasterSize))
	if err != nil {
		t.Fatal(err)
	}
	box, err := seal.New(k)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// user inserts an account and returns its id.
func (e *env) user(t *testing.T, email string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	err := e.pool.QueryRow(t.Context(),
		`INSERT INTO users (email, password_hash) VALUES ($1, 'not-a-real-hash') RETURNING id`, email).Scan(&id)
	if err != nil {
		t.Fatalf("insert user: %v", err)
	}
	return id
}

// endpoint creates an endpoint of provider for userID with a generated
// secret and returns it with the secret.
func (e *env) endpoint(t *testing.T, userID uuid.UUID, provider string) (inbound.Endpoint, string) {
	t.Helper()
	ep, secret, err := e.svc.Create(t.Context(), userID, provider+" endpoint", provider, "")
	if err != nil {
		t.Fatalf("Create(%s): %v", provider, err)
	}
	return ep, secret
}

func (e *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.pool.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// delivery loads our stored delivery id.
func (e *env) delivery(t *testing.T, id uuid.UUID) db.WebhookDelivery {
	t.Helper()
	rows, err := e.pool.Query(t.Context(), `SELECT * FROM webhook_deliveries WHERE id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[db.WebhookDelivery])
	if err != nil {
		t.Fatalf("load delivery %s: %v", id, err)
	}
	return d
}

// jobCount is the number of webhook_process jobs queued for delivery id.
func (e *env) jobCount(t *testing.T, id uuid.UUID) int {
	t.Helper()
	return e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'webhook_process' AND args->>'delivery_id' = $1`, id.String())
}

// newestJob returns the newest job queued for delivery id, as River hands
// it to the worker, at attempt.
func (e *env) newestJob(t *testing.T, id uuid.UUID, attempt int) *river.Job[inbound.ProcessArgs] {
	t.Helper()
	var jobID int64
	err := e.pool.QueryRow(t.Context(), `SELECT id FROM river_job WHERE kind = 'webhook_process'
		AND args->>'delivery_id' = $1 ORDER BY id DESC LIMIT 1`, id.String()).Scan(&jobID)
	if err != nil {
		t.Fatalf("no job for delivery %s: %v", id, err)
	}
	row, err := e.river.JobGet(t.Context(), jobID)
	if err != nil {
		t.Fatal(err)
	}
	job := &river.Job[inbound.ProcessArgs]{JobRow: row}
	if err := json.Unmarshal(row.EncodedArgs, &job.Args); err != nil {
		t.Fatal(err)
	}
	job.Attempt = attempt
	return job
}

// worker returns a ProcessWorker on e's database and clock.
func (e *env) worker(r *inbound.Registry) *inbound.ProcessWorker {
	return &inbound.ProcessWorker{Pool: e.pool, Registry: r, Logger: slog.New(slog.DiscardHandler), Now: e.clock.Now}
}

// key is the HMAC key of a provider's secret.
func key(t *testing.T, provider, secret string) []byte {
	t.Helper()
	k, err := webhook.ParseSecret(provider, secret)
	if err != nil {
		t.Fatalf("ParseSecret(%s): %v", provider, err)
	}
	return k
}

// sample returns a body for provider carrying delivery id (in the body or
// in a header), signed under secret at time at, and the event type the
// provider's verifier reads from it.
func sample(t *testing.T, provider, secret, id string, at time.Time) ([]byte, http.Header, string) {
	t.Helper()
	k := key(t, provider, secret)
	switch provider {
	case "github":
		body := []byte(`{"ref":"refs/heads/main","after":"` + id + `"}`)
		return body, webhook.SignGitHub(k, body, id, "push"), "push"
	case "stripe":
		body := fmt.Appendf(nil, `{"id":%q,"type":"invoice.paid","created":%d}`, id, at.Unix())
		return body, webhook.SignStripe(k, body, at), "invoice.paid"
	case "slack":
		body := []byte(`{"type":"event_callback","event_id":"` + id + `","event":{"type":"app_mention","text":"hi"}}`)
		return body, webhook.SignSlack(k, body, at), "app_mention"
	case "standard":
		body := []byte(`{"type":"user.created","data":{"id":"u_1"}}`)
		return body, webhook.SignStandard(k, body, id, at), "user.created"
	}
	t.Fatalf("no sample for provider %q", provider)
	return nil, nil, ""
}

// subscriptionEvent is a Stripe customer.subscription.* event body.
func subscriptionEvent(evtID, typ, subID, status, price string, created, periodEnd time.Time) []byte {
	return fmt.Appendf(nil, `{"id":%q,"type":%q,"created":%d,"data":{"object":{"id":%q,"customer":"cus_1",`+
		`"status":%q,"cancel_at_period_end":false,"current_period_end":%d,"items":{"data":[{"price":{"id":%q}}]}}}}`,
		evtID, typ, created.Unix(), subID, status, periodEnd.Unix(), price)
}

// receiveStripe signs body for a Stripe endpoint at the clock's time and
// receives it.
func (e *env) receiveStripe(t *testing.T, ep inbound.Endpoint, secret string, body []byte) inbound.Receipt {
	t.Helper()
	r, err := e.svc.Receive(t.Context(), ep.ID, webhook.SignStripe([]byte(secret), body, e.clock.Now()), body)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	return r
}

// subscriptions lists the user's subscription rows.
func (e *env) subscriptions(t *testing.T, userID uuid.UUID) []db.Subscription {
	t.Helper()
	subs, err := db.New(e.pool).ListUserSubscriptions(t.Context(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return subs
}
