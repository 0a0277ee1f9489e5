// Command server is Rampart's web server and its operator commands:
//
//	server [serve]                          serve HTTP (and, in development, run the job worker)
//	server migrate up|down|status           apply, roll back or list migrations
//	server check [--deploy]                 check the configuration and database (--deploy: production checklist)
//	server createuser --email E [--admin]   create a user; the password is read from stdin
//	server healthcheck                      exit 0 when this host's /health answers 200 (for containers)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// go-redis reports connection failures through a process-wide logger;
	// route them to stderr in the same shape as ours instead of its default.
	redis.SetLogger(newRedisLogger(slog.New(slog.NewTextHandler(os.Stderr, nil)), 10*time.Second))
	if err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errReported) {
			fmt.Fprintln(os.Stderr, "error:", err)
		}
		os.Exit(1)
	}
}

// errReported means the command already explained the failure on its output;
// main only sets the exit code.
var errReported = errors.New("reported")

const usage = `usage: server [command]

commands:
  serve                          serve HTTP (the default)
  migrate up|down|status         apply, roll back one, or list migrations
  check [--deploy]               check configuration and database; --deploy adds the production checklist
  createuser --email E [--admin] create a user, reading the password from stdin
  grant|revoke (--email E | --group G) PERM...
                                 grant or take back permissions (of a user, or of a group)
  grant|revoke --group G --email E
                                 add a user to a group, or take them out
  perms [--email E]              list groups and their permissions, or what a user holds
  healthcheck                    exit 0 when the local /health answers 200
`

// run is the whole program with its environment passed in, so tests run the
// real server in-process. ctx is cancelled on SIGINT/SIGTERM.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd, rest := "serve", []string(nil)
	if len(args) > 1 {
		cmd, rest = args[1], args[2:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, getenv, stderr)
	case "migrate":
		return migrate(ctx, rest, getenv, stdout, stderr)
	case "check":
		return check(ctx, rest, getenv, stdout, stderr)
	case "createuser":
		return createUser(ctx, rest, getenv, stdin, stdout, stderr)
	case "grant", "revoke":
		return grant(ctx, cmd == "revoke", rest, getenv, stdout, stderr)
	case "perms":
		return listPerms(ctx, rest, getenv, stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, getenv)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return errReported
}

// redisLogger adapts go-redis's logger to slog at warning level, writing at
// most one line per interval: while Redis is down go-redis reports a failed
// dial for nearly every command, which would flood the log. The next line
// written says how many were left out.
type redisLogger struct {
	log      *slog.Logger
	interval time.Duration

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

func newRedisLogger(log *slog.Logger, interval time.Duration) *redisLogger {
	return &redisLogger{log: log, interval: interval}
}

func (l *redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.mu.Lock()
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < l.interval {
		l.suppressed++
		l.mu.Unlock()
		return
	}
	l.last = now
	suppressed := l.suppressed
	l.suppressed = 0
	l.mu.Unlock()
	if suppressed > 0 {
		l.log.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...), "suppressed", suppressed)
		return
	}
	l.log.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
