-- +goose Up
-- Permissions are codenames ("admin.access") granted to users. Groups come
-- later; a direct grant is the simplest thing that answers "may this user ...".
CREATE TABLE permissions (
    codename    text PRIMARY KEY CHECK (codename ~ '^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$'),
    description text NOT NULL DEFAULT ''
);

CREATE TABLE user_permissions (
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    codename   text        NOT NULL REFERENCES permissions (codename) ON DELETE CASCADE,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, codename)
);

INSERT INTO permissions (codename, description)
VALUES ('admin.access', 'Open the /admin pages: list users, unlock accounts, end sessions.');

-- +goose Down
DROP TABLE user_permissions;
DROP TABLE permissions;
