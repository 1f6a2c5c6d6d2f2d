//! The rules the server applies: the working-day calendar and the policy profiles, held in
//! memory and swapped whole when a calendar year is imported or profiles are reloaded.

mod calendar;

use crate::{Result, Store};
use govit_core::calendar::Calendar;
use govit_core::policy::{self, Profile, ProfileError};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug)]
pub struct Rules {
    pub calendar: Calendar,
    pub profiles: BTreeMap<String, Profile>,
    /// Which imported years the calendar was built from (each year and when it was
    /// imported), to notice an import by another process.
    pub calendar_stamp: String,
}

impl Rules {
    pub fn builtin() -> Rules {
        Rules {
            calendar: Calendar::builtin(),
            profiles: policy::builtin().into_iter().map(|p| (p.head.id.clone(), p)).collect(),
            calendar_stamp: String::new(),
        }
    }

    pub fn profile(&self, id: &str) -> Option<&Profile> {
        self.profiles.get(id)
    }
}

/// Reads `*.toml` profiles from a directory; a file with mistakes is reported, not loaded.
pub fn read_profile_dir(dir: &Path) -> (Vec<Profile>, Vec<ProfileError>) {
    let mut profiles = Vec::new();
    let mut errors = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (profiles, errors);
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let name = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => match policy::load(&name, &text) {
                Ok(p) => profiles.push(p),
                Err(e) => errors.extend(e),
            },
            Err(e) => errors.push(ProfileError {
                file: name,
                line: 0,
                field: String::new(),
                message: e.to_string(),
            }),
        }
    }
    (profiles, errors)
}

impl Store {
    pub fn rules(&self) -> Arc<Rules> {
        self.rules.read().map(|r| r.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    fn replace_rules(&self, f: impl FnOnce(&Rules) -> Rules) {
        let mut guard = self.rules.write().unwrap_or_else(|p| p.into_inner());
        let next = f(&guard);
        *guard = Arc::new(next);
    }

    /// Loads profiles from `<data dir>/policies`, each overriding a built-in one of the same
    /// id or adding a new jurisdiction's. Returns the mistakes of files not loaded.
    pub fn load_profile_overrides(&self, dir: &Path) -> Vec<ProfileError> {
        let (extra, errors) = read_profile_dir(dir);
        for e in &errors {
            tracing::error!(error = %e, "policy profile not loaded");
        }
        if !extra.is_empty() {
            self.replace_rules(|r| {
                let mut profiles = r.profiles.clone();
                for p in extra {
                    tracing::info!(profile = %p.head.id, "loaded policy profile from the data directory");
                    profiles.insert(p.head.id.clone(), p);
                }
                Rules {
                    calendar: r.calendar.clone(),
                    profiles,
                    calendar_stamp: r.calendar_stamp.clone(),
                }
            });
        }
        errors
    }

    /// Rebuilds the calendar from the built-in schedule and the imported years when they
    /// changed since it was built; returns whether they had.
    pub async fn reload_calendar(&self) -> Result<bool> {
        let mut conn = self.pool.acquire().await?;
        Ok(self.current_rules_in(&mut conn).await?.1)
    }

    /// The rules with the calendar as the database has it now, read on `conn` (inside a
    /// write, so that no obligation is computed with a calendar another process replaced);
    /// and whether it had to be rebuilt.
    pub(crate) async fn current_rules_in(
        &self, conn: &mut sqlx::AnyConnection,
    ) -> Result<(Arc<Rules>, bool)> {
        let stamp = calendar::stamp(conn).await?;
        let rules = self.rules();
        if rules.calendar_stamp == stamp {
            return Ok((rules, false));
        }
        let calendar = calendar::load(conn).await?;
        self.replace_rules(|r| Rules {
            calendar,
            profiles: r.profiles.clone(),
            calendar_stamp: stamp,
        });
        Ok((self.rules(), true))
    }
}
