//! Demo review opinions: before a demo reviewer passes a step whose profile names a review
//! form, they record an opinion on it as a reviewer would, so the demo's decisions stand on
//! opinions like real ones.

use crate::projects::Project;
use crate::reviews::RecordOpinion;
use crate::{Result, Store, Target, Who};
use govit_core::review::{DimensionKind, OpinionInput};

/// Records `who`'s opinion on the project's current step when they may and have none yet;
/// whether one was recorded. Scores differ by dimension and person, within 78–95.
pub async fn give_opinion(store: &Store, who: Who<'_>, project: i64) -> Result<bool> {
    let p: Project = store.read(who, project).await?;
    let view = store.run_view(who.principal, &p, who.now_ms).await?;
    let reviews = store.reviews_of(who.principal.user_id, &p, &view).await?;
    let (Some(party), None, Some(visit)) = (&reviews.may_record, &reviews.mine, reviews.current())
    else {
        return Ok(false);
    };
    let mut input = OpinionInput {
        conclusion: "agree".into(),
        note: "演示数据：材料齐全，论证充分，同意。".into(),
        ..Default::default()
    };
    for (i, d) in visit.form.dimensions_for(party).enumerate() {
        let n = (who.principal.user_id.0 * 7 + i as i64 * 5) % 18;
        let value = match d.kind {
            DimensionKind::Score => (78 + n).to_string(),
            DimensionKind::Percent => format!("{}.5", 5 + n % 6),
            DimensionKind::Choice => d.options.first().cloned().unwrap_or_default(),
            DimensionKind::Text => "演示数据：未发现重大风险。".into(),
        };
        input.values.insert(d.id.clone(), value);
    }
    let step = RecordOpinion { input, version: 0, said: Default::default() };
    store.run(who, Target::any_version(project), &step).await?;
    Ok(true)
}
