package faults

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisServer is a private redis-server on a port of its own, which a test
// may stop and start again (on the same port) without touching anyone
// else's Redis. It keeps nothing on disk.
type redisServer struct {
	bin  string
	port string
	p    *proc
}

// startRedisServer starts a private redis-server on a free port; it is
// killed when the test ends.
func startRedisServer(t *testing.T) *redisServer {
	t.Helper()
	r := &redisServer{
		bin:  lookBinary(t, "redis-server", "apt-get install redis-server"),
		port: freePort(t),
	}
	r.start(t)
	return r
}

// URL is the REDIS_URL of the server, DB 0.
func (r *redisServer) URL() string { return "redis://127.0.0.1:" + r.port + "/0" }

// start (re)starts the server on its port and waits until it answers PING.
func (r *redisServer) start(t *testing.T) {
	t.Helper()
	r.p = startProc(t, "redis-server :"+r.port, r.bin, nil,
		"--port", r.port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no")
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + r.port, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer rdb.Close()
	ok := eventually(10*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		return r.p.exited() || rdb.Ping(ctx).Err() == nil
	})
	if !ok || r.p.exited() {
		t.Fatalf("redis-server on port %s did not start", r.port)
	}
}

// kill stops the server the hard way (SIGKILL), as a crash or a lost node
// would: clients see their connections reset and new ones refused.
func (r *redisServer) kill(t *testing.T) {
	t.Helper()
	r.p.kill(t)
}
