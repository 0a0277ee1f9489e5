package http

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"golang.org/x/net/html"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/password"
	"github.com/rampart-dev/rampart/internal/auth/session"
	"github.com/rampart-dev/rampart/internal/auth/signedurl"
	"github.com/rampart-dev/rampart/internal/mail"
)

// totpStep is the TOTP time step (RFC 6238, 30 s).
const totpStep = 30 * time.Second

// newTwoFactorServer is newAccountServer whose account service's clock
// stands still at the returned time (sessions and the pages keep the wall
// clock). So the codes the server accepts are known exactly, those of
// now-30s, now and now+30s, each once and in increasing order, however long
// the test runs and wherever a step boundary falls. The service logs to the
// server's log buffer; edit may change its Config further.
func newTwoFactorServer(t *testing.T, edit func(*account.Config)) (*testServer, time.Time) {
	t.Helper()
	now := time.Now()
	s := newAccountServer(t, func(o *Options) {
		rc, err := river.NewClient(riverpgxv5.New(o.Pool), &river.Config{})
		if err != nil {
			t.Fatal(err)
		}
		signer, err := signedurl.New(bytes.Repeat([]byte{'s'}, signedurl.MinKeySize))
		if err != nil {
			t.Fatal(err)
		}
		box, codes := testAtRestKeys(t)
		cfg := account.Config{
			Pool: o.Pool, Seal: box, Recovery: codes, Hasher: password.NewHasher(cheapHashParams, 0, 0),
			Signer: signer, Outbox: mail.NewOutbox(rc), Sessions: session.NewStore(o.Pool, nil),
			BaseURL: o.BaseURL, MaxFailures: testMaxFailures, Lockout: 15 * time.Minute,
			Logger: o.Logger, Now: func() time.Time { return now },
		}
		if edit != nil {
			edit(&cfg)
		}
		if o.Accounts, err = account.New(cfg); err != nil {
			t.Fatal(err)
		}
	})
	return s, now
}

// totpCode is the code of the base32 secret at at, computed apart from
// internal/auth/totp: by oathtool when it is installed (CI installs it),
// else by RFC 6238 written out here (HMAC-SHA1, 6 digits, 30 s).
func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	if path, err := exec.LookPath("oathtool"); err == nil {
		out, err := exec.Command(path, "--totp", "-b", "-N", "@"+strconv.FormatInt(at.Unix(), 10), secret).Output()
		if err != nil {
			t.Fatalf("oathtool: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatalf("secret %q is not base32: %v", secret, err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1_000_000)
}

// wrongCode is a 6-digit code that none of the steps around now accepts.
func wrongCode(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	valid := map[string]bool{}
	for _, d := range []time.Duration{-totpStep, 0, totpStep} {
		valid[totpCode(t, secret, now.Add(d))] = true
	}
	for _, c := range []string{"000000", "111111", "222222"} {
		if !valid[c] {
			return c
		}
	}
	panic("unreachable: three codes cannot all be valid")
}

// page is a parsed HTML answer.
type page struct {
	t    *testing.T
	root *html.Node
}

func parsePage(t *testing.T, body string) page {
	t.Helper()
	root, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the page is not HTML: %v", err)
	}
	return page{t: t, root: root}
}

// byID returns the element with id, or nil.
func (p page) byID(id string) *html.Node {
	for n := range p.root.Descendants() {
		if n.Type == html.ElementNode && attrOf(n, "id") == id {
			return n
		}
	}
	return nil
}

// text is the trimmed text of the element with id; the test fails when
// there is none.
func (p page) text(id string) string {
	p.t.Helper()
	n := p.byID(id)
	if n == nil {
		p.t.Fatalf("no element id=%q on the page", id)
	}
	return textOf(n)
}

// has reports whether the page has an element with id.
func (p page) has(id string) bool { return p.byID(id) != nil }

// fieldError is the error shown beside the form field name ("" for none):
// the field-error message the input points to with aria-describedby, the
// input being marked aria-invalid.
func (p page) fieldError(name string) string {
	p.t.Helper()
	in := p.byID("field-" + name)
	if in == nil || attrOf(in, "aria-invalid") != "true" {
		return ""
	}
	msg := p.byID(attrOf(in, "aria-describedby"))
	if msg == nil || !strings.Contains(attrOf(msg, "class"), "field-error") {
		return ""
	}
	return textOf(msg)
}

// items is the text of each <li> inside the element with id.
func (p page) items(id string) []string {
	p.t.Helper()
	list := p.byID(id)
	if list == nil {
		p.t.Fatalf("no element id=%q on the page", id)
	}
	var out []string
	for n := range list.Descendants() {
		if n.Type == html.ElementNode && n.Data == "li" {
			out = append(out, textOf(n))
		}
	}
	return out
}

// images lists the src of every <img>.
func (p page) images() []string {
	var out []string
	for n := range p.root.Descendants() {
		if n.Type == html.ElementNode && n.Data == "img" {
			out = append(out, attrOf(n, "src"))
		}
	}
	return out
}

func attrOf(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// isPNGDataURI reports whether src is a data: URI holding a PNG image.
func isPNGDataURI(src string) bool {
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(src, prefix) {
		return false
	}
	img, err := base64.StdEncoding.DecodeString(src[len(prefix):])
	return err == nil && bytes.HasPrefix(img, []byte("\x89PNG\r\n\x1a\n"))
}

// enrollment is what turning 2FA on through the pages gave the person.
type enrollment struct {
	secret string
	codes  []string
}

// enrollTwoFactor turns 2FA on for b's signed-in user through the pages,
// confirming with the code of at, and returns the secret and the recovery
// codes shown.
func (b *browser) enrollTwoFactor(at time.Time) enrollment {
	b.t.Helper()
	res, body := b.submit("/account/2fa/enroll", nil)
	wantStatus(b.t, "POST /account/2fa/enroll", res, body, http.StatusOK)
	secret := parsePage(b.t, body).text("totp-secret")
	res, body = b.submit("/account/2fa/confirm", url.Values{"code": {totpCode(b.t, secret, at)}})
	wantStatus(b.t, "POST /account/2fa/confirm", res, body, http.StatusOK)
	codes := parsePage(b.t, body).items("recovery-codes")
	if len(codes) != 10 {
		b.t.Fatalf("%d recovery codes shown, want 10", len(codes))
	}
	return enrollment{secret: secret, codes: codes}
}

// twoFactorUser is a verified account with 2FA on, enrolled with the code
// of now-30s (leaving now and now+30s for the test), and logged out.
func (s *testServer) twoFactorUser(t *testing.T, email string, now time.Time) enrollment {
	t.Helper()
	b := s.browser(t)
	b.signUp(email, strongPassword)
	en := b.enrollTwoFactor(now.Add(-totpStep))
	res, body := b.submit("/logout", nil)
	wantRedirect(t, "logout", res, body, "/")
	return en
}

// startLogin submits the password form and checks that it leads to the
// second step.
func (b *browser) startLogin(email, pw, next string) {
	b.t.Helper()
	res, body := b.submit("/login", url.Values{"email": {email}, "password": {pw}, "next": {next}})
	wantRedirect(b.t, "login as "+email, res, body, "/login/2fa")
}

// setCookieNamed returns the cookie name that res sets, or nil.
func setCookieNamed(res *http.Response, name string) *http.Cookie {
	for _, ck := range res.Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// twoFactorOn reports whether email has a confirmed authenticator.
func (s *testServer) twoFactorOn(t *testing.T, email string) bool {
	t.Helper()
	var on bool
	err := s.pool.QueryRow(context.Background(), `
		SELECT EXISTS (SELECT 1 FROM totp_authenticators a JOIN users u ON u.id = a.user_id
		               WHERE u.email = $1 AND a.confirmed_at IS NOT NULL)`, email).Scan(&on)
	if err != nil {
		t.Fatal(err)
	}
	return on
}

// authenticatorRows counts email's totp_authenticators rows, pending or not.
func (s *testServer) authenticatorRows(t *testing.T, email string) int {
	t.Helper()
	var n int
	err := s.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM totp_authenticators a JOIN users u ON u.id = a.user_id WHERE u.email = $1`, email).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// mailsWithSubject counts the mails to to with subject.
func (s *testServer) mailsWithSubject(t *testing.T, to, subject string) int {
	t.Helper()
	var n int
	err := s.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM mail_outbox WHERE to_address = $1 AND subject = $2`, to, subject).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
