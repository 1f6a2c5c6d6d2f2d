//! The cloud-service catalog (政务云系统服务目录, gaoping:12), the common infrastructure and
//! support capabilities built once for everyone (共性基础设施, lhasa:8), and the negative list
//! of systems exempt from the cloud or the service platform (负面清单, gaoping:11).

use crate::error::FieldError;
use crate::error::{flag, refused};
use serde::{Deserialize, Serialize};

named_enum!(
    /// Where a catalog version stands (gaoping:12: the data center drafts, the authority
    /// approves and publishes).
    CatalogStatus {
        Draft => "draft", "草稿",
        Submitted => "submitted", "待审批",
        Published => "published", "已发布",
        Superseded => "superseded", "已被新版本替代",
        Returned => "returned", "已退回",
    }
);

impl CatalogStatus {
    /// The data center may still change the items.
    pub fn is_editable(self) -> bool {
        matches!(self, CatalogStatus::Draft | CatalogStatus::Returned)
    }
    /// Not yet published or superseded: at most one per jurisdiction.
    pub fn is_open(self) -> bool {
        matches!(self, CatalogStatus::Draft | CatalogStatus::Submitted | CatalogStatus::Returned)
    }
}

named_enum!(
    /// The kinds of service, the common infrastructure of lhasa:8 first.
    ServiceCategory {
        GovCloud => "gov_cloud", "政务云",
        Extranet => "extranet", "电子政务外网",
        Video => "video", "视频",
        Iot => "iot", "物联网",
        Blockchain => "blockchain", "区块链",
        AiModel => "ai_model", "AI大模型服务",
        Identity => "identity", "统一身份认证",
        BaseDatabase => "base_database", "基础数据库",
        Other => "other", "其他",
    }
);

named_enum!(
    /// Where a negative-list request stands (gaoping:11).
    NegativeStatus {
        Pending => "pending", "待审批",
        Approved => "approved", "已批准",
        Rejected => "rejected", "未批准",
        Revoked => "revoked", "已撤销",
    }
);

impl NegativeStatus {
    /// A request still pending or in force: one per system.
    pub fn is_open(self) -> bool {
        matches!(self, NegativeStatus::Pending | NegativeStatus::Approved)
    }
}

pub fn service_field_label(field: &str) -> &'static str {
    match field {
        "code" => "服务编码",
        "name" => "服务名称",
        "category" => "服务类别",
        "description" => "服务说明",
        "provider" => "提供方",
        "unit" => "计量单位/规格",
        "is_common" => "是否共性能力",
        "keywords" => "查重关键词",
        "system_id" => "信息系统",
        "exemptions" => "豁免事项",
        "reasons" => "理由",
        "basis" => "依据",
        "approval_document" => "批准文号",
        "decision" => "审批结论",
        "reason" => "意见或理由",
        "service_id" => "政务云服务",
        "note" => "说明",
        _ => "",
    }
}

/// A catalog item as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CloudServiceForm {
    pub code: String,
    pub name: String,
    pub category: String,
    pub description: String,
    pub provider: String,
    pub unit: String,
    pub is_common: String,
    pub keywords: String,
}

/// A catalog item whose every field is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudService {
    pub code: String,
    pub name: String,
    pub category: ServiceCategory,
    pub description: String,
    pub provider: String,
    pub unit: String,
    /// Common infrastructure or support capability that departments must not build
    /// themselves (lhasa:8).
    pub is_common: bool,
    /// Words whose appearance in a proposal suggests it builds its own copy.
    pub keywords: Vec<String>,
}

impl CloudService {
    pub fn to_form(&self) -> CloudServiceForm {
        CloudServiceForm {
            code: self.code.clone(),
            name: self.name.clone(),
            category: self.category.as_str().into(),
            description: self.description.clone(),
            provider: self.provider.clone(),
            unit: self.unit.clone(),
            is_common: if self.is_common { "1" } else { "0" }.into(),
            keywords: self.keywords.join(","),
        }
    }
}

fn text(
    errors: &mut Vec<FieldError>, field: &'static str, v: &str, max: usize, required: Option<&str>,
) -> String {
    let v = v.trim();
    if v.is_empty() {
        if let Some(message) = required {
            errors.push(FieldError::new(field, message));
        }
    } else if v.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("{}不能超过 {max} 个字", service_field_label(field)),
        ));
    }
    v.to_string()
}

/// Splits keywords typed with commas (either width), 、, semicolons or spaces.
pub fn split_keywords(v: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in v.split([',', '，', '、', ';', '；', ' ', '\n', '\t']) {
        let k = k.trim();
        if !k.is_empty() && !out.iter().any(|x| x == k) {
            out.push(k.to_string());
        }
    }
    out
}

impl CloudServiceForm {
    /// Parses every field, reporting all mistakes at once.
    pub fn parse(&self) -> Result<CloudService, Vec<FieldError>> {
        let mut e = Vec::new();
        let code = text(&mut e, "code", &self.code, 50, Some("请填写服务编码"));
        let name = text(&mut e, "name", &self.name, 100, Some("请填写服务名称"));
        let description = text(&mut e, "description", &self.description, 1000, None);
        let provider = text(&mut e, "provider", &self.provider, 100, None);
        let unit = text(&mut e, "unit", &self.unit, 100, None);
        let c = self.category.trim();
        let category = if c.is_empty() {
            e.push(FieldError::new("category", "请选择服务类别"));
            None
        } else {
            let found = ServiceCategory::parse(c)
                .or_else(|| ServiceCategory::ALL.iter().copied().find(|x| x.label() == c));
            if found.is_none() {
                let options =
                    ServiceCategory::ALL.iter().map(|x| x.label()).collect::<Vec<_>>().join("、");
                e.push(FieldError::new("category", format!("服务类别应为以下之一：{options}")));
            }
            found
        };
        let is_common = flag(&mut e, "is_common", service_field_label, &self.is_common);
        let keywords = split_keywords(&self.keywords);
        if keywords.len() > 30 {
            e.push(FieldError::new("keywords", "查重关键词不能超过 30 个"));
        } else if let Some(k) = keywords.iter().find(|k| k.chars().count() > 20) {
            e.push(FieldError::new("keywords", format!("查重关键词“{k}”过长，每个不超过 20 个字")));
        } else if is_common && keywords.is_empty() {
            e.push(FieldError::new("keywords", "共性能力须填写查重关键词，用于发现重复建设"));
        }
        match (e.is_empty(), category) {
            (true, Some(category)) => Ok(CloudService {
                code,
                name,
                category,
                description,
                provider,
                unit,
                is_common,
                keywords,
            }),
            _ => Err(e),
        }
    }
}

/// A common capability as the overlap check needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommonCapability {
    pub name: String,
    pub keywords: Vec<String>,
}

/// A proposal that looks like it builds its own copy of a common capability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overlap {
    /// The catalog service it duplicates.
    pub service: String,
    /// The word of the proposal that matched.
    pub keyword: String,
}

/// Words just before a keyword that say the project uses the capability rather than builds
/// it: 「依托政务云部署」 is what lhasa:8 asks for, not a duplicate.
const USE_WORDS: &[&str] = &[
    "依托",
    "利用",
    "使用",
    "接入",
    "调用",
    "基于",
    "对接",
    "复用",
    "共享",
    "部署在",
    "部署于",
    "迁移至",
    "迁移到",
    "迁入",
    "租用",
    "申请",
];

const CLAUSE_BREAKS: &[char] = &['，', '。', '；', '、', ',', '.', ';', ' ', '\n', '：', ':'];

/// Flags common capabilities (lhasa:8) that a project's name and summary seem to build
/// anew: a keyword occurs in the text and at least one occurrence is not introduced by a
/// word of use (依托, 利用, 接入 …) in the same clause. One overlap per capability, its first matching keyword.
pub fn common_capability_overlaps(project_text: &str, caps: &[CommonCapability]) -> Vec<Overlap> {
    let text = project_text.to_lowercase();
    let mut out = Vec::new();
    for cap in caps {
        let hit = cap.keywords.iter().find(|k| {
            let k = k.trim().to_lowercase();
            !k.is_empty()
                && text.match_indices(k.as_str()).any(|(at, m)| {
                    let before = &text[..at];
                    // "ai" must not match inside "email": ASCII words need their own boundaries.
                    let ascii_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
                    if k.is_ascii()
                        && (ascii_word(before.chars().next_back())
                            || ascii_word(text[at + m.len()..].chars().next()))
                    {
                        return false;
                    }
                    // The words just before, back to the clause's start: 「接入统一身份认证」.
                    let tail: String = before
                        .chars()
                        .rev()
                        .take_while(|c| !CLAUSE_BREAKS.contains(c))
                        .take(6)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    !USE_WORDS.iter().any(|w| tail.contains(w))
                })
        });
        if let Some(k) = hit {
            out.push(Overlap { service: cap.name.clone(), keyword: k.trim().to_string() });
        }
    }
    out
}

/// What reviewers are told: 「疑似重复建设共性能力：视频共享平台（关键词“视频监控”）」, with the
/// article of the project's profile (lhasa:8) when it has one,
/// or nothing when there is no overlap.
pub fn overlap_notice(overlaps: &[Overlap], cite: Option<&str>) -> Option<String> {
    if overlaps.is_empty() {
        return None;
    }
    let list = overlaps
        .iter()
        .map(|o| format!("{}（关键词“{}”）", o.service, o.keyword))
        .collect::<Vec<_>>()
        .join("；");
    let basis = cite.map(|c| format!("（依据 {c}）")).unwrap_or_default();
    Some(format!("疑似重复建设共性能力：{list}{basis}"))
}

/// A negative-list request as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NegativeListForm {
    pub exempt_cloud: String,
    pub exempt_platform: String,
    pub reasons: String,
    pub basis: String,
}

/// A valid request: what the system is exempt from, why and on what basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegativeListing {
    pub exempt_cloud: bool,
    pub exempt_platform: bool,
    pub reasons: String,
    pub basis: String,
}

impl NegativeListForm {
    pub fn parse(&self) -> Result<NegativeListing, Vec<FieldError>> {
        let mut e = Vec::new();
        let exempt_cloud = flag(&mut e, "exemptions", service_field_label, &self.exempt_cloud);
        let exempt_platform =
            flag(&mut e, "exemptions", service_field_label, &self.exempt_platform);
        if e.is_empty() && !exempt_cloud && !exempt_platform {
            e.push(FieldError::new(
                "exemptions",
                "请至少选择一项豁免：不迁移上云，或不接入政务服务平台",
            ));
        }
        let reasons = text(
            &mut e,
            "reasons",
            &self.reasons,
            1000,
            Some("负面清单须写明理由和依据：请填写理由"),
        );
        let basis =
            text(&mut e, "basis", &self.basis, 500, Some("负面清单须写明理由和依据：请填写依据"));
        if e.is_empty() {
            Ok(NegativeListing { exempt_cloud, exempt_platform, reasons, basis })
        } else {
            Err(e)
        }
    }
}

/// The authority's decision on a submitted catalog version (gaoping:12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogDecision {
    Publish { note: String },
    Return { reason: String },
}

impl CatalogDecision {
    /// `decision` is `approve`/`publish` or `return`; returning needs a reason.
    pub fn parse(decision: &str, reason: &str) -> Result<CatalogDecision, Vec<FieldError>> {
        let reason = reason.trim().to_string();
        let mut e = Vec::new();
        if reason.chars().count() > 1000 {
            e.push(FieldError::new("reason", "意见或理由不能超过 1000 个字"));
        }
        let d = match decision.trim() {
            "approve" | "publish" => Some(CatalogDecision::Publish { note: reason.clone() }),
            "return" if reason.is_empty() => {
                refused(&mut e, "reason", "退回目录须写明理由，说明大数据中心需要修改的内容")
            }
            "return" => Some(CatalogDecision::Return { reason: reason.clone() }),
            _ => refused(&mut e, "decision", "请选择审批结论：批准发布或退回修改"),
        };
        decided(d, e)
    }
}

/// The decision `d` read from a form, unless a field of the form was refused.
fn decided<T>(d: Option<T>, errors: Vec<FieldError>) -> Result<T, Vec<FieldError>> {
    match d {
        Some(d) if errors.is_empty() => Ok(d),
        _ => Err(errors),
    }
}

/// The authority's decision on a negative-list request (gaoping:11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NegativeDecision {
    Approve {
        document: String,
        note: String,
    },
    Reject {
        reason: String,
    },
    /// Ends an approved exemption.
    Revoke {
        reason: String,
    },
}

impl NegativeDecision {
    pub fn parse(
        decision: &str, approval_document: &str, reason: &str,
    ) -> Result<NegativeDecision, Vec<FieldError>> {
        let document = approval_document.trim().to_string();
        let reason = reason.trim().to_string();
        let mut e = Vec::new();
        if document.chars().count() > 100 {
            e.push(FieldError::new("approval_document", "批准文号不能超过 100 个字"));
        }
        if reason.chars().count() > 1000 {
            e.push(FieldError::new("reason", "意见或理由不能超过 1000 个字"));
        }
        let d = match decision.trim() {
            "approve" if document.is_empty() => {
                refused(&mut e, "approval_document", "批准列入负面清单须填写批准文号")
            }
            "approve" => Some(NegativeDecision::Approve { document, note: reason }),
            "reject" | "revoke" if reason.is_empty() => {
                refused(&mut e, "reason", "不予批准或撤销须写明理由")
            }
            "reject" => Some(NegativeDecision::Reject { reason }),
            "revoke" => Some(NegativeDecision::Revoke { reason }),
            _ => refused(&mut e, "decision", "请选择审批结论：批准或不予批准"),
        };
        decided(d, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps() -> Vec<CommonCapability> {
        vec![
            CommonCapability {
                name: "视频共享平台".into(),
                keywords: vec!["视频监控".into(), "视频汇聚".into(), "视频共享".into()],
            },
            CommonCapability {
                name: "政务云计算存储".into(),
                keywords: vec!["机房".into(), "服务器".into(), "存储设备".into()],
            },
            CommonCapability {
                name: "AI大模型服务".into(),
                keywords: vec!["大模型".into(), "AI".into()],
            },
        ]
    }

    #[test]
    fn a_proposal_building_its_own_video_platform_is_flagged() {
        let got = common_capability_overlaps(
            "区校园安全视频监控系统 建设覆盖全区学校的视频监控前端和视频汇聚平台",
            &caps(),
        );
        assert_eq!(
            got,
            vec![Overlap { service: "视频共享平台".into(), keyword: "视频监控".into() }]
        );
    }

    #[test]
    fn the_notice_cites_the_profiles_own_article() {
        assert_eq!(overlap_notice(&[], Some("lhasa:8")), None);
        let got = common_capability_overlaps("建设视频汇聚平台", &caps());
        assert_eq!(
            overlap_notice(&got, Some("lhasa:8")).as_deref(),
            Some("疑似重复建设共性能力：视频共享平台（关键词“视频汇聚”）（依据 lhasa:8）")
        );
        assert_eq!(
            overlap_notice(&got, None).as_deref(),
            Some("疑似重复建设共性能力：视频共享平台（关键词“视频汇聚”）")
        );
    }

    #[test]
    fn several_capabilities_each_once() {
        let got =
            common_capability_overlaps("新建本单位机房，采购服务器，部署ai客服大模型", &caps());
        let names: Vec<&str> = got.iter().map(|o| o.service.as_str()).collect();
        assert_eq!(names, ["政务云计算存储", "AI大模型服务"]);
        assert_eq!(got[0].keyword, "机房");
        // ASCII keywords match whatever the case.
        assert_eq!(got[1].keyword, "大模型");
    }

    #[test]
    fn using_the_common_capability_is_not_an_overlap() {
        assert!(
            common_capability_overlaps(
                "教育资源公共服务平台 依托政务云部署，利用视频监控资源，接入视频共享平台",
                &caps()
            )
            .is_empty()
        );
        let identity = [CommonCapability {
            name: "统一身份认证".into(),
            keywords: vec!["身份认证".into()],
        }];
        assert!(common_capability_overlaps("升级学籍管理，接入统一身份认证", &identity).is_empty());
        assert_eq!(common_capability_overlaps("接入政务云，自建身份认证系统", &identity).len(), 1);
        // One occurrence of use does not excuse another of building.
        let got = common_capability_overlaps("接入视频监控，另建设视频监控中心", &caps());
        assert_eq!(got.len(), 1);
        // "AI" is a word of its own, not the letters inside "email".
        assert!(common_capability_overlaps("email 通知服务", &caps()).is_empty());
        assert_eq!(common_capability_overlaps("自建AI问答", &caps())[0].keyword, "AI");
    }

    #[test]
    fn unrelated_proposals_and_empty_keywords_are_not_flagged() {
        assert!(common_capability_overlaps("学籍管理系统升级改造", &caps()).is_empty());
        let blank =
            [CommonCapability { name: "空".into(), keywords: vec![" ".into(), String::new()] }];
        assert!(common_capability_overlaps("任何内容", &blank).is_empty());
    }

    #[test]
    fn service_form_names_every_bad_field() {
        let f = CloudServiceForm {
            category: "月球".into(),
            is_common: "1".into(),
            ..Default::default()
        };
        let errs = f.parse().expect_err("invalid");
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["code", "name", "category", "keywords"]);
        assert!(errs[3].message.contains("查重关键词"));
        let ok = CloudServiceForm {
            code: "YS-01".into(),
            name: "视频共享平台".into(),
            category: "视频".into(),
            is_common: "是".into(),
            keywords: "视频监控，视频汇聚、视频监控".into(),
            ..Default::default()
        }
        .parse()
        .expect("valid");
        assert_eq!(ok.category, ServiceCategory::Video);
        assert_eq!(ok.keywords, ["视频监控", "视频汇聚"]);
        assert_eq!(ok.to_form().parse(), Ok(ok));
    }

    #[test]
    fn negative_list_needs_an_exemption_reasons_and_basis() {
        let errs = NegativeListForm::default().parse().expect_err("empty");
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["exemptions", "reasons", "basis"]);
        assert!(errs.iter().all(|e| !e.message.contains("gaoping")));
        let ok = NegativeListForm {
            exempt_cloud: "1".into(),
            reasons: "涉密".into(),
            basis: "《保密法》".into(),
            ..Default::default()
        }
        .parse()
        .expect("valid");
        assert!(ok.exempt_cloud && !ok.exempt_platform);
    }

    #[test]
    fn decisions_need_their_document_or_reason() {
        assert!(CatalogDecision::parse("return", " ").is_err());
        assert_eq!(
            CatalogDecision::parse("approve", ""),
            Ok(CatalogDecision::Publish { note: String::new() })
        );
        let e = NegativeDecision::parse("approve", "", "").expect_err("no 文号");
        assert_eq!(e[0].field, "approval_document");
        assert!(NegativeDecision::parse("reject", "", "").is_err());
        assert!(matches!(
            NegativeDecision::parse("approve", "叶政函〔2025〕12号", ""),
            Ok(NegativeDecision::Approve { .. })
        ));
        assert_eq!(
            NegativeDecision::parse("maybe", "", "").expect_err("bad").first().map(|e| e.field),
            Some("decision")
        );
    }
}
