-- 决定签名 of the runs beside a project's path (合同备案, 项目调整, 进度报告, 项目验收, 资金拨付,
-- 财评、评价与运维): each 通过, 退回 and 不予通过 signed as the path's are, over the record it
-- decided (the SM3 of what it asked) besides the materials and earlier opinions seen. Keyed by
-- its run (the record's kind and id) and the act's number there; written in the act's
-- transaction. Decisions made before this table existed stay unsigned, and are shown so.
CREATE TABLE subject_decision_signatures (
    kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    seq BIGINT NOT NULL,
    message TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (kind, subject_id, seq)
);
CREATE INDEX subject_decision_signatures_project ON subject_decision_signatures (project_id);
