//! 合同: the owner unit records the construction or supervision contract it has signed for an
//! approved project (the form tells it what its profile requires of a contract, with the
//! articles), and the contract's filing runs along its profile's chain (报送 → 局党组同意 → 备案
//! where xinzhou-transport:17 says so); the project page lists its contracts; /contracts lists
//! what waits on the reader. The same over the API.

mod api;

pub use api::router;

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::{PageResult, html};
use crate::shell::respond;
use crate::shell::route::{self, RunPanel};
use crate::shell::view::{Layout, Pager, SummaryItem, fmt_ms};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use govit_core::contract::{
    ContractForm, ContractKind, ContractStatus, Deliverable, ProcurementMethod,
};
use govit_core::policy::{GatedAction, Profile};
use govit_core::workflow::VerbKind;
use govit_core::{DomainError, FieldError};
use govit_storage::contracts::{Contract, ContractView, EditContract, SignContract};
use govit_storage::projects::Project;
use govit_storage::{StoreError, Target};
use serde::Deserialize;
use std::collections::HashMap;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/contracts", get(list_page))
        .route("/contracts/{id}", get(contract_page))
        .route("/contracts/{id}/act", post(act_page))
        .route("/contracts/{id}/edit", get(edit_page).post(edit_post))
        .route("/projects/{id}/contracts/new", get(new_page))
        .route("/projects/{id}/contracts", post(sign_page))
}

/// What the profile asks of a contract of a kind, in its words: the clauses and the `sign`
/// gates, each with its article.
fn requirements(profile: Option<&Profile>, kind: ContractKind) -> Vec<String> {
    let Some(p) = profile else { return Vec::new() };
    let mut out: Vec<String> = p
        .clauses
        .iter()
        .filter(|c| c.contract == kind)
        .map(|c| format!("{}（{}）", c.clause.label(), c.cite))
        .collect();
    if kind == ContractKind::Construction {
        out.extend(
            p.gates
                .iter()
                .filter(|g| g.action == GatedAction::Sign)
                .map(|g| format!("{}（{}）", g.text, g.cite)),
        );
    }
    let route = govit_core::contract::filing_route(p, kind);
    match route.steps.first() {
        Some(s) => out.push(format!(
            "登记后按{}的程序报送备案（{}）",
            p.stage_label(kind.filing_stage()),
            s.cite
        )),
        None => out.push("本辖区的规定没有该类合同的备案程序，登记即可".into()),
    }
    // The filing's deadline, counted from the signing day the form records.
    for d in p.deadlines.iter().filter(|d| d.after == kind.signed_event()) {
        out.push(match d.working_days {
            Some(n) => format!("{}：签订之日起 {n} 个工作日内（{}）", d.duty, d.cite),
            None => format!("{}：未规定期限（{}）", d.duty, d.cite),
        });
    }
    out
}

#[derive(Template)]
#[template(path = "contracts/form.html")]
struct FormPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    csrf: String,
    project_id: i64,
    project_name: String,
    /// 登记建设合同 / 登记监理合同 / 修改…
    heading: String,
    /// Where the form posts.
    action: String,
    /// Correcting a contract (its id, the version read): its kind stays.
    editing: Option<(i64, i64)>,
    /// A supervision contract: no O&M, deliverables or ownership to agree.
    supervision: bool,
    /// (kind code, label, what the profile asks of it)
    kinds: Vec<(&'static str, &'static str, Vec<String>)>,
    /// (kind label, [(firm id, name)])
    firms: Vec<(&'static str, Vec<(i64, String)>)>,
    methods: Vec<(&'static str, &'static str)>,
    deliverables: Vec<(&'static str, &'static str, bool)>,
    f: ContractForm,
    e: HashMap<&'static str, String>,
}

#[derive(Deserialize, Default)]
struct NewQuery {
    #[serde(default)]
    kind: String,
}

async fn new_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>, Query(q): Query<NewQuery>,
) -> PageResult {
    // Told before typing: only the owner unit of an approved project records its contracts.
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    route::may_start(&state, &user, &p, "登记合同", "合同由项目建设单位的经办人登记").await?;
    let kind = ContractKind::parse(q.kind.trim()).map_or("", |k| k.as_str()).to_string();
    let form = ContractForm { kind, ..ContractForm::default() };
    render_form(&state, &user, id, form, Vec::new(), None).await
}

async fn render_form(
    state: &AppState, user: &User, id: i64, f: ContractForm, errors: Vec<FieldError>,
    editing: Option<(i64, i64)>,
) -> PageResult {
    let p = state.store.read::<Project>(user.who(state), id).await?;
    let kind = ContractKind::parse(f.kind.trim());
    let heading = match (editing, kind) {
        (Some(_), Some(k)) => format!("修改{}", k.label()),
        (None, Some(k)) => format!("登记{}", k.label()),
        _ => "登记合同".to_string(),
    };
    let action = match editing {
        Some((c, _)) => format!("/contracts/{c}/edit"),
        None => format!("/projects/{id}/contracts"),
    };
    // A kind chosen (the link it came from, a correction): its requirements and firms only.
    let shown: Vec<ContractKind> =
        ContractKind::ALL.iter().copied().filter(|k| kind.is_none_or(|x| x == *k)).collect();
    let kinds = {
        let rules = state.store.rules();
        let profile = rules.profile(&p.profile_id);
        shown.iter().map(|k| (k.as_str(), k.label(), requirements(profile, *k))).collect()
    };
    // A firm with misconduct in its credit file (linxiang:35) says so where it is chosen.
    let records = state.store.credit_counts(p.jurisdiction_id).await?;
    let mut firms = Vec::new();
    for k in &shown {
        let mut list = state.store.contractable_firms(p.jurisdiction_id, *k).await?;
        for (id, name) in list.iter_mut() {
            if let Some(n) = records.get(&(govit_core::credit::CreditSubject::Firm, *id)) {
                name.push_str(&format!("（信用档案有不良行为记录 {n} 条）"));
            }
        }
        firms.push((k.firm_kind().label(), list));
    }
    let chosen: Vec<&str> = f.deliverables.split(',').map(str::trim).collect();
    let again = !errors.is_empty();
    let e = crate::shell::view::first_messages(&errors);
    let page = FormPage {
        layout: Layout::for_user(state, user, heading.clone(), "projects")
            .await?
            .with_errors(!errors.is_empty()),
        heading,
        action,
        editing,
        supervision: kind == Some(ContractKind::Supervision),
        errors: crate::shell::view::summary(&errors),
        csrf: user.csrf.clone(),
        project_id: p.id.0,
        project_name: p.declaration.name.clone(),
        kinds,
        firms,
        methods: ProcurementMethod::ALL.iter().map(|m| (m.as_str(), m.label())).collect(),
        deliverables: Deliverable::ALL
            .iter()
            .map(|d| (d.as_str(), d.label(), chosen.contains(&d.as_str())))
            .collect(),
        f,
        e,
    };
    crate::shell::page::html_status(page, again)
}

/// The form as posted: every field once, the deliverables' checkboxes joined.
fn form_of(pairs: &[(String, String)]) -> ContractForm {
    let get =
        |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let deliverables: Vec<&str> = pairs
        .iter()
        .filter(|(n, _)| n == "deliverables")
        .map(|(_, v)| v.as_str())
        .take(Deliverable::ALL.len() + 5)
        .collect();
    ContractForm {
        kind: get("kind"),
        firm_id: get("firm_id"),
        title: get("title"),
        method: get("method"),
        amount: get("amount"),
        signed_on: get("signed_on"),
        starts_on: get("starts_on"),
        ends_on: get("ends_on"),
        om_months: get("om_months"),
        deliverables: deliverables.join(","),
        ownership: get("ownership"),
        termination: get("termination"),
    }
}

/// A refusal by a rule of the profile (linxiang:19's three years) shown on the form, with its
/// article, rather than on the error page: the clerk corrects the contract's terms.
pub(crate) fn gate_on_form(e: StoreError) -> Result<Vec<FieldError>, StoreError> {
    match e {
        StoreError::Domain(DomainError::Invalid(errors)) => Ok(errors),
        StoreError::Domain(DomainError::GateRefused { cite, text }) => {
            Ok(vec![FieldError::new("om_months", format!("{text}（依据 {cite}）"))])
        }
        e => Err(e),
    }
}

async fn sign_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let form = form_of(&pairs);
    let step = SignContract { project: govit_core::ids::ProjectId(id), form: form.clone() };
    match state.store.run(user.who(&state), Target::New, &step).await {
        Ok(changed) => Ok(respond::redirect(&state, changed, |c: &Contract| {
            format!("/contracts/{}?done=saved", c.id)
        })
        .await),
        Err(e) => {
            let errors = gate_on_form(e)?;
            render_form(&state, &user, id, form, errors, None).await
        }
    }
}

/// The contract's terms as its form shows them, to correct.
fn form_from(c: &Contract) -> ContractForm {
    let t = &c.terms;
    ContractForm {
        kind: t.kind.as_str().into(),
        firm_id: t.firm_id.to_string(),
        title: t.title.clone(),
        method: t.method.as_str().into(),
        amount: t.amount.to_wan_string(),
        signed_on: t.signed_on.to_string(),
        starts_on: t.starts_on.to_string(),
        ends_on: t.ends_on.to_string(),
        om_months: t.om_months.to_string(),
        deliverables: t.deliverables.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(","),
        ownership: t.ownership.clone(),
        termination: t.termination.clone(),
    }
}

async fn edit_page(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let c = state.store.read::<Contract>(user.who(&state), id).await?;
    // Told before typing: only the owner unit corrects, and only what is not sent or filed.
    if let Some(why) = govit_storage::contracts::not_editable(c.status) {
        return Err(DomainError::InvalidState { message: why.into() }.into());
    }
    let p = state.store.read::<Project>(user.who(&state), c.project_id.0).await?;
    if !route::owns(&user, &p) {
        return Err(DomainError::Forbidden("合同由项目建设单位的经办人登记和修改".into()).into());
    }
    let at = Some((c.id, c.version));
    render_form(&state, &user, c.project_id.0, form_from(&c), Vec::new(), at).await
}

async fn edit_post(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let c = state.store.read::<Contract>(user.who(&state), id).await?;
    let mut form = form_of(&pairs);
    // The kind is not on the form when correcting: it stays.
    form.kind = c.terms.kind.as_str().into();
    let version = pairs
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.trim().parse::<i64>().ok())
        .ok_or_else(|| DomainError::invalid("version", "表单缺少版本号，请刷新页面后重试"))?;
    let step = EditContract { form: form.clone() };
    match state.store.run(user.who(&state), Target::at(id, version), &step).await {
        Ok(changed) => Ok(respond::redirect(&state, changed, |c: &Contract| {
            format!("/contracts/{}?done=saved", c.id)
        })
        .await),
        Err(e) => {
            let errors = gate_on_form(e)?;
            render_form(&state, &user, c.project_id.0, form, errors, Some((id, version))).await
        }
    }
}

#[derive(Template)]
#[template(path = "contracts/page.html")]
struct ContractPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    csrf: String,
    c: Contract,
    kind: &'static str,
    method: &'static str,
    amount: String,
    deliverables: String,
    status: &'static str,
    filed: bool,
    created_at: String,
    /// The owner may correct the terms (not sent, returned, or recorded only).
    may_edit: bool,
    /// What the reader's last change did, said once after it.
    flash: Option<String>,
    /// The last return's reason and who gave it, while it stands.
    returned: Option<String>,
    run: RunPanel,
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// What the reader's last change was, said once on the page it lands on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Done {
    Nothing,
    /// Recorded or corrected.
    Saved,
    /// A step of its filing.
    Acted,
}

async fn contract_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>, Query(q): Query<DoneQuery>,
) -> PageResult {
    let done = match q.done.as_str() {
        "saved" => Done::Saved,
        "acted" => Done::Acted,
        _ => Done::Nothing,
    };
    render_contract(&state, &user, id, Vec::new(), None, done).await
}

async fn render_contract(
    state: &AppState, user: &User, id: i64, errors: Vec<FieldError>,
    typed: Option<&HashMap<String, String>>, done: Done,
) -> PageResult {
    let v: ContractView = state.store.subject_view::<Contract>(user.who(state), id).await?;
    let has = |k: VerbKind| v.verbs.contains(&k);
    let run = &v.run;
    let profile = v.record.profile_id.clone();
    let again = !errors.is_empty();
    let returned = route::returned_note(v.record.status == ContractStatus::Returned, &run.acts);
    let may_edit = match v.record.status {
        ContractStatus::ToFile | ContractStatus::Returned => has(VerbKind::Pass),
        ContractStatus::Recorded => state
            .store
            .read::<Project>(user.who(state), v.record.project_id.0)
            .await
            .is_ok_and(|p| route::owns(user, &p)),
        _ => false,
    };
    let t = &v.record.terms;
    let flash = (done != Done::Nothing).then(|| match v.record.status {
        ContractStatus::Recorded => "已保存。本辖区的规定没有该类合同的备案程序。".to_string(),
        ContractStatus::ToFile | ContractStatus::Returned if done == Done::Saved => {
            "已保存。请核对后报送备案。".to_string()
        }
        ContractStatus::ToFile => "已撤回，可修改后重新报送。".to_string(),
        ContractStatus::Returned => "已退回项目单位修改。".to_string(),
        ContractStatus::Filing => match run.progress.step(&run.route) {
            Some(s) => format!(
                "已办理，等待{}{}。",
                route::party_labels(state, &profile, &s.parties),
                s.action
            ),
            None => "已办理。".to_string(),
        },
        ContractStatus::Filed => "已备案。".to_string(),
    });
    let page = ContractPage {
        flash,
        may_edit,
        returned,
        layout: Layout::for_user(state, user, t.title.clone(), "contracts")
            .await?
            .with_errors(!errors.is_empty()),
        run: RunPanel::new(
            state,
            route::PanelAt {
                heading: "备案程序",
                empty: "本辖区的规定没有该类合同的备案程序，合同登记即可。",
                act_url: format!("/contracts/{}/act", v.record.id),
                version: v.record.version,
                profile: &profile,
                ended: v.ended.as_deref(),
            },
            run,
            &v.verbs,
            &errors,
            typed,
        ),
        errors: crate::shell::view::summary(&errors),
        csrf: user.csrf.clone(),
        kind: t.kind.label(),
        method: t.method.label(),
        amount: t.amount.to_wan_string(),
        deliverables: t.deliverables.iter().map(|d| d.label()).collect::<Vec<_>>().join("、"),
        status: v.record.status.label(),
        filed: v.record.status == ContractStatus::Filed,
        created_at: fmt_ms(v.record.created_at_ms),
        c: v.record,
    };
    crate::shell::page::html_status(page, again)
}

async fn act_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let to = |c: &Contract| format!("/contracts/{}?done=acted", c.id);
    route::act_posted(&state, &user, id, &f, to, |errs| async {
        render_contract(&state, &user, id, errs, Some(&f), Done::Nothing).await
    })
    .await
}

#[derive(Template)]
#[template(path = "contracts/list.html")]
struct ListPage {
    layout: Layout,
    ended: route::Ended,
    waiting: Vec<(Contract, route::Since)>,
    sort: &'static str,
    resort_query: String,
    all: Vec<Contract>,
    total: i64,
    q: String,
    pager: Pager,
}

async fn list_page(
    State(state): State<AppState>, user: User, Query(lq): Query<route::ListQuery>,
) -> PageResult {
    let l = route::listed::<Contract>(&state, &user, &lq, "/contracts").await?;
    html(ListPage {
        layout: Layout::for_user(&state, &user, "合同备案", "contracts").await?,
        ended: l.ended,
        waiting: l.waiting,
        sort: l.sort,
        resort_query: l.resort_query,
        all: l.all,
        total: l.total,
        q: l.q,
        pager: l.pager,
    })
}

#[derive(Template)]
#[template(path = "contracts/_project_panel.html")]
struct ProjectContracts {
    project_id: i64,
    contracts: Vec<Contract>,
    /// The owner unit of an approved project may record a contract.
    may_sign: bool,
    /// What the profile asks of each kind (kind code, label, requirements).
    kinds: Vec<(&'static str, &'static str)>,
}

/// The project page's 合同 section: the project's contracts with their filing's state, and for
/// the owner unit of an approved project the links that record one.
pub fn project_contracts_panel(
    cx: crate::shell::panels::PanelCx<'_, Project>,
) -> crate::shell::panels::PanelFuture<'_> {
    Box::pin(async move {
        let p = cx.record;
        let contracts = cx.state.store.subjects_of::<Contract>(p.id).await?;
        let may_sign = route::may_begin(cx.state, cx.user, p).await?;
        if contracts.is_empty() && !may_sign {
            return Ok(None);
        }
        let kinds = ContractKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect();
        Ok(Some(ProjectContracts { project_id: p.id.0, contracts, may_sign, kinds }.render()?))
    })
}
