package jwt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampart-dev/rampart/internal/db"
)

// Config configures New.
type Config struct {
	// Pool is the database holding token families and refresh tokens.
	// Required.
	Pool *pgxpool.Pool
	// Key signs every new token; tokens naming it or one of Previous
	// verify. To rotate, make the old key a Previous one and drop it once
	// RefreshTTL has passed. Required.
	Key      Key
	Previous []Key
	// AccessTTL and RefreshTTL are the tokens' lifetimes; zero takes
	// DefaultAccessTTL and DefaultRefreshTTL. Both must be at least a second
	// (they are counted in whole seconds) and RefreshTTL at least AccessTTL.
	// A refresh token's lifetime starts when it is issued, so a family lives
	// as long as it is refreshed at least once per RefreshTTL.
	AccessTTL, RefreshTTL time.Duration
	// Denylist records revoked access tokens and families: NewDenylist picks
	// Redis when there is a client, else memory. Required.
	Denylist Denylist
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service issues, verifies, rotates and revokes token pairs. It is safe for
// concurrent use.
type Service struct {
	pool       *pgxpool.Pool
	key        Key
	v          *verifier
	accessTTL  time.Duration
	refreshTTL time.Duration
	deny       Denylist
	now        func() time.Time
}

// New returns a Service, or an error naming every problem of cfg: a nil Pool
// or Denylist, a key whose ID is invalid or repeated or whose Secret is
// shorter than KeySize, a negative or sub-second TTL, or a RefreshTTL shorter
// than AccessTTL. The keys are copied.
func New(cfg Config) (*Service, error) {
	var errs []error
	if cfg.Pool == nil {
		errs = append(errs, errors.New("a nil Pool"))
	}
	if cfg.Denylist == nil {
		errs = append(errs, errors.New("a nil Denylist"))
	}
	all := make([]Key, 0, 1+len(cfg.Previous))
	seen := make(map[string]bool, 1+len(cfg.Previous))
	for i, k := range append([]Key{cfg.Key}, cfg.Previous...) {
		name := "Key"
		if i > 0 {
			name = fmt.Sprintf("Previous[%d]", i-1)
		}
		switch {
		case !validKeyID(k.ID):
			errs = append(errs, fmt.Errorf("%s: ID %q is not 1 to 64 characters of [A-Za-z0-9._-]", name, k.ID))
		case seen[k.ID]:
			errs = append(errs, fmt.Errorf("%s: ID %q is used twice", name, k.ID))
		}
		if len(k.Secret) < KeySize {
			errs = append(errs, fmt.Errorf("%s: Secret is %d bytes, want at least %d", name, len(k.Secret), KeySize))
		}
		seen[k.ID] = true
		all = append(all, Key{ID: k.ID, Secret: bytes.Clone(k.Secret)})
	}
	accessTTL, refreshTTL := orDefault(cfg.AccessTTL, DefaultAccessTTL), orDefault(cfg.RefreshTTL, DefaultRefreshTTL)
	if accessTTL < time.Second || refreshTTL < time.Second {
		errs = append(errs, fmt.Errorf("AccessTTL %v and RefreshTTL %v must be at least 1s", accessTTL, refreshTTL))
	} else if refreshTTL < accessTTL {
		errs = append(errs, fmt.Errorf("RefreshTTL %v is shorter than AccessTTL %v", refreshTTL, accessTTL))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("jwt: invalid config: %w", errors.Join(errs...))
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Service{
		pool: cfg.Pool, key: all[0], v: newVerifier(all, now),
		accessTTL: accessTTL, refreshTTL: refreshTTL, deny: cfg.Denylist, now: now,
	}, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// IssuePair starts a token family for userID (a login) and returns its first
// pair. custom becomes claims of every access token of the family (nil for
// none); it goes through JSON, so numbers come back as float64. It returns
// ErrReservedClaim (wrapped, naming the claim) for a reserved name, an error
// for claims JSON or jsonb cannot hold or that make an access token longer
// than MaxTokenSize, and an error wrapping db.ErrNotFound when the user does
// not exist; then nothing is stored.
func (s *Service) IssuePair(ctx context.Context, userID uuid.UUID, custom map[string]any) (Pair, error) {
	if userID == uuid.Nil {
		return Pair{}, errors.New("jwt: issue: nil user id")
	}
	norm, raw, err := normalizeCustom(custom)
	if err != nil {
		return Pair{}, err
	}
	p := s.newIssued(userID, uuid.New(), norm, s.now())
	pair, err := s.sign(p)
	if err != nil {
		return Pair{}, err
	}
	err = db.WithTx(ctx, s.pool, func(q *db.Queries) error {
		if _, err := q.InsertJWTFamily(ctx, db.InsertJWTFamilyParams{ID: p.familyID, Now: p.issuedAt, UserID: userID}); err != nil {
			return err
		}
		return q.InsertJWTRefreshToken(ctx, insertParams(p, raw, nil))
	})
	if err != nil {
		return Pair{}, fmt.Errorf("jwt: issue: %w", err)
	}
	return pair, nil
}

// newIssued describes a new pair of the family issued at now.
func (s *Service) newIssued(userID, familyID uuid.UUID, custom map[string]any, now time.Time) issued {
	iat := now.Truncate(time.Second)
	return issued{
		userID: userID, familyID: familyID,
		refreshID: uuid.New(), accessID: uuid.New(),
		issuedAt:         iat,
		refreshExpiresAt: iat.Add(s.refreshTTL).Truncate(time.Second),
		accessExpiresAt:  iat.Add(s.accessTTL).Truncate(time.Second),
		custom:           custom,
	}
}

func insertParams(p issued, custom []byte, parent *uuid.UUID) db.InsertJWTRefreshTokenParams {
	return db.InsertJWTRefreshTokenParams{
		Jti: p.refreshID, FamilyID: p.familyID, ParentJti: parent,
		AccessJti: p.accessID, AccessExpiresAt: p.accessExpiresAt,
		CustomClaims: custom, IssuedAt: p.issuedAt, ExpiresAt: p.refreshExpiresAt,
	}
}

// VerifyAccess returns the claims of a valid, unrevoked access token. It
// returns ErrInvalidToken when the token does not verify (see the package
// comment) or is a refresh token, ErrRevoked when it or its family is on the
// denylist, and an error wrapping ErrUnavailable when the denylist cannot
// answer: revocation fails closed.
func (s *Service) VerifyAccess(ctx context.Context, token string) (Claims, error) {
	c, err := s.v.parseAs(token, TypeAccess)
	if err != nil {
		return Claims{}, err
	}
	listed, err := s.deny.AnyListed(ctx, jtiKey(c.ID), familyKey(c.FamilyID))
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if listed {
		return Claims{}, ErrRevoked
	}
	return c, nil
}

// AuthenticatedAt returns when the login that started the token family of
// c happened (its first pair was issued from a password, and a second
// factor when on): every refresh descends from it. A sensitive change made
// with an access token is allowed only shortly after it, as with a
// session's sudo mode. ErrRevoked when the family is revoked or gone.
func (s *Service) AuthenticatedAt(ctx context.Context, c Claims) (time.Time, error) {
	at, err := db.New(s.pool).GetJWTFamilyCreatedAt(ctx, db.GetJWTFamilyCreatedAtParams{ID: c.FamilyID, UserID: c.UserID})
	if errors.Is(db.Translate(err), db.ErrNotFound) {
		return time.Time{}, ErrRevoked
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("jwt: family login time: %w", db.Translate(err))
	}
	return at, nil
}

// Revoke revokes one of our tokens: an access token is put on the denylist
// until it expires; a refresh token revokes its whole family (see
// RevokeUser). It returns ErrInvalidToken for a token that does not verify
// (an expired one included: it needs no revoking), an error wrapping
// ErrUnavailable when the denylist cannot record it, and database errors
// wrapped. Revoking twice is not an error.
func (s *Service) Revoke(ctx context.Context, token string) error {
	c, typ, err := s.v.parse(token)
	if err != nil {
		return err
	}
	if typ == TypeAccess {
		return s.denylist(ctx, jtiKey(c.ID), c.ExpiresAt.Add(Leeway))
	}
	return s.revokeFamily(ctx, c.UserID, c.FamilyID)
}

// RevokeUser revokes every token family of userID (on a password change or
// an account event): their refresh tokens stop working at once, and their
// access tokens are put on the denylist until they expire. Tokens issued
// afterwards (a new login) are not affected. It returns an error wrapping
// ErrUnavailable when the denylist cannot record them (the refresh tokens
// are revoked all the same; calling again retries the denylist).
func (s *Service) RevokeUser(ctx context.Context, userID uuid.UUID) error {
	now := s.now()
	if _, err := db.New(s.pool).RevokeJWTUserFamilies(ctx, db.RevokeJWTUserFamiliesParams{Now: now, UserID: userID}); err != nil {
		return fmt.Errorf("jwt: revoke user: %w", db.Translate(err))
	}
	return s.denyFamilies(ctx, userID, nil, now)
}

// revokeFamily revokes one family in the database, then denylists its live
// access tokens.
func (s *Service) revokeFamily(ctx context.Context, userID, familyID uuid.UUID) error {
	now := s.now()
	params := db.RevokeJWTFamilyParams{Now: now, ID: familyID, UserID: userID}
	if _, err := db.New(s.pool).RevokeJWTFamily(ctx, params); err != nil {
		return fmt.Errorf("jwt: revoke family: %w", db.Translate(err))
	}
	return s.denyFamilies(ctx, userID, &familyID, now)
}

// denyFamilies puts on the denylist each family of userID (only familyID,
// when not nil) that issued an access token still accepted at now, until
// the last of them expires.
func (s *Service) denyFamilies(ctx context.Context, userID uuid.UUID, familyID *uuid.UUID, now time.Time) error {
	rows, err := db.New(s.pool).ListJWTLiveAccessFamilies(ctx, db.ListJWTLiveAccessFamiliesParams{
		UserID: userID, FamilyID: familyID, Now: now.Add(-Leeway),
	})
	if err != nil {
		return fmt.Errorf("jwt: list families: %w", db.Translate(err))
	}
	for _, r := range rows {
		if err := s.denylist(ctx, familyKey(r.FamilyID), r.AccessExpiresAt.Add(Leeway)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) denylist(ctx context.Context, key string, until time.Time) error {
	if err := s.deny.Add(ctx, key, until); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// DeleteExpired removes the refresh tokens that expired (more than Leeway
// ago), and the families left without any, and returns how many rows went.
// For the cleanup job: until then an expired token is refused by its exp.
func (s *Service) DeleteExpired(ctx context.Context) (int64, error) {
	q := db.New(s.pool)
	tokens, err := q.DeleteExpiredJWTRefreshTokens(ctx, s.now().Add(-Leeway))
	if err != nil {
		return 0, fmt.Errorf("jwt: delete expired tokens: %w", db.Translate(err))
	}
	families, err := q.DeleteEmptyJWTFamilies(ctx)
	if err != nil {
		return tokens, fmt.Errorf("jwt: delete empty families: %w", db.Translate(err))
	}
	return tokens + families, nil
}

// The denylist keys of an access token and of a family.
func jtiKey(id string) string       { return "jti:" + id }
func familyKey(id uuid.UUID) string { return "fam:" + id.String() }
