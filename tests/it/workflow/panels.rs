//! linxiang:15's expert panel: drawn once per visit from the pool with its exclusions,
//! reproducible from the kept seed, each member signing in person, a decline replaced by the
//! next of the same order, and an expert who was not drawn seeing nothing.

use super::*;
use govit_core::audit::AuditRecord;
use govit_core::org::Principal;
use govit_core::org::forms::NewExpert;
use govit_storage::Who;
use govit_storage::audit::AuditFilter;

async fn expert(app: &TestApp, name: &str, employer: &str, conflicts: &str) -> i64 {
    let j = app.store.jurisdiction_by_code("linxiang").await.expect("db").expect("j").id;
    let e = NewExpert {
        name: name.into(),
        employer: employer.into(),
        fields: "软件工程".into(),
        title: "高级工程师".into(),
        conflicts: conflicts.into(),
    };
    app.store
        .create_expert(&govit_storage::Actor::cli("test"), app.now(), j, &e)
        .await
        .expect("expert")
}

/// The expert logins of the cast (seven, each with an account).
const EXPERTS: [&str; 7] =
    ["expert", "expert2", "expert3", "expert4", "expert5", "expert6", "expert7"];

#[tokio::test]
async fn a_panel_is_drawn_once_with_its_exclusions_reproducibly_and_only_its_members_sign() {
    let app = spawn_app().await;
    let cast = Cast::of(&app, "linxiang").await;
    let id = declared(&cast, "二百万元的政务平台", "200").await;
    establish(&cast, id, &[("is_cross_department", 0), ("can_share", 1)]).await;
    let (_, p) = cast.api("clerk").get(&format!("/api/v1/projects/{id}")).await;
    let owner = p["owner_department"].as_str().expect("owner").to_string();
    // Those the draw must leave out, each for its reason.
    let own = expert(&app, "业主单位职工", &owner, "").await;
    let bidder = expert(&app, "投标单位职工", "某数智科技有限公司", "").await;
    let conflict = expert(&app, "有利害关系者", "某大学", &owner).await;
    let banned = expert(&app, "失信专家", "某研究院", "").await;
    let j = app.store.jurisdiction_by_code("linxiang").await.expect("db").expect("j").id;
    let op = Principal::operator();
    let actor = govit_storage::Actor::cli("test");
    let who = Who::new(&op, &actor, app.now());
    app.store.blacklist_expert(who, j, banned, true, "评审中弄虚作假").await.expect("blacklist");
    // The path to the draw: the owner's pre-review, the authority's technical review.
    cast.walk(id, |t| t["action"] == "从专家库抽取专家、组织专家评审组").await;
    let reviewer = cast.api("reviewer");
    let url = format!("/api/v1/projects/{id}/panels");
    let (_, panels) = reviewer.get(&url).await;
    assert_eq!(
        (panels["may_draw"].as_bool(), panels["cite"].as_str()),
        (Some(true), Some("linxiang:15")),
        "{panels}"
    );
    // No pass before the panel is drawn.
    let task = task_on(reviewer, id).await;
    let pass = |v: Value| json!({"version": v, "note": "同意"});
    let task_url = format!("/api/v1/tasks/{}/pass", task["id"].as_str().expect("id"));
    let (s, e) = reviewer.post(&task_url, pass(cast.version(id).await)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("评审专家尚未抽取"), "{e}");
    // The owner unit's clerk holds no draw; an expert neither.
    let (s, _) = cast.api("clerk").post(&url, json!({})).await;
    assert!(s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN, "{s}");
    let (s, body) = reviewer.post(&url, json!({"bidders": ["某数智科技有限公司"]})).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let why = |id: i64| {
        body["excluded"]
            .as_array()
            .expect("excluded")
            .iter()
            .find(|x| x["expert_id"] == id)
            .map(|x| x["reason"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(why(own).as_deref(), Some("owner_employee"), "{body}");
    assert_eq!(why(bidder).as_deref(), Some("bidder_employee"), "{body}");
    assert_eq!(why(conflict).as_deref(), Some("conflict"), "{body}");
    assert_eq!(why(banned).as_deref(), Some("blacklisted"), "{body}");
    let order: Vec<i64> =
        body["order"].as_array().expect("order").iter().filter_map(Value::as_i64).collect();
    assert_eq!(order.len(), 7, "the seven experts with accounts: {body}");
    let members: Vec<i64> = body["members"]
        .as_array()
        .expect("m")
        .iter()
        .filter_map(|m| m["expert_id"].as_i64())
        .collect();
    assert_eq!(members, order[..5].to_vec(), "the panel is the order's head");
    let panel = body["id"].as_i64().expect("panel id");
    // Drawn once: not again until a return brings the step back.
    let (s, e) = reviewer.post(&url, json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("不能重新抽取"), "{e}");
    // The seed and the candidates are in the audit log.
    let audit: Vec<AuditRecord> =
        app.audit(AuditFilter { action: "project.panel".into(), ..Default::default() }).await;
    let after: Value = serde_json::from_str(&audit[0].event.after).expect("json");
    assert_eq!(after["seed"], body["seed"], "{after}");
    assert_eq!(after["order"], body["order"]);
    // One who cannot sit, recorded before the step begins: the next of the order sits.
    let dec = format!("/api/v1/projects/{id}/panels/decline");
    let (s, e) = reviewer.post(&dec, json!({"expert_id": members[1], "reason": ""})).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input")),
        "{e}"
    );
    let (s, after) =
        reviewer.post(&dec, json!({"expert_id": members[1], "reason": "出差不能参加"})).await;
    assert_eq!(s, StatusCode::OK, "{after}");
    let sitting: Vec<i64> = after["members"]
        .as_array()
        .expect("m")
        .iter()
        .filter(|m| m["declined_at_ms"].is_null())
        .filter_map(|m| m["expert_id"].as_i64())
        .collect();
    assert_eq!(sitting, vec![members[0], order[5], members[2], members[3], members[4]], "{after}");
    // The draw re-runs from what is kept.
    let out = app.cli(&["verify", "panel", &panel.to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("一致"));
    // The panel's step: each member in person.
    reviewer.hand_in(id).await;
    let (s, e) = reviewer.post(&task_url, pass(cast.version(id).await)).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let mut holders = cast.holders(id).await;
    holders.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(holders.len(), 5, "{holders:?}");
    assert!(holders.iter().all(|(l, ..)| EXPERTS.contains(&l.as_str())));
    // An expert not sitting (the one who could not, the last of the order) sees nothing of it.
    let outsiders: Vec<&str> =
        EXPERTS.iter().copied().filter(|l| !holders.iter().any(|(h, ..)| h == l)).collect();
    assert_eq!(outsiders.len(), 2, "{holders:?}");
    for outsider in &outsiders {
        let (s, _) = cast.api(outsider).get(&format!("/api/v1/projects/{id}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{outsider} does not sit");
        let (s, _) = cast.api(outsider).get(&format!("/api/v1/projects/{id}/panels")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    // A member declines (回避) themselves: the last of the order takes their seat.
    let (first, ..) = &holders[0];
    let member = cast.api(first);
    let (s, _) = member.get(&format!("/api/v1/projects/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = member
        .post(
            &format!(
                "/api/v1/tasks/{}/transfer",
                task_on(member, id).await["id"].as_str().expect("id")
            ),
            json!({"to": 1, "version": cast.version(id).await}),
        )
        .await;
    assert!(s.is_client_error(), "no transfer at a panel's step: {e}");
    let (s, after) = member.post(&dec, json!({"reason": "与建设单位有利害关系"})).await;
    assert_eq!(s, StatusCode::OK, "{after}");
    let (s, e) = member.post(&dec, json!({"reason": "再次"})).await;
    assert!(s.is_client_error(), "no longer sitting: {e}");
    let now: Vec<(String, String, Value)> = cast.holders(id).await;
    assert_eq!(now.len(), 5);
    assert!(!now.iter().any(|(l, ..)| l == first), "{now:?}");
    let came: Vec<&&str> = outsiders.iter().filter(|o| now.iter().any(|(l, ..)| l == *o)).collect();
    assert_eq!(came.len(), 1, "the last of the order sits: {now:?}");
    // Nobody is left to draw: a further decline is refused, saying so.
    let (s, e) = cast.api(&now[0].0).post(&dec, json!({"reason": "身体原因"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("没有可以递补"), "{e}");
    // The summary counts the members, not the party: each owes their own opinion.
    let reviews = format!("/api/v1/projects/{id}/reviews");
    let missing = |r: &Value| -> Vec<String> {
        r["rounds"][0]["summary"]["missing"]
            .as_array()
            .expect("missing")
            .iter()
            .filter_map(|m| m.as_str().map(str::to_string))
            .collect()
    };
    let (_, r) = reviewer.get(&reviews).await;
    assert_eq!(missing(&r).len(), 5, "{r}");
    assert!(missing(&r).iter().all(|m| m.starts_with("user:")), "{r}");
    assert!(cast.api(&now[0].0).give_opinion(id).await);
    let (_, r) = reviewer.get(&reviews).await;
    assert_eq!(missing(&r).len(), 4, "one member's opinion is in: {r}");
    // Each member gives an opinion and signs; the path goes on.
    cast.pass_step(id).await;
    let holders = cast.holders(id).await;
    assert_eq!(holders.len(), 1, "{holders:?}");
    assert_eq!(holders[0].2["action"], "申请立项", "{holders:?}");
    let out = app.cli(&["verify", "panel", &panel.to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    // A changed seed is caught.
    let seed: u64 = body["seed"].as_str().expect("seed").parse().expect("u64");
    govit_storage::sqlx::query("UPDATE panels SET seed = $1 WHERE id = $2")
        .bind(seed.wrapping_add(1).to_string())
        .bind(panel)
        .execute(app.store.pool())
        .await
        .expect("tamper");
    let out = app.cli(&["verify", "panel", &panel.to_string()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
}
