-- 运行维护情况报告 (linxiang:29): a submission that covers a year (`covers_year`), one a year per
-- project; NULL for the submissions that cover none.
ALTER TABLE project_submissions ADD COLUMN covers_year BIGINT;
