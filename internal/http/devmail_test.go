package http

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"golang.org/x/net/html"

	"github.com/rampart-dev/rampart/internal/db/dbtest"
	"github.com/rampart-dev/rampart/web"
)

// devMailRouter serves the dev mailbox routes, registered as routes.go does
// outside production, with the real error handler, on a fresh database.
func devMailRouter(t *testing.T) (*echo.Echo, *pgxpool.Pool) {
	t.Helper()
	pool := dbtest.New(t)
	assets, err := web.NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HTTPErrorHandler = newErrorHandler(slog.New(slog.DiscardHandler), assets)
	e.GET("/dev/mail", handleDevMailIndex(pool, assets))
	e.GET("/dev/mail/messages", handleDevMailMessages(pool))
	e.GET("/dev/mail/:id/html", handleDevMailHTML(pool))
	return e, pool
}

// devMailInsert stores a mail queued age ago and returns its id.
func devMailInsert(t *testing.T, pool *pgxpool.Pool, to, subject, text, htmlBody string, age time.Duration) string {
	t.Helper()
	var id string
	err := pool.QueryRow(t.Context(), `
		INSERT INTO mail_outbox (to_address, subject, text_body, html_body, created_at)
		VALUES ($1, $2, $3, $4, now() - make_interval(secs => $5)) RETURNING id::text`,
		to, subject, text, htmlBody, age.Seconds()).Scan(&id)
	if err != nil {
		t.Fatalf("insert mail: %v", err)
	}
	return id
}

func devMailGet(t *testing.T, h http.Handler, target string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

// devMailJSONList fetches the JSON list and checks its shape.
func devMailJSONList(t *testing.T, h http.Handler, target string) []map[string]any {
	t.Helper()
	res, body := devMailGet(t, h, target)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET %s = %d %q: %s", target, res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(body), &list); err != nil || list == nil {
		t.Fatalf("GET %s: not a JSON array (%v): %s", target, err, body)
	}
	return list
}

func devMailSubjects(list []map[string]any) []string {
	var out []string
	for _, m := range list {
		out = append(out, m["subject"].(string))
	}
	return out
}

func TestDevMailMessagesJSON(t *testing.T) {
	e, pool := devMailRouter(t)
	if list := devMailJSONList(t, e, "/dev/mail/messages"); len(list) != 0 {
		t.Fatalf("empty outbox listed %d mails", len(list))
	}
	oldest := devMailInsert(t, pool, "ada@example.com", "first", "text 1", "<p>1</p>", 3*time.Minute)
	devMailInsert(t, pool, "bob@example.com", "second", "text 2", "", 2*time.Minute)
	devMailInsert(t, pool, "Ada@Example.com", "third", "text 3", "<p>3</p>", time.Minute)

	list := devMailJSONList(t, e, "/dev/mail/messages")
	if got := devMailSubjects(list); !slices.Equal(got, []string{"third", "second", "first"}) {
		t.Errorf("order %v, want newest first", got)
	}
	last := list[2]
	keys := make([]string, 0, len(last))
	for k := range last {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"created_at", "html", "id", "subject", "text", "to"}; !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	if last["id"] != oldest || last["to"] != "ada@example.com" || last["text"] != "text 1" || last["html"] != "<p>1</p>" {
		t.Errorf("element %v does not match the stored mail", last)
	}
	if ts, err := time.Parse(time.RFC3339Nano, last["created_at"].(string)); err != nil || time.Since(ts) < 2*time.Minute {
		t.Errorf("created_at %v (%v)", last["created_at"], err)
	}

	cases := []struct {
		name, query string
		want        []string
	}{
		{"to filters by recipient", "?to=bob@example.com", []string{"second"}},
		{"to matches case-insensitively", "?to=ADA@EXAMPLE.COM", []string{"third", "first"}},
		{"an unknown recipient gets an empty array", "?to=nobody@example.com", nil},
		{"an empty to lists everyone", "?to=", []string{"third", "second", "first"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := devMailSubjects(devMailJSONList(t, e, "/dev/mail/messages"+tc.query))
			if !slices.Equal(got, tc.want) {
				t.Errorf("subjects %v, want %v", got, tc.want)
			}
		})
	}
}

// An address no mail can have (invalid UTF-8, a NUL, absurd length) is a
// 400, never a database error.
func TestDevMailRefusesImpossibleAddresses(t *testing.T) {
	e, _ := devMailRouter(t)
	for _, to := range []string{"%ff", "%00", "a%00b", "%c3%28", strings.Repeat("a", 400)} {
		for _, path := range []string{"/dev/mail/messages", "/dev/mail"} {
			res, body := devMailGet(t, e, path+"?to="+to)
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("GET %s?to=%.20s = %d, want 400: %.300s", path, to, res.StatusCode, body)
			}
		}
	}
}

func TestDevMailMessagesListsAtMost100(t *testing.T) {
	e, pool := devMailRouter(t)
	_, err := pool.Exec(t.Context(), `
		INSERT INTO mail_outbox (to_address, subject, text_body, html_body, created_at)
		SELECT 'ada@example.com', 'mail ' || i, 'text', '', now() - make_interval(secs => 200 - i)
		FROM generate_series(1, 105) AS i`)
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/dev/mail/messages", "/dev/mail/messages?to=ada@example.com"} {
		list := devMailJSONList(t, e, target)
		if len(list) != 100 || list[0]["subject"] != "mail 105" {
			t.Errorf("GET %s: %d mails starting with %v, want the newest 100", target, len(list), list[0]["subject"])
		}
	}
}

func TestDevMailHTMLView(t *testing.T) {
	e, pool := devMailRouter(t)
	body := `<!DOCTYPE html><html><body><p style="color:red">Hi</p><script>alert(1)</script></body></html>`
	id := devMailInsert(t, pool, "ada@example.com", "s", "t", body, 0)
	textOnly := devMailInsert(t, pool, "ada@example.com", "s", "t", "", 0)

	res, got := devMailGet(t, e, "/dev/mail/"+id+"/html")
	if res.StatusCode != http.StatusOK || got != body {
		t.Fatalf("GET html = %d %q", res.StatusCode, got)
	}
	headers := map[string]string{
		"Content-Type":            "text/html; charset=UTF-8",
		"Content-Security-Policy": devMailHTMLPolicy,
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "no-store",
	}
	for k, want := range headers {
		if v := res.Header.Get(k); v != want {
			t.Errorf("%s: %q, want %q", k, v, want)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "style-src 'unsafe-inline'", "img-src data:", "sandbox"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q allows scripts", csp)
	}

	for name, target := range map[string]string{
		"an unknown id is 404":          "/dev/mail/" + uuid.NewString() + "/html",
		"a malformed id is 404":         "/dev/mail/not-a-uuid/html",
		"a mail without HTML is 404":    "/dev/mail/" + textOnly + "/html",
		"an id with a quote is 404":     "/dev/mail/%27%20OR%201=1/html",
		"the list path is not the view": "/dev/mail/messages/html",
	} {
		t.Run(name, func(t *testing.T) {
			if res, _ := devMailGet(t, e, target); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", target, res.StatusCode)
			}
		})
	}
}

func TestDevMailIndexPage(t *testing.T) {
	e, pool := devMailRouter(t)
	res, body := devMailGet(t, e, "/dev/mail")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="devmail-empty"`) {
		t.Fatalf("empty mailbox: %d\n%s", res.StatusCode, body)
	}

	ada := devMailInsert(t, pool, "ada@example.com", "Reset <your> password", "Open https://app.example.com/r?t=1&s=2\n<script>x</script>", "<p>hi</p>", time.Minute)
	bob := devMailInsert(t, pool, "bob@example.com", "Welcome", "Hi Bob", "", 0)
	if _, err := pool.Exec(t.Context(), `UPDATE mail_outbox SET sent_at = now(), attempts = 2, last_error = 'dial tcp: refused' WHERE id = $1`, ada); err != nil {
		t.Fatal(err)
	}

	res, body = devMailGet(t, e, "/dev/mail")
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET /dev/mail = %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var ids, states, pres, links []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				switch {
				case a.Key == "data-mail-id":
					ids = append(ids, a.Val)
				case a.Key == "data-mail-state":
					states = append(states, a.Val)
				case a.Key == "href" && strings.HasPrefix(a.Val, "/dev/mail/"):
					links = append(links, a.Val)
				case a.Key == "style" || strings.HasPrefix(a.Key, "on"):
					t.Errorf("<%s> has a %s attribute: the page must work under our CSP", n.Data, a.Key)
				}
			}
			if n.Data == "pre" && n.FirstChild != nil {
				pres = append(pres, n.FirstChild.Data)
			}
			if n.Data == "style" || (n.Data == "script" && n.FirstChild != nil) {
				t.Errorf("inline <%s> on the page", n.Data)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if !slices.Equal(ids, []string{bob, ada}) || !slices.Equal(states, []string{"unsent", "sent"}) {
		t.Errorf("mails %v in states %v, want bob (unsent) then ada (sent)", ids, states)
	}
	if len(pres) != 2 || pres[1] != "Open https://app.example.com/r?t=1&s=2\n<script>x</script>" {
		t.Errorf("text bodies %q", pres)
	}
	if !slices.Contains(links, "/dev/mail/"+ada+"/html") || slices.Contains(links, "/dev/mail/"+bob+"/html") {
		t.Errorf("links %v: want an HTML link for the mail with HTML only", links)
	}
	for _, want := range []string{"Reset &lt;your&gt; password", "Attempts: 2", "dial tcp: refused"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	_, body = devMailGet(t, e, "/dev/mail?to=BOB@example.com")
	if !strings.Contains(body, `data-mail-id="`+bob+`"`) || strings.Contains(body, ada) {
		t.Error("the to filter does not show bob's mail only")
	}
	if !strings.Contains(body, `value="BOB@example.com"`) || !strings.Contains(body, `href="/dev/mail/messages?to=BOB%40example.com"`) {
		t.Error("the filtered page does not keep the filter in the form and the JSON link")
	}
}

func TestDevMailIsNotServedInProduction(t *testing.T) {
	s := newTestServer(t, func(o *Options) { o.Production = true })
	for _, target := range []string{"/dev/mail", "/dev/mail/messages", "/dev/mail/messages?to=a@example.com", "/dev/mail/" + uuid.NewString() + "/html"} {
		if res, _ := s.get(t, target); res.StatusCode != http.StatusNotFound {
			t.Errorf("production GET %s = %d, want 404", target, res.StatusCode)
		}
	}
}

func TestDevMailIsServedOutsideProductionThroughTheWholeStack(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	id := devMailInsert(t, s.pool, "ada@example.com", "Welcome", "hello text", "<p>hello html</p>", 0)
	for _, path := range []string{"/dev/mail", "/dev/mail/messages?to=ada@example.com", "/dev/mail/" + id + "/html"} {
		res, body := s.get(t, path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
		if !strings.Contains(body, "hello") {
			t.Errorf("GET %s does not show the message: %.200s", path, body)
		}
		if res.Header.Get("X-Request-Id") == "" || res.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s skipped the middleware stack", path)
		}
	}
}
