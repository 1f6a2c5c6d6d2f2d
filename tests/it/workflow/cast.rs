//! The cast of a profile's demo jurisdiction: one account per party, signed in over the
//! API, and how the workflow tests move a project along its path with them.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Every account of a profile's demo jurisdiction, signed in over the API.
pub(crate) struct Cast {
    pub(crate) apis: Vec<(String, String, Api)>,
    /// The jurisdiction's administrator's login (not signed in with the rest).
    pub(crate) admin: String,
}

impl Cast {
    /// Seeds `profile`'s demo jurisdiction (its real parties, one account per party).
    pub(crate) async fn of(app: &TestApp, profile: &str) -> Cast {
        let seeded = govit_storage::seed::profile::seed(
            &app.store,
            app.now(),
            profile,
            |_| PASSWORD.to_string(),
            false,
        )
        .await
        .expect("seed")
        .expect("new jurisdiction");
        let mut apis = Vec::new();
        let mut admin = String::new();
        for a in seeded.accounts {
            if a.role.contains("管理员") && admin.is_empty() {
                admin = a.login.clone();
            }
            if a.role.contains("管理员") || a.role.contains("审计") {
                continue;
            }
            apis.push((a.login.clone(), a.name.clone(), app.api(&a.login).await));
        }
        Cast { apis, admin }
    }

    /// Every account of the cast.
    pub(crate) fn all(&self) -> Vec<&Api> {
        self.apis.iter().map(|(.., a)| a).collect()
    }

    /// The owner unit's clerk of a project (the one of the owner units' clerks who sees it):
    /// its login and API.
    pub(crate) async fn owner_clerk(&self, project: i64) -> (String, &Api) {
        for (login, _, api) in &self.apis {
            if login.starts_with("clerk")
                && api.get(&format!("/api/v1/projects/{project}")).await.0 == StatusCode::OK
            {
                return (login.clone(), api);
            }
        }
        panic!("no clerk of the owner unit of project {project}")
    }

    /// The login of the authority's reviewer.
    pub(crate) fn login_of_reviewer(&self) -> String {
        self.apis.iter().find(|(l, ..)| l.starts_with("reviewer")).expect("reviewer").0.clone()
    }

    pub(crate) fn api(&self, login_start: &str) -> &Api {
        &self.apis.iter().find(|(l, ..)| l.starts_with(login_start)).expect(login_start).2
    }

    /// Who holds a task on the project now: (login, name, task).
    pub(crate) async fn holders(&self, project: i64) -> Vec<(String, String, Value)> {
        let mut out = Vec::new();
        for (login, name, api) in &self.apis {
            let (s, tasks) = api.get("/api/v1/tasks").await;
            assert_eq!(s, StatusCode::OK, "{tasks}");
            for t in tasks["items"].as_array().expect("items") {
                if t["project_id"] == project {
                    out.push((login.clone(), name.clone(), t.clone()));
                }
            }
        }
        out
    }

    /// Passes the project's current step with whoever holds it (each holder of a 会签 step),
    /// returning what was signed: (step action, signer's name).
    pub(crate) async fn pass_step(&self, project: i64) -> Vec<(String, String)> {
        let holders = self.holders(project).await;
        assert!(!holders.is_empty(), "nobody holds project {project}");
        let mut signed = Vec::new();
        for (login, name, task) in holders {
            let api = &self.apis.iter().find(|(l, ..)| *l == login).expect("api").2;
            // The step before a panel's draws it first (linxiang:15).
            let (_, panels) = api.get(&format!("/api/v1/projects/{project}/panels")).await;
            if panels["may_draw"] == true {
                let url = format!("/api/v1/projects/{project}/panels");
                let (s, body) = api.post(&url, json!({})).await;
                assert_eq!(s, StatusCode::CREATED, "{login} draws: {body}");
            }
            api.hand_in(project).await;
            api.give_opinion(project).await;
            let pass = || async {
                let (_, p) = api.get(&format!("/api/v1/projects/{project}")).await;
                api.post(
                    &format!("/api/v1/tasks/{}/pass", task["id"].as_str().expect("id")),
                    json!({"version": p["version"], "note": "同意"}),
                )
                .await
            };
            let (mut s, mut body) = pass().await;
            // Approval waits for the annual plan (linxiang:12, lhasa:6): the parties
            // assemble, approve and publish it, and the pass is made again.
            if s == StatusCode::CONFLICT
                && body["message"].as_str().is_some_and(|m| m.contains("计划"))
            {
                let apis: Vec<&Api> = self.apis.iter().map(|(.., a)| a).collect();
                publish_plan(&apis, 2026).await;
                (s, body) = pass().await;
            }
            assert_eq!(s, StatusCode::OK, "{login} at {task}: {body}");
            signed.push((task["action"].as_str().unwrap_or_default().to_string(), name));
        }
        signed
    }
}

/// The authority's reviewer establishes facts the gates of the approval test.
pub(crate) async fn establish(cast: &Cast, project: i64, facts: &[(&str, i64)]) {
    cast.api("reviewer").establish(project, facts).await;
}

/// A project of the cast's owner unit, sent.
pub(crate) async fn declared(cast: &Cast, name: &str, wan: &str) -> i64 {
    let clerk = cast.api("clerk");
    let mut body = declaration_json(name);
    body["investment"] = json!(wan);
    body["fiscal_funds"] = json!(wan);
    body["self_raised"] = json!("0");
    clerk.send_new(body).await
}

impl Cast {
    /// Passes steps until the project leaves review (approved, returned …) or `stop` says so
    /// of the step about to be passed; returns the steps passed.
    pub(crate) async fn walk(&self, project: i64, stop: impl Fn(&Value) -> bool) -> Vec<String> {
        let mut walked = Vec::new();
        for _ in 0..20 {
            let (_, p) = self.api("clerk").get(&format!("/api/v1/projects/{project}")).await;
            if p["status"] != "submitted" {
                break;
            }
            let holders = self.holders(project).await;
            if holders.iter().any(|(.., t)| stop(t)) {
                break;
            }
            walked.extend(self.pass_step(project).await.into_iter().map(|(a, _)| a));
        }
        walked
    }

    /// The version of a project now.
    pub(crate) async fn version(&self, project: i64) -> Value {
        let (_, p) = self.api("clerk").get(&format!("/api/v1/projects/{project}")).await;
        p["version"].clone()
    }
}
