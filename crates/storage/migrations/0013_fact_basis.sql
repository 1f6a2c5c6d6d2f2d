-- A reviewer's finding (认定) keeps its basis (a written note: the materials, minutes or
-- documents it relied on), who made it and when; the project's page shows them with the fact.
ALTER TABLE project_facts ADD COLUMN basis TEXT NOT NULL DEFAULT '';
ALTER TABLE project_facts ADD COLUMN established_by BIGINT;
ALTER TABLE project_facts ADD COLUMN established_at_ms BIGINT;
