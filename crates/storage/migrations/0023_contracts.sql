-- Contracts after approval (issue 12 §1): the construction contract and the supervision
-- contract an owner unit signs, with their terms as signed — the firm, how it was chosen, the
-- amount (yuan), the dates (YYYY-MM-DD), the O&M months, the deliverables (codes,
-- comma-separated), ownership and termination — `state` the projection of its filing's run
-- (recorded / to_file / filing / filed) with the parties its open step waits on, and the acts of that run, read and folded like a
-- project's and a plan's. A firm may be blacklisted (with the reason): it cannot be contracted.
ALTER TABLE firms ADD COLUMN blacklisted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE firms ADD COLUMN blacklist_reason TEXT NOT NULL DEFAULT '';
CREATE TABLE contracts (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    kind TEXT NOT NULL,
    firm_id BIGINT NOT NULL REFERENCES firms(id),
    title TEXT NOT NULL,
    method TEXT NOT NULL,
    amount_yuan BIGINT NOT NULL,
    signed_on TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    om_months BIGINT NOT NULL,
    deliverables TEXT NOT NULL,
    ownership TEXT NOT NULL,
    termination TEXT NOT NULL,
    state TEXT NOT NULL,
    waiting_on TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at_ms BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX contracts_project ON contracts (project_id, id);
CREATE INDEX contracts_state ON contracts (jurisdiction_id, state, id);
CREATE TABLE contract_acts (
    id __ID__,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    seq BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    parties TEXT NOT NULL,
    step TEXT NOT NULL,
    verb TEXT NOT NULL,
    UNIQUE (contract_id, seq)
);
