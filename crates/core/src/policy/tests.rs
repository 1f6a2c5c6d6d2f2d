use super::*;

#[test]
fn every_builtin_profile_passes_its_check() {
    for (id, text) in BUILTIN {
        let p = load(&format!("policies/{id}.toml"), text).unwrap_or_else(|e| {
            panic!("{id}: {}", e.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("\n"))
        });
        assert_eq!(&p.head.id, id);
        assert!(p.rule_count() >= 40, "{id} has only {} rules", p.rule_count());
        assert!(!p.deadlines.is_empty() && !p.gates.is_empty() && !p.documents.is_empty(), "{id}");
        // Every rule's citation belongs to the profile.
        for d in &p.deadlines {
            assert!(d.cite.starts_with(id), "{id}: {}", d.cite);
        }
    }
    assert_eq!(builtin().len(), 5);
}

#[test]
fn the_texts_own_gaps_are_recorded() {
    let lhasa = builtin().into_iter().find(|p| p.head.id == "lhasa").expect("lhasa");
    for cite in ["lhasa:16", "lhasa:19"] {
        assert!(lhasa.gaps.iter().any(|g| g.cite == cite), "lhasa gap {cite} missing");
    }
    let q = lhasa.quotas.iter().find(|q| q.cite == "lhasa:7").expect("lhasa:7 quota");
    assert_eq!((q.max, q.per), (2, QuotaScope::DepartmentYear));
}

#[test]
fn mistakes_are_reported_with_file_line_and_field() {
    let bad = r#"id = "bad"
name = "错误示例"
jurisdiction = "某市"
issuer = "某市人民政府"
document = "某政发〔2025〕1号"
issued = "2025-01-01"

[[deadlines]]
id = "bad-1"
cite = "bad:1"
text = "合同签订后5个工作日内备案。"
duty = "合同备案"
owed_by = "landlord"
after = "contract_signed"
fulfilled_by = "contract_filed"

[[deadlines]]
id = "bad-2"
cite = "other:2"
text = "no chinese here"
duty = "x"
owed_by = "owner_unit"
after = "contract_signed"
working_days = "five"
fulfilled_by = "contract_filed"

[[gates]]
id = "bad-1"
cite = "bad:3"
text = "未列入计划的不予审批。"
action = "approve"
requires = [{ fact = "in_plan", op = "==", value = 1 }]

[[widgets]]
id = "w"
"#;
    let errors = load("policies/bad.toml", bad).expect_err("must fail");
    let has = |line: usize, field: &str| {
        errors
            .iter()
            .any(|e| e.line == line && e.field.contains(field) && e.file == "policies/bad.toml")
    };
    let all = errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n");
    assert!(has(13, "owed_by"), "unknown party\n{all}");
    assert!(has(8, "timing"), "no timing\n{all}");
    assert!(has(24, "working_days"), "wrong type\n{all}");
    assert!(has(32, "requires"), "unknown fact\n{all}");
    assert!(has(34, "widgets"), "unknown section\n{all}");
    assert!(errors.len() >= 5, "{all}");
}

#[test]
fn thresholds_at_their_boundaries() {
    let t = |op: &str, value: i64| ThresholdRule {
        id: "t".into(),
        cite: "t:1".into(),
        text: "阈值".into(),
        fact: Fact::InvestmentYuan,
        op: serde_json::from_value(serde_json::Value::String(op.into())).expect("op"),
        value,
        effect: String::new(),
        adds_stage: None,
        outside_scope: false,
    };
    let at = |v: i64| Facts::from([(Fact::InvestmentYuan, v)]);
    // linxiang:14: ≥ 2,000,000 → expert panel.
    let ge = t(">=", 2_000_000);
    assert_eq!(ge.met(&at(1_999_999)), Some(false));
    assert_eq!(ge.met(&at(2_000_000)), Some(true));
    assert_eq!(ge.met(&at(2_000_001)), Some(true));
    // yeji:2: under 100,000 is outside the regulation.
    let lt = t("<", 100_000);
    assert_eq!(lt.met(&at(99_999)), Some(true));
    assert_eq!(lt.met(&at(100_000)), Some(false));
    // lhasa:21: ≤ 100,000,000 financial review, above it audit.
    let le = t("<=", 100_000_000);
    assert_eq!(le.met(&at(100_000_000)), Some(true));
    assert_eq!(le.met(&at(100_000_001)), Some(false));
    assert_eq!(le.met(&Facts::new()), None, "unknown facts decide nothing");
}

/// Every deadline, threshold, quota, gate and document rule RULES.md maps is in its
/// profile under the article's citation.
#[test]
fn profiles_cover_the_map_of_the_regulations() {
    let expected: &[(&str, &[&str])] = &[
        (
            "deadlines",
            &[
                "gaoping:15",
                "gaoping:20",
                "gaoping:21",
                "yeji:6",
                "yeji:15",
                "yeji:22",
                "yeji:23",
                "linxiang:10",
                "linxiang-data:21",
                "lhasa:7",
                "lhasa:10",
                "lhasa:11",
                "lhasa:17",
                "lhasa:21",
                "lhasa:22",
                "lhasa:24",
                "lhasa:27",
                "xinzhou-transport:14",
                "xinzhou-transport:21",
            ],
        ),
        (
            "thresholds",
            &["yeji:2", "linxiang:14", "linxiang:26", "lhasa:10", "lhasa:16", "lhasa:21"],
        ),
        ("quotas", &["lhasa:7"]),
        (
            "gates",
            &[
                "gaoping:10",
                "gaoping:11",
                "gaoping:18",
                "gaoping:20",
                "yeji:8",
                "yeji:14",
                "yeji:21",
                "yeji:24",
                "linxiang:7",
                "linxiang:12",
                "linxiang:19",
                "linxiang:22",
                "linxiang-data:11",
                "lhasa:6",
                "lhasa:7",
                "lhasa:13",
                "lhasa:20",
                "lhasa:24",
                "xinzhou-transport:8",
                "xinzhou-transport:19",
                "xinzhou-transport:20",
                "xinzhou-transport:21",
            ],
        ),
        (
            "documents",
            &[
                "gaoping:8",
                "yeji:6",
                "yeji:9",
                "yeji:22",
                "linxiang:10",
                "linxiang:20",
                "linxiang:28",
                "lhasa:10",
                "lhasa:15",
                "xinzhou-transport:7",
                "xinzhou-transport:8",
                "xinzhou-transport:12",
            ],
        ),
        ("gaps", &["lhasa:16", "lhasa:19"]),
    ];
    let profiles = builtin();
    let mut missing = Vec::new();
    for (kind, cites) in expected {
        for cite in *cites {
            let prefix = cite.split(':').next().unwrap_or_default();
            let id = prefix.strip_suffix("-data").unwrap_or(prefix);
            let p = profiles.iter().find(|p| p.head.id == id).expect("profile");
            let found = match *kind {
                "deadlines" => p.deadlines.iter().any(|r| r.cite == *cite),
                "thresholds" => p.thresholds.iter().any(|r| r.cite == *cite),
                "quotas" => p.quotas.iter().any(|r| r.cite == *cite),
                "gates" => p.gates.iter().any(|r| r.cite == *cite),
                "documents" => p.documents.iter().any(|r| r.cite == *cite),
                _ => p.gaps.iter().any(|r| r.cite == *cite),
            };
            if !found {
                missing.push(format!("{kind} {cite}"));
            }
        }
    }
    assert!(missing.is_empty(), "missing from the profiles: {missing:?}");
}

#[test]
fn events_are_recorded_by_the_party_that_causes_them() {
    use crate::org::{PartyKind, Role};
    let yeji = builtin().into_iter().find(|p| p.head.id == "yeji").expect("yeji");
    // What the flow records is recorded by nobody by hand.
    for e in [
        EventKind::MaterialsReceived,
        EventKind::ReviewPassed,
        EventKind::DeclarationSubmitted,
        // An acceptance's steps record these, by the parties their steps name.
        EventKind::PreliminaryAcceptancePassed,
        EventKind::CompletionAcceptancePassed,
        EventKind::AcceptanceFiled,
    ] {
        let r = yeji.recorder(e);
        assert_eq!(r.party, None, "{e:?}");
        assert!(!r.allows(&[Role::Reviewer, Role::Declarant], &[PartyKind::Authority], true));
    }
    // What a submission's step records is recorded by that step alone (yeji:23's
    // self-evaluation is sent through its stage).
    assert_eq!(yeji.recorder(EventKind::SelfEvaluationSubmitted).party, None);
    // A duty's fulfilment is recorded by whoever owes it, citing the article.
    let lhasa = builtin().into_iter().find(|p| p.head.id == "lhasa").expect("lhasa");
    assert_eq!(lhasa.recorder(EventKind::FinalAccountsDone).party, None);
    let progress = lhasa.recorder(EventKind::PurchaseFiled);
    assert_eq!(progress.party, Some(PartyKind::OwnerUnit));
    assert_eq!(progress.cite.as_deref(), Some("lhasa:10"));
    assert!(progress.allows(&[Role::Declarant], &[PartyKind::OwnerUnit], true));
    assert!(!progress.allows(&[Role::Declarant], &[PartyKind::OwnerUnit], false), "another unit");
    assert!(!progress.allows(&[Role::Reviewer], &[PartyKind::Authority], false));
    // The authority's acts are the authority's.
    let passed = yeji.recorder(EventKind::RectificationChecked);
    assert_eq!(passed.party, Some(PartyKind::Authority));
    assert!(passed.allows(&[Role::Reviewer], &[PartyKind::Authority], false));
    assert!(!passed.allows(&[Role::Declarant], &[PartyKind::OwnerUnit], true), "not the clerk");
    let finance = yeji.recorder(EventKind::FinancialReviewDone);
    assert!(finance.allows(&[Role::Viewer], &[PartyKind::Finance], false));
}

/// `Profile::mentions` finds a fact wherever a rule tests it: checked against the whole
/// profile written out, where a `"fact"` field names it exactly when some rule tests it (a
/// condition or a threshold). A new kind of condition `mentions` does not look at fails it.
#[test]
fn a_profile_mentions_exactly_the_facts_its_rules_test() {
    for p in builtin() {
        let written = serde_json::to_string(&p).expect("profile as JSON");
        for fact in Fact::ALL {
            let named = written.contains(&format!("\"fact\":\"{}\"", fact.as_str()));
            assert_eq!(p.mentions(*fact), named, "{} {}", p.head.id, fact.as_str());
        }
    }
    let lhasa = builtin().into_iter().find(|p| p.head.id == "lhasa").expect("lhasa");
    let yeji = builtin().into_iter().find(|p| p.head.id == "yeji").expect("yeji");
    assert!(lhasa.mentions(Fact::RebuildsCommonCapability));
    assert!(!yeji.mentions(Fact::RebuildsCommonCapability));
}
