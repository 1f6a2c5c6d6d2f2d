//! Obligations: from a project's events, its profile and the calendar, what is owed, by
//! whom, due when, under which article — and whether it is pending, due soon, overdue,
//! fulfilled or waived. Pure functions of their inputs; `today` is a parameter.

use crate::calendar::{Calendar, Dated, add_days, add_months, nth_weekday_of_month};
use crate::policy::{
    DeadlineRule, EventKind, Fact, Facts, GatedAction, Period, Profile, QuotaRule, Timing, all_hold,
};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// Something that happened to a project, on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Event {
    pub kind: EventKind,
    pub date: NaiveDate,
}

/// An obligation released with a reason; matched by the obligation's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiver {
    pub key: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    DueSoon,
    Overdue,
    Fulfilled,
    Waived,
    /// The project was terminated (项目终止) before the duty was due: it is owed no more.
    Ended,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::DueSoon => "due_soon",
            Status::Overdue => "overdue",
            Status::Fulfilled => "fulfilled",
            Status::Waived => "waived",
            Status::Ended => "ended",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Pending => "待办",
            Status::DueSoon => "即将到期",
            Status::Overdue => "已逾期",
            Status::Fulfilled => "已完成",
            Status::Waived => "已豁免",
            Status::Ended => "项目已终止",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Pending,
            Status::DueSoon,
            Status::Overdue,
            Status::Fulfilled,
            Status::Waived,
            Status::Ended,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
    pub fn is_open(self) -> bool {
        matches!(self, Status::Pending | Status::DueSoon | Status::Overdue)
    }
}

/// Within this many working days of its due date an obligation is "due soon".
pub const DUE_SOON_WORKING_DAYS: u32 = 3;

/// One duty of one project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Obligation<'p> {
    /// Stable identity: the rule and the occurrence (`yeji-15-progress@2025Q3`).
    pub key: String,
    #[serde(skip)]
    pub rule: &'p DeadlineRule,
    /// The day the time started running.
    pub since: NaiveDate,
    /// The earliest day it may be done (lhasa:22's month 12).
    pub not_before: Option<NaiveDate>,
    /// `None` when the text sets no time limit.
    pub due: Option<Dated>,
    /// For recurring duties: the period the occurrence covers (2025年第3季度).
    pub period: Option<String>,
    pub status: Status,
    pub fulfilled_on: Option<NaiveDate>,
    /// Fulfilled after the due date.
    pub late: bool,
    /// The day the project was terminated, for a duty it ended ([`Status::Ended`]).
    pub ended_on: Option<NaiveDate>,
}

/// The inputs about one project.
#[derive(Debug, Clone)]
pub struct ProjectContext<'a> {
    pub facts: &'a Facts,
    /// In any order.
    pub events: &'a [Event],
    pub waivers: &'a [Waiver],
    /// The plan year the project was declared for (anchors `plan_year_start`).
    pub plan_year: Option<i32>,
}

fn due_for(cal: &Calendar, timing: Timing, since: NaiveDate) -> Option<Dated> {
    let certain = |date: NaiveDate| Some(Dated { date, provisional: false });
    match timing {
        Timing::WorkingDays(n) => Some(cal.add_working_days(since, n)),
        Timing::CalendarDays(n) => certain(add_days(since, n)),
        Timing::Months(n) => certain(add_months(since, n)),
        Timing::Fixed(f) => {
            NaiveDate::from_ymd_opt(since.year() + f.year_offset, f.month, f.day).and_then(certain)
        }
        Timing::NextNthWeekday(w) => {
            let mut y = since.year();
            let mut m = since.month();
            for _ in 0..3 {
                if let Some(d) = nth_weekday_of_month(y, m, w.weekday.weekday(), w.n)
                    && d >= since
                {
                    return certain(d);
                }
                (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            }
            None
        }
        Timing::Recurring { .. } | Timing::Unspecified => None,
    }
}

fn status_of(
    cal: &Calendar, due: Option<Dated>, fulfilled: Option<NaiveDate>, waived: bool,
    today: NaiveDate,
) -> (Status, bool) {
    if let Some(f) = fulfilled {
        return (Status::Fulfilled, due.is_some_and(|d| f > d.date));
    }
    if waived {
        return (Status::Waived, false);
    }
    match due {
        Some(d) if today > d.date => (Status::Overdue, false),
        Some(d) if cal.working_days_between(today, d.date) <= DUE_SOON_WORKING_DAYS => {
            (Status::DueSoon, false)
        }
        _ => (Status::Pending, false),
    }
}

fn period_start(every: Period, year: i32, index: u32) -> Option<NaiveDate> {
    match every {
        Period::Month => NaiveDate::from_ymd_opt(year, index, 1),
        Period::Quarter => NaiveDate::from_ymd_opt(year, (index - 1) * 3 + 1, 1),
        Period::Year => NaiveDate::from_ymd_opt(year, 1, 1),
    }
}

/// The period after the one containing `d`: (year, index).
fn next_period(every: Period, year: i32, index: u32) -> (i32, u32) {
    let last = match every {
        Period::Month => 12,
        Period::Quarter => 4,
        Period::Year => 1,
    };
    if index >= last { (year + 1, 1) } else { (year, index + 1) }
}

fn period_of(every: Period, d: NaiveDate) -> (i32, u32) {
    match every {
        Period::Month => (d.year(), d.month()),
        Period::Quarter => (d.year(), (d.month() - 1) / 3 + 1),
        Period::Year => (d.year(), 1),
    }
}

/// The period a report due in `(year, index)` covers: the one before it.
fn covered_label(every: Period, year: i32, index: u32) -> (String, String) {
    let (y, i) = match (every, index) {
        (Period::Month, 1) => (year - 1, 12),
        (Period::Month, i) => (year, i - 1),
        (Period::Quarter, 1) => (year - 1, 4),
        (Period::Quarter, i) => (year, i - 1),
        (Period::Year, _) => (year - 1, 1),
    };
    match every {
        Period::Month => (format!("{y}-{i:02}"), format!("{y}年{i}月")),
        Period::Quarter => (format!("{y}Q{i}"), format!("{y}年第{i}季度")),
        Period::Year => (format!("{y}"), format!("{y}年度")),
    }
}

/// Adds to a project's `events` what they and its `facts` imply: the free O&M period ends
/// the construction contract's O&M period (`om_months_in_contract`) after the completion
/// acceptance, the day lhasa:27's application is counted back from — unless its end was
/// recorded.
pub fn add_implied_events(events: &mut Vec<Event>, facts: &crate::policy::Facts) {
    use crate::policy::{EventKind, Fact};
    if events.iter().any(|e| e.kind == EventKind::OmFreePeriodEnd) {
        return;
    }
    let accepted = events
        .iter()
        .filter(|e| e.kind == EventKind::CompletionAcceptancePassed)
        .map(|e| e.date)
        .min();
    let months = facts.get(&Fact::OmMonthsInContract).copied().unwrap_or(0);
    if let Some(day) = accepted
        && let Ok(months) = u32::try_from(months)
        && (1..=600).contains(&months)
        && let Some(end) = day.checked_add_months(chrono::Months::new(months))
    {
        events.push(Event { kind: EventKind::OmFreePeriodEnd, date: end });
    }
}

/// Every obligation the project's events create under the profile, as of `today`.
pub fn obligations<'p>(
    profile: &'p Profile, cal: &Calendar, ctx: &ProjectContext<'_>, today: NaiveDate,
) -> Vec<Obligation<'p>> {
    let mut out = Vec::new();
    let plan_start = ctx.plan_year.and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1));
    let dates_of = |kind: EventKind| -> Vec<NaiveDate> {
        let mut v: Vec<NaiveDate> = if kind == EventKind::PlanYearStart {
            plan_start.into_iter().collect()
        } else {
            ctx.events.iter().filter(|e| e.kind == kind).map(|e| e.date).collect()
        };
        v.sort_unstable();
        v
    };
    let waived = |key: &str| ctx.waivers.iter().any(|w| w.key == key);
    // A terminated project owes no more of what was not yet due then, and no later occurrence
    // of a recurring duty; what was overdue stays overdue (the authority may waive it), and
    // duties counted from the termination or met by what winds the project up (its final
    // accounts, its evaluation) still apply.
    let ended = dates_of(EventKind::ProjectTerminated).first().copied();
    for rule in &profile.deadlines {
        if !all_hold(&rule.when, ctx.facts) {
            continue;
        }
        let Ok(timing) = rule.timing() else { continue };
        let triggers = dates_of(rule.after);
        if triggers.is_empty() {
            continue;
        }
        let fulfilments = dates_of(rule.fulfilled_by);
        if let Timing::Recurring { every, working_day } = timing {
            let since = triggers[0];
            let until =
                dates_of(rule.until.unwrap_or(rule.fulfilled_by)).into_iter().find(|d| *d >= since);
            let horizon = until.unwrap_or(today);
            let horizon = ended.map_or(horizon, |e| horizon.min(e));
            let (mut y, mut i) =
                next_period(every, period_of(every, since).0, period_of(every, since).1);
            // Every occurrence up to today (or the end event), and the next one coming up.
            let mut upcoming_shown = false;
            while let Some(start) = period_start(every, y, i) {
                if start > horizon {
                    if until.is_some() || ended.is_some() || upcoming_shown {
                        break;
                    }
                    upcoming_shown = true;
                }
                let (nth_y, nth_m) = (start.year(), start.month());
                let due = cal.nth_working_day_of_month(nth_y, nth_m, working_day);
                let (ny, ni) = next_period(every, y, i);
                let next_start = period_start(every, ny, ni).unwrap_or(start);
                let fulfilled_on =
                    fulfilments.iter().copied().find(|d| *d >= start && *d < next_start);
                let (key_part, label) = covered_label(every, y, i);
                let key = format!("{}@{key_part}", rule.id);
                let (status, late) = status_of(cal, due, fulfilled_on, waived(&key), today);
                out.push(Obligation {
                    key,
                    rule,
                    since: start,
                    not_before: Some(start),
                    due,
                    period: Some(label),
                    status,
                    fulfilled_on,
                    late,
                    ended_on: None,
                });
                (y, i) = (ny, ni);
            }
            continue;
        }
        // One obligation per trigger; each is met by the first later fulfilment not yet used.
        let mut used = 0usize;
        for (n, since) in triggers.iter().enumerate() {
            let next_trigger = triggers.get(n + 1).copied();
            let due = due_for(cal, timing, *since);
            // A duty due before the event it is counted from (yeji:6: declare by 30 September
            // for the plan year that starts in January) is met by doing it beforehand.
            let opens = match due {
                Some(d) if d.date < *since => triggers[..n].last().copied(),
                _ => Some(*since),
            };
            while used < fulfilments.len() && opens.is_some_and(|o| fulfilments[used] < o) {
                used += 1;
            }
            let fulfilled_on = match fulfilments.get(used) {
                Some(f) if next_trigger.is_none_or(|t| *f < t) || n + 1 == triggers.len() => {
                    used += 1;
                    Some(*f)
                }
                _ => None,
            };
            // Several triggers on one day (two reviews passed the same day) are told apart.
            let same_day = triggers[..n].iter().filter(|d| *d == since).count();
            let key = match same_day {
                0 => format!("{}@{since}", rule.id),
                k => format!("{}@{since}#{}", rule.id, k + 1),
            };
            let (status, late) = status_of(cal, due, fulfilled_on, waived(&key), today);
            out.push(Obligation {
                key,
                rule,
                since: *since,
                not_before: rule.not_before_months.map(|m| add_months(*since, m)),
                due,
                period: None,
                status,
                fulfilled_on,
                late,
                ended_on: None,
            });
        }
    }
    if let Some(day) = ended {
        for o in out.iter_mut() {
            let overdue_then = o.due.is_some_and(|d| d.date < day);
            if o.status.is_open()
                && o.since <= day
                && !overdue_then
                && o.rule.after != EventKind::ProjectTerminated
                && !o.rule.fulfilled_by.winds_up()
            {
                o.status = Status::Ended;
                o.ended_on = Some(day);
            }
        }
    }
    out
}

/// Why an action is refused: the rule, its article and the sentence the user reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GateRefusal {
    pub rule_id: String,
    pub cite: String,
    pub text: String,
}

impl std::fmt::Display for GateRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}（依据 {}）", self.text, self.cite)
    }
}

/// How one gate stands for a project: passed, refused, or waiting for facts nobody has
/// established yet (a refusal too, but one a reviewer resolves by 认定).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GateCheck {
    pub rule_id: String,
    pub cite: String,
    pub text: String,
    pub outcome: GateOutcome,
    /// The facts that must be established before the gate can pass.
    pub unknown_facts: Vec<Fact>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateOutcome {
    Pass,
    Fail,
    Unknown,
    /// Its `when` conditions do not hold for this project.
    NotApplicable,
}

impl GateCheck {
    pub fn refusal(&self) -> Option<GateRefusal> {
        matches!(self.outcome, GateOutcome::Fail | GateOutcome::Unknown).then(|| GateRefusal {
            rule_id: self.rule_id.clone(),
            cite: self.cite.clone(),
            text: match self.outcome {
                GateOutcome::Unknown => format!(
                    "尚未认定“{}”，不能通过此关口：{}",
                    self.unknown_facts.iter().map(|f| f.label()).collect::<Vec<_>>().join("”“"),
                    self.text
                ),
                _ => self.text.clone(),
            },
        })
    }
}

/// Every gate of the profile in front of `action`, each with its outcome for these facts.
/// An unknown fact never passes a gate: a reviewer must establish it first.
pub fn gate_report(
    profile: &Profile, action: GatedAction, facts: &Facts, quota_used: &dyn Fn(&QuotaRule) -> u32,
) -> Vec<GateCheck> {
    profile
        .gates
        .iter()
        .filter(|g| g.action == action)
        .map(|g| {
            let mut unknown_facts: Vec<Fact> = Vec::new();
            let mut failed = false;
            let applies = g.when.is_empty() || all_hold(&g.when, facts);
            if applies {
                for c in &g.requires {
                    match c.eval(facts) {
                        Some(true) => {}
                        Some(false) => failed = true,
                        None => {
                            if !unknown_facts.contains(&c.fact) {
                                unknown_facts.push(c.fact)
                            }
                        }
                    }
                }
                if let Some(q) =
                    g.quota.as_ref().and_then(|id| profile.quotas.iter().find(|q| &q.id == id))
                    && quota_used(q) >= q.max
                {
                    failed = true;
                }
            }
            let outcome = match (applies, failed, unknown_facts.is_empty()) {
                (false, _, _) => GateOutcome::NotApplicable,
                (true, true, _) => GateOutcome::Fail,
                (true, false, false) => GateOutcome::Unknown,
                (true, false, true) => GateOutcome::Pass,
            };
            GateCheck {
                rule_id: g.id.clone(),
                cite: g.cite.clone(),
                text: g.text.clone(),
                outcome,
                unknown_facts,
            }
        })
        .collect()
}

/// The gates in front of `action` that refuse it, or `Ok` when all pass.
pub fn check_gates(
    profile: &Profile, action: GatedAction, facts: &Facts, quota_used: &dyn Fn(&QuotaRule) -> u32,
) -> Result<(), Vec<GateRefusal>> {
    let refusals: Vec<GateRefusal> = gate_report(profile, action, facts, quota_used)
        .iter()
        .filter_map(GateCheck::refusal)
        .collect();
    if refusals.is_empty() { Ok(()) } else { Err(refusals) }
}

#[cfg(test)]
mod tests;
