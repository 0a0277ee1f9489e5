package inbound_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/inbound"
	"github.com/rampart-dev/rampart/internal/webhook"
)

func TestReceiveStoresAVerifiedDeliveryOnceWithOneJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	for _, provider := range inbound.Providers {
		t.Run(provider, func(t *testing.T) {
			ep, secret := e.endpoint(t, alice, provider)
			id := provider + "-delivery-1"
			body, h, eventType := sample(t, provider, secret, id, e.clock.Now())
			h.Set("Authorization", "Bearer not-for-storage")
			h.Set("X-Custom-Signature", "sig-not-for-storage")
			h.Set("User-Agent", provider+"-Hookshot/1.0")
			sent := h.Clone()

			r, err := e.svc.Receive(t.Context(), ep.ID, h, body)
			if err != nil {
				t.Fatalf("Receive: %v", err)
			}
			if r.ID == uuid.Nil || r.Duplicate || r.Challenge != "" {
				t.Fatalf("Receipt = %+v, want a new delivery", r)
			}
			d := e.delivery(t, r.ID)
			if d.EndpointID != ep.ID || d.DeliveryID != id || d.EventType != eventType || d.Status != inbound.StatusReceived ||
				d.Attempts != 0 || !d.ReceivedAt.Equal(e.clock.Now()) || d.ProcessedAt != nil {
				t.Errorf("stored %+v, want delivery %q of type %q, received now, not yet processed", d, id, eventType)
			}
			if !bytes.Equal(d.Body, body) {
				t.Errorf("stored body %q, want %q byte for byte", d.Body, body)
			}
			assertStoredHeaders(t, d.Headers, sent)
			assertSecretNotInDelivery(t, e, r.ID, secret, key(t, provider, secret), sent)
			if n := e.jobCount(t, r.ID); n != 1 {
				t.Errorf("%d webhook_process jobs for the delivery, want 1", n)
			}

			e.clock.Advance(10 * time.Second) // a provider's retry is signed anew
			body2, h2, _ := sample(t, provider, secret, id, e.clock.Now())
			again, err := e.svc.Receive(t.Context(), ep.ID, h2, body2)
			if err != nil || !again.Duplicate || again.ID != uuid.Nil {
				t.Errorf("the same delivery again: %+v, %v; want Duplicate", again, err)
			}
			if n := e.count(t, `SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1`, ep.ID); n != 1 {
				t.Errorf("%d deliveries stored, want 1", n)
			}
			if n := e.jobCount(t, r.ID); n != 1 {
				t.Errorf("%d jobs after the duplicate, want 1", n)
			}
		})
	}
	if n := e.count(t, `SELECT count(*) FROM river_job`); n != len(inbound.Providers) {
		t.Errorf("%d jobs in all, want one per provider", n)
	}
}

// assertStoredHeaders checks the stored headers are the sent ones, with
// every signature or credential value "[redacted]".
func assertStoredHeaders(t *testing.T, raw []byte, sent http.Header) {
	t.Helper()
	var got map[string][]string
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("stored headers are not JSON: %v", err)
	}
	if len(got) != len(sent) {
		t.Errorf("stored %d headers, want %d: %v", len(got), len(sent), got)
	}
	for name, values := range sent {
		want := values[0]
		if strings.Contains(name, "Signature") || name == "Authorization" {
			want = "[redacted]"
		}
		if len(got[name]) != 1 || got[name][0] != want {
			t.Errorf("stored %s = %q, want [%q]", name, got[name], want)
		}
	}
}

// assertSecretNotInDelivery checks the stored row holds neither the secret
// nor a signature value.
func assertSecretNotInDelivery(t *testing.T, e *env, id uuid.UUID, secret string, k []byte, sent http.Header) {
	t.Helper()
	var row string
	if err := e.pool.QueryRow(t.Context(), `SELECT row_to_json(d)::text FROM webhook_deliveries d WHERE id = $1`, id).Scan(&row); err != nil {
		t.Fatal(err)
	}
	needles := []string{secret, hex.EncodeToString([]byte(secret)), hex.EncodeToString(k)}
	for name, values := range sent {
		if strings.Contains(name, "Signature") {
			needles = append(needles, values[0])
		}
	}
	for _, n := range needles {
		if strings.Contains(row, n) {
			t.Errorf("the stored delivery contains %q", n)
		}
	}
}

func TestParallelCopiesOfADeliveryAreStoredOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	// A pool wide enough that the copies really race in PostgreSQL.
	pool, err := db.Open(t.Context(), e.pool.Config().ConnString(), db.PoolOptions{MaxConns: 24})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	cfg := e.cfg
	cfg.Pool = pool
	svc, err := inbound.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, provider := range inbound.Providers {
		t.Run(provider, func(t *testing.T) {
			ep, secret := e.endpoint(t, alice, provider)
			body, h, _ := sample(t, provider, secret, "same-delivery", e.clock.Now())
			const copies = 20
			receipts := make([]inbound.Receipt, copies)
			errs := make([]error, copies)
			var ready, wg sync.WaitGroup
			ready.Add(copies)
			gate := make(chan struct{})
			for i := range copies {
				wg.Go(func() {
					ready.Done()
					<-gate
					receipts[i], errs[i] = svc.Receive(context.Background(), ep.ID, h.Clone(), bytes.Clone(body))
				})
			}
			ready.Wait()
			close(gate)
			wg.Wait()
			stored := 0
			for i := range copies {
				if errs[i] != nil {
					t.Errorf("copy %d: %v", i, errs[i])
				}
				if !receipts[i].Duplicate {
					stored++
				}
			}
			if stored != 1 {
				t.Errorf("%d copies reported as new, want exactly 1", stored)
			}
			if n := e.count(t, `SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1`, ep.ID); n != 1 {
				t.Errorf("%d rows stored, want 1", n)
			}
			if n := e.count(t, `SELECT count(*) FROM river_job j JOIN webhook_deliveries d ON j.args->>'delivery_id' = d.id::text
				WHERE d.endpoint_id = $1`, ep.ID); n != 1 {
				t.Errorf("%d jobs queued, want 1", n)
			}
		})
	}
}

func TestSlackURLVerificationIsAnsweredAndNotStored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ep, secret := e.endpoint(t, e.user(t, "alice@example.com"), "slack")
	const challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
	body := []byte(`{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"` + challenge + `","type":"url_verification"}`)
	r, err := e.svc.Receive(t.Context(), ep.ID, webhook.SignSlack([]byte(secret), body, e.clock.Now()), body)
	if err != nil {
		t.Fatal(err)
	}
	if r.Challenge != challenge || r.ID != uuid.Nil || r.Duplicate {
		t.Errorf("Receipt = %+v, want only the challenge", r)
	}
	if n := e.count(t, `SELECT count(*) FROM webhook_deliveries`) + e.count(t, `SELECT count(*) FROM river_job`); n != 0 {
		t.Errorf("%d rows stored for a url_verification, want 0", n)
	}
	_, err = e.svc.Receive(t.Context(), ep.ID, webhook.SignSlack([]byte("wrong"), body, e.clock.Now()), body)
	if !errors.Is(err, inbound.ErrUnverified) {
		t.Errorf("an unsigned url_verification = %v, want ErrUnverified", err)
	}
}

// failingInserter refuses to queue any job.
type failingInserter struct{}

func (failingInserter) InsertTx(context.Context, pgx.Tx, river.JobArgs, *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return nil, errors.New("queue unavailable")
}

func TestADeliveryWhoseJobCannotBeQueuedIsNotStored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ep, secret := e.endpoint(t, e.user(t, "alice@example.com"), "github")
	cfg := e.cfg
	cfg.Jobs = failingInserter{}
	broken, err := inbound.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	body, h, _ := sample(t, "github", secret, "d1", e.clock.Now())
	if _, err := broken.Receive(t.Context(), ep.ID, h, body); err == nil || errors.Is(err, inbound.ErrUnverified) {
		t.Fatalf("Receive with a failing queue = %v, want an internal error", err)
	}
	if n := e.count(t, `SELECT count(*) FROM webhook_deliveries`); n != 0 {
		t.Fatalf("%d deliveries stored without their job, want 0", n)
	}
	r, err := e.svc.Receive(t.Context(), ep.ID, h, body)
	if err != nil || r.Duplicate || e.jobCount(t, r.ID) != 1 {
		t.Errorf("the provider's retry = %+v, %v; want it stored with its job, not a duplicate", r, err)
	}
}
