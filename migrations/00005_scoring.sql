-- +goose Up
-- Scoring with evidence: which jurisdictions have federally recognized
-- tribes (the tribal criterion does not apply where none do), staff
-- overrides with their history, and what each score run was computed from.

-- federally_recognized_tribes is false where the Bureau of Indian Affairs'
-- list of federally recognized tribes names none with land or headquarters
-- in the jurisdiction (verify against the current Federal Register list
-- before publishing; state-recognized tribes are not counted).
ALTER TABLE jurisdictions ADD COLUMN federally_recognized_tribes boolean NOT NULL DEFAULT true;
UPDATE jurisdictions SET federally_recognized_tribes = false
WHERE code IN ('AR', 'DC', 'DE', 'GA', 'HI', 'IL', 'KY', 'MD', 'MO', 'NH', 'NJ', 'OH', 'PA', 'PR', 'TN', 'VT', 'WV');

-- overrides are staff judgements on one criterion. Rows are never updated:
-- the latest row for a (jurisdiction, rubric version, criterion) is the one
-- in force, and a 'cleared' row withdraws the one before it.
CREATE TABLE overrides (
    id             bigserial   PRIMARY KEY,
    jurisdiction   char(2)     NOT NULL REFERENCES jurisdictions (code),
    rubric_version integer     NOT NULL,
    criterion_key  text        NOT NULL,
    kind           text        NOT NULL CHECK (kind IN ('score', 'none_found', 'cleared')),
    score          smallint    CHECK (score BETWEEN 0 AND 4),
    justification  text        NOT NULL CHECK (length(btrim(justification)) > 0),
    author         text        NOT NULL CHECK (length(btrim(author)) > 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (rubric_version, criterion_key) REFERENCES criteria (rubric_version, key),
    CHECK ((kind = 'score') = (score IS NOT NULL))
);
CREATE INDEX overrides_current ON overrides (jurisdiction, rubric_version, criterion_key, created_at DESC, id DESC);

-- A criterion score keeps the machine's proposal beside the published
-- score, and the override that made the difference.
ALTER TABLE criterion_scores
    ADD COLUMN machine_status text,
    ADD COLUMN machine_score  smallint CHECK (machine_score BETWEEN 0 AND 4),
    ADD COLUMN override_id    bigint REFERENCES overrides (id);
UPDATE criterion_scores SET machine_status = status, machine_score = score;
ALTER TABLE criterion_scores ALTER COLUMN machine_status SET NOT NULL;

-- trigger says why a run was made; evidence_through is the newest change to
-- the evidence it read, so a scorecard can say what it was computed from.
ALTER TABLE score_runs
    ADD COLUMN trigger          text NOT NULL DEFAULT 'manual'
        CHECK (trigger IN ('scrape', 'override', 'nightly', 'manual', 'demo')),
    ADD COLUMN evidence_through timestamptz;

-- +goose Down
ALTER TABLE score_runs DROP COLUMN evidence_through, DROP COLUMN trigger;
ALTER TABLE criterion_scores DROP COLUMN override_id, DROP COLUMN machine_score, DROP COLUMN machine_status;
DROP TABLE overrides;
ALTER TABLE jurisdictions DROP COLUMN federally_recognized_tribes;
