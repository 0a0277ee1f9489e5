package apikey

import (
	"testing"
	"time"
)

func TestCache(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	const prefix = "0123abcd"
	fresh := func() *entry { return &entry{expires: now.Add(time.Minute)} }
	cases := []struct {
		name   string
		run    func(c *cache)
		cached bool
	}{
		{"a stored row is served", func(c *cache) {
			c.put(prefix, fresh(), c.generation(prefix), now)
		}, true},
		{"a row read before a drop is not stored after it", func(c *cache) {
			gen := c.generation(prefix)
			c.drop(prefix)
			c.put(prefix, fresh(), gen, now)
		}, false},
		{"a row read before a clear is not stored after it", func(c *cache) {
			gen := c.generation(prefix)
			c.clear()
			c.put(prefix, fresh(), gen, now)
		}, false},
		{"a drop of another shard's prefix does not block a store", func(c *cache) {
			gen := c.generation(prefix)
			c.drop("f123abcd")
			c.put(prefix, fresh(), gen, now)
		}, true},
		{"a row read while the cache was off is not stored once it is on", func(c *cache) {
			c.disable()
			gen := c.generation(prefix)
			c.enable()
			c.put(prefix, fresh(), gen, now)
		}, false},
		{"a disabled cache stores nothing", func(c *cache) {
			c.disable()
			c.put(prefix, fresh(), c.generation(prefix), now)
			c.enabled.Store(true)
		}, false},
		{"a disabled cache serves nothing", func(c *cache) {
			c.put(prefix, fresh(), c.generation(prefix), now)
			c.enabled.Store(false)
		}, false},
		{"an expired row is not served", func(c *cache) {
			c.put(prefix, &entry{expires: now}, c.generation(prefix), now)
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCache(100)
			c.enable()
			tc.run(c)
			if got := c.get(prefix, now) != nil; got != tc.cached {
				t.Fatalf("cached = %v, want %v", got, tc.cached)
			}
		})
	}
}

func TestCacheEvictsWhenAShardIsFull(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	c := newCache(cacheShards * 2)
	c.enable()
	c.put("a0000000", &entry{expires: now}, c.generation("a0000000"), now) // already expired
	c.put("a0000001", &entry{expires: now.Add(time.Minute)}, c.generation("a0000001"), now)
	c.put("a0000002", &entry{expires: now.Add(time.Minute)}, c.generation("a0000002"), now)
	if c.get("a0000001", now) == nil || c.get("a0000002", now) == nil || c.len() != 2 {
		t.Fatalf("the expired row was not the one evicted (%d rows)", c.len())
	}
	c.put("a0000003", &entry{expires: now.Add(time.Minute)}, c.generation("a0000003"), now)
	if c.get("a0000003", now) == nil || c.len() != 2 {
		t.Fatalf("a full shard holds %d rows, want 2 including the newest", c.len())
	}
}
