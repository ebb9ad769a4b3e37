-- +goose Up
-- Review of collected activities: who decided, when, and why a record was
-- rejected. A rejected activity is kept (nothing is deleted) but left out of
-- scoring and public listings.
ALTER TABLE activities
    ADD COLUMN reviewed_by   text,
    ADD COLUMN reviewed_at   timestamptz,
    ADD COLUMN review_reason text NOT NULL DEFAULT '';
CREATE INDEX activities_review_queue ON activities (first_seen DESC, id DESC) WHERE review_status = 'new';

-- +goose Down
DROP INDEX activities_review_queue;
ALTER TABLE activities DROP COLUMN review_reason, DROP COLUMN reviewed_at, DROP COLUMN reviewed_by;
