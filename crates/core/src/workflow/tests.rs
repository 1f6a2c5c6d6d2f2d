use super::*;
use crate::policy::{Fact, Facts, Profile, builtin, load};

fn profile(id: &str) -> Profile {
    builtin().into_iter().find(|p| p.head.id == id).expect("profile")
}

fn facts(pairs: &[(Fact, i64)]) -> Facts {
    pairs.iter().copied().collect()
}

fn u(n: i64) -> UserId {
    UserId(n)
}

fn parties(ps: &[&str]) -> Vec<String> {
    ps.iter().map(|p| p.to_string()).collect()
}

/// A run driven act by act; after every act its history must fold to the same state.
struct Run {
    route: Route,
    acts: Vec<Act>,
    p: Progress,
    now: i64,
}

impl Run {
    fn new(route: Route) -> Run {
        let p = Progress::start(&route, 0);
        Run { route, acts: vec![], p, now: 0 }
    }

    fn act(&mut self, user: i64, ps: &[&str], verb: Verb) -> Result<Vec<EventKind>, DomainError> {
        self.now += 60_000;
        let ps = parties(ps);
        let a = Actor { user: u(user), parties: &ps };
        let step = self.route.steps.get(self.p.current).map(|s| s.key.clone()).unwrap_or_default();
        let o = decide(&self.route, &self.p, a, &verb, self.now)?;
        self.acts.push(Act { at_ms: self.now, user: u(user), parties: ps.clone(), step, verb });
        self.p = o.progress;
        assert_eq!(replay(&self.route, 0, &self.acts), self.p, "the history folds to the state");
        Ok(o.events)
    }

    /// Whether a pass by `user` for `ps` is refused as a task they do not hold.
    fn holds_nothing(&mut self, user: i64, ps: &[&str]) -> bool {
        self.act(user, ps, Verb::Pass { note: String::new() }) == Err(DomainError::NotFound)
    }

    fn pass(&mut self, user: i64, ps: &[&str]) -> Vec<EventKind> {
        self.act(user, ps, Verb::Pass { note: String::new() }).expect("pass")
    }

    fn at(&self) -> &str {
        self.route.steps.get(self.p.current).map(|s| s.action.as_str()).unwrap_or("（办结）")
    }
}

fn path() -> Vec<Stage> {
    vec![Stage::Declaration, Stage::PreReview, Stage::ExpertReview, Stage::Approval]
}

#[test]
fn every_profile_has_an_approval_path_from_declaration_to_approval() {
    for p in builtin() {
        let f = facts(&[
            (Fact::IsCrossDepartment, 0),
            (Fact::IsClassified, 0),
            (Fact::InAnnualPlan, 1),
        ]);
        let route = Route::for_path(&p, "approval", &f).unwrap_or_else(|| panic!("{}", p.head.id));
        let first = route.steps.first().expect("steps");
        let last = route.steps.last().expect("steps");
        assert_eq!(first.stage, Stage::Declaration, "{}", p.head.id);
        assert_eq!(first.parties, ["owner_unit"], "{}: the owner unit declares", p.head.id);
        assert_eq!(last.stage, Stage::Approval, "{}", p.head.id);
        assert!(route.steps.len() >= 2, "{}: {route:?}", p.head.id);
    }
    // yeji:7's joint review is a 会签 of five offices before 发改's approval (yeji:5).
    let yeji = Route::for_path(&profile("yeji"), "approval", &Facts::new()).expect("yeji");
    assert_eq!(yeji.steps[1].mode, SignMode::All);
    assert_eq!(yeji.steps[1].parties.len(), 5);
    assert_eq!(yeji.steps[2].parties, ["development_reform"]);
}

#[test]
fn a_path_naming_a_stage_without_rules_is_refused() {
    let bad = SIXTH.to_string()
        + "\n[[paths]]\nid = \"approval\"\ncite = \"sixth:9\"\ntext = \"申报后评审。\"\nstages = [\"declaration\", \"expert_review\", \"declaration\"]\n";
    let errors = load("policies/sixth.toml", &bad).expect_err("refused");
    let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert!(all.iter().any(|e| e.contains("expert_review 没有 [[stages]] 规则")), "{all:?}");
    assert!(all.iter().any(|e| e.contains("declaration 重复")), "{all:?}");
}

#[test]
fn the_outline_says_which_rules_apply_and_which_facts_are_open() {
    let p = profile("linxiang");
    let o = outline(&p, "approval", &facts(&[(Fact::InvestmentYuan, 1_500_000)])).expect("path");
    let stages: Vec<Stage> = o.iter().map(|s| s.stage).collect();
    assert_eq!(
        stages,
        [Stage::Declaration, Stage::PreReview, Stage::ExpertReview, Stage::Approval]
    );
    let expert = &o[2].rules[0];
    assert_eq!((expert.cite.as_str(), expert.applies), ("linxiang:14", Some(false)));
    assert_eq!(expert.steps[1].parties, ["expert"], "what it would add is shown");
    assert_eq!(expert.condition, "项目投资 ≥ 200 万元");
    assert_eq!(expert.known, "项目投资 150 万元");
    assert_eq!(o[1].rules[0].condition, "是否跨部门项目为“是”");
    assert_eq!(o[1].rules[1].condition, "是否跨部门项目为“否”");
    // Who writes the pre-review plan turns on a fact not established yet.
    assert!(
        o[1].rules.iter().all(|r| r.applies.is_none() && r.unknown == [Fact::IsCrossDepartment])
    );
    assert_eq!(o[3].rules[0].applies, Some(true));
    assert!(outline(&p, "nowhere", &Facts::new()).is_none());
}

#[test]
fn linxiang_calls_its_expert_panel_from_two_million_yuan() {
    let p = profile("linxiang");
    let route = |yuan: i64, cross: i64| {
        let f = facts(&[(Fact::InvestmentYuan, yuan), (Fact::IsCrossDepartment, cross)]);
        Route::from_rules(&p.stages, &path(), &f)
    };
    let below = route(1_999_999, 0);
    assert!(below.steps.iter().all(|s| s.stage != Stage::ExpertReview));
    let at = route(2_000_000, 0);
    let expert: Vec<_> = at.steps.iter().filter(|s| s.stage == Stage::ExpertReview).collect();
    assert_eq!(expert.len(), 2);
    assert_eq!(expert[1].parties, ["expert"]);
    assert_eq!(expert[1].cite, "linxiang:14");
    assert_eq!(expert[1].panel.as_deref(), Some("linxiang-15-panel"));
    assert_eq!(p.panel("linxiang-15-panel").map(|x| x.size), Some(5));
    // The pre-review's author follows who builds: the data center for a cross-department
    // project, the owner unit for its own.
    assert_eq!(at.steps[1].parties, ["owner_unit"]);
    assert_eq!(route(2_000_000, 1).steps[1].parties, ["data_center"]);
    // Keys are stable: the same step has the same key whatever else the route holds.
    let key =
        |r: &Route| r.steps.iter().find(|s| s.stage == Stage::Approval).map(|s| s.key.clone());
    assert_eq!(key(&below), key(&at));
}

#[test]
fn xinzhou_transport_goes_through_the_party_group_and_the_city_government() {
    let p = profile("xinzhou-transport");
    let route = Route::from_rules(&p.stages, &path(), &Facts::new());
    let chain: Vec<(&str, &str)> =
        route.steps.iter().map(|s| (s.parties[0].as_str(), s.action.as_str())).collect();
    assert_eq!(
        chain,
        [
            ("owner_unit", "编制申请材料"),
            ("data_center", "全面审核并提出审核意见"),
            ("party_group", "同意"),
            ("authority", "审查"),
            ("city_government", "同意后批复"),
        ]
    );
    let mut run = Run::new(route);
    assert_eq!(
        run.pass(1, &["owner_unit", "data_center"]),
        [EventKind::DeclarationSubmitted, EventKind::MaterialsReceived]
    );
    // The clerk cannot act for the data center's next step … but the data center can.
    let clerk = parties(&["owner_unit"]);
    let a = Actor { user: u(9), parties: &clerk };
    assert_eq!(run.p.verbs(&run.route, a, run.now), [VerbKind::Urge]);
    assert_eq!(run.pass(2, &["data_center"]), []);
    assert_eq!(run.pass(3, &["party_group"]), [EventKind::ReviewPassed]);
    assert_eq!(run.at(), "审查");
    assert!(run.holds_nothing(4, &["finance"]), "a party without the task is told nothing");
    run.pass(5, &["authority"]);
    assert_eq!(run.pass(6, &["city_government"]), [EventKind::Approved]);
    assert_eq!(run.p.status, RunStatus::Completed);
    assert!(matches!(
        run.act(6, &["city_government"], Verb::Pass { note: String::new() }),
        Err(DomainError::InvalidState { .. })
    ));
}

/// A sixth jurisdiction, written as a profile only: its chain differs from all five (a
/// 会签 of finance and cyberspace, then 或签 of two offices, then the authority).
const SIXTH: &str = r#"id = "sixth"
name = "第六市政务信息化项目管理办法（测试）"
jurisdiction = "第六市"
issuer = "第六市人民政府办公室"
document = "六政办〔2026〕1号"
issued = "2026-01-01"

[[stages]]
stage = "declaration"
cite = "sixth:3"
text = "项目单位申报。"
chain = [{ parties = ["owner_unit"], action = "申报" }]

[[stages]]
stage = "joint_review"
cite = "sixth:5"
text = "财政部门和网信部门会签，发改或审计部门任一出具意见。"
chain = [{ parties = ["finance", "cyberspace"], mode = "all", action = "会签" }, { parties = ["development_reform", "audit_office"], mode = "any", action = "出具意见" }]

[[stages]]
stage = "approval"
cite = "sixth:7"
text = "主管部门批复。"
chain = [{ parties = ["authority"], action = "批复" }]
"#;

#[test]
fn a_sixth_jurisdiction_is_a_profile_with_countersigning_and_either_signing() {
    let p = load("policies/sixth.toml", SIXTH).expect("a valid profile");
    let route = Route::from_rules(
        &p.stages,
        &[Stage::Declaration, Stage::JointReview, Stage::Approval],
        &Facts::new(),
    );
    assert_eq!(route.steps.len(), 4);
    let mut run = Run::new(route);
    run.pass(1, &["owner_unit"]);
    // 会签: finance alone does not complete the step; approval is out of reach.
    run.pass(2, &["finance"]);
    assert_eq!(run.at(), "会签");
    assert!(
        run.holds_nothing(2, &["finance"]),
        "finance has signed; it has nothing more to sign here"
    );
    run.pass(3, &["cyberspace"]);
    assert_eq!(run.at(), "出具意见");
    // 或签: one of the two offices is enough.
    assert_eq!(run.pass(4, &["audit_office"]), [EventKind::ReviewPassed]);
    assert_eq!(run.at(), "批复");
    assert!(run.holds_nothing(5, &["development_reform"]));
    assert_eq!(run.pass(6, &["authority"]), [EventKind::Approved]);
}

/// lhasa:4's path: the authority's pre-review, 网信办's security pre-review and the crypto
/// office's, then the expert review (lhasa:11) and the approval (lhasa:14).
fn lhasa_run() -> Run {
    let p = profile("lhasa");
    let f = facts(&[(Fact::IsClassified, 0), (Fact::IsCrossDepartment, 0)]);
    let path = [
        Stage::Declaration,
        Stage::PreReview,
        Stage::SecurityReview,
        Stage::CryptoReview,
        Stage::ExpertReview,
        Stage::Approval,
    ];
    Run::new(Route::from_rules(&p.stages, &path, &f))
}

#[test]
fn a_return_goes_to_any_earlier_step_and_only_lhasa_11_review_counts_as_failed() {
    let mut run = lhasa_run();
    let first = run.route.steps[0].key.clone();
    run.pass(1, &["owner_unit"]);
    assert_eq!(run.at(), "组织预审");
    // The owner unit may not return what it does not hold; the reviewer needs a reason and
    // an earlier step.
    let back = |to: &str, reason: &str| Verb::Return { to: to.into(), reason: reason.into() };
    assert_eq!(run.act(1, &["owner_unit"], back(&first, "x")), Err(DomainError::NotFound));
    let e = run.act(2, &["authority"], back(&first, " ")).expect_err("no reason");
    assert!(matches!(e, DomainError::Invalid(ref f) if f[0].field == "reason"), "{e:?}");
    let here = run.route.steps[1].key.clone();
    let e = run.act(2, &["authority"], back(&here, "补充材料")).expect_err("not earlier");
    assert!(matches!(e, DomainError::Invalid(ref f) if f[0].field == "to"), "{e:?}");
    // A returned pre-review (lhasa:7) is not one of lhasa:11's failed reviews.
    assert_eq!(run.act(2, &["authority"], back(&first, "补充建设依据")), Ok(vec![]));
    assert_eq!(run.p.current, 0);
    assert_eq!(run.p.failed_reviews, 0);
    assert_eq!(run.p.returned.as_deref(), Some("补充建设依据"));
    // Sent again, the declaration starts the pre-review's clock again; the work done before
    // stays in the history.
    assert_eq!(run.pass(1, &["owner_unit"]), [EventKind::DeclarationSubmitted]);
    assert_eq!(run.p.returned, None);
    assert_eq!(run.acts.len(), 3);
    // The pre-review's pass is its own event; the security and crypto reviews record none.
    assert_eq!(run.pass(2, &["authority"]), [EventKind::PreReviewPassed]);
    assert_eq!(run.pass(3, &["cyberspace"]), []);
    assert_eq!(run.pass(4, &["crypto_office"]), []);
    let expert =
        run.route.steps.iter().position(|s| s.stage == Stage::ExpertReview).expect("expert");
    assert_eq!(run.p.current, expert);
    // The technical review's materials start lhasa:11's clock; its failure counts, and its
    // opinion goes with it.
    assert_eq!(run.pass(1, &["owner_unit"]), [EventKind::MaterialsReceived]);
    let materials = run.route.steps[expert].key.clone();
    assert_eq!(
        run.act(2, &["authority"], back(&materials, "方案不可行")),
        Ok(vec![EventKind::ReviewFailed, EventKind::ReviewOpinionSent])
    );
    assert_eq!(run.p.failed_reviews, 1);
    // Resubmitted, the materials are a revision (lhasa:11's second review runs from it).
    assert_eq!(run.pass(1, &["owner_unit"]), [EventKind::RevisionSubmitted]);
    run.act(2, &["authority"], back(&materials, "仍不可行")).expect("return");
    assert_eq!(run.p.failed_reviews, 2);
    // A pass at last: the review and then the approval record their own events.
    run.pass(1, &["owner_unit"]);
    assert_eq!(run.pass(2, &["authority"]), [EventKind::ReviewPassed]);
    run.pass(1, &["owner_unit"]);
    assert_eq!(run.pass(2, &["authority"]), [EventKind::ReportedForApproval, EventKind::Approved]);
}

#[test]
fn each_step_knows_which_acts_belong_to_its_latest_visit() {
    let mut run = lhasa_run();
    let first = run.route.steps[0].key.clone();
    let back = |to: &str, reason: &str| Verb::Return { to: to.into(), reason: reason.into() };
    run.pass(1, &["owner_unit"]); // 0: sent
    run.pass(2, &["authority"]); // 1: the pre-review passes
    run.act(3, &["cyberspace"], back(&first, "补充材料")).expect("return"); // 2
    // Back at the declaration: its first sending is an earlier visit's; the pre-review's
    // pass too, though it is not entered again yet.
    let starts = visit_starts(&run.route, &run.acts);
    assert_eq!((starts[0], starts[1], starts[2]), (2, 0, 1));
    run.pass(1, &["owner_unit"]); // 3: sent again
    let starts = visit_starts(&run.route, &run.acts);
    assert_eq!((starts[0], starts[1]), (2, 3), "the pre-review's new visit began at act 3");
    // A withdrawal resumes the visit it left.
    run.act(1, &["owner_unit"], Verb::Withdraw).expect("withdraw"); // 4
    assert_eq!(visit_starts(&run.route, &run.acts)[0], 2);
}

#[test]
fn without_a_word_from_the_profile_a_stage_records_its_outcome_at_its_last_step() {
    // linxiang names no events: the declaration records its sending and receipt, a review's
    // return counts as a failed review, and the declaration sent again is a revision.
    let p = profile("linxiang");
    let route = Route::from_rules(&p.stages, &path(), &Facts::new());
    let mut run = Run::new(route);
    let first = run.route.steps[0].key.clone();
    assert_eq!(
        run.pass(1, &["owner_unit"]),
        [EventKind::DeclarationSubmitted, EventKind::MaterialsReceived]
    );
    let step = run.route.steps[run.p.current].clone();
    assert_eq!(step.on_return, [EventKind::ReviewFailed, EventKind::ReviewOpinionSent]);
    let who: Vec<&str> = step.parties.iter().map(String::as_str).collect();
    let back = Verb::Return { to: first, reason: "补充材料".into() };
    run.act(2, &who, back).expect("return");
    assert_eq!(run.p.failed_reviews, 1);
    assert_eq!(run.pass(1, &["owner_unit"]), [EventKind::RevisionSubmitted]);
}

#[test]
fn a_step_records_only_what_its_own_party_causes() {
    let bad = SIXTH.replace(
        r#"action = "申报" }"#,
        r#"action = "申报", emits = ["completion_acceptance_passed"] }"#,
    );
    let e = load("policies/sixth.toml", &bad).expect_err("the owner does not pass acceptance");
    assert!(format!("{e:?}").contains("stages.chain.emits"), "{e:?}");
    let good = SIXTH
        .replace(r#"action = "申报" }"#, r#"action = "申报", emits = ["declaration_submitted"] }"#);
    let p = load("policies/sixth.toml", &good).expect("valid");
    let route = Route::from_rules(&p.stages, &[Stage::Declaration], &Facts::new());
    assert_eq!(route.steps[0].on_pass, [EventKind::DeclarationSubmitted]);
    assert_eq!(route.steps[0].on_pass_again, [EventKind::DeclarationSubmitted]);
}

#[test]
fn the_sender_may_withdraw_until_the_next_party_acts() {
    let mut run = lhasa_run();
    run.pass(1, &["owner_unit"]);
    let sender = parties(&["owner_unit"]);
    let a = Actor { user: u(1), parties: &sender };
    assert!(run.p.verbs(&run.route, a, run.now).contains(&VerbKind::Withdraw));
    // Someone else of the same unit did not send it.
    assert!(matches!(
        run.act(7, &["owner_unit"], Verb::Withdraw),
        Err(DomainError::InvalidState { .. })
    ));
    run.act(1, &["owner_unit"], Verb::Withdraw).expect("withdraw");
    assert_eq!(run.p.current, 0);
    run.pass(1, &["owner_unit"]);
    // Once the reviewer transfers, adds a signer or signs, it is too late.
    run.act(2, &["authority"], Verb::Transfer { to: u(3), note: "请李科长办理".into() })
        .expect("transfer");
    assert!(!run.p.verbs(&run.route, a, run.now).contains(&VerbKind::Withdraw));
    let e = run.act(1, &["owner_unit"], Verb::Withdraw).expect_err("too late");
    assert!(
        matches!(e, DomainError::InvalidState { ref message } if message.contains("已经办理")),
        "{e:?}"
    );
}

#[test]
fn a_transfer_or_an_added_signer_changes_who_may_act() {
    let mut run = lhasa_run();
    run.pass(1, &["owner_unit"]);
    run.act(2, &["authority"], Verb::Transfer { to: u(3), note: String::new() }).expect("transfer");
    // The old holder can no longer act; the new one can, whatever their unit.
    assert!(run.holds_nothing(2, &["authority"]));
    assert!(run.holds_nothing(4, &["authority"]));
    // 加签 before oneself: the added party signs first.
    let add =
        |signer: Signer, before: bool| Verb::AddSigner { signer, before, note: String::new() };
    run.act(3, &["authority"], add(Signer::Party("finance".into()), true)).expect("add before");
    assert!(run.holds_nothing(3, &["authority"]));
    run.pass(8, &["finance"]);
    assert_eq!(run.at(), "组织预审", "the step waits for the one who added");
    // 加签 after oneself: a named person signs after, before the step completes.
    run.act(3, &["authority"], add(Signer::User(u(9)), false)).expect("add after");
    run.pass(3, &["authority"]);
    assert_eq!(run.at(), "组织预审");
    let e = run.act(3, &["authority"], add(Signer::User(u(3)), true)).expect_err("done");
    assert_eq!(e, DomainError::NotFound);
    run.pass(9, &[]);
    assert_eq!(run.at(), "网络安全前置审查");
}

#[test]
fn a_reminder_is_recorded_and_rate_limited() {
    let mut run = lhasa_run();
    run.pass(1, &["owner_unit"]);
    let urge = || Verb::Urge { note: "请尽快审查".into() };
    run.act(1, &["owner_unit"], urge()).expect("urge");
    assert_eq!(run.p.urged, [(u(1), run.now)]);
    let e = run.act(1, &["owner_unit"], urge()).expect_err("too soon");
    assert!(
        matches!(e, DomainError::InvalidState { ref message } if message.contains("4 小时内")),
        "{e:?}"
    );
    run.now += URGE_INTERVAL_MS;
    run.act(1, &["owner_unit"], urge()).expect("later");
    // The holder does not remind itself; a party with no part in it does not remind at all.
    assert!(run.act(2, &["authority"], urge()).is_err());
    let e = run.act(5, &["finance"], urge()).expect_err("not theirs");
    assert!(matches!(e, DomainError::Forbidden(_)), "{e:?}");
    // A reminder is not an action on the step: the sender may still withdraw.
    run.act(1, &["owner_unit"], Verb::Withdraw).expect("withdraw");
}

#[test]
fn not_approving_ends_the_run() {
    let mut run = lhasa_run();
    let e = run.act(1, &["owner_unit"], Verb::Reject { reason: "x".into() }).expect_err("first");
    assert!(matches!(e, DomainError::InvalidState { .. }));
    run.pass(1, &["owner_unit"]);
    // Refused at lhasa:7's pre-review: not one of lhasa:11's failed technical reviews.
    let events =
        run.act(2, &["authority"], Verb::Reject { reason: "重复建设".into() }).expect("reject");
    assert_eq!(events, []);
    assert_eq!(run.p.failed_reviews, 0);
    assert_eq!(run.p.status, RunStatus::Rejected);
    let clerk = parties(&["owner_unit"]);
    assert!(run.p.verbs(&run.route, Actor { user: u(1), parties: &clerk }, run.now).is_empty());
    assert!(run.act(1, &["owner_unit"], Verb::Withdraw).is_err());
}

#[test]
fn a_history_whose_route_changed_still_folds() {
    let p = profile("linxiang");
    let f = |yuan| facts(&[(Fact::InvestmentYuan, yuan), (Fact::IsCrossDepartment, 0)]);
    let big = Route::from_rules(&p.stages, &path(), &f(3_000_000));
    let mut run = Run::new(big);
    run.pass(1, &["owner_unit"]);
    run.pass(1, &["owner_unit"]);
    run.pass(2, &["authority"]);
    assert_eq!(run.p.step(&run.route).map(|s| s.stage), Some(Stage::ExpertReview));
    // The investment was cut below the threshold: the expert review leaves the route and the
    // history still folds, to where the path now stands.
    let small = Route::from_rules(&p.stages, &path(), &f(500_000));
    let folded = replay(&small, 0, &run.acts);
    assert_eq!(folded.step(&small).map(|s| s.stage), Some(Stage::Approval));
    // Garbage acts are passed over.
    let junk =
        Act { at_ms: 1, user: u(1), parties: vec![], step: "nowhere".into(), verb: Verb::Withdraw };
    assert_eq!(replay(&small, 0, &[junk]), Progress::start(&small, 0));
}

/// The actions of a route's 增列 steps.
fn added(route: &Route) -> Vec<String> {
    route
        .steps
        .iter()
        .filter(|s| s.stage == Stage::SupplementaryPlan)
        .map(|s| s.action.clone())
        .collect()
}

#[test]
fn a_late_and_urgent_yeji_project_takes_one_supplementary_plan() {
    let p = profile("yeji");
    let actions = |pairs: &[(Fact, i64)]| -> Vec<String> {
        added(&Route::for_path(&p, "approval", &facts(pairs)).expect("path"))
    };
    let late = [(Fact::DeclaredLate, 1)];
    assert_eq!(actions(&late), ["审核逾期申报项目", "批准增列"]);
    let urgent = [(Fact::IsUrgent, 1)];
    assert_eq!(actions(&urgent), ["审核", "批准增列"]);
    // Both: yeji:8's 增列 once, by the urgent rule; the steps' keys stay unique.
    let both = [(Fact::DeclaredLate, 1), (Fact::IsUrgent, 1)];
    assert_eq!(actions(&both), ["审核", "批准增列"]);
    // The outline says why the late rule is left out.
    let stages = outline(&p, "approval", &facts(&both)).expect("outline");
    let late_rule = stages
        .iter()
        .flat_map(|s| &s.rules)
        .find(|r| r.steps.iter().any(|s| s.action == "审核逾期申报项目"))
        .expect("the late rule");
    assert_eq!(late_rule.applies, Some(false));
    assert!(late_rule.condition.contains("但不含"), "{}", late_rule.condition);
}

#[test]
fn two_rules_of_one_stage_and_article_must_exclude_each_other() {
    let twice = format!(
        "{SIXTH}\n[[stages]]\nstage = \"approval\"\ncite = \"sixth:7\"\ntext = \"紧急项目由主管部门批复。\"\nchain = [{{ parties = [\"authority\"], action = \"紧急批复\" }}]\nwhen = [{{ fact = \"is_urgent\", op = \"==\", value = 1 }}]\n"
    );
    let e = load("policies/sixth.toml", &twice).expect_err("both may apply");
    assert!(format!("{e:?}").contains("可能同时适用"), "{e:?}");
    let exclusive = twice.replace(
        "chain = [{ parties = [\"authority\"], action = \"批复\" }]",
        "chain = [{ parties = [\"authority\"], action = \"批复\" }]\nunless = [{ fact = \"is_urgent\", op = \"==\", value = 1 }]",
    );
    load("policies/sixth.toml", &exclusive).expect("one or the other");
}

#[test]
fn every_step_of_every_route_is_named_from_its_key_alone() {
    for id in ["yeji", "gaoping", "lhasa", "linxiang", "xinzhou-transport"] {
        let p = profile(id);
        for path in &p.paths {
            // Facts large enough to take every threshold's branch, and none at all.
            for f in [Facts::default(), facts(&[(Fact::InvestmentYuan, 100_000_000_000)])] {
                let route = Route::from_rules(&p.stages, &path.stages, &f);
                for s in &route.steps {
                    assert_eq!(p.step_action(&s.key), Some(s.action.as_str()), "{id} {}", s.key);
                }
            }
        }
    }
    let p = profile("yeji");
    assert_eq!(p.step_action("declaration/yeji:6/99"), None);
    assert_eq!(p.step_action("nonsense"), None);
    assert_eq!(p.step_action("declaration/none/1"), None);
}

#[test]
fn the_approve_gates_stand_before_the_approval_not_a_late_projects_later_addition() {
    let p = profile("yeji");
    let late = Route::for_path(&p, "approval", &facts(&[(Fact::DeclaredLate, 1)])).expect("path");
    let i = late.approval_index().expect("an approval step");
    assert_eq!(late.steps[i].action, "立项审批", "{late:?}");
    assert!(i + 1 < late.steps.len(), "the 增列 steps come after it");
    let on_time =
        Route::for_path(&p, "approval", &facts(&[(Fact::DeclaredLate, 0)])).expect("path");
    assert_eq!(on_time.approval_index(), Some(on_time.steps.len() - 1));
    assert_eq!(Route::default().approval_index(), None);
}

#[test]
fn the_last_signer_of_a_joint_review_withdraws_only_their_own_signature() {
    let yeji = Route::for_path(&profile("yeji"), "approval", &Facts::new()).expect("yeji");
    let mut run = Run::new(yeji);
    run.pass(1, &["owner_unit"]);
    let began = run.p.since_ms;
    let offices = ["authority", "finance", "development_reform", "crypto_office", "cyberspace"];
    for (n, office) in offices.iter().enumerate() {
        run.pass(10 + n as i64, &[office]);
    }
    assert_eq!(run.at(), "立项审批");
    // 网信办 signed last and sent it on; it takes back its own signature only.
    run.act(14, &["cyberspace"], Verb::Withdraw).expect("withdraw");
    assert_eq!(run.at(), "集中审查论证");
    assert_eq!(run.p.since_ms, began, "the same round: its opinions still belong to it");
    let signed: Vec<bool> = run.p.slots.iter().map(|s| s.signed_by.is_some()).collect();
    assert_eq!(signed, [true, true, true, true, false], "{:?}", run.p.slots);
    // The others hold nothing to sign; 网信办 signs again and the step passes.
    assert!(run.holds_nothing(10, &["authority"]));
    run.pass(14, &["cyberspace"]);
    assert_eq!(run.at(), "立项审批");
}

#[test]
fn a_panel_is_named_before_its_step_and_each_member_signs_in_person() {
    let p = profile("linxiang");
    let f = facts(&[(Fact::InvestmentYuan, 2_000_000), (Fact::IsCrossDepartment, 0)]);
    let mut run = Run::new(Route::from_rules(&p.stages, &path(), &f));
    run.pass(1, &["owner_unit"]);
    run.pass(1, &["owner_unit"]);
    run.pass(2, &["authority"]);
    assert_eq!(run.at(), "从专家库抽取专家、组织专家评审组");
    let a = parties(&["authority"]);
    assert!(
        run.p
            .verbs(&run.route, Actor { user: u(2), parties: &a }, run.now)
            .contains(&VerbKind::Seat)
    );
    // Not before the panel is named.
    let e = run.act(2, &["authority"], Verb::Pass { note: String::new() }).expect_err("no panel");
    assert!(e.to_string().contains("评审专家尚未抽取"), "{e}");
    let seat = |users: &[i64]| Verb::Seat {
        users: users.iter().map(|n| u(*n)).collect(),
        note: String::new(),
    };
    assert!(run.act(2, &["authority"], seat(&[])).is_err(), "nobody");
    assert!(run.act(2, &["authority"], seat(&[10, 10])).is_err(), "twice the same");
    assert_eq!(run.act(3, &["owner_unit"], seat(&[10])), Err(DomainError::NotFound), "not theirs");
    run.act(2, &["authority"], seat(&[10, 11, 12])).expect("named");
    // One who declined is replaced by naming the panel again.
    run.act(2, &["authority"], seat(&[10, 11, 13])).expect("named again");
    // The sender of the draw step cannot take it back once the panel is named.
    assert!(run.act(1, &["owner_unit"], Verb::Withdraw).is_err());
    run.pass(2, &["authority"]);
    assert_eq!(run.at(), "评审");
    // Only the members, each in person; an expert who was not drawn holds nothing.
    assert!(run.holds_nothing(12, &["expert"]), "declined before the step began");
    assert!(run.holds_nothing(99, &["expert"]), "not drawn");
    run.pass(10, &["expert"]);
    assert!(run.holds_nothing(10, &["expert"]), "signed once");
    // A member who declines now hands the place to the next drawn (a transfer).
    let e = run.act(11, &["expert"], Verb::Transfer { to: u(14), note: String::new() });
    assert!(e.expect_err("no transfer").to_string().contains("申请回避"));
    let decline = |to: i64| Verb::Decline {
        replacement: u(to),
        reason: "与建设单位有利害关系".into(),
    };
    assert!(run.act(11, &["expert"], decline(13)).is_err(), "already a member");
    run.act(11, &["expert"], decline(14)).expect("replaced");
    assert!(run.holds_nothing(11, &["expert"]), "gave up the place");
    run.pass(14, &["expert"]);
    assert_eq!(run.at(), "评审", "one member still to sign");
    run.pass(13, &["expert"]);
    assert_eq!(run.at(), "申请立项");
    assert!(run.p.seats.is_empty(), "the panel's work is done");
    run.pass(1, &["owner_unit"]);
    // A return to the draw asks for a panel again.
    let draw = run.route.steps[3].key.clone();
    let back = Verb::Return { to: draw, reason: "请重新组织专家评审".into() };
    run.act(20, &["development_reform"], back).expect("returned");
    assert_eq!(run.at(), "从专家库抽取专家、组织专家评审组");
    let e = run.act(2, &["authority"], Verb::Pass { note: String::new() }).expect_err("no panel");
    assert!(e.to_string().contains("评审专家尚未抽取"), "{e}");
    run.act(2, &["authority"], seat(&[15, 16])).expect("a new panel");
    run.pass(2, &["authority"]);
    assert!(run.holds_nothing(10, &["expert"]), "the earlier panel is gone");
    run.pass(15, &["expert"]);
    // Where no panel follows, nobody is named.
    let e = run.act(16, &["expert"], seat(&[1])).expect_err("no panel next");
    assert!(e.to_string().contains("无需抽取专家"), "{e}");
}

/// Passes every step of the run to its end, each by its parties in turn (a 或签 by its first).
fn walk_to_end(run: &mut Run) {
    let mut user = 100;
    while run.p.status == RunStatus::Active {
        let (current, step) = (run.p.current, run.route.steps[run.p.current].clone());
        for party in &step.parties {
            if run.p.current != current || run.p.status != RunStatus::Active {
                break;
            }
            user += 1;
            run.pass(user, &[party.as_str()]);
        }
    }
}

#[test]
fn a_stage_walked_stays_on_the_route_when_what_it_did_rules_it_out() {
    let p = profile("yeji");
    let path = p.path("approval").expect("path").stages.clone();
    // Already in the year's plan: no 增列, urgent or late, and the outline says so.
    let planned = facts(&[(Fact::InAnnualPlan, 1), (Fact::IsUrgent, 1), (Fact::DeclaredLate, 1)]);
    assert!(added(&Route::walked(&p.stages, &path, &planned, 0, &[])).is_empty());
    let in_plan = facts(&[(Fact::InAnnualPlan, 1)]);
    let stages = outline(&p, "approval", &in_plan).expect("outline");
    let urgent_rule = stages
        .iter()
        .filter(|s| s.stage == Stage::SupplementaryPlan)
        .flat_map(|s| &s.rules)
        .find(|r| r.steps.iter().any(|s| s.action == "审核"))
        .expect("the urgent rule");
    assert_eq!(urgent_rule.applies, Some(false), "not 待认定 once in the plan");
    assert!(urgent_rule.unknown.is_empty(), "whether it is urgent no longer matters");
    // Either of the late rule's exceptions rules it out, and its condition says so.
    let late_rule = stages
        .iter()
        .flat_map(|s| &s.rules)
        .find(|r| r.steps.iter().any(|s| s.action == "审核逾期申报项目"))
        .expect("the late rule");
    assert!(
        late_rule.condition.ends_with("但不含：是否急需项目为“是”，或是否列入年度计划为“是”"),
        "{}",
        late_rule.condition
    );
    // Urgent, walked through 增列 to its end; its 批准增列 puts the project in the plan.
    for (before, rule) in [
        (facts(&[(Fact::InAnnualPlan, 0), (Fact::IsUrgent, 1)]), "审核"),
        (facts(&[(Fact::InAnnualPlan, 0), (Fact::DeclaredLate, 1)]), "审核逾期申报项目"),
    ] {
        let route = Route::walked(&p.stages, &path, &before, 0, &[]);
        assert_eq!(added(&route), [rule, "批准增列"]);
        let mut run = Run::new(route.clone());
        walk_to_end(&mut run);
        assert_eq!(run.p.status, RunStatus::Completed);
        let mut after = before.clone();
        after.insert(Fact::InAnnualPlan, 1);
        assert!(added(&Route::from_rules(&p.stages, &path, &after)).is_empty());
        // The stage walked stays, the rule that was walked (not its namesake), and the
        // history still folds to the end.
        let kept = Route::walked(&p.stages, &path, &after, 0, &run.acts);
        assert_eq!(kept, route, "{rule}");
        let progress = replay(&kept, 0, &run.acts);
        assert_eq!((progress.status, progress.current), (RunStatus::Completed, kept.steps.len()));
        let mut stages = outline(&p, "approval", &after).expect("outline");
        mark_walked(&mut stages, &kept);
        let walked: Vec<&str> = stages
            .iter()
            .flat_map(|s| &s.rules)
            .filter(|r| r.walked)
            .flat_map(|r| r.steps.iter().map(|s| s.action.as_str()))
            .collect();
        assert_eq!(walked, [rule, "批准增列"]);
    }
    // gaoping:11's 前置审查 for a project outside the plan stays once walked, when the project
    // is later taken into a plan.
    let gp = profile("gaoping");
    let gp_path = gp.path("approval").expect("path").stages.clone();
    let outside = facts(&[(Fact::InAnnualPlan, 0)]);
    let route = Route::walked(&gp.stages, &gp_path, &outside, 0, &[]);
    assert!(route.steps.iter().any(|s| s.stage == Stage::PreReview));
    let mut run = Run::new(route.clone());
    walk_to_end(&mut run);
    let planned = facts(&[(Fact::InAnnualPlan, 1)]);
    assert!(
        !Route::from_rules(&gp.stages, &gp_path, &planned)
            .steps
            .iter()
            .any(|s| s.stage == Stage::PreReview)
    );
    assert_eq!(Route::walked(&gp.stages, &gp_path, &planned, 0, &run.acts), route);
    // A rule left out that shares its steps' keys and actions with one on the route, but not
    // their parties (linxiang:13's two ways to draw up the plan), is not marked walked.
    let lx = profile("linxiang");
    let cross = facts(&[(Fact::IsCrossDepartment, 1)]);
    let mut stages = outline(&lx, "approval", &cross).expect("outline");
    mark_walked(&mut stages, &Route::for_path(&lx, "approval", &cross).expect("route"));
    assert!(stages.iter().flat_map(|s| &s.rules).all(|r| !r.walked));
    // A pass the history never reached keeps nothing.
    let stray = Act {
        at_ms: 1,
        user: u(1),
        parties: parties(&["city_government"]),
        step: "supplementary_plan/yeji:8/2".into(),
        verb: Verb::Pass { note: String::new() },
    };
    let after = facts(&[(Fact::InAnnualPlan, 1), (Fact::IsUrgent, 1)]);
    assert_eq!(
        Route::walked(&p.stages, &path, &after, 0, &[stray]),
        Route::from_rules(&p.stages, &path, &after)
    );
}
