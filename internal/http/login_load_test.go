package http

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	rtmetrics "runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/password"
	"github.com/rampart-dev/rampart/internal/auth/session"
	"github.com/rampart-dev/rampart/internal/auth/signedurl"
	"github.com/rampart-dev/rampart/internal/db/dbtest"
	"github.com/rampart-dev/rampart/internal/logging"
	"github.com/rampart-dev/rampart/internal/mail"
	"github.com/rampart-dev/rampart/web"
)

// The memory bound of TestTwoHundredConcurrentLoginsStayUnderAMemoryBound.
//
// One argon2id hash with password.DefaultParams allocates its whole 19 MiB
// matrix up front and holds it until it returns. Without the Hasher's
// semaphore, 200 parallel logins would hold 200 x 19 MiB = 3,800 MiB
// (3.7 GiB) at once; with it, at most GOMAXPROCS hashes run, so at most
// GOMAXPROCS x 19 MiB of matrices is in use. The Go runtime maps more than
// that: a matrix allocated while a GC cycle is marking counts as live in
// that cycle (so a slot can have two live matrices), and GOGC=100 lets the
// heap grow to twice the live heap before collecting. Hence 4 matrices per
// slot, plus loginMemoryBase: twice the ~16 MiB of everything else that is
// live (templates, pgx, 200 connections), with room for goroutine stacks,
// runtime metadata and fragmentation.
//
// On two cores the bound is 216 MiB; the test measured 142-186 MiB there,
// and 2.7-3.7 GiB with a Hasher of 200 slots. The bound stops telling the
// two apart only from about 35 cores up, where 200 logins no longer need
// the semaphore much anyway. A GOGC above 100 raises the peak.
const (
	concurrentLogins   = 200
	argon2MatrixBytes  = 19 << 20 // password.DefaultParams().Memory KiB
	loginMemoryBase    = 64 << 20
	loginMemoryPerSlot = 4 * argon2MatrixBytes
)

// newLoginLoadServer is the real handler as newAccountServer builds it, but
// for load: the account service hashes with hasher (the production
// parameters, not cheapHashParams), lockout never triggers (a locked account
// would turn correct passwords into 422s and the failure count is not what
// is measured), the rate limits never answer 429, and the log goes to logOut.
// It takes a testing.TB so benchmarks can use it.
func newLoginLoadServer(tb testing.TB, hasher *password.Hasher, logOut io.Writer) (http.Handler, *account.Service) {
	tb.Helper()
	pool := dbtest.New(tb)
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := signedurl.New(bytes.Repeat([]byte{'s'}, signedurl.MinKeySize))
	if err != nil {
		tb.Fatal(err)
	}
	base, _ := url.Parse(testOrigin)
	box, codes := testAtRestKeys(tb)
	accounts, err := account.New(account.Config{
		Pool: pool, Hasher: hasher, Seal: box, Recovery: codes, Signer: signer, Outbox: mail.NewOutbox(rc),
		Sessions: session.NewStore(pool, nil), BaseURL: base,
		MaxFailures: math.MaxInt32, Lockout: 15 * time.Minute,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tb.Fatal(err)
	}
	h, err := NewHandler(Options{
		Logger: logging.New(logOut, logging.FormatJSON, slog.LevelInfo),
		Pool:   pool, Assets: must(web.NewAssets()), Registry: NewRegistry(),
		CSRFKey: testCSRFKey, BaseURL: base, Accounts: accounts,
		RateLimitAuthPerMinute: 1_000_000, RateLimitRequestsPerMinute: 1_000_000,
	})
	if err != nil {
		tb.Fatalf("NewHandler: %v", err)
	}
	return h, accounts
}

// signUpLoadUser creates an account for email with strongPassword. Login
// does not require a verified address, so the verification mail is left.
func signUpLoadUser(tb testing.TB, accounts *account.Service, email string) {
	tb.Helper()
	if err := accounts.SignUp(context.Background(), email, strongPassword, account.RequestMeta{IP: "127.0.0.1"}); err != nil {
		tb.Fatalf("sign up %s: %v", email, err)
	}
}

// mintLoginForm does what a browser opening the login page does: GET
// /login, keeping the pre-session CSRF cookie and the form's token.
func mintLoginForm(tb testing.TB, h http.Handler) (*http.Cookie, string) {
	tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, testOrigin+"/login", nil))
	res := rec.Result()
	m := csrfRE.FindStringSubmatch(rec.Body.String())
	var binding *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "csrf" {
			binding = &http.Cookie{Name: ck.Name, Value: ck.Value}
		}
	}
	if res.StatusCode != http.StatusOK || m == nil || binding == nil {
		tb.Fatalf("GET /login = %d without a csrf_token field or a csrf cookie", res.StatusCode)
	}
	return binding, html.UnescapeString(m[1])
}

func loginForm(token, email, pw string) string {
	return url.Values{"csrf_token": {token}, "email": {email}, "password": {pw}}.Encode()
}

// BenchmarkLogin is POST /login through the whole stack with the production
// argon2id parameters. The three cases should cost about the same: an
// unknown address is verified against a stand-in hash so that timing does
// not tell it from a wrong password (anti-enumeration). Each iteration gets
// its own pre-session cookie and token, minted before the timer starts.
func BenchmarkLogin(b *testing.B) {
	h, accounts := newLoginLoadServer(b, password.NewHasher(password.DefaultParams(), 0, 0), io.Discard)
	signUpLoadUser(b, accounts, "ada@example.com")
	cases := []struct {
		name, email, password string
		want                  int
	}{
		{"correct password", "ada@example.com", strongPassword, http.StatusSeeOther},
		{"wrong password", "ada@example.com", otherPassword, http.StatusUnprocessableEntity},
		{"unknown email", "nobody@example.com", strongPassword, http.StatusUnprocessableEntity},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			reqs := make([]*http.Request, b.N)
			for i := range reqs {
				ck, token := mintLoginForm(b, h)
				reqs[i] = httptest.NewRequest(http.MethodPost, testOrigin+"/login", strings.NewReader(loginForm(token, bc.email, bc.password)))
				reqs[i].Header.Set("Content-Type", "application/x-www-form-urlencoded")
				reqs[i].AddCookie(ck)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for _, req := range reqs {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != bc.want {
					b.Fatalf("status %d, want %d: %.300s", rec.Code, bc.want, rec.Body.String())
				}
			}
		})
	}
}

// memoryPeak is the highest value of each runtime metric a sampler saw, and
// the Go memory total when it started.
type memoryPeak struct{ start, total, heapObjects, heapLive uint64 }

// sampleMemory reads runtime/metrics every interval until the returned
// stop is called; stop takes a last sample and returns the peaks.
func sampleMemory(every time.Duration) (stop func() memoryPeak) {
	samples := []rtmetrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/gc/heap/live:bytes"},
	}
	var peak memoryPeak
	read := func() {
		rtmetrics.Read(samples)
		peak.total = max(peak.total, samples[0].Value.Uint64())
		peak.heapObjects = max(peak.heapObjects, samples[1].Value.Uint64())
		peak.heapLive = max(peak.heapLive, samples[2].Value.Uint64())
	}
	read()
	peak.start = peak.total
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			read()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() memoryPeak {
		close(done)
		<-finished
		read()
		return peak
	}
}

// loginAttempt is one browser's login: its CSRF cookie and token, and what
// it types.
type loginAttempt struct {
	email, password string
	correct         bool
	csrf            *http.Cookie
	token           string
}

// loginAnswer is what the browser got back.
type loginAnswer struct {
	status                      int
	location, retryAfter, token string // token: the session cookie, if any
	err                         error
}

// loadAttempts mints n logins, cycling through a correct password, a wrong
// one and an unknown address, spread over users.
func loadAttempts(t *testing.T, h http.Handler, users []string, n int) []loginAttempt {
	t.Helper()
	attempts := make([]loginAttempt, n)
	for i := range attempts {
		a := loginAttempt{email: users[i%len(users)], password: strongPassword, correct: i%3 == 0}
		switch i % 3 {
		case 1:
			a.password = otherPassword
		case 2:
			a.email = "nobody@example.com"
		}
		a.csrf, a.token = mintLoginForm(t, h)
		attempts[i] = a
	}
	return attempts
}

// loadClient talks to srv without following redirects, and gives up on an
// answer after 50 s (the Hasher's wait bound is 5 s).
func loadClient(srv *httptest.Server) *http.Client {
	client := *srv.Client()
	client.Timeout = 50 * time.Second
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client
}

// fireLogins sends every attempt at once, each on its own connection, and
// waits for all the answers.
func fireLogins(client *http.Client, base string, attempts []loginAttempt) []loginAnswer {
	answers := make([]loginAnswer, len(attempts))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, a := range attempts {
		wg.Go(func() {
			<-start
			answers[i] = postLogin(client, base, a)
		})
	}
	close(start)
	wg.Wait()
	return answers
}

func postLogin(client *http.Client, base string, a loginAttempt) loginAnswer {
	req, err := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(loginForm(a.token, a.email, a.password)))
	if err != nil {
		return loginAnswer{err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(a.csrf)
	res, err := client.Do(req)
	if err != nil {
		return loginAnswer{err: err}
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return loginAnswer{err: err}
	}
	ans := loginAnswer{status: res.StatusCode, location: res.Header.Get("Location"), retryAfter: res.Header.Get("Retry-After")}
	for _, ck := range res.Cookies() {
		if ck.Name == "session" && ck.MaxAge > 0 {
			ans.token = ck.Value
		}
	}
	return ans
}

// TestTwoHundredConcurrentLoginsStayUnderAMemoryBound fires 200 logins at
// once at the real server with the production argon2id parameters: the
// Hasher's semaphore must keep Go's memory near GOMAXPROCS matrices, and
// the overflow must be 503s with Retry-After, never 500s or dropped
// connections. It does not call t.Parallel: the other tests of the package
// (paused in t.Parallel until the sequential ones finish) would otherwise
// add their memory and CPU to the measurement.
func TestTwoHundredConcurrentLoginsStayUnderAMemoryBound(t *testing.T) {
	if testing.Short() {
		t.Skip("200 production-cost argon2id hashes: not in -short")
	}
	log := &logBuffer{}
	h, accounts := newLoginLoadServer(t, password.NewHasher(password.DefaultParams(), 0, 0), log)
	users := []string{"ada@example.com", "bob@example.com", "cyd@example.com", "dee@example.com"}
	for _, u := range users {
		signUpLoadUser(t, accounts, u)
	}
	attempts := loadAttempts(t, h, users, concurrentLogins)
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := loadClient(srv)

	runtime.GC() // the setup's five hashes left garbage: free it before measuring
	stop := sampleMemory(2 * time.Millisecond)
	began := time.Now()
	answers := fireLogins(client, srv.URL, attempts)
	elapsed := time.Since(began)
	peak := stop()

	slots := runtime.GOMAXPROCS(0)
	bound := uint64(loginMemoryBase + slots*loginMemoryPerSlot)
	t.Logf("%d logins in %v; Go memory %.1f MiB before, peak %.1f MiB (bound %.0f MiB); peak heap objects %.1f MiB, peak live heap %.1f MiB",
		len(attempts), elapsed.Round(time.Millisecond), mib(peak.start), mib(peak.total), mib(bound), mib(peak.heapObjects), mib(peak.heapLive))
	if peak.total > bound {
		t.Errorf("peak Go memory (/memory/classes/total:bytes) %.1f MiB is over the bound of %.0f MiB: are hashes running beyond the %d semaphore slots?",
			mib(peak.total), mib(bound), slots)
	}
	checkLoginAnswers(t, h, attempts, answers)
	checkLoginAfterFlood(t, h, client, srv.URL, users[0])
	for _, rec := range log.records(t, "request failed") {
		if e, _ := rec["error"].(string); !strings.Contains(e, password.ErrBusy.Error()) {
			t.Errorf("a request failed for another reason than a saturated hasher: %v", rec)
		}
	}
}

// checkLoginAnswers allows 303 to /account with a new, working session
// cookie for a correct password, 422 for a wrong one or an unknown address,
// and 503 with Retry-After for either; nothing else. The first logins take
// the free slots without waiting, so they cannot all be 503s.
func checkLoginAnswers(t *testing.T, h http.Handler, attempts []loginAttempt, answers []loginAnswer) {
	t.Helper()
	seen := map[string]bool{}
	var signedIn, refused, busy int
	for i, a := range attempts {
		ans := answers[i]
		switch {
		case ans.err != nil:
			t.Errorf("login %d: transport error: %v", i, ans.err)
		case ans.status == http.StatusServiceUnavailable:
			busy++
			if ans.retryAfter == "" {
				t.Errorf("login %d: 503 without Retry-After", i)
			}
		case a.correct && ans.status == http.StatusSeeOther:
			signedIn++
			if ans.location != "/account" || ans.token == "" || seen[ans.token] {
				t.Errorf("login %d: 303 to %q with session cookie %q (seen before: %v); want /account and a new cookie",
					i, ans.location, ans.token, seen[ans.token])
			}
			seen[ans.token] = true
			checkSessionWorks(t, h, ans.token, a.email)
		case !a.correct && ans.status == http.StatusUnprocessableEntity:
			refused++
		default:
			t.Errorf("login %d (%s, correct password %v): status %d, want %s or 503",
				i, a.email, a.correct, ans.status, map[bool]string{true: "303", false: "422"}[a.correct])
		}
	}
	t.Logf("%d signed in (303), %d refused (422), %d told to retry (503)", signedIn, refused, busy)
	if signedIn+refused == 0 {
		t.Error("every login was refused with 503: none got a hasher slot")
	}
}

// checkLoginAfterFlood checks that a correct login for email is served once
// the flood is over and the slots are free. (How many correct logins the
// flood itself lets through depends on the machine: under -race most get
// 503.)
func checkLoginAfterFlood(t *testing.T, h http.Handler, client *http.Client, base, email string) {
	t.Helper()
	a := loginAttempt{email: email, password: strongPassword, correct: true}
	a.csrf, a.token = mintLoginForm(t, h)
	ans := postLogin(client, base, a)
	if ans.status != http.StatusSeeOther || ans.location != "/account" || ans.token == "" {
		t.Errorf("a login after the flood: status %d to %q, session cookie %q, error %v; want 303 to /account with a cookie",
			ans.status, ans.location, ans.token, ans.err)
		return
	}
	checkSessionWorks(t, h, ans.token, email)
}

// checkSessionWorks fails the test unless token opens email's account page.
func checkSessionWorks(t *testing.T, h http.Handler, token, email string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, testOrigin+"/account", nil)
	req.AddCookie(&http.Cookie{Name: "session", Value: token})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), html.EscapeString(email)) {
		t.Errorf("GET /account with the new session cookie: status %d without %s", rec.Code, email)
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }
