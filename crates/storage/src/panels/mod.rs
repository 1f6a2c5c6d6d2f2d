//! 专家评审组 (issue 11 §3, linxiang:15): panels drawn from the jurisdiction's expert pool for
//! the steps a profile has signed by a panel. The holder of the step before draws: the core
//! shuffles the eligible experts under a fresh seed (`govit_core::draw`), the panel is the
//! first of that order, and the run names them (`Verb::Seat`) so that each member signs the
//! panel's step in person. The seed, the request, the drawn order and who was excluded and
//! why are kept with the panel and in the audit record, so `govit verify panel` re-runs the
//! draw. A member who declines — before the step begins, recorded by the holder of the draw;
//! after, by themselves (`Verb::Decline`) — is replaced by the next of the same order.

mod steps;

pub use steps::{DeclineSeat, DrawPanel};

use crate::projects::Project;
use crate::projects::run::RunView;
use crate::{Result, Store};
use govit_core::draw::{Candidate, Draw, Exclusion, PanelRule, Request};
use govit_core::ids::UserId;
use govit_core::org::Principal;
use govit_core::workflow::RunStatus;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

/// What a draw keeps besides its seed: the order and the exclusions (the panel is the order's
/// first `size`, each declined one replaced by the next).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Drawn {
    pub order: Vec<i64>,
    pub excluded: Vec<(i64, Exclusion)>,
    /// How many experts the pool had.
    pub pool: usize,
}

/// A member of a panel.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub expert_id: i64,
    /// The account they sign with (none for one passed over for want of one).
    pub user_id: Option<i64>,
    pub seat: i64,
    pub name: String,
    pub employer: String,
    pub title: String,
    pub declined_at_ms: Option<i64>,
    pub reason: String,
}

/// A panel as kept.
#[derive(Debug, Clone, Serialize)]
pub struct Panel {
    pub id: i64,
    pub project_id: i64,
    /// The draw step's key and when that visit of it began.
    pub step: String,
    pub since_ms: i64,
    /// The profile's panel id.
    pub form: String,
    pub seed: u64,
    pub request: Request,
    pub drawn: Drawn,
    pub drawn_by: i64,
    pub drawn_by_name: String,
    pub at_ms: i64,
    /// In seat order; those who declined after the ones sitting.
    pub members: Vec<Member>,
}

impl Panel {
    /// Those sitting now, by seat.
    pub fn sitting(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| m.declined_at_ms.is_none())
    }

    /// The draw as it stands: its order, and its panel as sitting now.
    pub fn draw(&self) -> Draw {
        Draw {
            seed: self.seed,
            order: self.drawn.order.clone(),
            panel: self.sitting().map(|m| m.expert_id).collect(),
            excluded: self.drawn.excluded.clone(),
        }
    }

    /// Those who declined, by expert id.
    pub fn declined(&self) -> Vec<i64> {
        self.members.iter().filter(|m| m.declined_at_ms.is_some()).map(|m| m.expert_id).collect()
    }
}

/// A project's panels as a reader sees them.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Panels {
    /// The profile's panel the current step draws for or is signed by, with the step's
    /// action, when it has one.
    pub rule: Option<PanelRule>,
    pub action: String,
    /// The reader holds the draw step, and the panel is not drawn yet.
    pub may_draw: bool,
    /// The reader holds the draw step with a panel drawn: they may record a decline.
    pub may_record_decline: bool,
    /// The reader is a member of the panel of the current step, not yet signed: they may
    /// decline (回避).
    pub may_decline: bool,
    /// Whether the reader sees who sits (the holders of the draw and the panel's members see
    /// the panel; others only that it is drawn).
    pub sees_members: bool,
    /// Newest first.
    pub panels: Vec<Panel>,
}

/// The panel drawn for the visit of `step` that began at `since_ms`, if any.
pub(crate) async fn panel_at(
    conn: &mut AnyConnection, project: i64, step: &str, since_ms: i64,
) -> Result<Option<Panel>> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM panels WHERE project_id = $1 AND step = $2 AND since_ms = $3",
    )
    .bind(project)
    .bind(step)
    .bind(since_ms)
    .fetch_optional(&mut *conn)
    .await?;
    match id {
        Some(id) => Ok(panels_where(conn, "p.id = $1", id).await?.pop()),
        None => Ok(None),
    }
}

/// The panels matching `filter` (on `panels p`, binding `$1`), newest first, with their
/// members.
async fn panels_where(conn: &mut AnyConnection, filter: &str, arg: i64) -> Result<Vec<Panel>> {
    let sql = format!(
        "SELECT p.id, p.project_id, p.step, p.since_ms, p.form, p.seed, p.request, p.drawn, \
         p.drawn_by, COALESCE(u.name, '') AS drawn_by_name, p.at_ms FROM panels p \
         LEFT JOIN users u ON u.id = p.drawn_by WHERE {filter} ORDER BY p.id DESC"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(arg).fetch_all(&mut *conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let seed: String = r.try_get("seed")?;
        let request: String = r.try_get("request")?;
        let drawn: String = r.try_get("drawn")?;
        let (Ok(seed), Ok(request), Ok(drawn)) = (
            seed.parse::<u64>(),
            serde_json::from_str::<Request>(&request),
            serde_json::from_str::<Drawn>(&drawn),
        ) else {
            continue;
        };
        let id: i64 = r.try_get("id")?;
        out.push(Panel {
            id,
            project_id: r.try_get("project_id")?,
            step: r.try_get("step")?,
            since_ms: r.try_get("since_ms")?,
            form: r.try_get("form")?,
            seed,
            request,
            drawn,
            drawn_by: r.try_get("drawn_by")?,
            drawn_by_name: r.try_get("drawn_by_name")?,
            at_ms: r.try_get("at_ms")?,
            members: members_of(conn, id).await?,
        });
    }
    Ok(out)
}

async fn members_of(conn: &mut AnyConnection, panel: i64) -> Result<Vec<Member>> {
    let rows = sqlx::query(
        "SELECT m.expert_id, m.user_id, m.seat, m.declined_at_ms, m.reason, e.name, e.employer, \
         e.title FROM panel_members m JOIN experts e ON e.id = m.expert_id WHERE m.panel_id = $1 \
         ORDER BY CASE WHEN m.declined_at_ms IS NULL THEN 0 ELSE 1 END, m.seat, m.declined_at_ms",
    )
    .bind(panel)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Member {
                expert_id: r.try_get("expert_id")?,
                user_id: r.try_get("user_id")?,
                seat: r.try_get("seat")?,
                name: r.try_get("name")?,
                employer: r.try_get("employer")?,
                title: r.try_get("title")?,
                declined_at_ms: r.try_get("declined_at_ms")?,
                reason: r.try_get("reason")?,
            })
        })
        .collect()
}

/// The jurisdiction's experts as the draw sees them, each with the first active account that
/// gives their opinion (none: excluded as 未开通账户).
pub(crate) async fn candidates(
    conn: &mut AnyConnection, jurisdiction: i64,
) -> Result<Vec<(Candidate, Option<i64>)>> {
    let rows = sqlx::query(
        "SELECT e.id, e.name, e.employer, e.fields, e.conflicts, e.blacklisted, \
         (SELECT MIN(u.id) FROM users u WHERE u.expert_id = e.id AND u.disabled = 0) AS user_id \
         FROM experts e WHERE e.jurisdiction_id = $1 ORDER BY e.id",
    )
    .bind(jurisdiction)
    .fetch_all(&mut *conn)
    .await?;
    let list = |s: String| -> Vec<String> {
        s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(String::from).collect()
    };
    rows.into_iter()
        .map(|r| {
            let user: Option<i64> = r.try_get("user_id")?;
            let blacklisted: i64 = r.try_get("blacklisted")?;
            Ok((
                Candidate {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    employer: r.try_get("employer")?,
                    fields: list(r.try_get("fields")?),
                    conflicts: list(r.try_get("conflicts")?),
                    blacklisted: blacklisted != 0,
                    account: user.is_some(),
                },
                user,
            ))
        })
        .collect()
}

/// The account an expert gives opinions with, if still active.
pub(crate) async fn account_of(conn: &mut AnyConnection, expert: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT MIN(id) FROM users WHERE expert_id = $1 AND disabled = 0")
        .bind(expert)
        .fetch_one(&mut *conn)
        .await?)
}

/// The expert an account belongs to.
pub(crate) async fn expert_of(conn: &mut AnyConnection, user: UserId) -> Result<Option<i64>> {
    let e: Option<Option<i64>> = sqlx::query_scalar("SELECT expert_id FROM users WHERE id = $1")
        .bind(user.0)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(e.flatten())
}

/// How a kept draw compares with the draw re-run from its seed and order's candidates.
#[derive(Debug, Clone, Serialize)]
pub struct Rerun {
    pub panel: Panel,
    /// The panel the seed gives (the re-run order's first `size`), and whether the re-run
    /// order is the kept one and the members ever seated are its head.
    pub first: Vec<i64>,
    pub same: bool,
}

impl Store {
    /// A project's panels as `principal` sees them, with the run they have read.
    pub async fn panels_of(
        &self, principal: &Principal, p: &Project, view: &RunView,
    ) -> Result<Panels> {
        let mut conn = self.pool.acquire().await?;
        let panels = panels_where(&mut conn, "p.project_id = $1", p.id.0).await?;
        let RunView { run, verbs, .. } = view;
        let rules = self.rules();
        let profile = rules.profile(&p.profile_id);
        let mut out = Panels { panels, ..Panels::default() };
        let progress = &run.progress;
        if progress.status == RunStatus::Active {
            let here = run.route.steps.get(progress.current);
            let next = run.route.steps.get(progress.current + 1);
            let (panel_step, drawing) = match (here, next) {
                (Some(h), _) if h.panel.is_some() => (Some(h), false),
                (_, Some(n)) if n.panel.is_some() => (Some(n), true),
                _ => (None, false),
            };
            if let (Some(s), Some(profile)) = (panel_step, profile) {
                out.rule = s.panel.as_deref().and_then(|id| profile.panel(id)).cloned();
                out.action = s.action.clone();
                if drawing {
                    let key = here.map(|h| h.key.as_str()).unwrap_or_default();
                    let drawn =
                        out.panels.iter().any(|x| x.step == key && x.since_ms == progress.since_ms);
                    let holds = verbs.contains(&govit_core::workflow::VerbKind::Seat);
                    out.may_draw = holds && !drawn;
                    out.may_record_decline = holds && drawn;
                } else {
                    out.may_decline = verbs.contains(&govit_core::workflow::VerbKind::Decline);
                }
            }
        }
        // Who sits is told to those who draw (the draw step's party) and to the members.
        let me = principal.user_id.0;
        let member = out.panels.iter().any(|x| x.members.iter().any(|m| m.user_id == Some(me)));
        let drew = out.panels.iter().any(|x| x.drawn_by == me);
        out.sees_members = member || drew || out.may_draw || out.may_record_decline;
        if !out.sees_members {
            for x in &mut out.panels {
                x.members.retain(|m| m.user_id == Some(me));
                x.drawn.order.clear();
                x.drawn.excluded.clear();
            }
        }
        Ok(out)
    }

    /// A panel by id with the draw re-run from its seed and kept order's candidates (the
    /// sorted eligible ids): an auditor's check that the panel is the one the seed gives.
    pub async fn rerun_panel(&self, id: i64) -> Result<Option<Rerun>> {
        let mut conn = self.pool.acquire().await?;
        let Some(panel) = panels_where(&mut conn, "p.id = $1", id).await?.pop() else {
            return Ok(None);
        };
        let mut eligible = panel.drawn.order.clone();
        eligible.sort_unstable();
        let pool: Vec<Candidate> = eligible
            .iter()
            .map(|id| Candidate {
                id: *id,
                name: String::new(),
                employer: String::new(),
                fields: vec![],
                conflicts: vec![],
                blacklisted: false,
                account: true,
            })
            .collect();
        let request = Request {
            fields: vec![],
            owner: String::new(),
            bidders: vec![],
            ..panel.request.clone()
        };
        let again = govit_core::draw::draw(&pool, &request, panel.seed);
        // Every member ever seated — the panel drawn, then each replacement — is the next of
        // the order: together they are its first so many.
        let mut seated: Vec<i64> = panel.members.iter().map(|m| m.expert_id).collect();
        seated.sort_unstable();
        let (first, same) = match again {
            Ok(d) => {
                let mut head: Vec<i64> = d.order.iter().take(seated.len()).copied().collect();
                head.sort_unstable();
                (d.panel.clone(), d.order == panel.drawn.order && head == seated)
            }
            Err(_) => (vec![], false),
        };
        Ok(Some(Rerun { panel, first, same }))
    }
}
