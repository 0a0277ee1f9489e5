package jwt_test

import (
	"context"
	"testing"

	"github.com/rampart-dev/rampart/internal/auth/jwt"
)

// BenchmarkVerifyAccess is the cost every API request with a bearer token
// pays: parsing, HMAC and a denylist lookup.
func BenchmarkVerifyAccess(b *testing.B) {
	for _, tc := range []struct {
		name  string
		redis bool
	}{{"memory denylist", false}, {"redis denylist", true}} {
		b.Run(tc.name, func(b *testing.B) {
			e := newEnv(b)
			svc := e.svc
			if tc.redis {
				rdb := redisClient(b)
				svc = e.service(b, func(c *jwt.Config) { c.Denylist = jwt.NewRedisDenylist(rdb, redisPrefix(b, rdb)) })
			}
			p := e.issue(b, e.user(b), map[string]any{"role": "admin"})
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.VerifyAccess(ctx, p.AccessToken); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
