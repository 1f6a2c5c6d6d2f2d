//! OC4IDS export (issue 12 §9): a project and its contracts as an OC4IDS 0.9 project package,
//! one at a time (API, page) or every approved project the caller may see (streamed API, page,
//! `govit oc4ids`). The published schema cannot be fetched here, so `follows_oc4ids` checks what
//! the standard's package and project schemas require of what govit writes: the package's
//! required members, the closed codelists, the date-times, the cross-references to `parties`.

use super::contracts::{approved, construction, supervision};
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashSet;

fn date_time(v: &Value, what: &str) {
    let s = v.as_str().unwrap_or_else(|| panic!("{what} is not a string: {v}"));
    chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{what} {s}: {e}"));
}

fn one_of(v: &Value, allowed: &[&str], what: &str) {
    let s = v.as_str().unwrap_or_else(|| panic!("{what} is not a string: {v}"));
    assert!(allowed.contains(&s), "{what} = {s}, not in {allowed:?}");
}

fn amount(v: &Value, what: &str) {
    assert!(v["amount"].is_number(), "{what}: {v}");
    assert_eq!(v["currency"], "CNY", "{what}: {v}");
}

fn period(v: &Value, what: &str) {
    for k in ["startDate", "endDate"] {
        if !v[k].is_null() {
            date_time(&v[k], &format!("{what}.{k}"));
        }
    }
    if !v["durationInDays"].is_null() {
        assert!(v["durationInDays"].is_u64(), "{what}: {v}");
    }
}

/// What the OC4IDS 0.9 package and project schemas require of the members govit writes.
fn follows_oc4ids(package: &Value) {
    for k in ["uri", "publisher", "publishedDate", "projects", "version"] {
        assert!(!package[k].is_null(), "a package has {k}: {package}");
    }
    let version = package["version"].as_str().expect("version");
    let (major, minor) = version.split_once('.').expect("major.minor");
    assert!(major.parse::<u32>().is_ok() && minor.parse::<u32>().is_ok(), "{version}");
    date_time(&package["publishedDate"], "publishedDate");
    assert!(package["publisher"]["name"].is_string(), "{package}");
    let projects = package["projects"].as_array().expect("projects");
    assert!(!projects.is_empty(), "at least one project");
    let mut ids = HashSet::new();
    for p in projects {
        let id = p["id"].as_str().expect("a project's id is a string");
        assert!(ids.insert(id.to_string()), "project ids are unique: {id}");
        date_time(&p["updated"], "updated");
        one_of(
            &p["status"],
            &[
                "identification",
                "preparation",
                "implementation",
                "completion",
                "completed",
                "cancelled",
            ],
            "status",
        );
        period(&p["period"], "period");
        amount(&p["budget"]["amount"], "budget.amount");
        if !p["budget"]["approvalDate"].is_null() {
            date_time(&p["budget"]["approvalDate"], "approvalDate");
        }
        for b in p["budget"]["budgetBreakdown"].as_array().into_iter().flatten() {
            assert!(b["id"].is_string(), "{b}");
            amount(&b["amount"], "budgetBreakdown.amount");
        }
        let parties: HashSet<&str> = p["parties"]
            .as_array()
            .expect("parties")
            .iter()
            .map(|x| {
                assert!(x["name"].is_string() && x["roles"].is_array(), "{x}");
                x["id"].as_str().expect("party id")
            })
            .collect();
        for c in p["contractingProcesses"].as_array().into_iter().flatten() {
            assert!(!c["id"].as_str().expect("id").is_empty());
            let s = &c["summary"];
            for n in s["nature"].as_array().expect("nature") {
                one_of(n, &["design", "construction", "supervision"], "nature");
            }
            one_of(&s["status"], &["pre-award", "active", "closed"], "summary.status");
            if !s["tender"]["procurementMethod"].is_null() {
                one_of(
                    &s["tender"]["procurementMethod"],
                    &["open", "selective", "limited", "direct"],
                    "procurementMethod",
                );
            }
            let entity = s["tender"]["procuringEntity"]["id"].as_str().expect("entity");
            assert!(parties.contains(entity), "{entity} in parties");
            for sup in s["suppliers"].as_array().expect("suppliers") {
                assert!(parties.contains(sup["id"].as_str().expect("id")), "{sup} in parties");
            }
            amount(&s["contractValue"], "contractValue");
            period(&s["contractPeriod"], "contractPeriod");
        }
        if !p["completion"].is_null() {
            date_time(&p["completion"]["endDate"], "completion.endDate");
        }
    }
}

#[tokio::test]
async fn a_project_and_its_contracts_are_published_as_oc4ids() {
    let app = spawn_app().await;
    // A jurisdiction with nothing approved yet has nothing to publish: said, not an empty
    // package the standard would not accept.
    let (s, e) = app.api("clerk").await.get("/api/v1/oc4ids").await;
    assert_eq!((s, e["code"].clone()), (StatusCode::NOT_FOUND, "nothing_to_export".into()), "{e}");

    let (cast, id, builder, supervisor) = approved(&app, "linxiang").await;
    let (login, clerk) = cast.owner_clerk(id).await;
    let path = format!("/api/v1/projects/{id}/oc4ids");
    let (s, before) = clerk.get(&path).await;
    assert_eq!(s, StatusCode::OK, "{before}");
    follows_oc4ids(&before);
    assert_eq!(before["projects"][0]["status"], "preparation", "approved, nothing signed");
    assert!(before["projects"][0]["contractingProcesses"].is_null(), "{before}");

    let contracts = format!("/api/v1/projects/{id}/contracts");
    let (s, c) = clerk.post(&contracts, construction(&app, builder)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let (s, c) = clerk.post(&contracts, supervision(&app, supervisor)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");

    let (s, package) = clerk.get(&path).await;
    assert_eq!(s, StatusCode::OK, "{package}");
    follows_oc4ids(&package);
    let p = &package["projects"][0];
    assert_eq!(p["id"], format!("govit-linxiang-project-{id}"));
    assert_eq!(p["status"], "implementation", "a contract signed: {p}");
    let (_, detail) = clerk.get(&format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["title"], detail["name"], "{detail}");
    assert_eq!(p["budget"]["amount"]["amount"], detail["investment_yuan"], "{detail}");
    assert!(!p["budget"]["approvalDate"].is_null(), "approved on a day: {p}");
    let processes = p["contractingProcesses"].as_array().expect("contracts");
    assert_eq!(processes.len(), 2);
    let build = &processes[0]["summary"];
    assert_eq!(build["nature"][0], "construction");
    assert_eq!(build["tender"]["procurementMethod"], "open");
    assert_eq!(build["tender"]["procurementMethodDetails"], "公开招标");
    assert_eq!(build["contractValue"]["amount"], 1_800_000, "180 万元 in yuan");
    assert_eq!(build["suppliers"][0]["name"], "linxiang测试承建公司");
    let watch = &processes[1]["summary"];
    assert_eq!(
        (watch["nature"][0].clone(), watch["tender"]["procurementMethod"].clone()),
        ("supervision".into(), "limited".into()),
        "询价 is a limited method"
    );
    let roles: Vec<String> =
        p["parties"].as_array().expect("parties").iter().map(|x| x["roles"].to_string()).collect();
    assert_eq!(roles.iter().filter(|r| r.contains("supplier")).count(), 2, "{roles:?}");

    // Outside the caller's scope it does not exist.
    let mut outsiders = 0;
    for (other, _, api) in &cast.apis {
        if other.starts_with("clerk") && *other != login {
            let (s, _) = api.get(&format!("/api/v1/projects/{id}")).await;
            if s == StatusCode::NOT_FOUND {
                assert_eq!(api.get(&path).await.0, StatusCode::NOT_FOUND, "{other}");
                outsiders += 1;
            }
        }
    }
    assert!(outsiders > 0, "a clerk of another unit was tried");

    // Every approved project the authority sees, streamed as one package.
    let reviewer = cast.api("reviewer");
    let r = reviewer
        .client
        .get(format!("{}/api/v1/oc4ids", reviewer.base))
        .bearer_auth(&reviewer.token)
        .send()
        .await
        .expect("bulk");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"].to_str().expect("ascii").contains("oc4ids"));
    let bulk: Value = serde_json::from_slice(&r.bytes().await.expect("body")).expect("JSON");
    follows_oc4ids(&bulk);
    let (_, approved_list) = reviewer.get("/api/v1/projects?status=approved").await;
    let listed = bulk["projects"].as_array().expect("projects");
    assert_eq!(Some(listed.len() as u64), approved_list["total"].as_u64(), "{approved_list}");
    let ours = listed.iter().find(|x| x["id"] == p["id"]).expect("ours in the bulk package");
    assert_eq!(ours, p, "the same project either way");

    // On the pages: linked from the project and the project list, the same JSON.
    let web = app.login(&login).await;
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(
        page.contains(&format!("href=\"/projects/{id}/oc4ids.json\"")),
        "project page links it"
    );
    let (_, list) = web.text("/projects").await;
    assert!(list.contains("id=\"export-oc4ids\""), "the list links the bulk export");
    let (s, json) = web.text(&format!("/projects/{id}/oc4ids.json")).await;
    assert_eq!(s, StatusCode::OK);
    let from_page: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(from_page["projects"][0], *p);
    let (s, json) = web.text("/projects/oc4ids.json").await;
    assert_eq!(s, StatusCode::OK);
    follows_oc4ids(&serde_json::from_str(&json).expect("JSON"));

    // From the command line, as the reviewer: the same package in a file.
    let file = app.data_dir.join("oc4ids.json");
    let reviewer_login = cast.login_of_reviewer();
    let out =
        app.cli(&["oc4ids", "--user", &reviewer_login, "--out", file.to_str().expect("path")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("OC4IDS"));
    let written: Value =
        serde_json::from_slice(&std::fs::read(&file).expect("written")).expect("JSON");
    follows_oc4ids(&written);
    assert_eq!(written["projects"], bulk["projects"]);
}
