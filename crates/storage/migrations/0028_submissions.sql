-- 财评或审计, 绩效自评价, 后评价 and 运维经费申请 (issue 12 §4–§6): what a project sends through
-- the stages after its acceptance, each run along its profile's chain for that stage (lhasa:21
-- to the approval department or the audit office by the approved amount; lhasa:22 finance
-- evaluates the self-evaluation; lhasa:27 the authority takes the O&M fund application).
-- `stage` says which; `title` is the stage's name in the profile when it began; `seq` numbers
-- a project's submissions of one stage; `amount_yuan` and `day` are what its kind states
-- (决算金额 and the day the final accounts were done; 申请运维经费). `state` and `waiting_on`
-- are the projection of its run, its acts folded like a payment's.
CREATE TABLE project_submissions (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    stage TEXT NOT NULL,
    title TEXT NOT NULL,
    seq BIGINT NOT NULL,
    amount_yuan BIGINT,
    day TEXT,
    body TEXT NOT NULL,
    facts TEXT NOT NULL,
    state TEXT NOT NULL,
    waiting_on TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at_ms BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX project_submissions_seq ON project_submissions (project_id, stage, seq);
CREATE INDEX project_submissions_state ON project_submissions (jurisdiction_id, state, id);
CREATE TABLE submission_acts (
    id __ID__,
    submission_id BIGINT NOT NULL REFERENCES project_submissions(id),
    seq BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    parties TEXT NOT NULL,
    step TEXT NOT NULL,
    verb TEXT NOT NULL,
    UNIQUE (submission_id, seq)
);
