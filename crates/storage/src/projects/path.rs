//! The path a project's profile lays out for it: the workflow engine's route from declaration
//! to approval, stage by stage, with which rules apply to this project and which facts are
//! still open.

use super::*;
use govit_core::workflow::{StageOutline, mark_walked, outline};

/// A project's approval path.
#[derive(Debug, Clone)]
pub struct ProjectPath {
    /// The profile's article and sentence for the path.
    pub cite: String,
    pub text: String,
    pub stages: Vec<StageOutline>,
    /// The run along the route: its steps, where it stands and who acted.
    pub run: super::run::Run,
    /// The names of the people the current step waits on by name (transferred, added).
    pub user_names: std::collections::HashMap<i64, String>,
    /// The profile's thresholds this project meets (yeji:2: under 100,000 yuan the
    /// regulation does not apply), for the clerk to read before sending it.
    pub thresholds: Vec<govit_core::policy::ThresholdRule>,
    /// The day it was first sent, which places it in the profile's declaration window.
    pub first_sent: Option<chrono::NaiveDate>,
}

impl Store {
    /// The approval path of a project the caller has read; none when its profile has none.
    pub async fn path_of(&self, p: &Project) -> Result<Option<ProjectPath>> {
        let rules = self.rules();
        let Some(profile) = rules.profile(&p.profile_id) else { return Ok(None) };
        let Some(path) = profile.path("approval") else { return Ok(None) };
        let (facts, first_sent, run) = {
            let mut conn = self.pool.acquire().await?;
            let (facts, first_sent) = self.facts_and_first_sent(&mut conn, p).await?;
            let run = super::run::run_under(self, &mut conn, p, &facts).await?;
            (facts, first_sent, run)
        };
        let thresholds =
            profile.thresholds.iter().filter(|t| t.met(&facts) == Some(true)).cloned().collect();
        let ids: Vec<i64> = run.progress.slots.iter().filter_map(|s| s.user.map(|u| u.0)).collect();
        let user_names = self.names_by_id("users", &ids).await?;
        Ok(outline(profile, "approval", &facts).map(|mut stages| {
            mark_walked(&mut stages, &run.route);
            ProjectPath {
                cite: path.cite.clone(),
                text: path.text.clone(),
                stages,
                run,
                user_names,
                thresholds,
                first_sent,
            }
        }))
    }
}
