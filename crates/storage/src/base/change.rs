//! The change path: the one way every state change runs.
//!
//! A change names who acts ([`Who`]), the record it acts on ([`Target`]: an id and the
//! version the user saw, or a new record) and a [`Step`]. The path opens the write
//! transaction, loads the record, applies data scope (out of scope reads as not found) and
//! the version check (stale → 409), lets the step read what its rule needs, asks the step's
//! pure decision (the core's function: a new state, or a `DomainError` naming the rule),
//! lets the step write, then attaches the record kind's consequences (history version,
//! timeline event, recomputed obligations …) and the audit record, and commits — all or
//! nothing. A refusal rolls the write back and is audited in a write of its own; invalid
//! input and stale versions are the user's to fix and are not.
//!
//! The workflow engine runs every transition through this path: a new kind of step is a new
//! `Step` implementation, not a new copy of the transaction dance.

use super::WriteTx;
use super::audit_log::{Change, append};
use crate::Backend;
use crate::{Actor, Result, Store, StoreError};
use govit_core::DomainError;
use govit_core::ids::JurisdictionId;
use govit_core::org::Principal;
use govit_core::policy::{Provision, ProvisionRule};
use sqlx::AnyConnection;
use sqlx::AssertSqlSafe;
use std::future::Future;

/// Who acts, and when.
#[derive(Clone, Copy)]
pub struct Who<'a> {
    pub principal: &'a Principal,
    pub actor: &'a Actor,
    pub now_ms: i64,
}

impl<'a> Who<'a> {
    pub fn new(principal: &'a Principal, actor: &'a Actor, now_ms: i64) -> Who<'a> {
        Who { principal, actor, now_ms }
    }
}

/// The record a change acts on.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// A record to be created.
    New,
    /// An existing record; `version` is the one the user saw (checked), or `None` for changes
    /// to a record's parts that do not race its own fields (a link, an event, a waiver).
    Existing { id: i64, version: Option<i64> },
}

impl Target {
    pub fn at(id: i64, version: i64) -> Target {
        Target::Existing { id, version: Some(version) }
    }
    pub fn any_version(id: i64) -> Target {
        Target::Existing { id, version: None }
    }
    fn id(self) -> Option<i64> {
        match self {
            Target::New => None,
            Target::Existing { id, .. } => Some(id),
        }
    }
}

/// What the web layer needs to bring the search index up to date after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reindex {
    Project(i64),
    System(i64),
}

/// The decision's own result: a new state, or a refusal naming the rule.
pub type Decided<T> = std::result::Result<T, DomainError>;

/// A kind of record that changes through the path.
pub trait Record: Sized + Send + Sync {
    /// The audit log's object kind (`project`, `system`, `cloud_catalog`, `negative_list` …).
    const KIND: &'static str;
    /// What a step learned of the record while reading and writing it that the record's
    /// consequences may work from instead of reading it again (a project's facts and acts);
    /// empty for kinds whose consequences read nothing.
    type Carry: Default + Send;

    /// The id, and the optimistic version: a change made at another version is refused as
    /// stale.
    fn key(&self) -> (i64, i64);
    /// Loads the current row inside the transaction (as of `who`'s instant).
    fn load(
        conn: &mut AnyConnection, who: Who<'_>, id: i64,
    ) -> impl Future<Output = Result<Option<Self>>> + Send;
    /// The table whose row a change of it holds for the whole change: on PostgreSQL a second
    /// change of the same record then waits for the first and reads what it left (and is
    /// refused as stale), instead of reading part of the record before and part after.
    /// SQLite runs one writer at a time. None: the versioned update alone guards it.
    const TABLE: Option<&'static str> = None;
    /// The record as the step's write left it, when the step knows it whole and left it in
    /// the carry; the path then does not read it again. None by default.
    fn written(_carry: &mut Self::Carry) -> Option<Self> {
        None
    }
    /// Loads the current row, if the principal may see it at all (otherwise the change is
    /// refused as not found).
    fn load_visible(
        conn: &mut AnyConnection, who: Who<'_>, id: i64,
    ) -> impl Future<Output = Result<Option<Self>>> + Send;
    /// What the audit record shows of it, before and after.
    fn audit_view(&self) -> serde_json::Value;
    /// The consequences every change of this kind carries, in the same transaction:
    /// a history version, a timeline event, recomputed obligations. None by default.
    fn consequences(
        _cx: &mut Cx<'_, Self>, _after: &Self, _action: &str, _detail: &str,
    ) -> impl Future<Output = Result<()>> + Send {
        async { Ok(()) }
    }
    /// The search document a change touches, when what the index holds of the record
    /// changed (a new record, a new name or description); none by default.
    fn reindex(_before: Option<&Self>, _after: &Self) -> Option<Reindex> {
        None
    }
}

/// Where a decision stands: who acts, and the record as it was (none for a new one).
pub struct At<'a, R> {
    pub who: Who<'a>,
    pub before: Option<&'a R>,
}

impl<R> Clone for At<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R> Copy for At<'_, R> {}

impl<'a, R> At<'a, R> {
    /// The record a step on an existing record acts on.
    pub fn record(self) -> Decided<&'a R> {
        self.before.ok_or(DomainError::NotFound)
    }
}

/// What a step reads and writes with: the store, the transaction's connection, who acts, the
/// record as it was, and what the step carries over to the record's consequences.
pub struct Cx<'a, R: Record> {
    pub store: &'a Store,
    pub conn: &'a mut AnyConnection,
    pub who: Who<'a>,
    pub before: Option<&'a R>,
    /// Kept current by the step that fills it: what it has written must show here, or be
    /// left out (the consequences then read it).
    pub carry: R::Carry,
}

impl<'a, R: Record> Cx<'a, R> {
    pub fn at(&self) -> At<'a, R> {
        At { who: self.who, before: self.before }
    }
    /// The record a step on an existing record acts on.
    pub fn record(&self) -> Result<&'a R> {
        Ok(self.at().record()?)
    }
}

/// One kind of change of a record of kind `R`.
pub trait Step<R: Record>: Send + Sync {
    /// What the rule needs to read first (facts, gate outcomes, roles), in the transaction;
    /// nothing by default.
    type Input: Send + Default;
    /// What the decision says to write.
    type Decision: Send;

    /// The audit action code (`project.submit`, `cloud_catalog.publish` …).
    fn action(&self) -> String;

    /// Reads what the decision needs, inside the transaction.
    fn gather(&self, _cx: &mut Cx<'_, R>) -> impl Future<Output = Result<Self::Input>> + Send {
        async { Ok(Self::Input::default()) }
    }

    /// The rule: a pure function (usually the core's) of the record and the input.
    fn decide(&self, at: At<'_, R>, input: Self::Input) -> Decided<Self::Decision>;

    /// Writes the decision. A guarded update that touches no row returns `StaleVersion`.
    /// The path reads the record again afterwards.
    fn write(
        &self, cx: &mut Cx<'_, R>, decision: Self::Decision,
    ) -> impl Future<Output = Result<Written>> + Send;

    /// The audit record's detail (a reason, a note).
    fn detail(&self) -> String {
        String::new()
    }

    /// The audit action of the record written, when the outcome names it (publish or
    /// return, update or dispose); the step's own action by default.
    fn action_of(&self, _before: Option<&R>, _after: &R) -> String {
        self.action()
    }

    /// The provision whose article a refusal of this step cites, taken from the acting
    /// user's own profile (nothing is cited when that profile has no such article).
    fn provision(&self) -> Option<Provision> {
        None
    }
}

/// What a step wrote: the new record's id (for a creation), and — when the change was to
/// one of its parts (an event, a fact, a waiver, a link) — what the audit record shows
/// instead of the record's own before and after.
#[derive(Default)]
pub struct Written {
    /// The record created; none for a change to an existing one.
    pub created: Option<i64>,
    pub audit: Option<Audited>,
    /// The id of the part created or changed (a service, a link), for the caller.
    pub part: Option<i64>,
}

impl Written {
    /// The record itself changed.
    pub fn record() -> Written {
        Written::default()
    }
    /// A record was created.
    pub fn created(id: i64) -> Written {
        Written { created: Some(id), ..Written::default() }
    }
    /// A part changed; the audit shows it.
    pub fn part(audit: Audited) -> Written {
        Written { audit: Some(audit), ..Written::default() }
    }
    /// Names the part's id for the caller.
    pub fn with_part(mut self, id: i64) -> Written {
        self.part = Some(id);
        self
    }
}

/// The audit record of a change to a part of a record.
pub struct Audited {
    /// The part's object type and id (`obligation`, `12/yeji-22`), or the record's own.
    pub object: Option<(&'static str, String)>,
    pub before: Option<serde_json::Value>,
    pub after: serde_json::Value,
}

impl Audited {
    /// A part of the record itself changed, from `before` (if it was there) to `after`.
    pub fn of(before: Option<serde_json::Value>, after: serde_json::Value) -> Audited {
        Audited { object: None, before, after }
    }
}

/// The result of a change: the record as it now is, and what to reindex.
#[derive(Debug)]
pub struct Changed<R> {
    pub record: R,
    pub reindex: Option<Reindex>,
    /// The part created or changed, when the change was to one (a service, a link).
    pub part: Option<i64>,
}

impl Store {
    /// Runs one change through the path (see the module's documentation).
    pub async fn run<R: Record, S: Step<R>>(
        &self, who: Who<'_>, target: Target, step: &S,
    ) -> Result<Changed<R>> {
        let mut w = self.write().await?;
        if let (Some(table), Target::Existing { id, .. }, Backend::Postgres) =
            (R::TABLE, target, self.backend)
        {
            sqlx::query(AssertSqlSafe(format!(
                "UPDATE {table} SET version = version WHERE id = $1"
            )))
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        }
        let before = match target {
            Target::New => None,
            Target::Existing { id, .. } => match R::load_visible(&mut w.tx, who, id).await? {
                Some(r) => Some(r),
                None => {
                    drop(w);
                    return Err(self.refused_read::<R>(who, id).await);
                }
            },
        };
        match self.run_in(w, who, target, before, step).await {
            Ok(changed) => Ok(changed),
            Err(e) => {
                let e = match step.provision() {
                    Some(p) => cite(e, self.basis(who.principal.jurisdiction_id, p).await),
                    None => e,
                };
                Err(self.refused(who, R::KIND, target.id(), &step.action(), e).await)
            }
        }
    }

    /// Reads a record the principal may see. Out of scope reads as not found, and is
    /// audited as a refused read (`<kind>.read`).
    pub async fn read<R: Record>(&self, who: Who<'_>, id: i64) -> Result<R> {
        let found = {
            let mut conn = self.pool.acquire().await?;
            R::load_visible(&mut conn, who, id).await?
        };
        match found {
            Some(r) => Ok(r),
            None => Err(self.refused_read::<R>(who, id).await),
        }
    }

    async fn refused_read<R: Record>(&self, who: Who<'_>, id: i64) -> StoreError {
        let read = format!("{}.read", R::KIND);
        self.refused(who, R::KIND, Some(id), &read, DomainError::NotFound.into()).await
    }

    pub(crate) async fn run_in<R: Record, S: Step<R>>(
        &self, mut w: WriteTx<'_>, who: Who<'_>, target: Target, before: Option<R>, step: &S,
    ) -> Result<Changed<R>> {
        if let (Target::Existing { version: Some(v), .. }, Some(r)) = (target, &before) {
            let (_, current) = r.key();
            if v != current {
                return Err(DomainError::StaleVersion { current }.into());
            }
        }
        let mut cx = Cx {
            store: self,
            conn: &mut w.tx,
            who,
            before: before.as_ref(),
            carry: R::Carry::default(),
        };
        let input = step.gather(&mut cx).await?;
        let decision = step.decide(cx.at(), input)?;
        let written = step.write(&mut cx, decision).await?;
        let id = written.created.or(target.id()).ok_or(DomainError::NotFound)?;
        let after = match R::written(&mut cx.carry).filter(|_| written.created.is_none()) {
            Some(after) => after,
            None => R::load(cx.conn, who, id).await?.ok_or(DomainError::NotFound)?,
        };
        let action = step.action_of(before.as_ref(), &after);
        let detail = step.detail();
        R::consequences(&mut cx, &after, &action, &detail).await?;
        let change = match written.audit {
            None => {
                let change = Change::ok(R::KIND, id, &action).after(&after.audit_view());
                match &before {
                    Some(b) => change.before(&b.audit_view()),
                    None => change,
                }
            }
            Some(part) => {
                let (kind, id) = part.object.unwrap_or_else(|| (R::KIND, id.to_string()));
                let change = Change::ok(kind, id, &action).after(&part.after);
                match &part.before {
                    Some(b) => change.before(b),
                    None => change,
                }
            }
        };
        append(cx.conn, who.actor, who.now_ms, change.detail(detail)).await?;
        w.commit().await?;
        Ok(Changed {
            reindex: R::reindex(before.as_ref(), &after),
            record: after,
            part: written.part,
        })
    }

    /// The article of `jurisdiction`'s profile that grounds `provision`, if it has one.
    pub async fn basis(
        &self, jurisdiction: JurisdictionId, provision: Provision,
    ) -> Option<ProvisionRule> {
        let j = self.jurisdiction(jurisdiction).await.ok()?;
        self.rules().profile(&j.profile_id)?.basis(provision)
    }

    /// Audits a refused change (after its write was rolled back) and returns the error:
    /// refusals by an access check (out of scope, no right) or by a rule of the profile (a
    /// gate). Invalid input, stale versions, a state that does not allow the step yet and a
    /// missing part are the user's to fix and are not audited.
    pub(crate) async fn refused(
        &self, who: Who<'_>, kind: &str, id: Option<i64>, action: &str, err: StoreError,
    ) -> StoreError {
        let detail = match &err {
            StoreError::Domain(DomainError::NotFound) if action.ends_with(".read") => {
                "不存在或超出数据范围".to_string()
            }
            StoreError::Domain(
                e @ (DomainError::Forbidden(_) | DomainError::GateRefused { .. }),
            ) => e.to_string(),
            _ => return err,
        };
        let id = id.unwrap_or(0).to_string();
        if let Err(e) = self.audit_refusal(who.actor, who.now_ms, kind, &id, action, &detail).await
        {
            tracing::error!(error = %e, "could not audit a refusal");
        }
        err
    }
}

/// A guarded update touched no row: another writer changed the record first (PostgreSQL;
/// SQLite writes are serialized). `table` is a fixed table name.
pub(crate) async fn stale_unless(
    conn: &mut AnyConnection, rows_affected: u64, table: &str, id: i64,
) -> Result<()> {
    if rows_affected > 0 {
        return Ok(());
    }
    let current: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT version FROM {table} WHERE id = $1"
    )))
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Err(DomainError::StaleVersion { current }.into())
}

/// A refusal with the article that grounds it appended to each message the user reads.
fn cite(e: StoreError, basis: Option<ProvisionRule>) -> StoreError {
    let Some(b) = basis else { return e };
    let add = |m: &mut String| {
        if !m.contains(&b.cite) {
            m.push_str(&format!("（{}）", b.cite));
        }
    };
    match e {
        StoreError::Domain(DomainError::Invalid(mut errs)) => {
            for f in &mut errs {
                add(&mut f.message);
            }
            DomainError::Invalid(errs).into()
        }
        StoreError::Domain(DomainError::Forbidden(mut m)) => {
            add(&mut m);
            DomainError::Forbidden(m).into()
        }
        StoreError::Domain(DomainError::InvalidState { mut message }) => {
            add(&mut message);
            DomainError::InvalidState { message }.into()
        }
        other => other,
    }
}
