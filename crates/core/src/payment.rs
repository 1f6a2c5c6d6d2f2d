//! 资金拨付: a payment request of an approved project, run along its profile's `payment`
//! stage — yeji:5 the owner applies, the authority checks and finance pays; gaoping:5, lhasa:4
//! and linxiang:4 finance pays on the owner's application; xinzhou-transport:5 finance checks
//! the filings and the application's evaluation, the party group consents, finance pays. The
//! profile's `pay` gates stand in front of the step that pays (gaoping:20 and
//! xinzhou-transport:21 the filings; linxiang:27 no remaining payment after a failed
//! acceptance; yeji:21 the annual plan; yeji:19 within the approved budget, judged on what has
//! been paid with this request added). Pure: the form, the route, the paying step, the state
//! and the sums of a project's payments.

use crate::error::FieldError;
use crate::money::Yuan;
use crate::policy::{Facts, Profile, Stage};
use crate::workflow::{Progress, Route, RunStatus};

named_enum!(
    /// What a payment is for.
    PaymentKind {
        Advance => "advance", "预付款",
        Progress => "progress", "进度款",
        Acceptance => "acceptance", "验收款",
        Final => "final", "尾款",
        Warranty => "warranty", "质保金",
        Other => "other", "其他",
    }
);

named_enum!(
    /// Where a payment stands, from its run.
    PaymentStatus {
        Applying => "applying", "待报送",
        Returned => "returned", "已退回",
        Reviewing => "reviewing", "审核中",
        Paid => "paid", "已拨付",
        Refused => "refused", "不予拨付",
    }
);

/// A payment request's form, as typed (the page's fields and the API's body alike).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PaymentForm {
    /// 款项类别: a [`PaymentKind`] code.
    pub kind: String,
    /// 申请金额 in 万元.
    pub amount: String,
    /// 收款单位.
    pub payee: String,
    /// 用途及依据: what the money pays for (the contract's instalment, the work done).
    pub purpose: String,
}

/// A payment request, read from its form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PaymentTerms {
    pub kind: PaymentKind,
    pub amount: Yuan,
    pub payee: String,
    pub purpose: String,
}

/// A field's label, for messages and forms.
pub fn label(field: &str) -> &'static str {
    match field {
        "kind" => "款项类别",
        "amount" => "申请金额",
        "payee" => "收款单位",
        "purpose" => "用途及依据",
        _ => "",
    }
}

impl PaymentForm {
    /// The request, or every wrong field named.
    pub fn parse(&self) -> Result<PaymentTerms, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = PaymentKind::parse(self.kind.trim());
        if kind.is_none() {
            let all = PaymentKind::ALL.iter().map(|k| k.label()).collect::<Vec<_>>().join("、");
            errors.push(FieldError::new("kind", format!("请选择款项类别（{all}）")));
        }
        let amount = match Yuan::parse_wan(&self.amount) {
            Ok(a) if a.0 > 0 => a,
            Ok(_) => {
                errors.push(FieldError::new("amount", "申请金额应大于 0"));
                Yuan(0)
            }
            Err(e) => {
                errors.push(FieldError::new("amount", format!("申请金额：{e}")));
                Yuan(0)
            }
        };
        let mut text = |field: &'static str, v: &str, max: usize| {
            crate::error::free_text(v, field, label(field), max, &mut errors)
        };
        let payee = text("payee", &self.payee, 100);
        let purpose = text("purpose", &self.purpose, 2000);
        match kind {
            Some(kind) if errors.is_empty() => Ok(PaymentTerms { kind, amount, payee, purpose }),
            _ => Err(errors),
        }
    }
}

/// The stages a payment runs through.
pub const STAGES: [Stage; 1] = [Stage::Payment];

/// The route of a payment under its profile and the project's facts.
pub fn route(profile: &Profile, facts: &Facts) -> Route {
    Route::from_rules(&profile.stages, &STAGES, facts)
}

/// The step whose pass pays, which the profile's `pay` gates stand in front of: the route's
/// last.
pub fn paying_index(route: &Route) -> Option<usize> {
    route.steps.len().checked_sub(1)
}

/// Where a payment stands by its run.
pub fn status(route: &Route, progress: &Progress, returned: bool) -> PaymentStatus {
    match progress.status {
        RunStatus::Completed => PaymentStatus::Paid,
        RunStatus::Rejected => PaymentStatus::Refused,
        // Returned to its owner; returned to a later step it is still being checked.
        _ if returned && progress.current == 0 => PaymentStatus::Returned,
        _ if progress.current == 0 && route.steps.len() > 1 => PaymentStatus::Applying,
        _ => PaymentStatus::Reviewing,
    }
}

/// What has been paid with `amount` added, over the approved budget, in basis points:
/// (numerator, denominator); `None` without a budget.
fn share(paid: Yuan, amount: Yuan, approved: Yuan) -> Option<(i128, i128)> {
    (approved.0 > 0).then(|| {
        let num = (i128::from(paid.0.max(0)) + i128::from(amount.0.max(0))) * 10_000;
        (num, i128::from(approved.0))
    })
}

/// What has been paid, with `amount` added, as a share of the approved budget in basis points
/// rounded up (`paid_ratio_bp`: 10,000 is the whole budget); `None` without a budget.
pub fn paid_ratio_bp(paid: Yuan, amount: Yuan, approved: Yuan) -> Option<i64> {
    let (num, den) = share(paid, amount, approved)?;
    Some(i64::try_from((num + den - 1) / den).unwrap_or(i64::MAX))
}

/// [`paid_ratio_bp`] rounded to the nearest basis point, as a page says it (the gate judges
/// the rounded-up share, so that a yuan beyond the budget is never 100%).
pub fn paid_ratio_bp_shown(paid: Yuan, amount: Yuan, approved: Yuan) -> Option<i64> {
    let (num, den) = share(paid, amount, approved)?;
    Some(i64::try_from((2 * num + den) / (2 * den)).unwrap_or(i64::MAX))
}

/// A year of a project's money: what its 分年度投资计划 planned for it (if it planned that
/// year) and what was paid in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct YearFunds {
    pub year: i32,
    pub planned: Option<Yuan>,
    pub paid: Yuan,
}

/// A project's money as its declaration and payments leave it: the approved budget and its
/// sources (annex 1's 资金筹措), what has been paid, what is being asked for (requests sent and
/// under review), what remains of the budget after both, and each year's plan against
/// what was paid in it (oldest first).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Funds {
    pub approved: Yuan,
    pub sources: crate::declaration::FundSources,
    pub paid: Yuan,
    pub pending: Yuan,
    /// The budget less what is paid and asked for; negative when they exceed it.
    pub remaining: Yuan,
    /// What was paid and given back as surplus (yeji:19's 结余资金退回, confirmed by finance).
    pub returned: Yuan,
    pub by_year: Vec<YearFunds>,
}

impl Funds {
    /// From the declaration as approved and each payment's (status, amount, year paid).
    pub fn of(
        declaration: &crate::declaration::Declaration,
        payments: &[(PaymentStatus, Yuan, Option<i32>)],
    ) -> Funds {
        let mut f = Funds {
            approved: declaration.investment,
            sources: declaration.sources,
            ..Funds::default()
        };
        let mut years = std::collections::BTreeMap::<i32, (Option<Yuan>, i64)>::new();
        for (year, amount) in &declaration.yearly {
            years.entry(*year).or_default().0 = Some(*amount);
        }
        for (status, amount, year) in payments {
            match status {
                PaymentStatus::Paid => {
                    f.paid.0 = f.paid.0.saturating_add(amount.0);
                    if let Some(y) = year {
                        let e = years.entry(*y).or_default();
                        e.1 = e.1.saturating_add(amount.0);
                    }
                }
                // Sent and being checked; one its owner still holds (not sent, taken back,
                // returned) asks for nothing yet.
                PaymentStatus::Reviewing => f.pending.0 = f.pending.0.saturating_add(amount.0),
                _ => {}
            }
        }
        f.remaining = Yuan(f.approved.0.saturating_sub(f.paid.0).saturating_sub(f.pending.0));
        f.by_year = years
            .into_iter()
            .map(|(year, (planned, paid))| YearFunds { year, planned, paid: Yuan(paid) })
            .collect();
        f
    }

    /// With `returned` of what was paid given back as surplus.
    pub fn with_returned(mut self, returned: Yuan) -> Funds {
        self.returned = returned;
        self
    }

    /// What was paid and kept: paid less the surplus returned.
    pub fn kept(&self) -> Yuan {
        Yuan(self.paid.0.saturating_sub(self.returned.0))
    }

    /// Whether what is paid and asked for goes beyond the approved budget.
    pub fn over_budget(&self) -> bool {
        self.remaining.0 < 0
    }

    /// By how much they go beyond it (0 within it).
    pub fn overrun(&self) -> Yuan {
        Yuan(self.remaining.0.saturating_neg().max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::GatedAction;

    fn profile(id: &str) -> Profile {
        crate::policy::builtin().into_iter().find(|p| p.head.id == id).expect("profile")
    }

    fn actions(r: &Route) -> Vec<(String, Vec<String>)> {
        r.steps.iter().map(|s| (s.action.clone(), s.parties.clone())).collect()
    }

    #[test]
    fn every_profile_pays_through_its_finance_department() {
        for id in ["yeji", "gaoping", "lhasa", "linxiang", "xinzhou-transport"] {
            let r = route(&profile(id), &Facts::new());
            let a = actions(&r);
            assert!(a.len() >= 2, "{id}: {a:?}");
            assert_eq!(a[0].1, ["owner_unit"], "{id}: the owner applies");
            assert_eq!(a.last().map(|s| s.1.clone()), Some(vec!["finance".into()]), "{id}");
            assert_eq!(paying_index(&r), Some(a.len() - 1));
        }
        let x = actions(&route(&profile("xinzhou-transport"), &Facts::new()));
        let parties: Vec<&str> = x.iter().map(|s| s.1[0].as_str()).collect();
        assert_eq!(parties, ["owner_unit", "finance", "party_group", "finance"]);
        assert_eq!(paying_index(&Route::default()), None);
    }

    #[test]
    fn the_profiles_gate_payment_where_their_articles_do() {
        let cites = |id: &str| -> Vec<String> {
            profile(id)
                .gates
                .iter()
                .filter(|g| g.action == GatedAction::Pay)
                .map(|g| g.cite.clone())
                .collect()
        };
        // Each with the measures in force that stop its money (gaoping:22, linxiang:34 …).
        assert_eq!(
            cites("xinzhou-transport"),
            ["xinzhou-transport:21", "xinzhou-transport:21", "xinzhou-transport:24"]
        );
        assert_eq!(cites("gaoping"), ["gaoping:20", "gaoping:22"]);
        assert_eq!(cites("linxiang"), ["linxiang:27", "linxiang:34"]);
        assert_eq!(cites("yeji"), ["yeji:21", "yeji:19", "yeji:26"]);
        assert_eq!(cites("lhasa"), ["lhasa:18"]);
    }

    #[test]
    fn the_state_follows_the_run() {
        let r = route(&profile("yeji"), &Facts::new());
        let mut p = Progress::start(&r, 0);
        assert_eq!(status(&r, &p, false), PaymentStatus::Applying);
        assert_eq!(status(&r, &p, true), PaymentStatus::Returned);
        p.current = 1;
        assert_eq!(status(&r, &p, false), PaymentStatus::Reviewing);
        p.status = RunStatus::Completed;
        assert_eq!(status(&r, &p, false), PaymentStatus::Paid);
        p.status = RunStatus::Rejected;
        assert_eq!(status(&r, &p, false), PaymentStatus::Refused);
    }

    #[test]
    fn the_paid_share_is_rounded_up_and_reaches_the_whole_budget_exactly() {
        let approved = Yuan(1_000_000);
        assert_eq!(paid_ratio_bp(Yuan(600_000), Yuan(400_000), approved), Some(10_000));
        assert_eq!(paid_ratio_bp(Yuan(600_000), Yuan(400_001), approved), Some(10_001));
        assert_eq!(paid_ratio_bp(Yuan(0), Yuan(1), approved), Some(1));
        assert_eq!(paid_ratio_bp(Yuan(0), Yuan(1), Yuan(0)), None);
        // As a page says it: 12.5 of 245 is 5.10%, not the gate's 5.11%.
        assert_eq!(paid_ratio_bp(Yuan(0), Yuan(125_000), Yuan(2_450_000)), Some(511));
        assert_eq!(paid_ratio_bp_shown(Yuan(0), Yuan(125_000), Yuan(2_450_000)), Some(510));
    }

    #[test]
    fn funds_add_up_paid_pending_and_each_years_plan() {
        use PaymentStatus::*;
        let mut d = crate::declaration::valid_form().parse().expect("valid");
        d.investment = Yuan(1_000_000);
        d.yearly = vec![(2025, Yuan(400_000)), (2026, Yuan(600_000))];
        let f = Funds::of(
            &d,
            &[
                (Paid, Yuan(300_000), Some(2026)),
                (Paid, Yuan(100_000), Some(2027)),
                (Paid, Yuan(50_000), Some(2026)),
                (Reviewing, Yuan(200_000), None),
                (Applying, Yuan(700_000), None),
                (Returned, Yuan(800_000), None),
                (Refused, Yuan(900_000), None),
            ],
        );
        assert_eq!(f.paid, Yuan(450_000));
        assert_eq!(f.pending, Yuan(200_000));
        assert_eq!(f.remaining, Yuan(350_000));
        let years: Vec<(i32, Option<Yuan>, Yuan)> =
            f.by_year.iter().map(|y| (y.year, y.planned, y.paid)).collect();
        assert_eq!(
            years,
            [
                (2025, Some(Yuan(400_000)), Yuan(0)),
                (2026, Some(Yuan(600_000)), Yuan(350_000)),
                (2027, None, Yuan(100_000)),
            ]
        );
        assert!(!f.over_budget());
        d.investment = Yuan(10);
        let over = Funds::of(&d, &[(Reviewing, Yuan(11), None)]);
        assert!(over.over_budget());
        assert_eq!(over.overrun(), Yuan(1));
    }

    #[test]
    fn a_form_names_every_wrong_field() {
        let errs = PaymentForm::default().parse().expect_err("empty");
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["kind", "amount", "payee", "purpose"]);
        let f = PaymentForm {
            kind: "progress".into(),
            amount: "0".into(),
            payee: "某某科技有限公司".into(),
            purpose: "第二期进度款".into(),
        };
        assert_eq!(f.parse().expect_err("zero")[0].field, "amount");
        let nul =
            PaymentForm { payee: "某某\u{0}公司".into(), amount: "1".into(), ..f.clone() };
        assert_eq!(nul.parse().expect_err("control")[0].field, "payee");
        let ok = PaymentForm { amount: "120.5".into(), ..f };
        let t = ok.parse().expect("ok");
        assert_eq!((t.kind, t.amount), (PaymentKind::Progress, Yuan(1_205_000)));
    }
}
