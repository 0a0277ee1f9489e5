package middleware

import (
	"context"
	"hash/maphash"
	"math"
	"sync"
	"time"
)

// DefaultMemoryStoreMaxKeys is MemoryStoreOptions.MaxKeys when unset.
const DefaultMemoryStoreMaxKeys = 100_000

// MemoryStoreOptions configures NewMemoryStore.
type MemoryStoreOptions struct {
	// MaxKeys bounds how many keys (buckets) the store holds; default
	// DefaultMemoryStoreMaxKeys. Size it above the number of distinct
	// clients seen within one burst window: a key evicted while not yet full
	// starts again with a full bucket.
	MaxKeys int
	// Now is the clock; default time.Now. Tests inject a fake one.
	Now func() time.Time
}

// MemoryStore is a per-process RateLimitStore: correct for one instance only
// (each replica counts on its own). It is the limiter when REDIS_URL is unset
// and the auth tier's fallback while Redis is down.
//
// Keys are spread over up to 64 shards (by maphash), each with its own mutex,
// so concurrent requests rarely contend. Memory is bounded: the store never
// holds more than MaxKeys keys. A key whose bucket is full again is expired
// (forgetting it changes nothing). Inserting a key into a full shard first
// drops every expired key of that shard and, only if none was, the least
// recently used key. Each insert also drops the least recently used key when
// it has expired, so expired keys are pruned as traffic flows, without a
// background goroutine: there is nothing to Close.
type MemoryStore struct {
	seed   maphash.Seed
	shards []memShard
	mask   uint64
	now    func() time.Time
	epoch  time.Time
}

// NewMemoryStore returns an empty store. A negative MaxKeys panics.
func NewMemoryStore(opts MemoryStoreOptions) *MemoryStore {
	if opts.MaxKeys < 0 {
		panic("middleware: MemoryStore MaxKeys must not be negative")
	}
	if opts.MaxKeys == 0 {
		opts.MaxKeys = DefaultMemoryStoreMaxKeys
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	n := 64
	for n > 1 && opts.MaxKeys/n < 16 {
		n /= 2
	}
	s := &MemoryStore{
		seed:   maphash.MakeSeed(),
		shards: make([]memShard, n),
		mask:   uint64(n - 1), // #nosec G115 -- n is a power of two from 1 to 64
		now:    opts.Now,
	}
	s.epoch = s.now()
	for i := range s.shards {
		s.shards[i].init(opts.MaxKeys / n)
	}
	return s
}

// Allow implements RateLimitStore. It never blocks beyond a shard's mutex and
// ignores ctx; it errors only for an invalid Limit.
func (s *MemoryStore) Allow(_ context.Context, key string, l Limit) (Result, error) {
	g, err := l.gcra()
	if err != nil {
		return Result{}, err
	}
	// Time since the store was built: monotonic with time.Now, so a wall
	// clock step neither frees nor freezes buckets.
	now := int64(s.now().Sub(s.epoch))
	sh := &s.shards[maphash.String(s.seed, key)&s.mask]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i, ok := sh.index[key]
	if !ok {
		tat, res := g.step(now, now)
		sh.insert(key, tat, now)
		return res, nil
	}
	e := &sh.entries[i]
	tat, res := g.step(e.tat, now)
	e.tat = tat
	sh.moveToFront(i)
	return res, nil
}

// Len returns the number of keys held (for tests and metrics).
func (s *MemoryStore) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.index)
		sh.mu.Unlock()
	}
	return n
}

const noEntry = -1

// memShard is one lock's worth of keys: a map into an arena of entries that
// are chained, most recently used first, in a doubly linked list.
type memShard struct {
	mu      sync.Mutex
	index   map[string]int32
	entries []memEntry
	free    int32 // head of the free list (chained by next), or noEntry
	head    int32 // most recently used
	tail    int32 // least recently used
	max     int
	// minTat is a lower bound of every entry's tat: no key can have
	// expired before it, so a full shard is swept only when one may have.
	minTat int64
	_      [64]byte // keep shards on separate cache lines
}

type memEntry struct {
	key        string
	tat        int64
	prev, next int32
}

func (sh *memShard) init(max int) {
	sh.index = make(map[string]int32)
	sh.free, sh.head, sh.tail = noEntry, noEntry, noEntry
	sh.max = min(max, math.MaxInt32) // entries are indexed by int32
	sh.minTat = math.MaxInt64
}

func (sh *memShard) insert(key string, tat, now int64) {
	if len(sh.index) >= sh.max {
		if now >= sh.minTat {
			sh.sweep(now)
		}
		if len(sh.index) >= sh.max {
			sh.remove(sh.tail)
		}
	} else if sh.tail != noEntry && sh.entries[sh.tail].tat <= now {
		sh.remove(sh.tail)
	}
	i := sh.free
	if i == noEntry {
		sh.entries = append(sh.entries, memEntry{})
		i = int32(len(sh.entries) - 1) // #nosec G115 -- a shard holds at most sh.max <= math.MaxInt32 entries (init)
	} else {
		sh.free = sh.entries[i].next
	}
	sh.entries[i] = memEntry{key: key, tat: tat, prev: noEntry, next: sh.head}
	if sh.head != noEntry {
		sh.entries[sh.head].prev = i
	}
	sh.head = i
	if sh.tail == noEntry {
		sh.tail = i
	}
	sh.index[key] = i
	sh.minTat = min(sh.minTat, tat)
}

// sweep drops every expired entry (tat <= now) and recomputes minTat.
func (sh *memShard) sweep(now int64) {
	sh.minTat = math.MaxInt64
	for i := sh.head; i != noEntry; {
		e := &sh.entries[i]
		next := e.next
		if e.tat <= now {
			sh.remove(i)
		} else {
			sh.minTat = min(sh.minTat, e.tat)
		}
		i = next
	}
}

func (sh *memShard) remove(i int32) {
	e := &sh.entries[i]
	sh.unlink(i)
	delete(sh.index, e.key)
	*e = memEntry{next: sh.free} // drop the key string so it can be collected
	sh.free = i
	if len(sh.index) == 0 {
		sh.minTat = math.MaxInt64
	}
}

func (sh *memShard) unlink(i int32) {
	e := &sh.entries[i]
	if e.prev != noEntry {
		sh.entries[e.prev].next = e.next
	} else {
		sh.head = e.next
	}
	if e.next != noEntry {
		sh.entries[e.next].prev = e.prev
	} else {
		sh.tail = e.prev
	}
}

func (sh *memShard) moveToFront(i int32) {
	if sh.head == i {
		return
	}
	sh.unlink(i)
	e := &sh.entries[i]
	e.prev, e.next = noEntry, sh.head
	sh.entries[sh.head].prev = i
	sh.head = i
}
