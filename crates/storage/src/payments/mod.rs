//! 资金拨付 as the store keeps it: the payment requests of a project, numbered, each with its
//! kind, amount, payee and purpose, and the run of each along its profile's `payment` stage
//! (`govit_core::payment::route`, under the facts kept with it), folded from `payment_acts` by
//! the subject mechanism. The profile's `pay` gates stand in front of the step that pays,
//! judged with the share of the budget paid once this request is added (`paid_ratio_bp`).
//! See `steps`.

mod steps;

pub use steps::{EditPayment, StartPayment, not_editable};

use crate::base::change::Record;
use crate::projects::run::Acts;
use crate::projects::run::subject::{Subject, SubjectAct, SubjectView, facts_from_json};
use crate::{Result, Store};
use govit_core::ids::{JurisdictionId, ProjectId};
use govit_core::money::Yuan;
use govit_core::payment::{self, Funds, PaymentKind, PaymentStatus, PaymentTerms};
use govit_core::policy::{Fact, Facts, GatedAction};
use govit_core::project::ProjectAction;
use govit_core::workflow::{Progress, Route, VerbKind};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

/// A payment request, as read.
#[derive(Debug, Clone, Serialize)]
pub struct Payment {
    pub id: i64,
    pub project_id: ProjectId,
    pub project_name: String,
    /// The project's approved budget and its owner unit.
    pub approved: Yuan,
    pub owner_name: String,
    pub jurisdiction_id: JurisdictionId,
    pub profile_id: String,
    /// The project's first, second … request.
    pub seq: i64,
    pub terms: PaymentTerms,
    /// What the project's other requests have had paid.
    pub paid_before: Yuan,
    /// The facts its route was laid out under.
    #[serde(skip)]
    pub facts: Facts,
    pub status: PaymentStatus,
    /// When its last act was taken (for a paid request: when it was paid).
    pub last_act_ms: Option<i64>,
    pub created_by: String,
    pub created_at_ms: i64,
    /// When its run's current step began — its sending, or the act that brought it there (for
    /// a finished run, when it finished): how long it has waited.
    pub waiting_since_ms: i64,
    pub version: i64,
}

impl Payment {
    /// 第 2 笔资金拨付申请: one name in lists, pages, the timeline and the signed decisions.
    pub fn name(&self) -> String {
        format!("第 {} 笔资金拨付申请", self.seq)
    }

    /// Whether its run is over (paid or refused).
    pub fn through(&self) -> bool {
        matches!(self.status, PaymentStatus::Paid | PaymentStatus::Refused)
    }

    /// The share of the budget paid once this request is paid too (basis points).
    pub fn ratio_bp(&self) -> Option<i64> {
        payment::paid_ratio_bp(self.paid_before, self.terms.amount, self.approved)
    }

    /// The year it was paid in (Beijing time), if it was.
    pub fn paid_year(&self) -> Option<i32> {
        use chrono::Datelike;
        (self.status == PaymentStatus::Paid)
            .then_some(self.last_act_ms)
            .flatten()
            .map(|ms| crate::base::china_today(ms).year())
    }
}

/// The verbs a payment's run offers: passed (报送, 审核, 同意, 拨付), returned for correction,
/// taken back by the sender, or refused (不予拨付: it ends).
pub const PAYMENT_VERBS: [VerbKind; 4] =
    [VerbKind::Pass, VerbKind::Return, VerbKind::Withdraw, VerbKind::Reject];

/// A payment as its run leaves it, with the reader's verbs.
pub type PaymentView = SubjectView<Payment>;

/// One act on a payment.
pub type PaymentAct = SubjectAct<Payment>;

const SELECT: &str = "SELECT s.*, p.name AS project_name, p.profile_id, p.investment_yuan, \
    d.name AS owner_name, u.name AS created_by_name, \
    (SELECT CAST(COALESCE(SUM(o.amount_yuan), 0) AS BIGINT) FROM project_payments o \
     WHERE o.project_id = s.project_id AND o.state = 'paid' AND o.id <> s.id) AS paid_before, \
    (SELECT MAX(a.at_ms) FROM payment_acts a WHERE a.payment_id = s.id) AS last_act_ms \
    FROM project_payments s \
    JOIN projects p ON p.id = s.project_id JOIN departments d ON d.id = p.owner_department_id \
    JOIN users u ON u.id = s.created_by";
const FROM: &str = "FROM project_payments s JOIN projects p ON p.id = s.project_id \
    JOIN departments d ON d.id = p.owner_department_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Payment> {
    let state: String = r.try_get("state")?;
    let kind: String = r.try_get("kind")?;
    Ok(Payment {
        id: r.try_get("id")?,
        project_id: ProjectId(r.try_get("project_id")?),
        project_name: r.try_get("project_name")?,
        approved: Yuan(r.try_get("investment_yuan")?),
        owner_name: r.try_get("owner_name")?,
        jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
        profile_id: r.try_get("profile_id")?,
        seq: r.try_get("seq")?,
        terms: PaymentTerms {
            kind: PaymentKind::parse(&kind).unwrap_or(PaymentKind::Other),
            amount: Yuan(r.try_get("amount_yuan")?),
            payee: r.try_get("payee")?,
            purpose: r.try_get("purpose")?,
        },
        paid_before: Yuan(r.try_get("paid_before")?),
        facts: facts_from_json(&r.try_get::<String, _>("facts")?),
        status: PaymentStatus::parse(&state).unwrap_or(PaymentStatus::Reviewing),
        last_act_ms: r.try_get("last_act_ms")?,
        created_by: r.try_get("created_by_name")?,
        created_at_ms: r.try_get("created_at_ms")?,
        waiting_since_ms: match r.try_get::<Option<i64>, _>("waiting_since_ms")? {
            Some(ms) => ms,
            None => r.try_get("created_at_ms")?,
        },
        version: r.try_get("version")?,
    })
}

crate::projects::run::subject::subject_record!(
    Payment,
    "payment",
    "project_payments",
    |s| json!({"project_id": s.project_id, "seq": s.seq, "terms": s.terms,
               "status": s.status, "version": s.version})
);

/// The route of a payment under its profile, from the facts it was requested with.
pub(crate) fn route_of(store: &Store, profile: &str, facts: &Facts) -> Route {
    let rules = store.rules();
    rules.profile(profile).map(|p| payment::route(p, facts)).unwrap_or_default()
}

impl Subject for Payment {
    const ACTS: Acts = Acts::Payment;
    const ROWS: &'static str = "project_payments";
    const SELECT: &'static str = SELECT;
    const FROM: &'static str = FROM;
    const KEYWORDS: &'static [&'static str] = &["p.name", "d.name", "s.payee"];
    const VERBS: &'static [VerbKind] = &PAYMENT_VERBS;
    const OPEN: &'static [&'static str] = &["applying", "returned", "reviewing"];
    const ACTION: ProjectAction = ProjectAction::Payment;
    const NO_ROUTE: &'static str = "本辖区的规定没有资金拨付的办理程序";

    fn from_row(r: &sqlx::any::AnyRow) -> Result<Self> {
        from_row(r)
    }
    fn project(&self) -> ProjectId {
        self.project_id
    }
    fn profile(&self) -> &str {
        &self.profile_id
    }
    fn started_ms(&self) -> i64 {
        self.created_at_ms
    }
    fn waiting_since_ms(&self) -> i64 {
        self.waiting_since_ms
    }
    fn route(&self, store: &Store) -> Route {
        route_of(store, &self.profile_id, &self.facts)
    }
    fn named(&self) -> String {
        self.name()
    }
    fn naming(&self) -> (&'static str, &'static str) {
        ("本笔拨付申请", "本笔拨付申请已办结")
    }
    fn state(route: &Route, progress: &Progress, returned: bool) -> &'static str {
        payment::status(route, progress, returned).as_str()
    }
    fn gated(route: &Route, index: usize) -> Option<GatedAction> {
        (payment::paying_index(route) == Some(index)).then_some(GatedAction::Pay)
    }
    fn gate_facts(&self, facts: &mut Facts) {
        if let Some(bp) = self.ratio_bp() {
            facts.insert(Fact::PaidRatioBp, bp);
        }
    }
}

impl Store {
    /// A project's money as its payments leave it (approved, paid, asked for, remaining, paid
    /// by year), for a project the caller has read.
    pub async fn funds_of(&self, project: &crate::projects::Project) -> Result<Funds> {
        let payments = self.subjects_of::<Payment>(project.id).await?;
        let rows: Vec<(PaymentStatus, Yuan, Option<i32>)> =
            payments.iter().map(|p| (p.status, p.terms.amount, p.paid_year())).collect();
        Ok(Funds::of(&project.declaration, &rows))
    }

    /// The gates of the profile in front of a payment's paying step, judged as they would be
    /// if it were paid now (`now_ms`), for its page.
    pub async fn payment_gates(
        &self, p: &crate::projects::Project, payment: &Payment, now_ms: i64,
    ) -> Result<Vec<govit_core::obligation::GateCheck>> {
        let mut conn = self.pool.acquire().await?;
        let facts =
            crate::projects::run::subject::gate_facts(self, &mut conn, p, payment, now_ms).await?;
        self.gate_checks(&mut conn, p, GatedAction::Pay, Some(&facts)).await
    }
}
