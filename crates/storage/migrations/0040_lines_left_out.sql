-- A plan's line whose project no longer qualified when the plan was published (sent back to
-- its unit, withdrawn, refused, terminated, or kept out by a gate of the profile since): the
-- plan is published without it (no 列入年度计划 for its project) and the line keeps why, in
-- Chinese. NULL: the line was carried into the plan (or the plan is not published yet).
ALTER TABLE plan_lines ADD COLUMN left_out TEXT;
