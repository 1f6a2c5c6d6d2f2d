-- 项目终止: a project terminated (by its owner unit under linxiang:25, or by the authority's
-- measure) owes no more of what it owed then. `ended_on` is the day of the termination for a
-- duty it ended (status `ended`), so that what was overdue before it still reads as overdue
-- on a past day.
ALTER TABLE obligations ADD COLUMN ended_on TEXT;
