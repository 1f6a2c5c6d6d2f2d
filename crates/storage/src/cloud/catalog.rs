//! The catalog's versions and their services: drafted by the data center, submitted,
//! published or returned by the authority (gaoping:12).

use super::*;
use crate::Who;

impl Store {
    /// Every version of the caller's jurisdiction the caller may see, newest first.
    pub async fn cloud_catalog_versions(
        &self, principal: &Principal,
    ) -> Result<Vec<CatalogVersion>> {
        let mut conn = self.pool.acquire().await?;
        let roles = roles_of(&mut conn, principal).await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{VERSION_SELECT} WHERE v.jurisdiction_id = $1 ORDER BY v.version_no DESC"
        )))
        .bind(principal.jurisdiction_id.0)
        .fetch_all(&mut *conn)
        .await?;
        visible_rows(&rows, version_from_row, |v| may_see_version(principal, roles, v))
    }

    /// The published version of the caller's jurisdiction, if any.
    pub async fn current_cloud_catalog(
        &self, jurisdiction: JurisdictionId,
    ) -> Result<Option<CatalogVersion>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "{VERSION_SELECT} WHERE v.jurisdiction_id = $1 AND v.status = 'published'"
        )))
        .bind(jurisdiction.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(version_from_row).transpose()
    }

    /// The items of a version (already shown to be visible), filtered, ordered by code.
    pub async fn cloud_services(
        &self, version_id: i64, f: &ServiceFilter,
    ) -> Result<Vec<ServiceRecord>> {
        let mut w = Where::default();
        w.and("catalog_version_id = ?", vec![Param::Int(version_id)]);
        w.keyword(&f.keyword, &["name", "code", "description", "keywords"]);
        if let Some(c) = f.category {
            w.and("category = ?", vec![Param::Text(c.as_str().into())]);
        }
        if f.common_only {
            w.and("is_common = 1", vec![]);
        }
        let sql = format!("SELECT * FROM cloud_services{} ORDER BY code, id", w.sql());
        let rows =
            bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params).fetch_all(&self.pool).await?;
        rows.iter().map(service_from_row).collect()
    }

    /// One item with its version, for editing.
    pub async fn cloud_service(
        &self, who: Who<'_>, service_id: i64,
    ) -> Result<(CatalogVersion, ServiceRecord)> {
        let s = {
            let mut conn = self.pool.acquire().await?;
            fetch_service(&mut conn, service_id).await?
        };
        let Some(s) = s else {
            return Err(self
                .refused(
                    who,
                    "cloud_service",
                    Some(service_id),
                    "cloud_service.read",
                    DomainError::NotFound.into(),
                )
                .await);
        };
        let v = self.read::<CatalogVersion>(who, s.catalog_version_id).await?;
        Ok((v, s))
    }

    /// The steps a version went through, oldest first: (at, who, action, detail).
    pub async fn cloud_catalog_timeline(
        &self, id: i64,
    ) -> Result<Vec<(i64, String, String, String)>> {
        let rows = sqlx::query(
            "SELECT at_ms, actor_login, action, detail FROM audit_log WHERE object_type = 'cloud_catalog' \
             AND object_id = $1 AND result = 'ok' ORDER BY seq",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let logins: Vec<String> =
            rows.iter().filter_map(|r| r.try_get::<String, _>("actor_login").ok()).collect();
        let mut names = std::collections::HashMap::new();
        for l in logins {
            if !names.contains_key(&l) {
                let n: Option<String> =
                    sqlx::query_scalar("SELECT name FROM users WHERE login = $1")
                        .bind(l.clone())
                        .fetch_optional(&self.pool)
                        .await?;
                // A command-line actor (`cli:…`) is named as such, in Chinese.
                let shown = n.unwrap_or_else(|| govit_core::audit::reading::actor_label(&l));
                names.insert(l.clone(), shown);
            }
        }
        rows.iter()
            .map(|r| {
                let login: String = r.try_get("actor_login")?;
                Ok((
                    r.try_get("at_ms")?,
                    names.get(&login).cloned().unwrap_or(login),
                    r.try_get("action")?,
                    r.try_get("detail")?,
                ))
            })
            .collect()
    }
}
