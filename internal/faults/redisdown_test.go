package faults

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/db/dbtest"
	"github.com/rampart-dev/rampart/internal/http/middleware"
)

// TestRedisStoppedMidTrafficDegradesAsDesignedAndRecovers kills the
// instance's Redis while requests flow, checks DESIGN.md's "Redis down"
// policy (ordinary limits fail open with a metric, auth limits fall back to
// memory, token revocation checks fail closed, /ready says so), then starts
// Redis again on the same port and checks that the instance recovers
// without a restart.
func TestRedisStoppedMidTrafficDegradesAsDesignedAndRecovers(t *testing.T) {
	t.Parallel()
	const authLimit = 4
	rs := startRedisServer(t)
	env := baseEnv(t, dbtest.NewURL(t))
	env["REDIS_URL"] = rs.URL()
	env["RATE_LIMIT_AUTH_PER_MINUTE"] = fmt.Sprint(authLimit)
	s := startServer(t, env)
	createUser(t, env, "redis@example.com")

	api := newBrowser(t, "198.51.100.20")
	tok := api.token(t, s.URL, "redis@example.com")
	me := func() response {
		return api.do(http.MethodGet, s.URL+"/api/v1/me", nil, "Authorization", "Bearer "+tok)
	}
	if res := retryUnavailable(me); res.Status != http.StatusOK {
		t.Fatalf("the token does not work with Redis up: %d %s", res.Status, res.Body)
	}
	if res := api.get(t, s.URL+"/ready"); res.Status != http.StatusOK || readyChecks(t, res.Body)["redis"] != "ok" {
		t.Fatalf("/ready with Redis up: %d %s", res.Status, res.Body)
	}

	load := startTraffic(newBrowser(t, "198.51.100.21"), s.URL+"/")
	time.Sleep(200 * time.Millisecond)
	rs.kill(t)
	time.Sleep(500 * time.Millisecond)

	checkRedisDownPolicy(t, s, me, authLimit)
	served := load.Stop()
	for i, r := range served {
		if r.Err != nil || r.Status != http.StatusOK || r.Elapsed > 2*time.Second {
			t.Errorf("background request %d across the outage: %d %v in %v", i, r.Status, r.Err, r.Elapsed)
		}
	}
	// go-redis reports a failed dial for nearly every command; the server
	// logs one such line per 10 s, not one per request.
	if n := strings.Count(s.out.String(), "msg=\"redis: "); n > 3 || len(served) < 20 {
		t.Errorf("%d go-redis warnings logged over %d requests during the outage: the log is flooded", n, len(served))
	}

	rs.start(t)
	recovered := eventually(20*time.Second, func() bool {
		res := api.do(http.MethodGet, s.URL+"/ready", nil)
		return res.Status == http.StatusOK && readyChecks(t, res.Body)["redis"] == "ok" && me().Status == http.StatusOK
	})
	if !recovered {
		res := me()
		t.Fatalf("20 s after Redis came back the instance has not recovered: /api/v1/me %d %s", res.Status, res.Body)
	}
}

// checkRedisDownPolicy checks DESIGN.md's "Redis down" decisions on s,
// whose Redis is down; me calls /api/v1/me with a valid access token.
func checkRedisDownPolicy(t *testing.T, s *server, me func() response, authLimit int) {
	t.Run("ordinary pages are still served, without waiting out the limiter's store timeout", func(t *testing.T) {
		var took []time.Duration
		for i := range 20 {
			res := newBrowser(t, fmt.Sprintf("198.51.100.%d", 100+i)).get(t, s.URL+"/")
			if res.Status != http.StatusOK {
				t.Fatalf("GET / with Redis down: %d", res.Status)
			}
			took = append(took, res.Elapsed)
		}
		// A refused connection must fail over at once, not after the
		// limiter's 100 ms StoreTimeout (go-redis retries a failed dial 5
		// times, 100 ms apart, unless told otherwise).
		slices.Sort(took)
		if median := took[len(took)/2]; median >= middleware.DefaultRateLimitStoreTimeout*4/5 {
			t.Errorf("with Redis down the median GET / took %v (all: %v)", median, took)
		}
	})
	t.Run("the auth limit falls back to memory and still refuses", func(t *testing.T) {
		statuses := loginAttempts(t, newBrowser(t, "198.51.100.22"), s.URL, authLimit+1)
		for i, st := range statuses[:authLimit] {
			if st != http.StatusUnprocessableEntity {
				t.Errorf("login %d of %d with Redis down: %d, want 422 (within the limit)", i+1, authLimit+1, st)
			}
		}
		if last := statuses[authLimit]; last != http.StatusTooManyRequests {
			t.Errorf("login %d with Redis down: %d, want 429: the auth limit must never be lifted", authLimit+1, last)
		}
	})
	t.Run("access tokens are refused while revocations cannot be checked", func(t *testing.T) {
		res := me()
		if res.Err != nil || (res.Status != http.StatusServiceUnavailable && res.Status != http.StatusUnauthorized) {
			t.Fatalf("/api/v1/me with a token and Redis down: %d %v %s, want 503 (or 401), never access", res.Status, res.Err, res.Body)
		}
		assertNoInternals(t, res)
	})
	t.Run("/ready reports Redis with its error", func(t *testing.T) {
		res := newBrowser(t, "").get(t, s.URL+"/ready")
		checks := readyChecks(t, res.Body)
		if res.Status != http.StatusServiceUnavailable || !strings.HasPrefix(checks["redis"], "error") || checks["postgres"] != "ok" {
			t.Errorf("/ready with Redis down: %d %s", res.Status, res.Body)
		}
	})
	t.Run("the failing limiter store is counted in /metrics", func(t *testing.T) {
		body := newBrowser(t, "").get(t, s.URL+"/metrics").Body
		for _, tier := range []string{"global", "auth"} {
			if n := metricValue(body, `rampart_ratelimit_store_errors_total{tier="`+tier+`"}`); n < 1 {
				t.Errorf("rampart_ratelimit_store_errors_total for tier %s is %v with Redis down", tier, n)
			}
		}
	})
}

// loginAttempts posts n failing logins (unknown addresses) one after the
// other and returns their statuses.
func loginAttempts(t *testing.T, br *browser, base string, n int) []int {
	t.Helper()
	token := csrfToken(t, br.get(t, base+"/login").Body)
	statuses := make([]int, n)
	for i := range statuses {
		form := url.Values{"email": {fmt.Sprintf("nobody-%d@example.com", i)}, "password": {testPassword}}
		statuses[i] = br.postWithToken(t, base, "/login", token, form).Status
	}
	return statuses
}

// assertNoInternals fails when an error response shows what only the logs
// should: addresses, driver errors, connection strings.
func assertNoInternals(t *testing.T, res response) {
	t.Helper()
	for _, leak := range []string{"dial tcp", "127.0.0.1:", "postgres://", "redis://", "connection refused", "pgx", "goroutine "} {
		if strings.Contains(res.Body, leak) {
			t.Errorf("the %d response shows internals (%q): %.300s", res.Status, leak, res.Body)
		}
	}
}

// metricValue reads one sample of a Prometheus text exposition (-1 when
// absent).
func metricValue(body, series string) float64 {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return -1
	}
	return v
}
