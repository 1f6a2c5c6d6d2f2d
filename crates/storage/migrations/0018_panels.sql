-- 专家库 and 专家评审组 (linxiang:15): what the draw needs of an expert — their title, the
-- units they declared a conflict with (comma-separated), and whether they are blacklisted
-- (with the reason) — and each panel drawn for a visit of a step: the draw step's key and
-- visit, the profile's panel, the seed (a u64 written in decimal), the request and the drawn
-- order with who was excluded and why (JSON), so the draw re-runs from what is kept. Its
-- members in their seats (with the account they sign with); one who declined keeps their row
-- with the time and reason, as does one passed over for want of an account (no account).
ALTER TABLE experts ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE experts ADD COLUMN conflicts TEXT NOT NULL DEFAULT '';
ALTER TABLE experts ADD COLUMN blacklisted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE experts ADD COLUMN blacklist_reason TEXT NOT NULL DEFAULT '';
CREATE TABLE panels (
    id __ID__,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    step TEXT NOT NULL,
    since_ms BIGINT NOT NULL,
    form TEXT NOT NULL,
    seed TEXT NOT NULL,
    request TEXT NOT NULL,
    drawn TEXT NOT NULL,
    drawn_by BIGINT NOT NULL REFERENCES users(id),
    at_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX panels_visit ON panels (project_id, step, since_ms);
CREATE TABLE panel_members (
    panel_id BIGINT NOT NULL REFERENCES panels(id),
    expert_id BIGINT NOT NULL REFERENCES experts(id),
    user_id BIGINT REFERENCES users(id),
    seat BIGINT NOT NULL,
    declined_at_ms BIGINT,
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (panel_id, expert_id)
);
CREATE INDEX panel_members_user ON panel_members (user_id);
