package account

import (
	"context"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/db"
)

// MaxPerPage bounds the page size of ListUsers.
const MaxPerPage = 100

// likeEscaper escapes the ILIKE wildcards (and the escape character) so a
// search for "a_b" or "100%" matches those characters literally.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ListUsers pages through users whose email contains query (case-
// insensitive), newest first; page starts at 1. It returns the page and the
// total count.
//
// query is trimmed; "" lists everyone. perPage is clamped to 1..MaxPerPage
// and page to at least 1; a page past the end is empty. A query that no
// address can contain (longer than an address, invalid UTF-8, NUL) matches
// nothing.
func (s *Service) ListUsers(ctx context.Context, query string, page, perPage int) ([]User, int, error) {
	query = strings.TrimSpace(query)
	if len(query) > maxEmailBytes || !utf8.ValidString(query) || strings.ContainsRune(query, 0) {
		return []User{}, 0, nil
	}
	perPage = min(max(perPage, 1), MaxPerPage)
	page = max(page, 1)
	pattern := likeEscaper.Replace(query)
	q := db.New(s.cfg.Pool)
	total, err := q.CountUsersMatching(ctx, pattern)
	if err != nil {
		return nil, 0, dbErr("list users: count", err)
	}
	skip := int64(page-1) * int64(perPage)
	if skip >= total || skip > math.MaxInt32 {
		return []User{}, int(total), nil
	}
	// #nosec G115 -- skip <= math.MaxInt32 (checked above) and perPage <= MaxPerPage.
	rows, err := q.SearchUsers(ctx, db.SearchUsersParams{Pattern: pattern, SkipRows: int32(skip), MaxRows: int32(perPage)})
	if err != nil {
		return nil, 0, dbErr("list users", err)
	}
	out := make([]User, len(rows))
	for i, r := range rows {
		out[i] = toUser(r.User, r.IsAdmin, r.TotpEnabled)
		out[i].Permissions, out[i].Groups = r.Permissions, r.GroupNames
	}
	return out, int(total), nil
}

// AdminUnlock clears a lockout.
//
// It resets the failure count and lifts the lock; ErrNotFound for an
// unknown user.
func (s *Service) AdminUnlock(ctx context.Context, userID uuid.UUID, meta RequestMeta) error {
	return s.tx(ctx, func(q *db.Queries) error {
		n, err := q.ClearLoginFailures(ctx, db.ClearLoginFailuresParams{ID: userID, Now: s.now()})
		if err != nil {
			return dbErr("admin unlock", err)
		}
		if n == 0 {
			return ErrNotFound
		}
		return s.audit(ctx, q, userID, EventUnlock, meta, detail{"via": "admin"})
	})
}

// AdminEndSessions ends every session of a user; it returns how many ended.
//
// ErrNotFound for an unknown user.
func (s *Service) AdminEndSessions(ctx context.Context, userID uuid.UUID, meta RequestMeta) (int, error) {
	var n int64
	err := s.tx(ctx, func(q *db.Queries) error {
		if _, err := q.GetUserByID(ctx, userID); err != nil {
			return dbErr("admin end sessions: load user", err)
		}
		var err error
		if n, err = s.cfg.Sessions.RevokeAllExcept(ctx, q, userID, uuid.Nil); err != nil {
			return wrap("admin end sessions", err)
		}
		return s.audit(ctx, q, userID, EventSessionRevoked, meta, detail{"scope": "all", "via": "admin", "count": n})
	})
	if err == nil {
		s.revokeTokens(ctx, userID)
	}
	return int(n), err
}
