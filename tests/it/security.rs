//! Login, lockout, idle sessions, first-login password change, CSRF.

use crate::harness::*;
use govit_core::org::Principal;
use govit_storage::Actor;
use govit_storage::Who;
use reqwest::StatusCode;
use std::time::Duration;

#[tokio::test]
async fn five_failures_lock_the_account_for_fifteen_minutes() {
    let app = spawn_app().await;
    let web = app.anonymous();
    for _ in 0..5 {
        let r = web.try_login("clerk", "Wrong-Pass-1").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while locked.
    let r = web.try_login("clerk", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.expect("body").contains("锁定"));
    app.advance(Duration::from_secs(14 * 60));
    assert_eq!(web.try_login("clerk", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    app.advance(Duration::from_secs(61));
    assert_eq!(web.try_login("clerk", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    // Failures and the lock are audited.
    let log = app
        .audit(govit_storage::audit::AuditFilter {
            action: "user.lock".into(),
            ..Default::default()
        })
        .await;
    assert_eq!(log.len(), 1);
}

#[tokio::test]
async fn four_failures_then_success_resets_the_count() {
    let app = spawn_app().await;
    let web = app.anonymous();
    for _ in 0..4 {
        web.try_login("clerk", "Wrong-Pass-1").await;
    }
    assert_eq!(web.try_login("clerk", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    for _ in 0..4 {
        web.try_login("clerk", "Wrong-Pass-1").await;
    }
    assert_eq!(web.try_login("clerk", PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn idle_sessions_expire() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    app.advance(Duration::from_secs(29 * 60));
    assert_eq!(clerk.get("/projects").await.status(), StatusCode::OK);
    // Activity restarts the idle clock.
    app.advance(Duration::from_secs(29 * 60));
    assert_eq!(clerk.get("/projects").await.status(), StatusCode::OK);
    app.advance(Duration::from_secs(31 * 60));
    let r = clerk.get("/projects").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/login"));
}

#[tokio::test]
async fn session_cookie_is_httponly_and_strict() {
    let app = spawn_app().await;
    let web = app.anonymous();
    let r = web.try_login("clerk", PASSWORD).await;
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("govit_session="))
        .expect("session cookie")
        .to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
}

#[tokio::test]
async fn initial_password_must_be_changed() {
    let app = spawn_app().await;
    app.store
        .reset_password(
            Who::new(&Principal::operator(), &Actor::cli("test"), app.now()),
            "clerk",
            "Reset-Pass-1",
        )
        .await
        .expect("reset");
    let web = app.anonymous();
    let r = web.try_login("clerk", "Reset-Pass-1").await;
    assert_eq!(location(&r), "/account/password");
    let web = web.with_csrf().await;
    // Every other page sends them back to the password form.
    let r = web.get("/projects/new").await;
    assert_eq!(location(&r), "/account/password");
    // Weak, mismatched or unchanged passwords are refused with the field named.
    let r = web
        .post(
            "/account/password",
            &[
                ("old_password", "Reset-Pass-1"),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    assert!(body.contains("href=\"#new_password\"") && body.contains("至少 8 位"), "{body}");
    let r = web
        .post(
            "/account/password",
            &[
                ("old_password", "Reset-Pass-1"),
                ("new_password", "Reset-Pass-1"),
                ("confirm_password", "Reset-Pass-1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = web
        .post(
            "/account/password",
            &[
                ("old_password", "Reset-Pass-1"),
                ("new_password", "New-Pass-2025"),
                ("confirm_password", "New-Pass-2025"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(web.get("/projects/new").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn missing_or_wrong_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let fields = declaration("不应保存的项目");
    let mut form = as_pairs(&fields);
    let r = clerk.post_raw("/projects/new", &form).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    form.push(("_csrf", "0000"));
    let r = clerk.post_raw("/projects/new", &form).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.expect("body").contains("安全令牌"));
    let (_, list) = clerk.text("/projects").await;
    assert!(list.contains("共 0 个项目"));
    // Logout without a token does not log out.
    assert_eq!(clerk.post_raw("/logout", &[]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(clerk.get("/projects").await.status(), StatusCode::OK);
    // The login form has its own token.
    let r = clerk.post_raw("/login", &[("login", "clerk"), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let refusals = app
        .audit(govit_storage::audit::AuditFilter {
            action: "csrf.refused".into(),
            ..Default::default()
        })
        .await;
    assert!(refusals.len() >= 3);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    // Opened as a page, /logout says the reader is still signed in and ends nothing itself.
    let (s, page) = clerk.text("/logout").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("您仍以 教体局申报经办人 的身份登录") && page.contains("confirm-logout"),
        "{page}"
    );
    assert_eq!(clerk.get("/projects").await.status(), StatusCode::OK);
    let r = clerk.post("/logout", &[]).await;
    assert_eq!(location(&r), "/login?signed_out=1");
    let (_, page) = clerk.text("/login?signed_out=1").await;
    assert!(page.contains("已退出登录。"), "{page}");
    assert_eq!(clerk.get("/projects").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn disabled_accounts_cannot_log_in_and_lose_their_tokens() {
    let app = spawn_app().await;
    let api = app.api("clerk").await;
    assert_eq!(api.get("/api/v1/me").await.0, StatusCode::OK);
    let admin = app.login("admin").await;
    assert_eq!(admin.post("/admin/users/clerk/disable", &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(api.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let web = app.anonymous();
    assert_eq!(web.try_login("clerk", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn health_answers_when_the_database_does() {
    let app = spawn_app().await;
    let r = app.client().get(app.url("/healthz")).send().await.expect("healthz");
    assert_eq!(r.status(), StatusCode::OK);
    app.store.close().await;
    let r = app.client().get(app.url("/healthz")).send().await.expect("healthz");
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn admin_creates_and_resets_accounts_in_the_ui() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    // Invalid input names the fields and keeps the values.
    let r = admin
        .post("/admin/users", &[("login", "a b"), ("name", ""), ("scope", "own_department")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.expect("body");
    for f in ["#login", "#name", "#roles"] {
        assert!(page.contains(&format!("href=\"{f}\"")), "{f} not in the summary");
    }
    let depts = app.store.departments(govit_core::ids::JurisdictionId(1)).await.expect("depts");
    let wjw = depts.iter().find(|d| d.code == "wjw").expect("wjw").id.to_string();
    let r = admin
        .post(
            "/admin/users",
            &[
                ("login", "wang"),
                ("name", "王经办"),
                ("department", &wjw),
                ("roles", "declarant"),
                ("scope", "own_department"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.expect("body");
    let start = page.find("初始密码：").expect("password shown") + "初始密码：".len();
    let password: String = page[start..].chars().take_while(|c| *c != '（').collect();
    let web = app.anonymous();
    let r = web.try_login("wang", &password).await;
    assert_eq!(location(&r), "/account/password", "new account must change its password");
    // Reset: the old password stops working, the new one must be changed at login.
    // The list links to a confirmation first; resetting is a POST that redirects, and the
    // new password is shown once: reloading shows it no more and resets nothing.
    let (s, list) = admin.text("/admin/users").await;
    assert_eq!(s, StatusCode::OK);
    assert!(list.contains("href=\"/admin/users/wang/reset-password\""), "a link, not a form");
    let (s, confirm) = admin.text("/admin/users/wang/reset-password").await;
    assert_eq!(s, StatusCode::OK);
    assert!(confirm.contains("确认重置") && confirm.contains("只在下一页显示一次"));
    assert_eq!(web.try_login("wang", &password).await.status(), StatusCode::SEE_OTHER, "not yet");
    let r = admin.post("/admin/users/wang/reset-password", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let done = location(&r);
    let (_, page) = admin.text(&done).await;
    let start = page.find("新的初始密码：").expect("new password shown") + "新的初始密码：".len();
    let new_password: String = page[start..].chars().take_while(|c| *c != '（').collect();
    let (_, again) = admin.text(&done).await;
    assert!(!again.contains(&new_password) && again.contains("已显示过"), "shown once");
    // The administrator's own row offers neither 停用 nor 重置.
    assert!(
        !list.contains("/admin/users/admin/reset-password")
            && !list.contains("/admin/users/admin/disable")
    );
    assert_eq!(web.try_login("wang", &password).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(location(&web.try_login("wang", &new_password).await), "/account/password");
}

#[tokio::test]
async fn forbidden_pages_are_audited() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    assert_eq!(clerk.text("/admin/users").await.0, StatusCode::FORBIDDEN);
    assert_eq!(clerk.text("/review").await.0, StatusCode::FORBIDDEN);
    let finance = app.api("finance").await;
    assert_eq!(
        finance.post("/api/v1/projects", declaration_json("越权申报")).await.0,
        StatusCode::FORBIDDEN
    );
    let log = app
        .audit(govit_storage::audit::AuditFilter { result: "refused".into(), ..Default::default() })
        .await;
    let actions: Vec<&str> = log.iter().map(|r| r.event.action.as_str()).collect();
    assert!(actions.iter().filter(|a| **a == "page.forbidden").count() >= 2, "{actions:?}");
    assert!(actions.contains(&"project.create"), "{actions:?}");
}

#[tokio::test]
async fn administrators_manage_only_their_own_jurisdictions_accounts() {
    let app = spawn_app().await;
    jurisdiction(&app, "other", "gaoping").await;
    let admin = app.login("admin").await;
    // Another jurisdiction's account is not this administrator's: refused, audited, unchanged.
    for action in ["disable", "reset-password"] {
        let r = admin.post(&format!("/admin/users/other-clerk/{action}"), &[]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{action}");
    }
    let refused = app
        .audit(govit_storage::audit::AuditFilter {
            action: "user.read".into(),
            result: "refused".into(),
            ..Default::default()
        })
        .await;
    assert_eq!(refused.len(), 2);
    let other = app.anonymous();
    assert_eq!(other.try_login("other-clerk", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    // Nor may an administrator disable their own account.
    let r = admin.post("/admin/users/admin/disable", &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(admin.text("/admin/users").await.0, StatusCode::OK);
}

#[tokio::test]
async fn one_account_may_not_hold_incompatible_roles() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    for (roles, says) in [
        (["admin", "auditor"], "三员分立"),
        (["declarant", "reviewer"], "既申报又审核"),
        (["auditor", "reviewer"], "安全审计员"),
    ] {
        let login = format!("mixed{}", roles.join(""));
        let r = admin
            .post(
                "/admin/users",
                &[
                    ("login", login.as_str()),
                    ("name", "兼任测试"),
                    ("scope", "own_department"),
                    ("roles", roles[0]),
                    ("roles", roles[1]),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{roles:?}");
        let page = r.text().await.expect("body");
        assert!(page.contains("href=\"#roles\"") && page.contains(says), "{roles:?}");
        assert_eq!(app.store.user_id_by_login(&login).await.expect("db"), None, "nothing saved");
    }
    // The command line refuses the same.
    let out = app.cli(&[
        "user",
        "add",
        "--login",
        "clireviewer",
        "--name",
        "兼任",
        "--department",
        "wjw",
        "--role",
        "declarant",
        "--role",
        "reviewer",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("既申报又审核"));
}
