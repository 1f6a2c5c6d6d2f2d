
-- A project's timeline is read by project, in order: stored by (project, number) instead of a row
-- store beside an index of that pair, each line is written once (one page of the log at each
-- commit, not two). A line is numbered after the project's largest; the numbers the lines had
-- are kept, so their order is too.
CREATE TABLE project_events_keyed (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    id BIGINT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    actor_id BIGINT NOT NULL REFERENCES users(id),
    actor_name TEXT NOT NULL,
    actor_department TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, id)
) WITHOUT ROWID;
INSERT INTO project_events_keyed (project_id, id, action, from_status, to_status, actor_id,
        actor_name, actor_department, at_ms, comment)
    SELECT project_id, id, action, from_status, to_status, actor_id, actor_name,
        actor_department, at_ms, comment FROM project_events;
DROP TABLE project_events;
ALTER TABLE project_events_keyed RENAME TO project_events;
