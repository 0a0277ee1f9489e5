package faults

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// failFast bounds a request while PostgreSQL is down: a refused connection
// must turn into a 503 at once, not after a hang (the pool's connect
// timeout is 5 s).
const failFast = 5 * time.Second

// TestPostgreSQLRestartedMidTrafficFailsFastAndRecovers stops the
// instance's PostgreSQL while a signed-in browser keeps loading its account
// page, checks that nothing is granted, leaked or left hanging while it is
// down, then starts it again and checks that the pool recovers without a
// restart of the server.
func TestPostgreSQLRestartedMidTrafficFailsFastAndRecovers(t *testing.T) {
	t.Parallel()
	pg := startPGCluster(t)
	env := baseEnv(t, pg.URL())
	serverBin, _ := binaries(t)
	runCommand(t, serverBin, env, "", "migrate", "up")
	createUser(t, env, "pg@example.com")
	s := startServer(t, env)

	br := newBrowser(t, "198.51.100.30")
	br.login(t, s.URL, "pg@example.com")
	tok := newBrowser(t, "198.51.100.32").token(t, s.URL, "pg@example.com") // no cookie: a header-only API client
	if res := br.get(t, s.URL+"/account"); res.Status != http.StatusOK {
		t.Fatalf("/account before the restart: %d", res.Status)
	}
	load := startTraffic(br, s.URL+"/account")
	time.Sleep(200 * time.Millisecond)
	pg.stop(t)

	anonymous := newBrowser(t, "198.51.100.31")
	loginPage := anonymous.get(t, s.URL+"/login")
	if loginPage.Status != http.StatusOK {
		t.Fatalf("the login page needs the database: %d", loginPage.Status)
	}
	checks := []struct {
		name string
		send func() response
		want int
	}{
		{"an account page with a valid session cookie is 503", func() response {
			return br.do(http.MethodGet, s.URL+"/account", nil)
		}, http.StatusServiceUnavailable},
		{"the sessions page is 503", func() response {
			return br.do(http.MethodGet, s.URL+"/account/sessions", nil)
		}, http.StatusServiceUnavailable},
		{"a login is 503", func() response {
			form := url.Values{"email": {"pg@example.com"}, "password": {testPassword}, "csrf_token": {csrfToken(t, loginPage.Body)}}
			return anonymous.do(http.MethodPost, s.URL+"/login", strings.NewReader(form.Encode()),
				"Content-Type", "application/x-www-form-urlencoded", "Origin", s.URL)
		}, http.StatusServiceUnavailable},
		{"an API call with a valid access token is 503", func() response {
			return br.do(http.MethodGet, s.URL+"/api/v1/me", nil, "Authorization", "Bearer "+tok, "Accept", "application/json")
		}, http.StatusServiceUnavailable},
		{"the landing page, which needs no database, is 200", func() response {
			return anonymous.do(http.MethodGet, s.URL+"/", nil)
		}, http.StatusOK},
		{"liveness is 200", func() response {
			return anonymous.do(http.MethodGet, s.URL+"/health", nil)
		}, http.StatusOK},
	}
	for _, tc := range checks {
		t.Run("with PostgreSQL down "+tc.name, func(t *testing.T) {
			res := tc.send()
			if res.Err != nil || res.Status != tc.want || res.Elapsed > failFast {
				t.Fatalf("got %d (%v) in %v, want %d within %v: %.300s", res.Status, res.Err, res.Elapsed.Round(time.Millisecond), tc.want, failFast, res.Body)
			}
			assertNoInternals(t, res)
		})
	}
	t.Run("with PostgreSQL down /ready says so", func(t *testing.T) {
		res := anonymous.get(t, s.URL+"/ready")
		if res.Status != http.StatusServiceUnavailable || !strings.HasPrefix(readyChecks(t, res.Body)["postgres"], "error") {
			t.Errorf("/ready: %d %s", res.Status, res.Body)
		}
	})

	pg.start(t)
	if !eventually(30*time.Second, func() bool { return br.do(http.MethodGet, s.URL+"/account", nil).Status == http.StatusOK }) {
		t.Fatal("30 s after PostgreSQL came back, /account with the session cookie is still not 200")
	}
	if res := anonymous.get(t, s.URL+"/ready"); res.Status != http.StatusOK {
		t.Errorf("/ready after the restart: %d %s", res.Status, res.Body)
	}
	for i, r := range load.Stop() {
		if r.Err != nil || (r.Status != http.StatusOK && r.Status != http.StatusServiceUnavailable) || r.Elapsed > failFast {
			t.Errorf("background request %d across the restart: %d %v in %v: %.200s", i, r.Status, r.Err, r.Elapsed, r.Body)
		}
	}
}
