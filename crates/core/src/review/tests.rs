use super::*;
use crate::policy::{Profile, builtin};

fn profile(id: &str) -> Profile {
    builtin().into_iter().find(|p| p.head.id == id).expect("profile")
}

fn input(conclusion: &str, values: &[(&str, &str)]) -> OpinionInput {
    OpinionInput {
        conclusion: conclusion.into(),
        values: values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Default::default()
    }
}

fn messages(e: Vec<FieldError>) -> Vec<String> {
    e.into_iter().map(|e| format!("{}: {}", e.field, e.message)).collect()
}

#[test]
fn each_office_of_the_joint_review_answers_its_own_dimension_only() {
    let p = profile("yeji");
    let form = p.review("yeji-7-joint").expect("yeji:7's form");
    let finance: Vec<&str> = form.dimensions_for("finance").map(|d| d.name.as_str()).collect();
    assert_eq!(finance, ["概算合理性"]);
    let ok =
        read_opinion(form, "finance", &input("agree", &[("estimate", " 88 ")])).expect("valid");
    assert_eq!(ok.values["estimate"], "88");
    // Another office's dimension is refused, naming it; its own is still asked for.
    let e = messages(
        read_opinion(form, "finance", &input("agree", &[("crypto", "90")])).expect_err("refused"),
    );
    assert!(e.iter().any(|m| m.contains("“密码应用安全性”不由本单位评价")), "{e:?}");
    assert!(e.iter().any(|m| m.contains("“概算合理性”未填写")), "{e:?}");
    // Every step's linked form exists, and its offices sign there.
    let link = &p.stages.iter().find(|s| s.cite == "yeji:7").expect("yeji:7").chain[0];
    assert_eq!(link.review.as_deref(), Some("yeji-7-joint"));
}

#[test]
fn scores_percentages_choices_and_texts_are_held_to_their_bounds() {
    let p = profile("lhasa");
    let form = p.review("lhasa-4-security").expect("lhasa:4's form");
    let good =
        [("feasibility", "基本可行"), ("security_share", "12.50%"), ("risks", "数据出境风险")];
    let a = read_opinion(form, "cyberspace", &input("agree", &good)).expect("valid");
    assert_eq!(a.values["security_share"], "12.5", "one written form");
    for (bad, why) in [
        ("100.01", "须为 0 到 100 之间的百分数"),
        ("-1", "须为 0 到 100 之间的百分数"),
        ("12.345", "最多两位小数"),
        ("1e2", "须为 0 到 100 之间的百分数"),
    ] {
        let v = [("feasibility", "可行"), ("security_share", bad), ("risks", "无")];
        let e = messages(read_opinion(form, "cyberspace", &input("agree", &v)).expect_err(bad));
        assert!(
            e.iter().any(|m| m.contains("网络和数据安全投入比例") && m.contains(why)),
            "{bad}: {e:?}"
        );
    }
    // 不可行 with anything but 不同意 contradicts itself.
    let v = [("feasibility", "不可行"), ("security_share", "5"), ("risks", "无")];
    let e =
        messages(read_opinion(form, "cyberspace", &input("agree", &v)).expect_err("contradiction"));
    assert!(
        e.iter().any(|m| m.contains("“项目可行性”为“不可行”时，评审结论只能是“不同意”")),
        "{e:?}"
    );
    let mut i = input("disagree", &v);
    i.note = "安全投入不足".into();
    assert!(read_opinion(form, "cyberspace", &i).is_ok());
    let v = [("feasibility", "大概可行"), ("security_share", "0"), ("risks", "无")];
    let e = messages(read_opinion(form, "cyberspace", &input("agree", &v)).expect_err("choice"));
    assert!(e.iter().any(|m| m.contains("须为以下之一：可行、基本可行、不可行")), "{e:?}");
    let long = "险".repeat(MAX_TEXT_CHARS + 1);
    let v = [("feasibility", "可行"), ("security_share", "0"), ("risks", long.as_str())];
    assert!(read_opinion(form, "cyberspace", &input("agree", &v)).is_err());
    let g = profile("gaoping");
    let form = g.review("gaoping-11-review").expect("gaoping:11");
    for bad in ["101", "-5", "85.5", "八十"] {
        let v = [
            ("need", bad),
            ("intensive", "80"),
            ("feasibility", "80"),
            ("budget", "80"),
            ("performance", "80"),
        ];
        let e = messages(read_opinion(form, "authority", &input("agree", &v)).expect_err(bad));
        assert!(
            e.iter().any(|m| m.contains("“信息化需求合理性”须为 0 到 100 的整数分")),
            "{bad}: {e:?}"
        );
    }
}

#[test]
fn a_conclusion_is_needed_and_conditions_come_with_a_conditional_one() {
    let p = profile("linxiang");
    let form = p.review("linxiang-14-expert").expect("linxiang:14");
    let e = messages(read_opinion(form, "expert", &input("", &[])).expect_err("no conclusion"));
    assert!(e.iter().any(|m| m.starts_with("conclusion: 请选择评审结论")), "{e:?}");
    let e = messages(
        read_opinion(form, "expert", &input("conditional", &[])).expect_err("no conditions"),
    );
    assert!(e.iter().any(|m| m.starts_with("conditions: ")), "{e:?}");
    let mut i = input("conditional", &[]);
    i.conditions = "补充等保测评方案".into();
    assert_eq!(
        read_opinion(form, "expert", &i).expect("valid").conclusion,
        Conclusion::Conditional
    );
}

#[test]
fn a_pass_needs_the_passers_own_opinion_and_not_a_disagreement() {
    let p = profile("yeji");
    let form = p.review("yeji-7-joint").expect("form");
    let (cite, text) = pass_refusal(form, None).expect("refused without an opinion");
    assert_eq!(cite, "yeji:7");
    assert!(text.contains("通过前须先填写集中审查论证意见"), "{text}");
    let mut i = input("disagree", &[("estimate", "40")]);
    i.note = "概算依据不足".into();
    let mut o = read_opinion(form, "finance", &i).expect("valid").opinion("finance", 7, 1);
    assert!(pass_refusal(form, Some(&o)).expect("refused").1.contains("不同意"));
    o.conclusion = Conclusion::Conditional;
    // A 不同意 says why.
    let e = read_opinion(form, "finance", &input("disagree", &[("estimate", "40")]))
        .expect_err("no reason");
    assert!(messages(e).iter().any(|m| m.starts_with("note: 结论为“不同意”时")));
    assert_eq!(pass_refusal(form, Some(&o)), None);
}

fn opinion(party: &str, c: Conclusion, values: &[(&str, &str)]) -> Opinion {
    Opinion {
        party: party.into(),
        user: 1,
        at_ms: 0,
        conclusion: c,
        conditions: if c == Conclusion::Conditional {
            format!("{party}的条件")
        } else {
            String::new()
        },
        note: String::new(),
        values: values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    }
}

#[test]
fn the_summary_is_derived_from_the_opinions() {
    let g = profile("gaoping");
    let form = g.review("gaoping-11-review").expect("form");
    fn all(n: &str) -> [(&str, &str); 5] {
        [("need", n), ("intensive", n), ("feasibility", n), ("budget", n), ("performance", n)]
    }
    let ops = [
        opinion("expert", Conclusion::Agree, &all("90")),
        opinion("expert", Conclusion::Conditional, &all("65")),
        opinion("expert", Conclusion::Agree, &all("81")),
    ];
    let s = summarize(form, &ops, &["authority".into()]);
    assert_eq!(s.opinions, 3);
    assert!(!s.unanimous);
    assert_eq!(s.conclusions[0], (Conclusion::Agree, 2));
    assert_eq!(s.conclusions[1], (Conclusion::Conditional, 1));
    let need = &s.dimensions[0];
    assert_eq!(need.mean.as_deref(), Some("78.7"));
    assert_eq!((need.low.as_deref(), need.high.as_deref()), (Some("65"), Some("90")));
    assert!(need.divergent, "25 points apart");
    assert_eq!(s.conditions, vec![("expert".to_string(), "expert的条件".to_string())]);
    assert_eq!(s.missing, vec!["authority".to_string()]);

    // A panel's members each owe their own opinion: one expert's does not cover another's.
    let mut by_five = ops[0].clone();
    by_five.user = 5;
    let seats = ["user:5".to_string(), "user:6".to_string()];
    assert_eq!(summarize(form, &[by_five], &seats).missing, vec!["user:6".to_string()]);

    let l = profile("lhasa");
    let form = l.review("lhasa-4-security").expect("form");
    let ops = [
        opinion(
            "cyberspace",
            Conclusion::Agree,
            &[("feasibility", "可行"), ("security_share", "10")],
        ),
        opinion(
            "cyberspace",
            Conclusion::Agree,
            &[("feasibility", "可行"), ("security_share", "12.5")],
        ),
    ];
    let s = summarize(form, &ops, &["cyberspace".into()]);
    assert!(s.unanimous && s.missing.is_empty());
    assert!(!summarize(form, &ops[..1], &[]).unanimous, "one opinion agrees with nobody");
    assert!(!summarize(form, &[], &[]).unanimous);
    let share = &s.dimensions[1];
    assert_eq!(share.mean.as_deref(), Some("11.25"));
    assert!(!share.divergent);
    assert_eq!(s.dimensions[0].choices[0], ("可行".to_string(), 2));
}

#[test]
fn an_opinions_digest_changes_with_any_answer() {
    let a = opinion("finance", Conclusion::Agree, &[("estimate", "88")]);
    let mut b = a.clone();
    assert_eq!(a.digest(), b.digest());
    b.values.insert("estimate".into(), "89".into());
    assert_ne!(a.digest(), b.digest());
}

#[test]
fn a_profiles_review_forms_are_checked() {
    let base = crate::policy::BUILTIN.iter().find(|(id, _)| *id == "yeji").expect("yeji").1;
    let missing = base.replace("review = \"yeji-7-joint\"", "review = \"nowhere\"");
    let e = crate::policy::load("policies/yeji.toml", &missing).expect_err("unknown form");
    assert!(e.iter().any(|e| e.message.contains("找不到评审表 nowhere")), "{e:?}");
    let stranger = base.replace("by = \"crypto_office\"", "by = \"audit_office\"");
    let e = crate::policy::load("policies/yeji.toml", &stranger).expect_err("a party not signing");
    assert!(e.iter().any(|e| e.message.contains("该环节没有这一参与方")), "{e:?}");
    let one = base.replace(
        "{ id = \"crypto\", name = \"密码应用安全性\", kind = \"score\", by = \"crypto_office\" }",
        "{ id = \"crypto\", name = \"密码应用安全性\", kind = \"choice\", options = [\"是\"], by = \"crypto_office\" }",
    );
    let e = crate::policy::load("policies/yeji.toml", &one).expect_err("one option");
    assert!(e.iter().any(|e| e.message.contains("至少两个选项")), "{e:?}");
}

#[test]
fn a_score_is_a_whole_number_from_0_to_100_typed_either_way() {
    for (typed, read) in
        [("0", Some(0)), ("100", Some(100)), (" ８５ ", Some(85)), ("85", Some(85))]
    {
        assert_eq!(crate::review::score(typed), read, "{typed}");
    }
    for typed in ["101", "-1", "85.5", "", "八十五", "256", "1e2"] {
        assert_eq!(crate::review::score(typed), None, "{typed}");
    }
}
