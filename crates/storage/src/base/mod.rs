//! The floor every room stands on: transactions, paging, filters, data scope as SQL, the
//! audit-log writer and the change path. It imports no room.

pub mod audit_log;
pub mod change;
pub mod direct;
pub(crate) mod migrate;
pub(crate) mod write;

pub(crate) use write::WriteTx;

use crate::{Result, Store, StoreError};
use chrono::{FixedOffset, NaiveDate, TimeZone};
use govit_core::DomainError;
use sqlx::Row;

/// The date in China at an instant.
pub fn china_today(now_ms: i64) -> NaiveDate {
    let tz =
        FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("utc"));
    tz.timestamp_millis_opt(now_ms).single().map(|t| t.date_naive()).unwrap_or_default()
}

/// The instant a year begins in China (January 1, 00:00 at UTC+8), in ms.
pub(crate) fn china_year_start_ms(year: i32) -> i64 {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3600 * 1000)
        .unwrap_or(0)
}

/// Whether a write failed on a unique index (both backends' wording).
pub(crate) fn unique_violation(e: &sqlx::Error) -> bool {
    let m = e.to_string();
    m.contains("UNIQUE") || m.contains("unique") || m.contains("duplicate key")
}

/// A write that failed on a unique index (a writer committed the same key first) as the
/// refusal `taken` names; any other failure as it is.
pub(crate) fn unless_unique(e: sqlx::Error, taken: impl FnOnce() -> DomainError) -> StoreError {
    if unique_violation(&e) { taken().into() } else { e.into() }
}

/// A page request: 1-based page number and page size.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub number: i64,
    pub size: i64,
}

impl Page {
    pub fn new(number: i64, size: i64) -> Page {
        Page { number: number.max(1), size: size.clamp(1, 200) }
    }
    pub fn offset(&self) -> i64 {
        (self.number - 1) * self.size
    }
}

/// One page of results and the total count behind it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

impl<T> Paged<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.page_size - 1) / self.page_size).max(1)
    }
}

impl Store {
    /// How many rows `from` (a `FROM … JOIN …` clause) holds under the filter.
    /// Counts rows, remembering the answer until a write of this process commits (or two
    /// seconds pass, for other processes' writes): lists and navigation count the same
    /// filters again and again between changes.
    pub(crate) async fn count_where(&self, from: &str, w: &Where) -> Result<i64> {
        use std::sync::atomic::Ordering;
        let sql = format!("SELECT COUNT(*) AS n {from}{}", w.sql());
        let key = format!("{sql}\u{1f}{:?}", w.params);
        let generation = self.writes.load(Ordering::SeqCst);
        if let Some(n) = self.counts.get(&key, generation) {
            return Ok(n);
        }
        let n: i64 = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &w.params)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        self.counts.put(key, generation, n);
        Ok(n)
    }

    /// One page of `select` (columns and `FROM` clause) under the filter in `order`, with
    /// the total counted over `count_from`.
    /// The `name` of the rows of `table` (a fixed table name) with these ids; ids not found
    /// are left out. At most 1,000 ids are looked up: a page's worth.
    pub(crate) async fn names_by_id(
        &self, table: &str, ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, String>> {
        let mut ids: Vec<i64> = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        ids.truncate(1000);
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!("SELECT id, name FROM {table} WHERE id IN ({})", placeholders.join(", "));
        let params: Vec<Param> = ids.into_iter().map(Param::Int).collect();
        let rows =
            bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &params).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("name")?))).collect()
    }

    pub(crate) async fn fetch_page<T>(
        &self, (select, count_from): (&str, &str), w: &Where, order: &str, page: Page,
        item: impl Fn(&sqlx::any::AnyRow) -> Result<T>,
    ) -> Result<Paged<T>> {
        let total = self.count_where(count_from, w).await?;
        let sql = format!(
            "{select}{} ORDER BY {order} LIMIT {} OFFSET {}",
            w.sql(),
            page.size,
            page.offset()
        );
        self.read_page(sql, w, total, page, item).await
    }

    /// Runs `sql`, one page of the rows `w` selects, and reads them into the page with `item`;
    /// `total` is how many rows there are on all pages.
    pub(crate) async fn read_page<T>(
        &self, sql: String, w: &Where, total: i64, page: Page,
        item: impl Fn(&sqlx::any::AnyRow) -> Result<T>,
    ) -> Result<Paged<T>> {
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &w.params)
            .fetch_all(&self.pool)
            .await?;
        Ok(Paged {
            items: rows.iter().map(item).collect::<Result<_>>()?,
            total,
            page: page.number,
            page_size: page.size,
        })
    }
}

/// A bound parameter of dynamically assembled SQL.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    Int(i64),
    Text(String),
}

/// Assembles a WHERE clause with `$n` placeholders from fixed fragments and bound values.
#[derive(Debug, Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    pub params: Vec<Param>,
}

impl Where {
    /// Adds a clause; each `?` in `fragment` becomes the next `$n`.
    pub fn and(&mut self, fragment: &str, params: Vec<Param>) {
        let mut out = String::new();
        let mut it = params.into_iter();
        for ch in fragment.chars() {
            if ch == '?' {
                if let Some(p) = it.next() {
                    self.params.push(p);
                }
                out.push_str(&format!("${}", self.params.len()));
            } else {
                out.push(ch);
            }
        }
        self.clauses.push(out);
    }

    /// Only records with `keyword` (trimmed) in one of `columns`; nothing when it is blank.
    pub fn keyword(&mut self, keyword: &str, columns: &[&str]) {
        let keyword = keyword.trim();
        if keyword.is_empty() {
            return;
        }
        let any: Vec<String> = columns.iter().map(|c| format!("{c} LIKE ? ESCAPE '\\'")).collect();
        let pattern = like_pattern(keyword);
        self.and(
            &format!("({})", any.join(" OR ")),
            columns.iter().map(|_| Param::Text(pattern.clone())).collect(),
        );
    }

    /// Only records of the department aliased `d` and the departments below it.
    pub fn within_department(&mut self, dept: govit_core::ids::DepartmentId) {
        self.and(
            "d.path LIKE (SELECT path FROM departments WHERE id = ?) || '%'",
            vec![Param::Int(dept.0)],
        );
    }

    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

pub(crate) fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>, params: &[Param],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for p in params {
        q = match p {
            Param::Int(i) => q.bind(*i),
            Param::Text(s) => q.bind(s.clone()),
        };
    }
    q
}

/// The records a principal may see, as a filter to build on: those of their jurisdiction in
/// their data scope. `alias` is the table with `jurisdiction_id`, `owner_department_id` and
/// `created_by`, joined to its department as `d`. The SQL mirror of `Principal::can_see`,
/// used by every list.
pub(crate) fn visible_where(principal: &govit_core::org::Principal, alias: &str) -> Where {
    use govit_core::org::ScopeFilter;
    let mut w = Where::default();
    w.and(&format!("{alias}.jurisdiction_id = ?"), vec![Param::Int(principal.jurisdiction_id.0)]);
    match principal.scope_filter() {
        ScopeFilter::Everything => {}
        ScopeFilter::Departments(ids) if ids.is_empty() => w.and("1 = 0", vec![]),
        ScopeFilter::Departments(ids) => {
            let marks = vec!["?"; ids.len()].join(", ");
            w.and(
                &format!("{alias}.owner_department_id IN ({marks})"),
                ids.iter().map(|d| Param::Int(d.0)).collect(),
            );
        }
        ScopeFilter::PathPrefix(prefix) => w.and(
            "d.path LIKE ? ESCAPE '\\'",
            vec![Param::Text(format!("{}%", like_pattern(&prefix).trim_matches('%')))],
        ),
        ScopeFilter::CreatedBy(u) => {
            w.and(&format!("{alias}.created_by = ?"), vec![Param::Int(u.0)])
        }
        ScopeFilter::Nothing => w.and("1 = 0", vec![]),
    }
    w
}

/// The `VALUES` list of a multi-row INSERT: `rows` tuples of `columns` numbered parameters,
/// `($1, $2), ($3, $4)`.
pub(crate) fn values_list(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let p = (1..=columns)
                .map(|c| format!("${}", r * columns + c))
                .collect::<Vec<_>>()
                .join(", ");
            format!("({p})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub(crate) fn like_pattern(s: &str) -> String {
    let mut out = String::from("%");
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_list_numbers_parameters_row_by_row() {
        assert_eq!(super::values_list(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(super::values_list(1, 1), "($1)");
    }
}

/// Counts remembered per query and parameters, valid for one write generation and at most
/// [`CountCache::TTL`].
#[derive(Default)]
pub(crate) struct CountCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (u64, std::time::Instant, i64)>>,
}

impl CountCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(2);
    /// The most queries remembered; beyond it the cache starts afresh.
    const MAX: usize = 10_000;

    fn get(&self, key: &str, generation: u64) -> Option<i64> {
        let entries = self.entries.lock().ok()?;
        let (g, at, n) = entries.get(key)?;
        (*g == generation && at.elapsed() < Self::TTL).then_some(*n)
    }

    fn put(&self, key: String, generation: u64, n: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::MAX {
                entries.clear();
            }
            entries.insert(key, (generation, std::time::Instant::now(), n));
        }
    }
}

/// SQL: project `p` was terminated (项目终止 recorded on a day, not planned) — the one way the
/// project list, the dashboard, the plans and the ratings tell (an index lookup, by kind). On
/// the floor, since the dashboard reads it and may use nothing else.
pub(crate) const TERMINATED: &str = "p.id IN (SELECT tm.project_id FROM project_milestones tm \
     WHERE tm.kind = 'project_terminated' AND tm.planned = 0)";
