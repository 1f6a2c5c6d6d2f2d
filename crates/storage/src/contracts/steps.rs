//! A contract's changes on the change path: the owner unit records a contract it has signed
//! (`SignContract`, refused for a blacklisted firm, a term its profile requires missing, or a
//! `sign` gate such as linxiang:19's three years of O&M), which records 签订合同 or 确定监理 on
//! the project; then the filing runs along its profile's chain with the engine's verbs
//! (`ContractAct`, the subject mechanism's act), the last step recording 合同备案 or 监理备案 there.

use super::*;
use crate::base::change::{At, Audited, Cx, Decided, Step, Written, stale_unless};
use crate::china_today;
use crate::projects::run::OWNER;
use crate::projects::run::subject::{approved_on, owner_of_approved, projection};
use govit_core::DomainError;
use govit_core::contract::{ContractForm, missing_clauses};
use govit_core::obligation::GateCheck;
use govit_core::org::FirmKind;
use govit_core::policy::{GatedAction, SanctionStep};

/// The owner unit records a contract it has signed for project `project` (`Target::New`).
pub struct SignContract {
    pub project: ProjectId,
    pub form: ContractForm,
}

/// The owner unit corrects a contract not yet sent for filing (or returned, or recorded
/// where nothing is filed), at the version it saw; its kind stays.
pub struct EditContract {
    pub form: ContractForm,
}

/// A firm as signing reads it.
pub struct FirmRow {
    kind: String,
    name: String,
    blacklisted: bool,
    reason: String,
}

/// What recording or correcting a contract reads.
#[derive(Default)]
pub struct TermsInput {
    project: Option<Project>,
    parties: Vec<String>,
    owner_label: String,
    /// The day the project was terminated, if it was.
    ended: Option<chrono::NaiveDate>,
    firm: Option<FirmRow>,
    /// The profile's clauses the terms lack (when the form reads).
    missing: Vec<govit_core::FieldError>,
    /// The `sign` gates under the project's facts with the contract's O&M years.
    gates: Vec<GateCheck>,
    /// The article of the profile's blacklist (linxiang:35, lhasa:22), if it has one.
    blacklist_cite: Option<String>,
    /// The day the project was approved (立项批复), if it was.
    approved_on: Option<NaiveDate>,
    /// Another contract of the project with the same kind, firm, title and signing day.
    same: Option<(i64, String)>,
}

/// Reads what the rules of a contract's terms need: the project as the caller may see it,
/// the parties they act as there, the firm, the profile's clauses and `sign` gates under the
/// terms' O&M years, the approval day and a contract like it (`except`: the one corrected).
async fn gather_terms(
    cx: &mut Cx<'_, Contract>, project: ProjectId, form: &ContractForm, except: Option<i64>,
) -> Result<TermsInput> {
    let who = cx.who;
    let Some(project) = Project::load_visible(cx.conn, who, project.0).await? else {
        return Ok(TermsInput::default());
    };
    let parties = crate::projects::run::acting_parties(cx.conn, who.principal, &project).await?;
    let terms = form.parse(china_today(who.now_ms)).ok();
    let mut input = TermsInput { parties, ..TermsInput::default() };
    input.approved_on = approved_on(cx.conn, project.id).await?;
    input.ended = crate::projects::run::subject::ended_on(cx.conn, project.id).await?;
    if let Some(t) = &terms {
        input.firm = sqlx::query(
            "SELECT kind, name, blacklisted, blacklist_reason FROM firms WHERE id = $1 AND jurisdiction_id = $2",
        )
        .bind(t.firm_id)
        .bind(project.jurisdiction_id.0)
        .fetch_optional(&mut *cx.conn)
        .await?
        .map(|r| -> Result<FirmRow> {
            Ok(FirmRow {
                kind: r.try_get("kind")?,
                name: r.try_get("name")?,
                blacklisted: r.try_get::<i64, _>("blacklisted")? != 0,
                reason: r.try_get("blacklist_reason")?,
            })
        })
        .transpose()?;
        input.same = sqlx::query_as(
            "SELECT id, title FROM contracts WHERE project_id = $1 AND kind = $2 AND firm_id = $3 AND title = $4 \
             AND signed_on = $5 AND id <> $6 ORDER BY id LIMIT 1",
        )
        .bind(project.id.0)
        .bind(t.kind.as_str())
        .bind(t.firm_id)
        .bind(t.title.clone())
        .bind(t.signed_on.to_string())
        .bind(except.unwrap_or(-1))
        .fetch_optional(&mut *cx.conn)
        .await?;
    }
    {
        let rules = cx.store.rules();
        if let Some(profile) = rules.profile(&project.profile_id) {
            input.owner_label = profile.party_label(OWNER);
            input.blacklist_cite = profile
                .sanctions
                .iter()
                .find(|s| s.steps.contains(&SanctionStep::Blacklist))
                .map(|s| s.cite.clone());
            if let Some(t) = &terms {
                input.missing = missing_clauses(profile, t);
            }
        }
    }
    // The `sign` gates stand before the construction contract, whose terms they test
    // (linxiang:19's years of O&M); a supervision contract is not held to them.
    if let Some(t) = terms.as_ref().filter(|t| t.kind == ContractKind::Construction) {
        let mut facts = cx.store.facts_of(cx.conn, &project).await?;
        // The project's O&M years with these terms in place of the ones corrected.
        let others: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(om_months) FROM contracts WHERE project_id = $1 AND kind = 'construction' AND id <> $2",
        )
        .bind(project.id.0)
        .bind(except.unwrap_or(-1))
        .fetch_one(&mut *cx.conn)
        .await?;
        let years = (others.unwrap_or(0) / 12).max(t.om_years());
        facts.insert(Fact::OmYearsInContract, years);
        input.gates =
            cx.store.gate_checks(cx.conn, &project, GatedAction::Sign, Some(&facts)).await?;
    }
    input.project = Some(project);
    Ok(input)
}

/// The rules of a contract's terms, the same for recording and correcting it.
fn check_terms(
    at: &At<'_, Contract>, form: &ContractForm, input: &TermsInput,
) -> Decided<ContractTerms> {
    let project = input.project.as_ref().ok_or(DomainError::NotFound)?;
    owner_of_approved(
        project,
        &input.parties,
        &input.owner_label,
        input.ended,
        ("合同由{owner}登记", "登记合同"),
    )?;
    let terms = form.parse(china_today(at.who.now_ms)).map_err(DomainError::Invalid)?;
    if let Some(approved) = input.approved_on
        && terms.signed_on < approved
    {
        return Err(DomainError::invalid(
            "signed_on",
            format!("签订日期不能早于项目立项批复日期（{approved}）：立项批复后方可采购和签订合同"),
        ));
    }
    let Some(firm) = &input.firm else {
        return Err(DomainError::invalid("firm_id", "本辖区没有该签约单位，请从名录中选择"));
    };
    let wanted = terms.kind.firm_kind();
    if FirmKind::parse(&firm.kind) != Some(wanted) {
        return Err(DomainError::invalid(
            "firm_id",
            format!(
                "{}应与{}签订，“{}”不是{}",
                terms.kind.label(),
                wanted.label(),
                firm.name,
                wanted.label()
            ),
        ));
    }
    if firm.blacklisted {
        let cite =
            input.blacklist_cite.as_deref().map(|c| format!("（依据 {c}）")).unwrap_or_default();
        return Err(DomainError::invalid(
            "firm_id",
            format!("“{}”已列入黑名单（{}），不能与其签订合同{cite}", firm.name, firm.reason),
        ));
    }
    if !input.missing.is_empty() {
        return Err(DomainError::Invalid(input.missing.clone()));
    }
    if let Some((_, title)) = &input.same {
        return Err(DomainError::invalid(
            "title",
            format!(
                "本项目已登记过《{title}》（同一签约单位、名称和签订日期），请勿重复登记；需更正的，请在项目页的合同列表中打开该合同修改"
            ),
        ));
    }
    govit_core::project::first_refusal(&input.gates)?;
    Ok(terms)
}

impl Step<Contract> for SignContract {
    type Input = TermsInput;
    type Decision = ContractTerms;

    fn action(&self) -> String {
        "contract.sign".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Contract>) -> Result<TermsInput> {
        gather_terms(cx, self.project, &self.form, None).await
    }
    fn decide(&self, at: At<'_, Contract>, input: TermsInput) -> Decided<ContractTerms> {
        check_terms(&at, &self.form, &input)
    }
    async fn write(&self, cx: &mut Cx<'_, Contract>, terms: ContractTerms) -> Result<Written> {
        let who = cx.who;
        let route = route_of(cx.store, &project_profile(cx.conn, self.project).await?, terms.kind);
        let (state, waiting) =
            projection::<Contract>(&route, &Progress::start(&route, who.now_ms), false);
        let deliverables =
            terms.deliverables.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(",");
        let jurisdiction: i64 =
            sqlx::query_scalar("SELECT jurisdiction_id FROM projects WHERE id = $1")
                .bind(self.project.0)
                .fetch_one(&mut *cx.conn)
                .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO contracts (project_id, jurisdiction_id, kind, firm_id, title, method, amount_yuan, \
             signed_on, starts_on, ends_on, om_months, deliverables, ownership, termination, state, waiting_on, \
             created_by, created_at_ms, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1) RETURNING id",
        )
        .bind(self.project.0)
        .bind(jurisdiction)
        .bind(terms.kind.as_str())
        .bind(terms.firm_id)
        .bind(terms.title.clone())
        .bind(terms.method.as_str())
        .bind(terms.amount.0)
        .bind(terms.signed_on.to_string())
        .bind(terms.starts_on.to_string())
        .bind(terms.ends_on.to_string())
        .bind(i64::from(terms.om_months))
        .bind(deliverables)
        .bind(terms.ownership.clone())
        .bind(terms.termination.clone())
        .bind(state)
        .bind(waiting)
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .fetch_one(&mut *cx.conn)
        .await?;
        // 签订合同 / 确定监理 happened on the day it was signed: the filing's clock runs from it.
        crate::projects::obligations::insert_milestone(
            cx.conn,
            self.project,
            terms.kind.signed_event(),
            terms.signed_on,
            &signed_note(&terms),
            who.principal.user_id.0,
            who.now_ms,
        )
        .await?;
        cx.store.project_events_changed(cx.conn, self.project, who.now_ms).await?;
        let line = format!(
            "登记{}《{}》：合同金额 {} 万元，{} 签订",
            terms.kind.label(),
            terms.title,
            terms.amount.to_wan_string(),
            terms.signed_on
        );
        crate::projects::note_on_timeline(
            cx.conn,
            who.principal,
            who.now_ms,
            self.project,
            ProjectAction::Contract,
            &line,
        )
        .await?;
        let after = json!({"project_id": self.project, "terms": terms, "status": state});
        Ok(Written { created: Some(id), ..Written::part(Audited::of(None, after)) })
    }
}

/// Why a contract in `status` cannot be corrected now, if it cannot.
pub fn not_editable(status: ContractStatus) -> Option<&'static str> {
    match status {
        ContractStatus::ToFile | ContractStatus::Returned | ContractStatus::Recorded => None,
        ContractStatus::Filing => {
            Some("合同已报送备案，不能修改；需修改的，请先撤回，或由备案单位退回后修改")
        }
        ContractStatus::Filed => Some("合同已备案，不能再修改"),
    }
}

/// The note of the event signing records: which contract.
fn signed_note(t: &ContractTerms) -> String {
    format!("{}《{}》", t.kind.label(), t.title)
}

impl Step<Contract> for EditContract {
    type Input = TermsInput;
    type Decision = ContractTerms;

    fn action(&self) -> String {
        "contract.edit".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Contract>) -> Result<TermsInput> {
        let c = cx.record()?;
        let (project, id) = (c.project_id, c.id);
        gather_terms(cx, project, &self.form, Some(id)).await
    }
    fn decide(&self, at: At<'_, Contract>, input: TermsInput) -> Decided<ContractTerms> {
        let c = at.record()?;
        if let Some(why) = not_editable(c.status) {
            return Err(DomainError::InvalidState { message: why.into() });
        }
        let terms = check_terms(&at, &self.form, &input)?;
        if terms.kind != c.terms.kind {
            return Err(DomainError::invalid(
                "kind",
                format!(
                    "合同类别不能修改；本合同是{}，类别登记错了的，请另行登记",
                    c.terms.kind.label()
                ),
            ));
        }
        Ok(terms)
    }
    async fn write(&self, cx: &mut Cx<'_, Contract>, terms: ContractTerms) -> Result<Written> {
        let c = cx.record()?.clone();
        let who = cx.who;
        let conn = &mut *cx.conn;
        let deliverables =
            terms.deliverables.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(",");
        let n = sqlx::query(
            "UPDATE contracts SET firm_id = $1, title = $2, method = $3, amount_yuan = $4, signed_on = $5, \
             starts_on = $6, ends_on = $7, om_months = $8, deliverables = $9, ownership = $10, termination = $11, \
             version = version + 1 WHERE id = $12 AND version = $13",
        )
        .bind(terms.firm_id)
        .bind(terms.title.clone())
        .bind(terms.method.as_str())
        .bind(terms.amount.0)
        .bind(terms.signed_on.to_string())
        .bind(terms.starts_on.to_string())
        .bind(terms.ends_on.to_string())
        .bind(i64::from(terms.om_months))
        .bind(deliverables)
        .bind(terms.ownership.clone())
        .bind(terms.termination.clone())
        .bind(c.id)
        .bind(c.version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        stale_unless(conn, n, "contracts", c.id).await?;
        // The signing event moves with a corrected day or title.
        if terms.signed_on != c.terms.signed_on || terms.title != c.terms.title {
            sqlx::query(
                "UPDATE project_milestones SET event_date = $1, note = $2 WHERE project_id = $3 \
                 AND kind = $4 AND event_date = $5 AND note = $6 AND planned = 0",
            )
            .bind(terms.signed_on.to_string())
            .bind(signed_note(&terms))
            .bind(c.project_id.0)
            .bind(c.terms.kind.signed_event().as_str())
            .bind(c.terms.signed_on.to_string())
            .bind(signed_note(&c.terms))
            .execute(&mut *conn)
            .await?;
        }
        cx.store.project_events_changed(conn, c.project_id, who.now_ms).await?;
        let changed = c.terms.changes(&terms);
        let line = match changed.is_empty() {
            true => format!("修改{}《{}》：内容未变", terms.kind.label(), terms.title),
            false => {
                format!("修改{}《{}》：{}", terms.kind.label(), terms.title, changed.join("；"))
            }
        };
        crate::projects::note_on_timeline(
            conn,
            who.principal,
            who.now_ms,
            c.project_id,
            ProjectAction::Contract,
            &line,
        )
        .await?;
        let after = json!({"terms": terms});
        Ok(Written::part(Audited::of(Some(json!({"terms": c.terms})), after)))
    }
}

async fn project_profile(conn: &mut AnyConnection, id: ProjectId) -> Result<String> {
    Ok(sqlx::query_scalar("SELECT profile_id FROM projects WHERE id = $1")
        .bind(id.0)
        .fetch_one(&mut *conn)
        .await?)
}
