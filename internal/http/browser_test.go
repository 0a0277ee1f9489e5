package http

import (
	"bytes"
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/apikey"
	"github.com/rampart-dev/rampart/internal/auth/jwt"
	"github.com/rampart-dev/rampart/internal/auth/keys"
	"github.com/rampart-dev/rampart/internal/auth/password"
	"github.com/rampart-dev/rampart/internal/auth/perms"
	"github.com/rampart-dev/rampart/internal/auth/recovery"
	"github.com/rampart-dev/rampart/internal/auth/seal"
	"github.com/rampart-dev/rampart/internal/auth/session"
	"github.com/rampart-dev/rampart/internal/auth/signedurl"
	"github.com/rampart-dev/rampart/internal/inbound"
	"github.com/rampart-dev/rampart/internal/mail"
)

// Passwords the strength policy accepts.
const (
	strongPassword = "plum orbit kettle quasar"
	otherPassword  = "granite Tulip 58 harbor"
	thirdPassword  = "velvet-lantern-orbit-92"
)

// testOrigin is where test requests are sent (httptest's default host) and
// the APP_BASE_URL mail links are built on.
const testOrigin = "http://example.com"

// testMaxFailures is LOGIN_MAX_FAILURES in the account tests.
const testMaxFailures = 3

// cheapHashParams keep argon2 fast in tests; the code path is the same.
var cheapHashParams = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// newAccounts builds the account service the way cmd/server does, on pool:
// an insert-only River client behind the outbox, sessions in PostgreSQL.
func newAccounts(t testing.TB, pool *pgxpool.Pool) *account.Service {
	t.Helper()
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signedurl.New(bytes.Repeat([]byte{'s'}, signedurl.MinKeySize))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(testOrigin)
	box, codes := testAtRestKeys(t)
	svc, err := account.New(account.Config{
		Pool:        pool,
		Seal:        box,
		Recovery:    codes,
		Hasher:      password.NewHasher(cheapHashParams, 0, 0),
		Signer:      signer,
		Outbox:      mail.NewOutbox(rc),
		Sessions:    session.NewStore(pool, nil),
		BaseURL:     base,
		MaxFailures: testMaxFailures,
		Lockout:     15 * time.Minute,
		Logger:      slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// testAtRestKeys are the encryption of TOTP secrets and the recovery-code
// HMAC, keyed from a fixed test master key.
func testAtRestKeys(tb testing.TB) (*seal.Box, *recovery.Hasher) {
	tb.Helper()
	master := bytes.Repeat([]byte{'m'}, keys.MinMasterSize)
	k, err := seal.KeyFromMaster(master)
	if err != nil {
		tb.Fatal(err)
	}
	box, err := seal.New(k)
	if err != nil {
		tb.Fatal(err)
	}
	rk, err := keys.Derive(master, keys.RecoveryCode)
	if err != nil {
		tb.Fatal(err)
	}
	codes, err := recovery.NewHasher(rk)
	if err != nil {
		tb.Fatal(err)
	}
	return box, codes
}

// newAPIAuth builds the API key and token services the way cmd/server
// does, on pool (and rdb when not nil), with fixed test keys.
func newAPIAuth(tb testing.TB, pool *pgxpool.Pool, rdb *redis.Client) (*apikey.Service, *jwt.Service) {
	tb.Helper()
	master := bytes.Repeat([]byte{'m'}, keys.MinMasterSize)
	hmacKey, err := keys.Derive(master, keys.APIKey)
	if err != nil {
		tb.Fatal(err)
	}
	ak, err := apikey.New(apikey.Config{Pool: pool, HMACKey: hmacKey, Redis: rdb, Channel: "rampart:test:apikey:" + uuid.NewString()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ak.Close() })
	jk, err := jwt.KeyFromMaster(master)
	if err != nil {
		tb.Fatal(err)
	}
	tokens, err := jwt.New(jwt.Config{
		Pool: pool, Key: jk, Denylist: jwt.NewDenylist(rdb, "rampart:test:jwt:"+uuid.NewString()+":", nil),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return ak, tokens
}

// newWebhooks builds the inbound webhook service on pool, with an
// insert-only River client (jobs are queued, not worked) and the test keys.
func newWebhooks(tb testing.TB, pool *pgxpool.Pool) *inbound.Service {
	tb.Helper()
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	box, _ := testAtRestKeys(tb)
	base, _ := url.Parse(testOrigin)
	hooks, err := inbound.New(inbound.Config{Pool: pool, Seal: box, Jobs: rc, BaseURL: base, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	return hooks
}

// newAccountServer is newTestServer with the account pages: the real
// service, a generous auth limit (tests that count it set their own) and
// APP_BASE_URL at testOrigin.
func newAccountServer(t *testing.T, change func(*Options)) *testServer {
	t.Helper()
	return newTestServer(t, func(o *Options) {
		o.Accounts = newAccounts(t, o.Pool)
		o.APIKeys, o.Tokens = newAPIAuth(t, o.Pool, o.Redis)
		o.Perms = perms.NewStore(o.Pool)
		o.Webhooks = newWebhooks(t, o.Pool)
		o.RateLimitAuthPerMinute = 100000
		o.RateLimitRequestsPerMinute = 100000
		o.BaseURL, _ = url.Parse(testOrigin)
		if change != nil {
			change(o)
		}
	})
}

// browser is one browser talking to the test server: it keeps cookies, and
// fills in CSRF tokens the way a form would.
type browser struct {
	t      *testing.T
	s      *testServer
	jar    *cookiejar.Jar
	remote string // the TCP peer, "ip:port"
	ua     string
}

func (s *testServer) browser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, s: s, jar: jar, remote: "127.0.0.1:40000",
		ua: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}
}

var origin, _ = url.Parse(testOrigin)

// do sends req with the browser's cookies and keeps the ones it gets back.
// Redirects are not followed.
func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	req.RemoteAddr = b.remote
	req.Header.Set("User-Agent", b.ua)
	for _, ck := range b.jar.Cookies(origin) {
		req.AddCookie(ck)
	}
	res, body := b.s.do(b.t, req)
	b.jar.SetCookies(origin, res.Cookies())
	return res, body
}

func (b *browser) get(target string) (*http.Response, string) {
	b.t.Helper()
	return b.do(httptest.NewRequest(http.MethodGet, testOrigin+target, nil))
}

// post sends form as it is (no token added).
func (b *browser) post(target string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	req := httptest.NewRequest(http.MethodPost, testOrigin+target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// submit posts form with a CSRF token from a page, as a browser filling in
// one of the site's forms would.
func (b *browser) submit(target string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("csrf_token", b.csrf())
	return b.post(target, f)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns a token for the browser's current session (or pre-session
// cookie), read from the login page.
func (b *browser) csrf() string {
	b.t.Helper()
	res, body := b.get("/login")
	m := csrfRE.FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		b.t.Fatalf("GET /login = %d without a csrf_token field", res.StatusCode)
	}
	return html.UnescapeString(m[1])
}

// cookie returns the value of the browser's cookie name ("" when none).
func (b *browser) cookie(name string) string {
	for _, ck := range b.jar.Cookies(origin) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// setCookie plants a cookie, as an attacker or an old backup might.
func (b *browser) setCookie(name, value string) {
	b.jar.SetCookies(origin, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// signedIn reports whether GET /account shows the account of email.
func (b *browser) signedIn(email string) bool {
	b.t.Helper()
	res, body := b.get("/account")
	return res.StatusCode == http.StatusOK && strings.Contains(body, html.EscapeString(email))
}

// wantStatus fails the test unless res has status want.
func wantStatus(t *testing.T, what string, res *http.Response, body string, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s: status %d, want %d\nLocation: %s\n%.1500s", what, res.StatusCode, want, res.Header.Get("Location"), body)
	}
}

// wantRedirect fails the test unless res is a 303 to location.
func wantRedirect(t *testing.T, what string, res *http.Response, body, location string) {
	t.Helper()
	wantStatus(t, what, res, body, http.StatusSeeOther)
	if got := res.Header.Get("Location"); got != location {
		t.Fatalf("%s: redirected to %q, want %q", what, got, location)
	}
}

var mailLinkRE = regexp.MustCompile(`https?://[^\s"<>]+`)

// mailLink returns the link to path in the newest mail to to, as the
// browser would request it (path and query), after checking that it was
// built on APP_BASE_URL.
func (s *testServer) mailLink(t *testing.T, to, path string) string {
	t.Helper()
	var text string
	err := s.pool.QueryRow(context.Background(),
		`SELECT text_body FROM mail_outbox WHERE to_address = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, to).Scan(&text)
	if err != nil {
		t.Fatalf("no mail to %s: %v", to, err)
	}
	for _, raw := range mailLinkRE.FindAllString(text, -1) {
		u, err := url.Parse(raw)
		if err == nil && u.Path == path {
			if u.Scheme+"://"+u.Host != testOrigin {
				t.Errorf("link %s is not built on APP_BASE_URL", raw)
			}
			return u.RequestURI()
		}
	}
	t.Fatalf("no link to %s in the newest mail to %s:\n%s", path, to, text)
	return ""
}

// mailCount is how many mails went to to.
func (s *testServer) mailCount(t *testing.T, to string) int {
	t.Helper()
	var n int
	if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM mail_outbox WHERE to_address = $1`, to).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// signUp signs email up through the pages and follows the verification
// link, leaving b logged in.
func (b *browser) signUp(email, pw string) {
	b.t.Helper()
	res, body := b.submit("/signup", url.Values{"email": {email}, "password": {pw}})
	wantRedirect(b.t, "sign-up", res, body, "/signup/sent")
	res, body = b.get(b.s.mailLink(b.t, email, "/verify-email"))
	wantRedirect(b.t, "verification link", res, body, "/account")
}

// logIn logs b in as email and checks that it worked.
func (b *browser) logIn(email, pw string) {
	b.t.Helper()
	res, body := b.submit("/login", url.Values{"email": {email}, "password": {pw}})
	wantRedirect(b.t, "login as "+email, res, body, "/account")
}

// newUser creates a verified account through the pages, in a browser of its
// own that is then logged out.
func (s *testServer) newUser(t *testing.T, email, pw string) {
	t.Helper()
	b := s.browser(t)
	b.signUp(email, pw)
	res, body := b.submit("/logout", nil)
	wantRedirect(t, "logout", res, body, "/")
}

// grantAdmin gives email the admin.access permission.
func (s *testServer) grantAdmin(t *testing.T, email string) {
	t.Helper()
	_, err := s.pool.Exec(context.Background(),
		`INSERT INTO user_permissions (user_id, codename) SELECT id, 'admin.access' FROM users WHERE email = $1`, email)
	if err != nil {
		t.Fatal(err)
	}
}
