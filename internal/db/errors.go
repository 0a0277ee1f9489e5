package db

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Sentinel errors returned by this package. Code outside internal/db checks
// these with errors.Is and never inspects pgx errors itself.
var (
	// ErrNotFound: the row asked for does not exist.
	ErrNotFound = errors.New("db: not found")
	// ErrConflict: a unique or exclusion constraint refused the write.
	ErrConflict = errors.New("db: conflict")
	// ErrUnavailable: the database could not be reached or did not answer in
	// time; callers answer 503, never 500 and never "access granted".
	ErrUnavailable = errors.New("db: unavailable")
)

// ConflictError names the constraint behind an ErrConflict.
type ConflictError struct {
	Constraint string
}

func (e *ConflictError) Error() string { return "db: conflict on " + e.Constraint }

// Is makes errors.Is(err, ErrConflict) true for a *ConflictError.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Translate maps pgx and driver errors to this package's sentinels:
// pgx.ErrNoRows -> ErrNotFound, SQLSTATE 23505/23P01 -> *ConflictError,
// connection failures and connection-class SQLSTATEs (08xxx, 57P0x) ->
// ErrUnavailable. Other errors, nil, and already translated errors are
// returned unchanged.
func Translate(err error) error {
	if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) || errors.Is(err, ErrUnavailable) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505" || pgErr.Code == "23P01":
			return &ConflictError{Constraint: pgErr.ConstraintName}
		case len(pgErr.Code) == 5 && pgErr.Code[:2] == "08",
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03":
			return fmt.Errorf("%w: %s", ErrUnavailable, pgErr.Code)
		}
		return err
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) {
		return fmt.Errorf("%w: %v", ErrUnavailable, connectErrorMessage(err))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return err
}

// connectErrorMessage keeps the reason of a connection failure but never the
// connection string, which pgx may include and which can carry a password.
func connectErrorMessage(err error) string {
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) && connectErr.Unwrap() != nil {
		return "connect: " + connectErr.Unwrap().Error()
	}
	return err.Error()
}
