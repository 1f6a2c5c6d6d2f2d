-- The workflow engine's history: every act on a project's path, in order. The run's state is
-- the fold of these acts over the route its profile lays out (govit_core::workflow); a second
-- act with the same number (two people acting at once) is refused by the key.
CREATE TABLE run_acts (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    seq BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    parties TEXT NOT NULL,
    step TEXT NOT NULL,
    verb TEXT NOT NULL,
    UNIQUE (project_id, seq)
);
-- Who may act now: one row per open place to sign at a project's current step and per party
-- (party '' and a user when a person holds it), rewritten by every act. 我的待办 and the
-- review queue read it.
CREATE TABLE run_tasks (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    slot BIGINT NOT NULL,
    party TEXT NOT NULL,
    user_id BIGINT,
    step TEXT NOT NULL,
    -- The step in the regulation's words and its article, as the route had them.
    action TEXT NOT NULL,
    cite TEXT NOT NULL,
    since_ms BIGINT NOT NULL,
    PRIMARY KEY (project_id, slot, party)
);
CREATE INDEX run_tasks_party ON run_tasks (party, project_id);
CREATE INDEX run_tasks_user ON run_tasks (user_id, project_id);
