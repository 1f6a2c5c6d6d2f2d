-- The government information system catalog (政务信息系统目录) and every version of each entry.
CREATE TABLE info_systems (
    id __ID__,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    owner_department_id BIGINT NOT NULL REFERENCES departments(id),
    name TEXT NOT NULL,
    function_summary TEXT NOT NULL,
    users_scope TEXT NOT NULL,
    use_frequency TEXT NOT NULL,
    approval_document TEXT NOT NULL,
    approval_date TEXT,
    funding_source TEXT NOT NULL,
    year_built BIGINT,
    deployment TEXT NOT NULL,
    network TEXT NOT NULL,
    gov_service_connected BIGINT NOT NULL,
    data_sharing_connected BIGINT NOT NULL,
    mlps_level BIGINT,
    status TEXT NOT NULL,
    disposition TEXT NOT NULL,
    disposition_reason TEXT NOT NULL,
    last_used_on TEXT,
    om_stopped BIGINT NOT NULL,
    idle_resources BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (jurisdiction_id, owner_department_id, name)
);
CREATE INDEX info_systems_scope ON info_systems (jurisdiction_id, owner_department_id);
CREATE TABLE info_system_history (
    id __ID__,
    system_id BIGINT NOT NULL REFERENCES info_systems(id),
    version BIGINT NOT NULL,
    action TEXT NOT NULL,
    snapshot_json TEXT NOT NULL,
    changed_by BIGINT NOT NULL REFERENCES users(id),
    changed_by_name TEXT NOT NULL,
    changed_at_ms BIGINT NOT NULL
);
CREATE INDEX info_system_history_system ON info_system_history (system_id, version);
