package apikey_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/auth/apikey"
)

func TestAnotherUserCannotGetOrRevokeAKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, nil)
	owner, other := f.user(t), f.user(t)
	plain, k := create(t, s, owner)
	ctx := context.Background()
	if _, err := s.Get(ctx, other, k.ID); !errors.Is(err, apikey.ErrNotFound) {
		t.Fatalf("Get by another user = %v, want ErrNotFound", err)
	}
	if err := s.Revoke(ctx, other, k.ID); !errors.Is(err, apikey.ErrNotFound) {
		t.Fatalf("Revoke by another user = %v, want ErrNotFound", err)
	}
	if err := s.Revoke(ctx, owner, uuid.New()); !errors.Is(err, apikey.ErrNotFound) {
		t.Fatalf("Revoke of an unknown key = %v, want ErrNotFound", err)
	}
	if keys, err := s.List(ctx, other); err != nil || len(keys) != 0 {
		t.Fatalf("List of another user = %v, %v", keys, err)
	}
	if _, err := s.Authenticate(ctx, plain); err != nil {
		t.Fatalf("the key stopped working after another user's attempts: %v", err)
	}
}

func TestListShowsUnrevokedKeysNewestFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, nil)
	user := f.user(t)
	ctx := context.Background()
	_, first := create(t, s, user)
	f.clock.Advance(time.Second)
	_, expiring, err := s.Create(ctx, user, "short", []string{"read"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Second)
	_, revoked := create(t, s, user)
	f.clock.Advance(time.Second)
	_, last := create(t, s, user)
	if err := s.Revoke(ctx, user, revoked.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(48 * time.Hour)
	keys, err := s.List(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	var ids []uuid.UUID
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	if want := []uuid.UUID{last.ID, expiring.ID, first.ID}; !slices.Equal(ids, want) {
		t.Fatalf("List = %v, want %v", ids, want)
	}
	if !keys[1].Expired(f.clock.Now()) || keys[0].Expired(f.clock.Now()) {
		t.Fatalf("the expired key is not marked expired: %+v", keys)
	}
}

func TestRevokeIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, nil)
	user := f.user(t)
	_, k := create(t, s, user)
	ctx := context.Background()
	if err := s.Revoke(ctx, user, k.ID); err != nil {
		t.Fatal(err)
	}
	first, err := s.Get(ctx, user, k.ID)
	if err != nil || first.RevokedAt == nil {
		t.Fatalf("Get after Revoke = %+v, %v", first, err)
	}
	f.clock.Advance(time.Hour)
	if err := s.Revoke(ctx, user, k.ID); err != nil {
		t.Fatalf("revoking again = %v, want nil", err)
	}
	again, err := s.Get(ctx, user, k.ID)
	if err != nil || !again.RevokedAt.Equal(*first.RevokedAt) {
		t.Fatalf("revoking again moved the revocation time: %v -> %v (%v)", first.RevokedAt, again.RevokedAt, err)
	}
}

func TestRevokeAllRevokesEveryKeyOfTheUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, nil)
	user, other := f.user(t), f.user(t)
	a, _ := create(t, s, user)
	b, _ := create(t, s, user)
	c, _ := create(t, s, other)
	ctx := context.Background()
	for _, k := range []string{a, b} {
		if _, err := s.Authenticate(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.RevokeAll(ctx, user)
	if err != nil || n != 2 {
		t.Fatalf("RevokeAll = %d, %v; want 2", n, err)
	}
	for _, k := range []string{a, b} {
		if _, err := s.Authenticate(ctx, k); !errors.Is(err, apikey.ErrInvalidKey) {
			t.Fatalf("a key revoked by RevokeAll: Authenticate = %v", err)
		}
	}
	if _, err := s.Authenticate(ctx, c); err != nil {
		t.Fatalf("another user's key stopped working: %v", err)
	}
}
