package account_test

import (
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-dev/rampart/internal/auth/signedurl"
	"github.com/rampart-dev/rampart/internal/db"
)

// TestATokenIsUsedByOneTransactionOnly pins down the guarantee behind
// single-use links: while one transaction holds a token it has used, a
// concurrent use waits, and then finds nothing if the first committed, or
// the token if it rolled back.
func TestATokenIsUsedByOneTransactionOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		commit     bool
		secondGets bool
	}{
		{"a use waits for a committed use and finds nothing", true, false},
		{"a use waits for a rolled-back use and gets the token", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			e := newEnv(t)
			u, err := db.New(e.pool).CreateUser(ctx, db.CreateUserParams{Email: "ada@example.com", PasswordHash: "x"})
			if err != nil {
				t.Fatal(err)
			}
			_, hash := signedurl.NewToken()
			now := time.Now()
			_, err = db.New(e.pool).InsertOneTimeToken(ctx, db.InsertOneTimeTokenParams{
				UserID: u.ID, Purpose: "password_reset", TokenHash: hash, Email: u.Email, Now: now, ExpiresAt: now.Add(time.Hour),
			})
			if err != nil {
				t.Fatal(err)
			}
			use := db.UseOneTimeTokenParams{TokenHash: hash, Purpose: "password_reset", Now: now}

			tx1, err := e.pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.New(tx1).UseOneTimeToken(ctx, use); err != nil {
				t.Fatalf("first use: %v", err)
			}
			second := make(chan error, 1)
			go func() {
				_, err := db.New(e.pool).UseOneTimeToken(ctx, use)
				second <- err
			}()
			select {
			case err := <-second:
				t.Fatalf("the second use did not wait for the first transaction (got %v)", err)
			case <-time.After(100 * time.Millisecond):
			}
			if tc.commit {
				err = tx1.Commit(ctx)
			} else {
				err = tx1.Rollback(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
			err = <-second
			if tc.secondGets && err != nil {
				t.Errorf("second use = %v, want the token", err)
			}
			if !tc.secondGets && !errors.Is(err, pgx.ErrNoRows) {
				t.Errorf("second use = %v, want no row", err)
			}
		})
	}
}
