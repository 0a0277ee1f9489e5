package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/mail"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/rampart-dev/rampart/internal/auth/password"
	"github.com/rampart-dev/rampart/internal/db"
)

// createUser runs `createuser --email E [--admin]`. The password is read from
// stdin (a prompt without echo on a terminal, else the first line), never
// from the command line where ps and shell history would keep it. The user is
// created with a verified email; --admin grants admin.access.
func createUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("createuser", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "email address of the new user (required)")
	admin := fs.Bool("admin", false, "grant the admin.access permission")
	if err := fs.Parse(args); err != nil {
		return errReported
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: the password is read from stdin, never from arguments", fs.Arg(0))
	}
	addr, err := mail.ParseAddress(*email)
	if err != nil || addr.Name != "" || addr.Address != strings.TrimSpace(*email) {
		return errors.New("--email must be a plain email address, like ada@example.com")
	}

	pw, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	if err := password.CheckNew(pw, addr.Address); err != nil {
		return fmt.Errorf("password refused: %w", err)
	}

	cfg, log, closeLog, err := loadConfig(getenv, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = closeLog() }()
	pool, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	hash, err := password.NewHasher(password.DefaultParams(), 0, 0).Hash(ctx, pw)
	if err != nil {
		return err
	}

	now := time.Now()
	err = db.WithTx(ctx, pool, func(q *db.Queries) error {
		u, err := q.CreateUser(ctx, db.CreateUserParams{Email: addr.Address, PasswordHash: hash, EmailVerifiedAt: &now})
		if err != nil {
			return err
		}
		if *admin {
			return q.GrantPermission(ctx, db.GrantPermissionParams{UserID: u.ID, Codename: "admin.access"})
		}
		return nil
	})
	if errors.Is(err, db.ErrConflict) {
		return fmt.Errorf("a user with the email %s already exists", addr.Address)
	}
	if err != nil {
		return err
	}
	log.Info("user created", "email", addr.Address, "admin", *admin)
	fmt.Fprintf(stdout, "created user %s%s\n", addr.Address, map[bool]string{true: " (admin)"}[*admin])
	return nil
}

// readPassword prompts without echo when stdin is a terminal; otherwise it
// reads the first line (without its line ending).
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("no password on stdin: pipe it in, e.g. `printf '%s\\n' \"$PW\" | server createuser --email ...`")
	}
	return line, nil
}
