-- 分年度投资计划 of a multi-year project (xinzhou-transport:7, linxiang:10), as declared:
-- `2026:1000000;2027:205000` (yuan), empty when not given. An annual plan arranges a year's
-- declared amount for it.
ALTER TABLE projects ADD COLUMN yearly_budget TEXT NOT NULL DEFAULT '';
