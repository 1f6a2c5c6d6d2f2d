//! Obligations as the server keeps them: recomputed into a table whenever a project's events,
//! facts or waivers change, once a day as dates pass, and after a calendar import, so that
//! to-do lists and overdue reports are plain queries.

use super::{Project, fetch, scope_where};
use crate::Who;
use crate::base::audit_log::Change;
use crate::china_today;
use crate::{Actor, Page, Paged, Param, Result, Store, Where, like_pattern};
use chrono::NaiveDate;
use govit_core::ids::{DepartmentId, ProjectId};
use govit_core::obligation::{self, Event, ProjectContext, Status};
use govit_core::org::Principal;
use govit_core::policy::{EventKind, Fact, Facts};
use govit_core::project::ProjectStatus;
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

mod reads;
#[cfg(test)]
mod tests;

use reads::{OweReads, events_of};

#[derive(Debug, Clone, Serialize)]
pub struct ObligationRow {
    pub project_id: i64,
    pub project_name: String,
    pub owner_department: String,
    pub key: String,
    pub rule_id: String,
    pub cite: String,
    pub duty: String,
    pub text: String,
    pub owed_by: String,
    pub owed_department: String,
    pub since: String,
    pub not_before: Option<String>,
    pub due_date: Option<String>,
    pub provisional: bool,
    pub period: Option<String>,
    pub status: Status,
    pub fulfilled_on: Option<String>,
    pub late: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MilestoneRow {
    pub kind: EventKind,
    pub date: String,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at_ms: i64,
    /// A date scheduled, not an event that happened.
    pub planned: bool,
}

/// Filters of the obligation lists.
#[derive(Debug, Clone, Default)]
pub struct ObligationFilter {
    pub status: Option<Status>,
    pub department: Option<DepartmentId>,
    pub keyword: String,
    /// Only obligations owed by the caller's own department.
    pub owed_by_me: bool,
    /// Only open ones (pending, due soon, overdue).
    pub open_only: bool,
}

/// Facts that follow from the declaration itself.
fn derived_facts(p: &Project) -> Facts {
    let d = &p.declaration;
    let (s, e) = (d.period.start, d.period.end);
    let months = (e.year - s.year) * 12 + e.month as i32 - s.month as i32 + 1;
    let mut f = Facts::new();
    f.insert(Fact::InvestmentYuan, d.investment.0);
    f.insert(Fact::ApprovedYuan, d.investment.0);
    f.insert(Fact::DurationMonths, i64::from(months.max(0)));
    f.insert(Fact::SpansYears, i64::from(s.year != e.year));
    // As the unit declares it; a reviewer's finding overrides (see `Store::facts_from`).
    if let Some(cross) = d.cross_department {
        f.insert(Fact::IsCrossDepartment, i64::from(cross));
    }
    f
}

/// What a project's facts are computed from besides its own fields: the facts the registered
/// sources derive (the systems it names, the published cloud catalog), the events that
/// happened, and the facts reviewers set (认定). A step that read it and then records events
/// notes them here ([`Basis::record`]), so the change's consequences work from it instead of
/// reading it again.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Basis {
    sourced: Facts,
    events: Vec<Event>,
    typed: Vec<(Fact, i64)>,
}

impl Basis {
    /// The facts its sources gave.
    #[cfg(test)]
    pub(crate) fn sourced(&self) -> &Facts {
        &self.sourced
    }

    /// An event the step has just stored.
    pub(crate) fn record(&mut self, kind: EventKind, date: NaiveDate) {
        self.events.push(Event { kind, date });
    }
}

impl Store {
    /// The project's facts: those its declaration implies, those the registered fact sources
    /// derive, and those set by reviewers (which override).
    pub(crate) async fn facts_of(&self, conn: &mut AnyConnection, p: &Project) -> Result<Facts> {
        Ok(self.facts_and_first_sent(conn, p).await?.0)
    }

    /// The project's facts, and the day it was first sent (its first `declaration_submitted`),
    /// which places it in its profile's declaration window.
    pub(crate) async fn facts_and_first_sent(
        &self, conn: &mut AnyConnection, p: &Project,
    ) -> Result<(Facts, Option<NaiveDate>)> {
        let basis = self.basis_of(conn, p).await?;
        Ok(self.facts_from(p, &basis))
    }

    /// Reads what the project's facts are computed from.
    pub(crate) async fn basis_of(&self, conn: &mut AnyConnection, p: &Project) -> Result<Basis> {
        let mut bases = self.bases_of(conn, &[p]).await?;
        Ok(bases.pop().unwrap_or_default())
    }

    /// [`Store::basis_of`] for several projects, in their order: their events and the facts
    /// reviewers set are read in one statement each for all of them.
    pub(crate) async fn bases_of(
        &self, conn: &mut AnyConnection, ps: &[&Project],
    ) -> Result<Vec<Basis>> {
        let ids: Vec<i64> = ps.iter().map(|p| p.id.0).collect();
        let mut events = events_of(conn, &ids).await?;
        let mut typed: HashMap<i64, Vec<(Fact, i64)>> = HashMap::new();
        let rows = super::of_projects(
            conn,
            "SELECT project_id, fact, value FROM project_facts WHERE project_id IN ({ids})",
            &ids,
        )
        .await?;
        for r in rows {
            if let Some(f) = Fact::parse(&r.try_get::<String, _>("fact")?)
                && !f.is_derived()
            {
                typed.entry(r.try_get("project_id")?).or_default().push((f, r.try_get("value")?));
            }
        }
        // Each source is asked once for the projects it has facts for: a source of records an
        // approved project alone has gives the others its facts of none without reading, and
        // one whose facts a profile never tests is not read for that profile's projects.
        let rules = self.rules();
        let mut sourced: Vec<Facts> = vec![Facts::new(); ps.len()];
        for source in self.fact_sources.iter() {
            let only = source.only();
            let mut asked: Vec<usize> = Vec::new();
            for (i, p) in ps.iter().enumerate() {
                if p.status != ProjectStatus::Approved && source.before_approval(&mut sourced[i]) {
                    continue;
                }
                let profile = rules.profile(&p.profile_id);
                if !only.is_empty() && profile.is_some_and(|x| !only.iter().any(|f| x.mentions(*f)))
                {
                    continue;
                }
                asked.push(i);
            }
            if asked.is_empty() {
                continue;
            }
            let these: Vec<&Project> = asked.iter().map(|i| ps[*i]).collect();
            let found = source.derive_all(conn, &these).await?;
            for (i, facts) in asked.into_iter().zip(found) {
                sourced[i].extend(facts);
            }
        }
        let mut out = Vec::with_capacity(ps.len());
        for (p, sourced) in ps.iter().zip(sourced) {
            let mut events = events.remove(&p.id.0).unwrap_or_default();
            govit_core::obligation::add_implied_events(&mut events, &sourced);
            let typed = typed.remove(&p.id.0).unwrap_or_default();
            out.push(Basis { sourced, events, typed });
        }
        Ok(out)
    }

    /// The project's facts under `basis`, and the day it was first sent.
    pub(crate) fn facts_from(&self, p: &Project, basis: &Basis) -> (Facts, Option<NaiveDate>) {
        let mut facts = derived_facts(p);
        facts.extend(basis.sourced.iter().map(|(f, v)| (*f, *v)));
        let count = |kind: EventKind| basis.events.iter().filter(|e| e.kind == kind).count();
        // Facts the path's events imply are counted from them (a typed value never overrides).
        for fact in Fact::ALL {
            let Some(kind) = fact.from_events() else { continue };
            let n = count(kind) as i64;
            let flag = fact.unit() == govit_core::policy::FactUnit::Flag;
            facts.insert(*fact, if flag { n.min(1) } else { n });
        }
        // Sent after the profile's yearly cut-off (yeji:6, lhasa:7): from the first submission;
        // unknown until the project is sent.
        let first_sent = basis
            .events
            .iter()
            .filter(|e| e.kind == EventKind::DeclarationSubmitted)
            .map(|e| e.date)
            .min();
        if let Some(sent) = first_sent
            && let Some((fact, v)) =
                self.rules().profile(&p.profile_id).and_then(|x| x.window_facts(sent))
        {
            facts.insert(fact, v);
        }
        facts.extend(basis.typed.iter().copied());
        (facts, first_sent)
    }
}

/// Whether a project owes duties under its profile: the profile is loaded, and the project is
/// not outside the regulation (yeji:2).
fn owes_under(rules: &crate::rules::Rules, p: &Project) -> bool {
    rules.profile(&p.profile_id).is_some() && p.status != ProjectStatus::OutsideScope
}

/// What a recompute of a project's obligations found.
pub(crate) struct Owed {
    /// How many duties the project owes.
    pub count: usize,
    /// The facts they were computed from (none when it owes nothing under a profile).
    pub facts: Option<Facts>,
    /// Whether a stored duty was written or removed (the tasks' due dates follow them).
    pub moved: bool,
}

/// An obligation's row as written (all but its key and when it was written).
#[derive(PartialEq)]
struct OwedRow {
    jurisdiction: i64,
    rule_id: String,
    cite: String,
    duty: String,
    text: String,
    owed_by: String,
    owed_department: Option<i64>,
    since: String,
    not_before: Option<String>,
    due: Option<String>,
    provisional: i64,
    period: Option<String>,
    status: String,
    fulfilled_on: Option<String>,
    late: i64,
    ended_on: Option<String>,
}

/// Appends an event inside the caller's transaction (the declaration flow records its own).
pub(crate) async fn insert_milestone(
    conn: &mut AnyConnection, project: ProjectId, kind: EventKind, date: NaiveDate, note: &str,
    by: i64, now_ms: i64,
) -> Result<()> {
    insert_dated(conn, project, kind, date, note, (by, now_ms), false).await
}

/// Appends an event that happened, or (`planned`) a date scheduled.
pub(crate) async fn insert_dated(
    conn: &mut AnyConnection, project: ProjectId, kind: EventKind, date: NaiveDate, note: &str,
    (by, now_ms): (i64, i64), planned: bool,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO project_milestones (project_id, kind, event_date, note, recorded_by, recorded_at_ms, planned) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(project.0)
    .bind(kind.as_str())
    .bind(date.format("%Y-%m-%d").to_string())
    .bind(note.to_string())
    .bind(by)
    .bind(now_ms)
    .bind(i64::from(planned))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Recomputes one project's obligations inside the caller's transaction.
    pub(crate) async fn recompute_in(
        &self, conn: &mut AnyConnection, id: ProjectId, now_ms: i64,
    ) -> Result<usize> {
        Ok(self.recompute_read(conn, id, now_ms).await?.0)
    }

    /// What follows on a project from events a room above wrote to it in the caller's
    /// transaction (a plan's publication): its obligations, who may act on it now (its route
    /// follows its facts) and the tasks' due dates.
    pub(crate) async fn project_events_changed(
        &self, conn: &mut AnyConnection, id: ProjectId, now_ms: i64,
    ) -> Result<()> {
        let (_, facts) = self.recompute_read(conn, id, now_ms).await?;
        let Some(p) = fetch(conn, id).await? else { return Ok(()) };
        // The due dates of the tasks kept were written with the obligations.
        super::run::refresh_tasks(self, conn, &p, facts.as_ref(), None, false).await
    }

    /// [`Store::recompute_in`], also answering the facts it read (none when the project or its
    /// profile is gone, or it owes nothing), for a caller that goes on to work from them.
    pub(crate) async fn recompute_read(
        &self, conn: &mut AnyConnection, id: ProjectId, now_ms: i64,
    ) -> Result<(usize, Option<Facts>)> {
        let owed = self.recompute_all(conn, &[id.0], now_ms).await?.pop();
        Ok(owed.map_or((0, None), |o| (o.count, o.facts)))
    }

    /// Recomputes these projects' obligations inside the caller's transaction, and their
    /// tasks' due dates where they moved; answers what each owes, in the order of their ids (a
    /// project that does not exist is skipped). What it reads of them is read for all at once.
    pub(crate) async fn recompute_all(
        &self, conn: &mut AnyConnection, ids: &[i64], now_ms: i64,
    ) -> Result<Vec<Owed>> {
        // Two recomputes of one project at once (the daily tick and a step) must not both
        // delete the old list and insert the new: on PostgreSQL the second would not see the
        // first's new rows and collide on them. Taking the projects' rows first queues them
        // (a step on a project already holds it, and calls [`Store::owe`] itself).
        super::hold_all(conn, ids).await?;
        let projects = super::fetch_all(conn, ids).await?;
        // Never with a calendar another process has since replaced.
        let (rules, _) = self.current_rules_in(conn).await?;
        let owing: Vec<&Project> = projects.iter().filter(|p| owes_under(&rules, p)).collect();
        let owing_ids: Vec<i64> = owing.iter().map(|p| p.id.0).collect();
        let mut bases = self.bases_of(conn, &owing).await?.into_iter();
        let mut reads = OweReads::of(conn, &owing_ids).await?;
        let mut out = Vec::with_capacity(projects.len());
        for p in &projects {
            let basis = match owes_under(&rules, p) {
                true => bases.next(),
                false => None,
            };
            out.push(self.owe_from(conn, &rules, p, basis, &mut reads, now_ms).await?);
        }
        // A task's due date follows its project's duties: rewritten where they moved, one
        // project a statement (a batch's statement would need the tables' statistics to be
        // planned well: 1.2 s a batch on a PostgreSQL database not yet analysed).
        for (p, owed) in projects.iter().zip(&out) {
            if owed.moved {
                super::tasks::write_dues(conn, p.id).await?;
            }
        }
        Ok(out)
    }

    /// Rewrites what `p` owes now, from `basis` when the caller has it (read otherwise), inside
    /// the caller's transaction, which holds the project's row; answers how many duties and
    /// the facts they were computed under. The tasks' due dates are the caller's to refresh.
    pub(crate) async fn owe(
        &self, conn: &mut AnyConnection, p: &Project, basis: Option<Basis>, now_ms: i64,
    ) -> Result<Owed> {
        // Never with a calendar another process has since replaced.
        let (rules, _) = self.current_rules_in(conn).await?;
        let owes = owes_under(&rules, p);
        let basis = match basis {
            None if owes => Some(self.basis_of(conn, p).await?),
            basis => basis,
        };
        let ids = if owes { vec![p.id.0] } else { Vec::new() };
        let mut reads = OweReads::of(conn, &ids).await?;
        self.owe_from(conn, &rules, p, basis, &mut reads, now_ms).await
    }

    /// [`Store::owe`] under `rules`, from what was read of the project: its basis (read here
    /// when missing) and `reads`.
    async fn owe_from(
        &self, conn: &mut AnyConnection, rules: &crate::rules::Rules, p: &Project,
        basis: Option<Basis>, reads: &mut OweReads, now_ms: i64,
    ) -> Result<Owed> {
        let id = p.id;
        let profile = rules.profile(&p.profile_id);
        if profile.is_none() {
            tracing::warn!(project = id.0, profile = %p.profile_id, "project's profile is not loaded");
        }
        // Outside the regulation (yeji:2), it owes nothing under it.
        let Some(profile) = profile.filter(|_| p.status != ProjectStatus::OutsideScope) else {
            sqlx::query("DELETE FROM obligations WHERE project_id = $1")
                .bind(id.0)
                .execute(&mut *conn)
                .await?;
            return Ok(Owed { count: 0, facts: None, moved: true });
        };
        let basis = match basis {
            Some(b) => b,
            None => self.basis_of(conn, p).await?,
        };
        let (facts, _) = self.facts_from(p, &basis);
        let events = &basis.events;
        let waivers = reads.waivers.remove(&id.0).unwrap_or_default();
        let mut stored = reads.stored.remove(&id.0).unwrap_or_default();
        let ctx = ProjectContext {
            facts: &facts,
            events,
            waivers: &waivers,
            plan_year: Some(p.declaration.period.start.year),
        };
        let list = obligation::obligations(profile, &rules.calendar, &ctx, china_today(now_ms));
        // The department each party kind stands for in this jurisdiction (its first), read
        // only when a duty is owed by a party other than the owner unit.
        let mut party_depts: &[(String, i64)] = &[];
        if list.iter().any(|o| o.rule.owed_by != super::run::OWNER) {
            party_depts = reads.parties(conn, p.jurisdiction_id.0).await?;
        }
        let dept_for = |party: &str| -> Option<i64> {
            if party == super::run::OWNER {
                return Some(p.owner_department_id.0);
            }
            party_depts.iter().filter(|(k, _)| k == party).map(|(_, id)| *id).min()
        };
        let fmt = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        // Only what changed is written: most acts move one or two duties, and a row left as it
        // was costs the database nothing (its indexes included).
        let mut moved = false;
        for o in &list {
            let row = OwedRow {
                jurisdiction: p.jurisdiction_id.0,
                rule_id: o.rule.id.clone(),
                cite: o.rule.cite.clone(),
                duty: o.rule.duty.clone(),
                text: o.rule.text.clone(),
                owed_by: o.rule.owed_by.clone(),
                owed_department: dept_for(&o.rule.owed_by),
                since: fmt(o.since),
                not_before: o.not_before.map(fmt),
                due: o.due.map(|d| fmt(d.date)),
                provisional: i64::from(o.due.is_some_and(|d| d.provisional)),
                period: o.period.clone(),
                status: o.status.as_str().to_string(),
                fulfilled_on: o.fulfilled_on.map(fmt),
                late: i64::from(o.late),
                ended_on: o.ended_on.map(fmt),
            };
            let sql = match stored.remove(&o.key) {
                Some(old) if old == row => continue,
                Some(_) => {
                    "UPDATE obligations SET jurisdiction_id = $3, rule_id = $4, cite = $5, duty = $6, rule_text = $7, \
                     owed_by = $8, owed_department_id = $9, since_date = $10, not_before = $11, due_date = $12, \
                     provisional = $13, period = $14, status = $15, fulfilled_on = $16, late = $17, computed_at_ms = $18, \
                     ended_on = $19 WHERE project_id = $1 AND obligation_key = $2"
                }
                None => {
                    "INSERT INTO obligations (project_id, obligation_key, jurisdiction_id, rule_id, cite, duty, rule_text, owed_by, \
                     owed_department_id, since_date, not_before, due_date, provisional, period, status, fulfilled_on, late, computed_at_ms, \
                     ended_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
                }
            };
            sqlx::query(sql)
                .bind(id.0)
                .bind(o.key.clone())
                .bind(row.jurisdiction)
                .bind(row.rule_id)
                .bind(row.cite)
                .bind(row.duty)
                .bind(row.text)
                .bind(row.owed_by)
                .bind(row.owed_department)
                .bind(row.since)
                .bind(row.not_before)
                .bind(row.due)
                .bind(row.provisional)
                .bind(row.period)
                .bind(row.status)
                .bind(row.fulfilled_on)
                .bind(row.late)
                .bind(now_ms)
                .bind(row.ended_on)
                .execute(&mut *conn)
                .await?;
            moved = true;
        }
        // What the project no longer owes.
        moved |= !stored.is_empty();
        for key in stored.into_keys() {
            sqlx::query("DELETE FROM obligations WHERE project_id = $1 AND obligation_key = $2")
                .bind(id.0)
                .bind(key)
                .execute(&mut *conn)
                .await?;
        }
        Ok(Owed { count: list.len(), facts: Some(facts), moved })
    }

    /// Recomputes every project's obligations: the daily tick and the calendar import. Two
    /// hundred projects a transaction, each table read once for them all.
    pub async fn refresh_all_obligations(&self, now_ms: i64) -> Result<usize> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM projects ORDER BY id").fetch_all(&self.pool).await?;
        let mut n = 0;
        for chunk in ids.chunks(200) {
            let mut w = self.write().await?;
            n += self
                .recompute_all(&mut w.tx, chunk, now_ms)
                .await?
                .iter()
                .map(|o| o.count)
                .sum::<usize>();
            w.commit().await?;
        }
        Ok(n)
    }

    /// Imports calendar years, then recomputes every open deadline under the new schedule.
    pub async fn import_calendar_and_refresh(
        &self, actor: &Actor, now_ms: i64, text: &str,
    ) -> Result<(Vec<i32>, usize)> {
        let years = self.import_calendar(actor, now_ms, text).await?;
        self.reload_calendar().await?;
        let n = self.refresh_all_obligations(now_ms).await?;
        self.audit(
            actor,
            now_ms,
            Change::ok("obligations", "*", "obligations.recompute")
                .detail(format!("日历导入后重算 {n} 项义务")),
        )
        .await?;
        Ok((years, n))
    }

    pub async fn milestones(&self, id: ProjectId) -> Result<Vec<MilestoneRow>> {
        let rows = sqlx::query(
            "SELECT m.kind, m.event_date, m.note, m.recorded_at_ms, m.planned, u.name FROM project_milestones m \
             JOIN users u ON u.id = m.recorded_by WHERE m.project_id = $1 ORDER BY m.event_date, m.id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .filter_map(|r| {
                let kind = EventKind::parse(&r.try_get::<String, _>("kind").ok()?)?;
                Some(Ok(MilestoneRow {
                    kind,
                    date: r.try_get("event_date").ok()?,
                    note: r.try_get("note").ok()?,
                    recorded_by: r.try_get("name").ok()?,
                    recorded_at_ms: r.try_get("recorded_at_ms").ok()?,
                    planned: r.try_get::<i64, _>("planned").ok()? != 0,
                }))
            })
            .collect()
    }

    /// A project's obligations, for a caller who may see the project.
    pub async fn project_obligations(
        &self, who: Who<'_>, id: ProjectId,
    ) -> Result<Vec<ObligationRow>> {
        self.read::<Project>(who, id.0).await?;
        let mut w = Where::default();
        w.and("o.project_id = ?", vec![Param::Int(id.0)]);
        Ok(self.query_obligations(w, Page::new(1, 200), false).await?.items)
    }

    /// Obligations in the caller's scope, filtered.
    pub async fn list_obligations(
        &self, principal: &Principal, f: &ObligationFilter, page: Page,
    ) -> Result<Paged<ObligationRow>> {
        // Due-soon and overdue ones always have a due date: their order is the index's.
        let dated = matches!(f.status, Some(Status::Overdue | Status::DueSoon));
        self.query_obligations(obligation_where(principal, f), page, dated).await
    }

    /// How many obligations [`Store::list_obligations`] would list.
    pub async fn count_obligations(
        &self, principal: &Principal, f: &ObligationFilter,
    ) -> Result<i64> {
        let w = obligation_where(principal, f);
        // The departments only when the filter reads their paths.
        let from = if w.sql().contains("d.") {
            "FROM obligations o JOIN projects p ON p.id = o.project_id \
             JOIN departments d ON d.id = p.owner_department_id"
        } else {
            "FROM obligations o JOIN projects p ON p.id = o.project_id"
        };
        self.count_where(from, &w).await
    }

    /// Obligations that turned due-soon or overdue and have not been announced on `channel`.
    pub async fn unannounced_obligations(
        &self, channel: &str, limit: i64,
    ) -> Result<Vec<ObligationRow>> {
        let mut w = Where::default();
        w.and("o.status IN ('due_soon', 'overdue')", vec![]);
        w.and(
            "NOT EXISTS (SELECT 1 FROM obligation_notices n WHERE n.project_id = o.project_id \
             AND n.obligation_key = o.obligation_key AND n.status = o.status AND n.channel = ?)",
            vec![Param::Text(channel.to_string())],
        );
        Ok(self.query_obligations(w, Page::new(1, limit), true).await?.items)
    }

    /// Records that these obligations were announced on `channel` in their current status.
    pub async fn mark_announced(
        &self, channel: &str, rows: &[ObligationRow], now_ms: i64,
    ) -> Result<()> {
        let mut w = self.write().await?;
        for o in rows {
            sqlx::query(
                "INSERT INTO obligation_notices (project_id, obligation_key, status, channel, sent_at_ms) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(o.project_id)
            .bind(o.key.clone())
            .bind(o.status.as_str())
            .bind(channel.to_string())
            .bind(now_ms)
            .execute(&mut *w.tx)
            .await?;
        }
        w.commit().await
    }

    async fn query_obligations(
        &self, w: Where, page: Page, dated: bool,
    ) -> Result<Paged<ObligationRow>> {
        const FROM: &str = OBLIGATIONS_FROM;
        let select = format!(
            "SELECT o.*, p.name AS project_name, d.name AS owner_department, COALESCE(od.name, '') AS owed_department {FROM}"
        );
        let order = if dated {
            "o.due_date, o.project_id, o.obligation_key"
        } else {
            "CASE WHEN o.due_date IS NULL THEN 1 ELSE 0 END, o.due_date, o.project_id, o.obligation_key"
        };
        let count_from = if w.sql().contains("d.") {
            "FROM obligations o JOIN projects p ON p.id = o.project_id \
             JOIN departments d ON d.id = p.owner_department_id"
        } else {
            "FROM obligations o JOIN projects p ON p.id = o.project_id"
        };
        self.fetch_page((&select, count_from), &w, order, page, |r| {
            Ok(ObligationRow {
                project_id: r.try_get("project_id")?,
                project_name: r.try_get("project_name")?,
                owner_department: r.try_get("owner_department")?,
                key: r.try_get("obligation_key")?,
                rule_id: r.try_get("rule_id")?,
                cite: r.try_get("cite")?,
                duty: r.try_get("duty")?,
                text: r.try_get("rule_text")?,
                owed_by: r.try_get("owed_by")?,
                owed_department: r.try_get("owed_department")?,
                since: r.try_get("since_date")?,
                not_before: r.try_get("not_before")?,
                due_date: r.try_get("due_date")?,
                provisional: r.try_get::<i64, _>("provisional")? != 0,
                period: r.try_get("period")?,
                status: Status::parse(&r.try_get::<String, _>("status")?)
                    .unwrap_or(Status::Pending),
                fulfilled_on: r.try_get("fulfilled_on")?,
                late: r.try_get::<i64, _>("late")? != 0,
            })
        })
        .await
    }
}

/// The obligations a principal sees under a filter. The jurisdiction is stated on the
/// obligation itself too, so that the planner can walk its (jurisdiction, status, due) index.
fn obligation_where(principal: &Principal, f: &ObligationFilter) -> Where {
    let mut w = scope_where(principal);
    w.and("o.jurisdiction_id = ?", vec![Param::Int(principal.jurisdiction_id.0)]);
    if f.owed_by_me {
        w.and(
            "o.owed_department_id = ?",
            vec![Param::Int(principal.department_id.map(|d| d.0).unwrap_or(-1))],
        );
    }
    if let Some(s) = f.status {
        w.and("o.status = ?", vec![Param::Text(s.as_str().into())]);
    } else if f.open_only {
        w.and("o.status IN ('pending', 'due_soon', 'overdue')", vec![]);
    }
    if let Some(dept) = f.department {
        w.within_department(dept);
    }
    if !f.keyword.trim().is_empty() {
        let k = like_pattern(f.keyword.trim());
        w.and(
            "(p.name LIKE ? ESCAPE '\\' OR o.duty LIKE ? ESCAPE '\\' OR o.cite LIKE ? ESCAPE '\\')",
            vec![Param::Text(k.clone()), Param::Text(k.clone()), Param::Text(k)],
        );
    }
    w
}

/// Obligations with their projects and departments (the scope filters need both).
const OBLIGATIONS_FROM: &str = "FROM obligations o JOIN projects p ON p.id = o.project_id \
    JOIN departments d ON d.id = p.owner_department_id LEFT JOIN departments od ON od.id = o.owed_department_id";
