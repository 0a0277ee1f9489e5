package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestServeAnswersTheLandingPageHealthAndReadiness(t *testing.T) {
	t.Parallel()
	s := startServer(t, newTestEnv(t))

	res, body := get(t, s.URL+"/")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Rampart") {
		t.Fatalf("landing: status %d, body %.200q", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("landing Content-Type %q", ct)
	}
	if res.Header.Get("X-Request-Id") == "" {
		t.Error("landing has no X-Request-Id")
	}

	res, body = get(t, s.URL+"/health")
	if res.StatusCode != http.StatusOK || strings.TrimSpace(body) != `{"status":"ok"}` {
		t.Errorf("health: %d %s", res.StatusCode, body)
	}

	res, body = get(t, s.URL+"/ready")
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	if err := json.Unmarshal([]byte(body), &ready); err != nil {
		t.Fatalf("ready body %q: %v", body, err)
	}
	if res.StatusCode != http.StatusOK || ready.Status != "ok" || ready.Checks["postgres"] != "ok" || ready.Checks["redis"] != "skipped" {
		t.Errorf("ready: %d %+v", res.StatusCode, ready)
	}

	// The landing page's stylesheet is served from its hashed URL.
	_, landing := get(t, s.URL+"/")
	start := strings.Index(landing, `href="/static/css/app.`)
	if start < 0 {
		t.Fatal("landing links no hashed stylesheet")
	}
	href := landing[start+len(`href="`):]
	href = href[:strings.IndexByte(href, '"')]
	res, _ = get(t, s.URL+href)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("stylesheet %s: %d, Cache-Control %q", href, res.StatusCode, res.Header.Get("Cache-Control"))
	}

	if err := s.Stop(t); err != nil {
		t.Errorf("run returned %v after a clean shutdown", err)
	}
	if _, err := http.Get(s.URL + "/health"); err == nil {
		t.Error("the server still accepts connections after shutdown")
	}
}

func TestReadyReportsRedisWhenConfigured(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env["REDIS_URL"] = "redis://127.0.0.1:6379/15"
	s := startServer(t, env)
	res, body := get(t, s.URL+"/ready")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `"redis":"ok"`) {
		t.Errorf("ready with Redis: %d %s", res.StatusCode, body)
	}

	env = newTestEnv(t)
	env["REDIS_URL"] = "redis://127.0.0.1:" + freePort(t) + "/0" // nothing listens there
	s = startServer(t, env)
	res, body = get(t, s.URL+"/ready")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"redis":"error`) || !strings.Contains(body, `"postgres":"ok"`) {
		t.Errorf("ready with Redis down: %d %s", res.StatusCode, body)
	}
}

func TestReadyIs503WhenPostgresBecomesUnreachable(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	u, err := url.Parse(env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.Addr()
	env["DATABASE_URL"] = u.String()
	s := startServer(t, env)

	if res, body := get(t, s.URL+"/ready"); res.StatusCode != http.StatusOK {
		t.Fatalf("ready through the proxy: %d %s", res.StatusCode, body)
	}
	proxy.Close()

	res, body := get(t, s.URL+"/ready")
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("ready with the database gone: %d %s", res.StatusCode, body)
	}
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	if err := json.Unmarshal([]byte(body), &ready); err != nil {
		t.Fatal(err)
	}
	if ready.Status == "ok" || !strings.HasPrefix(ready.Checks["postgres"], "error") {
		t.Errorf("ready does not name postgres: %s", body)
	}
	if strings.Contains(body, "postgres://") {
		t.Errorf("ready leaks the connection string: %s", body)
	}
	if res, _ := get(t, s.URL+"/health"); res.StatusCode != http.StatusOK {
		t.Errorf("liveness failed with the database down: %d", res.StatusCode)
	}
}

func TestShutdownLetsAnInFlightRequestFinish(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	log := slog.New(slog.DiscardHandler)
	go func() { served <- serveHTTP(ctx, ln, newHTTPServer(handler, log), 10*time.Second, log) }()

	type result struct {
		body string
		err  error
	}
	inflight := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			inflight <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		inflight <- result{string(b), err}
	}()
	<-entered
	cancel() // what SIGTERM does in main

	// New connections are refused while the slow request is still running.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still accepts connections during shutdown")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-served:
		t.Fatalf("serveHTTP returned (%v) before the in-flight request finished", err)
	default:
	}

	close(release)
	r := <-inflight
	if r.err != nil || r.body != "finished" {
		t.Errorf("in-flight request: body %q, err %v", r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Errorf("serveHTTP: %v, want nil after a clean drain", err)
	}
}

func TestShutdownGivesUpAfterTheGracePeriod(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done() // never finishes on its own
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	log := slog.New(slog.DiscardHandler)
	go func() { served <- serveHTTP(ctx, ln, newHTTPServer(handler, log), 100*time.Millisecond, log) }()
	go func() {
		if res, err := http.Get("http://" + ln.Addr().String()); err == nil {
			res.Body.Close()
		}
	}()
	<-entered
	cancel()
	if err := <-served; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want a deadline error after the grace period", err)
	}
}
