//! A demo jurisdiction for any profile: its real parties, named as the profile names them
//! (xinzhou-transport's 市交通运输数据中心, 市交通运输局党组, 市交通运输局财务科, the city's
//! 市政务信息管理局 and 市政府), with one account per party. The yeji profile has its own
//! richer demo (`demo::seed`).

use super::demo::{DemoAccount, Seeded};
use crate::accounts::NewUser;
use crate::{Actor, Result, Store, Who};
use govit_core::DomainError;
use govit_core::ids::{DepartmentId, JurisdictionId};
use govit_core::org::{FirmKind, PartyKind, Principal, Role, ScopeKind};
use govit_core::policy::Profile;

/// The departments a profile's parties make: one per distinct name, under the city
/// government (the root), each with every party kind the profile gives that name. Owner units
/// the profile names only generically get two sample units of the jurisdiction.
pub fn departments_of(p: &Profile) -> Vec<(String, Vec<PartyKind>)> {
    let place = &p.head.jurisdiction;
    let label = |k: PartyKind| p.labels.parties.get(k.as_str()).cloned();
    let root = label(PartyKind::CityGovernment).unwrap_or_else(|| format!("{place}人民政府"));
    let mut out: Vec<(String, Vec<PartyKind>)> = vec![(root, vec![PartyKind::CityGovernment])];
    for k in PartyKind::ALL.iter().copied().filter(|k| *k != PartyKind::CityGovernment) {
        let Some(name) = label(k) else { continue };
        let shared = PartyKind::ALL.iter().any(|o| *o != k && label(*o).as_deref() == Some(&name));
        if k == PartyKind::OwnerUnit && !shared {
            for unit in ["教育局", "卫生健康委员会"] {
                out.push((format!("{place}{unit}"), vec![PartyKind::OwnerUnit]));
            }
            continue;
        }
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, kinds)) => kinds.push(k),
            None => out.push((name, vec![k])),
        }
    }
    out
}

/// Where a demo account works.
#[derive(Clone, Copy)]
enum Unit {
    Department(DepartmentId),
    Firm(i64),
    Expert(i64),
}

/// A demo account to create.
struct Wanted {
    login: String,
    name: String,
    unit: Unit,
    roles: Vec<Role>,
    scope: ScopeKind,
}

/// The login and roles of the account for a party kind.
fn account_for(k: PartyKind) -> (&'static str, Role, ScopeKind) {
    match k {
        PartyKind::Authority => ("reviewer", Role::Reviewer, ScopeKind::All),
        PartyKind::OwnerUnit => ("clerk", Role::Declarant, ScopeKind::OwnDepartment),
        PartyKind::DataCenter => ("datacenter", Role::Declarant, ScopeKind::OwnDepartment),
        // Every other party signs steps of the path as its reviewer.
        other => (other.as_str(), Role::Reviewer, ScopeKind::All),
    }
}

/// Seeds the demo jurisdiction of `profile_id` (coded as the profile) if it is not there
/// yet. A login another jurisdiction already uses gets the code as a suffix (`admin.gaoping`).
pub async fn seed(
    store: &Store, now_ms: i64, profile_id: &str, mut password_for: impl FnMut(&str) -> String,
    must_change_password: bool,
) -> Result<Option<Seeded>> {
    if profile_id == "yeji" {
        return super::demo::seed(store, now_ms, password_for, must_change_password).await;
    }
    let Some(profile) = store.rules().profile(profile_id).cloned() else {
        let m = format!("没有编号为“{profile_id}”的管理办法");
        return Err(DomainError::invalid("profile", m).into());
    };
    if store.jurisdiction_by_code(profile_id).await?.is_some() {
        return Ok(None);
    }
    let actor = Actor::cli("demo");
    let place = profile.head.jurisdiction.clone();
    let j = store.create_jurisdiction(&actor, now_ms, profile_id, &place, profile_id).await?;
    let mut wanted: Vec<Wanted> = Vec::new();
    let mut root = None;
    let mut codes: Vec<String> = Vec::new();
    for (i, (name, kinds)) in departments_of(&profile).iter().enumerate() {
        let base = kinds[0].as_str().replace('_', "-");
        let n = codes.iter().filter(|c| **c == base || c.starts_with(&format!("{base}-"))).count();
        let code = if n == 0 { base } else { format!("{base}-{}", n + 1) };
        codes.push(code.clone());
        let parent = if i == 0 { None } else { root };
        let id = store.create_department(&actor, now_ms, j, parent, &code, name, kinds).await?;
        if i == 0 {
            root = Some(id);
        }
        for k in kinds {
            let (login, role, scope) = account_for(*k);
            let taken = wanted
                .iter()
                .filter(|w| w.login == login || w.login.starts_with(&format!("{login}-")))
                .count();
            let login =
                if taken == 0 { login.to_string() } else { format!("{login}-{}", taken + 1) };
            let person = if role == Role::Reviewer { "审核人" } else { "经办人" };
            let unit = Unit::Department(id);
            let roles = vec![role];
            wanted.push(Wanted { login, name: format!("{name}{person}"), unit, roles, scope });
            // The data center drafts (the cloud catalog) and, where a chain names it,
            // reviews (xinzhou-transport:10): two people, since one may not do both.
            if *k == PartyKind::DataCenter {
                wanted.push(Wanted {
                    login: "dcreviewer".into(),
                    name: format!("{name}审核人"),
                    unit,
                    roles: vec![Role::Reviewer],
                    scope: ScopeKind::All,
                });
            }
            if *k == PartyKind::Authority {
                for (login, name, roles) in [
                    ("admin", "系统管理员", vec![Role::Admin, Role::Platform]),
                    ("auditor", "安全审计员", vec![Role::Auditor]),
                ] {
                    let (login, name) = (login.to_string(), name.to_string());
                    wanted.push(Wanted { login, name, unit, roles, scope: ScopeKind::SelfOnly });
                }
            }
        }
    }
    for k in FirmKind::ALL {
        let Some(label) = profile.labels.parties.get(k.as_str()) else { continue };
        let name = format!("{place}示例{label}");
        let firm = store.create_firm(&actor, now_ms, j, *k, &name, "").await?;
        wanted.push(Wanted {
            login: k.as_str().into(),
            name: format!("{label}联系人"),
            unit: Unit::Firm(firm),
            roles: vec![Role::Viewer],
            scope: ScopeKind::SelfOnly,
        });
    }
    // The review experts, each with an account to give opinions with (linxiang:15 draws a
    // panel of five from them).
    for (i, (name, employer, fields, title)) in [
        ("赵明远", "省信息中心", "软件工程,数据治理", "正高级工程师"),
        ("孙丽华", "省网络安全测评中心", "网络安全,密码应用", "高级工程师"),
        ("周建平", "省大数据研究院", "数据治理,云计算", "研究员"),
        ("吴晓东", "师范大学计算机学院", "软件工程,人工智能", "教授"),
        ("郑海燕", "省财政科学研究所", "项目概算,绩效评价", "高级会计师"),
        ("冯志刚", "省通信规划设计院", "通信网络,云计算", "高级工程师"),
        ("陈雅琴", "省政务服务中心", "政务服务,业务流程", "高级经济师"),
    ]
    .into_iter()
    .enumerate()
    {
        let e = govit_core::org::forms::NewExpert::without_conflicts(name, employer, fields, title);
        let expert = store.create_expert(&actor, now_ms, j, &e).await?;
        wanted.push(Wanted {
            login: if i == 0 { "expert".into() } else { format!("expert{}", i + 1) },
            name: name.into(),
            unit: Unit::Expert(expert),
            roles: vec![Role::Viewer],
            scope: ScopeKind::SelfOnly,
        });
    }
    let mut accounts = Vec::new();
    for Wanted { login, name, unit, roles, scope } in wanted {
        let login = free_login(store, &login, profile_id).await?;
        let (department_id, firm_id, expert_id) = match unit {
            Unit::Department(d) => (Some(d), None, None),
            Unit::Firm(f) => (None, Some(f), None),
            Unit::Expert(x) => (None, None, Some(x)),
        };
        let password = password_for(&login);
        store
            .create_user(
                Who::new(&Principal::operator(), &actor, now_ms),
                NewUser {
                    jurisdiction_id: j,
                    login: login.clone(),
                    name: name.clone(),
                    department_id,
                    firm_id,
                    expert_id,
                    roles: roles.clone(),
                    scope,
                    listed_departments: vec![],
                    password: password.clone(),
                    must_change_password,
                },
            )
            .await?;
        let role = roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、");
        accounts.push(DemoAccount { login, name, role, password });
    }
    Ok(Some(Seeded { jurisdiction: j, accounts }))
}

async fn free_login(store: &Store, login: &str, code: &str) -> Result<String> {
    if store.user_id_by_login(login).await?.is_none() {
        return Ok(login.to_string());
    }
    Ok(format!("{login}.{code}"))
}

/// Projects spread along the profile's approval path, so that every step can be walked in the
/// UI at once: a draft, one just sent, one some steps on, and one approved. Each step is
/// passed by whoever holds it, as in the UI; where a gate waits on a fact, the authority's
/// reviewer establishes it first.
pub async fn sample_projects(store: &Store, now_ms: i64, j: JurisdictionId) -> Result<()> {
    use crate::Target;
    use crate::projects::{Command, CreateDraft, EstablishFact, Project, RunStep};
    use govit_core::policy::{Fact, GatedAction};
    let actor = Actor::cli("demo");
    let mut people = Vec::new();
    for u in store.list_users(Some(j)).await? {
        if let Some(p) = store.principal(u.id).await? {
            let parties = store.parties_of(&p).await?;
            people.push((p, parties));
        }
    }
    let find = |role: Role, party: PartyKind| {
        people.iter().find(|(p, k)| p.has(role) && k.contains(&party)).map(|(p, _)| p.clone())
    };
    // The owner units' clerks take turns (lhasa:7 allows two declarations a unit a year).
    let clerks: Vec<Principal> = people
        .iter()
        .filter(|(p, k)| p.has(Role::Declarant) && k.contains(&PartyKind::OwnerUnit))
        .map(|(p, _)| p.clone())
        .collect();
    let Some(reviewer) = find(Role::Reviewer, PartyKind::Authority) else { return Ok(()) };
    if clerks.is_empty() {
        return Ok(());
    }
    let jurisdiction = store.jurisdiction(j).await?;
    let place = jurisdiction.name;
    // The year the samples are declared for: the next, or where the profile's window sends a
    // declaration sent today (after lhasa:7's August 31, the year after next), so that each
    // is built in its plan's year and enters that plan.
    let today = crate::china_today(now_ms);
    let year = store
        .rules()
        .profile(&jurisdiction.profile_id)
        .and_then(|p| p.declaration_window(today))
        .map(|w| w.plan_year)
        .unwrap_or(chrono::Datelike::year(&today) + 1);
    // Name, 万元, steps to pass after sending (None: a draft; usize::MAX: to the end).
    let samples: [(&str, &str, Option<usize>); 4] = [
        ("政务服务“一网通办”提升项目", "120", None),
        ("政务数据共享交换平台", "260", Some(0)),
        ("城市运行管理服务平台", "80", Some(2)),
        ("电子政务外网升级改造项目", "300", Some(usize::MAX)),
    ];
    for (i, (name, wan, steps)) in samples.into_iter().enumerate() {
        let clerk = &clerks[i % clerks.len()];
        let form = govit_core::declaration::DeclarationForm {
            // The unit's contact in this jurisdiction, not the sample's (a yeji number).
            phone: "13800138000".into(),
            email: format!("liming@{}.gov.cn", jurisdiction.code),
            ..super::declaration(
                format!("{place}{name}"),
                format!("建设{place}{name}，统筹利用政务云和共享平台，实现数据共享和业务协同。"),
                format!("{year}-01"),
                format!("{year}-12"),
                wan,
            )
        };
        let draft = store
            .run(Who::new(clerk, &actor, now_ms), Target::New, &CreateDraft(&form))
            .await?
            .record;
        let Some(steps) = steps else { continue };
        let id = draft.id.0;
        super::materials::hand_in(store, Who::new(clerk, &actor, now_ms), id).await?;
        store
            .run::<Project, _>(
                Who::new(clerk, &actor, now_ms),
                Target::any_version(id),
                &RunStep::new(Command::Submit),
            )
            .await?;
        // The route's conditions the reviewer settles once it is sent: one department, not
        // classified (not being in an annual plan, gaoping:11's pre-review, follows from the
        // plans published).
        for (fact, value) in [(Fact::IsCrossDepartment, 0), (Fact::IsClassified, 0)] {
            store
                .run::<Project, _>(
                    Who::new(&reviewer, &actor, now_ms),
                    Target::any_version(id),
                    &EstablishFact {
                        fact,
                        value,
                        basis: "演示数据：据申报材料认定",
                        materials: &[],
                    },
                )
                .await?;
        }
        let mut passed = 0;
        while passed < steps && passed < 30 {
            let p = store.read::<Project>(Who::new(&reviewer, &actor, now_ms), id).await?;
            if p.status != govit_core::project::ProjectStatus::Submitted {
                break;
            }
            // The gates in front of the approval, settled before its last step.
            let view = store.run_view(&reviewer, &p, now_ms).await?;
            let last = view.run.route.approval_index() == Some(view.run.progress.current);
            // Those in front of entering the plan first (linxiang-data:11): the plan published
            // for the approval's sake takes the project only once they hold.
            let mut gates = Vec::new();
            if last {
                gates.extend(store.gates_of(&p, GatedAction::EnterPlan).await?);
                gates.extend(store.gates_of(&p, GatedAction::Approve).await?);
            }
            let rules = store.rules();
            let profile = rules.profile(&p.profile_id);
            for g in gates.iter().filter(|g| g.refusal().is_some()) {
                let rule = profile.and_then(|x| x.gates.iter().find(|r| r.id == g.rule_id));
                for c in rule.map(|r| r.requires.clone()).unwrap_or_default() {
                    // Being in the plan follows from the plan the jurisdiction publishes.
                    if c.fact == Fact::InAnnualPlan {
                        let people: Vec<&Principal> = people.iter().map(|(p, _)| p).collect();
                        publish_plan(store, &people, year, now_ms).await?;
                        continue;
                    }
                    if c.fact.is_derived() {
                        continue;
                    }
                    let step = EstablishFact {
                        fact: c.fact,
                        value: c.satisfying_value(),
                        basis: "演示数据：据申报材料认定",
                        materials: &[],
                    };
                    store
                        .run::<Project, _>(
                            Who::new(&reviewer, &actor, now_ms),
                            Target::any_version(id),
                            &step,
                        )
                        .await?;
                }
            }
            // Everyone who holds the step now (each office of a 会签), before any of them acts.
            let mut holders = Vec::new();
            for (person, _) in &people {
                if store
                    .my_tasks(person, Default::default())
                    .await?
                    .iter()
                    .any(|t| t.project_id == id)
                {
                    holders.push(person);
                }
            }
            if holders.is_empty() {
                break;
            }
            // The step before a panel's draws it first, as its holder would on the page.
            if let Some(person) = holders.first() {
                let p = store.read::<Project>(Who::new(person, &actor, now_ms), id).await?;
                let view = store.run_view(person, &p, now_ms).await?;
                if view.verbs.contains(&govit_core::workflow::VerbKind::Seat) {
                    let draw = crate::panels::DrawPanel::new(vec![], String::new());
                    let who = Who::new(person, &actor, now_ms);
                    store.run::<Project, _>(who, Target::any_version(id), &draw).await?;
                }
            }
            for person in holders {
                let pass =
                    RunStep::verb(govit_core::workflow::Verb::Pass { note: "同意".into() });
                let who = Who::new(person, &actor, now_ms);
                super::materials::hand_in(store, who, id).await?;
                super::reviews::give_opinion(store, who, id).await?;
                store.run::<Project, _>(who, Target::any_version(id), &pass).await?;
            }
            passed += 1;
        }
    }
    Ok(())
}

/// The year's annual plan, assembled by whoever of `people` the profile lets compile it from
/// the projects sent so far, passed along its chain by each holder in turn and published.
async fn publish_plan(store: &Store, people: &[&Principal], year: i32, now_ms: i64) -> Result<()> {
    use crate::Target;
    use crate::plans::{Plan, PlanAct, PublishPlan, StartPlan};
    use govit_core::plan::{PlanKind, PlanStatus};
    use govit_core::workflow::{Verb, VerbKind};
    let actor = Actor::cli("demo");
    let start = StartPlan { kind: PlanKind::Annual, year, title: String::new() };
    let mut made = None;
    for p in people.iter().filter(|p| p.has(Role::Reviewer)) {
        if let Ok(x) = store.run::<Plan, _>(Who::new(p, &actor, now_ms), Target::New, &start).await
        {
            made = Some((x.record.id, *p));
            break;
        }
    }
    let Some((id, compiler)) = made else { return Ok(()) };
    for _ in 0..10 {
        let mut acted = false;
        for p in people {
            let view = store.plan_view(Who::new(p, &actor, now_ms), id).await;
            if view.is_ok_and(|v| v.verbs.contains(&VerbKind::Pass)) {
                let pass = PlanAct(Verb::Pass { note: "同意".into() });
                store
                    .run::<Plan, _>(Who::new(p, &actor, now_ms), Target::any_version(id), &pass)
                    .await?;
                acted = true;
            }
        }
        if !acted {
            break;
        }
    }
    let view = store.plan_view(Who::new(compiler, &actor, now_ms), id).await?;
    if view.plan.status == PlanStatus::Approved {
        store
            .run::<Plan, _>(
                Who::new(compiler, &actor, now_ms),
                Target::any_version(id),
                &PublishPlan,
            )
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in profile `id`.
    fn builtin(id: &str) -> Profile {
        govit_core::policy::builtin().into_iter().find(|p| p.head.id == id).expect("profile")
    }

    #[test]
    fn xinzhou_transport_has_its_real_parties_in_one_tree() {
        let p = builtin("xinzhou-transport");
        let d = departments_of(&p);
        let names: Vec<&str> = d.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names[0], "市政府");
        for n in
            ["市交通运输数据中心", "市交通运输局党组", "市交通运输局财务科", "市政务信息管理局"]
        {
            assert!(names.contains(&n), "{n} not in {names:?}");
        }
        let center = d.iter().find(|(n, _)| n == "市交通运输数据中心").expect("center");
        assert_eq!(center.1, vec![PartyKind::DataCenter, PartyKind::OwnerUnit]);
        assert_eq!(
            names.len(),
            5,
            "no sample owner units when the profile names the owner: {names:?}"
        );
    }

    #[test]
    fn a_generic_owner_unit_gets_sample_units() {
        let p = builtin("gaoping");
        let names: Vec<String> = departments_of(&p).into_iter().map(|(n, _)| n).collect();
        assert!(names.contains(&"高平市教育局".to_string()), "{names:?}");
        assert!(!names.iter().any(|n| n == "实施单位"), "{names:?}");
    }
}
