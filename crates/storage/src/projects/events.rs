//! A project's events, facts and waivers as steps on the change path: each is recorded by
//! the party allowed to, recomputes the project's obligations and is audited.

use super::obligations::insert_dated;
use super::*;
use crate::base::change::{At, Audited, Cx, Decided, Step, Written};
use chrono::NaiveDate;
use govit_core::obligation::GateCheck;
use govit_core::obligation::Status;
use govit_core::org::PartyKind;
use govit_core::policy::{Fact, GatedAction, Recorder};
use serde_json::json;

/// An event that happened on a project, recorded by its owner unit or the authority.
pub struct RecordEvent<'a> {
    pub kind: EventKind,
    pub date: NaiveDate,
    pub note: &'a str,
    /// A date scheduled (today or later) rather than an event that happened (today or
    /// earlier); the rules count only what happened.
    pub planned: bool,
}

/// The action a recorded event is: 开工建设 stands behind the profile's `start_work` gates
/// (lhasa:13 and linxiang:22: no work before a supervisor; yeji:21: not outside the plan).
fn gated(kind: EventKind) -> Option<GatedAction> {
    match kind {
        EventKind::WorkStarted => Some(GatedAction::StartWork),
        _ => None,
    }
}

impl Step<Project> for RecordEvent<'_> {
    /// The parties the user acts as, who the project's profile says records the event, the
    /// gates in front of the action it is
    /// and the day the project was terminated, if it was.
    type Input =
        (Vec<PartyKind>, Option<(Recorder, String)>, Vec<GateCheck>, Option<chrono::NaiveDate>);
    type Decision = ();

    fn action(&self) -> String {
        "project.event".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Project>) -> Result<Self::Input> {
        let rules = cx.store.rules();
        let recorder = rules.profile(&cx.record()?.profile_id).map(|p| {
            let r = p.recorder(self.kind);
            let party = r.party.map(|k| p.party_label(k.as_str())).unwrap_or_default();
            (r, party)
        });
        let gates = match gated(self.kind) {
            Some(action) if !self.planned => {
                let p = cx.record()?.clone();
                cx.store.gate_checks(cx.conn, &p, action, None).await?
            }
            _ => Vec::new(),
        };
        let id = cx.record()?.id;
        let ended = super::run::subject::ended_on(cx.conn, id).await?;
        Ok((crate::org::parties_of(cx.conn, cx.who.principal).await?, recorder, gates, ended))
    }
    fn decide(
        &self, at: At<'_, Project>, (parties, recorder, gates, ended): Self::Input,
    ) -> Decided<()> {
        let (pr, p) = (at.who.principal, at.record()?);
        let label = self.kind.label();
        // A terminated project records only what winds it up.
        if let Some(day) = ended
            && !self.kind.winds_up()
        {
            return Err(govit_core::project::ended_refusal(day, &format!("登记“{label}”")));
        }
        let Some((recorder, party)) = recorder else {
            return Err(DomainError::invalid("kind", "项目的管理办法未加载，无法登记事件"));
        };
        if recorder.party.is_none() {
            let by = match recorder.stage {
                Some(stage) => stage.label(),
                None if self.kind.step_recorded() => "项目验收",
                None => "申报、审核等",
            };
            return Err(DomainError::invalid(
                "kind",
                format!("“{label}”由{by}办理步骤自动记录，不能手工登记"),
            ));
        }
        let owns = pr.department_id == Some(p.owner_department_id);
        if !recorder.allows(&pr.roles, &parties, owns) {
            let cite = recorder.cite.map(|c| format!("（依据 {c}）")).unwrap_or_default();
            return Err(DomainError::Forbidden(format!("“{label}”由{party}登记{cite}")));
        }
        let today = crate::china_today(at.who.now_ms);
        if !self.planned && self.date > today {
            return Err(DomainError::invalid(
                "date",
                "已发生的事件日期不能晚于今天；尚未发生的，请作为计划日期登记",
            ));
        }
        if self.planned && self.date < today {
            return Err(DomainError::invalid(
                "date",
                "计划日期不能早于今天；已经发生的，请作为事件登记",
            ));
        }
        govit_core::error::within("note", "说明", self.note, 500)?;
        govit_core::project::first_refusal(&gates)
    }
    async fn write(&self, cx: &mut Cx<'_, Project>, (): ()) -> Result<Written> {
        let (id, who) = (cx.record()?.id, cx.who);
        let by = (who.principal.user_id.0, who.now_ms);
        insert_dated(cx.conn, id, self.kind, self.date, self.note, by, self.planned).await?;
        let after = json!({"event": self.kind, "date": self.date, "note": self.note,
                           "planned": self.planned});
        Ok(Written::part(Audited::of(None, after)))
    }
}

/// A reviewer's finding (认定) of a fact the rules test, with its basis in writing.
pub struct EstablishFact<'a> {
    pub fact: Fact,
    pub value: i64,
    /// What the finding rests on (the materials, minutes or documents), shown with the fact.
    pub basis: &'a str,
    /// The materials of the declaration it relied on: the ids of the profile's documents.
    pub materials: &'a [String],
}

/// The longest basis of a finding, in characters.
pub const BASIS_MAX: usize = 500;

impl Step<Project> for EstablishFact<'_> {
    /// The ids of the documents the project's profile asks for.
    type Input = Vec<String>;
    type Decision = ();

    fn action(&self) -> String {
        "project.fact".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Project>) -> Result<Vec<String>> {
        let rules = cx.store.rules();
        let profile = rules.profile(&cx.record()?.profile_id);
        Ok(profile.map(|p| p.documents.iter().map(|d| d.id.clone()).collect()).unwrap_or_default())
    }
    fn decide(&self, at: At<'_, Project>, documents: Vec<String>) -> Decided<()> {
        if !at.who.principal.has(Role::Reviewer) {
            return Err(DomainError::Forbidden("只有主管部门审核人可以认定项目情况".into()));
        }
        if let Some(how) = self.fact.derivation() {
            return Err(DomainError::invalid(
                "fact",
                format!("“{}”{how}，不能认定", self.fact.label()),
            ));
        }
        if self.basis.trim().is_empty() {
            return Err(DomainError::invalid(
                "basis",
                "请写明认定依据（所依据的材料、会议纪要或文件）",
            ));
        }
        govit_core::error::within("basis", "认定依据", self.basis, BASIS_MAX)?;
        if self.materials.len() > 100 {
            return Err(DomainError::invalid("materials", "认定所依据的材料不能超过 100 项"));
        }
        if let Some(unknown) = self.materials.iter().find(|m| !documents.contains(m)) {
            return Err(DomainError::invalid(
                "materials",
                format!("本项目的申报材料中没有“{unknown}”，请从所列材料中选择认定所依据的材料"),
            ));
        }
        Ok(())
    }
    async fn write(&self, cx: &mut Cx<'_, Project>, (): ()) -> Result<Written> {
        let (id, conn) = (cx.record()?.id, &mut *cx.conn);
        let fact = self.fact.as_str();
        let before: Option<i64> = sqlx::query_scalar(
            "SELECT value FROM project_facts WHERE project_id = $1 AND fact = $2",
        )
        .bind(id.0)
        .bind(fact)
        .fetch_optional(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM project_facts WHERE project_id = $1 AND fact = $2")
            .bind(id.0)
            .bind(fact)
            .execute(&mut *conn)
            .await?;
        let basis = self.basis.trim();
        let mut materials: Vec<&str> = Vec::new();
        for m in self.materials {
            if !materials.contains(&m.as_str()) {
                materials.push(m);
            }
        }
        sqlx::query(
            "INSERT INTO project_facts (project_id, fact, value, basis, materials, established_by, \
             established_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.0)
        .bind(fact)
        .bind(self.value)
        .bind(basis.to_string())
        .bind(materials.join(","))
        .bind(cx.who.principal.user_id.0)
        .bind(cx.who.now_ms)
        .execute(&mut *conn)
        .await?;
        let after = json!({ fact: self.value, "basis": basis, "materials": materials });
        let audit = Audited::of(Some(json!({ fact: before })), after);
        Ok(Written::part(audit))
    }
}

/// The authority releases an open obligation, with a written reason.
pub struct Waive<'a> {
    pub key: &'a str,
    pub reason: &'a str,
}

impl Step<Project> for Waive<'_> {
    /// The obligation's status now, if the project owes it.
    type Input = Option<String>;
    type Decision = String;

    fn action(&self) -> String {
        "obligation.waive".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Project>) -> Result<Option<String>> {
        let id = cx.record()?.id;
        Ok(sqlx::query_scalar(
            "SELECT status FROM obligations WHERE project_id = $1 AND obligation_key = $2",
        )
        .bind(id.0)
        .bind(self.key.to_string())
        .fetch_optional(&mut *cx.conn)
        .await?)
    }
    fn decide(&self, at: At<'_, Project>, status: Option<String>) -> Decided<String> {
        if !at.who.principal.has(Role::Reviewer) {
            return Err(DomainError::Forbidden("只有主管部门审核人可以豁免义务".into()));
        }
        if self.reason.trim().is_empty() {
            return Err(DomainError::invalid("reason", "豁免须填写理由"));
        }
        govit_core::error::within("reason", "豁免理由", self.reason, 1000)?;
        let status = status.ok_or(DomainError::NotFound)?;
        match Status::parse(&status) {
            Some(s) if s.is_open() => {}
            Some(Status::Ended) => {
                return Err(DomainError::InvalidState {
                    message: "项目已终止，该义务不再履行，无需豁免".into(),
                });
            }
            _ => {
                return Err(DomainError::InvalidState {
                    message: "该义务已完成或已豁免，无需豁免".into(),
                });
            }
        }
        Ok(status)
    }
    async fn write(&self, cx: &mut Cx<'_, Project>, status: String) -> Result<Written> {
        let (id, who) = (cx.record()?.id, cx.who);
        sqlx::query(
            "INSERT INTO obligation_waivers (project_id, obligation_key, reason, waived_by, waived_at_ms) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.0)
        .bind(self.key.to_string())
        .bind(self.reason.trim().to_string())
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .execute(&mut *cx.conn)
        .await?;
        let audit = Audited {
            object: Some(("obligation", format!("{}/{}", id.0, self.key))),
            before: Some(json!({"status": status})),
            after: json!({"status": "waived"}),
        };
        Ok(Written::part(audit))
    }
    fn detail(&self) -> String {
        self.reason.trim().to_string()
    }
}
