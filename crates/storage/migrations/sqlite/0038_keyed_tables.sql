-- Each step of a project's path writes an act, its tasks, a timeline event and an audit
-- record. On SQLite the acts, tasks and audit records were row stores beside an index of their
-- key, so each row was written twice (two pages of the log at each commit); stored by their
-- keys, once. The timeline's events were numbered through SQLite's table of counters, one more
-- page written at every commit; numbered by their table alone (the next after the largest:
-- events are never deleted), they keep their order and numbers.
--
-- The signatures stay a row store: a signed decision (≈1.5 KB) is larger than a keyed row keeps
-- in its page, so keyed each would have taken a page of overflow of its own.

CREATE TABLE run_acts_keyed (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    seq BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    parties TEXT NOT NULL,
    step TEXT NOT NULL,
    verb TEXT NOT NULL,
    PRIMARY KEY (project_id, seq)
) WITHOUT ROWID;
INSERT INTO run_acts_keyed (project_id, seq, at_ms, user_id, parties, step, verb)
    SELECT project_id, seq, at_ms, user_id, parties, step, verb FROM run_acts;
DROP TABLE run_acts;
ALTER TABLE run_acts_keyed RENAME TO run_acts;

CREATE TABLE run_tasks_keyed (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    slot BIGINT NOT NULL,
    party TEXT NOT NULL,
    user_id BIGINT,
    step TEXT NOT NULL,
    -- The step in the regulation's words and its article, as the route had them.
    action TEXT NOT NULL,
    cite TEXT NOT NULL,
    since_ms BIGINT NOT NULL,
    due_date TEXT,
    overdue BIGINT NOT NULL DEFAULT 0,
    jurisdiction_id BIGINT,
    urged_ms BIGINT,
    PRIMARY KEY (project_id, slot, party)
) WITHOUT ROWID;
INSERT INTO run_tasks_keyed (project_id, slot, party, user_id, step, action, cite, since_ms,
        due_date, overdue, jurisdiction_id, urged_ms)
    SELECT project_id, slot, party, user_id, step, action, cite, since_ms,
        due_date, overdue, jurisdiction_id, urged_ms FROM run_tasks;
DROP TABLE run_tasks;
ALTER TABLE run_tasks_keyed RENAME TO run_tasks;
CREATE INDEX run_tasks_holder ON run_tasks (jurisdiction_id, party, user_id, since_ms);
CREATE INDEX run_tasks_holder_due ON run_tasks (jurisdiction_id, party, user_id, due_date);
CREATE INDEX run_tasks_overdue ON run_tasks (jurisdiction_id, due_date) WHERE overdue > 0;

CREATE TABLE project_events_numbered (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    action TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    actor_id BIGINT NOT NULL REFERENCES users(id),
    actor_name TEXT NOT NULL,
    actor_department TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
);
INSERT INTO project_events_numbered (id, project_id, action, from_status, to_status, actor_id,
        actor_name, actor_department, at_ms, comment)
    SELECT id, project_id, action, from_status, to_status, actor_id, actor_name,
        actor_department, at_ms, comment FROM project_events ORDER BY id;
DROP TABLE project_events;
ALTER TABLE project_events_numbered RENAME TO project_events;
CREATE INDEX project_events_project ON project_events (project_id, id);

-- The audit record's sequence number becomes the row's own number (its values unchanged).
CREATE TABLE audit_log_keyed (
    seq INTEGER PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor_id BIGINT,
    actor_login TEXT NOT NULL,
    ip TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    action TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json TEXT NOT NULL,
    result TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_digest TEXT NOT NULL,
    digest TEXT NOT NULL
);
INSERT INTO audit_log_keyed SELECT seq, at_ms, actor_id, actor_login, ip, object_type,
    object_id, action, before_json, after_json, result, detail, prev_digest, digest
    FROM audit_log ORDER BY seq;
DROP TRIGGER audit_log_no_update;
DROP TRIGGER audit_log_no_delete;
DROP TABLE audit_log;
ALTER TABLE audit_log_keyed RENAME TO audit_log;
CREATE INDEX audit_log_at ON audit_log (at_ms);
-- Audit records are append-only.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
