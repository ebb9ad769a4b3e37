-- +goose Up
-- annotations are staff notes on the evidence behind an activity, anchored
-- to a passage of one of its stored snapshots the way the W3C Web
-- Annotation TextQuoteSelector anchors them: the exact text quoted, with
-- the text just before (prefix) and after (suffix) it. start_offset and
-- end_offset are where the passage was found in snapshots.text, counted in
-- characters: a hint to find it fast, while the quote stays the anchor.
--
-- exact, prefix and suffix are stored as they read in the snapshot's text,
-- so the offsets and the quote always agree. Nothing is deleted: deleted_at
-- and deleted_by hide an annotation, and an admin can restore it.
CREATE TABLE annotations (
    id              bigserial   PRIMARY KEY,
    activity_id     bigint      NOT NULL REFERENCES activities (id),
    snapshot_sha256 char(64)    NOT NULL REFERENCES snapshots (sha256),
    exact           text        NOT NULL CHECK (exact <> '' AND char_length(exact) <= 2000),
    prefix          text        NOT NULL DEFAULT '' CHECK (char_length(prefix) <= 256),
    suffix          text        NOT NULL DEFAULT '' CHECK (char_length(suffix) <= 256),
    start_offset    integer     NOT NULL CHECK (start_offset >= 0),
    end_offset      integer     NOT NULL,
    body            text        NOT NULL CHECK (btrim(body) <> '' AND char_length(body) <= 10000),
    -- tags are lower-case, trimmed and distinct (models.NormalizeTags).
    tags            text[]      NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
    visibility      text        NOT NULL CHECK (visibility IN ('public', 'staff')),
    author_id       bigint      REFERENCES users (id),
    author          text        NOT NULL CHECK (author <> ''),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    deleted_by      text,
    CHECK (end_offset = start_offset + char_length(exact)),
    CHECK (updated_at >= created_at),
    CHECK ((deleted_at IS NULL) = (deleted_by IS NULL))
);
-- The state page and the API list the notes of one or many activities;
-- the public ones are most of what is read.
CREATE INDEX annotations_activity ON annotations (activity_id, created_at, id);
CREATE INDEX annotations_public ON annotations (activity_id, created_at, id)
    WHERE visibility = 'public' AND deleted_at IS NULL;
CREATE INDEX annotations_snapshot ON annotations (snapshot_sha256);

-- +goose Down
DROP TABLE annotations;
