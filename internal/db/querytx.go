package db

import "github.com/jackc/pgx/v5"

// Tx returns the transaction q runs in, and false when q runs on a pool or a
// plain connection. Code that must write something atomically with the
// caller's own changes (a River job beside the row it refers to) asks for it
// and refuses to work outside a transaction, rather than committing half.
func (q *Queries) Tx() (pgx.Tx, bool) {
	tx, ok := q.db.(pgx.Tx)
	return tx, ok
}
