package mail_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// delivery is one mail an in-process SMTP server accepted.
type delivery struct {
	From     string
	To       []string
	Data     []byte
	AuthMech string // "" when the client did not authenticate
	AuthUser string
	AuthPass string
	TLS      bool // the DATA arrived over TLS
}

// smtpOptions configure startSMTP. The zero value is a plain server on a
// random port that accepts mail from anyone and offers AUTH PLAIN.
type smtpOptions struct {
	addr        string   // listen address; "" picks a free port
	user, pass  string   // when set, MAIL FROM needs AUTH with these
	mechs       []string // AUTH mechanisms offered (sasl.Plain, sasl.Login); default PLAIN
	startTLS    *tls.Config
	implicitTLS *tls.Config
}

// testSMTP is a real SMTP server (emersion/go-smtp) recording what it gets.
type testSMTP struct {
	Addr string
	opts smtpOptions

	mu         sync.Mutex
	deliveries []delivery
	authFailed int
}

// startSMTP starts a server and stops it when the test ends.
func startSMTP(t *testing.T, opts smtpOptions) *testSMTP {
	t.Helper()
	if opts.addr == "" {
		opts.addr = "127.0.0.1:0"
	}
	if opts.mechs == nil {
		opts.mechs = []string{sasl.Plain}
	}
	ts := &testSMTP{opts: opts}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &testSession{srv: ts, conn: c}, nil
	}))
	srv.Domain = "mx.test"
	srv.AllowInsecureAuth = true // AUTH over plain TCP: the client must refuse it except to localhost
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLSConfig = opts.startTLS

	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		t.Fatalf("smtp listen on %s: %v", opts.addr, err)
	}
	if opts.implicitTLS != nil {
		ln = tls.NewListener(ln, opts.implicitTLS)
	}
	ts.Addr = ln.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		// Close the listener too: Close misses it when Serve has not
		// registered it yet.
		_ = srv.Close()
		_ = ln.Close()
		<-done
	})
	return ts
}

// Deliveries returns what the server accepted so far.
func (ts *testSMTP) Deliveries() []delivery {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]delivery(nil), ts.deliveries...)
}

// Port is the port the server listens on.
func (ts *testSMTP) Port() string {
	_, port, _ := net.SplitHostPort(ts.Addr)
	return port
}

type testSession struct {
	srv  *testSMTP
	conn *smtp.Conn
	cur  delivery
}

func (s *testSession) AuthMechanisms() []string { return s.srv.opts.mechs }

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if s.srv.opts.user != "" && (user != s.srv.opts.user || pass != s.srv.opts.pass) {
			s.srv.mu.Lock()
			s.srv.authFailed++
			s.srv.mu.Unlock()
			return errors.New("invalid credentials")
		}
		s.cur.AuthMech, s.cur.AuthUser, s.cur.AuthPass = mech, user, pass
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, errors.New("unsupported mechanism")
}

func (s *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.opts.user != "" && s.cur.AuthMech == "" {
		return smtp.ErrAuthRequired
	}
	s.cur.From = from
	return nil
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	d := s.cur
	d.Data = b
	_, d.TLS = s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	s.srv.deliveries = append(s.srv.deliveries, d)
	s.srv.mu.Unlock()
	return nil
}

func (s *testSession) Reset() {
	s.cur = delivery{AuthMech: s.cur.AuthMech, AuthUser: s.cur.AuthUser, AuthPass: s.cur.AuthPass}
}

func (s *testSession) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN, which go-sasl lacks.
type loginServer struct {
	step  int
	user  string
	check func(user, pass string) error
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		return []byte("Username:"), false, nil
	case 2:
		l.user = string(resp)
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(resp))
	}
}

// freeAddr returns a loopback address nothing listens on (yet).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// testTLS returns a server config with a fresh self-signed certificate for
// 127.0.0.1 and a client config that trusts exactly that certificate.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	return server, client
}

// parsedMail is a received message taken apart.
type parsedMail struct {
	Header mail.Header
	Parts  map[string]string // media type -> decoded body
	Order  []string          // media types in the order they came
}

// parseMail parses a multipart/alternative message as an MUA would.
func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("received data is not a mail message: %v\n%s", err, data)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative\n%s", msg.Header.Get("Content-Type"), err, data)
	}
	pm := parsedMail{Header: msg.Header, Parts: map[string]string{}}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("reading MIME part: %v", err)
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		body, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		pm.Parts[pt] = strings.ReplaceAll(string(body), "\r\n", "\n")
		pm.Order = append(pm.Order, pt)
	}
	return pm
}

// decodedSubject undoes RFC 2047 encoding of the Subject header.
func (pm parsedMail) decodedSubject(t *testing.T) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(pm.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode Subject: %v", err)
	}
	return s
}
