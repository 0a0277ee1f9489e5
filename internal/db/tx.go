package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// WithTx runs fn inside one transaction: committed when fn returns nil,
// rolled back when it returns an error or panics (the panic is re-raised).
// Errors are passed through Translate, so callers see ErrNotFound,
// ErrConflict and ErrUnavailable.
func WithTx(ctx context.Context, pool *pgxpool.Pool, fn func(q *Queries) error) (err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return Translate(fmt.Errorf("db: begin: %w", err))
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
		if err != nil {
			if rbErr := tx.Rollback(context.WithoutCancel(ctx)); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
				err = errors.Join(err, Translate(rbErr))
			}
		}
	}()
	if err := fn(New(tx)); err != nil {
		return Translate(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Translate(fmt.Errorf("db: commit: %w", err))
	}
	return nil
}
