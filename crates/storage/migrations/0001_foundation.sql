-- govit foundation schema. Booleans are 0/1 integers and instants are Unix
-- milliseconds, so that the same SQL and row decoding serve SQLite and PostgreSQL.
CREATE TABLE jurisdictions (
    id __ID__,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    profile_id TEXT NOT NULL
);
CREATE TABLE departments (
    id __ID__,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    parent_id BIGINT REFERENCES departments(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL DEFAULT '',
    sort_order BIGINT NOT NULL DEFAULT 0,
    UNIQUE (jurisdiction_id, code)
);
CREATE TABLE department_party_kinds (
    department_id BIGINT NOT NULL REFERENCES departments(id),
    kind TEXT NOT NULL,
    PRIMARY KEY (department_id, kind)
);
CREATE TABLE firms (
    id __ID__,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL DEFAULT '',
    UNIQUE (jurisdiction_id, name)
);
CREATE TABLE experts (
    id __ID__,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    name TEXT NOT NULL,
    employer TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT ''
);
CREATE TABLE users (
    id __ID__,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    login TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    firm_id BIGINT REFERENCES firms(id),
    expert_id BIGINT REFERENCES experts(id),
    password_hash TEXT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 1,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until_ms BIGINT,
    disabled BIGINT NOT NULL DEFAULT 0,
    scope TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);
CREATE TABLE user_scope_departments (
    user_id BIGINT NOT NULL REFERENCES users(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    PRIMARY KEY (user_id, department_id)
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    created_at_ms BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL
);
CREATE TABLE api_tokens (
    id __ID__,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at_ms BIGINT NOT NULL,
    last_used_ms BIGINT,
    revoked_at_ms BIGINT
);
CREATE TABLE projects (
    id __ID__,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    owner_department_id BIGINT NOT NULL REFERENCES departments(id),
    profile_id TEXT NOT NULL,
    name TEXT NOT NULL,
    summary TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    investment_yuan BIGINT NOT NULL,
    fiscal_yuan BIGINT NOT NULL,
    bank_loan_yuan BIGINT NOT NULL,
    self_raised_yuan BIGINT NOT NULL,
    other_yuan BIGINT NOT NULL,
    leader TEXT NOT NULL,
    contact TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    remarks TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    submitted_at_ms BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX projects_scope ON projects (jurisdiction_id, owner_department_id, status);
CREATE TABLE project_events (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    action TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    actor_id BIGINT NOT NULL REFERENCES users(id),
    actor_name TEXT NOT NULL,
    actor_department TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX project_events_project ON project_events (project_id, id);
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor_id BIGINT,
    actor_login TEXT NOT NULL,
    ip TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    action TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json TEXT NOT NULL,
    result TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_digest TEXT NOT NULL,
    digest TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at_ms);
-- The chain head: the last sequence number and digest. Appends lock this row first, which
-- serializes them across connections and processes.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    digest TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, digest) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
