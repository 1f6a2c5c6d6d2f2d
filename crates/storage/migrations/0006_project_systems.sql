-- The information systems a project builds, changes or retires (gaoping:10, xinzhou-transport:8).
-- A link names the system; whether it is in the catalog is decided when the gate is checked,
-- so registering the system afterwards lets the gate pass.
CREATE TABLE project_systems (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    system_name TEXT NOT NULL,
    action TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at_ms BIGINT NOT NULL,
    UNIQUE (project_id, system_name)
);
