-- 催办 marked on the task it reminds: when its holder was last reminded at the current step
-- (NULL while nobody has urged it), so 我的待办 and the review queue show it.
ALTER TABLE run_tasks ADD COLUMN urged_ms BIGINT;
