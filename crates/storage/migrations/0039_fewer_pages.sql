-- Fewer pages written at each step of a project's path.
--
-- 我的待办 orders its tasks by waiting time or by due date (the due date through COALESCE, which
-- no index serves): both read a holder's tasks through run_tasks_holder and sort what they find,
-- so the second index of the holder's tasks by due date served no read, and every task opened or
-- closed wrote a page of it. On SQLite the timeline is also stored by its key
-- (`sqlite/0039_fewer_pages.sql`).
DROP INDEX IF EXISTS run_tasks_holder_due;
