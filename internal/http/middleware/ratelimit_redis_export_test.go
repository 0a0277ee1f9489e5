package middleware

// RedisStorePipelines reports how many pipelines s has sent, so that tests
// can tell batched round trips from one per check.
func RedisStorePipelines(s *RedisStore) int64 { return s.batch.pipelines.Load() }

// RedisStoreQueued reports how many checks wait for a dispatcher.
func RedisStoreQueued(s *RedisStore) int {
	s.batch.mu.Lock()
	defer s.batch.mu.Unlock()
	return len(s.batch.queue)
}

// RedisStoreDispatchers reports how many dispatchers run.
func RedisStoreDispatchers(s *RedisStore) int {
	s.batch.mu.Lock()
	defer s.batch.mu.Unlock()
	return s.batch.active
}
