package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Sender delivers one message from the address from (MAIL_FROM, e.g.
// "Rampart <no-reply@example.com>"). messageID is stable for the mail (the
// outbox row id): a retry after an unknown outcome carries the same
// Message-ID header, so receivers can drop the duplicate. An error means the
// mail may not have been delivered and should be retried.
type Sender interface {
	Send(ctx context.Context, from string, m Message, messageID string) error
}

// smtpTimeout bounds connecting and the whole SMTP conversation.
const smtpTimeout = 10 * time.Second

// SMTPSender sends mail through the SMTP server of SMTP_URL. It is safe for
// concurrent use: every Send opens its own connection.
type SMTPSender struct {
	host        string
	port        int
	implicitTLS bool
	username    string
	password    string
	timeout     time.Duration
	tlsConfig   *tls.Config // nil: verify the server against the system roots
}

// NewSMTPSender parses smtpURL:
//   - smtp://[user:pass@]host[:port] (default port 587) upgrades to TLS with
//     STARTTLS whenever the server offers it;
//   - smtps://[user:pass@]host[:port] (default port 465) speaks TLS from the
//     first byte.
//
// With a user name in the URL it authenticates with PLAIN, or LOGIN when
// the server offers only that; without one it does not authenticate. The
// credentials are never sent over an unencrypted connection except to
// localhost, and never logged: errors and String do not contain the URL.
func NewSMTPSender(smtpURL string) (*SMTPSender, error) {
	u, err := url.Parse(smtpURL)
	if err != nil {
		return nil, errors.New("mail: SMTP_URL is not a valid URL (value not shown)")
	}
	s := &SMTPSender{host: u.Hostname(), timeout: smtpTimeout}
	switch u.Scheme {
	case "smtp":
		s.port = 587
	case "smtps":
		s.port, s.implicitTLS = 465, true
	default:
		return nil, errors.New("mail: SMTP_URL must start with smtp:// or smtps://")
	}
	if s.host == "" {
		return nil, errors.New("mail: SMTP_URL has no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, errors.New("mail: SMTP_URL has an invalid port")
		}
		s.port = n
	}
	if u.User != nil {
		s.username = u.User.Username()
		s.password, _ = u.User.Password()
	}
	return s, nil
}

// NewSender returns the Sender for SMTP_URL: an *SMTPSender, or a nil
// Sender when smtpURL is empty (development: mail stays in the outbox).
// Use it rather than NewSMTPSender when wiring SendWorker, so an empty
// SMTP_URL gives a nil interface, not a nil *SMTPSender inside one.
func NewSender(smtpURL string) (Sender, error) {
	if smtpURL == "" {
		return nil, nil
	}
	s, err := NewSMTPSender(smtpURL)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// String describes the server without the credentials, for logs.
func (s *SMTPSender) String() string {
	scheme := "smtp"
	if s.implicitTLS {
		scheme = "smtps"
	}
	return scheme + "://" + net.JoinHostPort(s.host, strconv.Itoa(s.port))
}

// Send implements Sender: a multipart/alternative message (text, then HTML
// when m.HTML is set) with From, To, Subject, Date and
// Message-ID <messageID@domain of from>. It returns an error for an invalid
// message, from or messageID, and when the server does not accept the mail.
func (s *SMTPSender) Send(ctx context.Context, from string, m Message, messageID string) error {
	msg, err := buildMsg(from, m, messageID)
	if err != nil {
		return err
	}
	// go-mail honours ctx only while dialling: once connected, each SMTP
	// command waits up to the timeout whatever ctx says. Closing the
	// connection when ctx ends makes a cancelled send (a worker shutting
	// down) return at once.
	conns := &ctxConns{}
	stop := context.AfterFunc(ctx, conns.closeAll)
	defer stop()
	client, err := gomail.NewClient(s.host, append(s.options(), gomail.WithDialContextFunc(conns.dialer(s.dial)))...)
	if err != nil {
		return fmt.Errorf("mail: smtp client for %s: %w", s, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("mail: send through %s: %w (%v)", s, ctx.Err(), err)
		}
		return fmt.Errorf("mail: send through %s: %w", s, err)
	}
	return nil
}

// dial connects to the server: TLS from the first byte for smtps, plain
// TCP (upgraded by STARTTLS later) for smtp.
func (s *SMTPSender) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: s.timeout}
	if !s.implicitTLS {
		return d.DialContext(ctx, network, addr)
	}
	cfg := s.tlsConfig
	if cfg == nil {
		cfg = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	}
	td := &tls.Dialer{NetDialer: d, Config: cfg}
	return td.DialContext(ctx, network, addr)
}

// ctxConns tracks the connections of one send so that closeAll can cut
// them when its context ends; a connection dialled after that is closed at
// once.
type ctxConns struct {
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
}

func (c *ctxConns) dialer(dial gomail.DialContextFunc) gomail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.closed {
			_ = conn.Close()
			return nil, context.Canceled
		}
		c.conns = append(c.conns, conn)
		return conn, nil
	}
}

func (c *ctxConns) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, conn := range c.conns {
		_ = conn.Close()
	}
}

func (s *SMTPSender) options() []gomail.Option {
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(s.timeout)}
	if s.implicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.tlsConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.tlsConfig))
	}
	if s.username != "" {
		opts = append(opts, gomail.WithSMTPAuthCustom(&plainOrLogin{user: s.username, pass: s.password, host: s.host}))
	}
	return opts
}

// buildMsg turns m into a go-mail message.
func buildMsg(from string, m Message, messageID string) (*gomail.Msg, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	sender, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: MAIL_FROM %q is not a valid address", from)
	}
	if messageID == "" || hasControl(messageID) || strings.ContainsAny(messageID, "<>@ \"\\()[],;:") {
		return nil, fmt.Errorf("mail: invalid Message-ID local part %q", messageID)
	}
	domain := sender.Address[strings.LastIndexByte(sender.Address, '@')+1:]

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(sender)
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("%w: the recipient is not accepted: %v", ErrInvalidMessage, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(messageID + "@" + domain)
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// plainOrLogin authenticates with PLAIN when the server offers it, else with
// LOGIN. Both refuse (smtp.ErrUnencrypted) to send the password over a
// connection without TLS unless the server is localhost. A fresh one is
// made per connection: LOGIN keeps state between steps.
type plainOrLogin struct {
	user, pass, host string
	chosen           smtp.Auth
}

// Start implements smtp.Auth.
func (a *plainOrLogin) Start(server *smtp.ServerInfo) (string, []byte, error) {
	switch {
	case slices.Contains(server.Auth, "PLAIN"):
		a.chosen = smtp.PlainAuth("", a.user, a.pass, a.host, false)
	case slices.Contains(server.Auth, "LOGIN"):
		a.chosen = smtp.LoginAuth(a.user, a.pass, a.host, false)
	default:
		return "", nil, errors.New("mail: the SMTP server offers neither PLAIN nor LOGIN authentication")
	}
	return a.chosen.Start(server)
}

// Next implements smtp.Auth.
func (a *plainOrLogin) Next(fromServer []byte, more bool) ([]byte, error) {
	return a.chosen.Next(fromServer, more)
}
