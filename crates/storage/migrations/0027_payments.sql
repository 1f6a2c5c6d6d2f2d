-- 资金拨付 (issue 12 §4): a payment request of an approved project, run along its profile's
-- `payment` stage (the owner applies; the authority checks where yeji:5 says so; the party
-- group consents where xinzhou-transport:5 says so; finance pays). `seq` numbers a project's
-- requests; `state` is the projection of its run with the parties its open step waits on; its
-- acts are read and folded like an acceptance's. The profile's `pay` gates stand in front of
-- the paying step, judged with what was paid before and this amount (`paid_ratio_bp`).
CREATE TABLE project_payments (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    amount_yuan BIGINT NOT NULL,
    payee TEXT NOT NULL,
    purpose TEXT NOT NULL,
    facts TEXT NOT NULL,
    state TEXT NOT NULL,
    waiting_on TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at_ms BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX project_payments_seq ON project_payments (project_id, seq);
CREATE INDEX project_payments_state ON project_payments (jurisdiction_id, state, id);
CREATE INDEX project_payments_paid ON project_payments (project_id, state);
CREATE TABLE payment_acts (
    id __ID__,
    payment_id BIGINT NOT NULL REFERENCES project_payments(id),
    seq BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    parties TEXT NOT NULL,
    step TEXT NOT NULL,
    verb TEXT NOT NULL,
    UNIQUE (payment_id, seq)
);
