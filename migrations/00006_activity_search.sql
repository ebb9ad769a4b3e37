-- +goose Up
-- Search and filters on the activity listing (GET /api/v1/activities).
--
-- search is a full-text document of each activity, kept by PostgreSQL
-- itself. Every field is indexed twice: stemmed with the 'english'
-- configuration, so that "sessions" finds "Listening session", and verbatim
-- with 'simple', so that words English stemming would mangle, such as the
-- Spanish of notices ("sesiones", "escucha"), still match exactly. A query
-- is parsed with both configurations and the two are OR-ed
-- (models.Store.Activities). Weights rank a hit in the title (A) above one
-- in the description (B) above one in the place (C).
ALTER TABLE activities ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, title), 'A') ||
    setweight(to_tsvector('simple'::regconfig, title), 'A') ||
    setweight(to_tsvector('english'::regconfig, description), 'B') ||
    setweight(to_tsvector('simple'::regconfig, description), 'B') ||
    setweight(to_tsvector('english'::regconfig, location || ' ' || region), 'C') ||
    setweight(to_tsvector('simple'::regconfig, location || ' ' || region), 'C')
) STORED;

CREATE INDEX activities_search ON activities USING gin (search);

-- The filters: type and phase are equality on a short vocabulary, groups an
-- overlap (&&) with the requested groups.
CREATE INDEX activities_type ON activities (activity_type);
CREATE INDEX activities_phase ON activities (plan_phase);
CREATE INDEX activities_groups ON activities USING gin (audience_groups);

-- The listing across every jurisdiction is ordered like the per-state one
-- (activities_jurisdiction_start), and a date range or "upcoming" compares
-- the end of an activity's span: its end, or its start when it has none.
CREATE INDEX activities_start ON activities (start_at DESC NULLS LAST, id);
CREATE INDEX activities_span_end ON activities ((coalesce(end_at, start_at)));

-- +goose Down
DROP INDEX activities_span_end;
DROP INDEX activities_start;
DROP INDEX activities_groups;
DROP INDEX activities_phase;
DROP INDEX activities_type;
DROP INDEX activities_search;
ALTER TABLE activities DROP COLUMN search;
