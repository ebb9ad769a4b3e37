-- +goose Up
-- Every change to what the public reads notifies channel heard_changed
-- (the payload names the table): a row-level trigger, so that a statement
-- that changes nothing (a sweep finding nothing to do) notifies nothing,
-- and, as PostgreSQL folds identical notifications, once per transaction
-- and table however many rows change; TRUNCATE notifies per statement. Each
-- `heard serve` listens and drops its cached pages, so a change made by any
-- replica, the scheduler or the command line shows everywhere at once.
-- Notifications are sent on commit: a rolled-back change sends none.

-- +goose StatementBegin
CREATE FUNCTION heard_notify_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('heard_changed', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['jurisdictions', 'rubric_versions', 'criteria', 'criterion_translations',
        'sources', 'activities', 'activity_sources', 'snapshots', 'score_runs', 'criterion_scores',
        'overrides', 'scorecard_reviews', 'annotations']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I
            FOR EACH ROW EXECUTE FUNCTION heard_notify_changed()', t || '_notify_changed', t);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I
            FOR EACH STATEMENT EXECUTE FUNCTION heard_notify_changed()', t || '_notify_truncated', t);
    END LOOP;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['jurisdictions', 'rubric_versions', 'criteria', 'criterion_translations',
        'sources', 'activities', 'activity_sources', 'snapshots', 'score_runs', 'criterion_scores',
        'overrides', 'scorecard_reviews', 'annotations']
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_notify_changed', t);
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_notify_truncated', t);
    END LOOP;
END;
$$;
-- +goose StatementEnd
DROP FUNCTION heard_notify_changed();
