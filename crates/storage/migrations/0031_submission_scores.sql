-- 绩效评价的评分 (issue 12 §5): a post-evaluation's scores, 0 to 100 for each dimension its
-- profile's rules list (gaoping:22, xinzhou-transport:23/26, linxiang:33, yeji:29), as a JSON
-- object by dimension id; NULL for a submission that scores nothing.
ALTER TABLE project_submissions ADD COLUMN scores TEXT;
