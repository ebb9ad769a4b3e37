-- +goose Up
-- api_tokens are researchers' read-only keys: only the sha256 of the token
-- is kept, the token itself is shown once when it is made.
CREATE TABLE api_tokens (
    id           bigserial   PRIMARY KEY,
    name         text        NOT NULL CHECK (length(btrim(name)) > 0),
    token_sha256 char(64)    NOT NULL UNIQUE,
    scope        text        NOT NULL DEFAULT 'read' CHECK (scope = 'read'),
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- +goose Down
DROP TABLE api_tokens;
