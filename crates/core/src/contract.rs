//! Contracts after approval: the construction contract an owner unit signs with the firm that
//! builds (gaoping:15, xinzhou-transport:12, linxiang:19/25) and the supervision contract with
//! its supervisor (lhasa:13, linxiang:22, gaoping:15, xinzhou-transport:17). Pure: what a
//! contract's form says, which of its terms a profile requires, and the route its filing takes
//! (the chain of the profile's `contract_filing` or `supervisor_filing` stage). Signing one
//! records 签订合同 or 确定监理 on the project; the filing's last step records 合同备案 or 监理备案,
//! from which the facts the gates test follow.

use crate::error::FieldError;
use crate::money::Yuan;
use crate::org::FirmKind;
use crate::policy::{EventKind, Facts, Profile, Stage};
use crate::workflow::{Progress, Route, RunStatus};
use chrono::NaiveDate;

named_enum!(
    /// Which contract: the one that builds the project, or the one that supervises it.
    ContractKind {
        Construction => "construction", "建设合同",
        Supervision => "supervision", "监理合同",
    }
);

named_enum!(
    /// How the firm was chosen (政府采购法第二十六条 and the framework-agreement method).
    ProcurementMethod {
        OpenTender => "open_tender", "公开招标",
        InvitedTender => "invited_tender", "邀请招标",
        Negotiation => "negotiation", "竞争性谈判",
        Consultation => "consultation", "竞争性磋商",
        SingleSource => "single_source", "单一来源采购",
        Inquiry => "inquiry", "询价",
        Framework => "framework", "框架协议采购",
        Other => "other", "其他方式",
    }
);

named_enum!(
    /// What the builder hands over (gaoping:15, xinzhou-transport:12).
    Deliverable {
        DesignDocs => "design_docs", "设计文件",
        SourceCode => "source_code", "源代码",
        TestDocs => "test_docs", "测试文档",
    }
);

named_enum!(
    /// A term of a contract a profile may require (`[[clauses]]`).
    Clause {
        Ownership => "ownership", "明确系统所有权",
        DesignDocs => "design_docs", "约定提交设计文件",
        SourceCode => "source_code", "约定提交源代码",
        TestDocs => "test_docs", "约定提交测试文档",
        Termination => "termination", "明确项目终止机制",
    }
);

named_enum!(
    /// Where a contract stands, from its filing's run.
    ContractStatus {
        Recorded => "recorded", "已登记",
        ToFile => "to_file", "待报送备案",
        Returned => "returned", "已退回",
        Filing => "filing", "备案中",
        Filed => "filed", "已备案",
    }
);

impl ContractKind {
    /// The stage of the profile whose chain files a contract of this kind.
    pub fn filing_stage(self) -> Stage {
        match self {
            ContractKind::Construction => Stage::ContractFiling,
            ContractKind::Supervision => Stage::SupervisorFiling,
        }
    }

    /// The kind of firm a contract of this kind is signed with.
    pub fn firm_kind(self) -> FirmKind {
        match self {
            ContractKind::Construction => FirmKind::Contractor,
            ContractKind::Supervision => FirmKind::Supervisor,
        }
    }

    /// What signing it records on the project.
    pub fn signed_event(self) -> EventKind {
        match self {
            ContractKind::Construction => EventKind::ContractSigned,
            ContractKind::Supervision => EventKind::SupervisorAppointed,
        }
    }
}

impl Deliverable {
    pub fn clause(self) -> Clause {
        match self {
            Deliverable::DesignDocs => Clause::DesignDocs,
            Deliverable::SourceCode => Clause::SourceCode,
            Deliverable::TestDocs => Clause::TestDocs,
        }
    }
}

/// The route a contract's filing takes: the chain of the profile's filing stage for its kind;
/// empty where the profile files no such contract (the contract is then only recorded).
pub fn filing_route(profile: &Profile, kind: ContractKind) -> Route {
    let stage = kind.filing_stage();
    Route::from_rules(&profile.stages, &[stage], &Facts::new())
}

/// Where a contract stands: recorded when its profile files nothing, else by its run
/// (`returned`: its last act returned it).
pub fn status(route: &Route, progress: &Progress, returned: bool) -> ContractStatus {
    if route.steps.is_empty() {
        return ContractStatus::Recorded;
    }
    match progress.status {
        RunStatus::Completed => ContractStatus::Filed,
        _ if progress.current == 0 && returned => ContractStatus::Returned,
        _ if progress.current == 0 => ContractStatus::ToFile,
        _ => ContractStatus::Filing,
    }
}

/// A contract's form, as typed (the page's fields and the API's body alike).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ContractForm {
    pub kind: String,
    pub firm_id: String,
    pub title: String,
    pub method: String,
    /// 万元.
    pub amount: String,
    pub signed_on: String,
    pub starts_on: String,
    pub ends_on: String,
    /// 运维期（月）.
    pub om_months: String,
    /// Deliverables' codes, comma-separated (the page's checkboxes are joined).
    pub deliverables: String,
    pub ownership: String,
    pub termination: String,
}

/// A contract's terms, read from its form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ContractTerms {
    pub kind: ContractKind,
    pub firm_id: i64,
    pub title: String,
    pub method: ProcurementMethod,
    pub amount: Yuan,
    pub signed_on: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub om_months: u32,
    pub deliverables: Vec<Deliverable>,
    pub ownership: String,
    pub termination: String,
}

/// The longest free text of a term, in characters.
pub const TERM_MAX: usize = 1000;

/// A field's label, for messages and forms.
pub fn label(field: &str) -> &'static str {
    match field {
        "kind" => "合同类别",
        "firm_id" => "签约单位",
        "title" => "合同名称",
        "method" => "采购方式",
        "amount" => "合同金额（万元）",
        "signed_on" => "签订日期",
        "starts_on" => "合同工期开始日期",
        "ends_on" => "合同工期结束日期",
        "om_months" => "运维期（月）",
        "deliverables" => "交付成果",
        "ownership" => "系统所有权约定",
        "termination" => "项目终止机制",
        _ => "",
    }
}

fn date(errors: &mut Vec<FieldError>, field: &'static str, v: &str) -> Option<NaiveDate> {
    let v: String = v.trim().chars().map(crate::money::half_width).collect();
    let shaped = {
        let parts: Vec<&str> = v.split('-').collect();
        parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit()))
    };
    match NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) if v.is_empty() => {
            errors.push(FieldError::new(field, format!("请填写{}", label(field))));
            None
        }
        Err(_) if shaped => {
            errors.push(FieldError::new(field, format!("{}“{v}”不是有效的日期", label(field))));
            None
        }
        Err(_) => {
            errors.push(FieldError::new(
                field,
                format!("{}应为“年-月-日”，例如 2026-03-15", label(field)),
            ));
            None
        }
    }
}

impl ContractForm {
    /// Reads the form, naming every wrong field at once. `today` bounds the signing date: a
    /// contract is recorded once signed.
    pub fn parse(&self, today: NaiveDate) -> Result<ContractTerms, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = ContractKind::parse(self.kind.trim());
        if kind.is_none() {
            errors.push(FieldError::new("kind", "请选择合同类别：建设合同或监理合同"));
        }
        let firm_id = self.firm_id.trim().parse::<i64>().ok().filter(|i| *i > 0);
        if firm_id.is_none() {
            errors.push(FieldError::new("firm_id", "请选择签约单位"));
        }
        let title = self.title.trim();
        if title.is_empty() {
            errors.push(FieldError::new("title", "请填写合同名称"));
        } else if title.chars().count() > 200 {
            errors.push(FieldError::new("title", "合同名称不能超过 200 个字"));
        }
        let method = ProcurementMethod::parse(self.method.trim());
        if method.is_none() {
            errors.push(FieldError::new("method", "请选择采购方式"));
        }
        let amount = match Yuan::parse_wan(&self.amount) {
            Ok(a) if a.0 > 0 => Some(a),
            Ok(_) => {
                errors.push(FieldError::new("amount", "合同金额应大于零"));
                None
            }
            Err(e) => {
                let m = e.to_string();
                let m = match m.strip_prefix("金额") {
                    Some(rest) => format!("合同金额{rest}"),
                    None if m == "请填写金额" => "请填写合同金额".to_string(),
                    None => format!("合同金额：{m}"),
                };
                errors.push(FieldError::new("amount", m));
                None
            }
        };
        let signed_on = date(&mut errors, "signed_on", &self.signed_on);
        if let Some(d) = signed_on
            && d > today
        {
            errors.push(FieldError::new("signed_on", "签订日期不能晚于今天：合同签订后再登记"));
        }
        let starts_on = date(&mut errors, "starts_on", &self.starts_on);
        let ends_on = date(&mut errors, "ends_on", &self.ends_on);
        if let (Some(s), Some(e)) = (starts_on, ends_on)
            && e < s
        {
            errors.push(FieldError::new("ends_on", "合同工期结束日期不能早于开始日期"));
        }
        let om: String = self.om_months.trim().chars().map(crate::money::half_width).collect();
        let om_months = match om.as_str() {
            "" => Some(0),
            v => match v.parse::<u32>() {
                Ok(m) if m <= 600 => Some(m),
                _ => {
                    errors.push(FieldError::new(
                        "om_months",
                        "运维期应填写 0 至 600 之间的整月数，例如 3 年填 36",
                    ));
                    None
                }
            },
        };
        let mut deliverables = Vec::new();
        for code in self.deliverables.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            match Deliverable::parse(code) {
                Some(d) if !deliverables.contains(&d) => deliverables.push(d),
                Some(_) => {}
                None => {
                    errors.push(FieldError::new("deliverables", format!("未知的交付成果“{code}”")));
                    break;
                }
            }
        }
        deliverables.sort_by_key(|d| Deliverable::ALL.iter().position(|x| x == d));
        let mut text = |field: &'static str, v: &str| {
            let v = v.trim();
            if v.chars().count() > TERM_MAX {
                errors.push(FieldError::new(
                    field,
                    format!("{}不能超过 {TERM_MAX} 个字", label(field)),
                ));
            }
            v.to_string()
        };
        let ownership = text("ownership", &self.ownership);
        let termination = text("termination", &self.termination);
        if !errors.is_empty() {
            return Err(errors);
        }
        match (kind, firm_id, method, amount, signed_on, starts_on, ends_on, om_months) {
            (
                Some(kind),
                Some(firm_id),
                Some(method),
                Some(amount),
                Some(signed_on),
                Some(starts_on),
                Some(ends_on),
                Some(om_months),
            ) => Ok(ContractTerms {
                kind,
                firm_id,
                title: title.to_string(),
                method,
                amount,
                signed_on,
                starts_on,
                ends_on,
                om_months,
                deliverables,
                ownership,
                termination,
            }),
            _ => Err(vec![FieldError::new("kind", "合同内容不完整")]),
        }
    }
}

impl ContractTerms {
    /// Whether the terms contain `clause`.
    pub fn has(&self, clause: Clause) -> bool {
        match clause {
            Clause::Ownership => !self.ownership.is_empty(),
            Clause::Termination => !self.termination.is_empty(),
            c => self.deliverables.iter().any(|d| d.clause() == c),
        }
    }

    /// The whole years of O&M the contract fixes (linxiang:19 asks for at least 3).
    pub fn om_years(&self) -> i64 {
        i64::from(self.om_months / 12)
    }

    /// What a correction changed, each as a reader says it (合同金额 180 → 176.5 万元), for the
    /// project's timeline; long texts are named, not quoted.
    pub fn changes(&self, new: &ContractTerms) -> Vec<String> {
        let mut out = Vec::new();
        let mut from_to = |what: &str, a: String, b: String| {
            if a != b {
                out.push(format!("{what} {a} → {b}"));
            }
        };
        from_to("合同名称", format!("《{}》", self.title), format!("《{}》", new.title));
        from_to("采购方式", self.method.label().into(), new.method.label().into());
        from_to("合同金额（万元）", self.amount.to_wan_string(), new.amount.to_wan_string());
        from_to("签订日期", self.signed_on.to_string(), new.signed_on.to_string());
        from_to(
            "合同工期",
            format!("{} 至 {}", self.starts_on, self.ends_on),
            format!("{} 至 {}", new.starts_on, new.ends_on),
        );
        from_to("运维期（月）", self.om_months.to_string(), new.om_months.to_string());
        let said = |d: &[Deliverable]| {
            let v: Vec<&str> = d.iter().map(|x| x.label()).collect();
            if v.is_empty() { "无".to_string() } else { v.join("、") }
        };
        from_to("交付成果", said(&self.deliverables), said(&new.deliverables));
        for (what, a, b) in [
            ("签约单位", self.firm_id.to_string(), new.firm_id.to_string()),
            ("系统所有权约定", self.ownership.clone(), new.ownership.clone()),
            ("项目终止机制", self.termination.clone(), new.termination.clone()),
        ] {
            if a != b {
                out.push(format!("{what}已修改"));
            }
        }
        out
    }

    /// The contract period in days, both ends counted.
    pub fn days(&self) -> i64 {
        (self.ends_on - self.starts_on).num_days() + 1
    }
}

/// The profile's clauses a contract of `kind` lacks, each as (field, message with its
/// article): refused at signing, every one at once.
pub fn missing_clauses(profile: &Profile, terms: &ContractTerms) -> Vec<FieldError> {
    profile
        .clauses
        .iter()
        .filter(|c| c.contract == terms.kind && !terms.has(c.clause))
        .map(|c| {
            let field = match c.clause {
                Clause::Ownership => "ownership",
                Clause::Termination => "termination",
                _ => "deliverables",
            };
            FieldError::new(field, format!("合同应{}（{}）", c.clause.label(), c.cite))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ContractForm {
        ContractForm {
            kind: "construction".into(),
            firm_id: "3".into(),
            title: "平台建设合同".into(),
            method: "open_tender".into(),
            amount: "180".into(),
            signed_on: "2026-03-02".into(),
            starts_on: "2026-03-10".into(),
            ends_on: "2026-12-31".into(),
            om_months: "36".into(),
            deliverables: "source_code,design_docs".into(),
            ownership: "系统所有权归业主单位".into(),
            termination: String::new(),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).expect("date")
    }

    #[test]
    fn a_contract_reads_its_terms_and_names_every_wrong_field() {
        let t = form().parse(today()).expect("valid");
        assert_eq!(t.amount, Yuan(1_800_000));
        assert_eq!(t.deliverables, vec![Deliverable::DesignDocs, Deliverable::SourceCode]);
        assert_eq!(t.om_years(), 3);
        assert!(t.has(Clause::Ownership) && t.has(Clause::SourceCode));
        assert!(!t.has(Clause::TestDocs) && !t.has(Clause::Termination));
        let mut f = form();
        f.om_months = "35".into();
        assert_eq!(f.parse(today()).expect("valid").om_years(), 2);
        let bad = ContractForm {
            kind: "lease".into(),
            amount: "0".into(),
            signed_on: "2026-06-02".into(),
            starts_on: "2026-05-01".into(),
            ends_on: "2026-04-30".into(),
            om_months: "三年".into(),
            deliverables: "manuals".into(),
            ..ContractForm::default()
        };
        let errs = bad.parse(today()).expect_err("invalid");
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        for f in [
            "kind",
            "firm_id",
            "title",
            "method",
            "amount",
            "signed_on",
            "ends_on",
            "om_months",
            "deliverables",
        ] {
            assert!(fields.contains(&f), "{f} in {errs:?}");
        }
        assert!(errs.iter().any(|e| e.message.contains("不能晚于今天")), "{errs:?}");
        // Full-width digits read as digits; an impossible day is named as such; the amount's
        // messages name it once.
        let mut f = form();
        f.amount = "１８０".into();
        f.om_months = "３６".into();
        f.signed_on = "２０２６-０３-０２".into();
        let t = f.parse(today()).expect("full-width");
        assert_eq!((t.amount, t.om_months), (Yuan(1_800_000), 36));
        let mut f = form();
        f.signed_on = "2026-02-30".into();
        f.amount = "-5".into();
        let errs = f.parse(today()).expect_err("invalid");
        assert!(errs.iter().any(|e| e.message.contains("不是有效的日期")), "{errs:?}");
        assert!(errs.iter().any(|e| e.message == "合同金额不能为负数"), "{errs:?}");
    }

    fn profile(id: &str) -> Profile {
        crate::policy::builtin().into_iter().find(|p| p.head.id == id).expect("profile")
    }

    #[test]
    fn each_profile_requires_its_own_terms_and_files_along_its_own_chain() {
        let t = form().parse(today()).expect("valid");
        // gaoping:15: ownership and the three deliverables; the test documents are missing.
        let missing = missing_clauses(&profile("gaoping"), &t);
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert!(
            missing[0].message.contains("测试文档") && missing[0].message.contains("gaoping:15")
        );
        // linxiang:25: the termination mechanism, and nothing of deliverables.
        let missing = missing_clauses(&profile("linxiang"), &t);
        assert_eq!(missing.iter().map(|e| e.field).collect::<Vec<_>>(), ["termination"]);
        // A supervision contract is held to none of them.
        let sup = ContractTerms { kind: ContractKind::Supervision, ..t.clone() };
        assert!(missing_clauses(&profile("gaoping"), &sup).is_empty());
        // yeji and lhasa file no contract: recorded only.
        for id in ["yeji", "lhasa"] {
            let r = filing_route(&profile(id), ContractKind::Construction);
            assert!(r.steps.is_empty(), "{id}");
            assert_eq!(status(&r, &Progress::start(&r, 0), false), ContractStatus::Recorded);
        }
        // xinzhou-transport:17: the party group consents between the owner and the authority,
        // and the last step records 监理备案.
        let r = filing_route(&profile("xinzhou-transport"), ContractKind::Supervision);
        let parties: Vec<&str> = r.steps.iter().map(|s| s.parties[0].as_str()).collect();
        assert_eq!(parties, ["owner_unit", "party_group", "authority"]);
        assert_eq!(r.steps[2].on_pass, vec![EventKind::SupervisorFiled]);
        let r = filing_route(&profile("gaoping"), ContractKind::Construction);
        assert_eq!(r.steps.last().map(|s| s.on_pass.clone()), Some(vec![EventKind::ContractFiled]));
        assert!(r.steps[0].on_pass.is_empty());
        assert_eq!(status(&r, &Progress::start(&r, 0), false), ContractStatus::ToFile);
    }

    #[test]
    fn a_correction_says_what_it_changed() {
        let before = form().parse(today()).expect("valid");
        let mut f = form();
        f.amount = "176.5".into();
        f.om_months = "48".into();
        f.ownership = "归区政府".into();
        let after = f.parse(today()).expect("valid");
        assert_eq!(
            before.changes(&after),
            ["合同金额（万元） 180 → 176.5", "运维期（月） 36 → 48", "系统所有权约定已修改"]
        );
        assert!(before.changes(&before).is_empty());
    }

    #[test]
    fn each_kind_files_along_its_own_stage_and_records_its_own_event() {
        assert_eq!(ContractKind::Construction.filing_stage(), Stage::ContractFiling);
        assert_eq!(ContractKind::Supervision.signed_event(), EventKind::SupervisorAppointed);
        assert_eq!(ContractKind::Supervision.firm_kind(), FirmKind::Supervisor);
    }
}
