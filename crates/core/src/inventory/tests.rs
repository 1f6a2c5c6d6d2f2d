use super::*;
use chrono::NaiveDate;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
}

pub(crate) fn form() -> SystemForm {
    SystemForm {
        name: "叶集区城市管理综合指挥系统".into(),
        function_summary: "城市部件事件的发现、派遣、处置和考核".into(),
        users_scope: "区城管局及各街道网格员".into(),
        use_frequency: "daily".into(),
        approval_document: "叶发改〔2019〕88号".into(),
        approval_date: "2019-06-01".into(),
        funding_source: "区级财政".into(),
        year_built: "2020".into(),
        deployment: "政务云".into(),
        network: "extranet".into(),
        gov_service_connected: "是".into(),
        data_sharing_connected: "1".into(),
        mlps_level: "三级".into(),
        ..Default::default()
    }
}

#[test]
fn parses_codes_and_chinese_labels() {
    let s = form().parse(today()).expect("valid");
    assert_eq!(s.deployment, Deployment::GovCloud);
    assert_eq!(s.mlps_level, Some(3));
    assert!(s.gov_service_connected);
    assert_eq!((s.status, s.disposition), (SystemStatus::Running, Disposition::Keep));
    assert_eq!(s.to_form().parse(today()), Ok(s));
}

#[test]
fn names_every_bad_field() {
    let mut f = form();
    f.name = String::new();
    f.deployment = "月球".into();
    f.mlps_level = "6".into();
    assert_eq!(
        SystemForm { mlps_level: "未定级".into(), ..form() }.parse(today()).map(|s| s.mlps_level),
        Ok(None),
        "the export's 未定级 reads back"
    );
    f.year_built = "2099".into();
    f.gov_service_connected = "也许".into();
    f.disposition = "close".into();
    f.approval_date = "2030-01-01".into();
    let fields: Vec<&str> =
        f.parse(today()).expect_err("invalid").iter().map(|e| e.field).collect();
    for want in [
        "name",
        "deployment",
        "mlps_level",
        "year_built",
        "gov_service_connected",
        "disposition_reason",
        "approval_date",
    ] {
        assert!(fields.contains(&want), "{want} not in {fields:?}");
    }
}

fn cells(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

#[test]
fn sheet_finds_header_below_a_title_and_maps_aliases() {
    let sheet = SystemSheet::read(&cells(&[
        &["叶集区政务信息系统目录"],
        &[],
        &[
            "序号",
            "所属部门",
            "*系统名称",
            "备注说明",
            "主要功能（必填）",
            "使用频度",
            "部署方式",
            "网络环境",
            "是否接入政务服务平台",
        ],
        &[
            "1",
            "区城管局",
            "城管指挥系统",
            "",
            "派遣处置",
            "每日使用",
            "政务云",
            "电子政务外网",
            "是",
        ],
        &["", "", "", "", "", "", "", "", ""],
        &["2", "", "", "x", "无名", "daily", "月球", "extranet", "否"],
    ]))
    .expect("sheet");
    assert_eq!(sheet.ignored_headers, ["备注说明"]);
    assert_eq!(sheet.rows.len(), 2, "the empty row is skipped");
    assert_eq!(sheet.rows[0].row, 4);
    assert_eq!(sheet.rows[0].department, "区城管局");
    assert!(sheet.rows[0].form.parse(today()).is_ok());
    assert_eq!(sheet.rows[1].row, 6);
    assert_eq!(sheet.column_of("deployment"), "G（部署方式）");
    assert_eq!(sheet.column_of("name"), "C（*系统名称）");
    let bad: Vec<&str> =
        sheet.rows[1].form.parse(today()).expect_err("invalid").iter().map(|e| e.field).collect();
    assert_eq!(bad, ["name", "deployment"]);
}

#[test]
fn sheet_without_required_columns_is_refused_whole() {
    let e = SystemSheet::read(&cells(&[&["系统名称", "网络"]])).expect_err("missing");
    assert!(e.contains("主要功能") && e.contains("部署方式"), "{e}");
    assert!(SystemSheet::read(&cells(&[&["名称"]])).is_err());
}

#[test]
fn exported_cells_read_back_to_the_same_system() {
    let s = form().parse(today()).expect("valid");
    let mut header: Vec<String> = SHEET_COLUMNS.iter().map(|(_, h)| h.to_string()).collect();
    header.pop();
    let mut row = vec!["区城管局".to_string()];
    row.extend(s.sheet_cells());
    let sheet = SystemSheet::read(&[header, row]).expect("sheet");
    assert_eq!(sheet.rows[0].form.parse(today()), Ok(s));
    assert_eq!(column_letter(0), "A");
    assert_eq!(column_letter(25), "Z");
    assert_eq!(column_letter(26), "AA");
    assert_eq!(column_letter(27 * 26), "AAA");
}

#[test]
fn zombie_signals_with_reasons() {
    let mut s = form().parse(today()).expect("valid");
    assert!(s.zombie_signals(today(), None).is_empty());
    s.last_used_on = NaiveDate::from_ymd_opt(2025, 11, 22);
    assert_eq!(s.zombie_signals(today(), None).len(), 1, "12 months and a day");
    s.last_used_on = NaiveDate::from_ymd_opt(2025, 11, 23);
    assert!(s.zombie_signals(today(), None).is_empty(), "exactly 12 months is not yet");
    s.om_stopped = true;
    s.idle_resources = true;
    let codes: Vec<&str> =
        s.zombie_signals(today(), Some("市级城管平台")).iter().map(|(c, _)| *c).collect();
    assert_eq!(codes, ["replaceable", "idle", "om_stopped"]);
    s.disposition = Disposition::Close;
    assert!(s.zombie_signals(today(), Some("x")).is_empty(), "already being closed");
}
