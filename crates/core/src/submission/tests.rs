use super::*;
use crate::policy::{Fact, builtin};

fn profile(id: &str) -> Profile {
    builtin().into_iter().find(|p| p.head.id == id).expect(id)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day")
}

#[test]
fn lhasa_21_sends_the_review_by_the_approved_amount() {
    let lhasa = profile("lhasa");
    let at = |yuan: i64| {
        let facts: Facts = [(Fact::ApprovedYuan, yuan)].into_iter().collect();
        route(&lhasa, Stage::FinancialReview, &facts)
    };
    let review = at(100_000_000);
    assert_eq!(review.steps.len(), 2);
    assert_eq!(review.steps[1].parties, ["authority"]);
    assert_eq!(review.steps[1].action, "财评");
    assert_eq!(
        review.steps[0].on_pass,
        [EventKind::FinalAccountsDone, EventKind::FinancialReviewRequested]
    );
    assert_eq!(review.steps[1].on_pass, [EventKind::FinancialReviewDone]);
    let audit = at(100_000_001);
    assert_eq!(audit.steps[1].parties, ["audit_office"]);
    assert_eq!(audit.steps[1].action, "审计");
    // Not known: neither rule holds.
    assert!(route(&lhasa, Stage::FinancialReview, &Facts::new()).steps.is_empty());
}

#[test]
fn every_profile_lays_out_what_it_evaluates() {
    assert_eq!(
        stages_of(&profile("lhasa")),
        [
            Stage::FinancialReview,
            Stage::SelfEvaluation,
            Stage::OmFundApplication,
            Stage::Rectification
        ]
    );
    assert_eq!(
        stages_of(&profile("yeji")),
        [
            Stage::UnimplementedReport,
            Stage::SurplusReturn,
            Stage::SelfEvaluation,
            Stage::PostEvaluation,
            Stage::OmFundApplication,
            Stage::Rectification
        ]
    );
    assert_eq!(
        stages_of(&profile("linxiang")),
        // linxiang:29's yearly report and linxiang:25's termination are linxiang's alone.
        [Stage::PostEvaluation, Stage::OmFundApplication, Stage::OmReport, Stage::Termination]
    );
    let termination = route(&profile("linxiang"), Stage::Termination, &Facts::new());
    assert_eq!(termination.steps[0].on_pass, [EventKind::ProjectTerminated]);
    assert_eq!(termination.steps[1].parties, ["authority"]);
    // What winds a terminated project up goes on; what builds or keeps it does not.
    let goes_on: Vec<Stage> =
        STAGES.iter().copied().filter(|s| kind(*s).is_some_and(|k| k.winds_up)).collect();
    assert_eq!(
        goes_on,
        [
            Stage::UnimplementedReport,
            Stage::SurplusReturn,
            Stage::FinancialReview,
            Stage::SelfEvaluation,
            Stage::PostEvaluation,
            Stage::Termination
        ]
    );
    // Every profile has its O&M fund applications judged by its `om_funds` gates.
    for id in ["yeji", "gaoping", "lhasa", "linxiang", "xinzhou-transport"] {
        let p = profile(id);
        assert!(stages_of(&p).contains(&Stage::OmFundApplication), "{id}");
        assert!(p.gates.iter().any(|g| g.action == GatedAction::OmFunds), "{id}");
    }
    // A one-step self-evaluation is submitted by its pass; lhasa:22's finance then
    // evaluates.
    let yeji = route(&profile("yeji"), Stage::SelfEvaluation, &Facts::new());
    assert_eq!(yeji.steps[0].on_pass, [EventKind::SelfEvaluationSubmitted]);
    let lhasa = route(&profile("lhasa"), Stage::SelfEvaluation, &Facts::new());
    assert_eq!(lhasa.steps[0].on_pass, [EventKind::SelfEvaluationSubmitted]);
    assert_eq!(lhasa.steps[1].on_pass, [EventKind::FinanceEvaluationDone]);
    let om = route(&profile("lhasa"), Stage::OmFundApplication, &Facts::new());
    assert_eq!(om.steps[0].on_pass, [EventKind::OmFundsApplied]);
    // Stages no submission runs have no route here.
    assert!(route(&profile("lhasa"), Stage::Payment, &Facts::new()).steps.is_empty());
}

#[test]
fn a_submission_opens_after_what_its_profile_says() {
    let at = |id: &str, stage: Stage| {
        let p = profile(id);
        opens_after(&p, &route(&p, stage, &Facts::new()))
    };
    let accepted = Some((EventKind::CompletionAcceptancePassed, None));
    assert_eq!(at("lhasa", Stage::OmFundApplication), accepted);
    assert_eq!(at("yeji", Stage::PostEvaluation), accepted);
    assert_eq!(
        at("yeji", Stage::SelfEvaluation),
        Some((EventKind::OperationStarted, Some("yeji:23".into())))
    );
    assert_eq!(
        at("lhasa", Stage::SelfEvaluation),
        Some((EventKind::CompletionAcceptancePassed, Some("lhasa:22".into())))
    );
    // gaoping:21 after the budget year: the calendar's, not an act to wait for.
    assert_eq!(at("gaoping", Stage::SelfEvaluation), None);
}

#[test]
fn the_form_is_read_by_its_kind() {
    let review = kind(Stage::FinancialReview).expect("kind");
    let today = day("2026-06-16");
    let form = |amount: &str, d: &str, text: &str| SubmissionForm {
        amount: amount.into(),
        day: d.into(),
        text: text.into(),
        ..SubmissionForm::default()
    };
    let ok =
        form("118.2", "2026-06-01", "决算已办结").parse(review, today, None, &[], &[]).expect("ok");
    assert_eq!(ok.amount, Some(Yuan(1_182_000)));
    assert_eq!(ok.day, Some(day("2026-06-01")));
    let fields = |r: Result<SubmissionTerms, Vec<FieldError>>| -> Vec<String> {
        r.expect_err("refused").into_iter().map(|e| e.field.to_string()).collect()
    };
    assert_eq!(
        fields(form("", "", "").parse(review, today, None, &[], &[])),
        ["amount", "day", "text"]
    );
    assert_eq!(
        fields(form("0", "2026-06-17", "x").parse(review, today, None, &[], &[])),
        ["amount", "day"]
    );
    let early =
        form("1", "2026-05-31", "x").parse(review, today, Some(day("2026-06-01")), &[], &[]);
    assert_eq!(fields(early), ["day"]);
    assert_eq!(
        fields(form("1", "2026-6-1x", "a\u{0}b").parse(review, today, None, &[], &[])),
        ["day", "text"]
    );
    let long = "字".repeat(TEXT_MAX + 1);
    assert_eq!(
        fields(form("1", "2026-06-01", &long).parse(review, today, None, &[], &[])),
        ["text"]
    );
    // A self-evaluation reads its text alone: an amount typed there is not kept.
    let own = kind(Stage::SelfEvaluation).expect("kind");
    let t = form("abc", "", "运行良好").parse(own, today, None, &[], &[]).expect("ok");
    assert_eq!((t.amount, t.day), (None, None));
    // A rectification order names its rule and a deadline to come.
    let order = kind(Stage::Rectification).expect("kind");
    let rules = ["gaoping-22-rectify".to_string()];
    let f = |rule: &str, due: &str| SubmissionForm {
        rule: rule.into(),
        due: due.into(),
        text: "未经批准擅自调整建设内容".into(),
        ..SubmissionForm::default()
    };
    let t =
        f("gaoping-22-rectify", "2026-07-16").parse(order, today, None, &rules, &[]).expect("ok");
    assert_eq!((t.rule.as_deref(), t.due), (Some("gaoping-22-rectify"), Some(day("2026-07-16"))));
    assert_eq!(
        fields(f("yeji-26-rectify", "2026-06-16").parse(order, today, None, &rules, &[])),
        ["rule", "due"]
    );
    assert_eq!(
        fields(f("gaoping-22-rectify", "2028-07-16").parse(order, today, None, &rules, &[])),
        ["due"]
    );
    assert_eq!(fields(f("gaoping-22-rectify", "").parse(order, today, None, &rules, &[])), ["due"]);
}

#[test]
fn an_evaluation_scores_every_dimension_of_its_rules_and_nothing_else() {
    let profiles = crate::policy::builtin();
    let gaoping = profiles.iter().find(|p| p.head.id == "gaoping").expect("gaoping");
    let dims = dimensions(gaoping, Stage::PostEvaluation, &Facts::new());
    assert_eq!(dims.len(), 7, "gaoping:22's seven: {dims:?}");
    let xinzhou =
        profiles.iter().find(|p| p.head.id == "xinzhou-transport").expect("xinzhou-transport");
    let both = dimensions(xinzhou, Stage::PostEvaluation, &Facts::new());
    assert_eq!(both.len(), 8, "xinzhou-transport:23's three and :26's five: {both:?}");
    assert!(dimensions(gaoping, Stage::SelfEvaluation, &Facts::new()).is_empty());
    let post = kind(Stage::PostEvaluation).expect("kind");
    let today = day("2026-06-16");
    let mut f = SubmissionForm { text: "评价结论".into(), ..SubmissionForm::default() };
    for (i, d) in dims.iter().enumerate() {
        f.scores.insert(d.id.clone(), (80 + i).to_string());
    }
    let t = f.parse(post, today, None, &[], &dims).expect("ok");
    assert_eq!(t.scores.len(), 7);
    // 80 … 86: 83.0.
    assert_eq!(t.mean_shown().as_deref(), Some("83.0"));
    let fields = |f: &SubmissionForm| -> Vec<String> {
        f.parse(post, today, None, &[], &dims)
            .expect_err("refused")
            .into_iter()
            .map(|e| e.message)
            .collect()
    };
    let first = dims.first().expect("a dimension");
    let mut bad = f.clone();
    bad.scores.insert(first.id.clone(), "101".into());
    assert_eq!(fields(&bad), [format!("“{}”的评分须为 0 到 100 的整数", first.name)]);
    bad.scores.insert(first.id.clone(), " ".into());
    assert_eq!(fields(&bad), [format!("请为“{}”评分", first.name)]);
    let mut extra = f.clone();
    extra.scores.insert("bribery".into(), "100".into());
    assert_eq!(fields(&extra), ["本事项没有“bribery”这一评分项"]);
    let mut many = f.clone();
    many.scores.insert("x1".into(), "1".into());
    many.scores.insert("x2".into(), "1".into());
    assert_eq!(fields(&many), ["本事项没有“x1”等 2 项这一评分项"]);
    // Full-width digits are read; a half point is not a score.
    let mut wide = f.clone();
    wide.scores.insert(first.id.clone(), "９５".into());
    assert_eq!(wide.parse(post, today, None, &[], &dims).expect("ok").scores[&first.id], 95);
    wide.scores.insert(first.id.clone(), "95.5".into());
    assert_eq!(fields(&wide).len(), 1);
    // No scores, no mean; one of 0 and one of 1: 0.5.
    let none = SubmissionTerms {
        amount: None,
        day: None,
        due: None,
        rule: None,
        scores: BTreeMap::new(),
        year: None,
        text: String::new(),
    };
    assert_eq!(none.mean_tenths(), None);
    let half = SubmissionTerms {
        scores: [("a".to_string(), 0u8), ("b".to_string(), 1u8)].into_iter().collect(),
        ..none
    };
    assert_eq!(half.mean_shown().as_deref(), Some("0.5"));
}

#[test]
fn a_yearly_report_names_a_year_from_its_acceptance_to_this_one() {
    let report = kind(Stage::OmReport).expect("kind");
    let today = day("2026-06-16");
    let accepted = Some(day("2024-11-30"));
    let f = |y: &str| SubmissionForm {
        year: y.into(),
        text: "运行平稳".into(),
        ..SubmissionForm::default()
    };
    assert_eq!(typed_year("2024年度年"), None, "one suffix, once");
    assert_eq!(typed_year("+2024"), None);
    for (typed, year) in [("2026", 2026), ("2024年度", 2024), ("２０２５年", 2025)] {
        let t = f(typed).parse(report, today, accepted, &[], &[]).expect("ok");
        assert_eq!(t.year, Some(year), "{typed}");
    }
    for (typed, says) in [
        ("", "请填写报告年度"),
        ("2027", "报告年度不能晚于今年"),
        ("2023", "报告年度不能早于通过竣工验收的年度（2024 年）"),
        ("二〇二六", "报告年度应为年份，例如 2026"),
    ] {
        let e = f(typed).parse(report, today, accepted, &[], &[]).expect_err("refused");
        assert_eq!((e[0].field, e[0].message.as_str()), ("year", says), "{typed}");
    }
    // Another kind does not read a year typed to it.
    let own = kind(Stage::SelfEvaluation).expect("kind");
    assert_eq!(f("1999").parse(own, today, accepted, &[], &[]).expect("ok").year, None);
}
