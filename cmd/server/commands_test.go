package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-dev/rampart/internal/db/dbtest"
)

func runCmd(t *testing.T, env testEnv, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"server"}, args...), env.get, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// productionEnv passes every deploy check.
func productionEnv(t *testing.T) testEnv {
	env := newTestEnv(t)
	env["APP_ENV"] = "production"
	env["SECRET_KEY"] = "q8Z1xV4mN7pR2tY5wB9cE3hJ6kL0sD8fG2aQ7uI4oP1zX5v"
	env["APP_BASE_URL"] = "https://app.example.com"
	env["REDIS_URL"] = "redis://127.0.0.1:6379/15"
	env["SMTP_URL"] = "smtps://mailer:pw@smtp.example.com:465"
	env["WORKER_IN_PROCESS"] = "false"
	return env
}

func TestCheckDeploy(t *testing.T) {
	t.Parallel()
	migrated := productionEnv(t)
	if _, _, err := runCmd(t, testEnv{"DATABASE_URL": migrated["DATABASE_URL"], "APP_DATA_DIR": t.TempDir()}, "", "migrate", "up"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		change  map[string]string
		fails   bool
		wantOut string
	}{
		{"a complete production configuration passes", nil, false, "System check identified no issues."},
		{"development mode is an error", map[string]string{"APP_ENV": "development", "SECRET_KEY": migrated["SECRET_KEY"]}, true, "ERROR rampart.E"},
		{"a plain-http base URL is an error", map[string]string{"APP_BASE_URL": "http://app.example.com"}, true, "ERROR"},
		{"a short secret key is a configuration error", map[string]string{"SECRET_KEY": "too-short"}, true, "SECRET_KEY"},
		{"no Redis is only a warning", map[string]string{"REDIS_URL": ""}, false, "WARNING"},
		{"a wide-open admin range is an error", map[string]string{"ADMIN_ALLOWED_CIDRS": "0.0.0.0/0"}, true, "ERROR"},
		{"a wildcard CORS origin is an error", map[string]string{"CORS_ALLOWED_ORIGINS": "*"}, true, "ERROR"},
		{"a missing SMTP server is an error", map[string]string{"SMTP_URL": ""}, true, "ERROR"},
		{"an unreachable database is an error", map[string]string{"DATABASE_URL": "postgres://postgres@127.0.0.1:1/x?sslmode=disable"}, true, "rampart.E100"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv{}
			for k, v := range migrated {
				env[k] = v
			}
			for k, v := range tc.change {
				env[k] = v
			}
			out, _, err := runCmd(t, env, "", "check", "--deploy")
			if tc.fails != (err != nil) {
				t.Errorf("failed=%v (err %v), want failed=%v\n%s", err != nil, err, tc.fails, out)
			}
			if !strings.Contains(out, tc.wantOut) {
				t.Errorf("output lacks %q:\n%s", tc.wantOut, out)
			}
		})
	}
}

func TestCheckWithoutDeployFindsPendingMigrations(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env["DATABASE_URL"] = dbtest.NewEmptyURL(t)
	out, _, err := runCmd(t, env, "", "check")
	if err == nil || !strings.Contains(out, "rampart.E102") {
		t.Fatalf("an unmigrated database passed the check (err %v):\n%s", err, out)
	}
	if _, _, err := runCmd(t, env, "", "migrate", "up"); err != nil {
		t.Fatal(err)
	}
	out, _, err = runCmd(t, env, "", "check")
	if err != nil || !strings.Contains(out, "no issues") {
		t.Errorf("after migrating: err %v\n%s", err, out)
	}
}

func TestMigrateStatusListsEveryMigration(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env["DATABASE_URL"] = dbtest.NewEmptyURL(t)
	out, _, err := runCmd(t, env, "", "migrate", "status")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "00001_users.sql") || !strings.Contains(out, "pending") {
		t.Errorf("status before up:\n%s", out)
	}
	if _, _, err := runCmd(t, env, "", "migrate", "up"); err != nil {
		t.Fatal(err)
	}
	out, _, _ = runCmd(t, env, "", "migrate", "status")
	lines := strings.Split(strings.TrimSpace(out), "\n")[1:]
	for _, line := range lines {
		if fields := strings.Fields(line); !strings.Contains(" "+line+" ", " applied ") || fields[len(fields)-1] == "pending" {
			t.Errorf("after up, a migration is not applied: %s", line)
		}
	}
	if len(lines) < 4 || !strings.Contains(out, "river") {
		t.Errorf("status after up lists too little:\n%s", out)
	}
	out, _, err = runCmd(t, env, "", "migrate", "sideways")
	if err == nil {
		t.Errorf("an unknown migrate direction succeeded: %s", out)
	}
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	if _, _, err := runCmd(t, env, "", "migrate", "up"); err != nil {
		t.Fatal(err)
	}
	const pw = "correct horse battery staple"

	out, _, err := runCmd(t, env, pw+"\n", "createuser", "--email", "ada@example.com", "--admin")
	if err != nil || !strings.Contains(out, "created user ada@example.com (admin)") {
		t.Fatalf("createuser: %v\n%s", err, out)
	}

	conn, err := pgx.Connect(context.Background(), env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var hash string
	var verified, admin bool
	err = conn.QueryRow(context.Background(), `
		SELECT u.password_hash, u.email_verified_at IS NOT NULL,
		       EXISTS (SELECT 1 FROM user_permissions p WHERE p.user_id = u.id AND p.codename = 'admin.access')
		FROM users u WHERE u.email = 'ada@example.com'`).Scan(&hash, &verified, &admin)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(hash, pw) {
		t.Errorf("stored hash %q", hash)
	}
	if !verified || !admin {
		t.Errorf("verified=%v admin=%v, want both", verified, admin)
	}

	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"the same email again is refused", pw, []string{"--email", "ADA@example.com"}, "already exists"},
		{"a short password is refused", "short", []string{"--email", "bob@example.com"}, "at least 12"},
		{"a common password is refused", "password123456", []string{"--email", "bob@example.com"}, "too easy to guess"},
		{"no password on stdin is refused", "", []string{"--email", "bob@example.com"}, "no password"},
		{"a password as an argument is refused", "", []string{"--email", "bob@example.com", pw}, "never from arguments"},
		{"a malformed email is refused", pw, []string{"--email", "not-an-email"}, "plain email"},
		{"a missing email is refused", pw, nil, "plain email"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCmd(t, env, tc.stdin, append([]string{"createuser"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM users").Scan(&n); err != nil || n != 1 {
		t.Errorf("%d users after refused attempts (err %v), want 1", n, err)
	}
}

func TestHealthcheckCommand(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	startServer(t, env)
	if _, _, err := runCmd(t, env, "", "healthcheck"); err != nil {
		t.Errorf("healthcheck against a running server: %v", err)
	}
	down := testEnv{"APP_ADDR": "127.0.0.1:" + freePort(t)}
	if _, _, err := runCmd(t, down, "", "healthcheck"); err == nil {
		t.Error("healthcheck with nothing listening succeeded")
	}
}

func TestUnknownCommandAndBadConfigFail(t *testing.T) {
	t.Parallel()
	_, errOut, err := runCmd(t, testEnv{}, "", "frobnicate")
	if !errors.Is(err, errReported) || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: err %v, stderr %q", err, errOut)
	}
	_, _, err = runCmd(t, testEnv{"APP_ENV": "staging", "RATE_LIMIT_AUTH_PER_MINUTE": "lots"}, "", "serve")
	if err == nil || !strings.Contains(err.Error(), "APP_ENV") || !strings.Contains(err.Error(), "RATE_LIMIT_AUTH_PER_MINUTE") {
		t.Errorf("bad configuration: got %v, want both problems reported together", err)
	}
}
