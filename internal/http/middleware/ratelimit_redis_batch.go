package middleware

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrRedisStoreClosed is returned (wrapped) by RedisStore.Allow after Close,
// and to the checks still queued when Close is called.
var ErrRedisStoreClosed = errors.New("middleware: RedisStore is closed")

// ErrRedisStoreQueueFull is returned (wrapped) by RedisStore.Allow when
// MaxQueue checks already wait for a dispatcher.
var ErrRedisStoreQueueFull = errors.New("middleware: RedisStore queue is full")

// redisCall is one queued check. The dispatcher that takes it sends exactly
// one answer on done (buffered, so it never blocks on a caller that left).
type redisCall struct {
	ctx        context.Context
	key        string
	emissionUS int64
	burst      int64
	done       chan redisAnswer
}

type redisAnswer struct {
	v   [4]int64
	err error
}

// redisStallAfter is how long the queue may go without being taken from
// before a caller starts one more dispatcher (up to Dispatchers): the ones
// running are then all stuck in pipelines slower than a round trip should
// be. Sooner, the next pipeline can wait: one in flight at a time makes the
// biggest batches and the fewest round trips (on a loaded 2-CPU host, about
// 15% more requests a second than four eager dispatchers, with a third less
// Redis CPU). Only a new check starts a dispatcher: the checks queued in the
// first millisecond behind a stalled pipeline wait for the next check, for
// that pipeline or for their deadline.
const redisStallAfter = time.Millisecond

// redisBatcher runs the checks of a RedisStore as pipelines of EVALSHA
// commands. Callers append to queue and start a dispatcher if none runs, or
// if the queue has not been taken from for redisStallAfter. A dispatcher
// takes up to maxBatch calls at a time and exits when it finds the queue
// empty, which it checks under the same lock as the callers, so no call is
// ever stranded.
type redisBatcher struct {
	client      redis.UniversalClient
	script      *redis.Script
	sha         any  // script.Hash(), boxed once
	multiKey    bool // one script call per batch (not per check): the client is not sharded
	maxBatch    int
	maxQueue    int
	dispatchers int

	mu       sync.Mutex
	queue    []*redisCall
	active   int
	lastTake time.Time
	closed   bool

	running sync.WaitGroup
	// stop is cancelled by close, aborting the pipelines in flight.
	stop    context.Context
	stopNow context.CancelFunc
	calls   sync.Pool // of *redisCall
	scratch sync.Pool // of *redisScratch
	// pipelines counts the pipelines sent, for tests.
	pipelines atomic.Int64
}

func newRedisBatcher(client redis.UniversalClient, opts RedisStoreOptions) *redisBatcher {
	stop, cancel := context.WithCancel(context.Background())
	script := redis.NewScript(gcraScript)
	_, plain := client.(*redis.Client)
	return &redisBatcher{
		client: client, script: script, sha: script.Hash(), multiKey: plain,
		maxBatch: opts.MaxBatch, maxQueue: opts.MaxQueue, dispatchers: opts.Dispatchers,
		stop: stop, stopNow: cancel,
		calls: sync.Pool{New: func() any { return &redisCall{done: make(chan redisAnswer, 1)} }},
		scratch: sync.Pool{New: func() any {
			return &redisScratch{
				batch: make([]*redisCall, 0, opts.MaxBatch),
				cmds:  make([]*redis.Cmd, 0, opts.MaxBatch),
			}
		}},
	}
}

// redisScratch is a dispatcher's working memory, kept across dispatchers
// because they come and go with the load.
type redisScratch struct {
	batch []*redisCall
	cmds  []*redis.Cmd
}

// do runs the script for key and waits for its answer or the end of ctx.
func (b *redisBatcher) do(ctx context.Context, key string, emissionUS, burst int64) ([4]int64, error) {
	if err := ctx.Err(); err != nil {
		return [4]int64{}, err
	}
	c := b.calls.Get().(*redisCall)
	c.ctx, c.key, c.emissionUS, c.burst = ctx, key, emissionUS, burst
	if err := b.enqueue(c); err != nil {
		b.release(c)
		return [4]int64{}, err
	}
	select {
	case a := <-c.done:
		b.release(c)
		return a.v, a.err
	case <-ctx.Done():
		// c stays with the dispatcher, which still answers into done: it is
		// not reused.
		return [4]int64{}, ctx.Err()
	}
}

func (b *redisBatcher) release(c *redisCall) {
	c.ctx, c.key = nil, ""
	b.calls.Put(c)
}

func (b *redisBatcher) enqueue(c *redisCall) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrRedisStoreClosed
	}
	if len(b.queue) >= b.maxQueue {
		b.mu.Unlock()
		return fmt.Errorf("%w (%d checks waiting)", ErrRedisStoreQueueFull, b.maxQueue)
	}
	b.queue = append(b.queue, c)
	start := b.active == 0 || b.active < b.dispatchers && time.Since(b.lastTake) > redisStallAfter
	if start {
		b.active++
		b.running.Add(1)
	}
	b.mu.Unlock()
	if start {
		go b.dispatch()
	}
	return nil
}

// dispatch sends pipelines until the queue is empty.
func (b *redisBatcher) dispatch() {
	defer b.running.Done()
	sc := b.scratch.Get().(*redisScratch)
	defer b.scratch.Put(sc)
	for {
		b.mu.Lock()
		n := min(len(b.queue), b.maxBatch)
		if n == 0 {
			b.active--
			b.mu.Unlock()
			return
		}
		b.lastTake = time.Now()
		sc.batch = append(sc.batch[:0], b.queue[:n]...)
		rest := copy(b.queue, b.queue[n:])
		clear(b.queue[rest:])
		b.queue = b.queue[:rest]
		b.mu.Unlock()

		sc.cmds = b.run(sc.batch, sc.cmds[:0])
		clear(sc.batch)
		clear(sc.cmds)
	}
}

// run sends the calls of batch whose callers still wait as one pipeline,
// retries those Redis answered NOSCRIPT with EVAL, and answers every call.
// cmds is scratch space, returned for reuse.
func (b *redisBatcher) run(batch []*redisCall, cmds []*redis.Cmd) []*redis.Cmd {
	live, ctx, cancel := b.waiting(batch)
	defer cancel()
	if len(live) == 0 {
		return cmds
	}
	if b.multiKey {
		b.runMultiKey(ctx, live)
		return cmds
	}
	pipe := b.client.Pipeline()
	for _, c := range live {
		// What Script.EvalSha sends, built in one go: it runs per check.
		cmd := redis.NewCmd(ctx, "evalsha", b.sha, 1, c.key, c.emissionUS, c.burst)
		cmd.SetFirstKeyPos(3)
		_ = pipe.Process(ctx, cmd)
		cmds = append(cmds, cmd)
	}
	b.exec(ctx, pipe)

	// A NOSCRIPT answer means the script did not run: EVAL runs it once
	// (and loads it again for the next pipelines).
	pipe = nil
	for i, cmd := range cmds {
		if isNoScript(cmd.Err()) {
			if pipe == nil {
				pipe = b.client.Pipeline()
			}
			c := live[i]
			cmds[i] = b.script.Eval(ctx, pipe, []string{c.key}, c.emissionUS, c.burst)
		}
	}
	if pipe != nil {
		b.exec(ctx, pipe)
	}

	for i, c := range live {
		vals, err := cmds[i].Slice()
		if err != nil {
			c.done <- redisAnswer{err: err}
			continue
		}
		c.done <- answerOf(vals)
	}
	return cmds
}

// runMultiKey sends live as one script call over all their keys (EVAL when
// Redis answers NOSCRIPT) and answers every call.
func (b *redisBatcher) runMultiKey(ctx context.Context, live []*redisCall) {
	args := make([]any, 0, 3+3*len(live))
	args = append(args, "evalsha", b.sha, len(live))
	for _, c := range live {
		args = append(args, c.key)
	}
	for _, c := range live {
		args = append(args, c.emissionUS, c.burst)
	}
	cmd := b.send(ctx, args)
	if isNoScript(cmd.Err()) {
		args[0], args[1] = "eval", gcraScript
		cmd = b.send(ctx, args)
	}
	vals, err := cmd.Slice()
	if err == nil && len(vals) != 4*len(live) {
		err = fmt.Errorf("script returned %d values for %d checks", len(vals), len(live))
	}
	for i, c := range live {
		if err != nil {
			c.done <- redisAnswer{err: err}
			continue
		}
		c.done <- answerOf(vals[4*i : 4*i+4])
	}
}

// send runs one script call, as a pipeline of one command so that it goes
// through the same client hooks and pipeline pool as the per-check batches.
func (b *redisBatcher) send(ctx context.Context, args []any) *redis.Cmd {
	cmd := redis.NewCmd(ctx, args...)
	cmd.SetFirstKeyPos(3)
	pipe := b.client.Pipeline()
	_ = pipe.Process(ctx, cmd)
	b.exec(ctx, pipe)
	return cmd
}

// waiting answers the calls of batch whose callers gave up (they are not
// sent) and returns the others, in batch's memory, with the context of their
// pipeline: it serves every caller in it, so it lasts until the last of them
// gives up (with ContextTimeoutEnabled this bounds the socket I/O), or until
// close.
func (b *redisBatcher) waiting(batch []*redisCall) ([]*redisCall, context.Context, context.CancelFunc) {
	live := batch[:0]
	var deadline time.Time
	bounded := true
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			c.done <- redisAnswer{err: err}
			continue
		}
		live = append(live, c)
		d, ok := c.ctx.Deadline()
		bounded = bounded && ok
		if d.After(deadline) {
			deadline = d
		}
	}
	if len(live) == 0 || !bounded {
		return live, b.stop, func() {}
	}
	ctx, cancel := context.WithDeadline(b.stop, deadline)
	return live, ctx, cancel
}

// exec sends pipe. Its error is ignored: every command carries its own (a
// failed round trip sets it on all of them).
func (b *redisBatcher) exec(ctx context.Context, pipe redis.Pipeliner) {
	b.pipelines.Add(1)
	_, _ = pipe.Exec(ctx)
}

func isNoScript(err error) bool {
	return err != nil && (errors.Is(err, redis.ErrNoScript) || redis.HasErrorPrefix(err, "NOSCRIPT"))
}

// answerOf reads one check's four integers.
func answerOf(vals []any) redisAnswer {
	if len(vals) != 4 {
		return redisAnswer{err: fmt.Errorf("script returned %d values, want 4", len(vals))}
	}
	var a redisAnswer
	for i, v := range vals {
		n, ok := v.(int64)
		if !ok {
			return redisAnswer{err: fmt.Errorf("script returned a %T, want integers", v)}
		}
		a.v[i] = n
	}
	return a
}

// close fails the queued calls, cancels the pipelines in flight and waits for
// the dispatchers to exit. Later calls fail with ErrRedisStoreClosed.
func (b *redisBatcher) close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.running.Wait()
		return
	}
	b.closed = true
	queued := b.queue
	b.queue = nil
	b.mu.Unlock()

	for _, c := range queued {
		c.done <- redisAnswer{err: ErrRedisStoreClosed}
	}
	b.stopNow()
	b.running.Wait()
}
