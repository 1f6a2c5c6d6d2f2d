-- Lists walk an index in the order they show instead of sorting a jurisdiction's projects
-- on every page: the project list by last change, the review queue by submission.
CREATE INDEX projects_recent ON projects (jurisdiction_id, updated_at_ms, id);
CREATE INDEX projects_queue ON projects (jurisdiction_id, status, submitted_at_ms, id);
-- Counting what a user sees reads this index alone (scope, drafts of their own unit).
CREATE INDEX projects_visible ON projects (jurisdiction_id, status, owner_department_id, created_by);
