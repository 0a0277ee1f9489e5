package jwt_test

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/auth/jwt"
)

func TestRefreshRotatesAndKeepsCustomClaims(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	user := e.user(t)
	p0 := e.issue(t, user, map[string]any{"role": "admin", "org": map[string]any{"id": 7}})
	c0 := verify(t, e.svc, p0.AccessToken)

	e.clock.Advance(time.Minute)
	p1, err := e.svc.Refresh(context.Background(), p0.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if p1.AccessToken == p0.AccessToken || p1.RefreshToken == p0.RefreshToken {
		t.Fatal("Refresh returned the old tokens")
	}
	c1 := verify(t, e.svc, p1.AccessToken)
	if c1.FamilyID != c0.FamilyID || c1.UserID != user || c1.ID == c0.ID || !reflect.DeepEqual(c1.Custom, c0.Custom) {
		t.Fatalf("after refresh: %+v, before: %+v", c1, c0)
	}
	if !c1.IssuedAt.Equal(e.clock.Now()) {
		t.Fatalf("the new access token was issued at %v, not now (%v)", c1.IssuedAt, e.clock.Now())
	}

	e.clock.Advance(time.Minute)
	p2, err := e.svc.Refresh(context.Background(), p1.RefreshToken)
	if err != nil {
		t.Fatalf("the refreshed refresh token does not refresh: %v", err)
	}
	if c2 := verify(t, e.svc, p2.AccessToken); !reflect.DeepEqual(c2.Custom, c0.Custom) {
		t.Fatalf("custom claims two refreshes later: %v", c2.Custom)
	}
}

func TestRefreshWithReplacesCustomClaims(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	user := e.user(t)
	p := e.issue(t, user, map[string]any{"role": "admin", "keep": true})
	ctx := context.Background()

	boom := errors.New("user lookup failed")
	if _, err := e.svc.RefreshWith(ctx, p.RefreshToken, func(context.Context, uuid.UUID, map[string]any) (map[string]any, error) {
		return nil, boom
	}); !errors.Is(err, boom) {
		t.Fatalf("RefreshWith with a failing callback = %v, want its error", err)
	}
	if _, err := e.svc.RefreshWith(ctx, p.RefreshToken, func(_ context.Context, _ uuid.UUID, old map[string]any) (map[string]any, error) {
		old["typ"] = "refresh"
		return old, nil
	}); !errors.Is(err, jwt.ErrReservedClaim) {
		t.Fatalf("RefreshWith returning a reserved claim = %v, want ErrReservedClaim", err)
	}

	var gotUser uuid.UUID
	var gotOld map[string]any
	next, err := e.svc.RefreshWith(ctx, p.RefreshToken, func(_ context.Context, u uuid.UUID, old map[string]any) (map[string]any, error) {
		gotUser, gotOld = u, maps.Clone(old)
		old["role"] = "user"
		return old, nil
	})
	if err != nil {
		t.Fatalf("the token does not work after the refused attempts: %v", err)
	}
	if gotUser != user || !reflect.DeepEqual(gotOld, map[string]any{"role": "admin", "keep": true}) {
		t.Fatalf("the callback got %v, %v", gotUser, gotOld)
	}
	if c := verify(t, e.svc, next.AccessToken); !reflect.DeepEqual(c.Custom, map[string]any{"role": "user", "keep": true}) {
		t.Fatalf("custom claims %v, want the demoted role", c.Custom)
	}
	after, err := e.svc.Refresh(ctx, next.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if c := verify(t, e.svc, after.AccessToken); c.Custom["role"] != "user" {
		t.Fatalf("a plain Refresh afterwards restored %v", c.Custom)
	}
}

func TestRefreshDuplicateWithinTheGraceReturnsTheSamePair(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.issue(t, e.user(t), map[string]any{"role": "admin", "n": 1.5})
	first, err := e.svc.Refresh(context.Background(), p.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(jwt.ReuseGrace - time.Second)
	again, err := e.svc.RefreshWith(context.Background(), p.RefreshToken, func(context.Context, uuid.UUID, map[string]any) (map[string]any, error) {
		t.Error("the callback ran for a retry")
		return nil, nil
	})
	if err != nil {
		t.Fatalf("a retry within the grace = %v", err)
	}
	if again != first {
		t.Fatalf("a retry within the grace got another pair:\n%+v\n%+v", again, first)
	}
	other := e.service(t, nil) // another instance with the same key
	if third, err := other.Refresh(context.Background(), p.RefreshToken); err != nil || third != first {
		t.Fatalf("a retry on another instance = %+v, %v", third, err)
	}
	verify(t, e.svc, first.AccessToken)
	if _, err := e.svc.Refresh(context.Background(), first.RefreshToken); err != nil {
		t.Fatalf("the pair's refresh token does not work: %v", err)
	}
}

func TestRefreshReuseAfterTheGraceRevokesTheFamily(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	user := e.user(t)
	p0, sibling := e.issue(t, user, nil), e.issue(t, user, nil)
	p1, err := e.svc.Refresh(context.Background(), p0.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(jwt.ReuseGrace + time.Second)
	_, err = e.svc.Refresh(context.Background(), p0.RefreshToken)
	if !errors.Is(err, jwt.ErrReused) || !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("reuse after the grace = %v, want ErrReused wrapping ErrRevoked", err)
	}
	if _, err := e.svc.Refresh(context.Background(), p1.RefreshToken); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("the family's newest refresh token = %v, want ErrRevoked", err)
	}
	for _, tok := range []string{p0.AccessToken, p1.AccessToken} {
		if _, err := e.svc.VerifyAccess(context.Background(), tok); !errors.Is(err, jwt.ErrRevoked) {
			t.Fatalf("an access token of the family = %v, want ErrRevoked", err)
		}
	}
	if _, err := e.svc.Refresh(context.Background(), p0.RefreshToken); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("reusing again = %v, want ErrRevoked", err)
	}
	verify(t, e.svc, sibling.AccessToken)
	if _, err := e.svc.Refresh(context.Background(), sibling.RefreshToken); err != nil {
		t.Fatalf("another login of the user was revoked: %v", err)
	}
}

func TestParallelRefreshesOfOneTokenGetOnePair(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.issue(t, e.user(t), map[string]any{"role": "admin"})
	fam := verify(t, e.svc, p.AccessToken).FamilyID
	const n = 16
	pairs := make([]jwt.Pair, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			pairs[i], errs[i] = e.svc.Refresh(context.Background(), p.RefreshToken)
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if pairs[i] != pairs[0] {
			t.Fatalf("call %d got another pair than call 0", i)
		}
	}
	if got := e.count(t, "SELECT count(*) FROM jwt_refresh_tokens WHERE family_id = $1", fam); got != 2 {
		t.Fatalf("the family has %d refresh tokens, want the first and exactly one successor", got)
	}
	verify(t, e.svc, pairs[0].AccessToken)
}

func TestRefreshRefuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(t *testing.T, e *env, p jwt.Pair)
		want  error
	}{
		{"a token of a revoked family is refused", func(t *testing.T, e *env, p jwt.Pair) {
			if err := e.svc.Revoke(context.Background(), p.RefreshToken); err != nil {
				t.Fatal(err)
			}
		}, jwt.ErrRevoked},
		{"a token of a user whose tokens were all revoked is refused", func(t *testing.T, e *env, p jwt.Pair) {
			c := verify(t, e.svc, p.AccessToken)
			if err := e.svc.RevokeUser(context.Background(), c.UserID); err != nil {
				t.Fatal(err)
			}
		}, jwt.ErrRevoked},
		{"an expired token is refused", func(t *testing.T, e *env, _ jwt.Pair) {
			e.clock.Advance(testRefreshTTL + jwt.Leeway)
		}, jwt.ErrInvalidToken},
		{"a token in its expiry leeway is refused", func(t *testing.T, e *env, _ jwt.Pair) {
			e.clock.Advance(testRefreshTTL + time.Second)
		}, jwt.ErrInvalidToken},
		{"a token of a deleted user is refused", func(t *testing.T, e *env, p jwt.Pair) {
			c := verify(t, e.svc, p.AccessToken)
			if _, err := e.pool.Exec(context.Background(), "DELETE FROM users WHERE id = $1", c.UserID); err != nil {
				t.Fatal(err)
			}
		}, jwt.ErrRevoked},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := e.issue(t, e.user(t), nil)
			tc.setup(t, e, p)
			if _, err := e.svc.Refresh(context.Background(), p.RefreshToken); !errors.Is(err, tc.want) {
				t.Fatalf("Refresh = %v, want %v", err, tc.want)
			}
		})
	}
}
