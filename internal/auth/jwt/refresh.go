package jwt

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/db"
)

// errConsumed: the token was consumed (or expired, or its family revoked)
// between reading it and consuming it. It never leaves the package.
var errConsumed = errors.New("jwt: refresh token already consumed")

// Refresh consumes a refresh token and returns the next pair of its family,
// with the same custom claims. See RefreshWith for the errors.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (Pair, error) {
	return s.refresh(ctx, refreshToken, nil)
}

// RefreshWith is Refresh with the custom claims of the new pair decided by
// reclaim, given the user and the current custom claims (a copy it may
// change; never nil): e.g. a demoted user's role. An error from reclaim is
// returned (wrapped) and the token stays unconsumed; reclaim may run for
// concurrent calls whose result is then discarded. A nil reclaim keeps the
// claims.
//
// The token is consumed atomically: of concurrent calls with one token
// exactly one issues a pair, and the others, like any call within
// ReuseGrace of the consumption (a client's retry), get that same pair,
// byte for byte, without calling reclaim. Presenting a consumed token later
// revokes its family (every refresh token of it stops working and its
// access tokens are denylisted) and returns ErrReused, which wraps
// ErrRevoked (joined with an ErrUnavailable error if the denylist failed).
//
// Errors: ErrInvalidToken for a token that does not verify, has expired or
// is an access token; ErrRevoked for a token of a revoked family or one whose
// user was deleted; ErrReservedClaim and the other errors of IssuePair for
// reclaim's claims; database errors wrapped (db.ErrUnavailable included).
func (s *Service) RefreshWith(ctx context.Context, refreshToken string,
	reclaim func(ctx context.Context, userID uuid.UUID, old map[string]any) (map[string]any, error),
) (Pair, error) {
	return s.refresh(ctx, refreshToken, reclaim)
}

func (s *Service) refresh(ctx context.Context, token string,
	reclaim func(context.Context, uuid.UUID, map[string]any) (map[string]any, error),
) (Pair, error) {
	c, err := s.v.parseAs(token, TypeRefresh)
	if err != nil {
		return Pair{}, err
	}
	now := s.now()
	row, err := s.loadRefresh(ctx, c)
	if err != nil {
		return Pair{}, err
	}
	if row.UsedAt != nil {
		return s.replay(ctx, c, row, now)
	}
	custom, err := decodeCustom(row.CustomClaims)
	if err != nil {
		return Pair{}, err
	}
	if reclaim != nil {
		if custom, err = reclaim(ctx, c.UserID, custom); err != nil {
			return Pair{}, fmt.Errorf("jwt: refresh: %w", err)
		}
	}
	norm, raw, err := normalizeCustom(custom)
	if err != nil {
		return Pair{}, err
	}
	next := s.newIssued(c.UserID, c.FamilyID, norm, now)
	pair, err := s.sign(next)
	if err != nil {
		return Pair{}, err
	}
	err = db.WithTx(ctx, s.pool, func(q *db.Queries) error {
		n, err := q.ConsumeJWTRefreshToken(ctx, db.ConsumeJWTRefreshTokenParams{Now: now, Jti: row.Jti})
		if err != nil {
			return err
		}
		if n == 0 {
			return errConsumed
		}
		return q.InsertJWTRefreshToken(ctx, insertParams(next, raw, &row.Jti))
	})
	switch {
	case errors.Is(err, errConsumed):
		// Another call got there first (it has committed: our UPDATE
		// waited for it), or the token expired or its family was revoked
		// meanwhile.
		if row, err = s.loadRefresh(ctx, c); err != nil {
			return Pair{}, err
		}
		if row.UsedAt == nil {
			return Pair{}, ErrInvalidToken
		}
		return s.replay(ctx, c, row, now)
	case err != nil:
		return Pair{}, fmt.Errorf("jwt: refresh: %w", err)
	}
	return pair, nil
}

// loadRefresh returns the stored row of a verified refresh token: ErrRevoked
// when it is gone (its user was deleted) or its family is revoked.
func (s *Service) loadRefresh(ctx context.Context, c Claims) (db.JwtRefreshToken, error) {
	jti, err := uuid.Parse(c.ID)
	if err != nil {
		return db.JwtRefreshToken{}, ErrInvalidToken
	}
	row, err := db.New(s.pool).GetJWTRefreshToken(ctx, jti)
	if err = db.Translate(err); err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return db.JwtRefreshToken{}, ErrRevoked
		}
		return db.JwtRefreshToken{}, fmt.Errorf("jwt: refresh: %w", err)
	}
	if row.UserID != c.UserID || row.JwtRefreshToken.FamilyID != c.FamilyID {
		return db.JwtRefreshToken{}, ErrInvalidToken
	}
	if row.FamilyRevokedAt != nil {
		return db.JwtRefreshToken{}, ErrRevoked
	}
	return row.JwtRefreshToken, nil
}

// replay answers a consumed refresh token: within ReuseGrace of its use (on
// either side, for instances whose clocks differ), the pair that replaced
// it, signed again; otherwise the family is revoked.
func (s *Service) replay(ctx context.Context, c Claims, row db.JwtRefreshToken, now time.Time) (Pair, error) {
	if d := now.Sub(*row.UsedAt); d >= -ReuseGrace && d <= ReuseGrace {
		next, err := db.New(s.pool).GetJWTRefreshTokenSuccessor(ctx, row.Jti)
		err = db.Translate(err)
		if err == nil {
			return s.resign(c.UserID, next)
		}
		if !errors.Is(err, db.ErrNotFound) {
			return Pair{}, fmt.Errorf("jwt: refresh: %w", err)
		}
	}
	if err := s.revokeFamily(ctx, c.UserID, c.FamilyID); err != nil {
		return Pair{}, errors.Join(ErrReused, err)
	}
	return Pair{}, ErrReused
}

// resign signs the pair stored in row again.
func (s *Service) resign(userID uuid.UUID, row db.JwtRefreshToken) (Pair, error) {
	custom, err := decodeCustom(row.CustomClaims)
	if err != nil {
		return Pair{}, err
	}
	return s.sign(issued{
		userID: userID, familyID: row.FamilyID,
		refreshID: row.Jti, accessID: row.AccessJti,
		issuedAt: row.IssuedAt, refreshExpiresAt: row.ExpiresAt, accessExpiresAt: row.AccessExpiresAt,
		custom: custom,
	})
}
