package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampart-dev/rampart/internal/db"
)

// Store reads and writes sessions in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewStore returns a Store; now defaults to time.Now.
func NewStore(pool *pgxpool.Pool, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{pool: pool, now: now}
}

// queries returns q, or Queries on the Store's pool when q is nil.
func (s *Store) queries(q *db.Queries) *db.Queries {
	if q == nil {
		return db.New(s.pool)
	}
	return q
}

// Create starts a session for userID through q (so it can join a
// transaction) and returns the cookie value: 32 random bytes, base64url.
//
// A nil q runs on the Store's pool. The session expires AbsoluteTimeout from
// now; meta.UserAgent is cut to MaxUserAgentBytes (valid UTF-8), meta.IP is
// stored as given.
func (s *Store) Create(ctx context.Context, q *db.Queries, userID uuid.UUID, meta Meta) (string, Session, error) {
	token, hash := newToken()
	now := s.now()
	row, err := s.queries(q).InsertSession(ctx, db.InsertSessionParams{
		UserID:    userID,
		TokenHash: hash,
		Now:       now,
		ExpiresAt: now.Add(AbsoluteTimeout),
		Ip:        meta.IP,
		UserAgent: cleanUserAgent(meta.UserAgent),
	})
	if err != nil {
		return "", Session{}, fmt.Errorf("session: create: %w", db.Translate(err))
	}
	return token, fromRow(row), nil
}

// Lookup returns the live session for a cookie value (ErrNotFound when
// unknown, idle past IdleTimeout or past its absolute expiry), writing
// last-seen when it is older than LastSeenInterval.
//
// A value that is not WellFormed is ErrNotFound without a query.
func (s *Store) Lookup(ctx context.Context, token string) (Session, error) {
	if !WellFormed(token) {
		return Session{}, ErrNotFound
	}
	now := s.now()
	q := db.New(s.pool)
	row, err := q.GetLiveSessionByTokenHash(ctx, db.GetLiveSessionByTokenHashParams{
		TokenHash:  HashToken(token),
		Now:        now,
		IdleCutoff: now.Add(-IdleTimeout),
	})
	if err != nil {
		return Session{}, translate("lookup", err)
	}
	sess := fromRow(row)
	if !sess.LastSeenAt.Before(now.Add(-LastSeenInterval)) {
		return sess, nil
	}
	n, err := q.TouchSession(ctx, db.TouchSessionParams{
		ID: sess.ID, Now: now, StaleBefore: now.Add(-LastSeenInterval),
	})
	if err != nil {
		return Session{}, translate("touch", err)
	}
	if n == 1 {
		sess.LastSeenAt = now
	}
	return sess, nil
}

// Get returns the live session id of userID through q (nil: the Store's
// pool), without touching it. ErrNotFound when it is not theirs or not live.
func (s *Store) Get(ctx context.Context, q *db.Queries, userID, id uuid.UUID) (Session, error) {
	now := s.now()
	row, err := s.queries(q).GetLiveUserSession(ctx, db.GetLiveUserSessionParams{
		ID: id, UserID: userID, Now: now, IdleCutoff: now.Add(-IdleTimeout),
	})
	if err != nil {
		return Session{}, translate("get", err)
	}
	return fromRow(row), nil
}

// List returns the user's live sessions, newest first.
func (s *Store) List(ctx context.Context, userID uuid.UUID) ([]Session, error) {
	now := s.now()
	rows, err := db.New(s.pool).ListLiveUserSessions(ctx, db.ListLiveUserSessionsParams{
		UserID: userID, Now: now, IdleCutoff: now.Add(-IdleTimeout),
	})
	if err != nil {
		return nil, translate("list", err)
	}
	out := make([]Session, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

// SetSecondFactor records through q (nil: the Store's pool) that session id
// of userID passed a second factor at at. ErrNotFound when it is not theirs
// or gone.
func (s *Store) SetSecondFactor(ctx context.Context, q *db.Queries, userID, id uuid.UUID, at time.Time) error {
	n, err := s.queries(q).SetSessionSecondFactor(ctx, db.SetSessionSecondFactorParams{
		SecondFactorAt: &at, ID: id, UserID: userID,
	})
	if err != nil {
		return translate("set second factor", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetSudo records through q (nil: the Store's pool) that the owner of
// session id confirmed their password (or a second factor) at at, which
// starts a new SudoWindow. ErrNotFound when it is not theirs or gone.
func (s *Store) SetSudo(ctx context.Context, q *db.Queries, userID, id uuid.UUID, at time.Time) error {
	n, err := s.queries(q).SetSessionSudo(ctx, db.SetSessionSudoParams{SudoAt: &at, ID: id, UserID: userID})
	if err != nil {
		return translate("set sudo", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// Renew gives session id of userID a new token through q (nil: the Store's
// pool) and returns it: the old cookie value stops working at once, while
// the session (its id, second-factor and sudo marks, and expiry) goes on.
// It is how a session is "replaced on privilege change" without signing
// anyone out: a token captured before the change is worth nothing after
// it. ErrNotFound when the session is not theirs, gone or expired.
func (s *Store) Renew(ctx context.Context, q *db.Queries, userID, id uuid.UUID) (string, error) {
	token, hash := newToken()
	n, err := s.queries(q).RenewSessionToken(ctx, db.RenewSessionTokenParams{TokenHash: hash, ID: id, UserID: userID, Now: s.now()})
	if err != nil {
		return "", translate("renew", err)
	}
	if n == 0 {
		return "", ErrNotFound
	}
	return token, nil
}

// Revoke ends session id of userID (ErrNotFound when not theirs or gone).
// A nil q runs on the Store's pool.
func (s *Store) Revoke(ctx context.Context, q *db.Queries, userID, id uuid.UUID) error {
	n, err := s.queries(q).DeleteUserSession(ctx, db.DeleteUserSessionParams{ID: id, UserID: userID})
	if err != nil {
		return translate("revoke", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// RevokeToken ends the session of a cookie value (nil when already gone).
func (s *Store) RevokeToken(ctx context.Context, token string) error {
	if _, err := s.Remove(ctx, nil, token); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// Remove ends the session of a cookie value through q (nil: the Store's
// pool) and returns it, so the caller can tell whose it was. ErrNotFound when
// there was none (a value that is not WellFormed never queries).
func (s *Store) Remove(ctx context.Context, q *db.Queries, token string) (Session, error) {
	if !WellFormed(token) {
		return Session{}, ErrNotFound
	}
	row, err := s.queries(q).DeleteSessionByTokenHash(ctx, HashToken(token))
	if err != nil {
		return Session{}, translate("remove", err)
	}
	return fromRow(row), nil
}

// RevokeAllExcept ends every session of userID but keep (uuid.Nil: all) and
// returns how many ended. A nil q runs on the Store's pool.
func (s *Store) RevokeAllExcept(ctx context.Context, q *db.Queries, userID, keep uuid.UUID) (int64, error) {
	n, err := s.queries(q).DeleteUserSessionsExcept(ctx, db.DeleteUserSessionsExceptParams{UserID: userID, Keep: keep})
	if err != nil {
		return 0, translate("revoke all", err)
	}
	return n, nil
}

// translate maps db.ErrNotFound to ErrNotFound and wraps other errors
// (translated at the db edge) with what was being done.
func translate(op string, err error) error {
	err = db.Translate(err)
	if errors.Is(err, db.ErrNotFound) {
		return ErrNotFound
	}
	return fmt.Errorf("session: %s: %w", op, err)
}

func fromRow(r db.Session) Session {
	return Session{
		ID:             r.ID,
		UserID:         r.UserID,
		CreatedAt:      r.CreatedAt,
		LastSeenAt:     r.LastSeenAt,
		ExpiresAt:      r.ExpiresAt,
		IP:             r.Ip,
		UserAgent:      r.UserAgent,
		SecondFactorAt: r.SecondFactorAt,
		SudoAt:         r.SudoAt,
	}
}
