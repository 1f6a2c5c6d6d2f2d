-- 分年度投资计划 of a multi-year project (xinzhou-transport:7, linxiang:10), as declared:
-- `2026:1000000;2027:205000` (yuan), empty when not given. An annual plan arranges a year's
-- declared amount for it.
ALTER TABLE projects ADD COLUMN yearly_budget TEXT NOT NULL DEFAULT '';
-- Whether the project involves two or more departments, as its unit declares it (NULL: not
-- said; the reviewer establishes is_cross_department, and a finding prevails).
ALTER TABLE projects ADD COLUMN cross_department BIGINT;
