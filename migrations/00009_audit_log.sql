-- +goose Up
-- audit_log records every staff write: who did what to which target, with
-- the state before and after. It is append-only: a trigger refuses UPDATE
-- and DELETE for every role, the application's included, and privileges
-- to do either are revoked from everyone.
CREATE TABLE audit_log (
    id       bigserial   PRIMARY KEY,
    actor_id bigint      REFERENCES users (id),
    actor    text        NOT NULL,
    action   text        NOT NULL,
    target   text        NOT NULL,
    before   jsonb,
    after    jsonb,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_newest ON audit_log (at DESC, id DESC);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
