//! The demo jurisdiction: the yeji district with its department tree, one account per party.

use crate::Target;
use crate::accounts::NewUser;
use crate::cloud::catalog_steps;
use crate::cloud::catalog_steps::EditService;
use crate::cloud::catalog_steps::ServiceChange;
use crate::cloud::catalog_steps::StartDraft;
use crate::projects::CreateDraft;
use crate::projects::EstablishFact;
use crate::projects::LinkSystem;
use crate::projects::RecordEvent;
use crate::projects::{Command, Project, RunStep};
use crate::systems::Register;
use crate::{Actor, Result, Store, Who};
use govit_core::ids::{DepartmentId, JurisdictionId};
use govit_core::org::Principal;
use govit_core::org::{FirmKind, PartyKind, Role, ScopeKind};

/// A demo account and the initial password it was given.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub login: String,
    pub name: String,
    pub role: String,
    pub password: String,
}

pub struct Seeded {
    pub jurisdiction: JurisdictionId,
    pub accounts: Vec<DemoAccount>,
}

/// The yeji departments: code, name, parent code, party kinds.
const DEPARTMENTS: &[(&str, &str, Option<&str>, &[PartyKind])] = &[
    ("gov", "六安市叶集区人民政府", None, &[PartyKind::CityGovernment]),
    ("sjj", "区数据资源管理局", Some("gov"), &[PartyKind::Authority, PartyKind::DataCenter]),
    ("czj", "区财政局", Some("gov"), &[PartyKind::Finance]),
    ("fgw", "区发展和改革委员会", Some("gov"), &[PartyKind::DevelopmentReform]),
    ("wxb", "区委网信办", Some("gov"), &[PartyKind::Cyberspace]),
    ("jyj", "区委机要局（密码管理局）", Some("gov"), &[PartyKind::CryptoOffice]),
    ("sjiju", "区审计局", Some("gov"), &[PartyKind::AuditOffice]),
    ("jyzx", "区公共资源交易中心", Some("gov"), &[PartyKind::TradingCenter]),
    ("jyt", "区教育体育局", Some("gov"), &[PartyKind::OwnerUnit]),
    ("jyt-xx", "区实验学校", Some("jyt"), &[PartyKind::OwnerUnit]),
    ("wjw", "区卫生健康委员会", Some("gov"), &[PartyKind::OwnerUnit]),
    ("gaj", "区公安分局", Some("gov"), &[PartyKind::OwnerUnit]),
    ("dsjzx", "区大数据中心", Some("sjj"), &[PartyKind::DataCenter]),
];

/// Accounts: login, name, department code, roles, scope.
const ACCOUNTS: &[(&str, &str, &str, &[Role], ScopeKind)] = &[
    ("admin", "系统管理员", "sjj", &[Role::Admin, Role::Platform], ScopeKind::SelfOnly),
    ("auditor", "安全审计员", "sjj", &[Role::Auditor], ScopeKind::SelfOnly),
    ("reviewer", "数管局审核人", "sjj", &[Role::Reviewer], ScopeKind::All),
    ("finance", "财政局审核人", "czj", &[Role::Reviewer], ScopeKind::All),
    ("fgw", "发改委审核人", "fgw", &[Role::Reviewer], ScopeKind::All),
    ("wxb", "网信办审核人", "wxb", &[Role::Reviewer], ScopeKind::All),
    ("jyj", "机要局审核人", "jyj", &[Role::Reviewer], ScopeKind::All),
    ("qzf", "区政府审核人", "gov", &[Role::Reviewer], ScopeKind::All),
    ("sjiju", "审计局经办人", "sjiju", &[Role::Viewer], ScopeKind::All),
    ("jyzx", "交易中心经办人", "jyzx", &[Role::Reviewer], ScopeKind::All),
    ("clerk", "教体局申报经办人", "jyt", &[Role::Declarant], ScopeKind::OwnAndBelow),
    ("clerk2", "卫健委申报经办人", "wjw", &[Role::Declarant], ScopeKind::OwnDepartment),
    ("clerk3", "公安分局申报经办人", "gaj", &[Role::Declarant], ScopeKind::OwnDepartment),
    ("datacenter", "大数据中心经办人", "dsjzx", &[Role::Declarant], ScopeKind::OwnDepartment),
];

/// Seeds the demo jurisdiction if it is not there yet. `password_for` gives each account
/// its initial password; demo accounts must change it at first login.
pub async fn seed(
    store: &Store, now_ms: i64, mut password_for: impl FnMut(&str) -> String,
    must_change_password: bool,
) -> Result<Option<Seeded>> {
    if store.jurisdiction_by_code("yeji").await?.is_some() {
        return Ok(None);
    }
    let actor = Actor::cli("demo");
    let j = store.create_jurisdiction(&actor, now_ms, "yeji", "六安市叶集区", "yeji").await?;
    let mut ids: Vec<(&str, DepartmentId)> = Vec::new();
    for (code, name, parent, kinds) in DEPARTMENTS {
        let parent_id = parent.and_then(|p| ids.iter().find(|(c, _)| *c == p).map(|(_, id)| *id));
        let id = store.create_department(&actor, now_ms, j, parent_id, code, name, kinds).await?;
        ids.push((code, id));
    }
    for (kind, name) in [
        (FirmKind::Contractor, "安徽叶集数智科技有限公司"),
        (FirmKind::Supervisor, "六安信息工程监理有限公司"),
        (FirmKind::Tester, "安徽网安测评中心"),
        (FirmKind::Consultant, "皖西数字政府咨询设计院"),
    ] {
        store.create_firm(&actor, now_ms, j, kind, name, "").await?;
    }
    for (name, employer, fields, title) in [
        ("王建国", "合肥工业大学", "软件工程,数据治理", "教授"),
        ("陈晓梅", "安徽省信息中心", "网络安全,密码应用", "高级工程师"),
        ("刘志强", "六安市大数据中心", "云计算,项目概算", "高级工程师"),
    ] {
        let e = govit_core::org::forms::NewExpert::without_conflicts(name, employer, fields, title);
        store.create_expert(&actor, now_ms, j, &e).await?;
    }
    let mut accounts = Vec::new();
    for (login, name, dept, roles, scope) in ACCOUNTS {
        let password = password_for(login);
        let department_id = ids.iter().find(|(c, _)| c == dept).map(|(_, id)| *id);
        store
            .create_user(
                Who::new(&Principal::operator(), &actor, now_ms),
                NewUser {
                    jurisdiction_id: j,
                    login: login.to_string(),
                    name: name.to_string(),
                    department_id,
                    firm_id: None,
                    expert_id: None,
                    roles: roles.to_vec(),
                    scope: *scope,
                    listed_departments: vec![],
                    password: password.clone(),
                    must_change_password,
                },
            )
            .await?;
        accounts.push(DemoAccount {
            login: login.to_string(),
            name: name.to_string(),
            role: roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、"),
            password,
        });
    }
    sample_cloud_catalog(store, now_ms).await?;
    Ok(Some(Seeded { jurisdiction: j, accounts }))
}

/// The published cloud-service catalog (gaoping:12) with the common infrastructure and
/// support capabilities of lhasa:8, drafted by the data center and published by the
/// authority through the same steps as any later version.
pub async fn sample_cloud_catalog(store: &Store, now_ms: i64) -> Result<()> {
    use govit_core::cloud::{CatalogDecision, CloudServiceForm};
    let (Some(dc), Some(reviewer)) =
        (store.user_id_by_login("datacenter").await?, store.user_id_by_login("reviewer").await?)
    else {
        return Ok(());
    };
    let (Some(dc), Some(reviewer)) = (store.principal(dc).await?, store.principal(reviewer).await?)
    else {
        return Ok(());
    };
    let actor = Actor::cli("demo");
    let v = store
        .run(
            Who::new(&dc, &actor, now_ms),
            Target::New,
            &StartDraft { note: "首版目录：共性基础设施和共性支撑能力" },
        )
        .await?
        .record;
    let mut version = v.version;
    const SERVICES: &[(&str, &str, &str, &str, &str, &str)] = &[
        (
            "GC-01",
            "政务云计算存储",
            "gov_cloud",
            "云主机、云存储、云数据库，按需申请，统一运维和安全防护",
            "vCPU·内存·存储（按月）",
            "机房,服务器,存储设备,云主机,私有云,数据中心建设",
        ),
        (
            "GC-02",
            "电子政务外网",
            "extranet",
            "全区统一的电子政务外网接入，部门不得新建业务专网",
            "接入点（按年）",
            "业务专网,专网,外网建设,网络链路",
        ),
        (
            "GC-03",
            "视频共享平台",
            "video",
            "全区视频资源汇聚、共享和智能分析",
            "路（按年）",
            "视频监控,视频汇聚,视频共享,视频联网,监控平台",
        ),
        (
            "GC-04",
            "物联网感知平台",
            "iot",
            "各类传感设备统一接入、管理和数据汇聚",
            "终端（按年）",
            "物联网平台,感知平台,传感器接入,设备接入平台",
        ),
        (
            "GC-05",
            "区块链服务平台",
            "blockchain",
            "政务区块链底座，提供存证、溯源和可信共享",
            "调用次数",
            "区块链",
        ),
        (
            "GC-06",
            "AI大模型服务",
            "ai_model",
            "政务大模型推理和智能问答能力，按调用计费",
            "调用次数",
            "大模型,人工智能平台,智能问答,算力",
        ),
        (
            "GC-07",
            "统一身份认证",
            "identity",
            "政务人员和公众统一身份认证与单点登录",
            "应用接入（按年）",
            "身份认证,统一认证,单点登录,用户中心",
        ),
        (
            "GC-08",
            "人口、法人、电子证照基础库",
            "base_database",
            "人口、法人单位和电子证照基础数据的查询、核验和共享",
            "接口调用",
            "人口库,法人库,电子证照库,基础数据库,证照库",
        ),
    ];
    for (code, name, category, description, unit, keywords) in SERVICES {
        store
            .run(
                Who::new(&dc, &actor, now_ms),
                Target::at(v.id, version),
                &EditService(ServiceChange::Add(&CloudServiceForm {
                    code: code.to_string(),
                    name: name.to_string(),
                    category: category.to_string(),
                    description: description.to_string(),
                    provider: "区大数据中心".into(),
                    unit: unit.to_string(),
                    is_common: "1".into(),
                    keywords: keywords.to_string(),
                })),
            )
            .await?;
        version += 1;
    }
    let v = store
        .run(Who::new(&dc, &actor, now_ms), Target::at(v.id, version), &catalog_steps::Submit)
        .await?
        .record;
    store
        .run(
            Who::new(&reviewer, &actor, now_ms),
            Target::at(v.id, v.version),
            &catalog_steps::Decide(&CatalogDecision::Publish { note: "同意发布".into() }),
        )
        .await?;
    Ok(())
}

/// A few declarations at different steps, with events, so the demo's lists, to-do pages and
/// obligations are not empty.
pub async fn sample_projects(store: &Store, now_ms: i64) -> Result<()> {
    use govit_core::policy::EventKind;
    use govit_core::project::Decision;
    let Some(clerk) = store.user_id_by_login("clerk").await? else {
        return Ok(());
    };
    let Some(reviewer) = store.user_id_by_login("reviewer").await? else {
        return Ok(());
    };
    let (Some(clerk), Some(reviewer)) =
        (store.principal(clerk).await?, store.principal(reviewer).await?)
    else {
        return Ok(());
    };
    let actor = Actor::cli("demo");
    let today = crate::china_today(now_ms);
    let year = chrono::Datelike::year(&today);
    let form = |name: &str, start: String, end: String, wan: &str| {
        let summary =
            format!("建设{name}，依据《叶集区数字政府建设三年行动方案》，实现数据共享和业务协同。");
        super::declaration(name, summary, start, end, wan)
    };
    store
        .run(
            Who::new(&clerk, &actor, now_ms),
            Target::New,
            &CreateDraft(&form(
                "区中小学智慧课堂平台",
                format!("{}-01", year + 1),
                format!("{}-12", year + 1),
                "86.5",
            )),
        )
        .await?;
    let submitted = store
        .run(
            Who::new(&clerk, &actor, now_ms),
            Target::New,
            &CreateDraft(&form(
                "区教育资源公共服务平台",
                format!("{}-03", year + 1),
                format!("{}-10", year + 1),
                "120.5",
            )),
        )
        .await?
        .record;
    super::materials::hand_in(store, Who::new(&clerk, &actor, now_ms), submitted.id.0).await?;
    let submitted = store.read::<Project>(Who::new(&clerk, &actor, now_ms), submitted.id.0).await?;
    store
        .run(
            Who::new(&clerk, &actor, now_ms),
            Target::at(submitted.id.0, submitted.version),
            &RunStep::new(Command::Submit),
        )
        .await?;
    // The project under construction was declared in mid-May of last year, inside yeji:6's
    // window for this year's plan (its construction year), and approved then, before its
    // contract and the rest of its construction events: its plan year, its place in this
    // year's plan and its declaration deadline (met) agree.
    let then_ms = crate::base::china_year_start_ms(year - 1) + 134 * 86_400_000 + 10 * 3_600_000;
    let running = store
        .run(
            Who::new(&clerk, &actor, then_ms),
            Target::New,
            &CreateDraft(&form(
                "区校园安全视频监控系统",
                format!("{}-01", year),
                format!("{}-12", year),
                "245",
            )),
        )
        .await?
        .record;
    // A small catalog for the education bureau: one to keep, one being built, one zombie.
    for (name, function, freq, deployment, status, disposition, reason) in [
        (
            "区学籍管理系统",
            "中小学学生学籍登记、转学和毕业管理",
            "daily",
            "gov_cloud",
            "running",
            "keep",
            "",
        ),
        (
            "校园安全视频监控系统",
            "校园出入口和重点部位视频监控、告警和巡查",
            "daily",
            "gov_cloud",
            "planned",
            "build",
            "全区校园安全监管需要，依托政务云和视频共享平台建设",
        ),
        (
            "教体局旧版办公系统",
            "公文流转和通知公告（已由全区协同办公平台替代）",
            "unused",
            "own_room",
            "running",
            "keep",
            "",
        ),
    ] {
        let form = govit_core::inventory::SystemForm {
            name: name.into(),
            function_summary: function.into(),
            users_scope: "区教育体育局及各学校".into(),
            use_frequency: freq.into(),
            deployment: deployment.into(),
            network: "extranet".into(),
            status: status.into(),
            disposition: disposition.into(),
            disposition_reason: reason.into(),
            gov_service_connected: "1".into(),
            data_sharing_connected: "1".into(),
            mlps_level: "2".into(),
            ..Default::default()
        };
        store.run(Who::new(&clerk, &actor, then_ms), Target::New, &Register(&form)).await?;
    }
    store
        .run(
            Who::new(&clerk, &actor, then_ms),
            Target::any_version(running.id.0),
            &LinkSystem {
                name: "校园安全视频监控系统",
                action: "build",
                note: "新建，部署在政务云",
            },
        )
        .await?;
    super::materials::hand_in(store, Who::new(&clerk, &actor, then_ms), running.id.0).await?;
    let running = store.read::<Project>(Who::new(&clerk, &actor, then_ms), running.id.0).await?;
    let p = store
        .run(
            Who::new(&clerk, &actor, then_ms),
            Target::at(running.id.0, running.version),
            &RunStep::new(Command::Submit),
        )
        .await?
        .record;
    // yeji:24: the reviewer establishes sharing and domestic crypto before approving.
    for fact in [govit_core::policy::Fact::CanShare, govit_core::policy::Fact::UsesDomesticCrypto] {
        store
            .run(
                Who::new(&reviewer, &actor, then_ms),
                Target::any_version(p.id.0),
                &EstablishFact {
                    fact,
                    value: 1,
                    basis: "演示数据：据申报材料认定",
                    materials: &[],
                },
            )
            .await?;
    }
    // yeji:7's joint review by the five offices, then yeji:5's approval by 发改委; declared
    // after yeji:6's cut-off (a demo made from October on), yeji:8's 增列 by the authority and
    // the district government as well.
    for login in ["reviewer", "finance", "fgw", "jyj", "wxb", "fgw", "reviewer", "qzf"] {
        let now = store.read::<Project>(Who::new(&reviewer, &actor, then_ms), p.id.0).await?;
        if now.status != govit_core::project::ProjectStatus::Submitted {
            break;
        }
        let Some(id) = store.user_id_by_login(login).await? else { continue };
        let Some(who) = store.principal(id).await? else { continue };
        super::reviews::give_opinion(store, Who::new(&who, &actor, then_ms), p.id.0).await?;
        store
            .run::<Project, _>(
                Who::new(&who, &actor, then_ms),
                Target::any_version(p.id.0),
                &RunStep::new(Command::Decide(Decision::Approve { comment: "同意".into() })),
            )
            .await?;
    }
    // The year's plan (yeji:8), assembled from it by the authority a week after its approval,
    // approved by the district government and published before its contract.
    if let Some(gov) = store.user_id_by_login("qzf").await?
        && let Some(gov) = store.principal(gov).await?
    {
        use crate::plans::{Plan, PlanAct, PublishPlan, StartPlan};
        use govit_core::workflow::Verb;
        let at = then_ms + 7 * 86_400_000;
        let start =
            StartPlan { kind: govit_core::plan::PlanKind::Annual, year, title: String::new() };
        let plan =
            store.run::<Plan, _>(Who::new(&reviewer, &actor, at), Target::New, &start).await?;
        let id = plan.record.id;
        for (who, days) in [(&reviewer, 8), (&gov, 10)] {
            let pass = PlanAct(Verb::Pass { note: "同意".into() });
            let when = then_ms + days * 86_400_000;
            store
                .run::<Plan, _>(Who::new(who, &actor, when), Target::any_version(id), &pass)
                .await?;
        }
        let when = then_ms + 11 * 86_400_000;
        store
            .run::<Plan, _>(
                Who::new(&reviewer, &actor, when),
                Target::any_version(id),
                &PublishPlan,
            )
            .await?;
    }
    // Its contracts, recorded by the unit (yeji files none: 签订合同 and 确定监理 are then
    // the project's events), before work starts behind them.
    let firms = store.organization(clerk.jurisdiction_id).await?.firms;
    let name = p.declaration.name.clone();
    for (kind, firm_kind, title, wan, days_ago) in [
        ("construction", FirmKind::Contractor, format!("{name}建设合同"), "168", 200),
        ("supervision", FirmKind::Supervisor, format!("{name}监理合同"), "5.6", 198),
    ] {
        let Some(firm) = firms.iter().find(|f| f.kind == firm_kind) else { continue };
        let signed = today - chrono::Days::new(days_ago);
        let form = govit_core::contract::ContractForm {
            kind: kind.into(),
            firm_id: firm.id.to_string(),
            title,
            method: "open_tender".into(),
            amount: wan.into(),
            signed_on: signed.to_string(),
            starts_on: signed.to_string(),
            ends_on: (today + chrono::Days::new(160)).to_string(),
            om_months: if kind == "construction" { "36".into() } else { "0".into() },
            deliverables: "design_docs,source_code,test_docs".into(),
            ownership: "系统及数据所有权归区教育体育局".into(),
            termination: "承建单位不按合同执行、拒不接受监督检查的，业主单位可依法终止合同".into(),
        };
        let step = crate::contracts::SignContract { project: p.id, form };
        store
            .run::<crate::contracts::Contract, _>(
                Who::new(&clerk, &actor, now_ms),
                Target::New,
                &step,
            )
            .await?;
    }
    let record = |kind, days_ago: u64| RecordEvent {
        kind,
        date: today - chrono::Days::new(days_ago),
        note: "演示数据",
        planned: false,
    };
    store
        .run(
            Who::new(&clerk, &actor, now_ms),
            Target::any_version(p.id.0),
            &record(EventKind::WorkStarted, 190),
        )
        .await?;
    // Last quarter's progress report (yeji:15's annex 2), filled in and sent by the unit:
    // sending it records 报送进度; the authority's 备案 is left for the demo's reviewer.
    let form = govit_core::progress::ReportForm {
        period: govit_core::progress::Quarter::of(today).previous().code(),
        content: p.declaration.summary.clone(),
        progress: "已完成需求调研、概要设计和前端点位部署，正在进行平台联调".into(),
        expected_on: (today + chrono::Days::new(150)).to_string(),
        invested: "96".into(),
        head: "张局长".into(),
        contact: "李工".into(),
        phone: "0564-6000000".into(),
        mobile: String::new(),
        email: String::new(),
    };
    let report = store
        .run::<crate::progress::Report, _>(
            Who::new(&clerk, &actor, now_ms),
            Target::New,
            &crate::progress::FileReport { project: p.id, form },
        )
        .await?;
    let send =
        crate::progress::ReportAct::new(govit_core::workflow::Verb::Pass { note: String::new() });
    store
        .run::<crate::progress::Report, _>(
            Who::new(&clerk, &actor, now_ms),
            Target::any_version(report.record.id),
            &send,
        )
        .await?;
    // The unit has started its acceptance and passed its own 初步验收 (yeji:22): the
    // completion-acceptance application is the clerk's next step, within the month.
    let form = govit_core::acceptance::AcceptanceForm {
        summary: "已按批复完成全区校园视频监控点位部署和平台建设，试运行期间运行稳定".into(),
        contact: "李工".into(),
        phone: "0564-6000000".into(),
    };
    let acceptance = store
        .run::<crate::acceptances::Acceptance, _>(
            Who::new(&clerk, &actor, now_ms),
            Target::New,
            &crate::acceptances::StartAcceptance { project: p.id, form },
        )
        .await?;
    let pass = crate::acceptances::AcceptanceAct::new(govit_core::workflow::Verb::Pass {
        note: "初步验收合格".into(),
    });
    store
        .run::<crate::acceptances::Acceptance, _>(
            Who::new(&clerk, &actor, now_ms),
            Target::any_version(acceptance.record.id),
            &pass,
        )
        .await?;
    // It has asked for its first progress payment, which waits on the authority's check
    // (yeji:5) before finance pays.
    let form = govit_core::payment::PaymentForm {
        kind: "progress".into(),
        amount: "60".into(),
        payee: "叶集区智慧校园科技有限公司".into(),
        purpose: "按建设合同第五条，平台部署完成后支付第一期进度款".into(),
    };
    let payment = store
        .run::<crate::payments::Payment, _>(
            Who::new(&clerk, &actor, now_ms),
            Target::New,
            &crate::payments::StartPayment { project: p.id, form },
        )
        .await?;
    let send =
        crate::payments::PaymentAct::new(govit_core::workflow::Verb::Pass { note: String::new() });
    store
        .run::<crate::payments::Payment, _>(
            Who::new(&clerk, &actor, now_ms),
            Target::any_version(payment.record.id),
            &send,
        )
        .await?;
    Ok(())
}
