package jwt_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/auth/jwt"
	"github.com/rampart-dev/rampart/internal/db"
)

func TestIssueAndVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	user := e.user(t)
	custom := map[string]any{"role": "admin", "n": 3, "tags": []string{"a", "b"}, "org": map[string]any{"id": 7}}
	p := e.issue(t, user, custom)

	if p.TokenType != "Bearer" || p.ExpiresIn != int(testAccessTTL/time.Second) || p.AccessToken == "" || p.RefreshToken == "" {
		t.Fatalf("pair %+v", p)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var wire map[string]any
	_ = json.Unmarshal(b, &wire)
	for _, k := range []string{"access_token", "refresh_token", "token_type", "expires_in"} {
		if _, ok := wire[k]; !ok || len(wire) != 4 {
			t.Fatalf("JSON %s lacks %q or has extra fields", b, k)
		}
	}

	c := verify(t, e.svc, p.AccessToken)
	now := e.clock.Now()
	wantCustom := map[string]any{"role": "admin", "n": 3.0, "tags": []any{"a", "b"}, "org": map[string]any{"id": 7.0}}
	switch {
	case c.UserID != user:
		t.Fatalf("UserID %v, want %v", c.UserID, user)
	case uuid.Validate(c.ID) != nil || c.FamilyID == uuid.Nil:
		t.Fatalf("ID %q, FamilyID %v", c.ID, c.FamilyID)
	case !c.IssuedAt.Equal(now) || !c.ExpiresAt.Equal(now.Add(testAccessTTL)):
		t.Fatalf("IssuedAt %v, ExpiresAt %v; now %v", c.IssuedAt, c.ExpiresAt, now)
	case !reflect.DeepEqual(c.Custom, wantCustom):
		t.Fatalf("Custom %#v, want %#v", c.Custom, wantCustom)
	}
	if n := e.count(t, "SELECT count(*) FROM jwt_refresh_tokens t JOIN jwt_families f ON f.id = t.family_id WHERE f.user_id = $1 AND f.id = $2", user, c.FamilyID); n != 1 {
		t.Fatalf("%d refresh tokens stored, want 1", n)
	}

	other := e.issue(t, user, nil)
	if oc := verify(t, e.svc, other.AccessToken); oc.FamilyID == c.FamilyID || oc.Custom == nil || len(oc.Custom) != 0 {
		t.Fatalf("a second login: family %v (first %v), custom %v", oc.FamilyID, c.FamilyID, oc.Custom)
	}
}

func TestIssuePairRefusesReservedClaims(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	user := e.user(t)
	for _, name := range []string{"sub", "exp", "iat", "nbf", "jti", "typ", "iss", "aud", "fam"} {
		t.Run("the claim "+name+" is refused", func(t *testing.T) {
			_, err := e.svc.IssuePair(context.Background(), user, map[string]any{"role": "x", name: "v"})
			if !errors.Is(err, jwt.ErrReservedClaim) || !strings.Contains(err.Error(), name) {
				t.Fatalf("IssuePair = %v, want ErrReservedClaim naming %q", err, name)
			}
		})
	}
	if n := e.count(t, "SELECT count(*) FROM jwt_families"); n != 0 {
		t.Fatalf("%d families stored after refusals", n)
	}
}

func TestIssuePairRefusesWhatItCannotIssue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	user := e.user(t)
	cases := []struct {
		name   string
		user   uuid.UUID
		custom map[string]any
		want   error
	}{
		{"an unknown user is refused", uuid.New(), nil, db.ErrNotFound},
		{"the nil user is refused", uuid.Nil, nil, nil},
		{"claims making a token over 8 KiB are refused", user, map[string]any{"pad": strings.Repeat("x", 8<<10)}, nil},
		{"a NaN claim is refused", user, map[string]any{"n": math.NaN()}, nil},
		{"a claim holding U+0000 is refused", user, map[string]any{"s": "a\x00b"}, nil},
		{"a claim that JSON cannot encode is refused", user, map[string]any{"f": func() {}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := e.svc.IssuePair(context.Background(), tc.user, tc.custom)
			if err == nil || p != (jwt.Pair{}) || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("IssuePair = %+v, %v; want an error (%v)", p, err, tc.want)
			}
		})
	}
	if n := e.count(t, "SELECT count(*) FROM jwt_families"); n != 0 {
		t.Fatalf("%d families stored after refusals", n)
	}
}

func TestRevokeAnAccessToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	user := e.user(t)
	p, sibling := e.issue(t, user, nil), e.issue(t, user, nil)
	if err := e.svc.Revoke(context.Background(), p.AccessToken); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.VerifyAccess(context.Background(), p.AccessToken); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("VerifyAccess of a revoked token = %v, want ErrRevoked", err)
	}
	if err := e.svc.Revoke(context.Background(), p.AccessToken); err != nil {
		t.Fatalf("revoking twice = %v", err)
	}
	verify(t, e.svc, sibling.AccessToken)
	next, err := e.svc.Refresh(context.Background(), p.RefreshToken)
	if err != nil {
		t.Fatalf("the family's refresh token stopped working: %v", err)
	}
	verify(t, e.svc, next.AccessToken)
}

func TestRevokeARefreshTokenRevokesItsFamily(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	user := e.user(t)
	first, sibling := e.issue(t, user, nil), e.issue(t, user, nil)
	second, err := e.svc.Refresh(context.Background(), first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Revoke(context.Background(), second.RefreshToken); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{first.AccessToken, second.AccessToken} {
		if _, err := e.svc.VerifyAccess(context.Background(), tok); !errors.Is(err, jwt.ErrRevoked) {
			t.Fatalf("an access token of the revoked family = %v, want ErrRevoked", err)
		}
	}
	if _, err := e.svc.Refresh(context.Background(), second.RefreshToken); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("Refresh of the revoked token = %v, want ErrRevoked", err)
	}
	if err := e.svc.Revoke(context.Background(), second.RefreshToken); err != nil {
		t.Fatalf("revoking twice = %v", err)
	}
	verify(t, e.svc, sibling.AccessToken)
	if _, err := e.svc.Refresh(context.Background(), sibling.RefreshToken); err != nil {
		t.Fatalf("another family of the user was revoked too: %v", err)
	}
}

func TestRevokeUserRevokesEveryFamily(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	user, bystander := e.user(t), e.user(t)
	a, b, c := e.issue(t, user, nil), e.issue(t, user, nil), e.issue(t, bystander, nil)
	if err := e.svc.RevokeUser(context.Background(), user); err != nil {
		t.Fatal(err)
	}
	for _, p := range []jwt.Pair{a, b} {
		if _, err := e.svc.VerifyAccess(context.Background(), p.AccessToken); !errors.Is(err, jwt.ErrRevoked) {
			t.Fatalf("VerifyAccess after RevokeUser = %v, want ErrRevoked", err)
		}
		if _, err := e.svc.Refresh(context.Background(), p.RefreshToken); !errors.Is(err, jwt.ErrRevoked) {
			t.Fatalf("Refresh after RevokeUser = %v, want ErrRevoked", err)
		}
	}
	verify(t, e.svc, c.AccessToken)
	fresh := e.issue(t, user, nil)
	verify(t, e.svc, fresh.AccessToken)
	if _, err := e.svc.Refresh(context.Background(), fresh.RefreshToken); err != nil {
		t.Fatalf("a login after RevokeUser: %v", err)
	}
}

func TestDeleteExpiredRemovesOnlyExpiredTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	old := e.issue(t, e.user(t), nil)
	e.clock.Advance(testRefreshTTL / 2)
	live := e.issue(t, e.user(t), nil)
	e.clock.Advance(testRefreshTTL/2 + jwt.Leeway + time.Second)
	n, err := e.svc.DeleteExpired(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("DeleteExpired = %d, %v; want the old token and its family", n, err)
	}
	if _, err := e.svc.Refresh(context.Background(), old.RefreshToken); err == nil {
		t.Fatal("an expired refresh token still works")
	}
	if _, err := e.svc.Refresh(context.Background(), live.RefreshToken); err != nil {
		t.Fatalf("a live refresh token stopped working: %v", err)
	}
}
