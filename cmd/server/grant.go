package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rampart-dev/rampart/internal/auth/perms"
	"github.com/rampart-dev/rampart/internal/db"
)

// grantUsage explains grant and revoke, which take the same arguments.
const grantUsage = `usage:
  server grant  --email E PERM...    grant permissions to a user
  server grant  --group G PERM...    grant permissions to a group (created when missing)
  server grant  --group G --email E  add a user to a group (created when missing)
  server revoke ...                  the same arguments, taken back
  server perms  [--email E]          list groups, or what a user holds
`

// grant runs `grant` (revoke false) and `revoke` (revoke true).
func grant(ctx context.Context, revoke bool, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	name := map[bool]string{false: "grant", true: "revoke"}[revoke]
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, grantUsage) }
	email := fs.String("email", "", "the user's email address")
	group := fs.String("group", "", "the group's name")
	if err := fs.Parse(args); err != nil {
		return errReported
	}
	codes := fs.Args()
	switch {
	case *email == "" && *group == "":
		return errors.New("give --email or --group (see `server help`)")
	case *email != "" && *group != "" && len(codes) > 0:
		return errors.New("permissions go to a user or to a group, not both: give --email or --group with them")
	case (*email == "" || *group == "") && len(codes) == 0:
		return errors.New("name at least one permission, like admin.access")
	}
	store, closeDB, err := openPerms(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer closeDB()
	for _, line := range grantSteps(ctx, store, revoke, strings.TrimSpace(*email), strings.TrimSpace(*group), codes) {
		if line.err != nil {
			return line.err
		}
		fmt.Fprintln(stdout, line.text)
	}
	return nil
}

type grantLine struct {
	text string
	err  error
}

// grantSteps applies each change in turn and describes it; it stops at the
// first error.
func grantSteps(ctx context.Context, s *perms.Store, revoke bool, email, group string, codes []string) []grantLine {
	var out []grantLine
	if len(codes) == 0 { // membership
		if revoke {
			had, err := s.RemoveMember(ctx, group, email)
			return append(out, grantLine{text: changed(had, email+" removed from "+group, email+" was not in "+group), err: err})
		}
		return append(out, grantLine{text: email + " is in " + group, err: s.AddMember(ctx, group, email)})
	}
	for _, code := range codes {
		var line grantLine
		switch {
		case email != "" && revoke:
			had, err := s.RevokeUser(ctx, email, code)
			line = grantLine{text: changed(had, code+" revoked from "+email, email+" had no direct grant of "+code), err: err}
		case email != "":
			line = grantLine{text: code + " granted to " + email, err: s.GrantUser(ctx, email, code)}
		case revoke:
			had, err := s.RevokeGroup(ctx, group, code)
			line = grantLine{text: changed(had, code+" revoked from group "+group, "group "+group+" did not have "+code), err: err}
		default:
			line = grantLine{text: code + " granted to group " + group, err: s.GrantGroup(ctx, group, code)}
		}
		out = append(out, line)
		if line.err != nil {
			break
		}
	}
	return out
}

func changed(did bool, yes, no string) string {
	if did {
		return yes
	}
	return no
}

// listPerms runs `perms [--email E]`.
func listPerms(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("perms", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "show what this user holds")
	if err := fs.Parse(args); err != nil {
		return errReported
	}
	store, closeDB, err := openPerms(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer closeDB()
	if *email == "" {
		groups, err := store.Groups(ctx)
		if err != nil {
			return err
		}
		for _, g := range groups {
			fmt.Fprintf(stdout, "%s\t%d members\t%s\n", g.Name, g.Members, strings.Join(g.Permissions, " "))
		}
		return nil
	}
	set, groups, err := store.Describe(ctx, strings.TrimSpace(*email))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "permissions: %s\ngroups: %s\n", strings.Join(set, " "), strings.Join(groups, " "))
	return nil
}

// openPerms loads the configuration and opens the database for the grant
// commands.
func openPerms(ctx context.Context, getenv func(string) string, stderr io.Writer) (*perms.Store, func(), error) {
	cfg, _, closeLog, err := loadConfig(getenv, stderr)
	if err != nil {
		return nil, nil, err
	}
	pool, err := openDB(ctx, cfg)
	if err != nil {
		_ = closeLog()
		return nil, nil, err
	}
	if _, err := db.New(pool).CountUsers(ctx); err != nil {
		pool.Close()
		_ = closeLog()
		return nil, nil, fmt.Errorf("database not ready (run `server migrate up`): %w", err)
	}
	return perms.NewStore(pool), func() { pool.Close(); _ = closeLog() }, nil
}
