//! 规则: the profiles in force, rule by rule with their citations.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::PageResult;
use crate::shell::view::Layout;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse};
use govit_core::DomainError;
use govit_core::policy::Profile;

#[derive(Template)]
#[template(path = "rules/policies.html")]
struct PoliciesPage {
    layout: Layout,
    profiles: Vec<(String, String, String, String, String, usize)>,
}

/// The profile the reader's jurisdiction runs on: the only one its pages show (another
/// jurisdiction's rules are not the reader's; operators read them all with `govit policy`).
pub(crate) async fn own_profile(
    state: &AppState, principal: &govit_core::org::Principal,
) -> Result<String, govit_storage::StoreError> {
    Ok(state.store.jurisdiction(principal.jurisdiction_id).await?.profile_id)
}

pub async fn policies(State(state): State<AppState>, user: User) -> PageResult {
    let own = own_profile(&state, &user.principal).await?;
    let rules = state.store.rules();
    let profiles = rules
        .profiles
        .values()
        .filter(|p| p.head.id == own)
        .map(|p| {
            (
                p.head.id.clone(),
                p.head.name.clone(),
                p.head.issuer.clone(),
                p.head.document.clone(),
                p.head.issued.to_string(),
                p.rule_count(),
            )
        })
        .collect();
    let body = PoliciesPage {
        layout: Layout::for_user(&state, &user, "管理办法与规则", "policies").await?,
        profiles,
    }
    .render()?;
    Ok(Html(body).into_response())
}

type RuleRows = Vec<(String, String, String)>;

#[derive(Template)]
#[template(path = "rules/policy.html")]
struct PolicyPage {
    layout: Layout,
    p: Profile,
    sections: Vec<(&'static str, RuleRows)>,
}

/// Every rule of a profile in rows of (citation, rule, content).
pub fn rule_sections(p: &Profile) -> Vec<(&'static str, RuleRows)> {
    vec![
        (
            "流程",
            p.stages
                .iter()
                .map(|s| (s.cite.clone(), p.stage_label(s.stage), s.text.clone()))
                .collect(),
        ),
        (
            "路径",
            p.paths
                .iter()
                .map(|r| {
                    let stages: Vec<String> = r.stages.iter().map(|s| p.stage_label(*s)).collect();
                    (r.cite.clone(), stages.join(" → "), r.text.clone())
                })
                .collect(),
        ),
        (
            "材料",
            p.documents
                .iter()
                .map(|d| {
                    (
                        d.cite.clone(),
                        format!("{}（{}）", d.name, p.stage_label(d.stage)),
                        d.text.clone(),
                    )
                })
                .collect(),
        ),
        (
            "期限",
            p.deadlines
                .iter()
                .map(|d| {
                    (
                        d.cite.clone(),
                        format!("{} · {}", d.duty, p.party_label(&d.owed_by)),
                        d.text.clone(),
                    )
                })
                .collect(),
        ),
        (
            "限额与标准",
            p.thresholds
                .iter()
                .map(|t| (t.cite.clone(), t.effect.clone(), t.text.clone()))
                .collect(),
        ),
        (
            "数量限制",
            p.quotas
                .iter()
                .map(|q| (q.cite.clone(), format!("每年最多 {} 个", q.max), q.text.clone()))
                .collect(),
        ),
        (
            "前置条件",
            p.gates
                .iter()
                .map(|g| (g.cite.clone(), g.action.label().to_string(), g.text.clone()))
                .collect(),
        ),
        (
            "处理措施",
            p.sanctions
                .iter()
                .map(|s| {
                    (
                        s.cite.clone(),
                        s.steps.iter().map(|x| x.label()).collect::<Vec<_>>().join(" → "),
                        s.text.clone(),
                    )
                })
                .collect(),
        ),
        (
            "原文缺失或未规定",
            p.gaps
                .iter()
                .map(|g| {
                    (g.cite.clone(), g.configurable.clone().unwrap_or_default(), g.text.clone())
                })
                .collect(),
        ),
    ]
}

pub async fn policy(
    State(state): State<AppState>, user: User, Path(id): Path<String>,
) -> PageResult {
    if own_profile(&state, &user.principal).await? != id {
        return Err(DomainError::NotFound.into());
    }
    let rules = state.store.rules();
    let p = rules.profile(&id).cloned().ok_or(DomainError::NotFound)?;
    let body = PolicyPage {
        layout: Layout::for_user(&state, &user, p.head.name.clone(), "policies").await?,
        sections: rule_sections(&p),
        p,
    }
    .render()?;
    Ok(Html(body).into_response())
}
