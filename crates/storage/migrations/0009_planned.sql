-- What is scheduled (a planned date, e.g. 免费运维期届满) apart from what happened: rules
-- count only what happened.
ALTER TABLE project_milestones ADD COLUMN planned BIGINT NOT NULL DEFAULT 0;
