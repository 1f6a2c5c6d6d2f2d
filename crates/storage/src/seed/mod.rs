//! Data to start from: the demo jurisdiction and large synthetic ones for benchmarks.

pub mod demo;
pub mod materials;
pub mod profile;
pub mod reviews;
pub mod synthetic;

use govit_core::declaration::DeclarationForm;

/// A declaration as the seeds, benchmarks and tests fill it in: `name`, `summary`, the
/// construction period (`2027-01` to `2027-12`) and `wan` 万元, all of it fiscal funds, with
/// the demo unit's leader and contact.
pub fn declaration(
    name: impl Into<String>, summary: impl Into<String>, start: impl Into<String>,
    end: impl Into<String>, wan: &str,
) -> DeclarationForm {
    DeclarationForm {
        name: name.into(),
        summary: summary.into(),
        period_start: start.into(),
        period_end: end.into(),
        investment: wan.into(),
        fiscal_funds: wan.into(),
        leader: "张建华".into(),
        contact: "李明".into(),
        phone: "0564-6661234".into(),
        email: "liming@yeji.gov.cn".into(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use crate::projects::{CreateDraft, Project};
    use crate::{Actor, Store, Target, Who};
    use govit_core::policy::{Fact, Facts};
    use govit_core::project::ProjectStatus;

    /// A project not yet approved: its sources read (all of them) give the facts the basis
    /// gives with those that wait for approval left unread.
    #[tokio::test]
    async fn the_sources_left_unread_before_approval_say_what_reading_them_finds() {
        let dir =
            std::env::temp_dir().join(format!("govit-before-approval-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let store = Store::connect(&crate::sqlite_url(&dir)).await.expect("db");
        let now = 1_781_575_200_000;
        super::demo::seed(&store, now, |_| "Unit-Pass-2026".into(), false).await.expect("seed");
        let id = store.user_id_by_login("clerk").await.expect("db").expect("clerk");
        let clerk = store.principal(id).await.expect("db").expect("principal");
        let actor = Actor::cli("test");
        let form =
            super::declaration("未批复项目", "检验立项前的事实", "2027-01", "2027-12", "120");
        let p = store
            .run::<Project, _>(Who::new(&clerk, &actor, now), Target::New, &CreateDraft(&form))
            .await
            .expect("draft")
            .record;
        assert_ne!(p.status, ProjectStatus::Approved);
        let mut conn = store.pool.acquire().await.expect("conn");
        let rules = store.rules();
        let profile = rules.profile(&p.profile_id).expect("profile");
        // A source of facts no rule of the project's profile tests is not read either.
        let (mut read, mut untested, mut skipped) = (Facts::new(), Facts::new(), 0);
        for source in store.fact_sources.iter() {
            let only = source.only();
            let tested = only.is_empty() || only.iter().any(|f| profile.mentions(*f));
            let into = if tested { &mut read } else { &mut untested };
            source.derive(&mut conn, &p, into).await.expect("derive");
            skipped += usize::from(source.before_approval(&mut Facts::new()));
        }
        let basis = store.basis_of(&mut conn, &p).await.expect("basis");
        assert_eq!(basis.sourced(), &read);
        // The demo's yeji has no lhasa:8: the common capability is not derived for it.
        assert_eq!(untested.keys().copied().collect::<Vec<_>>(), [Fact::RebuildsCommonCapability]);
        // Contracts, changes, delays, acceptances and measures wait for approval.
        assert_eq!(skipped, 5);
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
