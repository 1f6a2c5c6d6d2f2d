-- Progress reports during construction (issue 12 §2): yeji:15's quarterly 进度情况表 (annex 2:
-- the quarter reported on as `2026Q3`, the project's main content, its progress, the expected
-- completion date, the amount invested so far in yuan, the unit's head and contacts),
-- gaoping:19's and xinzhou-transport:16's reports; one per project and quarter. `state` is the
-- projection of its run along the profile's `progress_report` chain (recorded where there is
-- none) with the parties its open step waits on; its acts are read and folded like a
-- contract's filing.
CREATE TABLE progress_reports (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    period TEXT NOT NULL,
    content TEXT NOT NULL,
    progress TEXT NOT NULL,
    expected_on TEXT NOT NULL,
    invested_yuan BIGINT NOT NULL,
    head TEXT NOT NULL,
    contact TEXT NOT NULL,
    phone TEXT NOT NULL,
    mobile TEXT NOT NULL,
    email TEXT NOT NULL,
    state TEXT NOT NULL,
    waiting_on TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at_ms BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX progress_reports_period ON progress_reports (project_id, period);
CREATE INDEX progress_reports_state ON progress_reports (jurisdiction_id, state, id);
CREATE TABLE progress_acts (
    id __ID__,
    report_id BIGINT NOT NULL REFERENCES progress_reports(id),
    seq BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    parties TEXT NOT NULL,
    step TEXT NOT NULL,
    verb TEXT NOT NULL,
    UNIQUE (report_id, seq)
);
