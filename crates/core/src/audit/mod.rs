//! The audit chain: each record carries an SM3 digest over its own content and the previous
//! record's digest, so an edited, inserted or removed record breaks the chain at that point.

pub mod checkpoint;
pub mod reading;

use checkpoint::Checkpoint;
use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use std::collections::VecDeque;

/// The digest that precedes the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The outcome recorded with an action.
pub mod outcome {
    pub const OK: &str = "ok";
    pub const REFUSED: &str = "refused";
    pub const FAILED: &str = "failed";
}

/// The content of one audit record, before it is chained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AuditEvent {
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    pub actor_id: Option<i64>,
    pub actor_login: String,
    pub ip: String,
    pub object_type: String,
    pub object_id: String,
    pub action: String,
    /// JSON of the object before the change, empty when there was none.
    pub before: String,
    /// JSON of the object after the change, empty when there is none.
    pub after: String,
    /// `ok`, `refused` or `failed`.
    pub result: String,
    pub detail: String,
}

/// A stored record: its place in the chain and the digests that bind it there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    #[serde(flatten)]
    pub event: AuditEvent,
    pub prev_digest: String,
    pub digest: String,
}

/// SM3 over the previous digest and every field, each length-prefixed so that no two
/// different records serialize to the same bytes.
pub fn digest(seq: i64, prev_digest: &str, e: &AuditEvent) -> String {
    let mut h = Sm3::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    field(prev_digest.as_bytes());
    field(&seq.to_be_bytes());
    field(&e.at_ms.to_be_bytes());
    field(e.actor_id.map(|a| a.to_string()).unwrap_or_default().as_bytes());
    for s in [
        &e.actor_login,
        &e.ip,
        &e.object_type,
        &e.object_id,
        &e.action,
        &e.before,
        &e.after,
        &e.result,
        &e.detail,
    ] {
        field(s.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Chains an event after the record `(prev_seq, prev_digest)`.
pub fn chain(prev_seq: i64, prev_digest: &str, event: AuditEvent) -> AuditRecord {
    let seq = prev_seq + 1;
    let digest = digest(seq, prev_digest, &event);
    AuditRecord { seq, event, prev_digest: prev_digest.to_string(), digest }
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// What a walk of an intact chain found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChainReport {
    /// Records checked.
    pub records: u64,
    /// Signed checkpoints the chain agreed with.
    pub checkpoints: u64,
    /// The last of them: its sequence number and when it was signed.
    pub last_checkpoint: Option<(i64, i64)>,
}

/// Walks records in storage order and checks them one by one; the caller streams them in
/// pages so that a long log is never held in memory. `head` is the last `(seq, digest)` the
/// store recorded when appending, which catches records cut from the end; signed
/// checkpoints, kept outside the database, catch what a forger with write access to the
/// database could otherwise recompute: a rewritten or inserted record with the chain after it
/// rebuilt, or a cut tail with the head rewound.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_digest: String,
    /// The previous record as stored, to tell which of two disagreeing records was rewritten.
    prev: Option<AuditRecord>,
    checked: u64,
    /// Checkpoints not yet reached, by sequence number.
    checkpoints: VecDeque<Checkpoint>,
    /// The last checkpoint the chain agreed with.
    agreed: Option<(i64, i64)>,
    matched: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

/// Beijing time of a Unix-milliseconds instant, for messages.
fn beijing(at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|t| (t + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| at_ms.to_string())
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::with_checkpoints(Vec::new())
    }

    pub fn with_checkpoints(mut checkpoints: Vec<Checkpoint>) -> Self {
        checkpoints.sort_by_key(|c| c.seq);
        Self {
            expected_seq: 1,
            prev_digest: GENESIS.to_string(),
            prev: None,
            checked: 0,
            checkpoints: checkpoints.into(),
            agreed: None,
            matched: 0,
        }
    }

    pub fn check(&mut self, r: &AuditRecord) -> Result<(), ChainBreak> {
        let brk = |seq: i64, reason: String| Err(ChainBreak { seq, reason });
        if r.seq != self.expected_seq {
            return if r.seq > self.expected_seq {
                brk(
                    self.expected_seq,
                    format!(
                        "第 {} 条记录缺失（下一条为第 {} 条）：记录被删除",
                        self.expected_seq, r.seq
                    ),
                )
            } else {
                brk(r.seq, format!("第 {} 条记录序号重复：记录被插入", r.seq))
            };
        }
        let consistent = digest(r.seq, &r.prev_digest, &r.event) == r.digest;
        if r.prev_digest != self.prev_digest {
            // This record still points at the previous one's original digest and is itself
            // intact: the previous record was rewritten and its digest recomputed.
            if consistent && let Some(prev) = &self.prev {
                return brk(
                    prev.seq,
                    format!(
                        "第 {} 条记录被改写且重新计算了摘要（第 {} 条仍指向它原来的摘要）",
                        prev.seq, r.seq
                    ),
                );
            }
            return brk(
                r.seq,
                format!("第 {} 条记录的前序摘要与上一条不符：记录被插入或替换", r.seq),
            );
        }
        if !consistent {
            return brk(r.seq, format!("第 {} 条记录的 SM3 摘要与内容不符：记录被篡改", r.seq));
        }
        while let Some(cp) = self.checkpoints.front().filter(|c| c.seq <= r.seq) {
            if cp.seq == r.seq && cp.digest != r.digest {
                let from = self.agreed.map_or(1, |(s, _)| s + 1);
                let since = match self.agreed {
                    Some((s, at)) => format!("；到第 {s} 条为止与 {} 的检查点一致", beijing(at)),
                    None => String::new(),
                };
                return brk(
                    from,
                    format!(
                        "第 {} 条记录与 {} 签名的检查点不符：第 {from} 至 {} 条之间有记录被改写、插入或删除，其后的链被重新计算{since}",
                        r.seq,
                        beijing(cp.at_ms),
                        r.seq
                    ),
                );
            }
            if cp.seq == r.seq {
                self.agreed = Some((cp.seq, cp.at_ms));
                self.matched += 1;
            }
            self.checkpoints.pop_front();
        }
        self.expected_seq += 1;
        self.prev_digest = r.digest.clone();
        self.prev = Some(r.clone());
        self.checked += 1;
        Ok(())
    }

    /// Compares the end of the walk with the store's head and with the checkpoints not
    /// reached.
    pub fn finish(self, head_seq: i64, head_digest: &str) -> Result<ChainReport, ChainBreak> {
        let last = self.expected_seq - 1;
        if last != head_seq {
            return Err(ChainBreak {
                seq: last + 1,
                reason: format!(
                    "日志应有 {head_seq} 条记录，实际只连续到第 {last} 条：末尾记录被删除"
                ),
            });
        }
        if last > 0 && self.prev_digest != head_digest {
            return Err(ChainBreak {
                seq: last,
                reason: format!("第 {last} 条记录与链头摘要不符：记录被替换"),
            });
        }
        if let Some(cp) = self.checkpoints.iter().max_by_key(|c| c.seq) {
            return Err(ChainBreak {
                seq: last + 1,
                reason: format!(
                    "数据库的链头在第 {last} 条，落后于 {} 签名的检查点（第 {} 条）：第 {} 至 {} 条记录被删除，链头被回拨",
                    beijing(cp.at_ms),
                    cp.seq,
                    last + 1,
                    cp.seq
                ),
            });
        }
        Ok(ChainReport {
            records: self.checked,
            checkpoints: self.matched,
            last_checkpoint: self.agreed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(i: i64) -> AuditEvent {
        AuditEvent {
            at_ms: 1_700_000_000_000 + i,
            actor_login: "clerk".into(),
            action: "project.update".into(),
            object_type: "project".into(),
            object_id: i.to_string(),
            result: outcome::OK.into(),
            ..Default::default()
        }
    }

    fn build(n: i64) -> Vec<AuditRecord> {
        let mut out: Vec<AuditRecord> = Vec::new();
        for i in 0..n {
            let (s, d) =
                out.last().map(|r| (r.seq, r.digest.clone())).unwrap_or((0, GENESIS.into()));
            out.push(chain(s, &d, ev(i)));
        }
        out
    }

    fn verify(records: &[AuditRecord], head: (i64, &str)) -> Result<u64, ChainBreak> {
        anchored(records, head, Vec::new()).map(|r| r.records)
    }

    fn anchored(
        records: &[AuditRecord], head: (i64, &str), cps: Vec<Checkpoint>,
    ) -> Result<ChainReport, ChainBreak> {
        let mut v = ChainVerifier::with_checkpoints(cps);
        for r in records {
            v.check(r)?;
        }
        v.finish(head.0, head.1)
    }

    fn checkpoint(r: &AuditRecord) -> Checkpoint {
        Checkpoint {
            seq: r.seq,
            digest: r.digest.clone(),
            at_ms: r.event.at_ms,
            key_id: String::new(),
            signature: String::new(),
        }
    }

    /// Rebuilds every digest from `from` on, as a forger with the database would.
    fn rechain(rs: &mut [AuditRecord], from: usize) {
        for i in from..rs.len() {
            let (seq, prev) = if i == 0 {
                (0, GENESIS.to_string())
            } else {
                (rs[i - 1].seq, rs[i - 1].digest.clone())
            };
            rs[i] = chain(seq, &prev, rs[i].event.clone());
        }
    }

    #[test]
    fn a_rewritten_record_with_its_chain_rebuilt_disagrees_with_a_checkpoint() {
        let mut rs = build(10);
        let cps = vec![checkpoint(&rs[3]), checkpoint(&rs[7])];
        assert_eq!(
            anchored(&rs, (10, &rs[9].digest.clone()), cps.clone()).map(|r| r.checkpoints),
            Ok(2)
        );
        rs[5].event.after = "{\"investment\":1}".into();
        rechain(&mut rs, 5);
        let head = rs[9].digest.clone();
        // Without checkpoints the forgery is perfect; with them the damage is bounded.
        assert_eq!(verify(&rs, (10, &head)), Ok(10));
        let b = anchored(&rs, (10, &head), cps).expect_err("refused");
        assert_eq!(b.seq, 5, "{b:?}");
        assert!(b.reason.contains("第 5 至 8 条"), "{}", b.reason);
    }

    #[test]
    fn a_cut_tail_with_the_head_rewound_is_behind_the_last_checkpoint() {
        let rs = build(10);
        let cps = vec![checkpoint(&rs[8])];
        let b = anchored(&rs[..6], (6, &rs[5].digest), cps).expect_err("refused");
        assert_eq!(b.seq, 7);
        assert!(b.reason.contains("落后"), "{}", b.reason);
    }

    #[test]
    fn a_record_whose_own_digest_was_recomputed_is_named_itself() {
        let mut rs = build(5);
        let head = rs[4].digest.clone();
        rs[2].event.after = "{\"investment\":1}".into();
        rs[2] = chain(rs[1].seq, &rs[1].digest.clone(), rs[2].event.clone());
        assert_eq!(verify(&rs, (5, &head)).map_err(|b| b.seq), Err(3));
    }

    #[test]
    fn intact_chain_verifies() {
        let rs = build(5);
        let head = rs[4].digest.clone();
        assert_eq!(verify(&rs, (5, &head)), Ok(5));
        assert_eq!(verify(&[], (0, GENESIS)), Ok(0));
    }

    #[test]
    fn finds_the_edited_record() {
        let mut rs = build(5);
        let head = rs[4].digest.clone();
        rs[2].event.after = "{\"investment\":1}".into();
        assert_eq!(verify(&rs, (5, &head)).map_err(|b| b.seq), Err(3));
    }

    #[test]
    fn finds_a_removed_record() {
        let mut rs = build(5);
        let head = rs[4].digest.clone();
        rs.remove(1);
        assert_eq!(verify(&rs, (5, &head)).map_err(|b| b.seq), Err(2));
        let rs = build(5);
        assert_eq!(verify(&rs[..4], (5, &head)).map_err(|b| b.seq), Err(5));
    }

    #[test]
    fn finds_an_inserted_record() {
        let mut rs = build(5);
        let head = rs[4].digest.clone();
        // A forger who renumbers everything after the insertion still breaks the links.
        let forged = chain(rs[1].seq, &rs[1].digest, ev(99));
        rs.insert(2, forged);
        for (i, r) in rs.iter_mut().enumerate().skip(3) {
            r.seq = i as i64 + 1;
        }
        assert_eq!(verify(&rs, (5, &head)).map_err(|b| b.seq), Err(4));
    }
}
