// Command stackserver serves every benchstack variant side by side in one
// process, each on its own loopback port, for bench/run.sh to load. It prints
// "name address" per variant, then "ready", and serves until SIGINT/SIGTERM.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-dev/rampart/internal/http/benchstack"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "stackserver:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	logFile, err := os.CreateTemp("", "rampart-bench-access-*.log")
	if err != nil {
		return err
	}
	defer os.Remove(logFile.Name())
	defer logFile.Close()

	opts := benchstack.Options{LogTo: logFile, RedisPrefix: fmt.Sprintf("bench:%d:", time.Now().UnixNano())}
	if url := os.Getenv("BENCH_REDIS_URL"); url != "" {
		ro, err := redis.ParseURL(url)
		if err != nil {
			return err
		}
		rdb := redis.NewClient(ro)
		defer rdb.Close()
		if err := rdb.Ping(ctx).Err(); err == nil {
			opts.Redis = rdb
		} else {
			fmt.Fprintln(os.Stderr, "stackserver: redis does not answer; skipping", benchstack.RampartRedis)
		}
	}

	// BENCH_CPUPROFILE=path profiles the whole run (pprof format), to see
	// where a stack spends its time under real HTTP load.
	if path := os.Getenv("BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path) // #nosec G304 G703 -- a benchmark tool writing where its operator asked
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	handlers := benchstack.Build(opts)
	var servers []*http.Server
	for _, name := range benchstack.Names() {
		h, ok := handlers[name]
		if !ok {
			continue
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		servers = append(servers, srv)
		go func() { _ = srv.Serve(ln) }()
		fmt.Printf("%s %s\n", name, ln.Addr())
	}
	fmt.Println("ready")
	<-ctx.Done()
	for _, s := range servers {
		_ = s.Close()
	}
	return nil
}
