//! The journeys tests take a project along with the demo's accounts: its path passed step by
//! step (yeji:7's joint review, approval), its acceptance begun, the annual plan assembled and
//! published, and a webhook to receive notices.

use super::*;

/// The five offices of yeji:7's joint review (会签), in the demo's accounts.
pub const YEJI_JOINT_REVIEW: [&str; 5] = ["reviewer", "finance", "fgw", "jyj", "wxb"];

impl TestApp {
    /// Passes the steps of a project's path with these accounts in turn (each 通过 the step it
    /// holds), asserting each pass; returns the project as the last pass left it.
    pub async fn pass_steps(&self, project: i64, logins: &[&str]) -> Value {
        let mut last = Value::Null;
        for login in logins {
            let api = self.api(login).await;
            api.hand_in(project).await;
            api.give_opinion(project).await;
            let (_, p) = api.get(&format!("/api/v1/projects/{project}")).await;
            let (s, p) = api
                .post(
                    &format!("/api/v1/projects/{project}/decision"),
                    serde_json::json!({"decision": "approve", "version": p["version"]}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{login}: {p}");
            last = p;
        }
        last
    }

    /// Takes a submitted yeji project through the joint review and 发改委's approval,
    /// establishing yeji:24's facts first.
    pub async fn approve_yeji(&self, project: i64) -> Value {
        self.api("reviewer").await.confirm_yeji_approval_facts(project).await;
        let mut logins = YEJI_JOINT_REVIEW.to_vec();
        logins.push("fgw");
        self.pass_steps(project, &logins).await
    }

    /// Takes the clerk's yeji project (a draft or sent) through its approval, starts its
    /// acceptance and passes the owner's 组织初步验收 today, which records 初步验收合格 (yeji:22);
    /// returns the acceptance's id.
    pub async fn accept_preliminarily(&self, project: i64) -> i64 {
        let clerk = self.api("clerk").await;
        let (_, p) = clerk.get(&format!("/api/v1/projects/{project}")).await;
        if p["status"] == "draft" {
            clerk.hand_in(project).await;
            let url = format!("/api/v1/projects/{project}/submit");
            let (s, e) = clerk.post(&url, serde_json::json!({"version": p["version"]})).await;
            assert_eq!(s, StatusCode::OK, "{e}");
        }
        let p = self.approve_yeji(project).await;
        assert_eq!(p["status"], "approved", "{p}");
        let body = serde_json::json!({"summary": "已按批复建成", "contact": "李工", "phone": "0564-1234567"});
        let (s, a) = clerk.post(&format!("/api/v1/projects/{project}/acceptances"), body).await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        let id = a["id"].as_i64().expect("id");
        self.pass_acceptance(id).await;
        id
    }

    /// The clerk passes the acceptance's current step (the owner's) at the version read.
    pub async fn pass_acceptance(&self, id: i64) -> Value {
        let clerk = self.api("clerk").await;
        let (_, a) = clerk.get(&format!("/api/v1/acceptances/{id}")).await;
        let url = format!("/api/v1/acceptances/{id}/pass");
        let (s, a) = clerk.post(&url, serde_json::json!({"version": a["version"]})).await;
        assert_eq!(s, StatusCode::OK, "{a}");
        a
    }
}

impl Api {
    /// Records the caller's 同意 opinion at the project's current step when its profile names
    /// a review form and they may (each dimension answered within its bounds); whether one
    /// was recorded.
    pub async fn give_opinion(&self, project: i64) -> bool {
        let (s, r) = self.get(&format!("/api/v1/projects/{project}/reviews")).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let Some(party) = r["may_record_as"].as_str() else { return false };
        if !r["mine"].is_null() {
            return false;
        }
        let mut values = serde_json::Map::new();
        for d in r["rounds"][0]["form"]["dimensions"].as_array().into_iter().flatten() {
            if d["by"].as_str().is_some_and(|b| b != party) {
                continue;
            }
            let v = match d["kind"].as_str() {
                Some("score") => "85".to_string(),
                Some("percent") => "10".to_string(),
                Some("choice") => d["options"][0].as_str().unwrap_or_default().to_string(),
                _ => "未发现重大问题".to_string(),
            };
            values.insert(d["id"].as_str().unwrap_or_default().to_string(), Value::String(v));
        }
        let body = serde_json::json!({"conclusion": "agree", "values": values, "version": 0});
        let (s, o) = self.post(&format!("/api/v1/projects/{project}/reviews"), body).await;
        assert_eq!(s, StatusCode::OK, "{party}: {o}");
        true
    }

    /// Establishes the facts yeji:24 requires before approval (shared data, domestic crypto).
    pub async fn confirm_yeji_approval_facts(&self, project: i64) {
        self.establish(project, &[("can_share", 1), ("uses_domestic_crypto", 1)]).await;
    }

    /// Creates a project from `body` (a declaration), hands in its materials and sends it,
    /// asserting each; its id.
    pub async fn send_new(&self, body: Value) -> i64 {
        let (s, p) = self.post("/api/v1/projects", body).await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        let id = p["id"].as_i64().expect("id");
        self.hand_in(id).await;
        let (s, p) = self
            .post(
                &format!("/api/v1/projects/{id}/submit"),
                serde_json::json!({"version": p["version"]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{p}");
        id
    }

    /// Establishes facts of a project (as its reviewer), asserting each is taken.
    pub async fn establish(&self, project: i64, facts: &[(&str, i64)]) {
        for (fact, value) in facts {
            let (s, body) = self
                .post(
                    &format!("/api/v1/projects/{project}/facts"),
                    serde_json::json!({"fact": fact, "value": value, "basis": "据申报材料认定"}),
                )
                .await;
            assert_eq!(s, StatusCode::NO_CONTENT, "{fact}: {body}");
        }
    }
}

/// Assembles and publishes the annual plan of `year` with these accounts (those of a
/// jurisdiction's parties), taking in every project that has passed its reviews: the first
/// account the profile lets compile it starts it, each holder passes its step in turn, and the
/// compiler publishes it. Returns the plan as published.
pub async fn publish_plan(apis: &[&Api], year: i32) -> Value {
    publish_plan_of(apis, "annual", year).await
}

/// [`publish_plan`] for a plan of `kind` (`annual`, `supplementary`).
pub async fn publish_plan_of(apis: &[&Api], kind: &str, year: i32) -> Value {
    let mut compiler = None;
    let mut plan = Value::Null;
    for api in apis {
        let (s, p) =
            api.post("/api/v1/plans", serde_json::json!({"kind": kind, "year": year})).await;
        if s == StatusCode::CREATED {
            compiler = Some(*api);
            plan = p;
            break;
        }
    }
    let compiler = compiler.expect("an account that compiles the plan");
    let id = plan["id"].as_i64().expect("plan id");
    for _ in 0..12 {
        let (_, now) = compiler.get(&format!("/api/v1/plans/{id}")).await;
        if now["status"] != "drafting" && now["status"] != "reviewing" {
            break;
        }
        for api in apis {
            let (_, mine) = api.get(&format!("/api/v1/plans/{id}")).await;
            if mine["verbs"].as_array().is_some_and(|v| v.iter().any(|x| x == "pass")) {
                let body = serde_json::json!({"version": mine["version"], "note": "同意"});
                let (s, b) = api.post(&format!("/api/v1/plans/{id}/pass"), body).await;
                assert_eq!(s, StatusCode::OK, "{b}");
            }
        }
    }
    let (_, now) = compiler.get(&format!("/api/v1/plans/{id}")).await;
    assert_eq!(now["status"], "approved", "{now}");
    let (s, done) = compiler
        .post(
            &format!("/api/v1/plans/{id}/publish"),
            serde_json::json!({"version": now["version"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    done
}

impl TestApp {
    /// The reviewers of a jurisdiction, signed in over the API.
    pub async fn reviewers_of(&self, code: &str) -> Vec<Api> {
        let logins: Vec<String> = sqlx::query_scalar(
            "SELECT u.login FROM users u JOIN user_roles r ON r.user_id = u.id \
             JOIN jurisdictions j ON j.id = u.jurisdiction_id \
             WHERE j.code = $1 AND r.role = 'reviewer' AND u.disabled = 0 ORDER BY u.id",
        )
        .bind(code)
        .fetch_all(self.store.pool())
        .await
        .expect("reviewers");
        let mut out = Vec::new();
        for l in logins {
            out.push(self.api(&l).await);
        }
        out
    }

    /// [`publish_plan`] by the reviewers of the jurisdiction `code`.
    pub async fn publish_plan_in(&self, code: &str, year: i32) -> Value {
        let apis = self.reviewers_of(code).await;
        publish_plan(&apis.iter().collect::<Vec<_>>(), year).await
    }
}

/// A webhook on 127.0.0.1 that keeps what it receives, and a state that posts to it.
pub async fn webhook(
    app: &TestApp,
) -> (govit_web::AppState, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    let received: std::sync::Arc<std::sync::Mutex<Vec<Value>>> = Arc::default();
    let sink = received.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(v): axum::Json<Value>| {
            let sink = sink.clone();
            async move {
                sink.lock().expect("lock").push(v);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, receiver).await });
    let config = govit_web::WebConfig {
        notify_webhook: Some(format!("http://{addr}/hook")),
        ..Default::default()
    };
    let state =
        govit_web::AppState::new(app.store.clone(), config, app.clock.clone()).expect("state");
    (state, received)
}

/// The actions of a subject's route as the API returns it (`steps[].action`).
pub fn route_actions(subject: &Value) -> Vec<String> {
    subject["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["action"].as_str().map(str::to_string))
        .collect()
}

/// Acts on the subject at `/api/v1/{kind}/{id}` (an acceptance, a payment …) as `api`, at the
/// version it reads, with `extra` in the body (a note, a reason).
pub async fn act_on(
    api: &Api, kind: &str, id: i64, verb: &str, extra: Value,
) -> (StatusCode, Value) {
    let (_, a) = api.get(&format!("/api/v1/{kind}/{id}")).await;
    let mut b = serde_json::json!({"version": a["version"]});
    if let (Some(b), Some(x)) = (b.as_object_mut(), extra.as_object()) {
        b.extend(x.clone());
    }
    api.post(&format!("/api/v1/{kind}/{id}/{verb}"), b).await
}

/// Passes the steps of subject `kind` (`submissions`) with whoever may until nobody may or a
/// pass is refused: the steps passed, and the refusal if one came.
pub async fn pass_all(
    apis: &[&Api], kind: &str, id: i64,
) -> (Vec<String>, Option<(StatusCode, Value)>) {
    let mut done = Vec::new();
    for _ in 0..8 {
        let mut moved = false;
        for api in apis {
            let (s, a) = api.get(&format!("/api/v1/{kind}/{id}")).await;
            if s != StatusCode::OK
                || !a["verbs"].as_array().is_some_and(|v| v.contains(&serde_json::json!("pass")))
            {
                continue;
            }
            let step = a["steps"][a["current_step"].as_u64().expect("step") as usize]["action"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let (s, b) = act_on(api, kind, id, "pass", serde_json::json!({})).await;
            if s != StatusCode::OK {
                return (done, Some((s, b)));
            }
            done.push(step);
            moved = true;
        }
        if !moved {
            break;
        }
    }
    (done, None)
}
