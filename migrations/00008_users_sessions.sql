-- +goose Up
-- Staff accounts and their server-side sessions (issue 6).
--
-- users.email is stored lower-case and unique case-insensitively;
-- password_hash is an argon2id PHC string; session_version is carried in
-- each session and bumped to log a user out everywhere at once.
CREATE TABLE users (
    id              bigserial PRIMARY KEY,
    email           text NOT NULL CHECK (email <> '' AND email = lower(email)),
    role            text NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    password_hash   text NOT NULL,
    session_version integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    disabled_at     timestamptz
);
CREATE UNIQUE INDEX users_email_lower_idx ON users (lower(email));

-- The table github.com/alexedwards/scs/postgresstore reads and writes, as
-- its documentation gives it.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BYTEA NOT NULL,
    expiry TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- +goose Down
DROP TABLE sessions;
DROP TABLE users;
