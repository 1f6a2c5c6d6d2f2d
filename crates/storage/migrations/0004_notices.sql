-- Outbound notices already sent, so that each obligation is announced once per status.
CREATE TABLE obligation_notices (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    obligation_key TEXT NOT NULL,
    status TEXT NOT NULL,
    channel TEXT NOT NULL,
    sent_at_ms BIGINT NOT NULL,
    PRIMARY KEY (project_id, obligation_key, status, channel)
);
