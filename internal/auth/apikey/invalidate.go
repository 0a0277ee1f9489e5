package apikey

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timings of the revocation subscription.
const (
	// healthInterval: after this long without a message the subscription is
	// pinged, and without an answer within another interval it is
	// considered lost, so a silently dead connection turns the cache off
	// within two intervals.
	healthInterval = 5 * time.Second
	// publishTimeout bounds the publication of a revocation.
	publishTimeout = 2 * time.Second
	// minBackoff and maxBackoff bound the wait between subscription attempts.
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// invalidate drops prefixes from this Service's cache and, with Redis,
// publishes them to every Service. A failed publication is logged: the
// revocation is already in PostgreSQL and the others catch up within
// CacheTTL.
func (s *Service) invalidate(ctx context.Context, prefixes ...string) {
	for _, p := range prefixes {
		s.cache.drop(p)
	}
	if s.rdb == nil || len(prefixes) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, prefix := range prefixes {
			p.Publish(ctx, s.channel, prefix)
		}
		return nil
	})
	if err != nil {
		s.log.WarnContext(ctx, "api key: publishing a revocation to Redis failed; other instances will notice within the cache TTL",
			"keys", len(prefixes), "cache_ttl", s.ttl, "error", err)
	}
}

// watcher holds the subscription to the revocation channel and keeps the
// cache on only while it is confirmed: a subscription that is lost or not
// yet established may miss messages, so the cache is emptied and bypassed
// until Redis confirms a new one (and emptied again then).
type watcher struct {
	s      *Service
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu sync.Mutex
	ps *redis.PubSub

	lost          bool         // a subscription failed and none was confirmed since; run's goroutine only
	subscriptions atomic.Int64 // confirmed subscriptions so far, for tests
}

func startWatcher(s *Service) *watcher {
	ctx, cancel := context.WithCancel(context.Background())
	w := &watcher{s: s, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	go w.run()
	return w
}

// stop ends the subscription and waits for the goroutine; idempotent.
func (w *watcher) stop() {
	w.cancel()
	w.mu.Lock()
	if w.ps != nil {
		_ = w.ps.Close()
	}
	w.mu.Unlock()
	<-w.done
}

func (w *watcher) run() {
	defer close(w.done)
	backoff := minBackoff
	for {
		w.mu.Lock()
		if w.ctx.Err() != nil {
			w.mu.Unlock()
			return
		}
		w.ps = w.s.rdb.Subscribe(w.ctx, w.s.channel)
		ps := w.ps
		w.mu.Unlock()

		confirmed, err := w.listen(ps)
		w.s.cache.disable()
		_ = ps.Close()
		if w.ctx.Err() != nil {
			return
		}
		if confirmed {
			backoff = minBackoff
		}
		if !w.lost {
			w.s.log.Warn("api key: the Redis revocation subscription failed; the key cache is off until it is back",
				"channel", w.s.channel, "error", err)
		}
		w.lost = true
		select {
		case <-w.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// listen reads ps until it fails, and reports whether it was confirmed.
func (w *watcher) listen(ps *redis.PubSub) (confirmed bool, err error) {
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(w.ctx, healthInterval)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !pinged && w.ctx.Err() == nil {
				if err := ps.Ping(w.ctx); err != nil {
					return confirmed, err
				}
				pinged = true
				continue
			}
			return confirmed, err
		}
		pinged = false
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" && m.Channel == w.s.channel {
				confirmed = true
				w.subscriptions.Add(1)
				w.s.cache.enable()
				if w.lost {
					w.s.log.Info("api key: the Redis revocation subscription is back; the key cache is on", "channel", w.s.channel)
					w.lost = false
				}
			}
		case *redis.Message:
			if validPrefix(m.Payload) {
				w.s.cache.drop(m.Payload)
			}
		}
	}
}
