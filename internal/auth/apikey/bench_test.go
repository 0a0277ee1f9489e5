package apikey_test

import (
	"context"
	"testing"
)

// BenchmarkAuthenticateCached is the cost of Authenticate on the API's hot
// path: a key whose row is cached, so no query runs.
func BenchmarkAuthenticateCached(b *testing.B) {
	f := newFixture(b)
	s := f.service(b, f.pool, nil)
	plain, _ := create(b, s, f.user(b))
	ctx := context.Background()
	if _, err := s.Authenticate(ctx, plain); err != nil {
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Authenticate(ctx, plain); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Authenticate(ctx, plain); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
