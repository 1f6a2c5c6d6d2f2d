//! 综合评级 (issue 12 §5): an approved project's rating computed from its cost, schedule and
//! obligations; the authority may lower it with a reason, never raise it; a given rating goes
//! stale once the computed one moves; two given at once — the second is refused, not lost; the
//! dashboard counts and lists them.

use super::contracts::{approved, construction};
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

async fn rating(api: &Api, id: i64) -> Value {
    let (s, r) = api.get(&format!("/api/v1/projects/{id}/rating")).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    r
}

async fn rate(api: &Api, id: i64, body: Value) -> (StatusCode, Value) {
    api.post(&format!("/api/v1/projects/{id}/rating"), body).await
}

fn factor<'a>(r: &'a Value, name: &str) -> Option<&'a Value> {
    r["factors"].as_array()?.iter().find(|f| f["factor"] == name)
}

#[tokio::test]
async fn the_authority_lowers_a_computed_rating_never_raises_it_and_a_moved_basis_makes_it_stale() {
    let app = spawn_app().await;
    let (cast, id, builder, _) = approved(&app, "gaoping").await;
    let (login, clerk) = cast.owner_clerk(id).await;
    let authority = cast.api("reviewer");

    // Approved, nothing contracted, nothing overdue: computed from cost and obligations alone.
    let r = rating(authority, id).await;
    let computed = r["computed"].as_u64().expect("computed");
    assert_eq!(r["level"], r["computed"], "{r}");
    assert!(factor(&r, "schedule").is_none(), "no contract period yet: {r}");
    assert_eq!(factor(&r, "obligations").map(|f| f["level"].clone()), Some(json!(5)), "{r}");
    assert_eq!((r["may_rate"].clone(), r["seen"].clone()), (json!(true), json!(0)), "{r}");
    // The owner unit reads it and may not rate.
    let mine = rating(clerk, id).await;
    assert_eq!(
        (mine["level"].clone(), mine["may_rate"].clone()),
        (r["level"].clone(), json!(false))
    );
    let (s, e) = rate(clerk, id, json!({"level": 1, "reason": "自评", "seen": 0})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("评定"), "{e}");

    // Bad input names its field; nothing is kept.
    for (body, field) in [
        (json!({"level": 0, "reason": "理由", "seen": 0}), "level"),
        (json!({"level": "五", "reason": "理由", "seen": 0}), "level"),
        (json!({"level": 1, "reason": "  ", "seen": 0}), "reason"),
        (json!({"level": 1, "reason": "理由", "seen": "x"}), "seen"),
        (json!({"level": [1], "reason": "理由", "seen": 0}), "level"),
    ] {
        let (s, e) = rate(authority, id, body.clone()).await;
        assert_eq!(
            (s, e["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!(field)),
            "{body}: {e}"
        );
    }
    assert_eq!(rating(authority, id).await["history"], json!([]));

    // Lowered by one level below the computed one (or kept at 1), with the reason.
    let given = computed.saturating_sub(1).max(1);
    let (s, r) =
        rate(authority, id, json!({"level": given, "reason": "现场检查发现进度滞后", "seen": 0}))
            .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!((r["level"].as_u64(), r["stale"].clone()), (Some(given), json!(false)), "{r}");
    let first = r["seen"].as_i64().expect("seen");
    assert!(first > 0, "{r}");
    assert_eq!(r["history"][0]["computed"].as_u64(), Some(computed), "{r}");
    // A second rating sent by someone who had not seen the first is refused, not laid over it.
    let (s, e) = rate(authority, id, json!({"level": 1, "reason": "另一人评定", "seen": 0})).await;
    assert_eq!((s, e["code"].clone()), (StatusCode::CONFLICT, json!("stale_version")), "{e}");
    // Never above the computed level.
    if computed < 5 {
        let (s, e) =
            rate(authority, id, json!({"level": computed + 1, "reason": "调高", "seen": first}))
                .await;
        assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("level")));
    }

    // A construction contract of ten days, and eighteen days on with the work not done: its
    // schedule is 80% over, the lowest level, and the filing gaoping:15 asks for is overdue.
    let mut body = construction(&app, builder);
    let today = govit_storage::china_today(app.now());
    body["ends_on"] = json!((today + chrono::Duration::days(10)).to_string());
    let (s, c) = clerk.post(&format!("/api/v1/projects/{id}/contracts"), body).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    app.advance(DAY * 18);
    let r = rating(authority, id).await;
    let schedule = factor(&r, "schedule").cloned().unwrap_or_else(|| panic!("{r}"));
    assert_eq!(schedule["level"], 1, "{r}");
    assert!(schedule["measured"].as_str().unwrap_or("").contains("至今已超合同工期 80.0%"), "{r}");
    assert!(factor(&r, "obligations").is_some_and(|f| f["level"].as_u64() < Some(5)), "{r}");
    assert_eq!((r["level"].clone(), r["computed"].clone()), (json!(1), json!(1)), "{r}");
    // The computed level moved since the rating was given: it is stale (unless it was 1).
    assert_eq!(r["stale"], json!(computed != 1), "{r}");
    // 2 is now above the computed level.
    let (s, e) = rate(authority, id, json!({"level": 2, "reason": "整改中", "seen": first})).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("level")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("不能调高"), "{e}");
    let (s, r) =
        rate(authority, id, json!({"level": 1, "reason": "确认高风险", "seen": first})).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(
        (r["stale"].clone(), r["history"].as_array().map(Vec::len)),
        (json!(false), Some(2))
    );

    // The dashboard counts every approved project once and lists this one among those at risk.
    let (s, d) = authority.get("/api/v1/dashboard").await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let approved_count = d["by_status"]
        .as_array()
        .expect("by_status")
        .iter()
        .find(|c| c["label"] == "approved")
        .and_then(|c| c["count"].as_i64())
        .unwrap_or(0);
    let rated: i64 = d["ratings"]["by_level"]
        .as_array()
        .expect("levels")
        .iter()
        .filter_map(|l| l["count"].as_i64())
        .sum();
    assert_eq!(rated, approved_count, "{d}");
    assert!(d["ratings"]["given"].as_i64() >= Some(1), "{d}");
    let listed = d["ratings"]["at_risk"].as_array().expect("at_risk");
    assert!(
        listed.iter().any(|x| x["project_id"] == id && x["level"] == 1 && x["given"] == 1),
        "{d}"
    );

    // On the pages: the project's section with its factors, for the owner unit without the form.
    let (_, page) = app.login(&login).await.text(&format!("/projects/{id}")).await;
    assert!(page.contains("id=\"rating-factors\""), "{page}");
    assert!(page.contains("至今已超合同工期 80.0%"), "{page}");
    assert!(!page.contains("id=\"rate-project\""), "{page}");
    let web = app.login(&cast.login_of_reviewer()).await;
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains("id=\"rate-project\""), "{page}");
    let seen = input_value(&page, "seen").unwrap_or_default();
    // A level above the computed one, posted by hand: the page says which rule, in Chinese.
    let web = web.with_csrf().await;
    let r = web
        .post(
            &format!("/projects/{id}/rating"),
            &[("level", "3"), ("rating_reason", "调高"), ("seen", &seen)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap_or_default();
    assert!(body.contains("综合评级只能调低、不能调高"), "{body}");
    // An empty reason is named on its own field, which has an id no other section uses.
    let r = web.post(&format!("/projects/{id}/rating"), &[("level", "1"), ("seen", &seen)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap_or_default();
    assert!(body.contains("href=\"#rating_reason\"") && body.contains("请填写评级理由"), "{body}");
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert_eq!(page.matches("id=\"rating_reason\"").count(), 1, "{page}");
    let r = web
        .post(
            &format!("/projects/{id}/rating"),
            &[("level", "1"), ("rating_reason", "复核"), ("seen", &seen)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).contains("done=rated"), "{}", location(&r));
    let (_, page) = web.text("/dashboard").await;
    assert!(page.contains("id=\"chart-ratings\""), "{page}");
    assert!(page.contains(&format!("href=\"/projects/{id}#rating\"")), "{page}");
    let r = web.get("/dashboard/export?table=ratings").await;
    assert_eq!(r.status(), StatusCode::OK);
}
