-- 信用档案 (issue 12 §7, linxiang:35): a firm's or an expert's misconduct recorded in its
-- credit file under the profile's rule that says so (`rule_id`, `cite`), with the project it
-- concerns if one. Kept for good: a correction is a further record, never an edit.
CREATE TABLE credit_records (
    id __ID__,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    project_id BIGINT REFERENCES projects(id),
    rule_id TEXT NOT NULL,
    cite TEXT NOT NULL,
    conduct TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_at_ms BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX credit_records_subject ON credit_records (jurisdiction_id, subject_kind, subject_id, id);
