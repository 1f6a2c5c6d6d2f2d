-- Every read of the tasks now goes by project (the key), by jurisdiction and holder
-- (run_tasks_holder, run_tasks_holder_due) or by jurisdiction and overdue (run_tasks_overdue):
-- the first indexes, by party or person alone, are read by no query any more, yet each act
-- that opens or closes a task rewrote a page of each of them in its commit.
DROP INDEX IF EXISTS run_tasks_party;
DROP INDEX IF EXISTS run_tasks_user;
DROP INDEX IF EXISTS run_tasks_party_due;
-- The authority's list of overdue tasks reads only the overdue ones: a task that is not
-- overdue (nearly all) has no entry to rewrite.
DROP INDEX IF EXISTS run_tasks_overdue;
CREATE INDEX run_tasks_overdue ON run_tasks (jurisdiction_id, due_date) WHERE overdue > 0;
