-- Lists walk an index in the order they show instead of sorting a jurisdiction's projects
-- on every page: the project list by last change, the review queue by submission. Each
-- carries what the visibility filter reads, so that a page's ids (and a count) come from the
-- index alone.
CREATE INDEX projects_recent ON projects (jurisdiction_id, updated_at_ms, id, status, owner_department_id, created_by);
CREATE INDEX projects_queue ON projects (jurisdiction_id, status, submitted_at_ms, id, owner_department_id, created_by);
-- Counting what a user sees reads this index alone (scope, drafts of their own unit).
CREATE INDEX projects_visible ON projects (jurisdiction_id, status, owner_department_id, created_by);
