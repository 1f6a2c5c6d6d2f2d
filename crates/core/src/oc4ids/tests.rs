use super::*;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a day")
}

fn approved() -> ProjectIn {
    ProjectIn {
        jurisdiction: "yeji".into(),
        id: 7,
        name: "政务云扩容".into(),
        summary: "扩容政务云".into(),
        status: ProjectStatus::Approved,
        period: ConstructionPeriod {
            start: YearMonth { year: 2026, month: 2 },
            end: YearMonth { year: 2027, month: 12 },
        },
        investment: Yuan(3_000_000),
        sources: FundSources {
            fiscal: Yuan(2_000_000),
            bank_loan: Yuan(0),
            self_raised: Yuan(1_000_000),
            other: Yuan(0),
        },
        owner_id: 3,
        owner_name: "区数据资源局".into(),
        updated_at_ms: 1_767_225_600_000, // 2026-01-01T00:00:00Z
        events: vec![(EventKind::Approved, day("2026-01-20"))],
        contracts: vec![],
    }
}

fn contract(id: i64, kind: ContractKind, method: ProcurementMethod, firm: i64) -> ContractIn {
    ContractIn {
        id,
        kind,
        title: format!("合同{id}"),
        method,
        amount: Yuan(1_200_000),
        starts_on: day("2026-03-01"),
        ends_on: day("2026-12-31"),
        firm_id: firm,
        firm_name: format!("公司{firm}"),
    }
}

#[test]
fn the_phase_follows_what_happened_to_the_project() {
    let ev = |k: EventKind| vec![(EventKind::Approved, day("2026-01-20")), (k, day("2026-05-01"))];
    assert_eq!(phase(ProjectStatus::Draft, &[]), "identification");
    assert_eq!(phase(ProjectStatus::Submitted, &[]), "identification");
    assert_eq!(phase(ProjectStatus::Rejected, &[]), "cancelled");
    assert_eq!(phase(ProjectStatus::Approved, &ev(EventKind::Approved)), "preparation");
    assert_eq!(phase(ProjectStatus::Approved, &ev(EventKind::ContractSigned)), "implementation");
    assert_eq!(phase(ProjectStatus::Approved, &ev(EventKind::WorkStarted)), "implementation");
    assert_eq!(
        phase(ProjectStatus::Approved, &ev(EventKind::CompletionAcceptancePassed)),
        "completed"
    );
    assert_eq!(phase(ProjectStatus::Approved, &ev(EventKind::ProjectTerminated)), "cancelled");
}

#[test]
fn a_project_carries_its_period_budget_sources_and_owner() {
    let p = project(&approved());
    assert_eq!(p.id, "govit-yeji-project-7");
    assert_eq!(p.status, "preparation");
    assert_eq!(p.updated, "2026-01-01T08:00:00+08:00");
    assert_eq!(p.period.start_date.as_deref(), Some("2026-02-01T00:00:00+08:00"));
    assert_eq!(p.period.end_date.as_deref(), Some("2027-12-31T23:59:59+08:00"));
    assert_eq!(p.period.duration_in_days, Some(699));
    assert_eq!(p.budget.amount, Value { amount: 3_000_000, currency: "CNY" });
    assert_eq!(p.budget.approval_date.as_deref(), Some("2026-01-20T00:00:00+08:00"));
    let ids: Vec<&str> = p.budget.budget_breakdown.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, ["fiscal", "self_raised"], "only the sources the project has");
    assert_eq!(p.parties.len(), 1);
    assert_eq!(p.parties[0].roles, ["publicAuthority", "procuringEntity"]);
    assert!(p.contracting_processes.is_empty() && p.completion.is_none());
    let json = serde_json::to_value(&p).expect("json");
    assert!(json.get("contractingProcesses").is_none(), "no empty list is written");
}

#[test]
fn february_ends_on_its_last_day_in_a_leap_year() {
    let mut p = approved();
    p.period.end = YearMonth { year: 2028, month: 2 };
    assert_eq!(project(&p).period.end_date.as_deref(), Some("2028-02-29T23:59:59+08:00"));
}

#[test]
fn contracts_become_contracting_processes_with_their_suppliers_as_parties() {
    let mut p = approved();
    p.events.push((EventKind::ContractSigned, day("2026-02-20")));
    p.contracts = vec![
        contract(11, ContractKind::Construction, ProcurementMethod::OpenTender, 5),
        contract(12, ContractKind::Supervision, ProcurementMethod::Framework, 6),
        contract(13, ContractKind::Construction, ProcurementMethod::Consultation, 5),
    ];
    let out = project(&p);
    assert_eq!(out.status, "implementation");
    let firms: Vec<&str> =
        out.parties.iter().filter(|x| x.roles == ["supplier"]).map(|x| x.id.as_str()).collect();
    assert_eq!(firms, ["govit-yeji-firm-5", "govit-yeji-firm-6"], "each firm once");
    let cp = &out.contracting_processes;
    assert_eq!(cp.len(), 3);
    assert_eq!(cp[0].id, "govit-yeji-contract-11");
    assert_eq!(cp[0].summary.nature, ["construction"]);
    assert_eq!(cp[0].summary.status, "active");
    assert_eq!(cp[0].summary.tender.procurement_method, Some("open"));
    assert_eq!(cp[0].summary.tender.procurement_method_details, "公开招标");
    assert_eq!(cp[0].summary.tender.procuring_entity.id, "govit-yeji-unit-3");
    assert_eq!(cp[0].summary.suppliers[0].id, "govit-yeji-firm-5");
    assert_eq!(cp[0].summary.contract_value.amount, 1_200_000);
    assert_eq!(cp[0].summary.contract_period.duration_in_days, Some(306));
    assert_eq!(cp[1].summary.nature, ["supervision"]);
    assert_eq!(cp[1].summary.tender.procurement_method, None, "框架协议采购 has no code");
    assert_eq!(cp[1].summary.tender.procurement_method_details, "框架协议采购");
    assert_eq!(cp[2].summary.tender.procurement_method, Some("limited"));
}

#[test]
fn a_completed_project_closes_its_contracts_and_says_when_it_ended() {
    let mut p = approved();
    p.contracts = vec![contract(11, ContractKind::Construction, ProcurementMethod::Inquiry, 5)];
    p.events.push((EventKind::CompletionAcceptancePassed, day("2027-11-30")));
    let out = project(&p);
    assert_eq!(out.status, "completed");
    assert_eq!(out.contracting_processes[0].summary.status, "closed");
    assert_eq!(out.completion.expect("completion").end_date, "2027-11-30T00:00:00+08:00");
}

#[test]
fn a_package_is_its_head_the_projects_and_its_tail() {
    let one = project(&approved());
    let mut two = approved();
    two.id = 8;
    let two = project(&two);
    let text = package("urn:govit:yeji:projects", "叶集区", 1_767_225_600_000, &[one, two]);
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(v["version"], "0.9");
    assert_eq!(v["uri"], "urn:govit:yeji:projects");
    assert_eq!(v["publisher"]["name"], "叶集区");
    assert_eq!(v["publishedDate"], "2026-01-01T08:00:00+08:00");
    let ids: Vec<&str> =
        v["projects"].as_array().expect("list").iter().filter_map(|p| p["id"].as_str()).collect();
    assert_eq!(ids, ["govit-yeji-project-7", "govit-yeji-project-8"]);
    assert!(package_head("u", "p", 0).ends_with("\"projects\":["));
}
