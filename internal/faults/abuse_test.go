package faults

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/db/dbtest"
)

// TestAbusiveClientsAreCutOffAndRefused runs DESIGN.md's server limits
// against the real binary: slow headers (ReadHeaderTimeout 5 s), oversize
// headers (64 KiB) and bodies (1 MiB), and many client IPs through a
// trusted proxy. The per-IP limit is 2 a minute, so each request below comes
// from an address of its own unless it means to hit the limit.
func TestAbusiveClientsAreCutOffAndRefused(t *testing.T) {
	t.Parallel()
	env := baseEnv(t, dbtest.NewURL(t))
	env["RATE_LIMIT_REQUESTS_PER_MINUTE"] = "2"
	s := startServer(t, env)
	var ips atomic.Int64
	nextIP := func() string {
		n := ips.Add(1)
		return fmt.Sprintf("198.18.%d.%d", n/250%250, n%250+1)
	}

	// First and alone, so that no other subtest's connections move the
	// goroutine count it compares.
	t.Run("ten thousand client IPs get a bucket each without growing the process", func(t *testing.T) {
		testManyClientIPs(t, s)
	})
	t.Run("slow-header clients are cut off after about 5 s and do not starve others", func(t *testing.T) {
		t.Parallel()
		testSlowloris(t, s, nextIP)
	})
	t.Run("headers over 64 KiB are refused with 431", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			size int
			want int
		}{{48 << 10, http.StatusOK}, {100 << 10, http.StatusRequestHeaderFieldsTooLarge}} {
			res := newBrowser(t, nextIP()).do(http.MethodGet, s.URL+"/", nil, "X-Padding", strings.Repeat("a", tc.size))
			if res.Err != nil || res.Status != tc.want {
				t.Errorf("a %d KiB header: %d (%v), want %d", tc.size>>10, res.Status, res.Err, tc.want)
			}
		}
	})
	t.Run("bodies over 1 MiB are refused with 413", func(t *testing.T) {
		t.Parallel()
		testOversizeBodies(t, s, nextIP)
	})
}

// testSlowloris opens slow-header connections (a byte every 500 ms, never
// finishing the headers) and checks that the server closes each about
// ReadHeaderTimeout (5 s) after it opened, without answering 200, while an
// ordinary client is served meanwhile.
func testSlowloris(t *testing.T, s *server, nextIP func() string) {
	const conns = 50
	closedAfter := make([]time.Duration, conns)
	replies := make([]string, conns)
	var wg sync.WaitGroup
	for i := range conns {
		c, err := net.Dial("tcp", s.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		opened := time.Now()
		wg.Go(func() { replies[i], closedAfter[i] = readUntilClosed(c, opened) })
		go trickle(c, "GET / HTTP/1.1\r\nHost: "+s.Addr+"\r\nX-Slow: ")
	}
	time.Sleep(time.Second)
	res := newBrowser(t, nextIP()).get(t, s.URL+"/")
	if res.Status != http.StatusOK || res.Elapsed > 3*time.Second {
		t.Errorf("an ordinary request among %d slow clients: %d in %v", conns, res.Status, res.Elapsed)
	}
	wg.Wait()
	for i, d := range closedAfter {
		if d < 4*time.Second || d > 8*time.Second {
			t.Errorf("slow connection %d closed after %v, want about 5 s (4-8 s)", i, d.Round(time.Millisecond))
		}
		if strings.Contains(replies[i], " 200 ") {
			t.Errorf("slow connection %d was answered: %.100q", i, replies[i])
		}
	}
}

// trickle writes prefix, then one byte every 500 ms until a write fails.
func trickle(c net.Conn, prefix string) {
	if _, err := io.WriteString(c, prefix); err != nil {
		return
	}
	for {
		time.Sleep(500 * time.Millisecond)
		if _, err := c.Write([]byte("a")); err != nil {
			return
		}
	}
}

// readUntilClosed reads until the server closes c (or 15 s pass) and
// returns what it sent and when it closed, measured from opened.
func readUntilClosed(c net.Conn, opened time.Time) (string, time.Duration) {
	_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
	data, _ := io.ReadAll(c)
	return string(data), time.Since(opened)
}

// testOversizeBodies posts bodies just over the 1 MiB limit with a
// Content-Length, streamed chunked (no length), and as JSON to the API,
// plus one just under it, which must get past the limit. The forms carry a
// valid CSRF token first, so that the CSRF check reads the body (without
// one it refuses the request, 403, before reading anything).
func testOversizeBodies(t *testing.T, s *server, nextIP func() string) {
	br := newBrowser(t, nextIP())
	token := csrfToken(t, br.get(t, s.URL+"/login").Body)
	over := "csrf_token=" + token + "&email=a%40example.com&password=" + strings.Repeat("x", 1<<20)
	cases := []struct {
		name string
		path string
		body io.Reader
		ct   string
		want func(int) bool
	}{
		{"a form with Content-Length over 1 MiB", "/login", strings.NewReader(over), "application/x-www-form-urlencoded",
			func(st int) bool { return st == http.StatusRequestEntityTooLarge }},
		{"a chunked form over 1 MiB", "/login", io.MultiReader(strings.NewReader(over)), "application/x-www-form-urlencoded",
			func(st int) bool { return st == http.StatusRequestEntityTooLarge }},
		{"a chunked JSON body over 1 MiB", "/api/v1/auth/token",
			io.MultiReader(strings.NewReader(`{"email":"a@example.com","password":"`), bytes.NewReader(bytes.Repeat([]byte("x"), 2<<20)), strings.NewReader(`"}`)),
			"application/json", func(st int) bool { return st == http.StatusRequestEntityTooLarge }},
		{"a JSON body just under 1 MiB gets past the limit", "/api/v1/auth/token",
			strings.NewReader(`{"email":"a@example.com","password":"` + strings.Repeat("x", 1<<20-100) + `"}`),
			"application/json", func(st int) bool { return st != http.StatusRequestEntityTooLarge && st < 500 }},
	}
	for _, tc := range cases {
		br.ip = nextIP()
		res := br.do(http.MethodPost, s.URL+tc.path, tc.body, "Content-Type", tc.ct, "Accept", "application/json", "Origin", s.URL)
		if res.Err != nil || !tc.want(res.Status) {
			t.Errorf("%s: %d (%v) %.200s", tc.name, res.Status, res.Err, res.Body)
		}
	}
}

// testManyClientIPs sends one request from each of 10,000 addresses
// (X-Forwarded-For through the trusted loopback proxy). Each has a bucket of
// its own: none is refused, though the limit is 2 a minute, while a third
// request from one of them is. The limiter's memory is bounded by
// MemoryStoreOptions.MaxKeys (100,000 keys by default; that cap is tested in
// internal/http/middleware, TestRateLimitMemoryStoreStaysWithinMaxKeys);
// here the process must not grow per client: no goroutine per key, no
// large allocation kept per key.
func testManyClientIPs(t *testing.T, s *server) {
	const clients = 10_000
	admin := newBrowser(t, "")
	before := admin.get(t, s.URL+"/metrics").Body
	var refused, failed atomic.Int64
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 8 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < clients; i = next.Add(1) - 1 {
				res := newBrowser(t, fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)).do(http.MethodHead, s.URL+"/", nil)
				switch {
				case res.Err != nil || (res.Status != http.StatusOK && res.Status != http.StatusTooManyRequests):
					failed.Add(1)
				case res.Status == http.StatusTooManyRequests:
					refused.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 || refused.Load() > 0 {
		t.Fatalf("of %d clients with one request each, %d were refused and %d failed", clients, refused.Load(), failed.Load())
	}
	repeat := newBrowser(t, "10.0.0.7")
	if st := []int{repeat.get(t, s.URL+"/").Status, repeat.get(t, s.URL+"/").Status}; st[1] != http.StatusTooManyRequests {
		t.Errorf("the 2nd and 3rd requests of one client within a minute: %v, want the 3rd refused (limit 2)", st)
	}
	after := admin.get(t, s.URL+"/metrics").Body
	g0, g1 := metricValue(before, "go_goroutines"), metricValue(after, "go_goroutines")
	r0, r1 := metricValue(before, "process_resident_memory_bytes"), metricValue(after, "process_resident_memory_bytes")
	t.Logf("after %d client IPs: goroutines %v -> %v, RSS %.1f -> %.1f MiB", clients, g0, g1, r0/(1<<20), r1/(1<<20))
	if g0 < 0 || g1 > g0+20 {
		t.Errorf("goroutines grew from %v to %v with %d client IPs", g0, g1, clients)
	}
	if r0 < 0 || r1-r0 > 48<<20 {
		t.Errorf("RSS grew by %.1f MiB with %d client IPs (bound 48 MiB)", (r1-r0)/(1<<20), clients)
	}
}
