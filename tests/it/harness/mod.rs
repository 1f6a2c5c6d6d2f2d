//! `spawn_app()`: a fresh database, the demo jurisdiction with known passwords, and the real
//! server on 127.0.0.1 port 0, with a clock the test can move.

use govit_core::ids::{DepartmentId, JurisdictionId};
use govit_core::org::Principal;
use govit_core::org::{PartyKind, Role, ScopeKind};
use govit_storage::Who;
use govit_storage::accounts::NewUser;
use govit_storage::sqlx;
use govit_storage::{Actor, Store, sqlite_url};
use govit_web::{AppState, Clock, WebConfig};
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

mod flows;
pub use flows::*;

/// Every demo account's password in tests.
pub const PASSWORD: &str = "Test-Pass-2025";

pub struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub clock: Arc<TestClock>,
    pub data_dir: PathBuf,
    /// The database URL as the CLI should be given it.
    pub database_url: String,
    pub postgres: bool,
    /// The running server's state, for calling library entry points (the notice sender).
    pub state: AppState,
}

/// A test's data directory (its SQLite database, files and key) goes with it, passed or not:
/// a suite of a hundred and fifty servers leaves nothing behind in the temporary directory.
impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

fn unique(prefix: &str) -> String {
    use rand::RngExt;
    let n: u64 = rand::rng().random();
    format!("{prefix}{n:016x}")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with_files(None).await
}

/// `spawn_app` with materials kept at `files` (an `s3://` URL) instead of the data directory.
pub async fn spawn_app_with_files(files: Option<&str>) -> TestApp {
    // The server's warnings and errors (an internal error's cause, logged with its 错误编号)
    // go to the test's captured output, shown when it fails.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_test_writer()
        .try_init();
    let data_dir = std::env::temp_dir().join(unique("govit-it-"));
    std::fs::create_dir_all(&data_dir).expect("temp dir");
    let (database_url, postgres) = match std::env::var("GOVIT_TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            let name = unique("govit_test_");
            let admin_store = sqlx_admin(&admin).await;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin_store)
                .await
                .expect("create test database");
            admin_store.close().await;
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            (format!("{base}/{name}"), true)
        }
        _ => (sqlite_url(&data_dir), false),
    };
    let store = Store::connect(&database_url).await.expect("connect store");
    let files = match files {
        Some(url) => govit_storage::materials::FileStore::open(url, &data_dir.join("files")),
        None => govit_storage::materials::FileStore::local(&data_dir.join("files")),
    };
    store.use_files(files.expect("file store"));
    // The data directory's key, as `govit verify` reads it.
    let key = govit_storage::audit::checkpoints::default_key_file(&data_dir);
    let (signer, _) = govit_storage::audit::checkpoints::load_or_create_key(&key).expect("key");
    store.use_signer(signer);
    // A fixed instant, so that what depends on the day (the yearly declaration windows:
    // yeji:6 before October, lhasa:7 by August 31) answers the same whenever the suite runs:
    // Tuesday 2026-06-16, 10:00 in Beijing.
    let now = 1_781_575_200_000;
    govit_storage::seed::demo::seed(&store, now, |_| PASSWORD.to_string(), false)
        .await
        .expect("seed demo");
    let clock = Arc::new(TestClock(AtomicI64::new(now)));
    let state = AppState::new(store.clone(), WebConfig::default(), clock.clone()).expect("state");
    let server_state = state.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(govit_web::serve(listener, server_state, std::future::pending()));
    TestApp {
        base: format!("http://{addr}"),
        store,
        clock,
        data_dir,
        database_url,
        postgres,
        state,
    }
}

async fn sqlx_admin(url: &str) -> sqlx::AnyPool {
    govit_storage::install_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("connect to the PostgreSQL admin database")
}

/// Pulls `name="field" value="…"` out of a page.
pub fn input_value(html: &str, field: &str) -> Option<String> {
    let key = format!("name=\"{field}\" value=\"");
    let start = html.find(&key)? + key.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].replace("&#x2f;", "/").replace("&#47;", "/"))
}

/// The project id from a `Location: /projects/{id}?…` redirect.
pub fn project_id_from(location: &str) -> i64 {
    location
        .trim_start_matches("/projects/")
        .split(['?', '/'])
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no project id in {location}"))
}

impl TestApp {
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Sets the clock to an instant (a test that needs a date of the calendar's data).
    pub fn set_now(&self, ms: i64) {
        self.clock.0.store(ms, Ordering::SeqCst);
    }

    pub fn advance(&self, d: Duration) {
        self.clock.0.fetch_add(d.as_millis() as i64, Ordering::SeqCst);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    /// The OpenAPI document the server serves (no token needed).
    pub async fn openapi(&self) -> Value {
        let r = self.client().get(self.url("/api/v1/openapi.json")).send().await.expect("get");
        r.json().await.expect("json")
    }

    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client")
    }

    /// Signs in through the login form; returns the client and a CSRF token for its forms.
    pub async fn login(&self, login: &str) -> Web {
        let web = Web { app_base: self.base.clone(), client: self.client(), csrf: String::new() };
        let resp = web.try_login(login, PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "login of {login} failed");
        web.with_csrf().await
    }

    /// A browser that has not signed in.
    pub fn anonymous(&self) -> Web {
        Web { app_base: self.base.clone(), client: self.client(), csrf: String::new() }
    }

    /// Audit records matching `filter`, newest first.
    pub async fn audit(
        &self, filter: govit_storage::audit::AuditFilter,
    ) -> Vec<govit_core::audit::AuditRecord> {
        self.store
            .search_audit(&filter, govit_storage::Page::new(1, 200))
            .await
            .expect("search audit")
            .items
            .into_iter()
            .map(|e| e.record)
            .collect()
    }

    pub async fn token(&self, login: &str) -> String {
        let id = self.store.user_id_by_login(login).await.expect("db").expect("user");
        self.store
            .create_token(
                Who::new(&Principal::operator(), &Actor::cli("test"), self.clock.now_ms()),
                id,
                "测试",
            )
            .await
            .expect("token")
    }

    pub async fn api(&self, login: &str) -> Api {
        Api { base: self.base.clone(), client: self.client(), token: self.token(login).await }
    }

    /// Runs the govit binary against this app's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_govit"));
        cmd.args(args);
        cmd.arg("--data-dir").arg(&self.data_dir);
        if self.postgres {
            cmd.arg("--database-url").arg(&self.database_url);
        } else {
            cmd.env_remove("GOVIT_DATABASE_URL");
        }
        cmd.output().expect("run govit")
    }
}

/// A signed-in browser session.
pub struct Web {
    pub app_base: String,
    pub client: Client,
    pub csrf: String,
}

impl Web {
    pub async fn try_login(&self, login: &str, password: &str) -> Response {
        let page = self.get("/login").await.text().await.expect("body");
        let csrf = input_value(&page, "_csrf").expect("login csrf");
        self.client
            .post(format!("{}/login", self.app_base))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("login", login),
                ("password", password),
                ("next", "/"),
            ])
            .send()
            .await
            .expect("post login")
    }

    pub async fn with_csrf(mut self) -> Web {
        let page = self.get("/account/password").await.text().await.expect("body");
        self.csrf = input_value(&page, "_csrf").unwrap_or_default();
        self
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.app_base)).send().await.expect("get")
    }

    pub async fn text(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        let s = r.status();
        (s, r.text().await.expect("body"))
    }

    /// Posts a form with this session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.app_base))
            .form(fields)
            .send()
            .await
            .expect("post")
    }
}

/// Posts an .xlsx to an import form of the pages (with 只检查 when `check_only`).
pub async fn upload_sheet(
    web: &Web, path: &str, bytes: Vec<u8>, check_only: bool,
) -> (StatusCode, String) {
    let mut form = reqwest::multipart::Form::new().text("_csrf", web.csrf.clone());
    if check_only {
        form = form.text("check_only", "1");
    }
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("目录.xlsx")
        .mime_str("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .expect("mime");
    let r = web
        .client
        .post(format!("{}{path}", web.app_base))
        .multipart(form.part("file", part))
        .send()
        .await
        .expect("upload");
    let s = r.status();
    (s, r.text().await.expect("body"))
}

pub fn location(r: &Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// A program with an API token.
pub struct Api {
    pub base: String,
    pub client: Client,
    pub token: String,
}

impl Api {
    pub async fn call(
        &self, method: reqwest::Method, path: &str, body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req =
            self.client.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("api call");
        let status = r.status();
        let text = r.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::PUT, path, Some(body)).await
    }
}

/// A valid declaration, as form fields.
pub fn declaration(name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.to_string()),
        (
            "summary",
            "建设覆盖全区中小学的教育资源公共服务平台，依据《叶集区教育信息化2.0行动计划》。"
                .to_string(),
        ),
        ("period_start", "2026-01".to_string()),
        ("period_end", "2026-12".to_string()),
        ("investment", "120.5".to_string()),
        ("fiscal_funds", "100".to_string()),
        ("bank_loan", "".to_string()),
        ("self_raised", "20.5".to_string()),
        ("other_funds", "0".to_string()),
        ("leader", "张建华".to_string()),
        ("contact", "李明".to_string()),
        ("phone", "0564-6661234".to_string()),
        ("email", "liming@yeji.gov.cn".to_string()),
        ("remarks", "".to_string()),
    ]
}

pub fn declaration_json(name: &str) -> Value {
    let mut m = serde_json::Map::new();
    for (k, v) in declaration(name) {
        m.insert(k.to_string(), Value::String(v));
    }
    Value::Object(m)
}

pub fn as_pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

impl Web {
    /// Creates a draft through the form and returns its id.
    pub async fn create_draft(&self, name: &str) -> i64 {
        let fields = declaration(name);
        let r = self.post("/projects/new", &as_pairs(&fields)).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "create draft");
        project_id_from(&location(&r))
    }

    /// The version shown on a project page.
    pub async fn version(&self, id: i64) -> String {
        let (_, html) = self.text(&format!("/projects/{id}")).await;
        // The summary list shows it whether or not a form on the page carries it.
        let shown = html.split("<dt>版本</dt><dd>").nth(1).and_then(|r| r.split('<').next());
        shown.map(str::to_string).expect("version on page")
    }

    pub async fn submit(&self, id: i64) -> Response {
        self.hand_in(id).await;
        let v = self.version(id).await;
        self.post(&format!("/projects/{id}/submit"), &[("version", &v)]).await
    }
}

/// A small real PDF, as a material's file.
pub fn pdf(text: &str) -> Vec<u8> {
    govit_storage::seed::materials::demo_pdf(text)
}

impl Web {
    /// Hands in, through the pages, every required material the check page says is missing:
    /// a PDF each, marked complete. Returns how many.
    pub async fn hand_in(&self, id: i64) -> usize {
        let (_, html) = self.text(&format!("/projects/{id}/check")).await;
        let Some(start) = html.find("id=\"check-missing\"") else { return 0 };
        let block = &html[start..html[start..].find("</div>").map_or(html.len(), |e| start + e)];
        let prefix = format!("href=\"/projects/{id}/materials/");
        let materials: Vec<String> = block
            .match_indices(&prefix)
            .filter_map(|(i, _)| {
                let rest = &block[i + prefix.len()..];
                rest.find('"').map(|e| rest[..e].to_string())
            })
            .collect();
        for m in &materials {
            let r = self.upload(id, m, "材料.pdf", pdf(m), true).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "upload of {m}");
        }
        materials.len()
    }

    /// Uploads a file to a material through its page's form.
    pub async fn upload(
        &self, id: i64, material: &str, name: &str, bytes: Vec<u8>, complete: bool,
    ) -> Response {
        let mut form = reqwest::multipart::Form::new().text("_csrf", self.csrf.clone());
        if complete {
            form = form.text("complete", "1");
        }
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
        self.client
            .post(format!("{}/projects/{id}/materials/{material}/upload", self.app_base))
            .multipart(form.part("file", part))
            .send()
            .await
            .expect("upload")
    }
}

impl Api {
    /// Hands in, through the API, every required material the caller may hand in now and
    /// has not completed: a PDF each, marked complete. Returns how many.
    pub async fn hand_in(&self, id: i64) -> usize {
        let (s, list) = self.get(&format!("/api/v1/projects/{id}/materials")).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        let mut n = 0;
        for m in list.as_array().into_iter().flatten() {
            if m["can_edit"] != true || m["requirement"] != "required" || m["state"] == "completed"
            {
                continue;
            }
            let mid = m["id"].as_str().unwrap_or_default();
            let (s, body) = self.upload(id, mid, "材料.pdf", pdf(mid), true).await;
            assert_eq!(s, StatusCode::CREATED, "{mid}: {body}");
            n += 1;
        }
        n
    }

    /// Uploads a file to a material as the raw request body.
    pub async fn upload(
        &self, id: i64, material: &str, name: &str, bytes: Vec<u8>, complete: bool,
    ) -> (StatusCode, Value) {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/api/v1/projects/{id}/materials/{material}/files", self.base),
            &[("name", name), ("complete", if complete { "true" } else { "false" })],
        )
        .expect("url");
        let r = self
            .client
            .post(url)
            .bearer_auth(&self.token)
            .body(bytes)
            .send()
            .await
            .expect("upload");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

/// The cells of one sheet of an .xlsx file, as text.
pub fn xlsx_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx file");
    let range = wb.worksheet_range(sheet).expect("sheet");
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

/// A department of a test jurisdiction.
pub async fn add_department(
    app: &TestApp, j: JurisdictionId, code: &str, name: &str, kinds: &[PartyKind],
) -> DepartmentId {
    app.store
        .create_department(&Actor::cli("test"), app.now(), j, None, code, name, kinds)
        .await
        .expect("department")
}

/// A user with the test password, ready to log in.
pub async fn add_user(
    app: &TestApp, j: JurisdictionId, login: &str, department: Option<DepartmentId>,
    roles: &[Role], scope: ScopeKind,
) {
    app.store
        .create_user(
            Who::new(&Principal::operator(), &Actor::cli("test"), app.now()),
            NewUser {
                jurisdiction_id: j,
                login: login.into(),
                name: "测试用户".into(),
                department_id: department,
                firm_id: None,
                expert_id: None,
                roles: roles.to_vec(),
                scope,
                listed_departments: vec![],
                password: PASSWORD.into(),
                must_change_password: false,
            },
        )
        .await
        .expect("user");
}

/// A jurisdiction under `profile` with an authority, one owner unit, a clerk and a reviewer.
pub async fn jurisdiction(
    app: &TestApp, code: &str, profile: &str,
) -> (JurisdictionId, DepartmentId) {
    let j = app
        .store
        .create_jurisdiction(&Actor::cli("test"), app.now(), code, &format!("{code}市"), profile)
        .await
        .expect("jurisdiction");
    let authority = add_department(
        app,
        j,
        &format!("{code}-auth"),
        "市经济和信息化局",
        &[PartyKind::Authority],
    )
    .await;
    let unit =
        add_department(app, j, &format!("{code}-unit"), "市交通运输局", &[PartyKind::OwnerUnit])
            .await;
    let clerk = format!("{code}-clerk");
    add_user(app, j, &clerk, Some(unit), &[Role::Declarant], ScopeKind::OwnDepartment).await;
    let reviewer = format!("{code}-reviewer");
    add_user(app, j, &reviewer, Some(authority), &[Role::Reviewer], ScopeKind::All).await;
    (j, unit)
}

/// Adds the city government (市人民政府, which approves plans) to a test jurisdiction, with its
/// reviewer `{code}-gov`.
pub async fn city_government(app: &TestApp, j: JurisdictionId, code: &str) {
    let gov =
        add_department(app, j, &format!("{code}-gov"), "市人民政府", &[PartyKind::CityGovernment])
            .await;
    add_user(app, j, &format!("{code}-gov"), Some(gov), &[Role::Reviewer], ScopeKind::All).await;
}

/// Adds a data center (大数据中心) to a test jurisdiction, with its clerk `{code}-datacenter`.
pub async fn data_center(app: &TestApp, j: JurisdictionId, code: &str) {
    let dept =
        add_department(app, j, &format!("{code}-dc"), "市大数据中心", &[PartyKind::DataCenter])
            .await;
    let login = format!("{code}-datacenter");
    add_user(app, j, &login, Some(dept), &[Role::Declarant], ScopeKind::OwnDepartment).await;
}
