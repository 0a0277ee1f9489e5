-- +goose Up
-- Groups bundle permissions: a user holds a permission granted to them
-- directly (user_permissions) or to any group they belong to.
CREATE TABLE groups (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text        NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE group_permissions (
    group_id   uuid        NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    codename   text        NOT NULL REFERENCES permissions (codename) ON DELETE CASCADE,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, codename)
);

CREATE TABLE user_groups (
    user_id  uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id uuid        NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, group_id)
);

CREATE INDEX user_groups_group_id_idx ON user_groups (group_id);

-- +goose Down
DROP TABLE user_groups;
DROP TABLE group_permissions;
DROP TABLE groups;
