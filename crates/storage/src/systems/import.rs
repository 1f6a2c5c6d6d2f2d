//! Importing an inventory sheet: every row checked first, good rows written together.

use super::*;
use crate::StoreError;

/// What an import did: rows created, changed and already identical, and every refused row's
/// mistakes (a refused row writes nothing).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub refused_rows: usize,
    pub problems: Vec<RowProblem>,
    pub ignored_headers: Vec<String>,
    /// Whether the changes were written (false for a check-only run).
    pub written: bool,
    /// The ids created or changed, to refresh the duplicate-check index.
    #[serde(skip)]
    pub changed_ids: Vec<i64>,
}

impl Store {
    /// Imports an inventory sheet. Every row is checked first; good rows are written together
    /// in one transaction (create, or a new version when it differs), bad rows are reported
    /// by row and column. Re-importing the same sheet finds every row unchanged.
    ///
    /// Reading and checking happen on a plain connection, outside the write lock: a check-only
    /// run (`write == false`) never takes it, and a real import holds it only for the final
    /// write. An entry someone changed or created between the check and the write makes the
    /// import stop whole (409) rather than overwrite their change.
    pub async fn import_systems(
        &self, principal: &Principal, actor: &Actor, now_ms: i64, sheet: &SystemSheet, write: bool,
    ) -> Result<ImportReport> {
        let today = crate::china_today(now_ms);
        let Some(own) = principal
            .department_id
            .filter(|_| principal.has(Role::Declarant) || principal.has(Role::Reviewer))
        else {
            let e =
                DomainError::Forbidden("只有本单位经办人或主管部门审核人可以导入信息系统".into());
            let _ = self
                .audit_refusal(actor, now_ms, "info_system", "", "system.import", &e.to_string())
                .await;
            return Err(e.into());
        };
        let mut report = ImportReport {
            rows: sheet.rows.len(),
            ignored_headers: sheet.ignored_headers.clone(),
            written: write,
            ..Default::default()
        };
        let mut conn = self.pool.acquire().await?;
        let departments: HashMap<String, (DepartmentId, String)> =
            sqlx::query("SELECT id, name, path FROM departments WHERE jurisdiction_id = $1")
                .bind(principal.jurisdiction_id.0)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| {
                    Ok((
                        r.try_get::<String, _>("name")?,
                        (DepartmentId(r.try_get("id")?), r.try_get::<String, _>("path")?),
                    ))
                })
                .collect::<Result<_>>()?;
        let own_name = departments
            .iter()
            .find(|(_, (id, _))| *id == own)
            .map(|(n, _)| n.clone())
            .unwrap_or_default();
        let mut existing: HashMap<(i64, String), SystemRecord> = HashMap::new();
        for r in sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE s.jurisdiction_id = $1")))
            .bind(principal.jurisdiction_id.0)
            .fetch_all(&mut *conn)
            .await?
        {
            let rec = from_row(&r, today)?;
            existing.insert((rec.owner_department_id.0, rec.system.name.clone()), rec);
        }
        let mut seen: HashMap<(i64, String), usize> = HashMap::new();
        let mut good = Vec::new();
        for row in &sheet.rows {
            let mut problems = Vec::new();
            let dept_name =
                if row.department.is_empty() { own_name.as_str() } else { row.department.as_str() };
            let dept = match departments.get(dept_name) {
                None => {
                    problems.push(sheet.problem(
                        row.row,
                        "department",
                        format!("所属单位“{dept_name}”不在本地区的单位名录中"),
                    ));
                    None
                }
                Some((id, path)) => {
                    let o = Ownership {
                        jurisdiction_id: principal.jurisdiction_id,
                        department_id: *id,
                        department_path: path,
                        created_by: principal.user_id,
                    };
                    if !may_edit(principal, *id) || !principal.scope_filter().allows(&o) {
                        problems.push(sheet.problem(
                            row.row,
                            "department",
                            format!("无权导入“{dept_name}”的系统：经办人只能导入本单位的系统"),
                        ));
                        None
                    } else {
                        Some(*id)
                    }
                }
            };
            let parsed = match row.form.parse(today) {
                Ok(s) => Some(s),
                Err(errors) => {
                    problems.extend(
                        errors.into_iter().map(|e| sheet.problem(row.row, e.field, e.message)),
                    );
                    None
                }
            };
            if let (Some(dept), Some(s)) = (dept, &parsed) {
                match seen.entry((dept.0, s.name.clone())) {
                    std::collections::hash_map::Entry::Occupied(first) => {
                        problems.push(sheet.problem(
                            row.row,
                            "name",
                            format!("与第 {} 行是同一单位的同名系统", first.get()),
                        ));
                    }
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(row.row);
                    }
                }
            }
            match (dept, parsed) {
                (Some(dept), Some(s)) if problems.is_empty() => good.push((dept, s)),
                _ => {
                    report.refused_rows += 1;
                    report.problems.extend(problems);
                }
            }
        }
        drop(conn);
        // What the sheet changes, decided before anything is written.
        let mut creates: Vec<(DepartmentId, &InfoSystem)> = Vec::new();
        let mut updates: Vec<(&SystemRecord, &InfoSystem)> = Vec::new();
        for (dept, s) in &good {
            match existing.get(&(dept.0, s.name.clone())) {
                Some(before) if before.system == *s => report.unchanged += 1,
                Some(before) => updates.push((before, s)),
                None => creates.push((*dept, s)),
            }
        }
        report.created = creates.len();
        report.updated = updates.len();
        if !write || (creates.is_empty() && updates.is_empty()) {
            return Ok(report);
        }
        // Entries are written row by row (each needs its id or its version check); their
        // history versions and audit records follow in bulk, in the same order.
        let changed_since = |current| DomainError::StaleVersion { current };
        let mut w = self.write().await?;
        let mut written: Vec<(i64, i64, Option<&InfoSystem>, &InfoSystem, &'static str)> =
            Vec::new();
        for (before, s) in updates {
            let n = update_row(&mut w.tx, before.id, before.version, s, now_ms).await?;
            if n == 0 {
                // Someone changed the entry after the sheet was checked: start over rather
                // than overwrite their change.
                return Err(changed_since(before.version + 1).into());
            }
            let action = change_action(&before.system, s);
            written.push((before.id, before.version + 1, Some(&before.system), s, action));
        }
        for (dept, s) in creates {
            let id = match insert(&mut w.tx, principal, dept, s, now_ms).await {
                Ok(id) => id,
                // Someone created the same unit's system of that name meanwhile.
                Err(StoreError::Db(e))
                    if e.as_database_error().is_some_and(|d| d.is_unique_violation()) =>
                {
                    return Err(changed_since(1).into());
                }
                Err(e) => return Err(e),
            };
            written.push((id, 1, None, s, "create"));
        }
        let versions: Vec<_> = written
            .iter()
            .map(|(id, version, _, s, action)| (*id, *version, *s, *action))
            .collect();
        record_versions(&mut w.tx, principal, &versions, now_ms).await?;
        let actions: Vec<String> =
            written.iter().map(|(.., action)| format!("system.{action}")).collect();
        let changes = written
            .iter()
            .zip(&actions)
            .map(|((id, _, before, after, _), action)| {
                let c = Change::ok("info_system", id, action).after(after).detail("Excel 导入");
                match before {
                    Some(b) => c.before(b),
                    None => c,
                }
            })
            .collect();
        append_all(&mut w.tx, actor, now_ms, changes).await?;
        w.commit().await?;
        report.changed_ids = written.iter().map(|(id, ..)| *id).collect();
        Ok(report)
    }
}
