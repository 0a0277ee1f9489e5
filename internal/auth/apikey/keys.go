package apikey

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/db"
)

// createAttempts is how many fresh keys Create tries when the prefix is
// taken. With 2^32 prefixes, needing a second try is already rare.
const createAttempts = 5

// errPrefixesExhausted means every attempt hit a taken prefix: not a
// plausible event with a working random source.
var errPrefixesExhausted = errors.New("apikey: create: every generated prefix was taken")

// Create issues a key for userID and returns its plaintext, which is shown
// once and never stored or retrievable again, with the stored Key.
//
// name is trimmed and must then be 1 to MaxNameLen printable characters;
// scopes must name ScopeRead and/or ScopeWrite (duplicates are dropped, the
// stored order is sorted); expiresInDays is 0 for no expiry or 1 to
// MaxExpiresInDays. Invalid input, or a user already holding MaxKeysPerUser
// unrevoked keys (reported under FieldName), returns FieldErrors and writes
// nothing. An unknown userID returns an error wrapping db.ErrNotFound.
//
// The limit is exact under concurrency: the owner's row is locked while
// counting and inserting. A prefix already in use (the unique constraint
// says so) is retried with a whole new key.
func (s *Service) Create(ctx context.Context, userID uuid.UUID, name string, scopes []string, expiresInDays int) (string, Key, error) {
	in, err := validate(name, scopes, expiresInDays)
	if err != nil {
		return "", Key{}, err
	}
	now := s.now()
	var expiresAt *time.Time
	if in.expiresInDays > 0 {
		t := now.Add(time.Duration(in.expiresInDays) * 24 * time.Hour)
		expiresAt = &t
	}
	var plaintext string
	var row db.ApiKey
	err = db.WithTx(ctx, s.pool, func(q *db.Queries) error {
		if _, err := q.LockAPIKeyOwner(ctx, userID); err != nil {
			return fmt.Errorf("user %s: %w", userID, db.Translate(err))
		}
		n, err := q.CountUnrevokedAPIKeys(ctx, userID)
		if err != nil {
			return err
		}
		if n >= MaxKeysPerUser {
			return FieldErrors{FieldName: fmt.Sprintf(
				"You already have %d API keys, the most allowed. Revoke one you no longer use (expired keys count until revoked).",
				MaxKeysPerUser)}
		}
		plaintext, row, err = s.insert(ctx, q, db.InsertAPIKeyParams{
			UserID: userID, Name: in.name, Scopes: in.scopes, CreatedAt: now, ExpiresAt: expiresAt,
		})
		return err
	})
	if err != nil {
		var fe FieldErrors
		if errors.As(err, &fe) {
			return "", Key{}, fe
		}
		return "", Key{}, fmt.Errorf("apikey: create: %w", err)
	}
	return plaintext, fromRow(row), nil
}

// insert fills p with a new key and inserts it, with a new key each time the
// prefix is taken.
func (s *Service) insert(ctx context.Context, q *db.Queries, p db.InsertAPIKeyParams) (string, db.ApiKey, error) {
	for range createAttempts {
		plaintext, prefix, secret, err := generate(s.random)
		if err != nil {
			return "", db.ApiKey{}, err
		}
		sum := s.hasher.sum(secret)
		p.Prefix, p.SecretHash = prefix, sum[:]
		row, err := q.InsertAPIKey(ctx, p)
		if errors.Is(db.Translate(err), db.ErrNotFound) {
			continue
		}
		return plaintext, row, err
	}
	return "", db.ApiKey{}, errPrefixesExhausted
}

// List returns userID's unrevoked keys, newest first: live ones and expired
// ones (Key.Expired tells), which stay until revoked so the owner can see
// why a key stopped working. Revoked keys are not listed. At most
// MaxKeysPerUser keys are unrevoked, which bounds the list.
func (s *Service) List(ctx context.Context, userID uuid.UUID) ([]Key, error) {
	rows, err := db.New(s.pool).ListUnrevokedUserAPIKeys(ctx, userID)
	if err != nil {
		return nil, translate("list", err)
	}
	out := make([]Key, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

// Get returns key id of userID, revoked or not. ErrNotFound when it is
// unknown or another user's.
func (s *Service) Get(ctx context.Context, userID, id uuid.UUID) (Key, error) {
	row, err := db.New(s.pool).GetUserAPIKey(ctx, db.GetUserAPIKeyParams{ID: id, UserID: userID})
	if err != nil {
		return Key{}, translate("get", err)
	}
	return fromRow(row), nil
}

// Revoke revokes key id of userID: it stops authenticating here at once and,
// with Redis, on the other instances within moments (else within CacheTTL).
// Revoking a key that is already revoked succeeds and keeps the first
// revocation time (so a repeated click or DELETE is harmless). ErrNotFound
// when the key is unknown or another user's.
//
// When publishing to Redis fails the revocation stands (it is in
// PostgreSQL); the failure is logged and other instances catch up within
// CacheTTL.
func (s *Service) Revoke(ctx context.Context, userID, id uuid.UUID) error {
	prefix, err := db.New(s.pool).RevokeUserAPIKey(ctx, db.RevokeUserAPIKeyParams{
		Now: s.now(), ID: id, UserID: userID,
	})
	if err != nil {
		return translate("revoke", err)
	}
	s.invalidate(ctx, prefix)
	return nil
}

// RevokeAll revokes every unrevoked key of userID (for an account that is
// locked, compromised or closed) and returns how many it revoked, with the
// same reach across instances as Revoke. Call it before deleting a user:
// the rows go with the user (ON DELETE CASCADE), but a cached row is only
// dropped by a revocation or after CacheTTL.
func (s *Service) RevokeAll(ctx context.Context, userID uuid.UUID) (int, error) {
	prefixes, err := db.New(s.pool).RevokeAllUserAPIKeys(ctx, db.RevokeAllUserAPIKeysParams{
		Now: s.now(), UserID: userID,
	})
	if err != nil {
		return 0, translate("revoke all", err)
	}
	s.invalidate(ctx, prefixes...)
	return len(prefixes), nil
}
