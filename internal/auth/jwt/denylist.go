package jwt

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Denylist records revoked tokens and families until a given time. The
// Service asks it about every access token, so it must answer fast; an error
// is never read as "not listed" (VerifyAccess fails closed).
type Denylist interface {
	// Add lists key until until; adding a listed key again sets its new
	// until (the Service re-adds a key only with the same or a later one).
	// An until that has passed changes nothing.
	Add(ctx context.Context, key string, until time.Time) error
	// AnyListed reports whether any of keys is listed now.
	AnyListed(ctx context.Context, keys ...string) (bool, error)
}

// NewDenylist returns the Denylist for the configuration: a RedisDenylist on
// client with keys prefix+key when client is not nil (required for several
// instances to agree), else a MemoryDenylist on now.
func NewDenylist(client *redis.Client, prefix string, now func() time.Time) Denylist {
	if client != nil {
		return NewRedisDenylist(client, prefix)
	}
	return NewMemoryDenylist(now)
}

// memorySweepInterval is the longest a MemoryDenylist goes between sweeps
// while it is written to.
const memorySweepInterval = time.Minute

// memoryMinSweepSize is the smallest size that triggers a sweep before
// memorySweepInterval: below it, expired entries cost next to nothing.
const memoryMinSweepSize = 1024

// MemoryDenylist is the Denylist of a single instance (no REDIS_URL): a map
// under a mutex. Expired entries are ignored at once, and dropped by a sweep
// that Add runs once a minute has passed since the last one or once the map
// has doubled since then (1024 entries at least), so it holds about twice the
// live entries at most and needs no goroutine. It is safe for concurrent use.
type MemoryDenylist struct {
	now func() time.Time

	mu        sync.Mutex
	entries   map[string]time.Time
	nextSweep time.Time
	sweepAt   int // size that triggers a sweep
}

// NewMemoryDenylist returns an empty MemoryDenylist on the clock now (nil:
// time.Now).
func NewMemoryDenylist(now func() time.Time) *MemoryDenylist {
	if now == nil {
		now = time.Now
	}
	return &MemoryDenylist{now: now, entries: map[string]time.Time{}, sweepAt: memoryMinSweepSize}
}

// Add implements Denylist; it never fails.
func (m *MemoryDenylist) Add(_ context.Context, key string, until time.Time) error {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if until.After(now) {
		m.entries[key] = until
	}
	if !now.Before(m.nextSweep) || len(m.entries) >= m.sweepAt {
		m.sweep(now)
	}
	return nil
}

// AnyListed implements Denylist; it never fails.
func (m *MemoryDenylist) AnyListed(_ context.Context, keys ...string) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		if until, ok := m.entries[k]; ok && until.After(now) {
			return true, nil
		}
	}
	return false, nil
}

// Len returns how many entries are held, expired ones not yet swept
// included.
func (m *MemoryDenylist) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// sweep drops the expired entries; m.mu is held.
func (m *MemoryDenylist) sweep(now time.Time) {
	for k, until := range m.entries {
		if !until.After(now) {
			delete(m.entries, k)
		}
	}
	m.nextSweep = now.Add(memorySweepInterval)
	m.sweepAt = max(2*len(m.entries), memoryMinSweepSize)
}
