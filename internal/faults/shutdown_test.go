package faults

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-dev/rampart/internal/db/dbtest"
)

// TestSIGTERMLetsTheServersInFlightRequestsFinish adds to cmd/server's
// shutdown tests (an in-process drain with a synthetic handler; the binary's
// exit code with no request running) the real binary with real requests in
// flight: logins held in PostgreSQL (the test locks the user's row, which
// each login must write) when SIGTERM arrives. New connections are refused
// at once, every accepted login completes with its session, and the process
// exits 0.
func TestSIGTERMLetsTheServersInFlightRequestsFinish(t *testing.T) {
	t.Parallel()
	const inflight = 4
	dbURL := dbtest.NewURL(t)
	env := baseEnv(t, dbURL)
	env["APP_SHUTDOWN_TIMEOUT"] = "30s"
	s := startServer(t, env)
	createUser(t, env, "drain@example.com")
	conn := dbConn(t, dbURL)

	unlock := lockRows(t, dbURL, `SELECT 1 FROM users WHERE email = 'drain@example.com' FOR UPDATE`)

	results := make([]response, inflight)
	var wg sync.WaitGroup
	for i := range results {
		br := newBrowser(t, fmt.Sprintf("198.51.100.%d", 40+i))
		br.hc.Timeout = time.Minute
		token := csrfToken(t, br.get(t, s.URL+"/login").Body)
		form := url.Values{"email": {"drain@example.com"}, "password": {testPassword}, "csrf_token": {token}}
		wg.Go(func() {
			results[i] = br.do(http.MethodPost, s.URL+"/login", strings.NewReader(form.Encode()),
				"Content-Type", "application/x-www-form-urlencoded", "Origin", s.URL)
		})
	}
	waitForLockWaiters(t, dbURL, inflight)

	s.signal(t, syscall.SIGTERM)
	refused := eventually(5*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	if !refused {
		t.Error("the server still accepts connections 5 s after SIGTERM")
	}
	time.Sleep(300 * time.Millisecond)
	if s.exited() {
		t.Fatalf("the server exited (%v) with %d logins in flight", s.err, inflight)
	}

	unlock()
	wg.Wait()
	for i, r := range results {
		if r.Err != nil || r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account" || !strings.Contains(r.Header.Get("Set-Cookie"), "session=") {
			t.Errorf("in-flight login %d: %d to %q (%v), want 303 to /account with a session", i, r.Status, r.Header.Get("Location"), r.Err)
		}
	}
	if code := s.waitExit(t, 30*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM sessions`); n != inflight {
		t.Errorf("%d sessions after the drain, want %d: in-flight work was cut short", n, inflight)
	}
}

// lockRows runs query (a SELECT ... FOR UPDATE) in a transaction of its
// own and returns the function that ends it, releasing the rows. Until
// then, whoever else writes those rows waits in PostgreSQL: a request or a
// job held mid-way, deterministically.
func lockRows(t *testing.T, dbURL, query string, args ...any) (unlock func()) {
	t.Helper()
	ctx := context.Background()
	tx, err := dbConn(t, dbURL).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, query, args...); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	unlock = func() {
		once.Do(func() {
			if err := tx.Rollback(ctx); err != nil {
				t.Errorf("releasing the lock: %v", err)
			}
		})
	}
	t.Cleanup(unlock)
	return unlock
}

// waitForLockWaiters waits until n sessions of the database wait for a lock.
func waitForLockWaiters(t *testing.T, dbURL string, n int) {
	t.Helper()
	conn := dbConn(t, dbURL)
	got := 0
	ok := eventually(30*time.Second, func() bool {
		got = queryInt(t, conn, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
		return got >= n
	})
	if !ok {
		t.Fatalf("%d of %d requests reached the locked row within 30 s", got, n)
	}
}

// TestSIGTERMToTheWorkerFinishesOrRequeuesItsRunningJob sends SIGTERM to
// the worker binary while it is in the middle of sending a mail (the SMTP
// server holds the conversation). Released within the grace period, the job
// finishes and the worker exits 0; still stuck when the grace period ends,
// the job is cancelled, re-queued and sent once by the next worker.
func TestSIGTERMToTheWorkerFinishesOrRequeuesItsRunningJob(t *testing.T) {
	t.Parallel()
	dbURL := dbtest.NewURL(t)
	sink := startSMTPSink(t)
	env := baseEnv(t, dbURL)
	env["SMTP_URL"] = sink.URL()
	s := startServer(t, env)
	conn := dbConn(t, dbURL)

	t.Run("a job running at SIGTERM finishes within the grace period", func(t *testing.T) {
		createUser(t, env, "finish@example.com")
		sink.hold()
		id := requestPasswordReset(t, s, conn, "finish@example.com")
		w := startWorker(t, "worker (finishes)", withEnv(env, "APP_SHUTDOWN_TIMEOUT", "30s"))
		sink.waitHeld(t, 30*time.Second)
		w.signal(t, syscall.SIGTERM)
		time.Sleep(500 * time.Millisecond)
		if w.exited() {
			t.Fatalf("the worker exited (%v) while its job was running", w.err)
		}
		sink.release()
		if code := w.waitExit(t, 30*time.Second); code != 0 {
			t.Errorf("worker exit code %d, want 0", code)
		}
		if n := len(sink.messagesWithID(id)); n != 1 {
			t.Errorf("the mail arrived %d times, want once", n)
		}
		if sent := queryInt(t, conn, `SELECT count(*) FROM mail_outbox WHERE id = $1 AND sent_at IS NOT NULL`, id); sent != 1 {
			t.Error("the mail is not marked sent")
		}
	})
	t.Run("a job still running when the grace period ends is re-queued and sent once by the next worker", func(t *testing.T) {
		createUser(t, env, "requeue@example.com")
		sink.hold()
		id := requestPasswordReset(t, s, conn, "requeue@example.com")
		w := startWorker(t, "worker (grace ends)", withEnv(env, "APP_SHUTDOWN_TIMEOUT", "1s"))
		sink.waitHeld(t, 30*time.Second)
		w.signal(t, syscall.SIGTERM)
		if code := w.waitExit(t, 30*time.Second); code != 0 {
			t.Errorf("worker exit code %d after a cut-short job, want 0", code)
		}
		if state := mailJobState(t, conn, id); state != "retryable" && state != "available" {
			t.Fatalf("the cut-short job is %q, want it re-queued (retryable or available)", state)
		}
		sink.release()
		if n := len(sink.messagesWithID(id)); n != 0 {
			t.Fatalf("the held conversation delivered the mail (%d) after the worker gave it up", n)
		}
		w2 := startWorker(t, "worker (next)", env)
		if !eventually(45*time.Second, func() bool { return len(sink.messagesWithID(id)) > 0 }) {
			t.Fatalf("the re-queued mail was not sent within 45 s (job %q)", mailJobState(t, conn, id))
		}
		waitJobFinalized(t, conn, id)
		if n := len(sink.messagesWithID(id)); n != 1 {
			t.Errorf("the mail arrived %d times, want once", n)
		}
		w2.signal(t, syscall.SIGTERM)
		if code := w2.waitExit(t, 30*time.Second); code != 0 {
			t.Errorf("second worker exit code %d, want 0", code)
		}
	})
}

// requestPasswordReset asks for a reset link for email, which queues one
// mail in the outbox, and returns the outbox row's id (the Message-ID's
// local part).
func requestPasswordReset(t *testing.T, s *server, conn *pgx.Conn, email string) string {
	t.Helper()
	br := newBrowser(t, "198.51.100.50")
	res := br.postForm(t, s.URL, "/password/forgot", "/password/forgot", url.Values{"email": {email}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("POST /password/forgot: %d", res.Status)
	}
	var id string
	err := conn.QueryRow(context.Background(),
		`SELECT id::text FROM mail_outbox WHERE to_address = $1 ORDER BY created_at DESC LIMIT 1`, email).Scan(&id)
	if err != nil {
		t.Fatalf("no mail queued for %s: %v", email, err)
	}
	return id
}

// mailJobState is the River state of the send job of outbox row id.
func mailJobState(t *testing.T, conn *pgx.Conn, id string) string {
	t.Helper()
	var state string
	err := conn.QueryRow(context.Background(),
		`SELECT state::text FROM river_job WHERE kind = 'mail_send' AND args->>'message_id' = $1`, id).Scan(&state)
	if err != nil {
		t.Fatalf("the send job of %s: %v", id, err)
	}
	return state
}

// waitJobFinalized waits until the send job of id is completed, so that a
// duplicate send, if any were coming, has had its chance.
func waitJobFinalized(t *testing.T, conn *pgx.Conn, id string) {
	t.Helper()
	if !eventually(15*time.Second, func() bool { return mailJobState(t, conn, id) == "completed" }) {
		t.Fatalf("the send job of %s is %q, not completed", id, mailJobState(t, conn, id))
	}
}

func withEnv(env map[string]string, kv ...string) map[string]string {
	out := maps.Clone(env)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}
