-- +goose Up
-- Reference tables: jurisdictions and the rubric. Their rows arrive in later
-- migrations so that the data can be read on its own.
CREATE TABLE jurisdictions (
    code          char(2)  PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$'),
    fips          char(2)  NOT NULL UNIQUE CHECK (fips ~ '^[0-9]{2}$'),
    name          text     NOT NULL UNIQUE,
    time_zone     text     NOT NULL,
    census_region text     NOT NULL CHECK (census_region IN ('Northeast', 'Midwest', 'South', 'West', 'Territory')),
    tile_row      smallint NOT NULL CHECK (tile_row >= 0),
    tile_col      smallint NOT NULL CHECK (tile_col >= 0),
    UNIQUE (tile_row, tile_col)
);

CREATE TABLE rubric_versions (
    version      integer     PRIMARY KEY CHECK (version > 0),
    published_at timestamptz NOT NULL,
    notes        text        NOT NULL
);

CREATE TABLE criteria (
    rubric_version integer  NOT NULL REFERENCES rubric_versions (version),
    key            text     NOT NULL CHECK (key ~ '^[a-z_]+$'),
    position       smallint NOT NULL CHECK (position > 0),
    title          text     NOT NULL,
    weight         smallint NOT NULL CHECK (weight BETWEEN 0 AND 100),
    description    text     NOT NULL,
    signal         text     NOT NULL,
    -- anchors is a JSON array of exactly five strings, for scores 0 to 4.
    anchors        jsonb    NOT NULL CHECK (jsonb_typeof(anchors) = 'array' AND jsonb_array_length(anchors) = 5),
    legal_source   text     NOT NULL,
    PRIMARY KEY (rubric_version, key),
    UNIQUE (rubric_version, position)
);

-- Collection.
CREATE TABLE sources (
    id                   bigserial   PRIMARY KEY,
    jurisdiction         char(2)     NOT NULL REFERENCES jurisdictions (code),
    kind                 text        NOT NULL CHECK (kind IN ('html', 'rss', 'atom', 'ical', 'pdf')),
    url                  text        NOT NULL CHECK (url ~ '^https?://'),
    name                 text        NOT NULL DEFAULT '',
    settings             jsonb       NOT NULL DEFAULT '{}',
    fetch_interval       interval    NOT NULL DEFAULT '6 hours',
    enabled              boolean     NOT NULL DEFAULT true,
    verified             boolean     NOT NULL DEFAULT false,
    demo                 boolean     NOT NULL DEFAULT false,
    etag                 text        NOT NULL DEFAULT '',
    last_modified        text        NOT NULL DEFAULT '',
    next_fetch_at        timestamptz NOT NULL DEFAULT now(),
    consecutive_failures integer     NOT NULL DEFAULT 0,
    last_error           text        NOT NULL DEFAULT '',
    last_success_at      timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (jurisdiction, url)
);
CREATE INDEX sources_due ON sources (next_fetch_at) WHERE enabled;

-- snapshots holds each fetched body once, keyed by the sha256 of its bytes.
CREATE TABLE snapshots (
    sha256     char(64)    PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    media_type text        NOT NULL,
    size       integer     NOT NULL CHECK (size >= 0),
    body       bytea       NOT NULL,
    text       text        NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE scrape_runs (
    id          bigserial   PRIMARY KEY,
    source_id   bigint      NOT NULL REFERENCES sources (id),
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    status      text        NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
    found       integer     NOT NULL DEFAULT 0,
    inserted    integer     NOT NULL DEFAULT 0,
    updated     integer     NOT NULL DEFAULT 0,
    unchanged   integer     NOT NULL DEFAULT 0,
    cancelled   integer     NOT NULL DEFAULT 0,
    error       text        NOT NULL DEFAULT ''
);
CREATE INDEX scrape_runs_source ON scrape_runs (source_id, started_at DESC);

CREATE TABLE fetches (
    id             bigserial   PRIMARY KEY,
    source_id      bigint      NOT NULL REFERENCES sources (id),
    scrape_run_id  bigint      REFERENCES scrape_runs (id),
    url            text        NOT NULL,
    final_url      text        NOT NULL DEFAULT '',
    status_code    integer     NOT NULL DEFAULT 0,
    started_at     timestamptz NOT NULL,
    duration_ms    integer     NOT NULL DEFAULT 0,
    bytes          integer     NOT NULL DEFAULT 0,
    sha256         char(64)    REFERENCES snapshots (sha256),
    error          text        NOT NULL DEFAULT ''
);
CREATE INDEX fetches_source ON fetches (source_id, started_at DESC);

-- activities are the engagement records of DOMAIN.md. The id is stable: a
-- later scrape of the same item updates the row found by dedupe_key.
CREATE TABLE activities (
    id              bigserial   PRIMARY KEY,
    jurisdiction    char(2)     NOT NULL REFERENCES jurisdictions (code),
    dedupe_key      text        NOT NULL,
    activity_type   text        NOT NULL,
    title           text        NOT NULL,
    description     text        NOT NULL DEFAULT '',
    url             text        NOT NULL DEFAULT '',
    start_at        timestamptz,
    end_at          timestamptz,
    all_day         boolean     NOT NULL DEFAULT false,
    time_zone       text        NOT NULL,
    location        text        NOT NULL DEFAULT '',
    remote          boolean     NOT NULL DEFAULT false,
    languages       text[]      NOT NULL DEFAULT '{}',
    interpretation  boolean     NOT NULL DEFAULT false,
    accessibility   text        NOT NULL DEFAULT '',
    audience_groups text[]      NOT NULL DEFAULT '{}',
    -- features are observed qualities the rubric reads: recording, minutes,
    -- evening, accommodation and the like (models.Feature).
    features        text[]      NOT NULL DEFAULT '{}',
    plan_phase      text        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('scheduled', 'held', 'cancelled', 'unknown')),
    review_status   text        NOT NULL DEFAULT 'new' CHECK (review_status IN ('new', 'accepted', 'rejected')),
    -- rules records, per field, which extraction rule produced the value.
    rules           jsonb       NOT NULL DEFAULT '{}',
    content_hash    char(64)    NOT NULL,
    demo            boolean     NOT NULL DEFAULT false,
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (jurisdiction, dedupe_key),
    CHECK (end_at IS NULL OR start_at IS NULL OR end_at >= start_at)
);
CREATE INDEX activities_jurisdiction_start ON activities (jurisdiction, start_at DESC NULLS LAST, id);

-- activity_sources keeps every (url, snapshot) an activity was read from, so
-- that each version of the evidence stays traceable.
CREATE TABLE activity_sources (
    activity_id     bigint      NOT NULL REFERENCES activities (id),
    source_id       bigint      NOT NULL REFERENCES sources (id),
    url             text        NOT NULL,
    snapshot_sha256 char(64)    NOT NULL REFERENCES snapshots (sha256),
    retrieved_at    timestamptz NOT NULL,
    note            text        NOT NULL DEFAULT '',
    PRIMARY KEY (activity_id, url, snapshot_sha256)
);

-- Scoring.
CREATE TABLE score_runs (
    id             bigserial    PRIMARY KEY,
    jurisdiction   char(2)      NOT NULL REFERENCES jurisdictions (code),
    rubric_version integer      NOT NULL REFERENCES rubric_versions (version),
    computed_at    timestamptz  NOT NULL,
    overall        numeric(5,2) CHECK (overall BETWEEN 0 AND 100),
    coverage       numeric(5,2) NOT NULL CHECK (coverage BETWEEN 0 AND 100),
    level          text         NOT NULL,
    evidence_count integer      NOT NULL DEFAULT 0,
    demo           boolean      NOT NULL DEFAULT false
);
CREATE INDEX score_runs_latest ON score_runs (jurisdiction, rubric_version, computed_at DESC, id DESC);

CREATE TABLE criterion_scores (
    score_run_id   bigint   NOT NULL REFERENCES score_runs (id),
    rubric_version integer  NOT NULL,
    criterion_key  text     NOT NULL,
    status         text     NOT NULL CHECK (status IN ('scored', 'no_evidence', 'not_applicable', 'not_scored')),
    score          smallint CHECK (score BETWEEN 0 AND 4),
    rationale      text     NOT NULL,
    evidence_ids   bigint[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (score_run_id, criterion_key),
    FOREIGN KEY (rubric_version, criterion_key) REFERENCES criteria (rubric_version, key),
    CHECK ((status = 'scored') = (score IS NOT NULL))
);

-- +goose Down
DROP TABLE criterion_scores;
DROP TABLE score_runs;
DROP TABLE activity_sources;
DROP TABLE activities;
DROP TABLE fetches;
DROP TABLE scrape_runs;
DROP TABLE snapshots;
DROP TABLE sources;
DROP TABLE criteria;
DROP TABLE rubric_versions;
DROP TABLE jurisdictions;
