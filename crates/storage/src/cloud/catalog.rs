//! The catalog's versions and their services: drafted by the data center, submitted,
//! published or returned by the authority (gaoping:12).

use super::*;

impl Store {
    /// Every version of the caller's jurisdiction the caller may see, newest first.
    pub async fn cloud_catalog_versions(
        &self,
        principal: &Principal,
    ) -> Result<Vec<CatalogVersion>> {
        let mut conn = self.pool.acquire().await?;
        let roles = roles_of(&mut conn, principal).await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{VERSION_SELECT} WHERE v.jurisdiction_id = $1 ORDER BY v.version_no DESC"
        )))
        .bind(principal.jurisdiction_id.0)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .iter()
            .map(version_from_row)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|v| may_see_version(principal, roles, v))
            .collect())
    }

    /// The published version of the caller's jurisdiction, if any.
    pub async fn current_cloud_catalog(
        &self,
        jurisdiction: JurisdictionId,
    ) -> Result<Option<CatalogVersion>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "{VERSION_SELECT} WHERE v.jurisdiction_id = $1 AND v.status = 'published'"
        )))
        .bind(jurisdiction.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(version_from_row).transpose()
    }

    /// One version; `NotFound` outside the caller's view (audited).
    pub async fn cloud_catalog_version(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: i64,
    ) -> Result<CatalogVersion> {
        let mut conn = self.pool.acquire().await?;
        let roles = roles_of(&mut conn, principal).await?;
        match fetch_version(&mut conn, id).await? {
            Some(v) if may_see_version(principal, roles, &v) => Ok(v),
            _ => {
                drop(conn);
                Err(self
                    .refuse_cloud(
                        actor,
                        now_ms,
                        "cloud_catalog",
                        &id.to_string(),
                        "cloud_catalog.read",
                        DomainError::NotFound,
                    )
                    .await)
            }
        }
    }

    /// The items of a version (already shown to be visible), filtered, ordered by code.
    pub async fn cloud_services(
        &self,
        version_id: i64,
        f: &ServiceFilter,
    ) -> Result<Vec<ServiceRecord>> {
        let mut w = Where::default();
        w.and("catalog_version_id = ?", vec![Param::Int(version_id)]);
        if !f.keyword.trim().is_empty() {
            let k = like_pattern(f.keyword.trim());
            w.and(
                "(name LIKE ? ESCAPE '\\' OR code LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\' OR keywords LIKE ? ESCAPE '\\')",
                vec![
                    Param::Text(k.clone()),
                    Param::Text(k.clone()),
                    Param::Text(k.clone()),
                    Param::Text(k),
                ],
            );
        }
        if let Some(c) = f.category {
            w.and("category = ?", vec![Param::Text(c.as_str().into())]);
        }
        if f.common_only {
            w.and("is_common = 1", vec![]);
        }
        let sql = format!("SELECT * FROM cloud_services{} ORDER BY code, id", w.sql());
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(service_from_row).collect()
    }

    /// One item with its version, for editing.
    pub async fn cloud_service(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        service_id: i64,
    ) -> Result<(CatalogVersion, ServiceRecord)> {
        let s = {
            let mut conn = self.pool.acquire().await?;
            fetch_service(&mut conn, service_id).await?
        };
        let Some(s) = s else {
            return Err(self
                .refuse_cloud(
                    actor,
                    now_ms,
                    "cloud_service",
                    &service_id.to_string(),
                    "cloud_service.read",
                    DomainError::NotFound,
                )
                .await);
        };
        let v = self
            .cloud_catalog_version(principal, actor, now_ms, s.catalog_version_id)
            .await?;
        Ok((v, s))
    }

    /// Starts the next version as a copy of the one in force (gaoping:12). One open draft
    /// per jurisdiction.
    pub async fn start_cloud_draft(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        note: &str,
    ) -> Result<CatalogVersion> {
        let mut w = self.write().await?;
        let roles = roles_of(&mut w.tx, principal).await?;
        let allowed = if roles.drafter {
            Ok(())
        } else {
            Err(drafter_only())
        };
        let (mut w, ()) = self
            .admit(
                w,
                allowed,
                actor,
                now_ms,
                ("cloud_catalog", "", "cloud_catalog.draft"),
            )
            .await?;
        let note = limit("note", "说明", note, 500)?;
        let j = principal.jurisdiction_id.0;
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT version_no FROM cloud_catalog_versions WHERE jurisdiction_id = $1 \
             AND status IN ('draft', 'submitted', 'returned')",
        )
        .bind(j)
        .fetch_optional(&mut *w.tx)
        .await?;
        if let Some(n) = open {
            return Err(DomainError::InvalidState {
                message: format!(
                    "目录第 {n} 版尚未发布，请在其上继续编制；同一时间只能有一个未发布的版本（gaoping:12）"
                ),
            }
            .into());
        }
        let next: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version_no), 0) + 1 FROM cloud_catalog_versions WHERE jurisdiction_id = $1",
        )
        .bind(j)
        .fetch_one(&mut *w.tx)
        .await?;
        let id: i64 = match sqlx::query_scalar(
            "INSERT INTO cloud_catalog_versions (jurisdiction_id, version_no, status, note, drafted_by, created_at_ms, version) \
             VALUES ($1, $2, 'draft', $3, $4, $5, 1) RETURNING id",
        )
        .bind(j)
        .bind(next)
        .bind(note.clone())
        .bind(principal.user_id.0)
        .bind(now_ms)
        .fetch_one(&mut *w.tx)
        .await
        {
            Ok(id) => id,
            Err(e) if unique_violation(&e) => {
                return Err(DomainError::InvalidState {
                    message: "已有未发布的目录版本，请刷新后在其上继续编制（gaoping:12）".into(),
                }
                .into());
            }
            Err(e) => return Err(e.into()),
        };
        let copied = sqlx::query(
            "INSERT INTO cloud_services (catalog_version_id, code, name, category, description, provider, unit, is_common, keywords) \
             SELECT $1, cs.code, cs.name, cs.category, cs.description, cs.provider, cs.unit, cs.is_common, cs.keywords \
             FROM cloud_services cs JOIN cloud_catalog_versions v ON v.id = cs.catalog_version_id \
             WHERE v.jurisdiction_id = $2 AND v.status = 'published'",
        )
        .bind(id)
        .bind(j)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        let v = fetch_version(&mut w.tx, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("cloud_catalog", id, "cloud_catalog.draft").after(
                &serde_json::json!({"version_no": next, "note": note, "copied_services": copied}),
            ),
        )
        .await?;
        w.commit().await?;
        Ok(v)
    }

    /// An item and its version, when the caller may edit that version now.
    async fn service_for_edit(
        &self,
        w: &mut crate::WriteTx<'_>,
        principal: &Principal,
        service_id: i64,
        expected_version: i64,
    ) -> Result<std::result::Result<(CatalogVersion, ServiceRecord), DomainError>> {
        let Some(service) = fetch_service(&mut w.tx, service_id).await? else {
            return Ok(Err(DomainError::NotFound));
        };
        Ok(self
            .version_for_edit(w, principal, service.catalog_version_id, expected_version)
            .await?
            .map(|v| (v, service)))
    }

    /// Loads a version for a change by the data center: visible, drafter, same version,
    /// still editable.
    async fn version_for_edit(
        &self,
        w: &mut crate::WriteTx<'_>,
        principal: &Principal,
        id: i64,
        expected_version: i64,
    ) -> Result<std::result::Result<CatalogVersion, DomainError>> {
        let roles = roles_of(&mut w.tx, principal).await?;
        let v = match fetch_version(&mut w.tx, id).await? {
            Some(v) if may_see_version(principal, roles, &v) => v,
            _ => return Ok(Err(DomainError::NotFound)),
        };
        if !roles.drafter {
            return Ok(Err(drafter_only()));
        }
        if v.version != expected_version {
            return Ok(Err(DomainError::StaleVersion { current: v.version }));
        }
        if !v.status.is_editable() {
            return Ok(Err(DomainError::InvalidState {
                message: format!(
                    "目录第 {} 版当前状态为“{}”，不能修改",
                    v.version_no,
                    v.status.label()
                ),
            }));
        }
        Ok(Ok(v))
    }

    pub async fn add_cloud_service(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        version_id: i64,
        expected_version: i64,
        form: &CloudServiceForm,
    ) -> Result<ServiceRecord> {
        let mut w = self.write().await?;
        let checked = self
            .version_for_edit(&mut w, principal, version_id, expected_version)
            .await?;
        let (mut w, v) = self
            .admit(
                w,
                checked,
                actor,
                now_ms,
                (
                    "cloud_catalog",
                    &version_id.to_string(),
                    "cloud_service.add",
                ),
            )
            .await?;
        let s = form.parse().map_err(DomainError::Invalid)?;
        let id: i64 = match sqlx::query_scalar(
            "INSERT INTO cloud_services (catalog_version_id, code, name, category, description, provider, unit, is_common, keywords) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(v.id)
        .bind(s.code.clone())
        .bind(s.name.clone())
        .bind(s.category.as_str())
        .bind(s.description.clone())
        .bind(s.provider.clone())
        .bind(s.unit.clone())
        .bind(i64::from(s.is_common))
        .bind(s.keywords.join(","))
        .fetch_one(&mut *w.tx)
        .await
        {
            Ok(id) => id,
            Err(e) if unique_violation(&e) => {
                return Err(DomainError::invalid(
                    "code",
                    format!("本版目录已有编码为“{}”的服务", s.code),
                )
                .into());
            }
            Err(e) => return Err(e.into()),
        };
        bump(&mut w.tx, v.id, expected_version).await?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("cloud_catalog", v.id, "cloud_service.add")
                .after(&serde_json::json!({"service_id": id, "service": s})),
        )
        .await?;
        w.commit().await?;
        Ok(ServiceRecord {
            id,
            catalog_version_id: v.id,
            service: s,
        })
    }

    /// Replaces an item of an editable version; `expected_version` is the version's lock.
    pub async fn update_cloud_service(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        service_id: i64,
        expected_version: i64,
        form: &CloudServiceForm,
    ) -> Result<ServiceRecord> {
        let mut w = self.write().await?;
        let checked = self
            .service_for_edit(&mut w, principal, service_id, expected_version)
            .await?;
        let (mut w, (v, before)) = self
            .admit(
                w,
                checked,
                actor,
                now_ms,
                (
                    "cloud_service",
                    &service_id.to_string(),
                    "cloud_service.update",
                ),
            )
            .await?;
        let s = form.parse().map_err(DomainError::Invalid)?;
        match sqlx::query(
            "UPDATE cloud_services SET code = $1, name = $2, category = $3, description = $4, provider = $5, \
             unit = $6, is_common = $7, keywords = $8 WHERE id = $9",
        )
        .bind(s.code.clone())
        .bind(s.name.clone())
        .bind(s.category.as_str())
        .bind(s.description.clone())
        .bind(s.provider.clone())
        .bind(s.unit.clone())
        .bind(i64::from(s.is_common))
        .bind(s.keywords.join(","))
        .bind(service_id)
        .execute(&mut *w.tx)
        .await
        {
            Ok(_) => {}
            Err(e) if unique_violation(&e) => {
                return Err(DomainError::invalid(
                    "code",
                    format!("本版目录已有编码为“{}”的服务", s.code),
                )
                .into());
            }
            Err(e) => return Err(e.into()),
        }
        bump(&mut w.tx, v.id, expected_version).await?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("cloud_catalog", v.id, "cloud_service.update")
                .before(&serde_json::json!({"service_id": service_id, "service": before.service}))
                .after(&serde_json::json!({"service_id": service_id, "service": s})),
        )
        .await?;
        w.commit().await?;
        Ok(ServiceRecord {
            id: service_id,
            catalog_version_id: v.id,
            service: s,
        })
    }

    /// Removes an item from an editable version.
    pub async fn remove_cloud_service(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        service_id: i64,
        expected_version: i64,
    ) -> Result<CatalogVersion> {
        let mut w = self.write().await?;
        let checked = self
            .service_for_edit(&mut w, principal, service_id, expected_version)
            .await?;
        let (mut w, (v, before)) = self
            .admit(
                w,
                checked,
                actor,
                now_ms,
                (
                    "cloud_service",
                    &service_id.to_string(),
                    "cloud_service.remove",
                ),
            )
            .await?;
        sqlx::query("DELETE FROM cloud_services WHERE id = $1")
            .bind(service_id)
            .execute(&mut *w.tx)
            .await?;
        bump(&mut w.tx, v.id, expected_version).await?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("cloud_catalog", v.id, "cloud_service.remove")
                .before(&serde_json::json!({"service_id": service_id, "service": before.service})),
        )
        .await?;
        let after = fetch_version(&mut w.tx, v.id)
            .await?
            .ok_or(DomainError::NotFound)?;
        w.commit().await?;
        Ok(after)
    }

    /// Sends a draft (or a returned version) to the authority.
    pub async fn submit_cloud_catalog(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: i64,
        expected_version: i64,
    ) -> Result<CatalogVersion> {
        let mut w = self.write().await?;
        let checked = self
            .version_for_edit(&mut w, principal, id, expected_version)
            .await?;
        let (mut w, v) = self
            .admit(
                w,
                checked,
                actor,
                now_ms,
                ("cloud_catalog", &id.to_string(), "cloud_catalog.submit"),
            )
            .await?;
        if v.service_count == 0 {
            return Err(DomainError::InvalidState {
                message: "目录中还没有服务，请先添加服务再提交".into(),
            }
            .into());
        }
        let n = sqlx::query(
            "UPDATE cloud_catalog_versions SET status = 'submitted', submitted_at_ms = $1, version = version + 1 \
             WHERE id = $2 AND version = $3",
        )
        .bind(now_ms)
        .bind(id)
        .bind(expected_version)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(DomainError::StaleVersion {
                current: expected_version + 1,
            }
            .into());
        }
        let after = fetch_version(&mut w.tx, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("cloud_catalog", id, "cloud_catalog.submit")
                .before(&serde_json::json!({"status": v.status, "version": v.version}))
                .after(&serde_json::json!({"status": after.status, "version": after.version, "services": after.service_count})),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// The authority publishes a submitted version — the one in force becomes superseded —
    /// or returns it with a reason (gaoping:12).
    pub async fn decide_cloud_catalog(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: i64,
        expected_version: i64,
        decision: &CatalogDecision,
    ) -> Result<CatalogVersion> {
        let mut w = self.write().await?;
        let roles = roles_of(&mut w.tx, principal).await?;
        let checked = match fetch_version(&mut w.tx, id).await? {
            Some(v) if may_see_version(principal, roles, &v) => {
                if !roles.authority {
                    Err(authority_only("审批发布政务云系统服务目录（gaoping:12）"))
                } else {
                    Ok(v)
                }
            }
            _ => Err(DomainError::NotFound),
        };
        let (mut w, v) = self
            .admit(
                w,
                checked,
                actor,
                now_ms,
                ("cloud_catalog", &id.to_string(), "cloud_catalog.decide"),
            )
            .await?;
        if v.version != expected_version {
            return Err(DomainError::StaleVersion { current: v.version }.into());
        }
        if v.status != CatalogStatus::Submitted {
            return Err(DomainError::InvalidState {
                message: format!(
                    "目录第 {} 版当前状态为“{}”，只有待审批的版本可以发布或退回",
                    v.version_no,
                    v.status.label()
                ),
            }
            .into());
        }
        let (status, note, action) = match decision {
            CatalogDecision::Publish { note } => ("published", note, "cloud_catalog.publish"),
            CatalogDecision::Return { reason } => ("returned", reason, "cloud_catalog.return"),
        };
        if status == "published" {
            // The version in force steps aside first: one published version per jurisdiction.
            let old: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM cloud_catalog_versions WHERE jurisdiction_id = $1 AND status = 'published'",
            )
            .bind(v.jurisdiction_id.0)
            .fetch_all(&mut *w.tx)
            .await?;
            for old_id in old {
                sqlx::query(
                    "UPDATE cloud_catalog_versions SET status = 'superseded', version = version + 1 WHERE id = $1",
                )
                .bind(old_id)
                .execute(&mut *w.tx)
                .await?;
                append(
                    &mut w.tx,
                    actor,
                    now_ms,
                    Change::ok("cloud_catalog", old_id, "cloud_catalog.supersede")
                        .detail(format!("由第 {} 版替代", v.version_no)),
                )
                .await?;
            }
        }
        let n = sqlx::query(
            "UPDATE cloud_catalog_versions SET status = $1, decided_by = $2, decided_at_ms = $3, decision_note = $4, \
             published_at_ms = CASE WHEN $5 = 1 THEN $3 ELSE published_at_ms END, version = version + 1 \
             WHERE id = $6 AND version = $7",
        )
        .bind(status)
        .bind(principal.user_id.0)
        .bind(now_ms)
        .bind(note.clone())
        .bind(i64::from(status == "published"))
        .bind(id)
        .bind(expected_version)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(DomainError::StaleVersion {
                current: expected_version + 1,
            }
            .into());
        }
        let after = fetch_version(&mut w.tx, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("cloud_catalog", id, action)
                .before(&serde_json::json!({"status": v.status, "version": v.version}))
                .after(&serde_json::json!({"status": after.status, "version": after.version}))
                .detail(note.clone()),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// The steps a version went through, oldest first: (at, who, action, detail).
    pub async fn cloud_catalog_timeline(
        &self,
        id: i64,
    ) -> Result<Vec<(i64, String, String, String)>> {
        let rows = sqlx::query(
            "SELECT at_ms, actor_login, action, detail FROM audit_log WHERE object_type = 'cloud_catalog' \
             AND object_id = $1 AND result = 'ok' ORDER BY seq",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let logins: Vec<String> = rows
            .iter()
            .filter_map(|r| r.try_get::<String, _>("actor_login").ok())
            .collect();
        let mut names = std::collections::HashMap::new();
        for l in logins {
            if !names.contains_key(&l) {
                let n: Option<String> =
                    sqlx::query_scalar("SELECT name FROM users WHERE login = $1")
                        .bind(l.clone())
                        .fetch_optional(&self.pool)
                        .await?;
                names.insert(l.clone(), n.unwrap_or(l));
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
