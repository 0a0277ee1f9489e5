package faults

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-dev/rampart/internal/db/dbtest"
)

// TestAWorkerKilledMidJobLeavesEachEffectOnce kills (SIGKILL) the worker
// binary while it is in the middle of two jobs: sending a mail (the SMTP
// server holds the conversation at RCPT TO, before DATA) and processing a
// Stripe webhook delivery (the test holds the delivery's row lock, so the
// processing transaction is open and waiting). Two new workers then compete
// for the jobs River rescues: the mail arrives exactly once, and the
// delivery's effect (a subscriptions row) is applied exactly once.
//
// River rescues a job left running only once RescueStuckJobsAfter (1 hour
// by default; the mail job's own timeout is 30 s) has passed since its
// attempt. The test makes that hour pass for the two jobs by moving their
// attempted_at back, rather than waiting or shortening the production
// setting; everything after that, leadership hand-over included, runs in
// real time.
func TestAWorkerKilledMidJobLeavesEachEffectOnce(t *testing.T) {
	t.Parallel()
	const email = "kill@example.com"
	dbURL := dbtest.NewURL(t)
	sink := startSMTPSink(t)
	env := baseEnv(t, dbURL)
	env["SMTP_URL"] = sink.URL()
	s := startServer(t, env)
	conn := dbConn(t, dbURL)
	createUser(t, env, email)

	// Both jobs are queued while no worker runs, then held mid-way.
	hookURL, secret := createStripeEndpoint(t, s, email)
	deliveryID := deliverStripeEvent(t, conn, hookURL, secret, "evt_faults_kill")
	mailID := requestPasswordReset(t, s, conn, email)
	sink.hold()
	unlock := lockRows(t, dbURL, `SELECT 1 FROM webhook_deliveries WHERE id = $1 FOR UPDATE`, deliveryID)

	w1 := startWorker(t, "worker 1 (killed)", env)
	sink.waitHeld(t, 30*time.Second)
	waitForLockWaiters(t, dbURL, 1)
	w1.kill(t)
	if st := mailJobState(t, conn, mailID); st != "running" {
		t.Fatalf("the killed worker's mail job is %q, want running (stuck)", st)
	}
	unlock()
	sink.release()
	time.Sleep(300 * time.Millisecond)
	if n := len(sink.messagesWithID(mailID)); n != 0 {
		t.Fatalf("the mail was delivered (%d) by a conversation that never reached DATA", n)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM subscriptions`); n != 0 {
		t.Fatalf("the killed worker's open transaction took effect: %d subscriptions", n)
	}

	rewindStuckJobs(t, conn, 2)
	startWorker(t, "worker 2", env)
	startWorker(t, "worker 3", env)
	done := eventually(90*time.Second, func() bool {
		return len(sink.messagesWithID(mailID)) > 0 && deliveryStatus(t, conn, deliveryID) == "processed"
	})
	if !done {
		t.Fatalf("90 s after the kill: mail job %q, %d messages, delivery %q", mailJobState(t, conn, mailID),
			len(sink.messagesWithID(mailID)), deliveryStatus(t, conn, deliveryID))
	}
	waitJobFinalized(t, conn, mailID)
	assertEffectsOnce(t, conn, sink, mailID, deliveryID)
}

// rewindStuckJobs moves the attempt of the running mail and webhook jobs two
// hours back, past River's RescueStuckJobsAfter, and checks that there were
// want of them.
func rewindStuckJobs(t *testing.T, conn *pgx.Conn, want int64) {
	t.Helper()
	tag, err := conn.Exec(context.Background(), `UPDATE river_job SET attempted_at = attempted_at - interval '2 hours'
		WHERE state = 'running' AND kind IN ('mail_send', 'webhook_process')`)
	if err != nil || tag.RowsAffected() != want {
		t.Fatalf("rewinding the stuck jobs: %v (%d rows, want %d)", err, tag.RowsAffected(), want)
	}
}

// assertEffectsOnce checks that the mail went out once (after two claims:
// the killed attempt and the rescue) and the delivery took effect once.
func assertEffectsOnce(t *testing.T, conn *pgx.Conn, sink *smtpSink, mailID, deliveryID string) {
	t.Helper()
	if n := len(sink.messagesWithID(mailID)); n != 1 {
		t.Errorf("the mail arrived %d times, want exactly once", n)
	}
	if n := queryInt(t, conn, `SELECT attempts FROM mail_outbox WHERE id = $1 AND sent_at IS NOT NULL`, mailID); n != 2 {
		t.Errorf("the sent mail records %d attempts, want 2 (the killed one and the rescue)", n)
	}
	if n := queryInt(t, conn, `SELECT attempts FROM webhook_deliveries WHERE id = $1`, deliveryID); n != 1 {
		t.Errorf("the delivery was processed %d times, want once", n)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM subscriptions WHERE id = 'sub_faults_kill' AND status = 'active'`); n != 1 {
		t.Errorf("%d subscription rows from the delivery, want 1", n)
	}
}

// createStripeEndpoint signs in as email and creates a Stripe webhook
// endpoint, returning its URL and its secret (shown once).
func createStripeEndpoint(t *testing.T, s *server, email string) (hookURL, secret string) {
	t.Helper()
	br := newBrowser(t, "198.51.100.60")
	br.login(t, s.URL, email)
	res := br.postForm(t, s.URL, "/account/webhooks", "/account/webhooks", url.Values{"name": {"billing"}, "provider": {"stripe"}})
	if res.Status != http.StatusOK {
		t.Fatalf("create webhook endpoint: %d", res.Status)
	}
	return elementText(t, res.Body, "webhook-url"), elementText(t, res.Body, "webhook-secret")
}

// deliverStripeEvent posts a customer.subscription.updated event signed as
// Stripe signs (HMAC-SHA256 of "t.body" under the secret) and returns the
// stored delivery's id.
func deliverStripeEvent(t *testing.T, conn *pgx.Conn, hookURL, secret, eventID string) string {
	t.Helper()
	now := time.Now().Unix()
	body := fmt.Sprintf(`{"id":%q,"object":"event","type":"customer.subscription.updated","created":%d,`+
		`"data":{"object":{"id":"sub_faults_kill","object":"subscription","customer":"cus_faults","status":"active",`+
		`"cancel_at_period_end":false,"current_period_end":%d,"items":{"data":[{"price":{"id":"price_faults"}}]}}}}`,
		eventID, now, now+30*24*3600)
	ts := strconv.FormatInt(now, 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + body))
	res := newBrowser(t, "").do(http.MethodPost, hookURL, strings.NewReader(body),
		"Content-Type", "application/json", "Stripe-Signature", "t="+ts+",v1="+hex.EncodeToString(mac.Sum(nil)))
	if res.Err != nil || res.Status/100 != 2 {
		t.Fatalf("webhook delivery: %d %v %s", res.Status, res.Err, res.Body)
	}
	var id string
	if err := conn.QueryRow(context.Background(), `SELECT id::text FROM webhook_deliveries WHERE delivery_id = $1`, eventID).Scan(&id); err != nil {
		t.Fatalf("the delivery was not stored: %v", err)
	}
	return id
}

func deliveryStatus(t *testing.T, conn *pgx.Conn, id string) string {
	t.Helper()
	var status string
	if err := conn.QueryRow(context.Background(), `SELECT status FROM webhook_deliveries WHERE id = $1`, id).Scan(&status); err != nil {
		t.Fatal(err)
	}
	return status
}
