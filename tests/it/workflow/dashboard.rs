//! The authority's dashboard (issue 12 §8): projects by status and phase, obligations overdue
//! by department as of a day — today or a past one —, money approved, paid and returned, the
//! measures in force; charts as SVG on the page, each table as .xlsx.

use super::contracts::{approved, construction};
use crate::harness::*;
use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

async fn dashboard(api: &Api, as_of: &str) -> Value {
    let (s, d) = api.get(&format!("/api/v1/dashboard?as_of={as_of}")).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    d
}

#[tokio::test]
async fn the_authority_sees_what_was_overdue_on_a_past_day_and_the_money_by_department() {
    let app = spawn_app().await;
    let (cast, id, builder, _) = approved(&app, "gaoping").await;
    let (_, clerk) = cast.owner_clerk(id).await;
    // Its construction contract signed: gaoping:15's filing is due within five working days.
    let (s, c) =
        clerk.post(&format!("/api/v1/projects/{id}/contracts"), construction(&app, builder)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let authority = cast.api("reviewer");
    // The owner unit does not read the jurisdiction's dashboard.
    let (s, e) = clerk.get("/api/v1/dashboard").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");

    // The project's earliest duty with a due date: not overdue on its due date, overdue the
    // day after — read from a later day, as the past.
    let (_, duties) = clerk.get(&format!("/api/v1/projects/{id}/obligations")).await;
    let due = duties
        .as_array()
        .expect("obligations")
        .iter()
        .filter_map(|d| d["due_date"].as_str().map(|x| (x.to_string(), d["duty"].clone())))
        .min_by(|a, b| a.0.cmp(&b.0))
        .unwrap_or_else(|| panic!("no duty with a due date: {duties}"));
    let due_day = chrono::NaiveDate::parse_from_str(&due.0, "%Y-%m-%d").expect("day");
    let today = govit_storage::china_today(app.now());
    let ahead = (due_day - today).num_days().max(0) as u32 + 3;
    app.advance(DAY * ahead);
    let on_due = dashboard(authority, &due.0).await;
    let listed = |d: &Value| {
        d["overdue"]
            .as_array()
            .expect("overdue")
            .iter()
            .any(|o| o["project_id"] == id && o["duty"] == due.1)
    };
    assert!(!listed(&on_due), "not overdue on its due date: {on_due}");
    let after = dashboard(authority, &(due_day + chrono::Duration::days(1)).to_string()).await;
    assert!(listed(&after), "{after}");
    assert!(after["overdue_total"].as_i64().unwrap_or(0) >= 1, "{after}");
    let departments = after["overdue_by_department"].to_string();
    assert!(!departments.contains("[]"), "{departments}");

    // Statuses and phases.
    let now = dashboard(authority, "").await;
    let approved_count = now["by_status"]
        .as_array()
        .expect("by_status")
        .iter()
        .find(|c| c["label"] == "approved")
        .and_then(|c| c["count"].as_i64())
        .unwrap_or(0);
    assert!(approved_count >= 1, "{now}");
    assert_eq!(
        now["building"].as_i64().unwrap_or(-1) + now["accepted"].as_i64().unwrap_or(-1),
        approved_count
    );

    // Money: a payment paid shows against its department.
    let paid_before: i64 = now["money"]
        .as_array()
        .expect("money")
        .iter()
        .filter_map(|m| m["paid_yuan"].as_i64())
        .sum();
    let pay = json!({"kind": "progress", "amount": "10", "payee": "测试承建公司", "purpose": "第一期进度款"});
    let (s, p) = clerk.post(&format!("/api/v1/projects/{id}/payments"), pay).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let (_, refused) = pass_all(&cast.all(), "payments", p["id"].as_i64().expect("id")).await;
    assert!(refused.is_none(), "{refused:?}");
    let later = dashboard(authority, "").await;
    let paid_after: i64 = later["money"]
        .as_array()
        .expect("money")
        .iter()
        .filter_map(|m| m["paid_yuan"].as_i64())
        .sum();
    assert_eq!(paid_after - paid_before, 100_000, "{later}");

    // Bad days name the field.
    for bad in ["2025-13-01", "2099-01-01", "1999-12-31", "x"] {
        let (s, e) = authority.get(&format!("/api/v1/dashboard?as_of={bad}")).await;
        assert_eq!(
            (s, e["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("as_of")),
            "{bad}: {e}"
        );
    }

    // The page draws its charts without script; each table downloads as .xlsx.
    let web = app.login(&cast.login_of_reviewer()).await;
    let (s, page) =
        web.text(&format!("/dashboard?as_of={}", due_day + chrono::Duration::days(1))).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("<svg") && page.contains("chart-overdue") && page.contains("逾期事项"),
        "{page}"
    );
    assert!(page.contains(&due.1.as_str().unwrap_or_default().to_string()), "{page}");
    assert!(!page.contains("<script"), "no script");
    let (s, bad) = web.text("/dashboard?as_of=2099-01-01").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("统计日期不能晚于今天"), "{bad}");
    let r = web
        .get(&format!(
            "/dashboard/export?table=overdue&as_of={}",
            due_day + chrono::Duration::days(1)
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.expect("bytes");
    let mut book = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let sheet = book.worksheet_range("逾期事项").expect("sheet");
    let cells: Vec<String> = sheet.rows().flat_map(|r| r.iter().map(Data::to_string)).collect();
    assert!(cells.contains(&due.0), "{cells:?}");
    for table in ["status", "departments", "money", "measures"] {
        let r = web.get(&format!("/dashboard/export?table={table}")).await;
        assert_eq!(r.status(), StatusCode::OK, "{table}");
    }
    let r = web.get("/dashboard/export?table=secrets").await;
    assert!(r.status().is_client_error(), "{}", r.status());
}
