package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/db/dbtest"
)

// TestTwoInstancesAgreeThroughOneRedisAndOnePostgreSQL runs two server
// processes on one database and one Redis, as two replicas behind a load
// balancer, and checks that everything DESIGN.md's "Scaling out" says must
// agree across replicas does.
//
// The Redis is a private redis-server, empty at start, rather than a DB
// index of the machine's: pub/sub channels are not per DB index, and a
// concurrent run of this package (two `make test` at once) would flush or
// count in the same keys.
func TestTwoInstancesAgreeThroughOneRedisAndOnePostgreSQL(t *testing.T) {
	t.Parallel()
	const authLimit = 6
	env := baseEnv(t, dbtest.NewURL(t))
	env["REDIS_URL"] = startRedisServer(t).URL()
	env["RATE_LIMIT_AUTH_PER_MINUTE"] = fmt.Sprint(authLimit)
	a, b := startServer(t, env), startServer(t, env)

	t.Run("the auth rate limit is counted once for both instances", func(t *testing.T) {
		t.Parallel()
		testSharedAuthLimit(t, a, b, authLimit)
	})
	t.Run("an access token revoked on one instance is refused on the other", func(t *testing.T) {
		t.Parallel()
		testTokenRevocationAcrossInstances(t, env, a, b)
	})
	t.Run("a session logged out on one instance is gone on the other", func(t *testing.T) {
		t.Parallel()
		testLogoutAcrossInstances(t, env, a, b)
	})
	t.Run("a session revoked on one instance is gone on the other", func(t *testing.T) {
		t.Parallel()
		testSessionRevocationAcrossInstances(t, env, a, b)
	})
	t.Run("an API key revoked on one instance stops working on both at once", func(t *testing.T) {
		t.Parallel()
		testAPIKeyRevocationAcrossInstances(t, env, a, b)
	})
}

// testTokenRevocationAcrossInstances: an access token from A works on B,
// then, revoked on A, is refused on both (the denylist is in Redis).
func testTokenRevocationAcrossInstances(t *testing.T, env map[string]string, a, b *server) {
	createUser(t, env, "tokens@example.com")
	br := newBrowser(t, "198.51.100.11")
	tok := br.token(t, a.URL, "tokens@example.com")
	me := func(s *server) response {
		return retryUnavailable(func() response { return br.api(t, http.MethodGet, s.URL+"/api/v1/me", tok, nil) })
	}
	if res := me(b); res.Status != http.StatusOK {
		t.Fatalf("B refuses A's token before any revocation: %d %s", res.Status, res.Body)
	}
	if res := br.api(t, http.MethodPost, a.URL+"/api/v1/auth/revoke", "", map[string]string{"token": tok}); res.Status != http.StatusNoContent {
		t.Fatalf("revoke on A: %d %s", res.Status, res.Body)
	}
	for name, s := range map[string]*server{"A": a, "B": b} {
		res := me(s)
		if res.Status != http.StatusUnauthorized || !strings.Contains(res.Body, "token_revoked") {
			t.Errorf("%s after the revocation: %d %s, want 401 token_revoked", name, res.Status, res.Body)
		}
	}
}

// testLogoutAcrossInstances: a session made on A works on B; after logging
// out on A, its cookie, replayed on B (a second tab, a copied cookie), is no
// session any more.
func testLogoutAcrossInstances(t *testing.T, env map[string]string, a, b *server) {
	createUser(t, env, "logout@example.com")
	x := newBrowser(t, "198.51.100.12")
	x.login(t, a.URL, "logout@example.com")
	if res := x.get(t, b.URL+"/account"); res.Status != http.StatusOK {
		t.Fatalf("B does not know A's session: %d", res.Status)
	}
	cookie := sessionCookie(t, x, a.URL)
	if res := x.postForm(t, a.URL, "/account", "/logout", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("logout on A: %d", res.Status)
	}
	res := newBrowser(t, "198.51.100.12").get(t, b.URL+"/account", "Cookie", "session="+cookie)
	if res.Status == http.StatusOK || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("B after logout on A: %d to %q, want a redirect to /login", res.Status, res.Header.Get("Location"))
	}
}

// testSessionRevocationAcrossInstances: one user signed in on A (x) and on B
// (y); y revokes x's session from B's sessions page, and A stops serving it.
func testSessionRevocationAcrossInstances(t *testing.T, env map[string]string, a, b *server) {
	createUser(t, env, "revoke@example.com")
	x, y := newBrowser(t, "198.51.100.13"), newBrowser(t, "198.51.100.14")
	x.login(t, a.URL, "revoke@example.com")
	y.login(t, b.URL, "revoke@example.com")
	page := y.get(t, b.URL+"/account/sessions")
	other := otherSessionID(t, page.Body)
	res := y.postWithToken(t, b.URL, "/account/sessions/"+other+"/revoke", csrfToken(t, page.Body), nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("revoke on B: %d", res.Status)
	}
	if res := x.get(t, a.URL+"/account"); res.Status == http.StatusOK || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("A serves the session revoked on B: %d to %q", res.Status, res.Header.Get("Location"))
	}
	if res := y.get(t, a.URL+"/account"); res.Status != http.StatusOK {
		t.Errorf("the revoking session itself stopped working on A: %d", res.Status)
	}
}

// testSharedAuthLimit sends 2×limit login POSTs from one client IP,
// alternating between the instances: exactly limit get past the limiter (a
// wrong password: 422), the others get 429. Two instances counting apart
// would let 2×limit through.
//
// DESIGN.md lets a request whose Redis call misses the limiter's 100 ms
// timeout be counted by its instance's memory instead; on a loaded machine
// that happens, and the total is then no longer exact. Such a burst (seen in
// rampart_ratelimit_store_errors_total) is repeated from a fresh client IP;
// the third is held only to the bound that policy allows: limit plus one per
// request counted in memory.
func testSharedAuthLimit(t *testing.T, a, b *server, limit int) {
	for attempt := 1; ; attempt++ {
		errs := authStoreErrors(t, a) + authStoreErrors(t, b)
		passed, limited := authBurst(t, a, b, fmt.Sprintf("198.51.100.%d", 200+attempt), 2*limit)
		missed := int(authStoreErrors(t, a) + authStoreErrors(t, b) - errs)
		switch {
		case missed == 0:
			if passed != limit || limited != limit {
				t.Errorf("%d logins over two instances: %d passed the limiter and %d were refused, want exactly %d and %d",
					2*limit, passed, limited, limit, limit)
			}
			return
		case attempt == 3:
			t.Logf("Redis missed the limiter's timeout in every burst; checking the fallback's bound only")
			if passed > limit+missed {
				t.Errorf("%d of %d logins passed with %d counted in memory, want at most %d", passed, 2*limit, missed, limit+missed)
			}
			return
		}
		t.Logf("burst %d: %d auth-limit calls missed Redis's timeout and were counted per instance; again", attempt, missed)
	}
}

// authBurst posts n failing logins from ip, alternating between a and b, one
// after the other, and counts the 422s (past the limiter) and 429s.
func authBurst(t *testing.T, a, b *server, ip string, n int) (passed, limited int) {
	t.Helper()
	br := newBrowser(t, ip)
	tokens := map[*server]string{}
	for _, s := range []*server{a, b} {
		tokens[s] = csrfToken(t, br.get(t, s.URL+"/login").Body)
	}
	for i := range n {
		s := []*server{a, b}[i%2]
		form := url.Values{"email": {fmt.Sprintf("nobody-%d@example.com", i)}, "password": {testPassword}}
		switch r := br.postWithToken(t, s.URL, "/login", tokens[s], form); r.Status {
		case http.StatusTooManyRequests:
			limited++
			if r.Header.Get("Retry-After") == "" {
				t.Errorf("login %d: 429 without Retry-After", i)
			}
		case http.StatusUnprocessableEntity:
			passed++
		default:
			t.Errorf("login %d: status %d, want 422 or 429", i, r.Status)
		}
	}
	return passed, limited
}

// authStoreErrors reads the auth tier's rate-limit store failures from s's
// /metrics.
func authStoreErrors(t *testing.T, s *server) float64 {
	t.Helper()
	body := newBrowser(t, "").get(t, s.URL+"/metrics").Body
	return max(metricValue(body, `rampart_ratelimit_store_errors_total{tier="auth"}`), 0)
}

// testAPIKeyRevocationAcrossInstances checks that B caches verified keys (a
// key revoked behind its back, in PostgreSQL alone, still works there for
// the cache TTL) and that a revocation through A reaches B's cache over
// Redis pub/sub within 2 s, far inside that TTL (apikey.DefaultCacheTTL,
// 30 s).
func testAPIKeyRevocationAcrossInstances(t *testing.T, env map[string]string, a, b *server) {
	createUser(t, env, "keys@example.com")
	br := newBrowser(t, "198.51.100.15")
	tok := br.token(t, a.URL, "keys@example.com")
	probe, probeID := createAPIKey(t, br, a.URL, tok, "probe")
	key, keyID := createAPIKey(t, br, a.URL, tok, "revoked")
	for _, s := range []*server{a, b, a, b} {
		for _, k := range []string{probe, key} {
			if res := br.api(t, http.MethodGet, s.URL+"/api/v1/me", k, nil); res.Status != http.StatusOK {
				t.Fatalf("a new key is refused at %s: %d %s", s.URL, res.Status, res.Body)
			}
		}
	}

	conn := dbConn(t, env["DATABASE_URL"])
	if _, err := conn.Exec(context.Background(), `UPDATE api_keys SET revoked_at = now() WHERE id = $1`, probeID); err != nil {
		t.Fatal(err)
	}
	if res := br.api(t, http.MethodGet, b.URL+"/api/v1/me", probe, nil); res.Status != http.StatusOK {
		t.Fatalf("B does not cache keys (a key revoked in PostgreSQL alone is refused at once: %d), so this test cannot tell pub/sub from no cache", res.Status)
	}

	if res := br.api(t, http.MethodDelete, a.URL+"/api/v1/api-keys/"+keyID, tok, nil); res.Status != http.StatusNoContent {
		t.Fatalf("revoke on A: %d %s", res.Status, res.Body)
	}
	if res := br.api(t, http.MethodGet, a.URL+"/api/v1/me", key, nil); res.Status != http.StatusUnauthorized {
		t.Errorf("A still accepts the key it revoked: %d", res.Status)
	}
	start := time.Now()
	refused := eventually(2*time.Second, func() bool {
		return br.api(t, http.MethodGet, b.URL+"/api/v1/me", key, nil).Status == http.StatusUnauthorized
	})
	if !refused {
		t.Errorf("B still accepts the key revoked on A after %v", time.Since(start).Round(time.Millisecond))
	}
}

func createAPIKey(t *testing.T, br *browser, base, tok, name string) (key, id string) {
	t.Helper()
	res := br.api(t, http.MethodPost, base+"/api/v1/api-keys", tok, map[string]any{"name": name, "scopes": []string{"read"}})
	var out struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	if res.Status != http.StatusCreated || json.Unmarshal([]byte(res.Body), &out) != nil || out.Key == "" {
		t.Fatalf("create API key: %d %s", res.Status, res.Body)
	}
	return out.Key, out.ID
}

// sessionCookie is the value of br's session cookie for base.
func sessionCookie(t *testing.T, br *browser, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range br.hc.Jar.Cookies(u) {
		if c.Name == "session" {
			return c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

var sessionItem = regexp.MustCompile(`<li[^>]*data-session-id="([0-9a-f-]{36})"[^>]*>`)

// otherSessionID finds, on /account/sessions, the one session that is not
// the current one.
func otherSessionID(t *testing.T, page string) string {
	t.Helper()
	var others []string
	for _, m := range sessionItem.FindAllStringSubmatch(page, -1) {
		if !strings.Contains(m[0], "session-current") {
			others = append(others, m[1])
		}
	}
	if len(others) != 1 {
		t.Fatalf("want exactly one other session on the page, found %d", len(others))
	}
	return others[0]
}
