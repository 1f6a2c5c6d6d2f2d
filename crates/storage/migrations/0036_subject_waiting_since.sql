-- When the open step of each subject run beside a project began: the waiting lists (合同备案,
-- 项目调整, 进度报告, 项目验收, 资金拨付, 评价与运维) show it as 收到日期 with the working days
-- waited, longest waiting first. NULL: since the subject was created (its run's first step).
-- Kept by every act from the run's fold; for the subjects already in flight, the last act that
-- moved a run (a pass, return, refusal or withdrawal — not a reminder, transfer or added
-- signer) stands for it.

ALTER TABLE contracts ADD COLUMN waiting_since_ms BIGINT;
UPDATE contracts SET waiting_since_ms = (SELECT MAX(a.at_ms) FROM contract_acts a WHERE a.contract_id = contracts.id
    AND a.verb NOT LIKE '%"verb":"urge"%' AND a.verb NOT LIKE '%"verb":"transfer"%'
    AND a.verb NOT LIKE '%"verb":"add_signer"%');
ALTER TABLE project_changes ADD COLUMN waiting_since_ms BIGINT;
UPDATE project_changes SET waiting_since_ms = (SELECT MAX(a.at_ms) FROM change_acts a WHERE a.change_id = project_changes.id
    AND a.verb NOT LIKE '%"verb":"urge"%' AND a.verb NOT LIKE '%"verb":"transfer"%'
    AND a.verb NOT LIKE '%"verb":"add_signer"%');
ALTER TABLE progress_reports ADD COLUMN waiting_since_ms BIGINT;
UPDATE progress_reports SET waiting_since_ms = (SELECT MAX(a.at_ms) FROM progress_acts a WHERE a.report_id = progress_reports.id
    AND a.verb NOT LIKE '%"verb":"urge"%' AND a.verb NOT LIKE '%"verb":"transfer"%'
    AND a.verb NOT LIKE '%"verb":"add_signer"%');
ALTER TABLE project_acceptances ADD COLUMN waiting_since_ms BIGINT;
UPDATE project_acceptances SET waiting_since_ms = (SELECT MAX(a.at_ms) FROM acceptance_acts a WHERE a.acceptance_id = project_acceptances.id
    AND a.verb NOT LIKE '%"verb":"urge"%' AND a.verb NOT LIKE '%"verb":"transfer"%'
    AND a.verb NOT LIKE '%"verb":"add_signer"%');
ALTER TABLE project_payments ADD COLUMN waiting_since_ms BIGINT;
UPDATE project_payments SET waiting_since_ms = (SELECT MAX(a.at_ms) FROM payment_acts a WHERE a.payment_id = project_payments.id
    AND a.verb NOT LIKE '%"verb":"urge"%' AND a.verb NOT LIKE '%"verb":"transfer"%'
    AND a.verb NOT LIKE '%"verb":"add_signer"%');
ALTER TABLE project_submissions ADD COLUMN waiting_since_ms BIGINT;
UPDATE project_submissions SET waiting_since_ms = (SELECT MAX(a.at_ms) FROM submission_acts a WHERE a.submission_id = project_submissions.id
    AND a.verb NOT LIKE '%"verb":"urge"%' AND a.verb NOT LIKE '%"verb":"transfer"%'
    AND a.verb NOT LIKE '%"verb":"add_signer"%');
