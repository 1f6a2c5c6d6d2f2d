use super::*;
use crate::policy::{self, Fact};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn profile(text: &str) -> Profile {
    policy::load("test.toml", text).unwrap_or_else(|e| panic!("{e:?}"))
}

const HEAD: &str = "id = \"t\"\nname = \"测试办法\"\njurisdiction = \"测试市\"\nissuer = \"测试市人民政府\"\ndocument = \"测政发〔2025〕1号\"\nissued = \"2025-01-01\"\n";

fn with(rules: &str) -> Profile {
    profile(&format!("{HEAD}\n{rules}"))
}

fn one<'p>(p: &'p Profile, events: &[Event], facts: &Facts, today: &str) -> Vec<Obligation<'p>> {
    let ctx = ProjectContext { facts, events, waivers: &[], plan_year: Some(2026) };
    obligations(p, &Calendar::builtin(), &ctx, d(today))
}

#[test]
fn lhasa_27_counts_back_from_the_free_om_period_the_contract_and_acceptance_imply() {
    let lhasa = policy::builtin().into_iter().find(|p| p.head.id == "lhasa").expect("lhasa");
    let accepted = Event { kind: EventKind::CompletionAcceptancePassed, date: d("2026-06-16") };
    let facts: Facts = [(Fact::OmMonthsInContract, 36)].into_iter().collect();
    let mut events = vec![accepted];
    add_implied_events(&mut events, &facts);
    assert_eq!(events[1], Event { kind: EventKind::OmFreePeriodEnd, date: d("2029-06-16") });
    let owed = one(&lhasa, &events, &facts, "2026-06-17");
    let apply = owed.iter().find(|o| o.rule.id == "lhasa-27-om-funds").expect("lhasa:27");
    assert_eq!(apply.due.map(|x| x.date), Some(d("2028-08-31")), "the year before it ends");
    // Applied for: met.
    events.push(Event { kind: EventKind::OmFundsApplied, date: d("2028-05-06") });
    let owed = one(&lhasa, &events, &facts, "2028-05-07");
    let apply = owed.iter().find(|o| o.rule.id == "lhasa-27-om-funds").expect("lhasa:27");
    assert_eq!(apply.status, Status::Fulfilled);
    // A recorded end wins; without the contract's O&M years nothing is implied.
    let mut recorded =
        vec![accepted, Event { kind: EventKind::OmFreePeriodEnd, date: d("2030-01-01") }];
    add_implied_events(&mut recorded, &facts);
    assert_eq!(recorded.len(), 2);
    let mut bare = vec![accepted];
    add_implied_events(&mut bare, &Facts::new());
    assert_eq!(bare.len(), 1);
}

const CONTRACT: &str = r#"
[[deadlines]]
id = "t-1"
cite = "t:1"
text = "合同签订后5个工作日内备案。"
duty = "合同备案"
owed_by = "owner_unit"
after = "contract_signed"
working_days = 5
fulfilled_by = "contract_filed"
"#;

fn ev(kind: EventKind, date: &str) -> Event {
    Event { kind, date: d(date) }
}

#[test]
fn working_day_deadline_at_its_boundaries() {
    let p = with(CONTRACT);
    let signed = [ev(EventKind::ContractSigned, "2024-09-27")];
    let f = Facts::new();
    // Due 2024-10-10 (the National Day break does not count).
    let o = &one(&p, &signed, &f, "2024-09-27")[0];
    assert_eq!(o.due.map(|x| x.date), Some(d("2024-10-10")));
    assert_eq!(o.status, Status::Pending);
    assert_eq!(one(&p, &signed, &f, "2024-10-08")[0].status, Status::DueSoon);
    assert_eq!(
        one(&p, &signed, &f, "2024-10-10")[0].status,
        Status::DueSoon,
        "the last day is still on time"
    );
    assert_eq!(one(&p, &signed, &f, "2024-10-11")[0].status, Status::Overdue, "the day after");
    let filed_last_day = [signed[0], ev(EventKind::ContractFiled, "2024-10-10")];
    let o = &one(&p, &filed_last_day, &f, "2024-10-20")[0];
    assert_eq!((o.status, o.late), (Status::Fulfilled, false));
    let filed_late = [signed[0], ev(EventKind::ContractFiled, "2024-10-11")];
    let o = &one(&p, &filed_late, &f, "2024-10-20")[0];
    assert_eq!((o.status, o.late), (Status::Fulfilled, true));
}

#[test]
fn each_trigger_is_its_own_obligation_and_waivers_release() {
    let p = with(CONTRACT);
    let events = [
        ev(EventKind::ContractSigned, "2025-03-03"),
        ev(EventKind::ContractFiled, "2025-03-05"),
        ev(EventKind::ContractSigned, "2025-06-02"),
    ];
    let f = Facts::new();
    let os = one(&p, &events, &f, "2025-07-01");
    assert_eq!(
        os.iter().map(|o| o.status).collect::<Vec<_>>(),
        [Status::Fulfilled, Status::Overdue]
    );
    let waivers = [Waiver { key: os[1].key.clone(), reason: "合同已解除".into() }];
    let ctx = ProjectContext { facts: &f, events: &events, waivers: &waivers, plan_year: None };
    let os = obligations(&p, &Calendar::builtin(), &ctx, d("2025-07-01"));
    assert_eq!(os[1].status, Status::Waived);
}

#[test]
fn two_triggers_on_one_day_are_two_obligations_with_their_own_keys() {
    // Two stages of a path passed the same day each start their own clock.
    let p = with(CONTRACT);
    let events = [
        ev(EventKind::ContractSigned, "2025-03-03"),
        ev(EventKind::ContractSigned, "2025-03-03"),
        ev(EventKind::ContractFiled, "2025-03-04"),
    ];
    let os = one(&p, &events, &Facts::new(), "2025-03-05");
    let keys: Vec<&str> = os.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["t-1@2025-03-03", "t-1@2025-03-03#2"]);
    let met = os.iter().filter(|o| o.status == Status::Fulfilled).count();
    assert_eq!(met, 1, "one filing meets one duty");
}

#[test]
fn months_fixed_dates_and_windows() {
    let p = with(
        r#"
[[deadlines]]
id = "t-2"
cite = "t:2"
text = "初步验收后1个月内申请竣工验收。"
duty = "申请竣工验收"
owed_by = "owner_unit"
after = "preliminary_acceptance_passed"
months = 1
fulfilled_by = "completion_acceptance_applied"

[[deadlines]]
id = "t-3"
cite = "t:3"
text = "每年8月31日前申报下一年度计划。"
duty = "申报下一年度项目"
owed_by = "owner_unit"
after = "plan_year_start"
fixed = { month = 8, day = 31, year_offset = -1 }
fulfilled_by = "declaration_submitted"

[[deadlines]]
id = "t-4"
cite = "t:4"
text = "验收后第12至24个月开展自评价。"
duty = "自评价"
owed_by = "owner_unit"
after = "completion_acceptance_passed"
months = 24
not_before_months = 12
fulfilled_by = "self_evaluation_submitted"
"#,
    );
    let events = [
        ev(EventKind::PreliminaryAcceptancePassed, "2025-01-31"),
        ev(EventKind::CompletionAcceptancePassed, "2025-03-15"),
    ];
    let f = Facts::new();
    let os = one(&p, &events, &f, "2025-02-28");
    let by = |id: &str| os.iter().find(|o| o.rule.id == id).expect(id);
    assert_eq!(by("t-2").due.map(|x| x.date), Some(d("2025-02-28")), "clamped to the month's end");
    assert_eq!(by("t-3").due.map(|x| x.date), Some(d("2025-08-31")));
    assert_eq!(by("t-4").not_before, Some(d("2026-03-15")));
    assert_eq!(by("t-4").due.map(|x| x.date), Some(d("2027-03-15")));
    assert!(by("t-4").due.is_some_and(|x| !x.provisional), "months are calendar arithmetic");
}

#[test]
fn a_declaration_submitted_before_the_plan_year_fulfils_its_window() {
    let p = with(
        r#"
[[deadlines]]
id = "t-3"
cite = "t:3"
text = "每年8月31日前申报下一年度计划。"
duty = "申报下一年度项目"
owed_by = "owner_unit"
after = "plan_year_start"
fixed = { month = 8, day = 31, year_offset = -1 }
fulfilled_by = "declaration_submitted"
"#,
    );
    let f = Facts::new();
    for (submitted, late) in [("2025-08-01", false), ("2025-09-15", true)] {
        let events = [ev(EventKind::DeclarationSubmitted, submitted)];
        for today in ["2025-10-01", "2026-03-01"] {
            let os = one(&p, &events, &f, today);
            assert_eq!(os[0].status, Status::Fulfilled, "{submitted} {today}");
            assert_eq!(os[0].fulfilled_on, Some(d(submitted)));
            assert_eq!(os[0].late, late, "{submitted}");
        }
    }
    // Not yet submitted: open before the deadline, overdue after it.
    let open = one(&p, &[], &f, "2025-08-01")[0].status;
    assert!(!matches!(open, Status::Fulfilled | Status::Overdue), "{open:?}");
    assert_eq!(one(&p, &[], &f, "2025-10-01")[0].status, Status::Overdue);
}

#[test]
fn quarterly_reports_in_the_first_five_working_days() {
    let p = with(
        r#"
[[deadlines]]
id = "t-5"
cite = "t:5"
text = "每季度第一个月的前5个工作日内报送上一季度进度。"
duty = "报送季度进度"
owed_by = "owner_unit"
after = "work_started"
every = "quarter"
working_day = 5
until = "completion_acceptance_passed"
fulfilled_by = "progress_reported"
when = [{ fact = "duration_months", op = ">", value = 6 }]
"#,
    );
    let mut f = Facts::new();
    f.insert(Fact::DurationMonths, 12);
    let events =
        [ev(EventKind::WorkStarted, "2025-05-20"), ev(EventKind::ProgressReported, "2025-07-03")];
    let os = one(&p, &events, &f, "2025-10-20");
    assert_eq!(os.len(), 3, "two past occurrences and the next one: {os:?}");
    assert_eq!(os[2].period.as_deref(), Some("2025年第4季度"));
    assert_eq!(os[2].status, Status::Pending);
    assert_eq!(os[0].period.as_deref(), Some("2025年第2季度"));
    assert_eq!(os[0].due.map(|x| x.date), Some(d("2025-07-07")));
    assert_eq!(os[0].status, Status::Fulfilled);
    // October 2025: the holiday pushes the fifth working day to the 14th.
    assert_eq!(os[1].due.map(|x| x.date), Some(d("2025-10-14")));
    assert_eq!(os[1].status, Status::Overdue);
    // Six months exactly: the rule does not apply (the text says "over 6 months").
    f.insert(Fact::DurationMonths, 6);
    assert!(one(&p, &events, &f, "2025-10-20").is_empty());
}

#[test]
fn a_terminated_project_owes_no_more_than_what_its_termination_starts() {
    let p = with(
        r#"
[[deadlines]]
id = "t-5"
cite = "t:5"
text = "每季度第一个月的前5个工作日内报送上一季度进度。"
duty = "报送季度进度"
owed_by = "owner_unit"
after = "work_started"
every = "quarter"
working_day = 5
until = "completion_acceptance_passed"
fulfilled_by = "progress_reported"

[[deadlines]]
id = "t-8"
cite = "t:8"
text = "项目终止后10个工作日内提交书面说明。"
duty = "提交终止说明"
owed_by = "owner_unit"
after = "project_terminated"
working_days = 10
fulfilled_by = "final_accounts_done"
"#,
    );
    let f = Facts::new();
    let mut events = vec![
        ev(EventKind::WorkStarted, "2025-05-20"),
        ev(EventKind::ProgressReported, "2025-07-03"),
        ev(EventKind::ProjectTerminated, "2025-10-10"),
    ];
    let os = one(&p, &events, &f, "2026-03-01");
    let shown: Vec<(Option<&str>, Status)> =
        os.iter().map(|o| (o.period.as_deref(), o.status)).collect();
    // The second quarter's report was made; the third's, due on 14 October, is owed no more
    // once the project ended on the 10th; no quarter after the termination is owed at all.
    assert_eq!(
        shown,
        [
            (Some("2025年第2季度"), Status::Fulfilled),
            (Some("2025年第3季度"), Status::Ended),
            (None, Status::Overdue)
        ]
    );
    assert_eq!(os[1].ended_on, Some(d("2025-10-10")));
    assert_eq!(os[2].rule.id, "t-8", "what the termination starts is still owed");
    // Terminated after the 14th, the report was overdue then and stays so.
    events[2] = ev(EventKind::ProjectTerminated, "2025-10-16");
    let os = one(&p, &events, &f, "2026-03-01");
    assert_eq!((os[1].status, os[1].ended_on), (Status::Overdue, None));
    assert_eq!(os.len(), 3, "still no later quarter");
    // Before the termination the same duty was still owed (the past is not rewritten).
    events.pop();
    let before = one(&p, &events, &f, "2025-10-09");
    assert!(matches!(before[1].status, Status::Pending | Status::DueSoon), "{before:?}");
    assert_eq!(before[1].ended_on, None);
}

#[test]
fn fourth_thursday_and_unspecified() {
    let p = with(
        r#"
[[deadlines]]
id = "t-6"
cite = "t:6"
text = "每月第四个星期四开展预审。"
duty = "组织预审"
owed_by = "authority"
after = "declaration_submitted"
next_nth_weekday = { weekday = "thu", n = 4 }
fulfilled_by = "review_passed"

[[deadlines]]
id = "t-7"
cite = "t:7"
text = "预算年度结束后开展自评价。"
duty = "自评价"
owed_by = "owner_unit"
after = "budget_year_ended"
unspecified = true
fulfilled_by = "self_evaluation_submitted"
"#,
    );
    let f = Facts::new();
    let events = [
        ev(EventKind::DeclarationSubmitted, "2025-10-24"),
        ev(EventKind::BudgetYearEnded, "2025-12-31"),
    ];
    let os = one(&p, &events, &f, "2026-06-01");
    assert_eq!(
        os[0].due.map(|x| x.date),
        Some(d("2025-11-27")),
        "October's 4th Thursday (23rd) has passed"
    );
    assert_eq!(os[1].due, None);
    assert_eq!(os[1].status, Status::Pending, "no time limit: never overdue");
}

#[test]
fn gates_refuse_with_their_citation() {
    let p = with(
        r#"
[[quotas]]
id = "t-q"
cite = "t:7"
text = "每个部门每年申报项目原则上不超过2个。"
counts = "declaration_submitted"
per = "department_year"
max = 2

[[gates]]
id = "t-g1"
cite = "t:7"
text = "每个部门每年申报项目原则上不超过2个。"
action = "declare"
quota = "t-q"

[[gates]]
id = "t-g2"
cite = "t:10"
text = "系统未编入目录的，不予审批。"
action = "approve"
requires = [{ fact = "systems_outside_catalog", op = "==", value = 0 }]
"#,
    );
    let f = Facts::new();
    assert!(check_gates(&p, GatedAction::Declare, &f, &|_| 1).is_ok());
    let r = check_gates(&p, GatedAction::Declare, &f, &|_| 2).expect_err("third declaration");
    assert_eq!(r[0].cite, "t:7");
    // Unknown facts do not pass a gate.
    assert!(check_gates(&p, GatedAction::Approve, &f, &|_| 0).is_err());
    let mut f = Facts::new();
    f.insert(Fact::SystemsOutsideCatalog, 0);
    assert!(check_gates(&p, GatedAction::Approve, &f, &|_| 0).is_ok());
    f.insert(Fact::SystemsOutsideCatalog, 1);
    assert!(check_gates(&p, GatedAction::Approve, &f, &|_| 0).is_err());
}

#[test]
fn gate_report_tells_unknown_from_failed() {
    let p = with(
        r#"
[[gates]]
id = "g-plan"
cite = "t:6"
text = "未纳入计划的，不予审批。"
action = "approve"
requires = [{ fact = "in_annual_plan", op = "==", value = 1 }, { fact = "can_share", op = "==", value = 1 }]

[[gates]]
id = "g-big"
cite = "t:9"
text = "大项目须为重点项目。"
action = "approve"
when = [{ fact = "investment_yuan", op = ">=", value = 1000000 }]
requires = [{ fact = "is_key_project", op = "==", value = 1 }]
"#,
    );
    let mut f = Facts::new();
    f.insert(Fact::InvestmentYuan, 10);
    f.insert(Fact::InAnnualPlan, 1);
    let r = gate_report(&p, GatedAction::Approve, &f, &|_| 0);
    assert_eq!(
        r.iter().map(|g| g.outcome).collect::<Vec<_>>(),
        [GateOutcome::Unknown, GateOutcome::NotApplicable]
    );
    assert_eq!(r[0].unknown_facts, [Fact::CanShare]);
    let why = r[0].refusal().expect("refused").text;
    assert!(why.starts_with("尚未认定“是否能互联互通、共享”"), "{why}");
    assert!(r[1].refusal().is_none());
    // A known failing fact makes it a plain refusal, even with another fact unknown.
    f.insert(Fact::InAnnualPlan, 0);
    f.insert(Fact::InvestmentYuan, 2_000_000);
    let r = gate_report(&p, GatedAction::Approve, &f, &|_| 0);
    assert_eq!(r[0].outcome, GateOutcome::Fail);
    assert_eq!(r[0].refusal().expect("refused").text, "未纳入计划的，不予审批。");
    assert_eq!(r[1].outcome, GateOutcome::Unknown);
    f.insert(Fact::CanShare, 1);
    f.insert(Fact::InAnnualPlan, 1);
    f.insert(Fact::IsKeyProject, 1);
    assert!(check_gates(&p, GatedAction::Approve, &f, &|_| 0).is_ok());
}
