//! Contracts over the API: record one signed for an approved project, read it with its filing's
//! route, act on the filing (pass, return, withdraw) at the version read, and list a project's
//! contracts and those waiting on the caller.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::json_body::{object, version_field};
use crate::shell::route::RunDto;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use govit_core::DomainError;
use govit_core::contract::{ContractForm, Deliverable};
use govit_core::ids::ProjectId;
use govit_storage::Target;
use govit_storage::contracts::{
    CONTRACT_VERBS, Contract, ContractView, EditContract, SignContract,
};
use govit_storage::projects::Project;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(contracts_waiting))
        .routes(routes!(project_contracts, sign_contract))
        .routes(routes!(get_contract, edit_contract))
        .routes(routes!(act_on_contract))
}

#[derive(Serialize, ToSchema)]
pub struct ContractDto {
    id: i64,
    project_id: i64,
    project_name: String,
    /// construction or supervision
    kind: String,
    kind_label: String,
    firm_id: i64,
    firm_name: String,
    title: String,
    /// open_tender, invited_tender, negotiation, consultation, single_source, inquiry,
    /// framework, other
    method: String,
    amount_yuan: i64,
    /// YYYY-MM-DD
    signed_on: String,
    starts_on: String,
    ends_on: String,
    om_months: u32,
    /// design_docs, source_code, test_docs
    deliverables: Vec<String>,
    ownership: String,
    termination: String,
    /// recorded (its profile files no such contract), to_file, filing, filed
    status: String,
    status_label: String,
    created_by: String,
    created_at_ms: i64,
    /// When its run's current step began (收到日期: its sending, or the act that brought it
    /// there; for a finished run, when it finished).
    waiting_since_ms: i64,
    version: i64,
}

impl From<&Contract> for ContractDto {
    fn from(c: &Contract) -> Self {
        let t = &c.terms;
        ContractDto {
            id: c.id,
            project_id: c.project_id.0,
            project_name: c.project_name.clone(),
            kind: t.kind.as_str().into(),
            kind_label: t.kind.label().into(),
            firm_id: t.firm_id,
            firm_name: c.firm_name.clone(),
            title: t.title.clone(),
            method: t.method.as_str().into(),
            amount_yuan: t.amount.0,
            signed_on: t.signed_on.to_string(),
            starts_on: t.starts_on.to_string(),
            ends_on: t.ends_on.to_string(),
            om_months: t.om_months,
            deliverables: t.deliverables.iter().map(|d| d.as_str().to_string()).collect(),
            ownership: t.ownership.clone(),
            termination: t.termination.clone(),
            status: c.status.as_str().into(),
            status_label: c.status.label().into(),
            created_by: c.created_by.clone(),
            created_at_ms: c.created_at_ms,
            waiting_since_ms: c.waiting_since_ms,
            version: c.version,
        }
    }
}

/// A contract with its filing's route, the acts on it and what the caller may do.
#[derive(Serialize, ToSchema)]
pub struct ContractDetailDto {
    #[serde(flatten)]
    contract: ContractDto,
    #[serde(flatten)]
    run: RunDto,
}

impl From<&ContractView> for ContractDetailDto {
    fn from(v: &ContractView) -> Self {
        ContractDetailDto { contract: ContractDto::from(&v.record), run: RunDto::of(v) }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ContractListDto {
    items: Vec<ContractDto>,
}

/// The contracts whose filing waits on the caller's unit (to send, consent to or file).
#[utoipa::path(get, path = "/api/v1/contracts", tag = "contracts", security(("bearer" = [])),
    responses((status = 200, body = ContractListDto)))]
pub async fn contracts_waiting(
    State(state): State<AppState>, user: ApiUser,
) -> Result<Json<ContractListDto>, ApiError> {
    let items = crate::shell::subject_api::waiting::<Contract, ContractDto>(&state, &user).await?;
    Ok(Json(ContractListDto { items }))
}

/// The contracts of a project the caller may see.
#[utoipa::path(get, path = "/api/v1/projects/{id}/contracts", tag = "contracts",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = ContractListDto), (status = 404, body = ApiErrorBody)))]
pub async fn project_contracts(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<ContractListDto>, ApiError> {
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    let list = state.store.subjects_of::<Contract>(p.id).await?;
    Ok(Json(ContractListDto { items: list.iter().map(ContractDto::from).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct SignBody {
    /// construction or supervision
    kind: String,
    firm_id: i64,
    title: String,
    method: String,
    /// 万元, as text (up to four decimals: to the yuan).
    amount: String,
    /// YYYY-MM-DD, not after today.
    signed_on: String,
    starts_on: String,
    ends_on: String,
    /// The O&M period after construction, in months.
    om_months: Option<u32>,
    /// design_docs, source_code, test_docs
    deliverables: Option<Vec<String>>,
    ownership: Option<String>,
    termination: Option<String>,
}

/// The body as the form's text fields: strings as they are, numbers written out, the
/// deliverables joined; any other type is refused naming the field.
fn form_of(m: &serde_json::Map<String, Value>) -> Result<ContractForm, DomainError> {
    let text = |k: &'static str| -> Result<String, DomainError> {
        match m.get(k) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            Some(_) => Err(DomainError::invalid(k, format!("{k} 应为文本或数字"))),
        }
    };
    let deliverables = match m.get("deliverables") {
        None | Some(Value::Null) => String::new(),
        Some(Value::Array(a)) if a.len() <= Deliverable::ALL.len() * 2 => {
            let mut out = Vec::new();
            for v in a {
                match v.as_str() {
                    Some(s) => out.push(s.to_string()),
                    None => {
                        return Err(DomainError::invalid(
                            "deliverables",
                            "deliverables 应为文本数组",
                        ));
                    }
                }
            }
            out.join(",")
        }
        Some(_) => return Err(DomainError::invalid("deliverables", "deliverables 应为文本数组")),
    };
    Ok(ContractForm {
        kind: text("kind")?,
        firm_id: text("firm_id")?,
        title: text("title")?,
        method: text("method")?,
        amount: text("amount")?,
        signed_on: text("signed_on")?,
        starts_on: text("starts_on")?,
        ends_on: text("ends_on")?,
        om_months: text("om_months")?,
        deliverables,
        ownership: text("ownership")?,
        termination: text("termination")?,
    })
}

async fn detail(state: &AppState, user: &ApiUser, id: i64) -> Result<ContractDetailDto, ApiError> {
    crate::shell::subject_api::detail::<Contract, ContractDetailDto>(state, user, id).await
}

/// Records a contract the owner unit has signed for its approved project: 签订合同 (a
/// construction contract) or 确定监理 (a supervision contract) is then an event of the project
/// on the signing date. Refused for a blacklisted firm, a term the profile requires missing
/// (gaoping:15, xinzhou-transport:12, linxiang:25) or a `sign` gate (linxiang:19).
#[utoipa::path(post, path = "/api/v1/projects/{id}/contracts", tag = "contracts",
    params(("id" = i64, Path)), request_body = SignBody, security(("bearer" = [])),
    responses((status = 201, body = ContractDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn sign_contract(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<(StatusCode, Json<ContractDetailDto>), ApiError> {
    let m = object(&body)?;
    let step = SignContract { project: ProjectId(id), form: form_of(&m)? };
    let changed = state.store.run(user.who(&state), Target::New, &step).await?;
    state.after_change(&changed).await;
    Ok((StatusCode::CREATED, Json(detail(&state, &user, changed.record.id).await?)))
}

/// A contract with its filing's route and acts.
#[utoipa::path(get, path = "/api/v1/contracts/{id}", tag = "contracts", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = ContractDetailDto),
        (status = 404, body = ApiErrorBody)))]
pub async fn get_contract(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<ContractDetailDto>, ApiError> {
    Ok(Json(detail(&state, &user, id).await?))
}

/// Corrects a contract not yet sent for filing (or returned, or recorded where nothing is
/// filed) at the version read, under the same rules as recording it; its kind stays. A
/// corrected signing day moves the project's 签订合同 / 确定监理 event with it.
#[utoipa::path(put, path = "/api/v1/contracts/{id}", tag = "contracts", params(("id" = i64, Path)),
    request_body = SignBody, security(("bearer" = [])),
    responses((status = 200, body = ContractDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn edit_contract(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<Json<ContractDetailDto>, ApiError> {
    let m = object(&body)?;
    let version = version_field(&m)?;
    let now = state.store.read::<Contract>(user.who(&state), id).await?;
    let mut form = form_of(&m)?;
    form.kind = now.terms.kind.as_str().into();
    let changed =
        state.store.run(user.who(&state), Target::at(id, version), &EditContract { form }).await?;
    state.after_change(&changed).await;
    Ok(Json(detail(&state, &user, id).await?))
}

/// What may be done on a contract's filing.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum ContractVerbDto {
    /// 通过 the step held: 报送 at the owner's, 同意 or 备案 at the later ones.
    Pass,
    /// 退回 to an earlier step (`to`: its key), with a reason.
    Return,
    /// 撤回 by the sender while the next party has not acted.
    Withdraw,
}

/// Acts on a contract's filing at the version read; the last step's pass records 合同备案 or
/// 监理备案 on the project.
#[utoipa::path(post, path = "/api/v1/contracts/{id}/{verb}", tag = "contracts",
    params(("id" = i64, Path), ("verb" = inline(ContractVerbDto), Path)), request_body = crate::shell::route::RouteActBody,
    security(("bearer" = [])),
    responses((status = 200, body = ContractDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn act_on_contract(
    State(state): State<AppState>, user: ApiUser, Path((id, verb)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<ContractDetailDto>, ApiError> {
    crate::shell::subject_api::act::<Contract, _>(&state, &user, id, &verb, &CONTRACT_VERBS, &body)
        .await
}
