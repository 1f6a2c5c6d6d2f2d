-- The projects an event happened to, by the event: which projects were terminated (the project
-- list's 已终止, the dashboard, the plans and the ratings leave them apart) without reading
-- every project's events.
CREATE INDEX project_milestones_kind ON project_milestones (kind, project_id);
