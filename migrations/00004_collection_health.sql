-- +goose Up
-- Collection that survives the real web: how a body was turned into text,
-- retries and follow-up fetches, warnings on runs, source health, and the
-- history of every change to an activity.
ALTER TABLE snapshots ADD COLUMN extractor text NOT NULL DEFAULT '';

ALTER TABLE fetches
    ADD COLUMN attempts smallint NOT NULL DEFAULT 1 CHECK (attempts >= 0),
    ADD COLUMN purpose  text     NOT NULL DEFAULT 'source' CHECK (purpose IN ('source', 'detail', 'robots'));

ALTER TABLE scrape_runs ADD COLUMN warnings text[] NOT NULL DEFAULT '{}';

ALTER TABLE sources ADD COLUMN disabled_reason text NOT NULL DEFAULT '';

-- region is the county or region of the state an activity was held in, for
-- the geographic-access criterion.
ALTER TABLE activities ADD COLUMN region text NOT NULL DEFAULT '';

-- activity_history keeps each change to an activity: an update by a later
-- scrape (before and after), a cancellation when it vanished from its
-- source, a restoration when it came back.
CREATE TABLE activity_history (
    id            bigserial   PRIMARY KEY,
    activity_id   bigint      NOT NULL REFERENCES activities (id),
    scrape_run_id bigint      REFERENCES scrape_runs (id),
    changed_at    timestamptz NOT NULL,
    kind          text        NOT NULL CHECK (kind IN ('updated', 'cancelled', 'restored')),
    note          text        NOT NULL DEFAULT '',
    before        jsonb,
    after         jsonb
);
CREATE INDEX activity_history_activity ON activity_history (activity_id, changed_at DESC, id DESC);
-- last_seen_at says when a source last listed the activity, so that one
-- source's silence does not cancel what another source still lists.
ALTER TABLE activity_sources ADD COLUMN last_seen_at timestamptz;
UPDATE activity_sources SET last_seen_at = retrieved_at;
ALTER TABLE activity_sources ALTER COLUMN last_seen_at SET NOT NULL;
CREATE INDEX activity_sources_source ON activity_sources (source_id, activity_id);

-- +goose Down
DROP INDEX activity_sources_source;
ALTER TABLE activity_sources DROP COLUMN last_seen_at;
DROP TABLE activity_history;
ALTER TABLE activities DROP COLUMN region;
ALTER TABLE sources DROP COLUMN disabled_reason;
ALTER TABLE scrape_runs DROP COLUMN warnings;
ALTER TABLE fetches DROP COLUMN purpose, DROP COLUMN attempts;
ALTER TABLE snapshots DROP COLUMN extractor;
