package mail_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gomailsmtp "github.com/wneessen/go-mail/smtp"

	"github.com/rampart-dev/rampart/internal/mail"
)

const testFrom = "Rampart <no-reply@rampart.test>"

func testMessage(t *testing.T) mail.Message {
	t.Helper()
	m, err := mail.ActionEmail("ada@example.com", "Confirm your email — Rampart", "Please confirm your address.",
		"Confirm my address", "https://app.example.com/verify-email?token=t0k&sig=s1g", "The link works for 24 hours.")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newSender(t *testing.T, smtpURL string) *mail.SMTPSender {
	t.Helper()
	s, err := mail.NewSMTPSender(smtpURL)
	if err != nil {
		t.Fatalf("NewSMTPSender: %v", err)
	}
	return s
}

func onlyDelivery(t *testing.T, ts *testSMTP) delivery {
	t.Helper()
	got := ts.Deliveries()
	if len(got) != 1 {
		t.Fatalf("server received %d mails, want 1", len(got))
	}
	return got[0]
}

func TestSMTPSenderDeliversAMultipartMessage(t *testing.T) {
	ts := startSMTP(t, smtpOptions{user: "mailer", pass: "p@ss:word/1"})
	s := newSender(t, "smtp://mailer:p%40ss%3Aword%2F1@"+ts.Addr)
	m := testMessage(t)

	if err := s.Send(t.Context(), testFrom, m, "0b6c3f3e-5a2b-4c1d-9e8f-112233445566"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	d := onlyDelivery(t, ts)
	if d.From != "no-reply@rampart.test" || len(d.To) != 1 || d.To[0] != "ada@example.com" {
		t.Errorf("envelope MAIL FROM %q RCPT TO %q", d.From, d.To)
	}
	if d.AuthMech != sasl.Plain || d.AuthUser != "mailer" || d.AuthPass != "p@ss:word/1" {
		t.Errorf("AUTH = %q %q %q, want PLAIN with the URL's (unescaped) credentials", d.AuthMech, d.AuthUser, d.AuthPass)
	}

	pm := parseMail(t, d.Data)
	headers := []struct{ name, want string }{
		{"From", `"Rampart" <no-reply@rampart.test>`},
		{"To", "<ada@example.com>"},
		{"Message-Id", "<0b6c3f3e-5a2b-4c1d-9e8f-112233445566@rampart.test>"},
		{"Mime-Version", "1.0"},
	}
	for _, h := range headers {
		if got := pm.Header.Get(h.name); got != h.want {
			t.Errorf("%s: %q, want %q", h.name, got, h.want)
		}
	}
	if got := pm.decodedSubject(t); got != m.Subject {
		t.Errorf("Subject decodes to %q, want %q", got, m.Subject)
	}
	if date, err := pm.Header.Date(); err != nil || time.Since(date).Abs() > time.Minute {
		t.Errorf("Date: %v (%v)", date, err)
	}
	if ua := pm.Header.Get("User-Agent") + pm.Header.Get("X-Mailer"); ua != "" {
		t.Errorf("the mail names the library that sent it: %q", ua)
	}
	if len(pm.Order) != 2 || pm.Order[0] != "text/plain" || pm.Order[1] != "text/html" {
		t.Fatalf("MIME parts %v, want text/plain then text/html", pm.Order)
	}
	if pm.Parts["text/plain"] != strings.ReplaceAll(m.Text, "\r\n", "\n") {
		t.Errorf("text part differs:\n%q\nwant\n%q", pm.Parts["text/plain"], m.Text)
	}
	if pm.Parts["text/html"] != m.HTML {
		t.Errorf("HTML part differs:\n%s", pm.Parts["text/html"])
	}
	link := "https://app.example.com/verify-email?token=t0k&sig=s1g"
	if !strings.Contains(pm.Parts["text/plain"], link) || !strings.Contains(pm.Parts["text/html"], strings.ReplaceAll(link, "&", "&amp;")) {
		t.Error("the link is missing from a part")
	}
}

func TestSMTPSenderAuthentication(t *testing.T) {
	cases := []struct {
		name     string
		opts     smtpOptions
		userinfo string
		wantMech string
		wantErr  bool
	}{
		{"without credentials in the URL it does not authenticate", smtpOptions{}, "", "", false},
		{"with credentials it uses PLAIN", smtpOptions{user: "u", pass: "p"}, "u:p@", sasl.Plain, false},
		{"it falls back to LOGIN when the server offers only that", smtpOptions{user: "u", pass: "p", mechs: []string{sasl.Login}}, "u:p@", sasl.Login, false},
		{"a wrong password fails the send", smtpOptions{user: "u", pass: "p"}, "u:wrong@", "", true},
		{"a server that wants AUTH refuses a sender without credentials", smtpOptions{user: "u", pass: "p"}, "", "", true},
		{"a server offering neither PLAIN nor LOGIN fails the send", smtpOptions{user: "u", pass: "p", mechs: []string{"CRAM-MD5"}}, "u:p@", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := startSMTP(t, tc.opts)
			err := newSender(t, "smtp://"+tc.userinfo+ts.Addr).Send(t.Context(), testFrom, testMessage(t), "id-1")
			if tc.wantErr {
				if err == nil {
					t.Fatal("Send succeeded, want an error")
				}
				if strings.Contains(err.Error(), "wrong") {
					t.Errorf("the error shows the password: %v", err)
				}
				if n := len(ts.Deliveries()); n != 0 {
					t.Errorf("server accepted %d mails", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if d := onlyDelivery(t, ts); d.AuthMech != tc.wantMech {
				t.Errorf("AUTH mechanism %q, want %q", d.AuthMech, tc.wantMech)
			}
		})
	}
}

func TestSMTPSenderNeverSendsCredentialsInTheClearToARemoteHost(t *testing.T) {
	// 127.0.0.2 is loopback on Linux but not "localhost" to the client, so it
	// stands in for a remote server that offers AUTH without STARTTLS.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	ts := startSMTP(t, smtpOptions{addr: addr, user: "u", pass: "secret"})
	err = newSender(t, "smtp://u:secret@"+ts.Addr).Send(t.Context(), testFrom, testMessage(t), "id-1")
	if !errors.Is(err, gomailsmtp.ErrUnencrypted) {
		t.Fatalf("Send = %v, want the client to refuse AUTH over plain TCP to a non-local host", err)
	}
	ts.mu.Lock()
	failed := ts.authFailed
	ts.mu.Unlock()
	if failed != 0 || len(ts.Deliveries()) != 0 {
		t.Errorf("the server saw an AUTH attempt or a mail")
	}
}

func TestSMTPSenderUsesSTARTTLSWhenOffered(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	ts := startSMTP(t, smtpOptions{user: "u", pass: "p", startTLS: serverTLS})
	s := newSender(t, "smtp://u:p@"+ts.Addr)
	s.SetTLSConfigForTest(clientTLS)
	if err := s.Send(t.Context(), testFrom, testMessage(t), "id-1"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if d := onlyDelivery(t, ts); !d.TLS || d.AuthMech != sasl.Plain {
		t.Errorf("TLS %v, AUTH %q; want the mail and the credentials over STARTTLS", d.TLS, d.AuthMech)
	}
}

func TestSMTPSenderRefusesAnUntrustedCertificate(t *testing.T) {
	serverTLS, _ := testTLS(t)
	ts := startSMTP(t, smtpOptions{startTLS: serverTLS})
	err := newSender(t, "smtp://"+ts.Addr).Send(t.Context(), testFrom, testMessage(t), "id-1")
	if err == nil || len(ts.Deliveries()) != 0 {
		t.Fatalf("Send = %v with a self-signed certificate, want a verification error", err)
	}
}

func TestSMTPSenderSpeaksImplicitTLSForSMTPS(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	ts := startSMTP(t, smtpOptions{user: "u", pass: "p", implicitTLS: serverTLS})
	s := newSender(t, "smtps://u:p@"+ts.Addr)
	s.SetTLSConfigForTest(clientTLS)
	if err := s.Send(t.Context(), testFrom, testMessage(t), "id-1"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if d := onlyDelivery(t, ts); !d.TLS || d.AuthUser != "u" {
		t.Errorf("TLS %v, AUTH user %q", d.TLS, d.AuthUser)
	}
}

func TestSMTPSenderFailsFastWhenTheServerIsDown(t *testing.T) {
	s := newSender(t, "smtp://"+freeAddr(t))
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := s.Send(ctx, testFrom, testMessage(t), "id-1"); err == nil {
		t.Fatal("Send to a closed port succeeded")
	}
}

func TestSMTPSenderRefusesBadInput(t *testing.T) {
	ts := startSMTP(t, smtpOptions{})
	s := newSender(t, "smtp://"+ts.Addr)
	cases := []struct {
		name, from, id string
		msg            mail.Message
	}{
		{"an injected header in the subject is refused", testFrom, "id", mail.Message{To: "a@example.com", Subject: "x\r\nBcc: b@example.com", Text: "t"}},
		{"an invalid MAIL_FROM is refused", "not an address", "id", testMessage(t)},
		{"a Message-ID with an @ is refused", testFrom, "a@b", testMessage(t)},
		{"a Message-ID with a line break is refused", testFrom, "a\r\nBcc: x", testMessage(t)},
		{"an empty Message-ID is refused", testFrom, "", testMessage(t)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Send(t.Context(), tc.from, tc.msg, tc.id); err == nil {
				t.Fatal("Send succeeded")
			}
		})
	}
	if n := len(ts.Deliveries()); n != 0 {
		t.Errorf("server accepted %d mails", n)
	}
}

func TestNewSMTPSender(t *testing.T) {
	cases := []struct {
		name, url, want string // want: String(), or "" for an error
	}{
		{"smtp with a port", "smtp://u:p@mail.example.com:2525", "smtp://mail.example.com:2525"},
		{"smtp defaults to the submission port", "smtp://mail.example.com", "smtp://mail.example.com:587"},
		{"smtps defaults to port 465", "smtps://u:p@mail.example.com", "smtps://mail.example.com:465"},
		{"an IPv6 host", "smtp://[::1]:25", "smtp://[::1]:25"},
		{"another scheme is refused", "http://u:hunter2@mail.example.com:25", ""},
		{"a URL without a host is refused", "smtp://u:hunter2@:25", ""},
		{"a port out of range is refused", "smtp://u:hunter2@mail.example.com:70000", ""},
		{"a malformed URL is refused", "smtp://u:hunter2@mail example.com:25/%zz", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := mail.NewSMTPSender(tc.url)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("NewSMTPSender(%q) succeeded", tc.url)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewSMTPSender: %v", err)
			}
			if got := s.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			if strings.Contains(fmt.Sprintf("%v %+v", s, s), ":p@") {
				t.Error("formatting the sender shows the credentials")
			}
		})
	}
}

func TestSMTPSenderErrorsDoNotShowTheCredentials(t *testing.T) {
	s := newSender(t, "smtp://user:hunter2@"+freeAddr(t))
	err := s.Send(t.Context(), testFrom, testMessage(t), "id-1")
	if err == nil {
		t.Fatal("Send to a closed port succeeded")
	}
	if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "user:") {
		t.Errorf("the error shows the credentials: %v", err)
	}
}

func TestNewSender(t *testing.T) {
	if s, err := mail.NewSender(""); s != nil || err != nil {
		t.Errorf(`NewSender("") = %v, %v; want a nil Sender (mail stays in the outbox)`, s, err)
	}
	if s, err := mail.NewSender("smtps://u:p@mail.example.com"); err != nil || s == nil {
		t.Errorf("NewSender(smtps URL) = %v, %v", s, err)
	}
	if _, err := mail.NewSender("ftp://mail.example.com"); err == nil {
		t.Error("NewSender accepted an ftp URL")
	}
}

// A send whose context ends while the server stalls returns at once (the
// connection is cut), not after the SMTP timeout: a worker shutting down
// must not wait 10 s for a frozen mail server.
func TestSMTPSenderReturnsWhenItsContextEndsMidConversation(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	cut := make(chan struct{})
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = conn.Write([]byte("220 mx.test ESMTP\r\n"))
		_, _ = io.Copy(io.Discard, conn) // read EHLO and never answer, until the client hangs up
		close(cut)
	}()
	s := newSender(t, "smtp://"+ln.Addr().String())
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(200*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() { done <- s.Send(ctx, testFrom, testMessage(t), "id-1") }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Send = %v, want an error wrapping context.Canceled", err)
		}
	case <-time.After(5 * time.Second): // the SMTP timeout is 10 s
		t.Fatal("Send did not return after its context was cancelled")
	}
	select {
	case <-cut:
	case <-time.After(5 * time.Second):
		t.Fatal("the connection to the stalled server was left open")
	}
}
