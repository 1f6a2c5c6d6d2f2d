//! Payments over the API: request one for an approved project, read it with its route and the
//! project's money, correct it while the owner holds it, act on its run (pass, return, reject:
//! 不予拨付, withdraw) at the version read, and list a project's requests and those waiting on
//! the caller.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::json_body::{Fields, object, version_field};
use crate::shell::route::RunDto;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use govit_core::ids::ProjectId;
use govit_core::payment::{Funds, PaymentForm, label};
use govit_storage::Target;
use govit_storage::payments::{PAYMENT_VERBS, Payment, PaymentView, StartPayment};
use govit_storage::projects::Project;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(payments_waiting))
        .routes(routes!(project_payments, start_payment))
        .routes(routes!(get_payment, edit_payment))
        .routes(routes!(act_on_payment))
}

#[derive(Serialize, ToSchema)]
pub struct PaymentDto {
    id: i64,
    project_id: i64,
    project_name: String,
    owner_name: String,
    /// The project's first, second … request.
    seq: i64,
    /// advance, progress, acceptance, final, warranty, other
    kind: String,
    kind_label: String,
    /// 申请金额, in yuan.
    amount_yuan: i64,
    payee: String,
    purpose: String,
    /// What the project's other requests have had paid, in yuan.
    paid_before_yuan: i64,
    /// applying, returned, reviewing, paid, refused
    status: String,
    status_label: String,
    created_by: String,
    created_at_ms: i64,
    /// When its run's current step began (收到日期: its sending, or the act that brought it
    /// there; for a finished run, when it finished).
    waiting_since_ms: i64,
    version: i64,
}

impl From<&Payment> for PaymentDto {
    fn from(a: &Payment) -> Self {
        PaymentDto {
            id: a.id,
            project_id: a.project_id.0,
            project_name: a.project_name.clone(),
            owner_name: a.owner_name.clone(),
            seq: a.seq,
            kind: a.terms.kind.as_str().into(),
            kind_label: a.terms.kind.label().into(),
            amount_yuan: a.terms.amount.0,
            payee: a.terms.payee.clone(),
            purpose: a.terms.purpose.clone(),
            paid_before_yuan: a.paid_before.0,
            status: a.status.as_str().into(),
            status_label: a.status.label().into(),
            created_by: a.created_by.clone(),
            created_at_ms: a.created_at_ms,
            waiting_since_ms: a.waiting_since_ms,
            version: a.version,
        }
    }
}

/// A year of a project's money, in yuan: its 分年度投资计划 (null where it planned nothing for
/// the year) and what was paid in it.
#[derive(Serialize, ToSchema)]
pub struct YearFundsDto {
    year: i32,
    planned_yuan: Option<i64>,
    paid_yuan: i64,
}

/// A project's money as its declaration and payments leave it, in yuan.
#[derive(Serialize, ToSchema)]
pub struct FundsDto {
    approved_yuan: i64,
    /// 资金筹措 (annex 1): 财政资金, 银行贷款, 自筹, 其他.
    fiscal_yuan: i64,
    bank_loan_yuan: i64,
    self_raised_yuan: i64,
    other_yuan: i64,
    paid_yuan: i64,
    /// Requested and not yet paid nor refused.
    pending_yuan: i64,
    /// The surplus given back and confirmed by finance (yeji:19).
    returned_yuan: i64,
    /// The budget less what is paid and requested; negative beyond it.
    remaining_yuan: i64,
    /// Each year planned or paid in, oldest first.
    by_year: Vec<YearFundsDto>,
}

impl From<&Funds> for FundsDto {
    fn from(f: &Funds) -> Self {
        FundsDto {
            approved_yuan: f.approved.0,
            fiscal_yuan: f.sources.fiscal.0,
            bank_loan_yuan: f.sources.bank_loan.0,
            self_raised_yuan: f.sources.self_raised.0,
            other_yuan: f.sources.other.0,
            paid_yuan: f.paid.0,
            pending_yuan: f.pending.0,
            returned_yuan: f.returned.0,
            remaining_yuan: f.remaining.0,
            by_year: f
                .by_year
                .iter()
                .map(|y| YearFundsDto {
                    year: y.year,
                    planned_yuan: y.planned.map(|p| p.0),
                    paid_yuan: y.paid.0,
                })
                .collect(),
        }
    }
}

/// A payment with its route, the acts on it and what the caller may do.
#[derive(Serialize, ToSchema)]
pub struct PaymentDetailDto {
    #[serde(flatten)]
    payment: PaymentDto,
    #[serde(flatten)]
    run: RunDto,
}

impl From<&PaymentView> for PaymentDetailDto {
    fn from(v: &PaymentView) -> Self {
        PaymentDetailDto { payment: PaymentDto::from(&v.record), run: RunDto::of(v) }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PaymentListDto {
    items: Vec<PaymentDto>,
}

/// A project's requests with its money.
#[derive(Serialize, ToSchema)]
pub struct ProjectPaymentsDto {
    items: Vec<PaymentDto>,
    funds: FundsDto,
}

/// The payment requests whose run waits on the caller's unit.
#[utoipa::path(get, path = "/api/v1/payments", tag = "payments", security(("bearer" = [])),
    responses((status = 200, body = PaymentListDto)))]
pub async fn payments_waiting(
    State(state): State<AppState>, user: ApiUser,
) -> Result<Json<PaymentListDto>, ApiError> {
    let items = crate::shell::subject_api::waiting::<Payment, PaymentDto>(&state, &user).await?;
    Ok(Json(PaymentListDto { items }))
}

/// The payment requests of a project the caller may see, first first, with its money.
#[utoipa::path(get, path = "/api/v1/projects/{id}/payments", tag = "payments",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = ProjectPaymentsDto), (status = 404, body = ApiErrorBody)))]
pub async fn project_payments(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<ProjectPaymentsDto>, ApiError> {
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    let list = state.store.subjects_of::<Payment>(p.id).await?;
    let funds = state.store.project_funds(&p).await?;
    Ok(Json(ProjectPaymentsDto {
        items: list.iter().map(PaymentDto::from).collect(),
        funds: FundsDto::from(&funds),
    }))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct PaymentBody {
    /// advance (预付款), progress (进度款), acceptance (验收款), final (尾款), warranty (质保金),
    /// other.
    kind: String,
    /// 申请金额 in 万元, as typed: "120.5".
    amount: String,
    payee: String,
    purpose: String,
    /// The version read: required when correcting (PUT), not when starting (POST).
    version: Option<i64>,
}

fn form_of(
    body: &Bytes,
) -> Result<(PaymentForm, serde_json::Map<String, serde_json::Value>), ApiError> {
    let m = object(body)?;
    let mut f = Fields::new(&m, label);
    let form = PaymentForm {
        kind: f.get("kind"),
        amount: f.get("amount"),
        payee: f.get("payee"),
        purpose: f.get("purpose"),
    };
    let form = f.done(form)?;
    Ok((form, m))
}

async fn detail(state: &AppState, user: &ApiUser, id: i64) -> Result<PaymentDetailDto, ApiError> {
    crate::shell::subject_api::detail::<Payment, PaymentDetailDto>(state, user, id).await
}

/// Requests a payment for an approved project; it waits on its owner to send it (pass).
#[utoipa::path(post, path = "/api/v1/projects/{id}/payments", tag = "payments",
    params(("id" = i64, Path)), request_body = PaymentBody, security(("bearer" = [])),
    responses((status = 201, body = PaymentDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn start_payment(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<(StatusCode, Json<PaymentDetailDto>), ApiError> {
    let (form, _) = form_of(&body)?;
    let step = StartPayment { project: ProjectId(id), form };
    let changed = state.store.run(user.who(&state), Target::New, &step).await?;
    state.after_change(&changed).await;
    Ok((StatusCode::CREATED, Json(detail(&state, &user, changed.record.id).await?)))
}

/// A payment request with its route and acts.
#[utoipa::path(get, path = "/api/v1/payments/{id}", tag = "payments",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = PaymentDetailDto), (status = 404, body = ApiErrorBody)))]
pub async fn get_payment(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<PaymentDetailDto>, ApiError> {
    Ok(Json(detail(&state, &user, id).await?))
}

/// Corrects a payment request at the version read, while its owner holds it (not yet sent,
/// taken back, or returned).
#[utoipa::path(put, path = "/api/v1/payments/{id}", tag = "payments",
    params(("id" = i64, Path)), request_body = PaymentBody, security(("bearer" = [])),
    responses((status = 200, body = PaymentDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn edit_payment(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<Json<PaymentDetailDto>, ApiError> {
    let (form, m) = form_of(&body)?;
    let version = version_field(&m)?;
    let step = govit_storage::payments::EditPayment { form };
    let changed = state.store.run(user.who(&state), Target::at(id, version), &step).await?;
    state.after_change(&changed).await;
    Ok(Json(detail(&state, &user, id).await?))
}

/// What may be done on a payment's run.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum PaymentVerbDto {
    /// 通过 the step held (报送, 审核, 同意, 拨付资金); at the paying step, refused while a `pay`
    /// gate of the profile does not hold (judged with this amount added to what was paid).
    Pass,
    /// 退回 to an earlier step (`to`: its key), with a reason.
    Return,
    /// 不予拨付 with a reason: the run ends.
    Reject,
    /// 撤回 by the sender while the next party has not acted.
    Withdraw,
}

/// Acts on a payment's run at the version read.
#[utoipa::path(post, path = "/api/v1/payments/{id}/{verb}", tag = "payments",
    params(("id" = i64, Path), ("verb" = inline(PaymentVerbDto), Path)),
    request_body = crate::shell::route::RouteActBody, security(("bearer" = [])),
    responses((status = 200, body = PaymentDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn act_on_payment(
    State(state): State<AppState>, user: ApiUser, Path((id, verb)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<PaymentDetailDto>, ApiError> {
    crate::shell::subject_api::act::<Payment, _>(&state, &user, id, &verb, &PAYMENT_VERBS, &body)
        .await
}
