-- 综合评级 (issue 12 §5): the ratings the authority gives a project, each lowering (never
-- raising) the level computed from its cost, schedule and obligations (`computed`: that level
-- when it was given, so a later change of it marks the rating stale). The latest counts; the
-- earlier ones are its history.
CREATE TABLE project_ratings (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    level BIGINT NOT NULL,
    computed BIGINT NOT NULL,
    reason TEXT NOT NULL,
    rated_on TEXT NOT NULL,
    rated_by BIGINT NOT NULL REFERENCES users(id),
    rated_at_ms BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX project_ratings_project ON project_ratings (project_id, id);
CREATE INDEX project_ratings_jurisdiction ON project_ratings (jurisdiction_id, project_id, id);
