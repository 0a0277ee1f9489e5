package faults

import (
	"bytes"
	"io"
	"log"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// smtpSink is a real SMTP server (emersion/go-smtp, as internal/mail's
// tests use) that records the messages it accepts and can hold a
// conversation at RCPT TO until told to go on. A client killed while held
// there has not sent DATA, so the server cannot have accepted the message:
// that is the window in which SMTP delivery can be made exactly-once. (Once
// the client has sent DATA's final dot, a real server may queue the message
// even if the client dies before the 250 reply; a resend then duplicates it,
// which the stable Message-ID lets receivers drop.)
type smtpSink struct {
	Addr string

	mu       sync.Mutex
	accepted []*mail.Message
	gate     chan struct{} // non-nil: RCPT waits until it is closed
	held     chan string   // receives each recipient held at the gate
}

// startSMTPSink starts the server on a free port; it stops when the test
// ends (releasing any held conversation first).
func startSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	s := &smtpSink{held: make(chan string, 16)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: s}, nil }))
	srv.Domain = "mx.test"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		s.release()
		_ = srv.Close()
		_ = ln.Close()
		<-done
	})
	return s
}

// URL is the SMTP_URL of the sink (plain SMTP, no authentication).
func (s *smtpSink) URL() string { return "smtp://" + s.Addr }

// hold makes every conversation from now on wait at RCPT TO.
func (s *smtpSink) hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate == nil {
		s.gate = make(chan struct{})
	}
}

// release lets held conversations go on and stops holding new ones.
func (s *smtpSink) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate != nil {
		close(s.gate)
		s.gate = nil
	}
}

// waitHeld waits until a conversation is held at RCPT TO and returns its
// recipient.
func (s *smtpSink) waitHeld(t *testing.T, d time.Duration) string {
	t.Helper()
	select {
	case rcpt := <-s.held:
		return rcpt
	case <-time.After(d):
		t.Fatalf("no SMTP conversation reached RCPT TO within %v", d)
		return ""
	}
}

// messagesWithID returns the accepted messages carrying Message-ID
// <localPart@...>.
func (s *smtpSink) messagesWithID(localPart string) []*mail.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*mail.Message
	for _, m := range s.accepted {
		if strings.HasPrefix(m.Header.Get("Message-Id"), "<"+localPart+"@") {
			out = append(out, m)
		}
	}
	return out
}

type sinkSession struct {
	sink *smtpSink
}

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.sink.mu.Lock()
	gate := ss.sink.gate
	ss.sink.mu.Unlock()
	if gate != nil {
		select {
		case ss.sink.held <- to:
		default:
		}
		<-gate
	}
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return err
	}
	ss.sink.mu.Lock()
	ss.sink.accepted = append(ss.sink.accepted, msg)
	ss.sink.mu.Unlock()
	return nil
}

func (ss *sinkSession) Reset() {}

func (ss *sinkSession) Logout() error { return nil }
