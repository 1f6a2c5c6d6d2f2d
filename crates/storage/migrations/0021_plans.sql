-- The annual plan (年度计划) and the supplementary plan (增补计划): an authority assembles a
-- year's list of projects from the declarations that passed their reviews, sends it along the
-- chain its profile's plan rule names (the acts, folded by govit_core::workflow like a
-- project's path), and publishes it once approved. `state` is the fold's projection, kept by
-- every act, for lists and for which projects another plan may still take.
CREATE TABLE plans (
    id __ID__,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    profile_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    year BIGINT NOT NULL,
    -- 第 N 号 among the jurisdiction's plans of that year and kind.
    seq BIGINT NOT NULL,
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at_ms BIGINT NOT NULL,
    published_by BIGINT REFERENCES users(id),
    published_at_ms BIGINT,
    version BIGINT NOT NULL,
    UNIQUE (jurisdiction_id, year, kind, seq)
);
CREATE INDEX plans_list ON plans (jurisdiction_id, year, state);
-- A plan's projects as they stood when they were taken in (what was approved stays what the
-- plan shows), with the amount arranged for the plan's year.
CREATE TABLE plan_lines (
    plan_id BIGINT NOT NULL REFERENCES plans(id),
    project_id BIGINT NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL,
    department TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    investment_yuan BIGINT NOT NULL,
    fiscal_yuan BIGINT NOT NULL,
    bank_loan_yuan BIGINT NOT NULL,
    self_raised_yuan BIGINT NOT NULL,
    other_yuan BIGINT NOT NULL,
    year_amount_yuan BIGINT NOT NULL,
    PRIMARY KEY (plan_id, project_id)
);
CREATE INDEX plan_lines_project ON plan_lines (project_id);
-- The acts on a plan's route, in order; a second act with the same number is refused by the key.
CREATE TABLE plan_acts (
    id __ID__,
    plan_id BIGINT NOT NULL REFERENCES plans(id),
    seq BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    parties TEXT NOT NULL,
    step TEXT NOT NULL,
    verb TEXT NOT NULL,
    UNIQUE (plan_id, seq)
);
-- 决定签名 of a plan's route: each 报批, 通过, 退回 and 不予通过 as the platform's signer signed it
-- for its user (govit_core::plan::SignedAct: the act, the user, the time, the plan's lines'
-- SM3 and the earlier opinions), with the public key and SM2 signature (hex; empty when no key
-- was configured). Written in the act's transaction.
CREATE TABLE plan_signatures (
    plan_id BIGINT NOT NULL REFERENCES plans(id),
    seq BIGINT NOT NULL,
    message TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (plan_id, seq)
);
