package apikey

import "io"

// SetRandom replaces the random source keys are generated from.
func SetRandom(s *Service, r io.Reader) { s.random = r }

// Subscriptions reports how many times s's revocation subscription was
// confirmed (0 without Redis).
func Subscriptions(s *Service) int64 {
	if s.watch == nil {
		return 0
	}
	return s.watch.subscriptions.Load()
}

// CacheLen reports how many rows s caches.
func CacheLen(s *Service) int { return s.cache.len() }
