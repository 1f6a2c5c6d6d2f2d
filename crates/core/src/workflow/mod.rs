//! The workflow engine: a run of a route of steps, each acted on by parties, computed from a
//! profile and the run's history. Pure: no storage, no clock (instants are parameters).
//!
//! A [`Route`] is read from a profile: the rules of the stages a path goes through, in the
//! path's order, each rule's `when` deciding whether it applies to this subject (a project's
//! investment choosing linxiang:14's expert panel), each rule's `chain` giving its steps. A
//! step is acted on by one party, by any of several (或签) or by every one of them (会签).
//!
//! A run's state ([`Progress`]) is never stored as such: it is the fold of its [`Act`]s over
//! the route, so history is the truth and work returned is kept, not lost. [`decide`] checks
//! one new act against the state (who may act, with which verb, now) and says what it changes
//! and which events it emits; [`replay`] folds a whole history.
//!
//! The same mechanism runs every later process (contracts, acceptance, payments,
//! data-sharing requests): each is a route of steps with parties.

mod route;
#[cfg(test)]
mod tests;

pub use route::*;

use crate::DomainError;
use crate::ids::UserId;
use crate::policy::{EventKind, SignMode, Stage};
use serde::{Deserialize, Serialize};

/// Who signs at a step: a party (any of its people with the role), or one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Signer {
    Party(String),
    User(UserId),
}

/// What a person does to a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verb", rename_all = "snake_case")]
pub enum Verb {
    /// 通过 (at the first step: 提交).
    Pass { note: String },
    /// 退回 to an earlier step, with a reason.
    Return { to: String, reason: String },
    /// 不予通过: ends the run.
    Reject { reason: String },
    /// 撤回: the sender takes the run back while the next party has not acted.
    Withdraw,
    /// 转办: hands one's task to another person of the same party.
    Transfer { to: UserId, note: String },
    /// 加签: adds a signer before or after oneself at this step.
    AddSigner { signer: Signer, before: bool, note: String },
    /// 催办: reminds whoever holds the step.
    Urge { note: String },
    /// Names the people who sign the next step, a panel's (drawn by the store from the expert
    /// pool; programs cannot name them through the verbs' API): each signs in person. Named
    /// again, it replaces the names (one who declined, replaced).
    Seat { users: Vec<UserId>, note: String },
    /// 回避: a panel's member gives up their place to the next expert of the same draw (the
    /// store names them); only through the panel, like `Seat`.
    Decline { replacement: UserId, reason: String },
}

/// The verbs by name, for lists of what a person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum VerbKind {
    Pass,
    Return,
    Reject,
    Withdraw,
    Transfer,
    AddSigner,
    Urge,
    /// Only through the draw of a panel: not among `ALL`, so no form or body names it.
    Seat,
    Decline,
}

impl VerbKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VerbKind::Pass => "pass",
            VerbKind::Return => "return",
            VerbKind::Reject => "reject",
            VerbKind::Withdraw => "withdraw",
            VerbKind::Transfer => "transfer",
            VerbKind::AddSigner => "add_signer",
            VerbKind::Urge => "urge",
            VerbKind::Seat => "seat",
            VerbKind::Decline => "decline",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            VerbKind::Pass => "通过",
            VerbKind::Return => "退回",
            VerbKind::Reject => "不予通过",
            VerbKind::Withdraw => "撤回",
            VerbKind::Transfer => "转办",
            VerbKind::AddSigner => "加签",
            VerbKind::Urge => "催办",
            VerbKind::Seat => "抽取专家",
            VerbKind::Decline => "回避",
        }
    }
}

impl VerbKind {
    pub const ALL: [VerbKind; 7] = [
        VerbKind::Pass,
        VerbKind::Return,
        VerbKind::Reject,
        VerbKind::Withdraw,
        VerbKind::Transfer,
        VerbKind::AddSigner,
        VerbKind::Urge,
    ];

    pub fn parse(s: &str) -> Option<VerbKind> {
        VerbKind::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl Verb {
    /// A verb from a form or a JSON body: its kind and the fields it takes (`note`; `to` and
    /// `reason` for 退回; `reason` for 不予通过; `to` — a user id — and `note` for 转办;
    /// `signer_party` or `signer_user`, `position` (`before`/`after`) and `note` for 加签).
    pub fn from_fields(
        kind: VerbKind, field: impl Fn(&str) -> String,
    ) -> Result<Verb, DomainError> {
        let user = |name: &'static str, what: &str| {
            let text = field(name);
            text.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .map(UserId)
                .ok_or_else(|| DomainError::invalid(name, format!("请选择{what}")))
        };
        Ok(match kind {
            VerbKind::Pass => Verb::Pass { note: field("note") },
            VerbKind::Return => {
                let to = field("to");
                if to.trim().is_empty() {
                    return Err(DomainError::invalid("to", "请选择要退回到的前面某一步"));
                }
                Verb::Return { to: to.trim().to_string(), reason: field("reason") }
            }
            VerbKind::Reject => Verb::Reject { reason: field("reason") },
            VerbKind::Withdraw => Verb::Withdraw,
            VerbKind::Transfer => {
                Verb::Transfer { to: user("to", "转办给谁")?, note: field("note") }
            }
            VerbKind::AddSigner => {
                let party = field("signer_party");
                let signer = if party.trim().is_empty() {
                    Signer::User(user("signer_user", "加签的单位或人员")?)
                } else {
                    Signer::Party(party.trim().to_string())
                };
                let before = match field("position").trim() {
                    "before" => true,
                    "after" | "" => false,
                    _ => {
                        return Err(DomainError::invalid("position", "请选择在本人之前或之后加签"));
                    }
                };
                Verb::AddSigner { signer, before, note: field("note") }
            }
            VerbKind::Urge => Verb::Urge { note: field("note") },
            VerbKind::Seat | VerbKind::Decline => {
                return Err(DomainError::invalid("verb", "评审专家须从专家库抽取，不能指定"));
            }
        })
    }

    pub fn kind(&self) -> VerbKind {
        match self {
            Verb::Pass { .. } => VerbKind::Pass,
            Verb::Return { .. } => VerbKind::Return,
            Verb::Reject { .. } => VerbKind::Reject,
            Verb::Withdraw => VerbKind::Withdraw,
            Verb::Transfer { .. } => VerbKind::Transfer,
            Verb::AddSigner { .. } => VerbKind::AddSigner,
            Verb::Urge { .. } => VerbKind::Urge,
            Verb::Seat { .. } => VerbKind::Seat,
            Verb::Decline { .. } => VerbKind::Decline,
        }
    }
}

/// One act of a run's history, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Act {
    pub at_ms: i64,
    pub user: UserId,
    /// The parties the person acted as (their unit's, at the time).
    pub parties: Vec<String>,
    /// The step acted on (its key).
    pub step: String,
    pub verb: Verb,
}

/// Who acts: the person and the parties their unit acts as.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user: UserId,
    pub parties: &'a [String],
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Active,
    Completed,
    Rejected,
}

/// One place to sign at the current step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Slot {
    /// Any of these parties (one for 会签 slots)…
    pub parties: Vec<String>,
    /// …or, once transferred or added, this person only.
    pub user: Option<UserId>,
    /// Who signed it, when it is signed.
    pub signed_by: Option<UserId>,
    /// Slots that must be signed first (加签 before).
    pub after: Vec<usize>,
    /// Added by 加签.
    pub added: bool,
}

impl Slot {
    /// Whether `a` may sign it (its person, or one of its parties).
    pub fn held_by(&self, a: Actor<'_>) -> bool {
        match self.user {
            Some(u) => u == a.user,
            None => self.parties.iter().any(|p| a.parties.contains(p)),
        }
    }
}

/// A run's state, folded from its acts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub status: RunStatus,
    /// The current step's index (the route's length once completed).
    pub current: usize,
    /// When the current step began.
    pub since_ms: i64,
    /// Who signs at the current step.
    pub slots: Vec<Slot>,
    /// Who moved the run into the current step, and from which step (for 撤回).
    pub moved_by: Option<(UserId, usize)>,
    /// The step they left, as it stood when it passed: its slots with every signature and
    /// when it began. 撤回 restores it with only the sender's own signature taken back, so a
    /// 会签's other signatures, and the round its opinions belong to, stand.
    pub left: Option<(Vec<Slot>, i64)>,
    /// The last reminder per person at the current step.
    pub urged: Vec<(UserId, i64)>,
    /// 退回 and 不予通过 that recorded 审查未通过 so far (lhasa:11 counts them).
    pub failed_reviews: i64,
    /// The last return's reason, while the step it returned to is open.
    pub returned: Option<String>,
    /// The people named for the next step (a panel's members), once named at this step.
    pub seats: Vec<UserId>,
}

/// What an act changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub progress: Progress,
    /// The events the act causes, for the obligations and the timeline.
    pub events: Vec<EventKind>,
}

/// The least time between two reminders by one person at one step.
pub const URGE_INTERVAL_MS: i64 = 4 * 3600 * 1000;

/// Stages whose steps record a failed review when they return or refuse, unless the profile
/// says otherwise.
impl RouteStep {
    /// Whether its parties judge the subject (a review, an acceptance — not the application
    /// for one, which hands it in), and so may refuse it even where it is the route's first
    /// step.
    pub fn judges(&self) -> bool {
        is_review(self.stage)
            || (matches!(self.stage, Stage::PreliminaryAcceptance | Stage::CompletionAcceptance)
                && !self.on_pass.contains(&EventKind::CompletionAcceptanceApplied))
    }
}

fn is_review(stage: Stage) -> bool {
    matches!(
        stage,
        Stage::PreReview
            | Stage::ExpertReview
            | Stage::JointReview
            | Stage::SecurityReview
            | Stage::CryptoReview
            | Stage::BudgetReview
            | Stage::Approval
    )
}

/// The slots of a step as it begins: a panel's, one per person named for it (`seats`); else
/// one per party for 会签, one for all for 或签.
fn slots_of(step: &RouteStep, seats: &[UserId]) -> Vec<Slot> {
    let slot = |parties: Vec<String>| Slot {
        parties,
        user: None,
        signed_by: None,
        after: vec![],
        added: false,
    };
    if step.panel.is_some() {
        let seat = |u: &UserId| Slot { user: Some(*u), ..slot(step.parties.clone()) };
        return seats.iter().map(seat).collect();
    }
    match step.mode {
        SignMode::All => step.parties.iter().map(|p| slot(vec![p.clone()])).collect(),
        SignMode::Single | SignMode::Any => vec![slot(step.parties.clone())],
    }
}

impl Progress {
    /// A run at its first step.
    pub fn start(route: &Route, at_ms: i64) -> Progress {
        let mut p = Progress {
            status: RunStatus::Active,
            current: 0,
            since_ms: at_ms,
            slots: vec![],
            moved_by: None,
            left: None,
            urged: vec![],
            failed_reviews: 0,
            returned: None,
            seats: vec![],
        };
        p.enter(route, 0, at_ms);
        if route.steps.is_empty() {
            p.status = RunStatus::Completed;
        }
        p
    }

    fn enter(&mut self, route: &Route, i: usize, at_ms: i64) {
        self.current = i;
        self.since_ms = at_ms;
        self.slots = route.steps.get(i).map(|s| slots_of(s, &self.seats)).unwrap_or_default();
        self.urged.clear();
    }

    pub fn step<'r>(&self, route: &'r Route) -> Option<&'r RouteStep> {
        match self.status {
            RunStatus::Active => route.steps.get(self.current),
            _ => None,
        }
    }

    /// The open slots a person may sign now (their turn has come).
    fn open_for(&self, a: Actor<'_>) -> Vec<usize> {
        (0..self.slots.len())
            .filter(|i| {
                let s = &self.slots[*i];
                s.signed_by.is_none()
                    && s.held_by(a)
                    && s.after.iter().all(|d| self.slots[*d].signed_by.is_some())
            })
            .collect()
    }

    /// The parties the run waits on now, each once: those of its places whose turn has come
    /// and that nobody has signed (a 会签's party that has signed is no longer waited on);
    /// none once the run is through.
    pub fn waiting_parties(&self, route: &Route) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if self.step(route).is_none() {
            return out;
        }
        for (_, slot) in self.open_slots() {
            for p in &slot.parties {
                if !out.contains(p) {
                    out.push(p.clone());
                }
            }
        }
        out
    }

    /// The slots whose turn has come and that nobody has signed yet, with their index.
    pub fn open_slots(&self) -> Vec<(usize, &Slot)> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.signed_by.is_none() && s.after.iter().all(|d| self.slots[*d].signed_by.is_some())
            })
            .collect()
    }

    /// The party `a` signs for at the current step now: that of the first open slot they
    /// hold (theirs among its parties; for a slot handed to them by name, their own first).
    pub fn signing_party(&self, a: Actor<'_>) -> Option<String> {
        let slot = &self.slots[*self.open_for(a).first()?];
        slot.parties
            .iter()
            .find(|k| a.parties.contains(k))
            .or_else(|| a.parties.first())
            .or_else(|| slot.parties.first())
            .cloned()
    }

    /// Whether `a` holds a slot of the current step whose turn has come.
    pub fn holds(&self, a: Actor<'_>) -> bool {
        !self.open_for(a).is_empty()
    }

    /// Whether the current step is in the declaration stage (the owner's to edit and send).
    pub fn declaring(&self, route: &Route) -> bool {
        self.step(route).is_some_and(|s| s.stage == Stage::Declaration)
    }

    /// Who may remind the holder of the current step: whoever sent it there, and the party
    /// that started the run (the owner unit of a declaration).
    fn may_urge(&self, route: &Route, a: Actor<'_>) -> bool {
        self.moved_by.is_some_and(|(u, _)| u == a.user)
            || route.steps.first().is_some_and(|s| s.parties.iter().any(|k| a.parties.contains(k)))
    }

    /// Whether anyone has acted at the current step (a signature, a transfer, an addition).
    fn touched(&self, route: &Route) -> bool {
        let fresh =
            route.steps.get(self.current).map(|s| slots_of(s, &self.seats)).unwrap_or_default();
        let seated = route.steps.get(self.current + 1).is_some_and(|s| s.panel.is_some());
        self.slots != fresh || (seated && !self.seats.is_empty())
    }

    /// Whether the step's signing is complete: every slot signed, or for 或签 (one base slot
    /// of several parties) that slot and every added one.
    fn complete(&self) -> bool {
        self.slots.iter().all(|s| s.signed_by.is_some())
    }

    /// The verbs `a` may use now.
    pub fn verbs(&self, route: &Route, a: Actor<'_>, now_ms: i64) -> Vec<VerbKind> {
        if self.status != RunStatus::Active {
            return vec![];
        }
        let mut out = Vec::new();
        if !self.open_for(a).is_empty() {
            match route.steps.get(self.current).is_some_and(|s| s.panel.is_some()) {
                true => out.extend([VerbKind::Pass, VerbKind::Decline]),
                false => out.extend([VerbKind::Pass, VerbKind::Transfer, VerbKind::AddSigner]),
            }
            if route.steps.get(self.current + 1).is_some_and(|s| s.panel.is_some()) {
                out.push(VerbKind::Seat);
            }
            if self.current > 0 {
                out.extend([VerbKind::Return, VerbKind::Reject]);
            } else if self.step(route).is_some_and(RouteStep::judges) {
                out.push(VerbKind::Reject);
            }
        }
        if self.moved_by.is_some_and(|(u, _)| u == a.user) && !self.touched(route) {
            out.push(VerbKind::Withdraw);
        }
        let holds = self.slots.iter().any(|s| s.signed_by.is_none() && s.held_by(a));
        let recently =
            self.urged.iter().any(|(u, t)| *u == a.user && now_ms - t < URGE_INTERVAL_MS);
        if !holds && !recently && self.moved_by.is_some() && self.may_urge(route, a) {
            out.push(VerbKind::Urge);
        }
        out.sort();
        out
    }
}

fn reason(field: &'static str, what: &str, text: &str) -> Result<(), DomainError> {
    let n = text.trim().chars().count();
    if n == 0 {
        return Err(DomainError::invalid(field, format!("请填写{what}")));
    }
    if n > 1000 {
        return Err(DomainError::invalid(field, format!("{what}不能超过 1000 个字")));
    }
    Ok(())
}

/// Checks `verb` by `a` at `now_ms` against the run's state and says what it changes. A
/// person with no task at the current step gets `NotFound` (what they may not act on, they
/// are not told about); a verb the state does not allow, `InvalidState` naming why.
pub fn decide(
    route: &Route, p: &Progress, a: Actor<'_>, verb: &Verb, now_ms: i64,
) -> Result<Outcome, DomainError> {
    let Some(step) = p.step(route) else {
        let why = match p.status {
            RunStatus::Completed => "流程已办结",
            _ => "流程已终止（不予通过）",
        };
        return Err(DomainError::InvalidState { message: format!("{why}，不能再办理") });
    };
    let mut next = p.clone();
    let mut events = Vec::new();
    let open = p.open_for(a);
    let holds = || open.first().copied().ok_or(DomainError::NotFound);
    match verb {
        Verb::Pass { note } => {
            if note.chars().count() > 1000 {
                return Err(DomainError::invalid("note", "意见不能超过 1000 个字"));
            }
            let slot = holds()?;
            next.slots[slot].signed_by = Some(a.user);
            if let Some(s) = route.steps.get(p.current + 1).filter(|s| s.panel.is_some())
                && p.seats.is_empty()
                && next.complete()
            {
                return Err(DomainError::InvalidState {
                    message: format!("下一步“{}”的评审专家尚未抽取，请先抽取专家", s.action),
                });
            }
            if next.complete() {
                let i = p.current;
                let again = p.failed_reviews > 0 || p.returned.is_some();
                events.extend(if again { &step.on_pass_again } else { &step.on_pass });
                next.returned = None;
                next.moved_by = Some((a.user, i));
                next.left = Some((next.slots.clone(), p.since_ms));
                if step.panel.is_some() {
                    // The panel's work is done; a later panel is named anew.
                    next.seats.clear();
                }
                next.enter(route, i + 1, now_ms);
                if next.current >= route.steps.len() {
                    next.status = RunStatus::Completed;
                }
            }
        }
        Verb::Return { to, reason: why } => {
            holds()?;
            reason("reason", "退回理由", why)?;
            let target = route
                .index_of(to)
                .filter(|t| *t < p.current)
                .ok_or_else(|| DomainError::invalid("to", "请选择要退回到的前面某一步"))?;
            next.failed_reviews += step.on_return.contains(&EventKind::ReviewFailed) as i64;
            events.extend(&step.on_return);
            next.returned = Some(why.trim().to_string());
            next.moved_by = None;
            next.left = None;
            // A panel returned past is drawn anew when the step before it is reached again.
            next.seats.clear();
            next.enter(route, target, now_ms);
        }
        Verb::Reject { reason: why } => {
            holds()?;
            // The first step hands the subject in, unless it judges it (an owner's own
            // acceptance: 验收未通过).
            if p.current == 0 && !p.step(route).is_some_and(RouteStep::judges) {
                return Err(DomainError::InvalidState {
                    message: "第一步不能不予通过".into()
                });
            }
            reason("reason", "不予通过的理由", why)?;
            next.failed_reviews += step.on_return.contains(&EventKind::ReviewFailed) as i64;
            events.extend(&step.on_return);
            next.status = RunStatus::Rejected;
            next.slots.clear();
        }
        Verb::Withdraw => {
            let Some((_, from)) = p.moved_by.filter(|(u, _)| *u == a.user) else {
                return Err(DomainError::InvalidState {
                    message: "只有送出本步的人可以撤回".into(),
                });
            };
            if p.touched(route) {
                return Err(DomainError::InvalidState {
                    message: format!("“{}”已经办理，不能撤回", step.action),
                });
            }
            next.moved_by = None;
            next.enter(route, from, now_ms);
            // The step as it stood when it passed, the sender's own signature taken back: the
            // others' signatures and the round (when it began) stand.
            if let Some((mut slots, since)) = next.left.take() {
                for s in slots.iter_mut().filter(|s| s.signed_by == Some(a.user)) {
                    s.signed_by = None;
                }
                next.slots = slots;
                next.since_ms = since;
            }
        }
        Verb::Transfer { .. } | Verb::AddSigner { .. } if step.panel.is_some() => {
            holds()?;
            return Err(DomainError::InvalidState {
                message: "评审专家由抽取产生，不能转办或加签；不能参加的，请申请回避".into(),
            });
        }
        Verb::Transfer { to, note } => {
            let slot = holds()?;
            if *to == a.user {
                return Err(DomainError::invalid("to", "不能转办给自己"));
            }
            if note.chars().count() > 1000 {
                return Err(DomainError::invalid("note", "说明不能超过 1000 个字"));
            }
            // That the person is of the same party is the store's to check (it knows units).
            next.slots[slot].user = Some(*to);
        }
        Verb::AddSigner { signer, before, note } => {
            let slot = holds()?;
            if note.chars().count() > 1000 {
                return Err(DomainError::invalid("note", "说明不能超过 1000 个字"));
            }
            if *signer == Signer::User(a.user) {
                return Err(DomainError::invalid("signer_user", "不能给自己加签"));
            }
            let (parties, user) = match signer {
                Signer::Party(p) => (vec![p.clone()], None),
                Signer::User(u) => (vec![], Some(*u)),
            };
            let added = next.slots.len();
            next.slots.push(Slot {
                parties,
                user,
                signed_by: None,
                after: if *before { vec![] } else { vec![slot] },
                added: true,
            });
            if *before {
                next.slots[slot].after.push(added);
            }
        }
        Verb::Urge { note } => {
            if note.chars().count() > 500 {
                return Err(DomainError::invalid("note", "催办说明不能超过 500 个字"));
            }
            if p.slots.iter().any(|s| s.signed_by.is_none() && s.held_by(a)) {
                return Err(DomainError::InvalidState {
                    message: "本步由您办理，无需催办".into()
                });
            }
            if !p.may_urge(route, a) {
                return Err(DomainError::Forbidden("只有送出本步的人或发起单位可以催办".into()));
            }
            let last = p.urged.iter().find(|(u, _)| *u == a.user).map(|(_, t)| *t);
            if last.is_some_and(|t| now_ms - t < URGE_INTERVAL_MS) {
                let hours = URGE_INTERVAL_MS / 3_600_000;
                return Err(DomainError::InvalidState {
                    message: format!("{hours} 小时内已催办过本步，请稍后再催"),
                });
            }
            next.urged.retain(|(u, _)| *u != a.user);
            next.urged.push((a.user, now_ms));
        }
        Verb::Seat { users, note } => {
            holds()?;
            let Some(s) = route.steps.get(p.current + 1).filter(|s| s.panel.is_some()) else {
                return Err(DomainError::InvalidState {
                    message: "下一步不由专家组办理，无需抽取专家".into(),
                });
            };
            if note.chars().count() > 1000 {
                return Err(DomainError::invalid("note", "说明不能超过 1000 个字"));
            }
            let mut seen = users.clone();
            seen.sort();
            seen.dedup();
            if users.is_empty() || seen.len() != users.len() {
                return Err(DomainError::invalid(
                    "users",
                    format!("“{}”须由不重复的专家办理", s.action),
                ));
            }
            next.seats = users.clone();
        }
        Verb::Decline { replacement, reason: why } => {
            let slot = holds()?;
            if step.panel.is_none() {
                return Err(DomainError::InvalidState {
                    message: "本步不由专家组办理，不能申请回避".into(),
                });
            }
            reason("reason", "回避理由", why)?;
            if p.slots.iter().any(|s| s.user == Some(*replacement)) || *replacement == a.user {
                return Err(DomainError::invalid("replacement", "替补专家已在专家组中"));
            }
            next.slots[slot].user = Some(*replacement);
        }
    }
    Ok(Outcome { progress: next, events })
}

/// The events a stage's completion records where the profile does not say: on the first pass
/// and on a pass after a return or a failed review.
fn stage_passed(stage: Stage) -> (Vec<EventKind>, Vec<EventKind>) {
    use EventKind::*;
    let same = |e: Vec<EventKind>| (e.clone(), e);
    match stage {
        // A first submission is also the receipt of the materials.
        Stage::Declaration => {
            (vec![DeclarationSubmitted, MaterialsReceived], vec![RevisionSubmitted])
        }
        Stage::Approval => same(vec![Approved]),
        Stage::AnnualPlan | Stage::SupplementaryPlan => same(vec![PlanApproved]),
        Stage::ContractFiling => same(vec![ContractFiled]),
        Stage::SupervisorFiling => same(vec![SupervisorFiled]),
        Stage::ProgressReport => same(vec![ProgressReported]),
        Stage::PreliminaryAcceptance => same(vec![PreliminaryAcceptancePassed]),
        Stage::CompletionAcceptance => same(vec![CompletionAcceptancePassed]),
        Stage::AcceptanceFiling => same(vec![AcceptanceFiled]),
        Stage::FinancialReview => same(vec![FinancialReviewDone]),
        Stage::SelfEvaluation => same(vec![SelfEvaluationSubmitted]),
        Stage::PostEvaluation => same(vec![PostEvaluationDone]),
        s if is_review(s) => same(vec![ReviewPassed]),
        _ => same(vec![]),
    }
}

/// Folds a history over a route from its start. Acts were checked when they were made; an act
/// whose step the route no longer has (the facts changed the path) or that no longer applies
/// is passed over, so a history always folds.
pub fn replay(route: &Route, started_ms: i64, acts: &[Act]) -> Progress {
    let mut p = Progress::start(route, started_ms);
    for act in acts {
        if p.status != RunStatus::Active || route.index_of(&act.step) != Some(p.current) {
            continue;
        }
        let a = Actor { user: act.user, parties: &act.parties };
        if let Ok(o) = decide(route, &p, a, &act.verb, act.at_ms) {
            p = o.progress;
        }
    }
    p
}

/// For each step of the route, the index in `acts` from which its latest visit's acts run:
/// the act that last moved the run into it (acts at the step before it belong to visits a
/// return or a withdrawal ended). A 撤回 that restores a step resumes the visit it left, so it
/// does not begin one. A step never entered has `acts.len()`.
pub fn visit_starts(route: &Route, acts: &[Act]) -> Vec<usize> {
    let mut starts = vec![acts.len(); route.steps.len()];
    if let Some(first) = starts.first_mut() {
        *first = 0;
    }
    let mut p = Progress::start(route, 0);
    for (i, act) in acts.iter().enumerate() {
        if p.status != RunStatus::Active || route.index_of(&act.step) != Some(p.current) {
            continue;
        }
        let a = Actor { user: act.user, parties: &act.parties };
        if let Ok(o) = decide(route, &p, a, &act.verb, act.at_ms) {
            let moved = o.progress.current != p.current;
            if moved
                && !matches!(act.verb, Verb::Withdraw)
                && let Some(s) = starts.get_mut(o.progress.current)
            {
                *s = i;
            }
            p = o.progress;
        }
    }
    starts
}
