package apikey

import (
	"sync"
	"sync/atomic"
	"time"
)

// cacheShards splits the cache so that parallel requests rarely share a
// lock. Prefixes are random hex, so the first character picks a shard evenly.
const cacheShards = 16

// entry is one key row held in the cache. key and hash never change; the
// last-used time is the one thing that moves, under lastUsed.
type entry struct {
	key      Key
	hash     [hashSize]byte
	expires  time.Time                 // when the entry must be read again from PostgreSQL
	lastUsed atomic.Pointer[time.Time] // nil: never used
}

// cache holds key rows by prefix for a TTL, in shards of bounded size.
//
// Invalidation is race-free through generations: a reader notes the shard's
// generation before it queries PostgreSQL and stores the row only if no
// invalidation (drop or clear) happened since, so a row read just before a
// revocation can never be cached after that revocation was processed.
type cache struct {
	enabled  atomic.Bool // false: nothing is served or stored
	perShard int
	shards   [cacheShards]shard
}

type shard struct {
	mu  sync.RWMutex
	gen uint64
	m   map[string]*entry
}

func newCache(maxEntries int) *cache {
	c := &cache{perShard: max(1, (maxEntries+cacheShards-1)/cacheShards)}
	for i := range c.shards {
		c.shards[i].m = make(map[string]*entry)
	}
	return c
}

func (c *cache) shard(prefix string) *shard {
	d := prefix[0]
	if d >= 'a' {
		d -= 'a' - 10
	} else {
		d -= '0'
	}
	return &c.shards[d%cacheShards]
}

// get returns the unexpired entry for prefix, or nil.
func (c *cache) get(prefix string, now time.Time) *entry {
	if !c.enabled.Load() {
		return nil
	}
	s := c.shard(prefix)
	s.mu.RLock()
	e := s.m[prefix]
	s.mu.RUnlock()
	if e == nil || !now.Before(e.expires) {
		return nil
	}
	return e
}

// generation is what put must be given for a row read after this call.
func (c *cache) generation(prefix string) uint64 {
	s := c.shard(prefix)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.gen
}

// put stores e unless the cache is off or prefix's shard was invalidated
// since gen was taken. A full shard first loses its expired entries, then an
// arbitrary one.
func (c *cache) put(prefix string, e *entry, gen uint64, now time.Time) {
	s := c.shard(prefix)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !c.enabled.Load() || s.gen != gen {
		return
	}
	if _, ok := s.m[prefix]; !ok && len(s.m) >= c.perShard {
		for p, old := range s.m {
			if !now.Before(old.expires) {
				delete(s.m, p)
			}
		}
		for p := range s.m {
			if len(s.m) < c.perShard {
				break
			}
			delete(s.m, p)
		}
	}
	s.m[prefix] = e
}

// drop forgets prefix.
func (c *cache) drop(prefix string) {
	s := c.shard(prefix)
	s.mu.Lock()
	delete(s.m, prefix)
	s.gen++
	s.mu.Unlock()
}

// clear forgets everything.
func (c *cache) clear() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		clear(s.m)
		s.gen++
		s.mu.Unlock()
	}
}

// disable turns the cache off and empties it.
func (c *cache) disable() {
	c.enabled.Store(false)
	c.clear()
}

// enable empties the cache (entries may have missed invalidations) and turns
// it on.
func (c *cache) enable() {
	c.clear()
	c.enabled.Store(true)
}

func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}
