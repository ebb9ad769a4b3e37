-- +goose Up
-- Evidence submitted by URL: by staff, and by anyone through the public
-- form (issue 6). Each submission is fetched through the guarded fetcher,
-- snapshotted, classified and stored as an activity queued for review;
-- nothing a person submitted is dropped, a failed fetch included.
CREATE TABLE submissions (
    id              bigserial   PRIMARY KEY,
    jurisdiction    char(2)     NOT NULL REFERENCES jurisdictions (code),
    -- origin is who reported it: a staff member, or anyone through the
    -- public form, whose reports are untrusted until staff accept them.
    origin          text        NOT NULL CHECK (origin IN ('staff', 'public')),
    url             text        NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2048),
    -- description is what happened, in the submitter's words (a staff
    -- member's note).
    description     text        NOT NULL DEFAULT '',
    organization    text        NOT NULL DEFAULT '',
    -- contact is how staff may reach the submitter; it is never shown
    -- publicly.
    contact         text        NOT NULL DEFAULT '',
    -- credit is the submitter's consent to be credited ("Reported by
    -- <organization>") once the report is accepted.
    credit          boolean     NOT NULL DEFAULT false,
    -- submitted_by is the staff member's email; empty for the public.
    submitted_by    text        NOT NULL DEFAULT '',
    -- status says whether the URL was fetched and read; classification
    -- whether extraction found the page relevant ('relevant'), kept it
    -- only because a person sent it ('unsure'), or had nothing to read
    -- ('unread').
    status          text        NOT NULL CHECK (status IN ('fetched', 'failed')),
    classification  text        NOT NULL CHECK (classification IN ('relevant', 'unsure', 'unread')),
    error           text        NOT NULL DEFAULT '',
    final_url       text        NOT NULL DEFAULT '',
    media_type      text        NOT NULL DEFAULT '',
    -- snapshot_sha256 is the stored copy of the page, when one was read.
    snapshot_sha256 char(64)    REFERENCES snapshots (sha256),
    activity_id     bigint      UNIQUE REFERENCES activities (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX submissions_jurisdiction ON submissions (jurisdiction, created_at DESC, id DESC);

-- An activity's provenance, and a fetch, belong to a source or to a
-- submission: exactly one of the two.
ALTER TABLE activity_sources
    ALTER COLUMN source_id DROP NOT NULL,
    ADD COLUMN submission_id bigint REFERENCES submissions (id),
    ADD CONSTRAINT activity_sources_one_origin CHECK ((source_id IS NULL) <> (submission_id IS NULL));
CREATE INDEX activity_sources_submission ON activity_sources (submission_id) WHERE submission_id IS NOT NULL;

-- A submission's own URL is fetched for the purpose 'submission'.
ALTER TABLE fetches
    ALTER COLUMN source_id DROP NOT NULL,
    ADD COLUMN submission_id bigint REFERENCES submissions (id),
    ADD CONSTRAINT fetches_one_origin CHECK ((source_id IS NULL) <> (submission_id IS NULL)),
    DROP CONSTRAINT fetches_purpose_check,
    ADD CONSTRAINT fetches_purpose_check CHECK (purpose IN ('source', 'detail', 'robots', 'submission'));
CREATE INDEX fetches_submission ON fetches (submission_id) WHERE submission_id IS NOT NULL;

-- origin says how an activity reached Heard: collected from a source,
-- submitted by staff, or reported by the public. A public report counts
-- nowhere (scores, lists, exports, feeds) until staff accept it.
ALTER TABLE activities ADD COLUMN origin text NOT NULL DEFAULT 'collected'
    CHECK (origin IN ('collected', 'staff', 'public'));

-- +goose Down
-- Provenance and fetches of submissions go with them; the activities they
-- produced are kept, as nothing an activity's id may be cited by is
-- deleted.
DELETE FROM activity_sources WHERE submission_id IS NOT NULL;
DELETE FROM fetches WHERE submission_id IS NOT NULL;
ALTER TABLE activities DROP COLUMN origin;
DROP INDEX fetches_submission;
ALTER TABLE fetches DROP CONSTRAINT fetches_one_origin, DROP COLUMN submission_id,
    ALTER COLUMN source_id SET NOT NULL, DROP CONSTRAINT fetches_purpose_check,
    ADD CONSTRAINT fetches_purpose_check CHECK (purpose IN ('source', 'detail', 'robots'));
DROP INDEX activity_sources_submission;
ALTER TABLE activity_sources DROP CONSTRAINT activity_sources_one_origin, DROP COLUMN submission_id,
    ALTER COLUMN source_id SET NOT NULL;
DROP TABLE submissions;
