-- Events recorded against a project (contract signed, acceptance passed …) that start and
-- meet the deadlines of its profile.
CREATE TABLE project_milestones (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    kind TEXT NOT NULL,
    event_date TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_at_ms BIGINT NOT NULL
);
CREATE INDEX project_milestones_project ON project_milestones (project_id, event_date);
-- Facts about a project that rules test (in the annual plan, systems outside the catalog …).
CREATE TABLE project_facts (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    fact TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (project_id, fact)
);
CREATE TABLE obligation_waivers (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    obligation_key TEXT NOT NULL,
    reason TEXT NOT NULL,
    waived_by BIGINT NOT NULL REFERENCES users(id),
    waived_at_ms BIGINT NOT NULL,
    PRIMARY KEY (project_id, obligation_key)
);
-- The current obligations of every project, recomputed from the above as events arrive, as
-- days pass and after a calendar import.
CREATE TABLE obligations (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    obligation_key TEXT NOT NULL,
    jurisdiction_id BIGINT NOT NULL,
    rule_id TEXT NOT NULL,
    cite TEXT NOT NULL,
    duty TEXT NOT NULL,
    rule_text TEXT NOT NULL,
    owed_by TEXT NOT NULL,
    owed_department_id BIGINT,
    since_date TEXT NOT NULL,
    not_before TEXT,
    due_date TEXT,
    provisional BIGINT NOT NULL DEFAULT 0,
    period TEXT,
    status TEXT NOT NULL,
    fulfilled_on TEXT,
    late BIGINT NOT NULL DEFAULT 0,
    computed_at_ms BIGINT NOT NULL,
    PRIMARY KEY (project_id, obligation_key)
);
CREATE INDEX obligations_owed ON obligations (owed_department_id, status, due_date);
CREATE INDEX obligations_jurisdiction ON obligations (jurisdiction_id, status, due_date);
