// Package perms answers "may this user ...?": permissions are codenames
// ("admin.access", "billing.manage") granted to a user directly or through
// the groups they belong to. The codenames themselves are rows of the
// permissions table, added by migrations, so a typo in a grant is an error
// rather than a permission nobody checks.
//
// Lookups are cached per request: wrap a request's context with WithCache
// and every check in it shares one query per user.
package perms

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampart-dev/rampart/internal/db"
)

// Errors returned by Store.
var (
	// ErrUnknownPermission: the codename is not a row of the permissions table.
	ErrUnknownPermission = errors.New("perms: unknown permission")
	// ErrUnknownUser: no account has that address.
	ErrUnknownUser = errors.New("perms: unknown user")
	// ErrUnknownGroup: no group has that name.
	ErrUnknownGroup = errors.New("perms: unknown group")
	// ErrInvalidGroupName: group names are 1-63 characters of a-z, 0-9, _ and -, starting with a letter.
	ErrInvalidGroupName = errors.New("perms: group names are lower-case letters, digits, _ and -, starting with a letter")
)

var groupName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// Store reads and changes grants in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore returns a Store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Set is the codenames a user holds.
type Set []string

// Has reports whether codename is in the set.
func (s Set) Has(codename string) bool { return slices.Contains(s, codename) }

// cacheKey is the context key of the per-request cache.
type cacheKey struct{}

// cache holds the permission sets already loaded in one request.
type cache struct {
	mu   sync.Mutex
	sets map[uuid.UUID]Set
}

// WithCache returns ctx carrying an empty per-request cache: within it, a
// user's permissions are loaded once. Never share such a context between
// requests, or a grant would take effect late.
func WithCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, cacheKey{}, &cache{sets: map[uuid.UUID]Set{}})
}

// Of returns every codename userID holds, directly or through a group,
// sorted; from the request's cache when ctx has one (see WithCache).
func (s *Store) Of(ctx context.Context, userID uuid.UUID) (Set, error) {
	c, _ := ctx.Value(cacheKey{}).(*cache)
	if c != nil {
		c.mu.Lock()
		set, ok := c.sets[userID]
		c.mu.Unlock()
		if ok {
			return set, nil
		}
	}
	codes, err := db.New(s.pool).ListUserPermissions(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("perms: load: %w", db.Translate(err))
	}
	set := Set(codes)
	if c != nil {
		c.mu.Lock()
		c.sets[userID] = set
		c.mu.Unlock()
	}
	return set, nil
}

// Has reports whether userID holds codename (see Of for the cache).
func (s *Store) Has(ctx context.Context, userID uuid.UUID, codename string) (bool, error) {
	set, err := s.Of(ctx, userID)
	if err != nil {
		return false, err
	}
	return set.Has(codename), nil
}
