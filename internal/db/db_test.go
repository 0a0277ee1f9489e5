package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/db/dbtest"
)

func TestQueriesTranslateErrorsAtTheEdge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	q := db.New(pool)

	_, err := q.CreateUser(ctx, db.CreateUserParams{Email: "ada@example.com", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		run  func() error
		want error
	}{
		{"a missing user is ErrNotFound", func() error {
			_, err := q.GetUserByEmail(ctx, "nobody@example.com")
			return db.Translate(err)
		}, db.ErrNotFound},
		{"the same email in another case is ErrConflict (citext)", func() error {
			_, err := q.CreateUser(ctx, db.CreateUserParams{Email: "ADA@example.com", PasswordHash: "x"})
			return db.Translate(err)
		}, db.ErrConflict},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}

	var ce *db.ConflictError
	_, err = q.CreateUser(ctx, db.CreateUserParams{Email: "ada@example.com", PasswordHash: "x"})
	if !errors.As(db.Translate(err), &ce) || ce.Constraint != "users_email_key" {
		t.Errorf("conflict does not name its constraint: %v", db.Translate(err))
	}
}

func TestTranslateLeavesOtherErrorsAlone(t *testing.T) {
	plain := errors.New("plain")
	if got := db.Translate(plain); got != plain {
		t.Errorf("got %v, want the same error", got)
	}
	if db.Translate(nil) != nil {
		t.Error("nil became an error")
	}
	wrapped := fmt.Errorf("ctx: %w", db.ErrNotFound)
	if got := db.Translate(wrapped); got != wrapped {
		t.Error("an already translated error was rewrapped")
	}
}

func TestWithTxCommitsOnSuccessAndRollsBackOnError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)

	err := db.WithTx(ctx, pool, func(q *db.Queries) error {
		_, err := q.CreateUser(ctx, db.CreateUserParams{Email: "kept@example.com", PasswordHash: "x"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	boom := errors.New("boom")
	err = db.WithTx(ctx, pool, func(q *db.Queries) error {
		if _, err := q.CreateUser(ctx, db.CreateUserParams{Email: "dropped@example.com", PasswordHash: "x"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the callback's error", err)
	}

	func() {
		defer func() {
			if recover() == nil {
				t.Error("a panic inside the transaction was swallowed")
			}
		}()
		_ = db.WithTx(ctx, pool, func(q *db.Queries) error {
			_, _ = q.CreateUser(ctx, db.CreateUserParams{Email: "panicked@example.com", PasswordHash: "x"})
			panic("boom")
		})
	}()

	n, err := db.New(pool).CountUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d users exist, want only the committed one", n)
	}
}

func TestOpenReportsAnUnreachableServerAsUnavailableWithoutTheURL(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := db.Open(ctx, "postgres://user:sup3rs3cret@127.0.0.1:1/x?sslmode=disable", db.PoolOptions{ConnectTimeout: time.Second})
	if !errors.Is(err, db.ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "sup3rs3cret") {
		t.Errorf("the error leaks the password: %v", err)
	}
	_, err = db.Open(ctx, "postgres://user:sup3rs3cret@host:notaport/x", db.PoolOptions{})
	if err == nil || strings.Contains(err.Error(), "sup3rs3cret") {
		t.Errorf("a malformed URL: got %v (it must fail without echoing the password)", err)
	}
}
