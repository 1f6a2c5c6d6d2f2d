//! 专家抽取 (issue 11 §3, linxiang:15): a review panel drawn at random from the expert pool,
//! reproducibly. The draw is a function of the seed and the candidates as they stood, both
//! kept in the audit log, so an auditor re-running it with them gets the same panel; it does
//! not depend on any library's random generator (SplitMix64, written out here, is its whole
//! randomness). Experts employed by the owner unit or by a bidder, those who declared a
//! conflict with either, and the blacklisted are excluded before the draw, each with the
//! reason; a replacement for one who declines is the next expert of the same shuffled order.

use serde::{Deserialize, Serialize};

/// A profile's expert panel (`[[panels]]`), named by the chain link whose signers are drawn
/// for it: how many, and of which fields. The step before that link draws them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelRule {
    pub id: String,
    pub cite: String,
    pub text: String,
    /// Its name (专家评审组 …).
    pub name: String,
    pub size: usize,
    /// Fields of expertise an expert of the panel has one of; any field when empty.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// An expert of the pool as the draw sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub employer: String,
    /// Fields of expertise.
    pub fields: Vec<String>,
    /// Units they declared a conflict of interest with.
    pub conflicts: Vec<String>,
    pub blacklisted: bool,
    /// Whether they have an active account to give their opinion with.
    pub account: bool,
}

/// What a panel is drawn for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub size: usize,
    /// The panel needs experts of these fields; an expert counts when they have any of them.
    /// Empty: any field.
    pub fields: Vec<String>,
    /// The owner unit's name and the bidders' (firms').
    pub owner: String,
    pub bidders: Vec<String>,
}

/// Why an expert could not be drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    OwnerEmployee,
    BidderEmployee,
    Conflict,
    Blacklisted,
    OtherField,
    NoAccount,
}

impl Exclusion {
    pub fn label(self) -> &'static str {
        match self {
            Exclusion::OwnerEmployee => "任职于项目建设单位",
            Exclusion::BidderEmployee => "任职于投标单位",
            Exclusion::Conflict => "申报了利益冲突",
            Exclusion::Blacklisted => "列入黑名单",
            Exclusion::OtherField => "专业领域不符",
            Exclusion::NoAccount => "未开通账户",
        }
    }
}

/// A draw as it came out: the seed, the candidates' order after shuffling, the panel (the
/// first `size` of that order) and who was excluded and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draw {
    pub seed: u64,
    /// Every eligible expert's id, in the drawn order.
    pub order: Vec<i64>,
    pub panel: Vec<i64>,
    pub excluded: Vec<(i64, Exclusion)>,
}

/// Too few eligible experts for the panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooFew {
    pub eligible: usize,
    pub size: usize,
}

impl std::fmt::Display for TooFew {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "符合条件的专家只有 {} 名，不足抽取 {} 名", self.eligible, self.size)
    }
}

/// SplitMix64: the whole of the draw's randomness, so a draw re-runs the same anywhere.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (n > 0), without modulo bias.
    fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let x = self.next();
            if x < zone {
                return x % n;
            }
        }
    }
}

fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a == b
}

/// Why `c` cannot sit on a panel for `r`, if anything.
pub fn exclusion(c: &Candidate, r: &Request) -> Option<Exclusion> {
    if c.blacklisted {
        return Some(Exclusion::Blacklisted);
    }
    if same(&c.employer, &r.owner) {
        return Some(Exclusion::OwnerEmployee);
    }
    if r.bidders.iter().any(|b| same(&c.employer, b)) {
        return Some(Exclusion::BidderEmployee);
    }
    let parties = std::iter::once(&r.owner).chain(r.bidders.iter());
    if parties.clone().any(|p| c.conflicts.iter().any(|x| same(x, p))) {
        return Some(Exclusion::Conflict);
    }
    if !r.fields.is_empty() && !c.fields.iter().any(|f| r.fields.iter().any(|g| same(f, g))) {
        return Some(Exclusion::OtherField);
    }
    if !c.account {
        return Some(Exclusion::NoAccount);
    }
    None
}

/// Draws a panel: the eligible candidates (in ascending id, whatever order they came in)
/// shuffled by Fisher–Yates under `seed`; the panel is the first `size`.
pub fn draw(candidates: &[Candidate], r: &Request, seed: u64) -> Result<Draw, TooFew> {
    let mut excluded = Vec::new();
    let mut order: Vec<i64> = Vec::with_capacity(candidates.len());
    for c in candidates {
        match exclusion(c, r) {
            Some(why) => excluded.push((c.id, why)),
            None => order.push(c.id),
        }
    }
    order.sort_unstable();
    order.dedup();
    excluded.sort_unstable_by_key(|(id, _)| *id);
    if order.len() < r.size || r.size == 0 {
        return Err(TooFew { eligible: order.len(), size: r.size });
    }
    let mut rng = SplitMix64(seed);
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    Ok(Draw { seed, panel: order[..r.size].to_vec(), order, excluded })
}

impl Draw {
    /// The replacement for `declined`: the first expert of the drawn order who is not on the
    /// panel and has not declined before. The panel keeps its order, the replacement in the
    /// place of the one who declined.
    pub fn replace(&mut self, declined: i64, declined_before: &[i64]) -> Option<i64> {
        let at = self.panel.iter().position(|x| *x == declined)?;
        let next = self
            .order
            .iter()
            .find(|x| !self.panel.contains(x) && !declined_before.contains(x) && **x != declined)
            .copied()?;
        self.panel[at] = next;
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(n: i64) -> Vec<Candidate> {
        (1..=n)
            .map(|id| Candidate {
                id,
                name: format!("专家{id}"),
                employer: format!("单位{}", id % 50),
                fields: vec![if id % 3 == 0 { "网络安全" } else { "软件工程" }.to_string()],
                conflicts: vec![],
                blacklisted: false,
                account: id != 60,
            })
            .collect()
    }

    fn request(size: usize) -> Request {
        Request { size, fields: vec![], owner: "单位1".into(), bidders: vec!["单位2".into()] }
    }

    #[test]
    fn the_same_seed_and_pool_draw_the_same_panel_in_any_input_order() {
        let mut p = pool(200);
        let a = draw(&p, &request(7), 42).expect("enough");
        p.reverse();
        let b = draw(&p, &request(7), 42).expect("enough");
        assert_eq!(a, b);
        assert_eq!(a.panel.len(), 7);
        let c = draw(&p, &request(7), 43).expect("enough");
        assert_ne!(a.panel, c.panel, "another seed, another panel");
        // The generator is pinned: a stored draw re-runs the same in any later version.
        assert_eq!(SplitMix64(0).next(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn owner_and_bidder_employees_conflicts_and_the_blacklisted_are_excluded_with_the_reason() {
        let mut p = pool(60);
        p[9].conflicts = vec!["单位1".into()]; // id 10 declared a conflict with the owner
        p[10].blacklisted = true; // id 11
        let d = draw(&p, &request(5), 7).expect("enough");
        let why = |id: i64| d.excluded.iter().find(|(x, _)| *x == id).map(|(_, w)| *w);
        assert_eq!(why(1), Some(Exclusion::OwnerEmployee));
        assert_eq!(why(51), Some(Exclusion::OwnerEmployee));
        assert_eq!(why(2), Some(Exclusion::BidderEmployee));
        assert_eq!(why(10), Some(Exclusion::Conflict));
        assert_eq!(why(11), Some(Exclusion::Blacklisted));
        assert_eq!(why(60), Some(Exclusion::NoAccount), "no account, no opinion");
        for (id, _) in &d.excluded {
            assert!(!d.order.contains(id) && !d.panel.contains(id));
        }
        let mut fields = request(3);
        fields.fields = vec!["网络安全".into()];
        let d = draw(&p, &fields, 7).expect("enough");
        assert!(d.panel.iter().all(|id| id % 3 == 0), "{:?}", d.panel);
    }

    #[test]
    fn too_few_is_told_and_a_decline_is_replaced_from_the_same_order() {
        let p = pool(6);
        let e = draw(&p, &request(5), 1).expect_err("four eligible");
        assert_eq!(e.to_string(), "符合条件的专家只有 4 名，不足抽取 5 名");
        let p = pool(100);
        let mut d = draw(&p, &request(3), 9).expect("enough");
        let first = d.panel[1];
        let next = d.replace(first, &[]).expect("a replacement");
        assert_eq!(next, d.order[3], "the next of the drawn order");
        assert_eq!(d.panel[1], next);
        let again = d.replace(next, &[first]).expect("another");
        assert_eq!(again, d.order[4], "one who declined is not drawn again");
        assert_eq!(d.replace(999, &[]), None, "not on the panel");
    }
}
