-- 我的待办 finds a reviewer's tasks without reading the projects: each task carries its
-- project's jurisdiction (which never changes), and the tasks are indexed by who holds them,
-- in the orders the list offers (longest waiting, earliest due).
ALTER TABLE run_tasks ADD COLUMN jurisdiction_id BIGINT;
UPDATE run_tasks SET jurisdiction_id =
    (SELECT p.jurisdiction_id FROM projects p WHERE p.id = run_tasks.project_id);
CREATE INDEX run_tasks_holder ON run_tasks (jurisdiction_id, party, user_id, since_ms);
CREATE INDEX run_tasks_holder_due ON run_tasks (jurisdiction_id, party, user_id, due_date);
