package faults

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// requestTimeout bounds every request of these tests: a request that takes
// longer has hung, which is itself a failure.
const requestTimeout = 10 * time.Second

// browser is one client: a cookie jar shared by every instance it talks to
// (cookies are per host, not per port, so instances on 127.0.0.1 behave as
// replicas behind one name) and a client IP of its own, sent through the
// trusted proxy's X-Forwarded-For.
type browser struct {
	ip string
	hc *http.Client
}

func newBrowser(t *testing.T, ip string) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{ip: ip, hc: &http.Client{
		Jar:           jar,
		Timeout:       requestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is what came back; Err is set when nothing did (and Status is 0).
type response struct {
	Status  int
	Header  http.Header
	Body    string
	Elapsed time.Duration
	Err     error
}

// do sends one request; header holds name, value pairs.
func (b *browser) do(method, rawURL string, body io.Reader, header ...string) response {
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		return response{Err: err}
	}
	if b.ip != "" {
		req.Header.Set("X-Forwarded-For", b.ip)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	start := time.Now()
	res, err := b.hc.Do(req)
	if err != nil {
		return response{Err: err, Elapsed: time.Since(start)}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: string(data), Elapsed: time.Since(start), Err: err}
}

// must fails the test when no response came back.
func (r response) must(t *testing.T, what string) response {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("%s: %v", what, r.Err)
	}
	return r
}

func (b *browser) get(t *testing.T, rawURL string, header ...string) response {
	t.Helper()
	return b.do(http.MethodGet, rawURL, nil, header...).must(t, "GET "+rawURL)
}

// postForm posts form with the CSRF token of the page at formPage (fetched
// first, from the same instance), as a browser submitting that page would.
func (b *browser) postForm(t *testing.T, base, formPage, action string, form url.Values) response {
	t.Helper()
	page := b.get(t, base+formPage)
	if page.Status != http.StatusOK {
		t.Fatalf("GET %s: %d", formPage, page.Status)
	}
	return b.postWithToken(t, base, action, csrfToken(t, page.Body), form)
}

func (b *browser) postWithToken(t *testing.T, base, action, token string, form url.Values) response {
	t.Helper()
	form = cloneValues(form)
	form.Set("csrf_token", token)
	return b.do(http.MethodPost, base+action, strings.NewReader(form.Encode()),
		"Content-Type", "application/x-www-form-urlencoded", "Origin", base).must(t, "POST "+action)
}

// login signs in through the form and fails the test unless it succeeds.
func (b *browser) login(t *testing.T, base, email string) {
	t.Helper()
	res := b.postForm(t, base, "/login", "/login", url.Values{"email": {email}, "password": {testPassword}})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
		t.Fatalf("login at %s: %d to %q", base, res.Status, res.Header.Get("Location"))
	}
}

// api sends a JSON request with an optional bearer credential.
func (b *browser) api(t *testing.T, method, rawURL, bearer string, body any) response {
	t.Helper()
	var r io.Reader
	header := []string{"Accept", "application/json"}
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
		header = append(header, "Content-Type", "application/json")
	}
	if bearer != "" {
		header = append(header, "Authorization", "Bearer "+bearer)
	}
	return b.do(method, rawURL, r, header...).must(t, method+" "+rawURL)
}

// token gets an access token for email from POST /api/v1/auth/token.
func (b *browser) token(t *testing.T, base, email string) string {
	t.Helper()
	res := b.api(t, http.MethodPost, base+"/api/v1/auth/token", "", map[string]string{"email": email, "password": testPassword})
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if res.Status != http.StatusOK || json.Unmarshal([]byte(res.Body), &out) != nil || out.AccessToken == "" {
		t.Fatalf("token at %s: %d %s", base, res.Status, res.Body)
	}
	return out.AccessToken
}

var csrfInput = regexp.MustCompile(`name="csrf_token"\s+value="([^"]+)"`)

func csrfToken(t *testing.T, page string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf_token in the page: %.300q", page)
	}
	return html.UnescapeString(m[1])
}

// elementText returns the text of the element with the given id (the
// secrets shown once: id="webhook-secret", id="new-api-key").
func elementText(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]+)<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no element id=%q in the page: %.300q", id, page)
	}
	return html.UnescapeString(strings.TrimSpace(m[1]))
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// retryUnavailable repeats send while it answers 503, up to 5 times 100 ms
// apart, and returns the last response. An access token's revocation check
// answers 503 when Redis misses its 200 ms timeout, as it may on a loaded
// machine: refused, not wrong, so the question is asked again.
func retryUnavailable(send func() response) response {
	res := send()
	for i := 0; i < 5 && res.Status == http.StatusServiceUnavailable; i++ {
		time.Sleep(100 * time.Millisecond)
		res = send()
	}
	return res
}

// readyChecks decodes a /ready body.
func readyChecks(t *testing.T, body string) map[string]string {
	t.Helper()
	var r struct {
		Checks map[string]string `json:"checks"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("/ready body %q: %v", body, err)
	}
	return r.Checks
}

// traffic is a client sending the same request in a loop while a fault is
// injected, recording every response.
type traffic struct {
	stop    chan struct{}
	done    chan struct{}
	results []response
}

// startTraffic requests rawURL with GET, one request after another, until
// Stop.
func startTraffic(br *browser, rawURL string, header ...string) *traffic {
	tr := &traffic{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(tr.done)
		for {
			select {
			case <-tr.stop:
				return
			default:
			}
			tr.results = append(tr.results, br.do("GET", rawURL, nil, header...))
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return tr
}

// Stop ends the loop and returns what it got.
func (tr *traffic) Stop() []response {
	close(tr.stop)
	<-tr.done
	return tr.results
}
