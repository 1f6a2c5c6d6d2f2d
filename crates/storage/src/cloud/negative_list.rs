//! The negative list (gaoping:11): the owner unit requests an exemption from the cloud or the
//! service platform; the authority approves it with its document number, rejects or revokes it.

use super::*;

impl Store {
    /// The owner unit asks to exempt one of its systems from the cloud and/or the service
    /// platform (gaoping:11).
    pub async fn request_negative_listing(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        system_id: i64,
        form: &NegativeListForm,
    ) -> Result<NegativeEntry> {
        let system = self.system(principal, actor, now_ms, system_id).await?;
        if !(principal.has(Role::Declarant)
            && principal.department_id == Some(system.owner_department_id))
        {
            return Err(self
                .refuse_cloud(
                    actor,
                    now_ms,
                    "info_system",
                    &system_id.to_string(),
                    "negative_list.request",
                    DomainError::Forbidden(
                        "只有系统所属单位的经办人可以申请列入负面清单（gaoping:11）".into(),
                    ),
                )
                .await);
        }
        let l = form.parse().map_err(DomainError::Invalid)?;
        let mut w = self.write().await?;
        let open: Option<String> = sqlx::query_scalar(
            "SELECT status FROM negative_list WHERE system_id = $1 AND status IN ('pending', 'approved')",
        )
        .bind(system_id)
        .fetch_optional(&mut *w.tx)
        .await?;
        let already = |s: &str| DomainError::InvalidState {
            message: format!(
                "该系统已有{}的负面清单申请，不能重复申请",
                NegativeStatus::parse(s)
                    .map(|x| x.label())
                    .unwrap_or("未办结")
            ),
        };
        if let Some(s) = open {
            return Err(already(&s).into());
        }
        let id: i64 = match sqlx::query_scalar(
            "INSERT INTO negative_list (jurisdiction_id, system_id, exempt_cloud, exempt_platform, reasons, basis, status, \
             requested_by, requested_at_ms, version) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, 1) RETURNING id",
        )
        .bind(system.jurisdiction_id.0)
        .bind(system_id)
        .bind(i64::from(l.exempt_cloud))
        .bind(i64::from(l.exempt_platform))
        .bind(l.reasons.clone())
        .bind(l.basis.clone())
        .bind(principal.user_id.0)
        .bind(now_ms)
        .fetch_one(&mut *w.tx)
        .await
        {
            Ok(id) => id,
            Err(e) if unique_violation(&e) => return Err(already("pending").into()),
            Err(e) => return Err(e.into()),
        };
        let e = fetch_negative(&mut w.tx, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("negative_list", id, "negative_list.request")
                .after(&serde_json::json!({"system_id": system_id, "listing": l})),
        )
        .await?;
        w.commit().await?;
        Ok(e)
    }

    /// The authority approves (with its document number), rejects or revokes (with a
    /// reason) a negative-list entry (gaoping:11).
    pub async fn decide_negative_listing(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: i64,
        expected_version: i64,
        decision: &NegativeDecision,
    ) -> Result<NegativeEntry> {
        let mut w = self.write().await?;
        let roles = roles_of(&mut w.tx, principal).await?;
        let checked = match fetch_negative(&mut w.tx, id).await? {
            Some(e) if negative_visible(principal, &e) => {
                if roles.authority {
                    Ok(e)
                } else {
                    Err(authority_only("审批负面清单（gaoping:11）"))
                }
            }
            _ => Err(DomainError::NotFound),
        };
        let (mut w, before) = self
            .admit(
                w,
                checked,
                actor,
                now_ms,
                ("negative_list", &id.to_string(), "negative_list.decide"),
            )
            .await?;
        if before.version != expected_version {
            return Err(DomainError::StaleVersion {
                current: before.version,
            }
            .into());
        }
        let (to, document, note, action, from) = match decision {
            NegativeDecision::Approve { document, note } => (
                NegativeStatus::Approved,
                document.clone(),
                note.clone(),
                "negative_list.approve",
                NegativeStatus::Pending,
            ),
            NegativeDecision::Reject { reason } => (
                NegativeStatus::Rejected,
                String::new(),
                reason.clone(),
                "negative_list.reject",
                NegativeStatus::Pending,
            ),
            NegativeDecision::Revoke { reason } => (
                NegativeStatus::Revoked,
                before.approval_document.clone(),
                reason.clone(),
                "negative_list.revoke",
                NegativeStatus::Approved,
            ),
        };
        if before.status != from {
            return Err(DomainError::InvalidState {
                message: format!(
                    "该申请当前状态为“{}”，不能{}",
                    before.status.label(),
                    match to {
                        NegativeStatus::Revoked => "撤销",
                        _ => "审批",
                    }
                ),
            }
            .into());
        }
        let n = sqlx::query(
            "UPDATE negative_list SET status = $1, decided_by = $2, decided_at_ms = $3, approval_document = $4, \
             decision_note = $5, version = version + 1 WHERE id = $6 AND version = $7",
        )
        .bind(to.as_str())
        .bind(principal.user_id.0)
        .bind(now_ms)
        .bind(document)
        .bind(note.clone())
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
        let after = fetch_negative(&mut w.tx, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("negative_list", id, action)
                .before(&before)
                .after(&after)
                .detail(note),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    pub async fn negative_entry(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: i64,
    ) -> Result<NegativeEntry> {
        let found = {
            let mut conn = self.pool.acquire().await?;
            fetch_negative(&mut conn, id).await?
        };
        match found {
            Some(e) if negative_visible(principal, &e) => Ok(e),
            _ => Err(self
                .refuse_cloud(
                    actor,
                    now_ms,
                    "negative_list",
                    &id.to_string(),
                    "negative_list.read",
                    DomainError::NotFound,
                )
                .await),
        }
    }

    /// Every request about one system, newest first (the system must be visible).
    pub async fn negative_entries_for_system(
        &self,
        principal: &Principal,
        system_id: i64,
    ) -> Result<Vec<NegativeEntry>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {NEGATIVE_COLUMNS} {NEGATIVE_FROM} WHERE n.system_id = $1 ORDER BY n.id DESC"
        )))
        .bind(system_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(negative_from_row)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|e| negative_visible(principal, e))
            .collect())
    }

    /// The negative list in the caller's data scope.
    pub async fn list_negative(
        &self,
        principal: &Principal,
        f: &NegativeFilter,
        page: Page,
    ) -> Result<Paged<NegativeEntry>> {
        let mut w = crate::visible_where(principal, "s");
        if !f.keyword.trim().is_empty() {
            let k = like_pattern(f.keyword.trim());
            w.and(
                "(s.name LIKE ? ESCAPE '\\' OR n.reasons LIKE ? ESCAPE '\\' OR n.approval_document LIKE ? ESCAPE '\\')",
                vec![Param::Text(k.clone()), Param::Text(k.clone()), Param::Text(k)],
            );
        }
        if let Some(st) = f.status {
            w.and("n.status = ?", vec![Param::Text(st.as_str().into())]);
        }
        if let Some(dept) = f.department {
            w.within_department(dept);
        }
        let select = format!("SELECT {NEGATIVE_COLUMNS} {NEGATIVE_FROM}");
        self.fetch_page(
            (&select, NEGATIVE_FROM),
            &w,
            "n.requested_at_ms DESC, n.id DESC",
            page,
            negative_from_row,
        )
        .await
    }
}
