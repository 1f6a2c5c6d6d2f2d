//! Data scope: unit B cannot read, list, search, edit or decide unit A's project, through the
//! UI or the API, and every refusal is audited.

use crate::harness::*;
use govit_core::org::Principal;
use govit_core::org::{Role, ScopeKind};
use govit_storage::Actor;
use govit_storage::Who;
use govit_storage::accounts::NewUser;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn another_unit_gets_404_everywhere() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let id = clerk.create_draft("教体局专属项目").await;
    clerk.submit(id).await;

    // A reviewer whose scope is only their own unit (卫健委); one account may not also
    // declare (role separation), so the declarant's routes are tried by clerk2.
    let j = app.store.jurisdiction_by_code("yeji").await.expect("db").expect("yeji");
    let wjw = app.store.department_by_code(j.id, "wjw").await.expect("db");
    add_user(&app, j.id, "wjwreviewer", wjw, &[Role::Reviewer], ScopeKind::OwnDepartment).await;

    for login in ["clerk2", "wjwreviewer"] {
        let other = app.login(login).await;
        let (s, _) = other.text(&format!("/projects/{id}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{login} read");
        let (s, _) = other.text(&format!("/projects/{id}/edit")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{login} edit form");
        let (_, list) = other.text("/projects").await;
        assert!(!list.contains("教体局专属项目"), "{login} list");
        let (_, found) = other.text("/projects?q=专属").await;
        assert!(found.contains("共 0 个项目"), "{login} search");
        let fields = declaration("篡改");
        let mut form = as_pairs(&fields);
        form.push(("version", "2"));
        assert_eq!(
            other.post(&format!("/projects/{id}/edit"), &form).await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            other.post(&format!("/projects/{id}/submit"), &[("version", "2")]).await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            other
                .post(
                    &format!("/projects/{id}/decide"),
                    &[("version", "2"), ("decision", "approve"), ("reason", "")]
                )
                .await
                .status(),
            StatusCode::NOT_FOUND
        );

        let api = app.api(login).await;
        assert_eq!(api.get(&format!("/api/v1/projects/{id}")).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            api.get(&format!("/api/v1/projects/{id}/events")).await.0,
            StatusCode::NOT_FOUND
        );
        let (s, list) = api.get("/api/v1/projects?q=专属").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(list["total"], 0);
        let mut body = declaration_json("篡改");
        body["version"] = json!(2);
        assert_eq!(api.put(&format!("/api/v1/projects/{id}"), body).await.0, StatusCode::NOT_FOUND);
        let (s, err) = api
            .post(
                &format!("/api/v1/projects/{id}/decision"),
                json!({"decision": "approve", "version": 2}),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(err["code"], "not_found");
    }

    // Nothing changed, and the refusals are in the audit log.
    let api = app.api("clerk").await;
    let (_, p) = api.get(&format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["name"], "教体局专属项目");
    assert_eq!(p["status"], "submitted");
    let refused = app
        .audit(govit_storage::audit::AuditFilter {
            result: "refused".into(),
            object_id: id.to_string(),
            ..Default::default()
        })
        .await;
    assert!(refused.len() >= 10, "only {} refusals audited", refused.len());
}

#[tokio::test]
async fn drafts_are_not_shown_to_the_authority_until_submitted() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let id = clerk.create_draft("尚未提交的草稿").await;
    let reviewer = app.login("reviewer").await;
    assert_eq!(reviewer.text(&format!("/projects/{id}")).await.0, StatusCode::NOT_FOUND);
    clerk.submit(id).await;
    assert_eq!(reviewer.text(&format!("/projects/{id}")).await.0, StatusCode::OK);
}

#[tokio::test]
async fn roles_gate_actions() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let id = clerk.create_draft("角色测试").await;
    clerk.submit(id).await;
    // A clerk cannot decide; a viewer cannot declare; only the auditor reads the log.
    let api = app.api("clerk").await;
    let (_, p) = api.get(&format!("/api/v1/projects/{id}")).await;
    let (s, e) = api
        .post(
            &format!("/api/v1/projects/{id}/decision"),
            json!({"decision": "approve", "version": p["version"]}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let finance = app.api("finance").await;
    let (s, _) = finance.post("/api/v1/projects", declaration_json("财政局不能申报")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(clerk.text("/audit").await.0, StatusCode::FORBIDDEN);
    assert_eq!(clerk.text("/admin/users").await.0, StatusCode::FORBIDDEN);
    let auditor = app.login("auditor").await;
    let (s, log) = auditor.text("/audit?action=project.submit").await;
    assert_eq!(s, StatusCode::OK);
    assert!(log.contains("提交申报"), "the action is named in Chinese: {log}");
    assert!(log.contains("href=\"/audit/export.xlsx?action=project.submit\""), "{log}");
    // The filtered log exports as shown: only project.submit rows, newest first; the export
    // is itself recorded, and only the auditor may export.
    let r = auditor.get("/audit/export.xlsx?action=project.submit").await;
    assert_eq!(r.status(), StatusCode::OK);
    let rows = xlsx_rows(&r.bytes().await.expect("xlsx"), "审计日志");
    assert_eq!(rows[0][7], "操作");
    assert_eq!(rows[0][8], "操作代码");
    assert!(rows.len() > 1, "{rows:?}");
    assert!(rows[1..].iter().all(|r| r[7] == "提交申报" && r[8] == "project.submit"), "{rows:?}");
    let seqs: Vec<i64> = rows[1..].iter().map(|r| r[1].parse().expect("seq")).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "{seqs:?}");
    let (_, log) = auditor.text("/audit?action=audit.export").await;
    assert!(log.contains("导出"), "{log}");
    assert_eq!(clerk.get("/audit/export.xlsx").await.status(), StatusCode::FORBIDDEN);
    let admin = app.login("admin").await;
    assert_eq!(admin.text("/admin/users").await.0, StatusCode::OK);
}

#[tokio::test]
async fn listed_and_self_scopes_in_lists() {
    let app = spawn_app().await;
    let j = app.store.jurisdiction_by_code("yeji").await.expect("db").expect("yeji");
    let dept = |code: &'static str| {
        let store = app.store.clone();
        async move { store.department_by_code(j.id, code).await.expect("db").expect("dept") }
    };
    let (wjw, jyt) = (dept("wjw").await, dept("jyt").await);
    for (login, d, role, scope, listed) in [
        ("lister", jyt, Role::Reviewer, ScopeKind::Listed, vec![wjw]),
        ("selfie", jyt, Role::Declarant, ScopeKind::SelfOnly, vec![]),
    ] {
        app.store
            .create_user(
                Who::new(&Principal::operator(), &Actor::cli("test"), app.now()),
                NewUser {
                    jurisdiction_id: j.id,
                    login: login.into(),
                    name: "范围测试".into(),
                    department_id: Some(d),
                    firm_id: None,
                    expert_id: None,
                    roles: vec![role],
                    scope,
                    listed_departments: listed,
                    password: PASSWORD.into(),
                    must_change_password: false,
                },
            )
            .await
            .expect("user");
    }
    let submit = |api: Api, name: &'static str| async move {
        let (_, p) = api.post("/api/v1/projects", declaration_json(name)).await;
        api.hand_in(p["id"].as_i64().expect("id")).await;
        api.post(&format!("/api/v1/projects/{}/submit", p["id"]), json!({"version": p["version"]}))
            .await;
    };
    submit(app.api("clerk").await, "教体局的项目").await;
    submit(app.api("clerk2").await, "卫健委的项目").await;
    submit(app.api("selfie").await, "本人填报的项目").await;
    let names = |list: serde_json::Value| -> Vec<String> {
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|p| p["name"].as_str().map(str::to_string))
            .collect()
    };
    let (_, l) = app.api("lister").await.get("/api/v1/projects").await;
    assert_eq!(names(l), ["卫健委的项目"]);
    let (_, l) = app.api("selfie").await.get("/api/v1/projects").await;
    assert_eq!(names(l), ["本人填报的项目"]);
}
