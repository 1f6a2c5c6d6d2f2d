//! The duplicate-ranking quality test: realistic catalog entries, and new proposals that
//! duplicate one of them in other words, among distractors that share vocabulary.

#[cfg(test)]
use crate::SimilarityIndex;
use crate::{Doc, DocKind};

/// Existing systems: (id, name, function).
const CATALOG: &[(i64, &str, &str)] = &[
    (
        1,
        "城市管理综合指挥系统",
        "城市部件和事件的发现上报、派遣、处置、核查与考核评价，网格员巡查上报问题",
    ),
    (2, "城市运行监测平台", "对供水、燃气、桥梁等城市生命线设施运行状态进行传感监测和预警"),
    (3, "网格化社会治理平台", "基层网格员走访，矛盾纠纷排查调处，人口房屋信息采集"),
    (4, "不动产登记信息管理系统", "不动产权籍调查、登记受理、审核登簿、权属证书缮证发放"),
    (
        5,
        "工程建设项目审批管理系统",
        "工程建设项目立项用地、规划许可、施工许可、竣工验收全流程并联审批",
    ),
    (6, "智慧教育云平台", "中小学在线课程资源共享、空中课堂直播、教师备课授课"),
    (7, "学籍管理系统", "中小学生学籍注册、转学升学、学籍异动审核"),
    (8, "基层医疗卫生信息系统", "乡镇卫生院和村卫生室门诊挂号、电子处方、药品管理"),
    (9, "全民健康信息平台", "居民电子健康档案和电子病历的汇聚共享调阅"),
    (10, "医保基金智能监管系统", "医保结算数据审核、欺诈骗保线索筛查、定点医药机构监管"),
    (11, "养老服务信息平台", "居家养老服务预约、老年人补贴发放、养老机构管理"),
    (12, "社会救助管理系统", "低保、特困供养申请审核，救助资金发放和动态管理"),
    (13, "就业创业服务平台", "岗位信息发布、求职登记、职业技能培训报名和补贴申领"),
    (14, "社保经办系统", "养老保险参保登记、缴费核定、待遇核发"),
    (15, "视频监控联网共享平台", "公共区域视频监控点位汇聚、视频联网共享调阅"),
    (16, "智慧交通信号控制系统", "路口信号灯配时优化、交通流量检测、绿波协调控制"),
    (17, "公交出行服务系统", "公交车辆实时到站查询、线路规划、电子站牌"),
    (18, "生态环境监测监控平台", "大气、水质自动监测站数据采集，污染源在线监控，超标预警"),
    (19, "河湖长制管理信息系统", "河长巡河记录、河湖问题上报交办、水质考核"),
    (20, "防汛抗旱指挥系统", "雨水情监测、山洪预警、防汛物资和抢险队伍调度"),
    (21, "应急指挥调度平台", "突发事件接报、应急预案管理、应急资源调度和视频会商"),
    (22, "安全生产监管系统", "企业安全隐患排查上报、执法检查、危险化学品企业监管"),
    (23, "市场主体登记系统", "企业和个体工商户设立、变更、注销登记，营业执照发放"),
    (24, "食品安全监管平台", "食品生产经营许可、抽检监测、餐饮单位量化分级"),
    (25, "农产品质量安全追溯系统", "农产品生产记录、检测合格证、扫码溯源"),
    (26, "农村集体资产管理系统", "农村集体资产清产核资、合同管理、财务公开"),
    (27, "电子证照库", "各类证照电子化归集、签发和共享核验"),
    (28, "政务服务一网通办平台", "政务服务事项网上申报、统一受理、办件进度查询"),
    (29, "12345政务服务便民热线系统", "市民来电来信诉求受理、转办督办、回访评价"),
    (30, "公共资源交易平台", "工程招投标、政府采购项目电子交易、开评标"),
    (31, "财政预算一体化系统", "部门预算编制、指标管理、国库集中支付"),
    (32, "公文流转办公自动化系统", "公文收发、会签流转、督办和电子印章"),
    (33, "统计数据采集系统", "统计报表联网直报、数据审核汇总"),
    (34, "档案数字化管理系统", "纸质档案扫描数字化、电子档案接收归档和利用"),
    (35, "住房公积金管理系统", "公积金缴存、提取、贷款审批"),
    (36, "智慧旅游服务平台", "景区客流监测、门票预约、旅游资讯发布"),
];

/// New proposals: (the system each duplicates, name, description), in other words.
#[cfg(test)]
const PROPOSALS: &[(i64, &str, &str)] = &[
    (
        1,
        "数字城管案件处置平台",
        "网格监督员采集城市部件事件问题，指挥中心派遣到责任单位处置并核查结案，开展考核",
    ),
    (3, "基层社会治理网格管理系统", "网格员入户走访采集人口和房屋信息，排查化解矛盾纠纷"),
    (4, "不动产统一登记平台", "不动产登记申请受理、审核、登簿和证书发放，权籍调查成果管理"),
    (
        5,
        "工程建设项目联合审批平台",
        "工程建设项目从立项、用地规划许可到施工许可、竣工验收的并联审批",
    ),
    (6, "中小学在线教学资源平台", "汇聚优质课程资源，开展空中课堂直播教学，教师在线备课"),
    (7, "学生学籍信息系统", "学生入学注册学籍，办理转学、升学和学籍异动"),
    (8, "乡村卫生室诊疗系统", "村卫生室和乡镇卫生院门诊挂号、开具电子处方和药品进销存管理"),
    (9, "居民健康档案共享平台", "汇聚居民电子健康档案和医院电子病历，供医生授权调阅"),
    (
        10,
        "医疗保障基金监管平台",
        "对医保结算数据进行智能审核，筛查欺诈骗保线索，监管定点医院和药店",
    ),
    (11, "居家养老服务管理系统", "老年人居家养老服务预约派单，发放高龄补贴，管理养老机构"),
    (12, "低保救助审核系统", "低保和特困人员救助申请的审核审批、救助金发放与动态调整"),
    (13, "公共就业服务系统", "发布招聘岗位，办理求职登记，职业技能培训报名和就业补贴申领"),
    (15, "公共安全视频联网平台", "汇聚全区公共区域监控摄像头视频，实现联网共享和调阅"),
    (16, "交通信号灯智能配时系统", "检测路口车流量，优化信号灯配时，干线绿波协调"),
    (17, "智慧公交查询系统", "查询公交车实时到站信息，规划出行线路，建设电子站牌"),
    (18, "环境质量自动监测系统", "采集空气和水质自动监测站数据，在线监控污染源排放并超标预警"),
    (19, "河长制工作管理平台", "记录河长巡河轨迹，上报交办河湖问题，考核水质"),
    (20, "山洪灾害预警与防汛调度系统", "监测雨情水情，发布山洪预警，调度防汛物资和抢险队伍"),
    (21, "突发事件应急指挥系统", "突发事件信息接报，管理应急预案，调度应急资源，开展视频会商"),
    (22, "企业安全隐患排查治理系统", "企业自查上报安全生产隐患，开展执法检查和危化品企业监管"),
    (24, "食品安全智慧监管系统", "食品经营许可审批、监督抽检、餐饮单位量化分级管理"),
    (25, "农产品追溯管理平台", "记录农产品生产过程，出具合格证，消费者扫码追溯"),
    (27, "电子证照共享平台", "证照数据电子化归集签发，提供共享核验服务"),
    (29, "12345热线诉求办理系统", "受理市民热线来电诉求，转办督办和回访评价"),
    (30, "电子招投标交易系统", "工程建设招投标和政府采购项目全流程电子化交易、开标评标"),
    (31, "预算管理一体化平台", "部门预算编制、预算指标管理和国库集中支付"),
    (32, "协同办公公文系统", "公文收文发文、会签流转、督查督办和电子印章"),
    (34, "电子档案管理系统", "纸质档案扫描数字化，电子档案归档接收和查阅利用"),
    (35, "公积金业务管理系统", "住房公积金缴存、提取和个人住房贷款审批"),
    (36, "景区智慧旅游平台", "景区客流实时监测，门票在线预约，发布旅游资讯"),
];

/// The catalog as indexable documents of jurisdiction 1 (and a copy in jurisdiction 2 that
/// must never be returned for jurisdiction 1).
pub fn catalog() -> Vec<Doc> {
    let mut docs: Vec<Doc> = CATALOG
        .iter()
        .map(|(id, name, text)| Doc {
            kind: DocKind::System,
            id: *id,
            jurisdiction_id: 1,
            name: (*name).into(),
            text: (*text).into(),
        })
        .collect();
    docs.extend(CATALOG.iter().map(|(id, name, text)| Doc {
        kind: DocKind::System,
        id: 1000 + id,
        jurisdiction_id: 2,
        name: (*name).into(),
        text: (*text).into(),
    }));
    docs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_true_duplicate_ranks_first_for_at_least_90_percent() {
        let index = SimilarityIndex::in_memory().expect("index");
        index.upsert(&catalog()).expect("load");
        let mut first = 0;
        let mut misses = Vec::new();
        for (expected, name, text) in PROPOSALS {
            let hits = index.similar(1, name, text, None, 5).expect("query");
            assert!(hits.iter().all(|h| h.id < 1000), "another jurisdiction leaked into {name}");
            match hits.first() {
                Some(h) if h.id == *expected => first += 1,
                other => misses.push(format!("{name} → {:?}", other.map(|h| &h.name))),
            }
        }
        let rate = first as f64 / PROPOSALS.len() as f64;
        assert!(PROPOSALS.len() >= 30);
        assert!(rate >= 0.9, "only {first}/{} ranked first; misses: {misses:?}", PROPOSALS.len());
        eprintln!(
            "duplicate ranking: {first}/{} first ({:.0}%); misses: {misses:?}",
            PROPOSALS.len(),
            rate * 100.0
        );
    }

    #[test]
    fn hits_name_the_terms_that_matched() {
        let index = SimilarityIndex::in_memory().expect("index");
        index.upsert(&catalog()).expect("load");
        let hits = index
            .similar(1, "居家养老服务管理系统", "老年人居家养老服务预约派单，发放高龄补贴", None, 3)
            .expect("query");
        assert_eq!(hits[0].id, 11);
        assert!(
            hits[0].terms.contains(&"养老".to_string())
                || hits[0].terms.contains(&"居家".to_string()),
            "{:?}",
            hits[0].terms
        );
        assert!(hits[0].score > 0.0);
        // Excluding the proposal itself, and unrelated words find nothing.
        let hits =
            index.similar(1, "学籍管理系统", "学籍", Some((DocKind::System, 7)), 3).expect("query");
        assert!(hits.iter().all(|h| h.id != 7));
        assert!(
            index.similar(1, "系统平台", "管理服务", None, 3).expect("query").is_empty(),
            "only stop words"
        );
    }

    #[test]
    fn upserts_replace_and_removals_forget() {
        let index = SimilarityIndex::in_memory().expect("index");
        index.upsert(&catalog()).expect("load");
        let n = index.len();
        index
            .upsert(&[Doc {
                kind: DocKind::System,
                id: 7,
                jurisdiction_id: 1,
                name: "学籍与资助系统".into(),
                text: "学生资助".into(),
            }])
            .expect("replace");
        assert_eq!(index.len(), n);
        index.remove(DocKind::System, 7).expect("remove");
        assert_eq!(index.len(), n - 1);
        assert!(
            index
                .similar(1, "学籍与资助系统", "学生资助", None, 3)
                .expect("q")
                .iter()
                .all(|h| h.id != 7)
        );
    }
}
