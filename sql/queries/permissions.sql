-- name: GrantPermission :exec
INSERT INTO user_permissions (user_id, codename)
VALUES ($1, $2)
ON CONFLICT (user_id, codename) DO NOTHING;

-- name: RevokePermission :execrows
DELETE FROM user_permissions WHERE user_id = $1 AND codename = $2;

-- name: UserHasPermission :one
-- Whether the user holds codename, directly or through a group.
SELECT EXISTS (
    SELECT 1 FROM user_permissions up WHERE up.user_id = sqlc.arg(user_id) AND up.codename = sqlc.arg(codename)
    UNION ALL
    SELECT 1 FROM user_groups ug
    JOIN group_permissions gp ON gp.group_id = ug.group_id
    WHERE ug.user_id = sqlc.arg(user_id) AND gp.codename = sqlc.arg(codename)
);

-- name: ListUserPermissions :many
-- Every codename the user holds, directly or through a group.
SELECT up.codename FROM user_permissions up WHERE up.user_id = sqlc.arg(user_id)
UNION
SELECT gp.codename FROM user_groups ug
JOIN group_permissions gp ON gp.group_id = ug.group_id
WHERE ug.user_id = sqlc.arg(user_id)
ORDER BY codename;

-- name: PermissionExists :one
SELECT EXISTS (SELECT 1 FROM permissions WHERE codename = $1);

-- name: ListPermissions :many
SELECT * FROM permissions ORDER BY codename;

-- name: EnsureGroup :one
-- Returns the group named name, creating it when missing.
INSERT INTO groups (name) VALUES ($1)
ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
RETURNING *;

-- name: GetGroupByName :one
SELECT * FROM groups WHERE name = $1;

-- name: DeleteGroup :execrows
DELETE FROM groups WHERE name = $1;

-- name: ListGroups :many
-- Every group with its permissions and member count.
SELECT g.id, g.name, g.created_at,
       coalesce(array_agg(gp.codename ORDER BY gp.codename) FILTER (WHERE gp.codename IS NOT NULL), '{}')::text[] AS codenames,
       (SELECT count(*) FROM user_groups ug WHERE ug.group_id = g.id) AS members
FROM groups g
LEFT JOIN group_permissions gp ON gp.group_id = g.id
GROUP BY g.id
ORDER BY g.name;

-- name: GrantGroupPermission :exec
INSERT INTO group_permissions (group_id, codename)
VALUES ($1, $2)
ON CONFLICT (group_id, codename) DO NOTHING;

-- name: RevokeGroupPermission :execrows
DELETE FROM group_permissions WHERE group_id = $1 AND codename = $2;

-- name: AddUserToGroup :exec
INSERT INTO user_groups (user_id, group_id)
VALUES ($1, $2)
ON CONFLICT (user_id, group_id) DO NOTHING;

-- name: RemoveUserFromGroup :execrows
DELETE FROM user_groups WHERE user_id = $1 AND group_id = $2;

-- name: ListUserGroups :many
SELECT g.name FROM user_groups ug JOIN groups g ON g.id = ug.group_id
WHERE ug.user_id = $1 ORDER BY g.name;
