//! Synthetic jurisdictions for benchmarks and for trying the UI at scale: Chinese
//! departments and project names, amounts, construction periods, stages and events, the
//! same for every run with the same seed.

use crate::money::Yuan;
use crate::obligation::Event;
use crate::policy::{EventKind, Fact, Facts};
use chrono::{Days, NaiveDate};

/// A small deterministic generator (xorshift64*), enough for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

pub const DEPARTMENTS: &[&str] = &[
    "教育体育局",
    "卫生健康委员会",
    "公安局",
    "民政局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文化旅游局",
    "应急管理局",
    "市场监督管理局",
    "医疗保障局",
    "城市管理局",
    "统计局",
    "税务局",
    "司法局",
];

const SUBJECTS: &[&str] = &[
    "智慧教育",
    "基层医疗",
    "社会治安视频",
    "养老服务",
    "社保经办",
    "不动产登记",
    "生态环境监测",
    "工程建设审批",
    "智慧交通",
    "河湖长制",
    "农产品质量追溯",
    "商务运行监测",
    "智慧旅游",
    "应急指挥",
    "食品安全监管",
    "医保基金监管",
    "城市运行管理",
    "统计数据采集",
    "电子税务",
    "公共法律服务",
    "政务数据共享",
    "电子证照",
    "网格化社会治理",
    "信用信息",
];

const KINDS: &[&str] = &[
    "平台",
    "系统",
    "综合管理平台",
    "大数据中心",
    "一体化平台",
    "信息系统（二期）",
    "移动应用",
    "数据库",
];

/// One generated project.
#[derive(Debug, Clone)]
pub struct SyntheticProject {
    pub department: usize,
    pub name: String,
    pub summary: String,
    pub investment: Yuan,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// 0 draft, 1 submitted, 2 returned, 3 approved.
    pub stage: u8,
    pub events: Vec<Event>,
    pub facts: Facts,
}

/// Generates project `i` of a jurisdiction with `departments` owner units, as of `today`.
pub fn project(rng: &mut Rng, i: usize, departments: usize, today: NaiveDate) -> SyntheticProject {
    let department = rng.below(departments as u64) as usize;
    let subject = rng.pick(SUBJECTS);
    let kind = rng.pick(KINDS);
    let dept_name = DEPARTMENTS[department % DEPARTMENTS.len()];
    let name = format!("{dept_name}{subject}{kind}（{i}）");
    // Amounts from 5万 to 5000万, whole yuan.
    let investment = Yuan((50_000 + rng.below(50_000_000) as i64) / 100 * 100);
    let start = today - Days::new(rng.below(900));
    let months = 3 + rng.below(30) as u32;
    let end = crate::calendar::add_months(start, months);
    let stage = rng.below(4) as u8;
    let mut events = Vec::new();
    let mut at = start;
    let mut step = |rng: &mut Rng, kind: EventKind, at: &mut NaiveDate| -> bool {
        *at = *at + Days::new(1 + rng.below(60));
        if *at > today {
            return false;
        }
        events.push(Event { kind, date: *at });
        true
    };
    if stage >= 1 {
        let _ = step(rng, EventKind::DeclarationSubmitted, &mut at)
            && step(rng, EventKind::MaterialsReceived, &mut at);
    }
    if stage == 3 {
        // Approved projects walk further down the lifecycle, each step with some chance.
        let path = [
            EventKind::Approved,
            EventKind::ContractSigned,
            EventKind::ContractFiled,
            EventKind::SupervisorAppointed,
            EventKind::WorkStarted,
            EventKind::ProgressReported,
            EventKind::PreliminaryAcceptancePassed,
            EventKind::CompletionAcceptanceApplied,
            EventKind::CompletionAcceptancePassed,
            EventKind::AcceptanceFiled,
            EventKind::OperationStarted,
        ];
        for kind in path {
            if rng.below(10) < 2 || !step(rng, kind, &mut at) {
                break;
            }
        }
    }
    let mut facts = Facts::new();
    facts.insert(Fact::InvestmentYuan, investment.0);
    facts.insert(Fact::ApprovedYuan, investment.0);
    facts.insert(Fact::DurationMonths, i64::from(months));
    facts.insert(
        Fact::SpansYears,
        i64::from(chrono::Datelike::year(&start) != chrono::Datelike::year(&end)),
    );
    facts.insert(Fact::InAnnualPlan, i64::from(stage == 3));
    SyntheticProject {
        department,
        summary: format!("建设{subject}{kind}，提升{dept_name}业务协同和数据共享水平。"),
        name,
        investment,
        period_start: start,
        period_end: end,
        stage,
        events,
        facts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_plausible() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        let a: Vec<_> = (0..50)
            .map({
                let mut r = Rng::new(7);
                move |i| project(&mut r, i, 12, today)
            })
            .collect();
        let b: Vec<_> = (0..50)
            .map({
                let mut r = Rng::new(7);
                move |i| project(&mut r, i, 12, today)
            })
            .collect();
        assert_eq!(
            a.iter().map(|p| &p.name).collect::<Vec<_>>(),
            b.iter().map(|p| &p.name).collect::<Vec<_>>()
        );
        for p in &a {
            assert!(p.period_end >= p.period_start);
            assert!(p.events.iter().all(|e| e.date <= today));
            assert!(p.investment.0 >= 50_000);
        }
        assert!(a.iter().any(|p| p.events.len() > 3), "some projects reach implementation");
    }
}
