package faults

import (
	"context"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// testSecretKey is the SECRET_KEY every process of a test shares, as the
// replicas of one deployment do (sessions, CSRF and JWTs made by one
// instance are valid on the others).
const testSecretKey = "faults-test-secret-key-0123456789abcdef-0123456789"

// testPassword passes the password policy (zxcvbn score 3 or more).
const testPassword = "quartz-otter-lantern-91-meadow"

// baseEnv is the configuration every process starts from: test mode, the
// given database, no in-process worker, the loopback trusted as a proxy (so
// each scenario picks its client IP with X-Forwarded-For and none shares
// another's rate-limit buckets), and limits no test meets unless it lowers
// them.
func baseEnv(t *testing.T, dbURL string) map[string]string {
	return map[string]string{
		"APP_ENV":                        "test",
		"SECRET_KEY":                     testSecretKey,
		"DATABASE_URL":                   dbURL,
		"APP_DATA_DIR":                   t.TempDir(),
		"WORKER_IN_PROCESS":              "false",
		"APP_SHUTDOWN_TIMEOUT":           "10s",
		"TRUSTED_PROXIES":                "127.0.0.1/32",
		"RATE_LIMIT_REQUESTS_PER_MINUTE": "1000000",
		"RATE_LIMIT_AUTH_PER_MINUTE":     "1000000",
		"RATE_LIMIT_API_PER_HOUR":        "1000000",
	}
}

// server is one `server serve` process.
type server struct {
	*proc
	URL  string // http://127.0.0.1:port
	Addr string
}

// startServer starts the server binary with env on a free port (APP_BASE_URL
// is its own URL unless env sets one) and waits until /health answers.
func startServer(t *testing.T, env map[string]string) *server {
	t.Helper()
	bin, _ := binaries(t)
	addr := "127.0.0.1:" + freePort(t)
	env = maps.Clone(env)
	env["APP_ADDR"] = addr
	if env["APP_BASE_URL"] == "" {
		env["APP_BASE_URL"] = "http://" + addr
	}
	s := &server{proc: startProc(t, "server "+addr, bin, env, "serve"), URL: "http://" + addr, Addr: addr}
	client := &http.Client{Timeout: 2 * time.Second}
	ok := eventually(60*time.Second, func() bool {
		if s.exited() {
			return true
		}
		res, err := client.Get(s.URL + "/health")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	if s.exited() {
		t.Fatalf("%s exited during start-up: %v", s.name, s.err)
	}
	if !ok {
		t.Fatalf("%s did not answer /health within 60s", s.name)
	}
	return s
}

// startWorker starts the worker binary with env; it has no port to poll, so
// it is running once it logs so.
func startWorker(t *testing.T, name string, env map[string]string) *proc {
	t.Helper()
	_, bin := binaries(t)
	p := startProc(t, name, bin, env)
	if !eventually(30*time.Second, func() bool { return p.exited() || strings.Contains(p.out.String(), "worker running") }) || p.exited() {
		t.Fatalf("%s did not start (exited: %v)", name, p.exited())
	}
	return p
}

// createUser runs `server createuser`, the operator's way to add an account
// (verified email), with the password on stdin.
func createUser(t *testing.T, env map[string]string, email string) {
	t.Helper()
	bin, _ := binaries(t)
	runCommand(t, bin, env, testPassword+"\n", "createuser", "--email", email)
}

// dbConn opens a direct connection to the test's database, for setting up
// faults and reading what the processes did; closed when the test ends.
func dbConn(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// queryInt runs a query returning one integer.
func queryInt(t *testing.T, conn *pgx.Conn, sql string, args ...any) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var n int
	if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}
