-- 评审意见: the opinion each reviewer records at a step whose profile names a review form —
-- its conclusion, conditions, written opinion and answers (JSON, one written form per
-- dimension). One per person at each visit of a step (`since_ms`: when the step began, so a
-- step reached again after a return asks for new opinions); kept after the visit as history.
-- `version` is bumped by each change while the person has not yet passed.
CREATE TABLE review_opinions (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    step TEXT NOT NULL,
    since_ms BIGINT NOT NULL,
    form TEXT NOT NULL,
    party TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    conclusion TEXT NOT NULL,
    conditions TEXT NOT NULL,
    note TEXT NOT NULL,
    answers TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX review_opinions_visit ON review_opinions (project_id, step, since_ms, user_id);
