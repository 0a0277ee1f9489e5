package faults

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/testutil"
)

// The server and worker binaries are built once per run, on first use, into
// binDir (made and removed by TestMain).
var (
	binDir    string
	buildOnce sync.Once
	buildErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rampart-faults-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// binaries returns the paths of the server and worker binaries, building
// them the first time (`go build`, as the Dockerfile does minus the flags).
func binaries(t *testing.T) (server, worker string) {
	t.Helper()
	buildOnce.Do(func() {
		cmd := exec.Command("go", "build", "-o", binDir+string(filepath.Separator),
			"github.com/rampart-dev/rampart/cmd/server", "github.com/rampart-dev/rampart/cmd/worker")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, "server"), filepath.Join(binDir, "worker")
}

// proc is a child process whose output is kept and shown when the test
// fails. It is killed, if still running, when the test ends.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *testutil.SyncBuffer
	done chan struct{}
	err  error // what Wait returned; read after done
}

// startProc starts bin with args and exactly env (plus PATH).
func startProc(t *testing.T, name, bin string, env map[string]string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(bin, args...), out: &testutil.SyncBuffer{}, done: make(chan struct{})}
	p.cmd.Env = envList(env)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("--- output of %s (last 6000 bytes):\n%s", p.name, tail(p.out.String(), 6000))
		}
	})
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v to %s: %v", sig, p.name, err)
	}
}

// waitExit waits up to d for the process to end and returns its exit code
// (-1 when a signal ended it).
func (p *proc) waitExit(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		t.Fatalf("%s did not exit within %v", p.name, d)
	}
	var exitErr *exec.ExitError
	switch {
	case p.err == nil:
		return 0
	case errors.As(p.err, &exitErr):
		return exitErr.ExitCode()
	}
	t.Fatalf("%s: %v", p.name, p.err)
	return -1
}

// kill ends the process with SIGKILL, as the OOM killer or a node failure
// would, and waits for it.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	p.signal(t, syscall.SIGKILL)
	if code := p.waitExit(t, 10*time.Second); code != -1 {
		t.Fatalf("%s exited with %d, not by SIGKILL", p.name, code)
	}
}

func envList(env map[string]string) []string {
	list := []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)
	return list
}

// runCommand runs bin to completion with env and stdin and returns its
// combined output; a non-zero exit fails the test.
func runCommand(t *testing.T, bin string, env map[string]string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = envList(env)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// freePort returns a loopback port nothing listens on at the moment.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// lookBinary finds a program the test needs, or skips the test saying how
// to install it: the one reason these tests skip.
func lookBinary(t *testing.T, name, install string, dirs ...string) string {
	t.Helper()
	for _, pattern := range dirs {
		matches, _ := filepath.Glob(filepath.Join(pattern, name))
		sort.Sort(sort.Reverse(sort.StringSlice(matches))) // newest PostgreSQL first
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && st.Mode()&0o111 != 0 {
				return m
			}
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	t.Skipf("SKIP: %s is not installed, so this fault test cannot run. Install it: %s", name, install)
	return ""
}

// eventually polls cond every 50 ms until it holds or d has passed.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
