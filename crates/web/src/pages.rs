//! Server-rendered pages. Every form is a plain POST that works without JavaScript; on
//! invalid input the page is shown again with an error summary and the user's values kept.

use crate::AppState;
use crate::auth::{self, LOGIN_CSRF_COOKIE, SESSION_COOKIE, User};
use crate::error::PageError;
use crate::view::{self, FieldGroup, FieldView, Layout, Pager, SummaryItem, fmt_ms, fmt_opt_ms};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use govit_core::declaration::DeclarationForm;
use govit_core::ids::{DepartmentId, ProjectId};
use govit_core::org::{Role, ScopeKind};
use govit_core::project::{Decision, ProjectAction, ProjectStatus};
use govit_core::{DomainError, FieldError};
use govit_storage::audit::AuditFilter;
use govit_storage::projects::{Project, ProjectFilter};
use govit_storage::users::{LoginRefusal, NewUser, generate_password, random_secret};
use govit_storage::{Page, StoreError};
use serde::Deserialize;
use std::collections::HashMap;

type PageResult = Result<Response, PageError>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route(
            "/account/password",
            get(password_form).post(change_password),
        )
        .route("/account/tokens", get(tokens).post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/projects", get(projects))
        .route("/review", get(review_queue))
        .route("/projects/export.xlsx", get(crate::export::projects_xlsx))
        .route("/projects/new", get(new_project).post(create_project))
        .route("/projects/{id}", get(show_project))
        .route(
            "/projects/{id}/edit",
            get(edit_project).post(update_project),
        )
        .route("/projects/{id}/submit", post(submit_project))
        .route("/projects/{id}/withdraw", post(withdraw_project))
        .route("/projects/{id}/decide", post(decide_project))
        .route("/obligations", get(crate::rules_pages::todo))
        .route("/obligations/overdue", get(crate::rules_pages::overdue))
        .route("/obligations/export.xlsx", get(crate::rules_pages::export))
        .route(
            "/projects/{id}/events",
            post(crate::rules_pages::record_event),
        )
        .route("/projects/{id}/facts", post(crate::rules_pages::set_fact))
        .route("/projects/{id}/systems", post(crate::links_pages::link))
        .route(
            "/projects/{id}/systems/{link}/remove",
            post(crate::links_pages::unlink),
        )
        .route(
            "/projects/{id}/obligations/waive",
            post(crate::rules_pages::waive),
        )
        .route("/policies", get(crate::rules_pages::policies))
        .route("/policies/{id}", get(crate::rules_pages::policy))
        .route("/calendar", get(crate::rules_pages::calendar))
        .route("/search", get(crate::search_pages::page))
        .route("/search/export.xlsx", get(crate::search_pages::export))
        .route("/systems", get(crate::systems_pages::list))
        .route("/systems/export.xlsx", get(crate::systems_pages::export))
        .route(
            "/systems/import",
            get(crate::systems_pages::import_form)
                .post(crate::systems_pages::import)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::auth::MAX_UPLOAD_BYTES,
                )),
        )
        .route(
            "/systems/import/template.xlsx",
            get(crate::systems_pages::import_template),
        )
        .route(
            "/systems/new",
            get(crate::systems_pages::new).post(crate::systems_pages::create),
        )
        .route("/systems/{id}", get(crate::systems_pages::show))
        .route(
            "/systems/{id}/edit",
            get(crate::systems_pages::edit).post(crate::systems_pages::update),
        )
        .route("/org", get(org))
        .route("/audit", get(audit))
        .route("/audit/export.xlsx", get(export_audit))
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/users/{login}/{action}", post(user_action))
        .merge(crate::cloud_pages::routes())
}

fn html(t: impl Template) -> PageResult {
    Ok(Html(t.render()?).into_response())
}

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Answers only when the database does.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.health().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

// ---- login -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    notice: Option<String>,
    csrf: String,
    next: String,
    login: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginQuery {
    next: String,
    expired: String,
}

/// Only same-site paths are followed after login.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/".to_string()
    }
}

fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    login: &str,
    next: &str,
    errors: Vec<SummaryItem>,
    notice: Option<String>,
    status: StatusCode,
) -> PageResult {
    let (csrf, set) = match auth::cookie(headers, LOGIN_CSRF_COOKIE) {
        Some(c) if c.len() == 64 => (c, None),
        _ => {
            let c = random_secret(32);
            let set = auth::set_cookie(state, LOGIN_CSRF_COOKIE, &c, false);
            (c, Some(set))
        }
    };
    let has_errors = !errors.is_empty();
    let body = LoginPage {
        layout: Layout::bare("登录").with_errors(has_errors),
        errors,
        notice,
        csrf,
        next: next.to_string(),
        login: login.to_string(),
    }
    .render()?;
    let mut resp = (status, Html(body)).into_response();
    if let Some(set) = set
        && let Ok(v) = set.parse()
    {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> PageResult {
    let notice = (!q.expired.is_empty()).then(|| "登录已超时，请重新登录。".to_string());
    login_page(
        &state,
        &headers,
        "",
        &safe_next(&q.next),
        vec![],
        notice,
        StatusCode::OK,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    login: String,
    password: String,
    next: String,
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    connect: axum::extract::ConnectInfo<std::net::SocketAddr>,
    Form(f): Form<LoginForm>,
) -> PageResult {
    let ip = connect.0.ip().to_string();
    let now = state.now_ms();
    let login = f.login.trim();
    let next = safe_next(&f.next);
    let message = match state.store.login(login, &f.password, &ip, now).await? {
        Ok(session) => {
            let target = if session.must_change_password {
                "/account/password".to_string()
            } else {
                next
            };
            let mut resp = see_other(&target);
            let h = resp.headers_mut();
            for c in [
                auth::set_cookie(&state, SESSION_COOKIE, &session.token, false),
                auth::set_cookie(&state, LOGIN_CSRF_COOKIE, "", true),
            ] {
                if let Ok(v) = c.parse() {
                    h.append(header::SET_COOKIE, v);
                }
            }
            return Ok(resp);
        }
        Err(LoginRefusal::BadCredentials) => {
            "登录名或密码不正确。连续输错 5 次将锁定账户 15 分钟。".to_string()
        }
        Err(LoginRefusal::Locked { until_ms }) => format!(
            "账户因连续登录失败已被锁定，请于 {} 后再试，或联系系统管理员解锁。",
            fmt_ms(until_ms)
        ),
        Err(LoginRefusal::Disabled) => "该账户已停用，请联系系统管理员。".to_string(),
    };
    let errors = vec![SummaryItem {
        href: "#login".into(),
        message,
    }];
    login_page(
        &state,
        &headers,
        login,
        &next,
        errors,
        None,
        StatusCode::UNAUTHORIZED,
    )
}

async fn logout(State(state): State<AppState>, user: User) -> PageResult {
    state
        .store
        .logout(&user.actor(), state.now_ms(), &user.token)
        .await?;
    let mut resp = see_other("/login");
    if let Ok(v) = auth::set_cookie(&state, SESSION_COOKIE, "", true).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

// ---- account -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    layout: Layout,
    csrf: String,
    errors: Vec<SummaryItem>,
    fields: Vec<FieldView>,
    must_change: bool,
}

fn password_fields(errors: &[FieldError]) -> Vec<FieldView> {
    [
        ("old_password", "当前密码", ""),
        (
            "new_password",
            "新密码",
            "至少 8 位，包含大写字母、小写字母、数字、特殊符号中的至少三类",
        ),
        ("confirm_password", "再次输入新密码", ""),
    ]
    .into_iter()
    .map(|(name, label, hint)| FieldView {
        name,
        label: label.into(),
        value: String::new(),
        error: view::error_for(errors, name),
        hint,
        kind: "password",
        required: true,
    })
    .collect()
}

async fn must_change(state: &AppState, user: &User) -> Result<bool, PageError> {
    Ok(state
        .store
        .list_users(Some(user.principal.jurisdiction_id))
        .await?
        .into_iter()
        .any(|u| u.id == user.principal.user_id && u.must_change_password))
}

async fn password_form(State(state): State<AppState>, user: User) -> PageResult {
    let must = must_change(&state, &user).await?;
    html(PasswordPage {
        layout: Layout::for_user(&state, &user, "修改密码", "account").await?,
        errors: vec![],
        fields: password_fields(&[]),
        csrf: user.csrf.clone(),
        must_change: must,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    old_password: String,
    new_password: String,
    confirm_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    let now = state.now_ms();
    let result = if f.new_password != f.confirm_password {
        Err(DomainError::invalid("confirm_password", "两次输入的新密码不一致").into())
    } else {
        state
            .store
            .change_password(
                &user.actor(),
                now,
                user.principal.user_id,
                &f.old_password,
                &f.new_password,
            )
            .await
    };
    match result {
        Ok(()) => Ok(see_other("/?done=password")),
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            let must = must_change(&state, &user).await?;
            let mut resp = html(PasswordPage {
                layout: Layout::for_user(&state, &user, "修改密码", "account")
                    .await?
                    .with_errors(true),
                errors: view::summary(&errs),
                fields: password_fields(&errs),
                csrf: user.csrf.clone(),
                must_change: must,
            })?;
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

struct TokenRow {
    id: i64,
    name: String,
    created: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    layout: Layout,
    csrf: String,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    errors: Vec<SummaryItem>,
    name: String,
}

async fn tokens_page(
    state: &AppState,
    user: &User,
    new_token: Option<String>,
    errors: Vec<FieldError>,
    name: &str,
) -> PageResult {
    let tokens = state
        .store
        .list_tokens(user.principal.user_id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created: fmt_ms(t.created_at_ms),
            last_used: fmt_opt_ms(t.last_used_ms),
            revoked: t.revoked_at_ms.is_some(),
        })
        .collect();
    let has_errors = !errors.is_empty();
    let mut resp = html(TokensPage {
        layout: Layout::for_user(state, user, "我的账户", "account")
            .await?
            .with_errors(has_errors),
        csrf: user.csrf.clone(),
        tokens,
        new_token,
        errors: view::summary(&errors),
        name: name.to_string(),
    })?;
    if has_errors {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

async fn tokens(State(state): State<AppState>, user: User) -> PageResult {
    tokens_page(&state, &user, None, vec![], "").await
}

async fn create_token(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let name = f.get("name").cloned().unwrap_or_default();
    match state
        .store
        .create_token(&user.actor(), state.now_ms(), user.principal.user_id, &name)
        .await
    {
        Ok(token) => tokens_page(&state, &user, Some(token), vec![], "").await,
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            tokens_page(&state, &user, None, errs, &name).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> PageResult {
    state
        .store
        .revoke_token(&user.actor(), state.now_ms(), user.principal.user_id, id)
        .await?;
    Ok(see_other("/account/tokens"))
}

// ---- home --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    visible_total: i64,
}

async fn home(State(state): State<AppState>, user: User) -> PageResult {
    let visible_total = state
        .store
        .list_projects(&user.principal, &ProjectFilter::default(), Page::new(1, 1))
        .await?
        .total;
    html(HomePage {
        layout: Layout::for_user(&state, &user, "工作台", "home").await?,
        visible_total,
    })
}

// ---- projects ----------------------------------------------------------------------------

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub(crate) struct ListQuery {
    pub q: String,
    pub status: String,
    pub dept: String,
    pub page: String,
    /// What was just done, for the confirmation banner.
    pub done: String,
}

impl ListQuery {
    pub fn filter(&self) -> ProjectFilter {
        ProjectFilter {
            status: ProjectStatus::parse(&self.status),
            keyword: self.q.chars().take(100).collect(),
            department: self.dept.trim().parse().ok().map(DepartmentId),
        }
    }
    pub fn page(&self) -> i64 {
        self.page.trim().parse().unwrap_or(1)
    }
    fn query_string(&self, page: Option<i64>) -> String {
        crate::view::filter_query(
            &[
                ("q", self.q.as_str()),
                ("status", self.status.as_str()),
                ("dept", self.dept.as_str()),
            ],
            page,
        )
    }
}

struct ProjectRow {
    id: i64,
    name: String,
    department: String,
    period: String,
    investment: String,
    status: &'static str,
    status_label: &'static str,
    updated: String,
}

struct TreeItem {
    id: i64,
    name: String,
    depth: usize,
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    layout: Layout,
    heading: &'static str,
    base_path: &'static str,
    flash: Option<String>,
    tree: Vec<TreeItem>,
    dept: Option<i64>,
    q: String,
    status: String,
    show_status_filter: bool,
    statuses: Vec<(&'static str, &'static str)>,
    rows: Vec<ProjectRow>,
    pager: Pager,
    export_query: String,
}

async fn list_page(
    state: &AppState,
    user: &User,
    q: ListQuery,
    heading: &'static str,
    base_path: &'static str,
    active: &'static str,
) -> PageResult {
    let paged = state
        .store
        .list_projects(&user.principal, &q.filter(), Page::new(q.page(), 20))
        .await?;
    let tree = state
        .store
        .departments(user.principal.jurisdiction_id)
        .await?
        .into_iter()
        .map(|d| TreeItem {
            id: d.id.0,
            depth: d.depth(),
            name: d.name,
        })
        .collect();
    let rows = paged
        .items
        .iter()
        .map(|p| ProjectRow {
            id: p.id.0,
            name: p.declaration.name.clone(),
            department: p.owner_department.clone(),
            period: p.declaration.period.to_string(),
            investment: p.declaration.investment.to_wan_string(),
            status: p.status.as_str(),
            status_label: p.status.label(),
            updated: fmt_ms(p.updated_at_ms),
        })
        .collect();
    let pager = Pager::new(paged.page, paged.pages(), paged.total, |n| {
        format!("{base_path}?{}", q.query_string(Some(n)))
    });
    html(ProjectsPage {
        layout: Layout::for_user(state, user, heading, active).await?,
        heading,
        base_path,
        flash: flash_for(&q.done),
        tree,
        dept: q.dept.trim().parse().ok(),
        q: q.q.clone(),
        status: q.status.clone(),
        show_status_filter: base_path == "/projects",
        statuses: ProjectStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        rows,
        pager,
        export_query: q.query_string(None),
    })
}

async fn projects(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let active = match q.status.as_str() {
        "returned" if user.principal.has(Role::Declarant) => "mine",
        "draft" if user.principal.has(Role::Declarant) => "drafts",
        _ => "projects",
    };
    list_page(&state, &user, q, "项目库", "/projects", active).await
}

/// The reviewer's 待办: submitted declarations in scope, oldest first is not needed yet.
async fn review_queue(
    State(state): State<AppState>,
    user: User,
    Query(mut q): Query<ListQuery>,
) -> PageResult {
    if !user.principal.has(Role::Reviewer) {
        return Err(forbid(
            &state,
            &user,
            "review_queue",
            "只有审核人可以查看待审核队列",
        )
        .await);
    }
    q.status = ProjectStatus::Submitted.as_str().into();
    list_page(&state, &user, q, "待审核的项目申报", "/review", "review").await
}

#[derive(Template)]
#[template(path = "project_form.html")]
struct ProjectFormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    csrf: String,
    version: Option<i64>,
    errors: Vec<SummaryItem>,
    groups: Vec<FieldGroup>,
}

/// Where a declaration form posts to and what it is called.
struct FormTarget {
    heading: String,
    action: String,
    cancel: String,
    version: Option<i64>,
}

impl FormTarget {
    fn new_declaration() -> FormTarget {
        FormTarget {
            heading: "填报项目申报".into(),
            action: "/projects/new".into(),
            cancel: "/projects".into(),
            version: None,
        }
    }

    fn edit(id: i64, name: &str, version: i64) -> FormTarget {
        FormTarget {
            heading: format!("修改项目申报：{name}"),
            action: format!("/projects/{id}/edit"),
            cancel: format!("/projects/{id}"),
            version: Some(version),
        }
    }
}

async fn form_page(
    state: &AppState,
    user: &User,
    target: FormTarget,
    form: &DeclarationForm,
    errors: &[FieldError],
) -> PageResult {
    let mut resp = html(ProjectFormPage {
        layout: Layout::for_user(state, user, target.heading.clone(), "new")
            .await?
            .with_errors(!errors.is_empty()),
        heading: target.heading,
        action: target.action,
        cancel: target.cancel,
        csrf: user.csrf.clone(),
        version: target.version,
        errors: view::summary(errors),
        groups: view::declaration_groups(form, errors),
    })?;
    if !errors.is_empty() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

async fn new_project(State(state): State<AppState>, user: User) -> PageResult {
    if !user.principal.has(Role::Declarant) {
        return Err(forbid(&state, &user, "project", "只有申报经办人可以填报项目申报").await);
    }
    form_page(
        &state,
        &user,
        FormTarget::new_declaration(),
        &DeclarationForm::default(),
        &[],
    )
    .await
}

async fn create_project(
    State(state): State<AppState>,
    user: User,
    Form(form): Form<DeclarationForm>,
) -> PageResult {
    match state
        .store
        .create_project(&user.principal, &user.actor(), state.now_ms(), &form)
        .await
    {
        Ok(p) => {
            state.reindex_project(&p).await;
            Ok(see_other(&format!("/projects/{}?done=create", p.id)))
        }
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            form_page(&state, &user, FormTarget::new_declaration(), &form, &errs).await
        }
        Err(e) => Err(e.into()),
    }
}

/// One similar system or project: (link, kind, name, score, shared words).
type SimilarRow = (String, &'static str, String, String, String);

struct TimelineItem {
    when: String,
    who: String,
    what: String,
    comment: String,
}

#[derive(Template)]
#[template(path = "project_show.html")]
struct ProjectPage {
    layout: Layout,
    p: Project,
    csrf: String,
    cloud: crate::cloud_pages::ProjectCloudPanel,
    flash: Option<String>,
    last_return: Option<String>,
    can_edit: bool,
    can_withdraw: bool,
    can_decide: bool,
    errors: Vec<SummaryItem>,
    decision_error: Option<String>,
    reason_error: Option<String>,
    reason: String,
    timeline: Vec<TimelineItem>,
    obligations: Vec<crate::rules_pages::ObligationView>,
    show_project: bool,
    can_waive: bool,
    can_record: bool,
    milestones: Vec<(String, &'static str, String, String)>,
    event_kinds: Vec<(&'static str, &'static str)>,
    facts: Vec<(&'static str, &'static str)>,
    today: String,
    profile_name: String,
    /// The duplicate-construction check, for reviewers: (link, kind, name, score, terms).
    similar: Option<Vec<SimilarRow>>,
    links: Vec<crate::links_pages::LinkRow>,
    can_link: bool,
    catalog_names: Vec<String>,
    system_actions: Vec<(&'static str, &'static str)>,
    gates: Vec<crate::links_pages::GateRow>,
    /// What was typed into the page's small forms, kept when one is refused.
    entered: Entered,
}

/// A refused form on the project page: its field errors (keyed by the input's element id,
/// so the summary links to the input) and what the user typed, so nothing is lost.
#[derive(Default)]
pub struct Entered {
    pub errors: Vec<FieldError>,
    pub reason: String,
    pub link_name: String,
    pub link_action: String,
    pub link_note: String,
    pub cloud_service: String,
    pub cloud_note: String,
}

impl Entered {
    pub fn error(&self, id: &str) -> Option<String> {
        view::error_for(&self.errors, id)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DoneQuery {
    done: String,
}

fn flash_for(done: &str) -> Option<String> {
    let m = match done {
        "create" => "草稿已保存。核对无误后请点击“提交申报”。",
        "update" => "修改已保存。",
        "submit" => "已提交申报，等待主管部门审核。",
        "withdraw" => "已撤回申报，可修改后重新提交。",
        "approve" => "已审核通过。",
        "event" => "事件已登记，相关期限已重新计算。",
        "fact" => "项目情况已认定，相关规则已重新适用。",
        "waive" => "已豁免该事项，理由已记入审计日志。",
        "return" => "已退回申报单位修改。",
        "link" => "已添加涉及的信息系统。",
        "unlink" => "已移除该信息系统。",
        "cloud" => "已选用该政务云服务。",
        "uncloud" => "已移除该政务云服务。",
        _ => return None,
    };
    Some(m.to_string())
}

pub(crate) async fn project_page(
    state: &AppState,
    user: &User,
    id: ProjectId,
    flash: Option<String>,
    entered: Entered,
) -> PageResult {
    let errors = &entered.errors;
    let now = state.now_ms();
    let p = state
        .store
        .project(&user.principal, &user.actor(), now, id)
        .await?;
    let events = state.store.project_events(id).await?;
    let last_return = if p.status == ProjectStatus::Returned {
        events
            .iter()
            .rev()
            .find(|e| e.action == ProjectAction::Return)
            .map(|e| e.comment.clone())
    } else {
        None
    };
    let timeline = events
        .iter()
        .rev()
        .map(|e| TimelineItem {
            when: fmt_ms(e.at_ms),
            who: if e.actor_department.is_empty() {
                e.actor_name.clone()
            } else {
                format!("{}（{}）", e.actor_name, e.actor_department)
            },
            what: format!(
                "{}：{} → {}",
                e.action.label(),
                e.from_status.label(),
                e.to_status.label()
            ),
            comment: e.comment.clone(),
        })
        .collect();
    let pr = &user.principal;
    let rules = state.store.rules();
    let profile = rules.profile(&p.profile_id);
    let obligations = state
        .store
        .project_obligations(pr, &user.actor(), now, id)
        .await?
        .into_iter()
        .map(|o| crate::rules_pages::view(o, profile))
        .collect();
    let milestones = state
        .store
        .milestones(id)
        .await?
        .into_iter()
        .map(|m| (m.date, m.kind.label(), m.recorded_by, m.note))
        .collect();
    let similar = if pr.has(Role::Reviewer) {
        Some(
            crate::api::similar_to(state, &p)
                .await
                .into_iter()
                .map(|m| {
                    let (link, kind) = match m.kind {
                        govit_search::DocKind::System => (format!("/systems/{}", m.id), "已建系统"),
                        govit_search::DocKind::Project => (format!("/projects/{}", m.id), "项目"),
                    };
                    (
                        link,
                        kind,
                        m.name,
                        format!("{:.1}", m.score),
                        m.terms.join("、"),
                    )
                })
                .collect(),
        )
    } else {
        None
    };
    let links = crate::links_pages::link_rows(state.store.systems_of(&p).await?);
    let can_link = pr.has(Role::Declarant)
        && pr.department_id == Some(p.owner_department_id)
        && p.status.is_editable();
    let catalog_names = if can_link {
        state.store.system_names(pr.jurisdiction_id).await?
    } else {
        Vec::new()
    };
    let gates = crate::links_pages::gate_rows(
        state
            .store
            .gates_of(&p, govit_core::policy::GatedAction::Approve)
            .await?,
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = html(ProjectPage {
        layout: Layout::for_user(state, user, p.declaration.name.clone(), "projects")
            .await?
            .with_errors(!errors.is_empty()),
        can_edit: pr.has(Role::Declarant) && p.status.is_editable(),
        can_withdraw: pr.has(Role::Declarant) && p.status == ProjectStatus::Submitted,
        can_decide: pr.has(Role::Reviewer) && p.status == ProjectStatus::Submitted,
        csrf: user.csrf.clone(),
        cloud: crate::cloud_pages::project_cloud_panel(state, user, &p).await?,
        flash,
        last_return,
        decision_error: view::error_for(errors, "decision"),
        reason_error: view::error_for(errors, "reason"),
        errors: view::summary(errors),
        reason: entered.reason.clone(),
        timeline,
        obligations,
        show_project: false,
        can_waive: pr.has(Role::Reviewer),
        can_record: pr.has(Role::Reviewer)
            || (pr.has(Role::Declarant) && pr.department_id == Some(p.owner_department_id)),
        milestones,
        event_kinds: govit_core::policy::EventKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        facts: govit_core::policy::Fact::ALL
            .iter()
            .map(|f| (f.as_str(), f.label()))
            .collect(),
        today: govit_storage::obligations::china_today(now)
            .format("%Y-%m-%d")
            .to_string(),
        profile_name: profile.map(|x| x.head.name.clone()).unwrap_or_default(),
        similar,
        links,
        can_link,
        catalog_names,
        system_actions: govit_core::inventory::SystemAction::ALL
            .iter()
            .map(|a| (a.as_str(), a.label()))
            .collect(),
        gates,
        p,
        entered,
    })?;
    *resp.status_mut() = status;
    Ok(resp)
}

async fn show_project(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    project_page(
        &state,
        &user,
        ProjectId(id),
        flash_for(&q.done),
        Entered::default(),
    )
    .await
}

async fn edit_project(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> PageResult {
    let p = state
        .store
        .project(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
        )
        .await?;
    if !p.status.is_editable() || !user.principal.has(Role::Declarant) {
        return Err(DomainError::InvalidState {
            message: format!("项目当前状态为“{}”，不能修改", p.status.label()),
        }
        .into());
    }
    form_page(
        &state,
        &user,
        FormTarget::edit(id, &p.declaration.name, p.version),
        &p.declaration.to_form(),
        &[],
    )
    .await
}

/// The version a form was rendered with.
fn version_of(f: &HashMap<String, String>) -> Result<i64, PageError> {
    f.get("version")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| DomainError::invalid("version", "缺少版本号，请刷新页面后重试").into())
}

fn declaration_from(f: &HashMap<String, String>) -> DeclarationForm {
    let g = |k: &str| f.get(k).cloned().unwrap_or_default();
    DeclarationForm {
        name: g("name"),
        summary: g("summary"),
        period_start: g("period_start"),
        period_end: g("period_end"),
        investment: g("investment"),
        fiscal_funds: g("fiscal_funds"),
        bank_loan: g("bank_loan"),
        self_raised: g("self_raised"),
        other_funds: g("other_funds"),
        leader: g("leader"),
        contact: g("contact"),
        phone: g("phone"),
        email: g("email"),
        remarks: g("remarks"),
    }
}

async fn update_project(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = version_of(&f)?;
    let form = declaration_from(&f);
    match state
        .store
        .update_project(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            version,
            &form,
        )
        .await
    {
        Ok(p) => {
            state.reindex_project(&p).await;
            Ok(see_other(&format!("/projects/{id}?done=update")))
        }
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            form_page(
                &state,
                &user,
                FormTarget::edit(id, &form.name, version),
                &form,
                &errs,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn submit_project(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = version_of(&f)?;
    state
        .store
        .submit_project(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            version,
        )
        .await?;
    Ok(see_other(&format!("/projects/{id}?done=submit")))
}

async fn withdraw_project(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = version_of(&f)?;
    state
        .store
        .withdraw_project(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            version,
        )
        .await?;
    Ok(see_other(&format!("/projects/{id}?done=withdraw")))
}

async fn decide_project(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = version_of(&f)?;
    let reason = f.get("reason").cloned().unwrap_or_default();
    let decision =
        match Decision::parse(f.get("decision").map(String::as_str).unwrap_or(""), &reason) {
            Ok(d) => d,
            Err(DomainError::Invalid(errs)) => {
                let entered = Entered {
                    errors: errs,
                    reason,
                    ..Default::default()
                };
                return project_page(&state, &user, ProjectId(id), None, entered).await;
            }
            Err(e) => return Err(e.into()),
        };
    let p = state
        .store
        .decide_project(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            version,
            &decision,
        )
        .await?;
    let done = if p.status == ProjectStatus::Approved {
        "approve"
    } else {
        "return"
    };
    Ok(see_other(&format!("/review?done={done}")))
}

// ---- organization --------------------------------------------------------------------------

struct DeptRow {
    name: String,
    code: String,
    kinds: String,
    depth: usize,
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    layout: Layout,
    jurisdiction: String,
    departments: Vec<DeptRow>,
    firms: Vec<(String, &'static str)>,
    experts: Vec<govit_storage::org::Expert>,
}

async fn org(State(state): State<AppState>, user: User) -> PageResult {
    let j = user.principal.jurisdiction_id;
    let jurisdiction = state.store.jurisdiction(j).await?.name;
    let departments = state
        .store
        .departments(j)
        .await?
        .into_iter()
        .map(|d| DeptRow {
            depth: d.depth(),
            kinds: d
                .party_kinds
                .iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join("、"),
            name: d.name,
            code: d.code,
        })
        .collect();
    let firms = state
        .store
        .firms(j)
        .await?
        .into_iter()
        .map(|f| (f.name, f.kind.label()))
        .collect();
    html(OrgPage {
        layout: Layout::for_user(&state, &user, "组织机构", "org").await?,
        jurisdiction,
        departments,
        firms,
        experts: state.store.experts(j).await?,
    })
}

// ---- audit -------------------------------------------------------------------------------

struct AuditRow {
    seq: i64,
    when: String,
    actor: String,
    ip: String,
    action: String,
    object: String,
    result: String,
    result_label: &'static str,
    detail: String,
    change: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    export_query: String,
    f: AuditFilter,
    from: String,
    to: String,
    rows: Vec<AuditRow>,
    pager: Pager,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AuditQuery {
    #[serde(flatten)]
    f: AuditFilter,
    from: String,
    to: String,
    page: String,
}

/// Beijing midnight of a `YYYY-MM-DD` date, in Unix milliseconds.
fn day_start_ms(d: &str) -> Option<i64> {
    let date = chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis() - 8 * 3600 * 1000)
}

/// Refuses anyone but the security auditor, recording the attempt.
async fn auditor_only(state: &AppState, user: &User) -> Result<(), PageError> {
    if user.principal.has(Role::Auditor) {
        return Ok(());
    }
    let _ = state
        .store
        .audit_refusal(
            &user.actor(),
            state.now_ms(),
            "audit_log",
            "",
            "audit.search",
            "非审计员访问审计日志",
        )
        .await;
    Err(DomainError::Forbidden("只有安全审计员可以查看审计日志".into()).into())
}

impl AuditQuery {
    fn filter(&self) -> AuditFilter {
        let mut f = self.f.clone();
        f.from_ms = day_start_ms(&self.from);
        f.to_ms = day_start_ms(&self.to).map(|t| t + 24 * 3600 * 1000 - 1);
        f
    }

    fn query_string(&self, page: Option<i64>) -> String {
        let f = &self.f;
        let pairs = [
            ("actor", f.actor.as_str()),
            ("action", f.action.as_str()),
            ("object_type", f.object_type.as_str()),
            ("object_id", f.object_id.as_str()),
            ("result", f.result.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
        ];
        view::filter_query(&pairs, page)
    }
}

fn audit_row(r: &govit_core::audit::AuditRecord) -> AuditRow {
    let e = &r.event;
    let change = match (e.before.is_empty(), e.after.is_empty()) {
        (true, true) => String::new(),
        (true, false) => format!("变更后：{}", e.after),
        (false, true) => format!("变更前：{}", e.before),
        (false, false) => format!("变更前：{}\n变更后：{}", e.before, e.after),
    };
    AuditRow {
        seq: r.seq,
        when: fmt_ms(e.at_ms),
        actor: if e.actor_login.is_empty() {
            "（匿名）".into()
        } else {
            e.actor_login.clone()
        },
        ip: e.ip.clone(),
        action: e.action.clone(),
        object: format!("{} {}", e.object_type, e.object_id),
        result: e.result.clone(),
        result_label: match e.result.as_str() {
            "ok" => "成功",
            "refused" => "拒绝",
            _ => "失败",
        },
        detail: e.detail.clone(),
        change,
    }
}

async fn audit(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    auditor_only(&state, &user).await?;
    let page: i64 = q.page.parse().unwrap_or(1);
    let paged = state
        .store
        .search_audit(&q.filter(), Page::new(page, 50))
        .await?;
    let rows = paged.items.iter().map(audit_row).collect();
    let pager = Pager::new(paged.page, paged.pages(), paged.total, |n| {
        format!("/audit?{}", q.query_string(Some(n)))
    });
    html(AuditPage {
        layout: Layout::for_user(&state, &user, "审计日志", "audit").await?,
        export_query: q.query_string(None),
        f: q.f,
        from: q.from,
        to: q.to,
        rows,
        pager,
    })
}

/// The audit records matching the page's filters as .xlsx, newest first as on screen. The
/// export itself is recorded in the log.
async fn export_audit(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    auditor_only(&state, &user).await?;
    let f = q.filter();
    let records = crate::export::all_pages(crate::export::MAX_ROWS, |page| {
        state.store.search_audit(&f, page)
    })
    .await?;
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            let a = audit_row(r);
            vec![
                a.seq.to_string(),
                a.when,
                a.actor,
                a.ip,
                a.action,
                a.object,
                a.result_label.to_string(),
                a.detail,
                a.change,
            ]
        })
        .collect();
    state
        .store
        .audit(
            &user.actor(),
            state.now_ms(),
            govit_storage::audit::Change::ok("audit_log", "", "audit.export").detail(format!(
                "导出 {} 条审计记录（{}）",
                rows.len(),
                q.query_string(None)
            )),
        )
        .await?;
    let table = crate::export::Table {
        sheet: "审计日志",
        headers: &[
            "记录号",
            "时间",
            "操作人",
            "来源地址",
            "操作",
            "对象",
            "结果",
            "说明",
            "变更内容",
        ],
        widths: &[
            (1, 10.0),
            (2, 18.0),
            (3, 12.0),
            (4, 14.0),
            (5, 22.0),
            (6, 20.0),
            (8, 40.0),
            (9, 60.0),
        ],
        total: None,
    };
    crate::export::xlsx_response(table, rows, "audit-log.xlsx").await
}

// ---- users -------------------------------------------------------------------------------

struct UserRow {
    login: String,
    name: String,
    department: String,
    roles: String,
    scope: &'static str,
    disabled: bool,
    locked: bool,
}

struct DeptOption {
    id: i64,
    name: String,
    depth: usize,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct NewUserForm {
    login: String,
    name: String,
    department: String,
    scope: String,
    password: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    layout: Layout,
    csrf: String,
    flash: Option<String>,
    users: Vec<UserRow>,
    departments: Vec<DeptOption>,
    roles: Vec<(&'static str, &'static str, bool)>,
    scopes: Vec<(&'static str, &'static str)>,
    form: NewUserForm,
    errors: Vec<SummaryItem>,
    login_error: Option<String>,
    name_error: Option<String>,
    roles_error: Option<String>,
    password_error: Option<String>,
}

/// Refuses a role-gated page, recording the attempt.
async fn forbid(state: &AppState, user: &User, object: &str, message: &str) -> PageError {
    let _ = state
        .store
        .audit_refusal(
            &user.actor(),
            state.now_ms(),
            object,
            "",
            "page.forbidden",
            message,
        )
        .await;
    DomainError::Forbidden(message.into()).into()
}

async fn require_admin(state: &AppState, user: &User) -> Result<(), PageError> {
    if user.principal.has(Role::Admin) {
        Ok(())
    } else {
        Err(forbid(state, user, "user", "只有系统管理员可以管理用户").await)
    }
}

async fn users_page(
    state: &AppState,
    user: &User,
    flash: Option<String>,
    form: NewUserForm,
    chosen_roles: &[String],
    errors: Vec<FieldError>,
) -> PageResult {
    let now = state.now_ms();
    let j = user.principal.jurisdiction_id;
    let users = state
        .store
        .list_users(Some(j))
        .await?
        .into_iter()
        .map(|u| UserRow {
            login: u.login,
            name: u.name,
            department: u.department,
            roles: u
                .roles
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join("、"),
            scope: u.scope.label(),
            disabled: u.disabled,
            locked: u.locked_until_ms.is_some_and(|t| t > now),
        })
        .collect();
    let departments = state
        .store
        .departments(j)
        .await?
        .into_iter()
        .map(|d| DeptOption {
            id: d.id.0,
            depth: d.depth(),
            name: d.name,
        })
        .collect();
    let has_errors = !errors.is_empty();
    let mut resp = html(UsersPage {
        layout: Layout::for_user(state, user, "用户管理", "users")
            .await?
            .with_errors(has_errors),
        csrf: user.csrf.clone(),
        flash,
        users,
        departments,
        roles: Role::ALL
            .iter()
            .map(|r| {
                (
                    r.as_str(),
                    r.label(),
                    chosen_roles.iter().any(|c| c == r.as_str()),
                )
            })
            .collect(),
        scopes: ScopeKind::ALL
            .iter()
            .filter(|s| **s != ScopeKind::Listed)
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        form,
        login_error: view::error_for(&errors, "login"),
        name_error: view::error_for(&errors, "name"),
        roles_error: view::error_for(&errors, "roles"),
        password_error: view::error_for(&errors, "password"),
        errors: view::summary(&errors),
    })?;
    if has_errors {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UsersQuery {
    done: String,
    login: String,
}

async fn users(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<UsersQuery>,
) -> PageResult {
    require_admin(&state, &user).await?;
    let flash = match q.done.as_str() {
        "disable" => Some(format!("账户 {} 已停用，其会话已全部结束。", q.login)),
        "enable" => Some(format!("账户 {} 已启用。", q.login)),
        _ => None,
    };
    users_page(
        &state,
        &user,
        flash,
        NewUserForm {
            scope: "own_department".into(),
            ..Default::default()
        },
        &[],
        vec![],
    )
    .await
}

/// Creates an account from the admin form; a generated initial password is shown once.
async fn create_user(
    State(state): State<AppState>,
    user: User,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    require_admin(&state, &user).await?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let form = NewUserForm {
        login: get("login").trim().to_string(),
        name: get("name"),
        department: get("department"),
        scope: get("scope"),
        password: get("password"),
    };
    let chosen: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "roles")
        .map(|(_, v)| v.clone())
        .collect();
    let generated = form.password.trim().is_empty();
    let password = if generated {
        generate_password()
    } else {
        form.password.clone()
    };
    let department_id = form.department.parse().ok().map(DepartmentId);
    let result = state
        .store
        .create_user(
            &user.actor(),
            state.now_ms(),
            NewUser {
                jurisdiction_id: user.principal.jurisdiction_id,
                login: form.login.clone(),
                name: form.name.clone(),
                department_id,
                firm_id: None,
                expert_id: None,
                roles: chosen.iter().filter_map(|r| Role::parse(r)).collect(),
                scope: ScopeKind::parse(&form.scope).unwrap_or(ScopeKind::OwnDepartment),
                listed_departments: vec![],
                password: password.clone(),
                must_change_password: true,
            },
        )
        .await;
    match result {
        Ok(_) => {
            let flash = if generated {
                format!(
                    "已创建账户 {}，初始密码：{password}（只显示这一次，首次登录须修改）",
                    form.login
                )
            } else {
                format!("已创建账户 {}，首次登录须修改密码。", form.login)
            };
            users_page(
                &state,
                &user,
                Some(flash),
                NewUserForm {
                    scope: "own_department".into(),
                    ..Default::default()
                },
                &[],
                vec![],
            )
            .await
        }
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            let kept = NewUserForm {
                password: String::new(),
                ..form
            };
            users_page(&state, &user, None, kept, &chosen, errs).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn user_action(
    State(state): State<AppState>,
    user: User,
    Path((login, action)): Path<(String, String)>,
) -> PageResult {
    require_admin(&state, &user).await?;
    let now = state.now_ms();
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        "reset-password" => {
            let password = generate_password();
            state
                .store
                .reset_password(&user.actor(), now, &login, &password)
                .await?;
            let flash = format!(
                "已重置 {login} 的密码并解除锁定。新的初始密码：{password}（只显示这一次，首次登录须修改）"
            );
            return users_page(
                &state,
                &user,
                Some(flash),
                NewUserForm {
                    scope: "own_department".into(),
                    ..Default::default()
                },
                &[],
                vec![],
            )
            .await;
        }
        _ => return Err(DomainError::NotFound.into()),
    };
    if disabled && login == user.principal.login {
        return Err(DomainError::InvalidState {
            message: "不能停用自己的账户".into(),
        }
        .into());
    }
    state
        .store
        .set_user_disabled(&user.actor(), now, &login, disabled)
        .await?;
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("done", &action)
        .append_pair("login", &login)
        .finish();
    Ok(see_other(&format!("/admin/users?{q}")))
}
