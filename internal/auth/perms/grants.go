package perms

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/db"
)

// Group is a group with its permissions and size.
type Group struct {
	Name        string
	Permissions []string
	Members     int
}

// GrantUser grants codename to the user with address email (idempotent).
// ErrUnknownUser, ErrUnknownPermission.
func (s *Store) GrantUser(ctx context.Context, email, codename string) error {
	return db.WithTx(ctx, s.pool, func(q *db.Queries) error {
		id, err := s.known(ctx, q, email, codename)
		if err != nil {
			return err
		}
		return translate("grant", q.GrantPermission(ctx, db.GrantPermissionParams{UserID: id, Codename: codename}))
	})
}

// RevokeUser takes a direct grant of codename from the user with address
// email and reports whether there was one (a grant through a group stays:
// remove the user from the group, or revoke it from the group).
func (s *Store) RevokeUser(ctx context.Context, email, codename string) (bool, error) {
	var n int64
	err := db.WithTx(ctx, s.pool, func(q *db.Queries) error {
		id, err := s.known(ctx, q, email, codename)
		if err != nil {
			return err
		}
		n, err = q.RevokePermission(ctx, db.RevokePermissionParams{UserID: id, Codename: codename})
		return translate("revoke", err)
	})
	return n > 0, err
}

// GrantGroup grants codename to the group name, creating the group when it
// does not exist. ErrInvalidGroupName, ErrUnknownPermission.
func (s *Store) GrantGroup(ctx context.Context, name, codename string) error {
	if !groupName.MatchString(name) {
		return ErrInvalidGroupName
	}
	return db.WithTx(ctx, s.pool, func(q *db.Queries) error {
		if err := permissionExists(ctx, q, codename); err != nil {
			return err
		}
		g, err := q.EnsureGroup(ctx, name)
		if err != nil {
			return translate("create group", err)
		}
		return translate("grant to group", q.GrantGroupPermission(ctx, db.GrantGroupPermissionParams{GroupID: g.ID, Codename: codename}))
	})
}

// RevokeGroup takes codename from the group name and reports whether it
// had it. ErrUnknownGroup.
func (s *Store) RevokeGroup(ctx context.Context, name, codename string) (bool, error) {
	var n int64
	err := db.WithTx(ctx, s.pool, func(q *db.Queries) error {
		g, err := group(ctx, q, name)
		if err != nil {
			return err
		}
		n, err = q.RevokeGroupPermission(ctx, db.RevokeGroupPermissionParams{GroupID: g.ID, Codename: codename})
		return translate("revoke from group", err)
	})
	return n > 0, err
}

// AddMember puts the user with address email in the group name, creating
// the group when it does not exist (idempotent). ErrUnknownUser,
// ErrInvalidGroupName.
func (s *Store) AddMember(ctx context.Context, name, email string) error {
	if !groupName.MatchString(name) {
		return ErrInvalidGroupName
	}
	return db.WithTx(ctx, s.pool, func(q *db.Queries) error {
		id, err := userID(ctx, q, email)
		if err != nil {
			return err
		}
		g, err := q.EnsureGroup(ctx, name)
		if err != nil {
			return translate("create group", err)
		}
		return translate("add member", q.AddUserToGroup(ctx, db.AddUserToGroupParams{UserID: id, GroupID: g.ID}))
	})
}

// RemoveMember takes the user with address email out of the group name and
// reports whether they were in it. ErrUnknownUser, ErrUnknownGroup.
func (s *Store) RemoveMember(ctx context.Context, name, email string) (bool, error) {
	var n int64
	err := db.WithTx(ctx, s.pool, func(q *db.Queries) error {
		id, err := userID(ctx, q, email)
		if err != nil {
			return err
		}
		g, err := group(ctx, q, name)
		if err != nil {
			return err
		}
		n, err = q.RemoveUserFromGroup(ctx, db.RemoveUserFromGroupParams{UserID: id, GroupID: g.ID})
		return translate("remove member", err)
	})
	return n > 0, err
}

// Groups lists every group with its permissions and member count.
func (s *Store) Groups(ctx context.Context) ([]Group, error) {
	rows, err := db.New(s.pool).ListGroups(ctx)
	if err != nil {
		return nil, translate("list groups", err)
	}
	out := make([]Group, len(rows))
	for i, r := range rows {
		out[i] = Group{Name: r.Name, Permissions: r.Codenames, Members: int(r.Members)}
	}
	return out, nil
}

// UserGroups lists the names of the groups userID belongs to.
func (s *Store) UserGroups(ctx context.Context, userID uuid.UUID) ([]string, error) {
	names, err := db.New(s.pool).ListUserGroups(ctx, userID)
	return names, translate("list user groups", err)
}

// known resolves email to a user id and checks codename exists.
func (s *Store) known(ctx context.Context, q *db.Queries, email, codename string) (uuid.UUID, error) {
	if err := permissionExists(ctx, q, codename); err != nil {
		return uuid.Nil, err
	}
	return userID(ctx, q, email)
}

func permissionExists(ctx context.Context, q *db.Queries, codename string) error {
	ok, err := q.PermissionExists(ctx, codename)
	if err != nil {
		return translate("check permission", err)
	}
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownPermission, codename)
	}
	return nil
}

func userID(ctx context.Context, q *db.Queries, email string) (uuid.UUID, error) {
	u, err := q.GetUserByEmail(ctx, email)
	if errors.Is(db.Translate(err), db.ErrNotFound) {
		return uuid.Nil, fmt.Errorf("%w: %s", ErrUnknownUser, email)
	}
	if err != nil {
		return uuid.Nil, translate("load user", err)
	}
	return u.ID, nil
}

func group(ctx context.Context, q *db.Queries, name string) (db.Group, error) {
	g, err := q.GetGroupByName(ctx, name)
	if errors.Is(db.Translate(err), db.ErrNotFound) {
		return g, fmt.Errorf("%w: %s", ErrUnknownGroup, name)
	}
	return g, translate("load group", err)
}

// translate wraps a database error (nil stays nil).
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("perms: %s: %w", op, db.Translate(err))
}

// Describe returns what the user with address email holds and the groups
// they are in. ErrUnknownUser.
func (s *Store) Describe(ctx context.Context, email string) (Set, []string, error) {
	id, err := userID(ctx, db.New(s.pool), email)
	if err != nil {
		return nil, nil, err
	}
	set, err := s.Of(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	groups, err := s.UserGroups(ctx, id)
	return set, groups, err
}
