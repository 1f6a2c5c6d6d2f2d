//! Jurisdictions, the department tree, external firms and experts.

pub mod setup;

use crate::base::audit_log::{Change, append};
use crate::{Actor, Param, Result, Store, bind_all};
use govit_core::DomainError;
use govit_core::ids::{DepartmentId, JurisdictionId};
use govit_core::org::{FirmKind, PartyKind, child_path};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Jurisdiction {
    pub id: JurisdictionId,
    pub code: String,
    pub name: String,
    pub profile_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Department {
    pub id: DepartmentId,
    pub jurisdiction_id: JurisdictionId,
    pub parent_id: Option<DepartmentId>,
    pub code: String,
    pub name: String,
    pub path: String,
    pub party_kinds: Vec<PartyKind>,
}

impl Department {
    /// Depth in the tree, 0 for a root.
    pub fn depth(&self) -> usize {
        self.path.matches('/').count().saturating_sub(2)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Firm {
    pub id: i64,
    pub kind: FirmKind,
    pub name: String,
    pub credit_code: String,
    pub blacklisted: bool,
    pub blacklist_reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Expert {
    pub id: i64,
    pub name: String,
    pub employer: String,
    pub fields: String,
    pub title: String,
    /// Units they declared a conflict with, comma-separated.
    pub conflicts: String,
    pub blacklisted: bool,
    pub blacklist_reason: String,
}

/// A jurisdiction with its department tree, firms and experts.
#[derive(Debug, Clone)]
pub struct Organization {
    pub jurisdiction: Jurisdiction,
    /// Depth-first, parents before children.
    pub departments: Vec<Department>,
    pub firms: Vec<Firm>,
    pub experts: Vec<Expert>,
}

impl Store {
    /// Jurisdiction `id`'s organization.
    pub async fn organization(&self, id: JurisdictionId) -> Result<Organization> {
        Ok(Organization {
            jurisdiction: self.jurisdiction(id).await?,
            departments: self.departments(id).await?,
            firms: self.firms(id).await?,
            experts: self.experts(id).await?,
        })
    }

    pub async fn create_jurisdiction(
        &self, actor: &Actor, now_ms: i64, code: &str, name: &str, profile_id: &str,
    ) -> Result<JurisdictionId> {
        let fields = [("code", code), ("name", name), ("profile_id", profile_id)];
        Ok(JurisdictionId(self.create_row(actor, now_ms, "jurisdiction", None, &fields).await?))
    }

    /// Inserts one row of the `kind`'s table (`<kind>s`) — in `jurisdiction`, when it belongs
    /// to one — and audits it as `<kind>.create` with the fields as written.
    async fn create_row(
        &self, actor: &Actor, now_ms: i64, kind: &str, jurisdiction: Option<JurisdictionId>,
        fields: &[(&str, &str)],
    ) -> Result<i64> {
        let mut w = self.write().await?;
        let id = insert_row(&mut w.tx, actor, now_ms, kind, jurisdiction, fields).await?;
        w.commit().await?;
        Ok(id)
    }

    pub async fn jurisdiction_by_code(&self, code: &str) -> Result<Option<Jurisdiction>> {
        let row =
            sqlx::query("SELECT id, code, name, profile_id FROM jurisdictions WHERE code = $1")
                .bind(code.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            Ok(Jurisdiction {
                id: JurisdictionId(r.try_get("id")?),
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                profile_id: r.try_get("profile_id")?,
            })
        })
        .transpose()
    }

    pub async fn jurisdiction(&self, id: JurisdictionId) -> Result<Jurisdiction> {
        let r = sqlx::query("SELECT id, code, name, profile_id FROM jurisdictions WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(DomainError::NotFound)?;
        Ok(Jurisdiction {
            id: JurisdictionId(r.try_get("id")?),
            code: r.try_get("code")?,
            name: r.try_get("name")?,
            profile_id: r.try_get("profile_id")?,
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_department(
        &self, actor: &Actor, now_ms: i64, jurisdiction: JurisdictionId,
        parent: Option<DepartmentId>, code: &str, name: &str, kinds: &[PartyKind],
    ) -> Result<DepartmentId> {
        let mut w = self.write().await?;
        let d = (parent, code, name, kinds);
        let id = insert_department(&mut w.tx, actor, now_ms, jurisdiction, d).await?;
        w.commit().await?;
        Ok(id)
    }

    /// The whole tree of a jurisdiction, in depth-first order.
    /// A department's name.
    pub async fn department_name(&self, id: DepartmentId) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT name FROM departments WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The parties the user's department acts as (none without a department).
    pub async fn parties_of(
        &self, principal: &govit_core::org::Principal,
    ) -> Result<Vec<PartyKind>> {
        let mut conn = self.pool.acquire().await?;
        parties_of(&mut conn, principal).await
    }

    /// The names of the departments with these ids (of any jurisdiction); ids not found are
    /// left out. At most 1,000 ids are looked up.
    pub async fn department_names(
        &self, ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, String>> {
        self.names_by_id("departments", ids).await
    }

    pub async fn departments(&self, jurisdiction: JurisdictionId) -> Result<Vec<Department>> {
        let rows = sqlx::query(
            "SELECT id, jurisdiction_id, parent_id, code, name, path FROM departments \
             WHERE jurisdiction_id = $1 ORDER BY path",
        )
        .bind(jurisdiction.0)
        .fetch_all(&self.pool)
        .await?;
        let kinds = sqlx::query(
            "SELECT k.department_id, k.kind FROM department_party_kinds k \
             JOIN departments d ON d.id = k.department_id WHERE d.jurisdiction_id = $1",
        )
        .bind(jurisdiction.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let mut party_kinds = Vec::new();
            for k in &kinds {
                let dept: i64 = k.try_get("department_id")?;
                let kind: String = k.try_get("kind")?;
                if dept == id
                    && let Some(pk) = PartyKind::parse(&kind)
                {
                    party_kinds.push(pk);
                }
            }
            party_kinds.sort();
            out.push(Department {
                id: DepartmentId(id),
                jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
                parent_id: r.try_get::<Option<i64>, _>("parent_id")?.map(DepartmentId),
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                path: r.try_get("path")?,
                party_kinds,
            });
        }
        // Paths sort lexically ("/1/10/" before "/1/2/"); order siblings by id instead.
        out.sort_by_key(|d| {
            d.path
                .split('/')
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<i64>().unwrap_or(0))
                .collect::<Vec<_>>()
        });
        Ok(out)
    }

    pub async fn department_by_code(
        &self, jurisdiction: JurisdictionId, code: &str,
    ) -> Result<Option<DepartmentId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM departments WHERE jurisdiction_id = $1 AND code = $2",
        )
        .bind(jurisdiction.0)
        .bind(code.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(id.map(DepartmentId))
    }

    pub async fn create_firm(
        &self, actor: &Actor, now_ms: i64, jurisdiction: JurisdictionId, kind: FirmKind,
        name: &str, credit_code: &str,
    ) -> Result<i64> {
        let fields = [("kind", kind.as_str()), ("name", name), ("credit_code", credit_code)];
        self.create_row(actor, now_ms, "firm", Some(jurisdiction), &fields).await
    }

    pub async fn firms(&self, jurisdiction: JurisdictionId) -> Result<Vec<Firm>> {
        let rows = sqlx::query("SELECT id, kind, name, credit_code, blacklisted, blacklist_reason FROM firms WHERE jurisdiction_id = $1 ORDER BY kind, id")
            .bind(jurisdiction.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(Firm {
                    id: r.try_get("id")?,
                    kind: FirmKind::parse(&kind).unwrap_or(FirmKind::Contractor),
                    name: r.try_get("name")?,
                    credit_code: r.try_get("credit_code")?,
                    blacklisted: r.try_get::<i64, _>("blacklisted")? != 0,
                    blacklist_reason: r.try_get("blacklist_reason")?,
                })
            })
            .collect()
    }

    pub async fn create_expert(
        &self, actor: &Actor, now_ms: i64, jurisdiction: JurisdictionId,
        e: &govit_core::org::forms::NewExpert,
    ) -> Result<i64> {
        let fields = [
            ("name", e.name.as_str()),
            ("employer", &e.employer),
            ("fields", &e.fields),
            ("title", &e.title),
            ("conflicts", &e.conflicts),
        ];
        self.create_row(actor, now_ms, "expert", Some(jurisdiction), &fields).await
    }

    pub async fn experts(&self, jurisdiction: JurisdictionId) -> Result<Vec<Expert>> {
        let rows = sqlx::query(
            "SELECT id, name, employer, fields, title, conflicts, blacklisted, blacklist_reason \
             FROM experts WHERE jurisdiction_id = $1 ORDER BY id",
        )
        .bind(jurisdiction.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Expert {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    employer: r.try_get("employer")?,
                    fields: r.try_get("fields")?,
                    title: r.try_get("title")?,
                    conflicts: r.try_get("conflicts")?,
                    blacklisted: r.try_get::<i64, _>("blacklisted")? != 0,
                    blacklist_reason: r.try_get("blacklist_reason")?,
                })
            })
            .collect()
    }
}

/// The parties `principal`'s department acts as, read on `conn`.
pub(crate) async fn parties_of(
    conn: &mut sqlx::AnyConnection, principal: &govit_core::org::Principal,
) -> Result<Vec<PartyKind>> {
    let Some(d) = principal.department_id else { return Ok(Vec::new()) };
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM department_party_kinds WHERE department_id = $1")
            .bind(d.0)
            .fetch_all(&mut *conn)
            .await?;
    Ok(kinds.iter().filter_map(|k| PartyKind::parse(k)).collect())
}

/// Inserts one row of the `kind`'s table (`<kind>s`) in the caller's transaction — in
/// `jurisdiction`, when it belongs to one — and audits it as `<kind>.create` with the fields
/// as written.
pub(crate) async fn insert_row(
    conn: &mut sqlx::AnyConnection, actor: &Actor, now_ms: i64, kind: &str,
    jurisdiction: Option<JurisdictionId>, fields: &[(&str, &str)],
) -> Result<i64> {
    let mut params: Vec<Param> = jurisdiction.map(|j| Param::Int(j.0)).into_iter().collect();
    let mut columns: Vec<&str> = jurisdiction.map(|_| "jurisdiction_id").into_iter().collect();
    for (column, value) in fields {
        columns.push(column);
        params.push(Param::Text(value.to_string()));
    }
    let placeholders: Vec<String> = (1..=params.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {kind}s ({}) VALUES ({}) RETURNING id",
        columns.join(", "),
        placeholders.join(", ")
    );
    // Two at once with one code: the second is told so, not answered with an error page.
    let id: i64 = bind_all(sqlx::query(AssertSqlSafe(sql)), &params)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| code_taken(e, "编码已被使用，请换一个"))?
        .try_get("id")?;
    let after: serde_json::Map<String, serde_json::Value> =
        fields.iter().map(|(k, v)| (k.to_string(), (*v).into())).collect();
    let action = format!("{kind}.create");
    append(conn, actor, now_ms, Change::ok(kind, id, &action).after(&after)).await?;
    Ok(id)
}

/// A department to insert: its parent, code, name and party kinds.
pub(crate) type DepartmentRow<'a> = (Option<DepartmentId>, &'a str, &'a str, &'a [PartyKind]);

/// Inserts a department under its parent (of the same jurisdiction) in the caller's
/// transaction, with its party kinds, and audits it. A code already used in the jurisdiction
/// is refused naming the field.
pub(crate) async fn insert_department(
    conn: &mut sqlx::AnyConnection, actor: &Actor, now_ms: i64, jurisdiction: JurisdictionId,
    (parent, code, name, kinds): DepartmentRow<'_>,
) -> Result<DepartmentId> {
    let parent_path: Option<String> = match parent {
        Some(p) => Some(
            sqlx::query_scalar(
                "SELECT path FROM departments WHERE id = $1 AND jurisdiction_id = $2",
            )
            .bind(p.0)
            .bind(jurisdiction.0)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| DomainError::invalid("parent", "上级部门不存在"))?,
        ),
        None => None,
    };
    let taken = department_of_code(conn, jurisdiction, code).await?;
    unless_taken(taken, "code", format!("本辖区已有编码为“{code}”的部门"))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO departments (jurisdiction_id, parent_id, code, name) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(jurisdiction.0)
    .bind(parent.map(|p| p.0))
    .bind(code.to_string())
    .bind(name.to_string())
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| code_taken(e, &format!("本辖区已有编码为“{code}”的部门")))?;
    let path = child_path(parent_path.as_deref(), DepartmentId(id));
    sqlx::query("UPDATE departments SET path = $1, sort_order = $2 WHERE id = $2")
        .bind(path.clone())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for k in kinds {
        sqlx::query("INSERT INTO department_party_kinds (department_id, kind) VALUES ($1, $2)")
            .bind(id)
            .bind(k.as_str())
            .execute(&mut *conn)
            .await?;
    }
    let after = serde_json::json!({
        "code": code, "name": name, "path": path,
        "party_kinds": kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
    });
    append(conn, actor, now_ms, Change::ok("department", id, "department.create").after(&after))
        .await?;
    Ok(DepartmentId(id))
}

/// A unique code already taken (by a writer that committed first), as the `code` field's error.
/// The department of `code` in `jurisdiction`, if there is one.
pub(crate) async fn department_of_code(
    conn: &mut sqlx::AnyConnection, jurisdiction: JurisdictionId, code: &str,
) -> Result<Option<DepartmentId>> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM departments WHERE jurisdiction_id = $1 AND code = $2")
            .bind(jurisdiction.0)
            .bind(code.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    Ok(id.map(DepartmentId))
}

/// Refuses on `field`, with `message`, a value that `taken` found already in use.
pub(crate) fn unless_taken<T>(
    taken: Option<T>, field: &'static str, message: String,
) -> Result<()> {
    match taken {
        Some(_) => Err(DomainError::invalid(field, message).into()),
        None => Ok(()),
    }
}

fn code_taken(e: sqlx::Error, message: &str) -> crate::StoreError {
    crate::base::unless_unique(e, || DomainError::invalid("code", message.to_string()))
}
