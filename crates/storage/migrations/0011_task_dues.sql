-- A task's due date and overdue flag under the profile's clock, kept with the task: written
-- when a project's tasks are rewritten and whenever its obligations are recomputed (a step,
-- the daily tick, a calendar import), so that 我的待办 reads and sorts them without a join.
-- The duty is the earliest open one of the task's party under the step's own article, else
-- under any (projects/tasks.rs, TASK_DUES).
ALTER TABLE run_tasks ADD COLUMN due_date TEXT;
ALTER TABLE run_tasks ADD COLUMN overdue BIGINT NOT NULL DEFAULT 0;
UPDATE run_tasks SET
    due_date = COALESCE(
        (SELECT MIN(o.due_date) FROM obligations o WHERE o.project_id = run_tasks.project_id
         AND o.owed_by = run_tasks.party AND o.status IN ('pending', 'due_soon', 'overdue')
         AND o.due_date IS NOT NULL AND o.cite = run_tasks.cite),
        (SELECT MIN(o.due_date) FROM obligations o WHERE o.project_id = run_tasks.project_id
         AND o.owed_by = run_tasks.party AND o.status IN ('pending', 'due_soon', 'overdue')
         AND o.due_date IS NOT NULL)),
    overdue = (SELECT COUNT(*) FROM obligations o WHERE o.project_id = run_tasks.project_id
         AND o.owed_by = run_tasks.party AND o.status = 'overdue'
         AND (o.cite = run_tasks.cite OR NOT EXISTS (SELECT 1 FROM obligations q
             WHERE q.project_id = run_tasks.project_id AND q.owed_by = run_tasks.party
             AND q.cite = run_tasks.cite AND q.status IN ('pending', 'due_soon', 'overdue')
             AND q.due_date IS NOT NULL)));
CREATE INDEX run_tasks_party_due ON run_tasks (party, due_date);
