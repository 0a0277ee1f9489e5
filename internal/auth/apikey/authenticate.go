package apikey

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rampart-dev/rampart/internal/db"
)

// Authenticate returns the key presented (the value after "Bearer "):
//
//   - ErrNotAPIKey when presented does not have the shape of a key (see
//     Parse), so the caller can try its next authentication backend;
//   - ErrInvalidKey when it has the shape but is unknown, has a wrong
//     secret, is revoked or has expired;
//   - an error wrapping db.ErrUnavailable (or another database error) when
//     the key could not be checked: answer 503, never "valid".
//
// After the shape test every path computes the secret's HMAC and compares it
// in constant time, against a dummy hash when the prefix is unknown, so the
// answer takes the same work whether or not the prefix exists.
//
// The row is read from the cache when it holds it (see Config), else from
// PostgreSQL and then cached; the presented secret is checked against the
// row's hash on every call either way, so the cache never admits a wrong
// secret. The key's last-used time is written when it is older than
// LastUsedInterval (at most one such write per interval per Service, and
// a conditional UPDATE across Services); a failed write is logged, not
// returned. The returned Key is the caller's to keep.
func (s *Service) Authenticate(ctx context.Context, presented string) (Key, error) {
	prefix, secret, ok := Parse(presented)
	if !ok {
		return Key{}, ErrNotAPIKey
	}
	now := s.now()
	sum := s.hasher.sum(secret)
	if e := s.cache.get(prefix, now); e != nil {
		return s.check(ctx, e, sum, now)
	}
	gen := s.cache.generation(prefix)
	row, err := db.New(s.pool).GetAPIKeyByPrefix(ctx, prefix)
	if err != nil {
		if err = db.Translate(err); errors.Is(err, db.ErrNotFound) {
			subtle.ConstantTimeCompare(sum[:], s.dummy[:])
			return Key{}, ErrInvalidKey
		}
		return Key{}, fmt.Errorf("apikey: authenticate: %w", err)
	}
	e := &entry{key: fromRow(row), expires: now.Add(s.ttl)}
	copy(e.hash[:], row.SecretHash)
	e.key.LastUsedAt = nil
	if row.LastUsedAt != nil {
		t := *row.LastUsedAt
		e.lastUsed.Store(&t)
	}
	// Rows are cached whatever the secret: a wrong guess at a known prefix
	// is refused from the cache next time, without a query.
	s.cache.put(prefix, e, gen, now)
	return s.check(ctx, e, sum, now)
}

// check compares sum with the row's hash and the row's state, and records
// the use of a valid key.
func (s *Service) check(ctx context.Context, e *entry, sum [hashSize]byte, now time.Time) (Key, error) {
	match := subtle.ConstantTimeCompare(sum[:], e.hash[:]) == 1
	if !match || !e.key.Live(now) {
		return Key{}, ErrInvalidKey
	}
	k := e.key
	k.Scopes = slices.Clone(k.Scopes)
	k.LastUsedAt = s.touch(ctx, e, now)
	return k, nil
}

// touch writes now as the key's last use when the known one is more than
// LastUsedInterval old (as the conditional UPDATE judges it); of the requests that see it stale at once, only the
// one that swaps the new time in writes. It returns the last use to report.
func (s *Service) touch(ctx context.Context, e *entry, now time.Time) *time.Time {
	last := e.lastUsed.Load()
	if last != nil && now.Sub(*last) <= LastUsedInterval {
		t := *last
		return &t
	}
	t := now
	if !e.lastUsed.CompareAndSwap(last, &t) {
		t = *e.lastUsed.Load()
		return &t
	}
	_, err := db.New(s.pool).TouchAPIKey(ctx, db.TouchAPIKeyParams{
		ID: e.key.ID, Now: now, StaleBefore: now.Add(-LastUsedInterval),
	})
	if err != nil {
		s.log.WarnContext(ctx, "api key: recording last use failed", "key_prefix", e.key.Prefix, "error", db.Translate(err))
	}
	r := now
	return &r
}
