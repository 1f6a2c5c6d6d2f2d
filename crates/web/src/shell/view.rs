//! Page models: the data each askama template renders, and small display helpers.

use crate::AppState;
use crate::shell::auth::User;
use askama::Template;
use chrono::{FixedOffset, TimeZone};
use govit_core::FieldError;
use govit_core::declaration::{DeclarationForm, field_label};
use govit_core::org::Role;
use govit_storage::todo::TodoCounts;

/// Instants are shown in Beijing time, `2025-10-14 09:30`.
pub fn fmt_ms(ms: i64) -> String {
    let tz = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    tz.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

pub fn fmt_opt_ms(ms: Option<i64>) -> String {
    ms.map(fmt_ms).unwrap_or_else(|| "—".into())
}

/// What the navigation shows for the signed-in user.
pub struct Nav {
    pub name: String,
    pub department: String,
    pub roles: String,
    pub csrf: String,
    pub is_admin: bool,
    pub is_auditor: bool,
    pub is_reviewer: bool,
    pub is_declarant: bool,
    pub is_viewer: bool,
    pub todo: TodoCounts,
}

pub struct Layout {
    pub title: String,
    pub active: &'static str,
    pub nav: Option<Nav>,
}

impl Layout {
    pub fn bare(title: impl Into<String>) -> Layout {
        Layout { title: title.into(), active: "", nav: None }
    }

    pub async fn for_user(
        state: &AppState, user: &User, title: impl Into<String>, active: &'static str,
    ) -> Result<Layout, crate::shell::error::PageError> {
        let p = &user.principal;
        let todo = state.store.todo_counts(p).await?;
        let department = match p.department_id {
            Some(d) => state.store.department_name(d).await?.unwrap_or_default(),
            None => String::new(),
        };
        Ok(Layout {
            title: title.into(),
            active,
            nav: Some(Nav {
                name: p.name.clone(),
                department,
                roles: p.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、"),
                csrf: user.csrf.clone(),
                is_admin: p.has(Role::Admin),
                is_auditor: p.has(Role::Auditor),
                is_reviewer: p.has(Role::Reviewer),
                is_declarant: p.has(Role::Declarant),
                is_viewer: p.has(Role::Viewer),
                todo,
            }),
        })
    }

    /// GOV.UK: a page with errors says so first in its title.
    pub fn with_errors(mut self, has_errors: bool) -> Layout {
        if has_errors {
            self.title = format!("错误：{}", self.title);
        }
        self
    }
}

/// A path on this site, or nothing: one leading `/`, no backslash, no whitespace or control
/// character (browsers drop tabs and newlines, so `/\t/host` would become `//host`, another
/// origin), and nothing a header cannot carry. Used for `next` after login and for the link
/// back on error pages.
pub fn same_site_path(path: &str) -> Option<String> {
    let on_this_site = path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= 2000
        && !path.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control())
        && axum::http::HeaderValue::from_str(path).is_ok();
    on_this_site.then(|| path.to_string())
}

#[derive(Template)]
#[template(path = "shell/error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    heading: &'a str,
    message: &'a str,
    /// Where the link back leads, and what it says.
    back: Option<Back>,
}

/// The link back from an error page: to the page the user came from (返回上一页), or to the
/// page the error names (a form's record: 返回表单所在页面).
#[derive(Clone, Debug)]
pub struct Back {
    pub href: String,
    pub label: &'static str,
}

impl Back {
    /// The page the user came from.
    pub fn previous(href: String) -> Back {
        Back { href, label: "返回上一页" }
    }
}

pub fn error_page(title: &str, message: &str) -> String {
    error_page_in(Layout::bare(title), title, message, None)
}

/// The error page inside a layout (the signed-in user's navigation), with a link back.
pub fn error_page_in(layout: Layout, title: &str, message: &str, back: Option<Back>) -> String {
    ErrorPage { layout, heading: title, message, back }
        .render()
        .unwrap_or_else(|_| format!("<h1>{title}</h1><p>{message}</p>"))
}

/// One input of a form, with its value and error, ready for the template.
pub struct FieldView {
    pub name: &'static str,
    pub label: String,
    pub value: String,
    pub error: Option<String>,
    pub hint: &'static str,
    /// `text`, `textarea`, `month`, `amount`, `email`, `tel`, `password`
    pub kind: &'static str,
    pub required: bool,
}

/// A group of inputs under one legend; its own error covers rules across its fields.
pub struct FieldGroup {
    pub id: &'static str,
    pub legend: &'static str,
    pub hint: &'static str,
    pub error: Option<String>,
    pub fields: Vec<FieldView>,
}

pub fn error_for(errors: &[FieldError], field: &str) -> Option<String> {
    let msgs: Vec<&str> =
        errors.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect();
    (!msgs.is_empty()).then(|| msgs.join("；"))
}

/// Where each error in the summary links to.
pub struct SummaryItem {
    pub href: String,
    pub message: String,
}

/// Each field's first message, for the form to show beside it.
pub fn first_messages(errors: &[FieldError]) -> std::collections::HashMap<&'static str, String> {
    let mut m = std::collections::HashMap::new();
    for x in errors {
        m.entry(x.field).or_insert_with(|| x.message.clone());
    }
    m
}

pub fn summary(errors: &[FieldError]) -> Vec<SummaryItem> {
    errors
        .iter()
        .map(|e| SummaryItem { href: format!("#{}", e.field), message: e.message.clone() })
        .collect()
}

/// The declaration form of yeji annex 1, grouped as the paper form is.
pub fn declaration_groups(form: &DeclarationForm, errors: &[FieldError]) -> Vec<FieldGroup> {
    let f = |name: &'static str,
             value: &str,
             kind: &'static str,
             hint: &'static str,
             required: bool| FieldView {
        name,
        label: field_label(name).to_string(),
        value: value.to_string(),
        error: error_for(errors, name),
        hint,
        kind,
        required,
    };
    vec![
        FieldGroup {
            id: "basic",
            legend: "项目基本情况",
            hint: "",
            error: None,
            fields: vec![
                f("name", &form.name, "text", "", true),
                f(
                    "summary",
                    &form.summary,
                    "textarea",
                    "简要说明建设内容和建设依据，200 字以内",
                    true,
                ),
            ],
        },
        FieldGroup {
            id: "kind",
            legend: "项目类别",
            hint: "涉及两个及以上部门的为跨部门项目，须提交框架方案等材料，部分辖区由大数据中心牵头（统建）；不确定的可不选，由审核人员认定。",
            error: None,
            fields: vec![f("cross_department", &form.cross_department, "scope", "", false)],
        },
        FieldGroup {
            id: "period",
            legend: "建设年度",
            hint: "填写开始和结束的年月，例如 2025-01 至 2025-12",
            error: None,
            fields: vec![
                f("period_start", &form.period_start, "month", "", true),
                f("period_end", &form.period_end, "month", "", true),
            ],
        },
        FieldGroup {
            id: "fund_sources",
            legend: "项目投资与资金筹措（万元）",
            hint: "单位为万元，最多四位小数。财政资金、银行贷款、自筹、其他之和应等于项目投资；没有的来源可留空。",
            error: error_for(errors, "fund_sources"),
            fields: vec![
                f("investment", &form.investment, "amount", "", true),
                f("fiscal_funds", &form.fiscal_funds, "amount", "", false),
                f("bank_loan", &form.bank_loan, "amount", "", false),
                f("self_raised", &form.self_raised, "amount", "", false),
                f("other_funds", &form.other_funds, "amount", "", false),
                f(
                    "yearly_budget",
                    &form.yearly_budget,
                    "textarea",
                    "跨年度项目选填：每行一年，年份和金额（万元），如“2026 80”；各年之和应等于项目投资。年度计划按此安排当年资金。",
                    false,
                ),
            ],
        },
        FieldGroup {
            id: "contacts",
            legend: "负责人与联系方式",
            hint: "",
            error: None,
            fields: vec![
                f("leader", &form.leader, "text", "", true),
                f("contact", &form.contact, "text", "", true),
                f(
                    "phone",
                    &form.phone,
                    "tel",
                    "11 位手机号，或带区号的固定电话（区号-号码）",
                    true,
                ),
                f("email", &form.email, "email", "", true),
                f("remarks", &form.remarks, "textarea", "选填，500 字以内", false),
            ],
        },
    ]
}

/// Paging links that keep the current filters.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub fn new(page: i64, pages: i64, total: i64, link: impl Fn(i64) -> String) -> Pager {
        Pager {
            page,
            pages,
            total,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
        }
    }
}

/// The query string of a list's non-empty filters, plus the page when given; used by every
/// list's paging and export links.
pub fn filter_query(pairs: &[(&str, &str)], page: Option<i64>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    if let Some(p) = page {
        s.append_pair("page", &p.to_string());
    }
    s.finish()
}

/// The departments of the user's jurisdiction, as a filter's options (id, name).
pub async fn department_options(
    state: &crate::AppState, user: &crate::shell::auth::User,
) -> Result<Vec<(i64, String)>, crate::shell::error::PageError> {
    let all = state.store.departments(user.principal.jurisdiction_id).await?;
    Ok(all.into_iter().map(|d| (d.id.0, d.name)).collect())
}

/// A list page's filter bar: the keyword and the department chosen, with the jurisdiction's
/// departments to choose from, and — where the list has one — the status chosen among its
/// choices (`shell/_fields.html`'s `select` draws each choice).
pub struct Filters {
    pub q: String,
    pub dept: String,
    /// (id, name)
    pub departments: Vec<(String, String)>,
    pub status: String,
    /// (value, label)
    pub statuses: Vec<(String, &'static str)>,
}

impl Filters {
    /// The bar with the keyword and department chosen; no status.
    pub async fn new(
        state: &crate::AppState, user: &crate::shell::auth::User, q: &str, dept: &str,
    ) -> Result<Filters, crate::shell::error::PageError> {
        Ok(Filters {
            q: q.to_string(),
            dept: dept.to_string(),
            departments: department_options(state, user)
                .await?
                .into_iter()
                .map(|(id, name)| (id.to_string(), name))
                .collect(),
            status: String::new(),
            statuses: Vec::new(),
        })
    }

    /// With the status chosen among `statuses` (value, label).
    pub fn with_status(
        mut self, status: &str, statuses: impl IntoIterator<Item = (&'static str, &'static str)>,
    ) -> Filters {
        self.status = status.to_string();
        self.statuses = statuses.into_iter().map(|(v, l)| (v.to_string(), l)).collect();
        self
    }
}
