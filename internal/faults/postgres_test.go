package faults

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
)

// pgCluster is a private PostgreSQL cluster (initdb + pg_ctl) on a port of
// its own, which a test may stop and start without touching the shared
// server. As root it runs as the postgres user, which PostgreSQL requires
// (scripts/db.sh does the same).
type pgCluster struct {
	bin     string // directory holding initdb, pg_ctl, postgres
	data    string
	port    string
	asOwner []string // runuser -u postgres -- when the test runs as root
}

// startPGCluster initialises and starts a cluster in a temporary directory;
// it is stopped (immediate mode) and removed when the test ends.
func startPGCluster(t *testing.T) *pgCluster {
	t.Helper()
	initdb := lookBinary(t, "initdb", "apt-get install postgresql postgresql-contrib", "/usr/lib/postgresql/*/bin")
	c := &pgCluster{bin: filepath.Dir(initdb), port: freePort(t)}
	root, err := os.MkdirTemp("", "rampart-faults-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(root) })
	c.data = filepath.Join(root, "data")
	if err := os.Mkdir(c.data, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		c.asOwner = postgresOwner(t, root, c.data)
	}
	c.run(t, "initdb", "-D", c.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "-N")
	c.start(t)
	t.Cleanup(func() {
		cmd := c.command("pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop")
		_ = cmd.Run() // already stopped is fine
	})
	return c
}

// postgresOwner hands the data directory to the postgres user and returns
// the prefix that runs a command as that user.
func postgresOwner(t *testing.T, root, data string) []string {
	t.Helper()
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("running as root, PostgreSQL must run as the postgres user, which does not exist: %v", err)
	}
	runuser, err := exec.LookPath("runuser")
	if err != nil {
		t.Fatalf("running as root, runuser is needed to start PostgreSQL as postgres: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(data, uid, gid); err != nil {
		t.Fatal(err)
	}
	return []string{runuser, "-u", "postgres", "--"}
}

// URL is the DATABASE_URL of the cluster's postgres database.
func (c *pgCluster) URL() string {
	return "postgres://postgres@127.0.0.1:" + c.port + "/postgres?sslmode=disable"
}

// start starts the server and waits until it accepts connections.
func (c *pgCluster) start(t *testing.T) {
	t.Helper()
	c.run(t, "pg_ctl", "-D", c.data, "-l", filepath.Join(c.data, "server.log"), "-w", "-t", "60",
		"-o", "-p "+c.port+" -c listen_addresses=127.0.0.1 -k "+c.data+" -c fsync=off", "start")
}

// stop shuts the server down in fast mode, as an operator's restart does:
// sessions are terminated, new connections refused.
func (c *pgCluster) stop(t *testing.T) {
	t.Helper()
	c.run(t, "pg_ctl", "-D", c.data, "-m", "fast", "-w", "-t", "60", "stop")
}

func (c *pgCluster) command(prog string, args ...string) *exec.Cmd {
	argv := append(append(append([]string(nil), c.asOwner...), filepath.Join(c.bin, prog)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}
	return cmd
}

func (c *pgCluster) run(t *testing.T, prog string, args ...string) {
	t.Helper()
	if out, err := c.command(prog, args...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.data, "server.log"))
		t.Fatalf("%s: %v\n%s\nserver.log:\n%s", prog, err, out, tail(string(log), 3000))
	}
}
