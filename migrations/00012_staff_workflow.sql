-- +goose Up
-- The staff workflow of issue 6: corrections of the machine's
-- classification, soft deletion of activities, and the publication of
-- scorecards through a right of reply.

-- corrections holds the fields staff corrected, as a JSON object of column
-- name to value. Later scrapes apply it over what the machine reads, so a
-- correction outlives the next run. activity_corrections keeps each
-- correction with the machine's values it replaced.
ALTER TABLE activities
    ADD COLUMN corrections   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(corrections) = 'object'),
    ADD COLUMN deleted_at    timestamptz,
    ADD COLUMN deleted_by    text,
    ADD COLUMN delete_reason text NOT NULL DEFAULT '',
    ADD CHECK ((deleted_at IS NULL) = (deleted_by IS NULL));

CREATE TABLE activity_corrections (
    id          bigserial   PRIMARY KEY,
    activity_id bigint      NOT NULL REFERENCES activities (id),
    fields      jsonb       NOT NULL CHECK (jsonb_typeof(fields) = 'object' AND fields <> '{}'),
    machine     jsonb       NOT NULL CHECK (jsonb_typeof(machine) = 'object'),
    reason      text        NOT NULL CHECK (length(btrim(reason)) > 0),
    author      text        NOT NULL CHECK (length(btrim(author)) > 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activity_corrections_activity ON activity_corrections (activity_id, created_at DESC, id DESC);

-- Staff changes join the activity's history beside the scrapers'.
ALTER TABLE activity_history DROP CONSTRAINT activity_history_kind_check;
ALTER TABLE activity_history ADD CONSTRAINT activity_history_kind_check
    CHECK (kind IN ('updated', 'cancelled', 'restored', 'corrected', 'deleted', 'undeleted'));

-- scorecard_reviews carries one jurisdiction's scorecard from draft to
-- publication. A review opens as a draft that follows the latest score
-- run; asking the state agency for its reply pins the run it is asked
-- about and issues a single-use token (only its sha256 is kept); the
-- reply, when it comes, is published beside the scorecard. The public sees
-- the run of the newest published review and nothing newer.
CREATE TABLE scorecard_reviews (
    id                 bigserial   PRIMARY KEY,
    jurisdiction       char(2)     NOT NULL REFERENCES jurisdictions (code),
    state              text        NOT NULL CHECK (state IN ('draft', 'reply', 'published', 'withdrawn')),
    score_run_id       bigint      REFERENCES score_runs (id),
    note               text        NOT NULL DEFAULT '',
    created_by         text        NOT NULL,
    created_at         timestamptz NOT NULL,
    reply_contact      text        NOT NULL DEFAULT '',
    reply_token_sha256 char(64)    UNIQUE CHECK (reply_token_sha256 ~ '^[0-9a-f]{64}$'),
    reply_requested_by text,
    reply_requested_at timestamptz,
    reply_due_at       timestamptz,
    reply_body         text,
    reply_name         text,
    reply_title        text,
    replied_at         timestamptz,
    published_by       text,
    published_at       timestamptz,
    demo               boolean     NOT NULL DEFAULT false,
    CHECK (state IN ('draft', 'withdrawn') OR score_run_id IS NOT NULL),
    CHECK ((state = 'published') = (published_at IS NOT NULL) OR state = 'withdrawn'),
    CHECK ((replied_at IS NULL) = (reply_body IS NULL))
);
-- At most one review of a jurisdiction is open at a time.
CREATE UNIQUE INDEX scorecard_reviews_open ON scorecard_reviews (jurisdiction) WHERE state IN ('draft', 'reply');
CREATE INDEX scorecard_reviews_published ON scorecard_reviews (jurisdiction, published_at DESC, id DESC) WHERE state = 'published';

-- +goose Down
DROP TABLE scorecard_reviews;
DELETE FROM activity_history WHERE kind IN ('corrected', 'deleted', 'undeleted');
ALTER TABLE activity_history DROP CONSTRAINT activity_history_kind_check;
ALTER TABLE activity_history ADD CONSTRAINT activity_history_kind_check
    CHECK (kind IN ('updated', 'cancelled', 'restored'));
DROP TABLE activity_corrections;
ALTER TABLE activities DROP COLUMN delete_reason, DROP COLUMN deleted_by, DROP COLUMN deleted_at,
    DROP COLUMN corrections;
