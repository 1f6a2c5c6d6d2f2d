-- The cloud-service catalog (政务云系统服务目录, gaoping:12) in versions, its items with the
-- common capabilities of lhasa:8, the services each project names, and the negative list of
-- systems exempt from the cloud or the service platform (gaoping:11).
CREATE TABLE cloud_catalog_versions (
    id __ID__,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    version_no BIGINT NOT NULL,
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    drafted_by BIGINT NOT NULL REFERENCES users(id),
    created_at_ms BIGINT NOT NULL,
    submitted_at_ms BIGINT,
    decided_by BIGINT REFERENCES users(id),
    decided_at_ms BIGINT,
    decision_note TEXT NOT NULL DEFAULT '',
    published_at_ms BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (jurisdiction_id, version_no)
);
-- One open draft and one published version per jurisdiction, whatever the races.
CREATE UNIQUE INDEX cloud_catalog_one_open ON cloud_catalog_versions (jurisdiction_id)
    WHERE status IN ('draft', 'submitted', 'returned');
CREATE UNIQUE INDEX cloud_catalog_one_published ON cloud_catalog_versions (jurisdiction_id)
    WHERE status = 'published';
CREATE TABLE cloud_services (
    id __ID__,
    catalog_version_id BIGINT NOT NULL REFERENCES cloud_catalog_versions(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    provider TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL DEFAULT '',
    is_common BIGINT NOT NULL DEFAULT 0,
    keywords TEXT NOT NULL DEFAULT '',
    UNIQUE (catalog_version_id, code)
);
CREATE INDEX cloud_services_version ON cloud_services (catalog_version_id);
CREATE TABLE project_cloud_services (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    service_id BIGINT NOT NULL REFERENCES cloud_services(id),
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at_ms BIGINT NOT NULL,
    UNIQUE (project_id, service_id)
);
CREATE TABLE negative_list (
    id __ID__,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    system_id BIGINT NOT NULL REFERENCES info_systems(id),
    exempt_cloud BIGINT NOT NULL,
    exempt_platform BIGINT NOT NULL,
    reasons TEXT NOT NULL,
    basis TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by BIGINT NOT NULL REFERENCES users(id),
    requested_at_ms BIGINT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at_ms BIGINT,
    approval_document TEXT NOT NULL DEFAULT '',
    decision_note TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX negative_list_scope ON negative_list (jurisdiction_id, status);
-- A system has at most one request pending or in force.
CREATE UNIQUE INDEX negative_list_one_open ON negative_list (system_id)
    WHERE status IN ('pending', 'approved');
