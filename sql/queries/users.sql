-- name: CreateUser :one
INSERT INTO users (email, password_hash, email_verified_at)
VALUES (sqlc.arg(email), sqlc.arg(password_hash), sqlc.narg(email_verified_at))
RETURNING *;

-- name: GetUserByID :one
SELECT * FROM users WHERE id = $1;

-- name: GetUserByEmail :one
SELECT * FROM users WHERE email = $1;

-- name: CountUsers :one
SELECT count(*) FROM users;
