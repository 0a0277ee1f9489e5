package account_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/account"
)

// TestSecurityChangesRevokeAPITokens: wherever a user's sessions end for
// security, their API tokens are ended through Config.RevokeTokens (wired
// to the JWT service in cmd/server; recorded here).
func TestSecurityChangesRevokeAPITokens(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		revoked []uuid.UUID
	)
	e := newEnv(t, func(c *account.Config) {
		c.RevokeTokens = func(_ context.Context, id uuid.UUID) error {
			mu.Lock()
			defer mu.Unlock()
			revoked = append(revoked, id)
			return nil
		}
	})
	calls := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(revoked)
	}
	ctx := t.Context()
	ada := e.enroll(t, "ada@example.com")

	steps := []struct {
		name string
		do   func() error
	}{
		{"a password change", func() error {
			_, err := e.svc.ChangePassword(ctx, ada.user.ID, ada.session.ID, goodPassword, otherPassword, meta)
			return err
		}},
		{"an operator ending the sessions", func() error {
			_, err := e.svc.AdminEndSessions(ctx, ada.user.ID, meta)
			return err
		}},
		{"a password reset", func() error {
			if err := e.svc.RequestPasswordReset(ctx, "ada@example.com", meta); err != nil {
				return err
			}
			_, err := e.svc.ResetPassword(ctx, e.lastLink(t, "ada@example.com", account.PathPasswordReset), goodPassword, meta)
			return err
		}},
		{"turning 2FA off", func() error {
			_, sess := e.startSession(t, ada.user.ID)
			return e.svc.DisableTwoFactor(ctx, ada.user.ID, sess.ID, goodPassword, meta)
		}},
	}
	for i, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if calls() != i+1 {
			t.Fatalf("after %s, RevokeTokens was called %d times, want %d", st.name, calls(), i+1)
		}
	}
	if slices.ContainsFunc(revoked, func(id uuid.UUID) bool { return id != ada.user.ID }) {
		t.Errorf("RevokeTokens called for %v, want only ada", revoked)
	}
	// A plain login or logout does not.
	if _, err := e.login(t, "ada@example.com", goodPassword); err != nil {
		t.Fatal(err)
	}
	if calls() != len(steps) {
		t.Error("a login revoked the API tokens")
	}
}
