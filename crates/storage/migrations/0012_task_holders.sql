-- 我的待办 finds a reviewer's tasks without reading the projects: each task carries its
-- project's jurisdiction (which never changes), and the tasks are indexed by who holds them,
-- in the orders the list offers (longest waiting, earliest due).
ALTER TABLE run_tasks ADD COLUMN jurisdiction_id BIGINT;
UPDATE run_tasks SET jurisdiction_id =
    (SELECT p.jurisdiction_id FROM projects p WHERE p.id = run_tasks.project_id);
CREATE INDEX run_tasks_holder ON run_tasks (jurisdiction_id, party, user_id, since_ms);
CREATE INDEX run_tasks_holder_due ON run_tasks (jurisdiction_id, party, user_id, due_date);
-- Reminders to deliver through the notice webhook: a 催办 on a task, and a task that turned
-- overdue (to its holders and the authority). Queued in the transaction that causes them,
-- once each (`notice_key`), and marked when delivered.
CREATE TABLE task_notices (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    -- 'urge' or 'overdue'
    kind TEXT NOT NULL,
    -- urge/{act seq} or overdue/{step}@{since_ms}: one notice each.
    notice_key TEXT NOT NULL,
    step TEXT NOT NULL,
    act_seq BIGINT,
    sent_at_ms BIGINT,
    UNIQUE (project_id, notice_key)
);
CREATE INDEX task_notices_unsent ON task_notices (sent_at_ms, id);
-- The authority's list of overdue tasks across its jurisdiction.
CREATE INDEX run_tasks_overdue ON run_tasks (jurisdiction_id, overdue, due_date);
