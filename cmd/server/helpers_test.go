package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/db/dbtest"
	"github.com/rampart-dev/rampart/internal/testutil"
)

// testEnv is a getenv over a map, with the settings every test needs: a
// fresh database, a private data directory and a free port.
type testEnv map[string]string

func (e testEnv) get(name string) string { return e[name] }

func newTestEnv(t *testing.T) testEnv {
	t.Helper()
	return testEnv{
		"APP_ENV":              "test",
		"APP_ADDR":             "127.0.0.1:" + freePort(t),
		"APP_DATA_DIR":         t.TempDir(),
		"DATABASE_URL":         dbtest.NewURL(t),
		"APP_SHUTDOWN_TIMEOUT": "10s",
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// runningServer is the real server started through run.
type runningServer struct {
	URL  string
	Logs *testutil.SyncBuffer
	stop context.CancelFunc
	done chan error
}

// startServer runs `server serve` in-process with env and waits until
// /health answers. The server is stopped when the test ends.
func startServer(t *testing.T, env testEnv) *runningServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &runningServer{URL: "http://" + env["APP_ADDR"], Logs: &testutil.SyncBuffer{}, stop: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- run(ctx, []string{"server", "serve"}, env.get, strings.NewReader(""), io.Discard, s.Logs)
	}()
	t.Cleanup(func() { s.Stop(t) })

	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("server exited during start-up: %v\n%s", err, s.Logs)
		default:
		}
		res, err := http.Get(s.URL + "/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server did not answer /health within 60s\n%s", s.Logs)
	return nil
}

// Stop cancels the server's context (as SIGTERM does) and returns what run
// returned.
func (s *runningServer) Stop(t *testing.T) error {
	t.Helper()
	s.stop()
	select {
	case err := <-s.done:
		s.done <- err
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not stop within 30s\n%s", s.Logs)
		return nil
	}
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

// tcpProxy forwards connections to target until Close, which also cuts the
// connections it carries: a database that becomes unreachable.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(p.Close)
	return p
}

func (p *tcpProxy) Addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			up.Close()
			return
		}
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); up.Close() }()
		go func() { _, _ = io.Copy(c, up); c.Close() }()
	}
}

func (p *tcpProxy) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
}
