package perms_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampart-dev/rampart/internal/auth/perms"
	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/db/dbtest"
)

// newStore returns a Store on a fresh database with two users and one
// extra permission, billing.manage.
func newStore(t *testing.T) (*perms.Store, *pgxpool.Pool, map[string]uuid.UUID) {
	t.Helper()
	pool := dbtest.New(t)
	ctx := t.Context()
	if _, err := pool.Exec(ctx, `INSERT INTO permissions (codename) VALUES ('billing.manage')`); err != nil {
		t.Fatal(err)
	}
	ids := map[string]uuid.UUID{}
	for _, email := range []string{"ada@example.com", "bob@example.com"} {
		u, err := db.New(pool).CreateUser(ctx, db.CreateUserParams{Email: email, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		ids[email] = u.ID
	}
	return perms.NewStore(pool), pool, ids
}

func TestGrantsDirectAndThroughGroups(t *testing.T) {
	t.Parallel()
	s, _, ids := newStore(t)
	ctx := t.Context()
	ada, bob := ids["ada@example.com"], ids["bob@example.com"]

	if set, err := s.Of(ctx, ada); err != nil || len(set) != 0 {
		t.Fatalf("Of(new user) = %v, %v; want nothing", set, err)
	}
	if err := s.GrantUser(ctx, "ada@example.com", "admin.access"); err != nil {
		t.Fatal(err)
	}
	if err := s.GrantUser(ctx, "ada@example.com", "admin.access"); err != nil {
		t.Errorf("a second identical grant = %v, want nil (idempotent)", err)
	}
	if err := s.GrantGroup(ctx, "finance", "billing.manage"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddMember(ctx, "finance", "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	set, err := s.Of(ctx, ada)
	if err != nil || !slices.Equal(set, perms.Set{"admin.access", "billing.manage"}) {
		t.Errorf("Of(ada) = %v, %v; want admin.access and billing.manage", set, err)
	}
	if ok, _ := s.Has(ctx, bob, "billing.manage"); ok {
		t.Error("bob holds billing.manage without a grant")
	}
	// A permission held both ways stays until both are gone.
	if err := s.GrantGroup(ctx, "finance", "admin.access"); err != nil {
		t.Fatal(err)
	}
	if had, err := s.RevokeUser(ctx, "ada@example.com", "admin.access"); err != nil || !had {
		t.Fatalf("RevokeUser = %v, %v", had, err)
	}
	if ok, _ := s.Has(ctx, ada, "admin.access"); !ok {
		t.Error("revoking the direct grant removed the group's")
	}
	if had, err := s.RemoveMember(ctx, "finance", "ada@example.com"); err != nil || !had {
		t.Fatalf("RemoveMember = %v, %v", had, err)
	}
	if set, _ := s.Of(ctx, ada); len(set) != 0 {
		t.Errorf("Of(ada) after leaving the group = %v, want nothing", set)
	}
	groups, err := s.Groups(ctx)
	if err != nil || len(groups) != 1 || groups[0].Name != "finance" || groups[0].Members != 0 ||
		!slices.Equal(groups[0].Permissions, []string{"admin.access", "billing.manage"}) {
		t.Errorf("Groups = %+v, %v", groups, err)
	}
	if had, err := s.RevokeGroup(ctx, "finance", "billing.manage"); err != nil || !had {
		t.Errorf("RevokeGroup = %v, %v", had, err)
	}
}

func TestGrantRefusals(t *testing.T) {
	t.Parallel()
	s, pool, _ := newStore(t)
	ctx := t.Context()
	for name, err := range map[string]error{
		"unknown permission to a user":  s.GrantUser(ctx, "ada@example.com", "admin.acess"),
		"unknown user":                  s.GrantUser(ctx, "nobody@example.com", "admin.access"),
		"unknown permission to a group": s.GrantGroup(ctx, "ops", "nope.nope"),
		"bad group name":                s.GrantGroup(ctx, "Ops Team", "admin.access"),
		"member of a bad group name":    s.AddMember(ctx, "../x", "ada@example.com"),
		"unknown member":                s.AddMember(ctx, "ops", "nobody@example.com"),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	_, err := s.RevokeGroup(ctx, "nobody", "admin.access")
	if !errors.Is(err, perms.ErrUnknownGroup) {
		t.Errorf("RevokeGroup(unknown group) = %v, want ErrUnknownGroup", err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM user_permissions) + (SELECT count(*) FROM groups)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("refused grants wrote %d rows (%v)", n, err)
	}
}

func TestPerRequestCache(t *testing.T) {
	t.Parallel()
	s, _, ids := newStore(t)
	ada := ids["ada@example.com"]
	req := perms.WithCache(t.Context())
	if ok, _ := s.Has(req, ada, "admin.access"); ok {
		t.Fatal("granted before any grant")
	}
	if err := s.GrantUser(t.Context(), "ada@example.com", "admin.access"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.Has(req, ada, "admin.access"); ok {
		t.Error("the request's cache was not used: a grant made mid-request showed up")
	}
	if ok, _ := s.Has(perms.WithCache(t.Context()), ada, "admin.access"); !ok {
		t.Error("the next request does not see the grant")
	}
	if ok, _ := s.Has(t.Context(), ada, "admin.access"); !ok {
		t.Error("a context without a cache does not see the grant")
	}
}
