//! The working-day calendar: China's statutory holidays, 调休 rest days and make-up
//! workdays, year by year, as data.
//!
//! Deadlines are counted the way Chinese offices count them: "within N working days after
//! X" is the Nth working day after the day of X. A date in a year with no schedule loaded is
//! still computed (from weekends alone) but marked provisional, never passed off as certain.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The schedule shipped with govit (2020 onwards).
pub const BUILTIN: &str = include_str!("../../../calendar/cn.toml");

/// What kind of day a date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    Workday,
    Weekend,
    /// 法定节假日
    StatutoryHoliday,
    /// A weekday off inside a holiday period (调休休息日).
    SwapRestDay,
    /// A Saturday or Sunday that is worked (调休上班日).
    MakeUpWorkday,
}

impl DayKind {
    pub fn is_working(self) -> bool {
        matches!(self, DayKind::Workday | DayKind::MakeUpWorkday)
    }
    pub fn label(self) -> &'static str {
        match self {
            DayKind::Workday => "工作日",
            DayKind::Weekend => "周末",
            DayKind::StatutoryHoliday => "法定节假日",
            DayKind::SwapRestDay => "调休休息日",
            DayKind::MakeUpWorkday => "调休上班日",
        }
    }
}

/// A State Council notice a year's schedule comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub number: String,
    pub title: String,
    pub date: NaiveDate,
}

/// One holiday stretch and the weekend days worked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayPeriod {
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(default)]
    pub statutory: Vec<NaiveDate>,
    #[serde(default)]
    pub makeup: Vec<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearSchedule {
    pub year: i32,
    pub notices: Vec<Notice>,
    pub holidays: Vec<HolidayPeriod>,
}

#[derive(Debug, Deserialize, Serialize)]
struct CalendarFile {
    year: Vec<YearSchedule>,
}

/// The answer to a date computation, and whether it rests on a schedule not yet published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Dated {
    pub date: NaiveDate,
    pub provisional: bool,
}

/// Parses a calendar file, reporting every mistake at once.
pub fn parse_schedules(text: &str) -> Result<Vec<YearSchedule>, Vec<String>> {
    let file: CalendarFile =
        toml::from_str(text).map_err(|e| vec![format!("日历文件格式错误：{e}")])?;
    let mut errors = Vec::new();
    for y in &file.year {
        if y.notices.is_empty() {
            errors.push(format!("{} 年：缺少国务院办公厅通知（notices）", y.year));
        }
        for h in &y.holidays {
            let at = format!("{} 年 {}", y.year, h.name);
            if h.to < h.from {
                errors.push(format!("{at}：结束日期早于开始日期"));
            }
            for d in &h.statutory {
                if *d < h.from || *d > h.to {
                    errors.push(format!("{at}：法定节假日 {d} 不在放假期间内"));
                }
            }
            for d in &h.makeup {
                if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                    errors.push(format!("{at}：调休上班日 {d} 不是周六或周日"));
                }
                if *d >= h.from && *d <= h.to {
                    errors.push(format!("{at}：调休上班日 {d} 落在放假期间内"));
                }
            }
            if h.from.year() != y.year && h.to.year() != y.year {
                errors.push(format!("{at}：放假期间不在 {} 年", y.year));
            }
        }
    }
    if errors.is_empty() { Ok(file.year) } else { Err(errors) }
}

/// The first date the dense table covers and how many days it spans.
const TABLE_START_YEAR: i32 = 2015;
const TABLE_YEARS: i32 = 25;

/// The calendar: the loaded schedules plus a dense table for fast arithmetic.
#[derive(Debug, Clone)]
pub struct Calendar {
    years: BTreeMap<i32, YearSchedule>,
    start: NaiveDate,
    /// Day kind for every day of the table.
    kinds: Vec<DayKind>,
    /// Holiday name for each special day, by table index.
    names: BTreeMap<usize, String>,
    /// `cum[i]` = working days in `[start, start + i)`.
    cum: Vec<u32>,
}

fn weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl Calendar {
    /// The built-in schedule.
    pub fn builtin() -> Calendar {
        // The built-in file is checked by a unit test; an error here is a build defect.
        let years = parse_schedules(BUILTIN).unwrap_or_default();
        Calendar::from_years(years)
    }

    pub fn from_years(list: Vec<YearSchedule>) -> Calendar {
        let mut years = BTreeMap::new();
        for y in list {
            years.insert(y.year, y);
        }
        let start = NaiveDate::from_ymd_opt(TABLE_START_YEAR, 1, 1).unwrap_or_default();
        let end = NaiveDate::from_ymd_opt(TABLE_START_YEAR + TABLE_YEARS, 1, 1).unwrap_or_default();
        let len = (end - start).num_days() as usize;
        let mut kinds: Vec<DayKind> = (0..len)
            .map(|i| {
                let d = start + Days::new(i as u64);
                if weekend(d) { DayKind::Weekend } else { DayKind::Workday }
            })
            .collect();
        let mut names = BTreeMap::new();
        let idx = |d: NaiveDate| -> Option<usize> {
            let i = (d - start).num_days();
            (i >= 0 && (i as usize) < len).then_some(i as usize)
        };
        for y in years.values() {
            for h in &y.holidays {
                let mut d = h.from;
                while d <= h.to {
                    if let Some(i) = idx(d) {
                        kinds[i] = if h.statutory.contains(&d) {
                            DayKind::StatutoryHoliday
                        } else if weekend(d) {
                            DayKind::Weekend
                        } else {
                            DayKind::SwapRestDay
                        };
                        names.insert(i, h.name.clone());
                    }
                    d = d + Days::new(1);
                }
                for m in &h.makeup {
                    if let Some(i) = idx(*m) {
                        kinds[i] = DayKind::MakeUpWorkday;
                        names.insert(i, format!("{}调休上班", h.name));
                    }
                }
            }
        }
        let mut cum = Vec::with_capacity(len + 1);
        cum.push(0u32);
        for k in &kinds {
            let last = *cum.last().unwrap_or(&0);
            cum.push(last + u32::from(k.is_working()));
        }
        Calendar { years, start, kinds, names, cum }
    }

    /// Replaces the given years (a new year, or an amended one) and rebuilds.
    pub fn with_years(&self, replacement: Vec<YearSchedule>) -> Calendar {
        let mut all: BTreeMap<i32, YearSchedule> = self.years.clone();
        for y in replacement {
            all.insert(y.year, y);
        }
        Calendar::from_years(all.into_values().collect())
    }

    pub fn schedules(&self) -> impl Iterator<Item = &YearSchedule> {
        self.years.values()
    }

    pub fn schedule(&self, year: i32) -> Option<&YearSchedule> {
        self.years.get(&year)
    }

    /// Whether the year's official schedule is loaded.
    pub fn is_known(&self, d: NaiveDate) -> bool {
        self.years.contains_key(&d.year())
    }

    fn index(&self, d: NaiveDate) -> Option<usize> {
        let i = (d - self.start).num_days();
        (i >= 0 && (i as usize) < self.kinds.len()).then_some(i as usize)
    }

    pub fn kind(&self, d: NaiveDate) -> DayKind {
        match self.index(d) {
            Some(i) => self.kinds[i],
            None if weekend(d) => DayKind::Weekend,
            None => DayKind::Workday,
        }
    }

    /// The holiday a special day belongs to.
    pub fn holiday_name(&self, d: NaiveDate) -> Option<&str> {
        self.index(d).and_then(|i| self.names.get(&i)).map(String::as_str)
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        self.kind(d).is_working()
    }

    /// Whether any year touched by `[a, b]` has no schedule loaded.
    fn provisional_between(&self, a: NaiveDate, b: NaiveDate) -> bool {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        (lo.year()..=hi.year()).any(|y| !self.years.contains_key(&y))
    }

    /// The `n`th working day after the day of `from` ("within n working days after X").
    /// `n = 0` gives `from` itself if it is a working day, else the next one.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Dated {
        let date = match self.index(from) {
            Some(i) => {
                // Working days strictly after `from` are counted from cum[i + 1].
                let base = if n == 0 { self.cum[i] } else { self.cum[i + 1] };
                let target = base + n.max(1);
                // The first index j with cum[j + 1] >= target is the day sought.
                let j = self.cum.partition_point(|&c| c < target);
                if j >= 1 && j - 1 < self.kinds.len() {
                    self.start + Days::new((j - 1) as u64)
                } else {
                    self.step_working_days(from, n)
                }
            }
            None => self.step_working_days(from, n),
        };
        Dated { date, provisional: self.provisional_between(from, date) }
    }

    /// The slow path outside the table: one day at a time.
    fn step_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut d = from;
        if n == 0 {
            while !self.is_working_day(d) {
                d = d + Days::new(1);
            }
            return d;
        }
        let mut left = n;
        while left > 0 {
            d = d + Days::new(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days after `a` up to and including `b` (0 when `b <= a`).
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> u32 {
        if b <= a {
            return 0;
        }
        match (self.index(a), self.index(b)) {
            (Some(i), Some(j)) => self.cum[j + 1] - self.cum[i + 1],
            _ => {
                let mut n = 0;
                let mut d = a;
                while d < b {
                    d = d + Days::new(1);
                    n += u32::from(self.is_working_day(d));
                }
                n
            }
        }
    }

    /// The first `n` working days of a month (yeji:15: the first 5 WD of a quarter's month).
    pub fn first_working_days_of_month(&self, year: i32, month: u32, n: u32) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let Some(mut d) = NaiveDate::from_ymd_opt(year, month, 1) else {
            return out;
        };
        while d.month() == month && (out.len() as u32) < n {
            if self.is_working_day(d) {
                out.push(d);
            }
            d = d + Days::new(1);
        }
        out
    }

    /// The `n`th working day of a month, if the month has that many.
    pub fn nth_working_day_of_month(&self, year: i32, month: u32, n: u32) -> Option<Dated> {
        let days = self.first_working_days_of_month(year, month, n);
        (days.len() as u32 == n && n > 0).then(|| {
            let date = days[days.len() - 1];
            Dated { date, provisional: !self.is_known(date) }
        })
    }

    /// One month of days with their kinds, for `govit calendar show`.
    pub fn month(&self, year: i32, month: u32) -> Vec<(NaiveDate, DayKind, Option<&str>)> {
        let mut out = Vec::new();
        let Some(mut d) = NaiveDate::from_ymd_opt(year, month, 1) else {
            return out;
        };
        while d.month() == month {
            out.push((d, self.kind(d), self.holiday_name(d)));
            d = d + Days::new(1);
        }
        out
    }
}

/// The `n`th given weekday of a month (lhasa:7: the fourth Thursday).
pub fn nth_weekday_of_month(year: i32, month: u32, weekday: Weekday, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
}

/// Calendar-month arithmetic for "within 1 month", "within 6 months": the same day `n`
/// months later, clamped to the month's last day (1月31日 + 1 month = 2月28/29日).
pub fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n)).unwrap_or(d)
}

pub fn add_days(d: NaiveDate, n: u32) -> NaiveDate {
    d + Days::new(u64::from(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn builtin_file_is_valid_and_covers_2020_to_2026() {
        let years = parse_schedules(BUILTIN).expect("valid builtin calendar");
        let list: Vec<i32> = years.iter().map(|y| y.year).collect();
        assert_eq!(list, (2020..=2026).collect::<Vec<_>>());
        assert!(years.iter().all(|y| y.notices.iter().all(|n| n.number.starts_with("国办发明电"))));
    }

    #[test]
    fn real_dates() {
        let c = Calendar::builtin();
        for w in
            ["2024-09-29", "2024-10-12", "2025-01-26", "2025-02-08", "2025-09-28", "2025-10-11"]
        {
            assert!(c.is_working_day(d(w)), "{w} was a workday");
            assert_eq!(c.kind(d(w)), DayKind::MakeUpWorkday);
        }
        for day in 1..=8 {
            let h = d(&format!("2025-10-0{day}"));
            assert!(!c.is_working_day(h), "{h} was a holiday");
        }
        assert_eq!(c.kind(d("2025-10-06")), DayKind::StatutoryHoliday);
        assert_eq!(c.kind(d("2025-10-07")), DayKind::SwapRestDay);
        assert_eq!(c.kind(d("2025-10-04")), DayKind::Weekend);
        assert_eq!(
            c.add_working_days(d("2024-09-27"), 5),
            Dated { date: d("2024-10-10"), provisional: false }
        );
        // 2020: the Spring Festival extension made 2月1日 a rest day again.
        assert!(!c.is_working_day(d("2020-02-01")));
        assert!(!c.is_working_day(d("2020-01-31")));
        assert!(c.is_working_day(d("2020-02-03")));
    }

    #[test]
    fn add_working_days_edges() {
        let c = Calendar::builtin();
        // From a holiday: counting starts after it.
        assert_eq!(c.add_working_days(d("2025-10-01"), 1).date, d("2025-10-09"));
        // n = 0 is the day itself when working, else the next working day.
        assert_eq!(c.add_working_days(d("2025-10-09"), 0).date, d("2025-10-09"));
        assert_eq!(c.add_working_days(d("2025-10-04"), 0).date, d("2025-10-09"));
        // Agrees with the slow path everywhere in 2024–2025.
        let mut x = d("2024-01-01");
        while x < d("2025-12-01") {
            for n in [0, 1, 2, 5, 10, 30] {
                assert_eq!(c.add_working_days(x, n).date, c.step_working_days(x, n), "{x} + {n}");
            }
            x = x + Days::new(1);
        }
    }

    #[test]
    fn unloaded_years_are_provisional() {
        let c = Calendar::builtin();
        let r = c.add_working_days(d("2026-12-28"), 5);
        assert!(r.provisional, "crosses into 2027");
        assert!(!c.add_working_days(d("2026-06-01"), 5).provisional);
        assert!(c.add_working_days(d("2030-03-01"), 5).provisional);
        // Far outside the table, the slow path still answers.
        assert_eq!(c.add_working_days(d("2099-01-02"), 1).date, d("2099-01-05"));
    }

    #[test]
    fn counting_and_months() {
        let c = Calendar::builtin();
        assert_eq!(c.working_days_between(d("2024-09-27"), d("2024-10-10")), 5);
        assert_eq!(c.working_days_between(d("2024-10-10"), d("2024-09-27")), 0);
        // First five working days of October 2025: the holiday pushes them to 9–15 (11th worked).
        assert_eq!(
            c.first_working_days_of_month(2025, 10, 5),
            vec![
                d("2025-10-09"),
                d("2025-10-10"),
                d("2025-10-11"),
                d("2025-10-13"),
                d("2025-10-14")
            ]
        );
        assert_eq!(nth_weekday_of_month(2025, 10, Weekday::Thu, 4), Some(d("2025-10-23")));
        assert_eq!(nth_weekday_of_month(2025, 2, Weekday::Thu, 5), None);
        assert_eq!(add_months(d("2025-01-31"), 1), d("2025-02-28"));
        assert_eq!(add_months(d("2024-01-31"), 1), d("2024-02-29"));
        assert_eq!(add_months(d("2025-08-31"), 6), d("2026-02-28"));
        assert_eq!(add_months(d("2025-03-15"), 12), d("2026-03-15"));
    }

    #[test]
    fn amendments_replace_a_year() {
        let c = Calendar::builtin();
        let mut y2026 = c.schedule(2026).expect("2026").clone();
        y2026.holidays.push(HolidayPeriod {
            name: "临时假日".into(),
            from: d("2026-03-02"),
            to: d("2026-03-02"),
            statutory: vec![],
            makeup: vec![],
        });
        let amended = c.with_years(vec![y2026]);
        assert!(c.is_working_day(d("2026-03-02")));
        assert_eq!(amended.kind(d("2026-03-02")), DayKind::SwapRestDay);
        // Friday 27th + 1 = Saturday 28th (worked for the Spring Festival), + 2 skips the new
        // rest day on the 2nd.
        assert_eq!(amended.add_working_days(d("2026-02-27"), 2).date, d("2026-03-03"));
    }

    #[test]
    fn bad_files_report_every_error() {
        let bad = r#"
[[year]]
year = 2030
notices = []
holidays = [
  { name = "X", from = "2030-05-05", to = "2030-05-01", statutory = ["2030-06-01"], makeup = ["2030-05-06"] },
]
"#;
        let errors = parse_schedules(bad).expect_err("invalid");
        assert_eq!(errors.len(), 4, "{errors:?}");
    }

    /// Cross-check against an independent source of the schedule, for every year that source
    /// carries (a year it lacks has no named day at all and is reported, not compared).
    #[test]
    fn agrees_with_holiday_cn_for_every_day() {
        let c = Calendar::builtin();
        let mut compared = Vec::new();
        for year in 2020..=2026 {
            let days: Vec<NaiveDate> = (0..366)
                .map(|i| d(&format!("{year}-01-01")) + Days::new(i))
                .filter(|x| x.year() == year)
                .collect();
            let theirs = |x: &NaiveDate| {
                holiday_cn::is_offday(&x.format("%Y-%m-%d").to_string()).expect("holiday-cn date")
            };
            if !days.iter().any(|x| theirs(x).1.is_some()) {
                eprintln!("holiday-cn carries no schedule for {year}; not compared");
                continue;
            }
            let mismatches: Vec<_> =
                days.iter().filter(|x| theirs(x).0 == c.is_working_day(**x)).collect();
            assert!(mismatches.is_empty(), "{year} differs from holiday-cn on {mismatches:?}");
            compared.push(year);
        }
        assert!(compared.len() >= 6, "only {compared:?} compared");
    }
}
