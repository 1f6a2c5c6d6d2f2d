-- 项目调整 during construction (issue 12 §2): the owner unit's request to change an approved
-- project's content and move money between its budget lines — what it changes and why, the
-- amounts raised and lowered (yuan), the share of the approved budget the project's changes
-- have moved with this one (basis points, -1 when unknown), the way it goes (`path`: the
-- profile's change procedure, or approval again where lhasa:16's 15% is passed) and the facts
-- its route was laid out under (JSON), so that an auditor later reads the same route. `state`
-- is the projection of its run with the parties its open step waits on; its acts are read and
-- folded like a contract's filing. A change its owner cancels keeps the reason given
-- (`cancel_reason`).
CREATE TABLE project_changes (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    reason TEXT NOT NULL,
    increase_yuan BIGINT NOT NULL,
    decrease_yuan BIGINT NOT NULL,
    ratio_bp BIGINT NOT NULL,
    path TEXT NOT NULL,
    facts TEXT NOT NULL,
    state TEXT NOT NULL,
    waiting_on TEXT NOT NULL,
    cancel_reason TEXT NOT NULL DEFAULT '',
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at_ms BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX project_changes_project ON project_changes (project_id, id);
CREATE INDEX project_changes_state ON project_changes (jurisdiction_id, state, id);
CREATE TABLE change_acts (
    id __ID__,
    change_id BIGINT NOT NULL REFERENCES project_changes(id),
    seq BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    parties TEXT NOT NULL,
    step TEXT NOT NULL,
    verb TEXT NOT NULL,
    UNIQUE (change_id, seq)
);
