-- name: InsertAuditEvent :exec
INSERT INTO audit_events (user_id, kind, ip, user_agent, request_id, detail, created_at)
VALUES (sqlc.narg(user_id), sqlc.arg(kind), sqlc.arg(ip), sqlc.arg(user_agent),
        sqlc.arg(request_id), sqlc.arg(detail), sqlc.arg(created_at));

-- name: ListRecentUserAuditEvents :many
SELECT * FROM audit_events
WHERE user_id = sqlc.arg(user_id)::uuid
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(max_rows);
