package jwt

import (
	"hash/maphash"
	"maps"
	"sync"
	"time"
)

// verifiedCache remembers access tokens whose signature and claims have
// been verified, so that a client sending the same token on every request
// pays for the HMAC and the JSON decoding once instead of every time. Only
// what is a pure function of the token string is cached: the time window
// is checked again on every hit (the clock moves), and revocation is never
// cached (VerifyAccess asks the denylist every time). A token whose custom
// claims hold objects or arrays is not cached, so that every caller gets a
// Claims of its own without a deep copy.
//
// It holds at most cacheShards*cacheShardSize tokens; a full shard evicts an
// arbitrary entry, and expired entries are dropped when met.
type verifiedCache struct {
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

const (
	cacheShards    = 16
	cacheShardSize = 512
)

type cacheShard struct {
	mu sync.Mutex
	m  map[string]verifiedToken
}

type verifiedToken struct {
	claims Claims
	// The token is valid at from and later, and before until (Leeway
	// included), as the parser's nbf/iat and exp checks decide.
	from, until time.Time
}

func newVerifiedCache() *verifiedCache {
	c := &verifiedCache{seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = make(map[string]verifiedToken)
	}
	return c
}

func (c *verifiedCache) shard(raw string) *cacheShard {
	return &c.shards[maphash.String(c.seed, raw)%cacheShards]
}

// get returns the claims of raw if it was verified before and is valid at
// now, with a Custom map of the caller's own.
func (c *verifiedCache) get(raw string, now time.Time) (Claims, bool) {
	s := c.shard(raw)
	s.mu.Lock()
	v, ok := s.m[raw]
	if ok && !now.Before(v.until) {
		delete(s.m, raw)
		ok = false
	}
	s.mu.Unlock()
	if !ok || now.Before(v.from) {
		return Claims{}, false
	}
	v.claims.Custom = maps.Clone(v.claims.Custom)
	return v.claims, true
}

// put remembers raw's verified claims, valid from from until until.
func (c *verifiedCache) put(raw string, claims Claims, from, until time.Time) {
	for _, v := range claims.Custom {
		switch v.(type) {
		case string, float64, bool, nil:
		default:
			return
		}
	}
	claims.Custom = maps.Clone(claims.Custom)
	s := c.shard(raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= cacheShardSize {
		for k := range s.m {
			delete(s.m, k)
			break
		}
	}
	s.m[raw] = verifiedToken{claims: claims, from: from, until: until}
}
