package account

import (
	"context"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/auth/session"
	"github.com/rampart-dev/rampart/internal/db"
)

// Sessions lists the user's live sessions, newest first.
func (s *Service) Sessions(ctx context.Context, userID uuid.UUID) ([]session.Session, error) {
	out, err := s.cfg.Sessions.List(ctx, userID)
	return out, wrap("list sessions", err)
}

// RevokeSession ends one of the user's sessions (ErrNotFound for another
// user's or an unknown one).
func (s *Service) RevokeSession(ctx context.Context, userID, sessionID uuid.UUID, meta RequestMeta) error {
	return s.tx(ctx, func(q *db.Queries) error {
		if err := s.cfg.Sessions.Revoke(ctx, q, userID, sessionID); err != nil {
			return sessionErr("revoke session", err)
		}
		return s.audit(ctx, q, userID, EventSessionRevoked, meta, detail{"session_id": sessionID})
	})
}

// RevokeOtherSessions ends every session of the user but keep; it returns
// how many ended.
func (s *Service) RevokeOtherSessions(ctx context.Context, userID, keep uuid.UUID, meta RequestMeta) (int, error) {
	var n int64
	err := s.tx(ctx, func(q *db.Queries) error {
		var err error
		if n, err = s.cfg.Sessions.RevokeAllExcept(ctx, q, userID, keep); err != nil {
			return wrap("revoke other sessions", err)
		}
		if n == 0 {
			return nil
		}
		return s.audit(ctx, q, userID, EventSessionRevoked, meta, detail{"scope": "others", "count": n})
	})
	return int(n), err
}
