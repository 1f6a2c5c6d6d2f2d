//! The 组织机构 page: the tree, firms and experts; for the jurisdiction's administrators, the
//! forms that add to them and the department-sheet import.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::error::PageError;
use crate::shell::input::FromFields;
use crate::shell::page::{PageResult, forbid, html, see_other};
use crate::shell::view::{self, Layout, SummaryItem};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use govit_core::org::forms::{
    DEPARTMENT_COLUMNS, DepartmentForm, ExpertForm, FirmForm, NewDepartment, SheetProblem,
};
use govit_core::org::{FirmKind, PartyKind};
use govit_core::{DomainError, FieldError};
use govit_storage::StoreError;
use govit_storage::org::setup::TreeImport;
use std::collections::HashMap;

struct DeptRow {
    name: String,
    code: String,
    kinds: String,
    depth: usize,
}

/// What a department-sheet import did, as shown.
struct ImportView {
    written: bool,
    problems: Vec<SheetProblem>,
    rows: Vec<NewDepartment>,
}

impl ImportView {
    fn kinds(d: &NewDepartment) -> String {
        d.party_kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join("、")
    }
}

#[derive(askama::Template)]
#[template(path = "org/org.html")]
struct OrgPage {
    layout: Layout,
    csrf: String,
    jurisdiction: String,
    admin: bool,
    /// May set up jurisdictions (辖区管理).
    platform: bool,
    flash: Option<String>,
    departments: Vec<DeptRow>,
    firms: Vec<govit_storage::org::Firm>,
    experts: Vec<govit_storage::org::Expert>,
    /// How many credit records each firm and expert has, by id (none: not listed).
    firm_records: HashMap<i64, i64>,
    expert_records: HashMap<i64, i64>,
    /// The article the blacklist stands on, where the profile names one.
    blacklist_cite: Option<String>,
    /// Party kinds as this profile names them: code, label, checked.
    party_kinds: Vec<(&'static str, String, bool)>,
    firm_kinds: Vec<(&'static str, &'static str)>,
    /// Which form the errors belong to: `department`, `firm` or `expert`.
    failed: &'static str,
    field_errors: Vec<FieldError>,
    /// The error summary's items.
    errors: Vec<SummaryItem>,
    columns: &'static [&'static str],
    dept: DepartmentForm,
    firm: FirmForm,
    expert: ExpertForm,
    import: Option<ImportView>,
    import_error: Option<String>,
}

impl OrgPage {
    /// The message for a field of the form that failed.
    fn err(&self, form: &str, field: &str) -> Option<String> {
        if form == self.failed { view::error_for(&self.field_errors, field) } else { None }
    }
}

/// What the page shows besides the lists: a message, or a form that failed.
#[derive(Default)]
struct Shown {
    flash: Option<String>,
    failed: &'static str,
    errors: Vec<FieldError>,
    dept: DepartmentForm,
    firm: FirmForm,
    expert: ExpertForm,
    import: Option<ImportView>,
    import_error: Option<String>,
}

async fn org_page(state: &AppState, user: &User, shown: Shown) -> PageResult {
    let j = user.principal.jurisdiction_id;
    let org = state.store.organization(j).await?;
    let profile = state.store.rules().profile(&org.jurisdiction.profile_id).cloned();
    let departments = org
        .departments
        .into_iter()
        .map(|d| DeptRow {
            depth: d.depth(),
            kinds: d.party_kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join("、"),
            name: d.name,
            code: d.code,
        })
        .collect();
    let firms = org.firms;
    let chosen: Vec<PartyKind> =
        shown.dept.party_kinds.iter().filter_map(|k| PartyKind::from_text(k)).collect();
    let party_kinds = PartyKind::ALL
        .iter()
        .map(|k| {
            let own = profile.as_ref().and_then(|p| p.labels.parties.get(k.as_str()));
            let label = match own {
                Some(l) if l != k.label() => format!("{}：{l}", k.label()),
                _ => k.label().to_string(),
            };
            (k.as_str(), label, chosen.contains(k))
        })
        .collect();
    let counts = state.store.credit_counts(j).await?;
    let records_of = |kind: govit_core::credit::CreditSubject| -> HashMap<i64, i64> {
        counts.iter().filter(|((k, _), _)| *k == kind).map(|((_, id), n)| (*id, *n)).collect()
    };
    let blacklist_cite =
        profile.as_ref().and_then(govit_core::credit::blacklisting).map(|r| r.cite.clone());
    let failed = !shown.errors.is_empty() || shown.import_error.is_some();
    let problems = shown.import.as_ref().is_some_and(|i| !i.problems.is_empty());
    let title = if failed || problems { "错误：组织机构" } else { "组织机构" };
    let mut resp = html(OrgPage {
        layout: Layout::for_user(state, user, title, "org").await?.with_errors(failed),
        csrf: user.csrf.clone(),
        jurisdiction: org.jurisdiction.name,
        admin: user.principal.administers(j),
        platform: user.principal.runs_platform(),
        flash: shown.flash,
        departments,
        firms,
        experts: org.experts,
        firm_records: records_of(govit_core::credit::CreditSubject::Firm),
        expert_records: records_of(govit_core::credit::CreditSubject::Expert),
        blacklist_cite,
        party_kinds,
        firm_kinds: FirmKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        failed: shown.failed,
        errors: view::summary(&shown.errors),
        field_errors: shown.errors,
        columns: &DEPARTMENT_COLUMNS,
        dept: shown.dept,
        firm: shown.firm,
        expert: shown.expert,
        import: shown.import,
        import_error: shown.import_error,
    })?;
    if failed || problems {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct OrgQuery {
    done: String,
    id: String,
}

/// What was just added, named from the record itself (never from the address, which anyone
/// can write), when it is of the user's jurisdiction.
async fn added(state: &AppState, user: &User, q: &OrgQuery) -> Result<Option<String>, PageError> {
    let Ok(id) = q.id.parse::<i64>() else { return Ok(None) };
    let org = state.store.organization(user.principal.jurisdiction_id).await?;
    Ok(match q.done.as_str() {
        "department" => org
            .departments
            .iter()
            .find(|d| d.id.0 == id)
            .map(|d| format!("已新增部门“{}”。", d.name)),
        "firm" => org
            .firms
            .iter()
            .find(|f| f.id == id)
            .map(|f| format!("已登记{}“{}”。", f.kind.label(), f.name)),
        "blacklist" => org.experts.iter().find(|x| x.id == id).map(|x| match x.blacklisted {
            true => format!("已将专家“{}”列入黑名单，不再参加抽取。", x.name),
            false => format!("已将专家“{}”移出黑名单。", x.name),
        }),
        "expert" => {
            org.experts.iter().find(|x| x.id == id).map(|x| format!("已登记专家“{}”。", x.name))
        }
        "firm-blacklist" => org.firms.iter().find(|f| f.id == id).map(|f| match f.blacklisted {
            true => format!("已将“{}”列入黑名单，不能再与其签订合同。", f.name),
            false => format!("已将“{}”移出黑名单。", f.name),
        }),
        _ => None,
    })
}

pub async fn org(
    State(state): State<AppState>, user: User, Query(q): Query<OrgQuery>,
) -> PageResult {
    let flash = added(&state, &user, &q).await?;
    org_page(&state, &user, Shown { flash, ..Shown::default() }).await
}

/// Refuses (and audits) the forms to anyone but the jurisdiction's administrators.
async fn require_admin(state: &AppState, user: &User) -> Result<(), PageError> {
    if user.principal.administers(user.principal.jurisdiction_id) {
        Ok(())
    } else {
        Err(forbid(state, user, "department", "只有本辖区的系统管理员可以维护组织机构").await)
    }
}

fn done(what: &str, id: i64) -> axum::response::Response {
    see_other(&format!("/org?done={what}&id={id}"))
}

/// A store refusal the user can fix, as the errors of the form that failed.
fn field_errors(e: StoreError) -> Result<Vec<FieldError>, PageError> {
    match e {
        StoreError::Domain(DomainError::Invalid(errors)) => Ok(errors),
        e => Err(e.into()),
    }
}

/// A handler that adds a department, a firm or an expert from its form (`$read` reads it from
/// the posted pairs), or shows the organization page again with that form's errors.
macro_rules! add_from_form {
    ($name:ident, $read:expr, $add:ident, $id:expr, $what:literal, $slot:ident) => {
        pub async fn $name(
            State(state): State<AppState>, user: User, Form(pairs): Form<Vec<(String, String)>>,
        ) -> PageResult {
            require_admin(&state, &user).await?;
            let form = $read(&pairs);
            let j = user.principal.jurisdiction_id;
            let errors = match form.parse() {
                Ok(x) => match state.store.$add(user.who(&state), j, &x).await {
                    Ok(id) => return Ok(done($what, $id(id))),
                    Err(e) => field_errors(e)?,
                },
                Err(errors) => errors,
            };
            let shown = Shown { failed: $what, errors, $slot: form, ..Shown::default() };
            org_page(&state, &user, shown).await
        }
    };
}

/// The posted pairs as the fields of one form (a repeated name keeps its last value).
fn fields_of(pairs: &[(String, String)]) -> HashMap<String, String> {
    pairs.iter().cloned().collect()
}

/// A department's form: its party kinds are the boxes ticked.
fn department_form(pairs: &[(String, String)]) -> DepartmentForm {
    let mut form = DepartmentForm::from_form(&fields_of(pairs));
    form.party_kinds =
        pairs.iter().filter(|(k, _)| k == "party_kinds").map(|(_, v)| v.clone()).collect();
    form
}

add_from_form!(
    add_department,
    department_form,
    add_department,
    |id: govit_core::ids::DepartmentId| id.0,
    "department",
    dept
);
add_from_form!(add_firm, |p| FirmForm::from_form(&fields_of(p)), add_firm, |id| id, "firm", firm);
add_from_form!(
    add_expert,
    |p| ExpertForm::from_form(&fields_of(p)),
    add_expert,
    |id| id,
    "expert",
    expert
);

/// Puts an expert on the blacklist or takes them off it (`on` = 1 or 0, with `reason`).
pub async fn blacklist_expert(
    State(state): State<AppState>, user: User, axum::extract::Path(id): axum::extract::Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    blacklist(&state, &user, "blacklist", id, &pairs).await
}

pub async fn blacklist_firm(
    State(state): State<AppState>, user: User, axum::extract::Path(id): axum::extract::Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    blacklist(&state, &user, "firm-blacklist", id, &pairs).await
}

/// Puts an expert (`blacklist`) or a firm (`firm-blacklist`) on the blacklist or takes them off.
async fn blacklist(
    state: &AppState, user: &User, which: &'static str, id: i64, pairs: &[(String, String)],
) -> PageResult {
    require_admin(state, user).await?;
    let f = fields_of(pairs);
    let on = f.get("on").is_some_and(|v| v == "1");
    let reason = f.get("reason").cloned().unwrap_or_default();
    let j = user.principal.jurisdiction_id;
    let who = user.who(state);
    let result = match which {
        "firm-blacklist" => state.store.blacklist_firm(who, j, id, on, &reason).await,
        _ => state.store.blacklist_expert(who, j, id, on, &reason).await,
    };
    match result {
        Ok(()) => Ok(done(which, id)),
        Err(e) => {
            let shown = Shown { failed: which, errors: field_errors(e)?, ..Shown::default() };
            org_page(state, user, shown).await
        }
    }
}

/// Imports (or only checks) a department sheet: every row or none, each problem by row.
pub async fn import_departments(
    State(state): State<AppState>, user: User, form: axum::extract::Multipart,
) -> PageResult {
    require_admin(&state, &user).await?;
    let (file, check_only) = crate::shell::sheet::import_form(form).await;
    let shown = match file {
        None => Shown {
            import_error: Some("请选择要导入的 .xlsx 文件".into()),
            ..Shown::default()
        },
        Some(bytes) => match crate::shell::sheet::read_xlsx(&bytes) {
            Err(m) => Shown { import_error: Some(m), ..Shown::default() },
            Ok(cells) => {
                let who = user.who(&state);
                let j = user.principal.jurisdiction_id;
                let view = match state.store.import_departments(who, j, &cells, !check_only).await {
                    Ok(TreeImport::Done(rows)) => {
                        ImportView { written: !check_only, problems: vec![], rows }
                    }
                    Ok(TreeImport::Refused(problems)) => {
                        ImportView { written: false, problems, rows: vec![] }
                    }
                    Err(StoreError::Domain(DomainError::Invalid(errors))) => {
                        let m =
                            errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("；");
                        let shown = Shown { import_error: Some(m), ..Shown::default() };
                        return org_page(&state, &user, shown).await;
                    }
                    Err(e) => return Err(e.into()),
                };
                Shown { import: Some(view), ..Shown::default() }
            }
        },
    };
    org_page(&state, &user, shown).await
}

/// An empty department sheet with its four columns and two example rows.
pub async fn department_template(State(state): State<AppState>) -> PageResult {
    let table = crate::shell::excel::Table::new(
        "部门",
        &DEPARTMENT_COLUMNS,
        &[(1, 14.0), (2, 30.0), (3, 14.0), (4, 30.0)],
    );
    let rows = vec![
        vec!["1".into(), "gov".into(), "示例：市人民政府".into(), "".into(), "人民政府".into()],
        vec![
            "2".into(),
            "sjj".into(),
            "示例：市数据资源管理局".into(),
            "gov".into(),
            "主管部门、大数据中心".into(),
        ],
    ];
    crate::shell::excel::xlsx_response(
        table,
        rows,
        crate::shell::excel::FileName::dated(&state, "部门导入模板", "departments-template"),
    )
    .await
}
