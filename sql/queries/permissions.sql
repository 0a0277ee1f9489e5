-- name: GrantPermission :exec
INSERT INTO user_permissions (user_id, codename)
VALUES ($1, $2)
ON CONFLICT (user_id, codename) DO NOTHING;

-- name: RevokePermission :execrows
DELETE FROM user_permissions WHERE user_id = $1 AND codename = $2;

-- name: UserHasPermission :one
SELECT EXISTS (
    SELECT 1 FROM user_permissions WHERE user_id = $1 AND codename = $2
);

-- name: ListUserPermissions :many
SELECT codename FROM user_permissions WHERE user_id = $1 ORDER BY codename;
