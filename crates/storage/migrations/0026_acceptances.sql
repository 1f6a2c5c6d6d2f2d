-- 项目验收 (issue 12 §3): the run that takes a built project through its profile's acceptance
-- stages — preliminary acceptance, completion acceptance (its application, the acceptance),
-- the filing of its report — as the profile lays them out under the facts kept with it
-- (linxiang:26 splits by the investment). `attempt` counts a project's acceptances: one that
-- fails (验收未通过) ends, and the owner applies again after rectification (linxiang:27) with
-- the next, starting at the completion acceptance when the preliminary one has passed
-- (`after_preliminary`). `state` is the projection of its run with the parties its open step
-- waits on; its acts are read and folded like a contract's filing.
CREATE TABLE project_acceptances (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    attempt BIGINT NOT NULL,
    summary TEXT NOT NULL,
    contact TEXT NOT NULL,
    phone TEXT NOT NULL,
    after_preliminary BIGINT NOT NULL,
    facts TEXT NOT NULL,
    state TEXT NOT NULL,
    waiting_on TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at_ms BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX project_acceptances_attempt ON project_acceptances (project_id, attempt);
CREATE INDEX project_acceptances_state ON project_acceptances (jurisdiction_id, state, id);
CREATE TABLE acceptance_acts (
    id __ID__,
    acceptance_id BIGINT NOT NULL REFERENCES project_acceptances(id),
    seq BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    parties TEXT NOT NULL,
    step TEXT NOT NULL,
    verb TEXT NOT NULL,
    UNIQUE (acceptance_id, seq)
);
