-- 限期整改 and the measures that may follow it (issue 12 §7). A rectification is a submission
-- (`stage = 'rectification'`) ordered under one of the profile's sanctions (`rule_id`) with a
-- deadline (`due_day`). A measure (`project_measures`) is taken on a project under a sanction
-- (`rule_id`, `step`: suspend_funds, suspend_project, terminate …) with its reason; while not
-- lifted (`lifted_at_ms` NULL) it is in force and sets the facts the gates read
-- (funds_suspended, construction_suspended, om_funds_stopped). 终止项目 is never lifted; the
-- measures recorded once (通报批评, 收回资金 …) are never in force.
ALTER TABLE project_submissions ADD COLUMN due_day TEXT;
ALTER TABLE project_submissions ADD COLUMN rule_id TEXT;
CREATE TABLE project_measures (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    rule_id TEXT NOT NULL,
    cite TEXT NOT NULL,
    step TEXT NOT NULL,
    reason TEXT NOT NULL,
    taken_by BIGINT NOT NULL REFERENCES users(id),
    taken_at_ms BIGINT NOT NULL,
    lifted_by BIGINT REFERENCES users(id),
    lifted_at_ms BIGINT,
    lift_reason TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX project_measures_project ON project_measures (project_id, id);
-- One lasting measure of a kind in force on a project at a time, whatever two requests do.
CREATE UNIQUE INDEX project_measures_in_force ON project_measures (project_id, step)
    WHERE lifted_at_ms IS NULL
    AND step IN ('suspend_funds', 'no_further_funds', 'suspend_project', 'no_om_funds', 'terminate');
