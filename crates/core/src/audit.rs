//! The audit chain: each record carries an SM3 digest over its own content and the previous
//! record's digest, so an edited, inserted or removed record breaks the chain at that point.

use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};

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

/// Walks records in storage order and checks them one by one; the caller streams them in
/// pages so that a long log is never held in memory. `head` is the last `(seq, digest)` the
/// store recorded when appending, which catches records cut from the end.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_digest: String,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self { expected_seq: 1, prev_digest: GENESIS.to_string(), checked: 0 }
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
        if r.prev_digest != self.prev_digest {
            return brk(
                r.seq,
                format!("第 {} 条记录的前序摘要与上一条不符：记录被插入或替换", r.seq),
            );
        }
        if digest(r.seq, &r.prev_digest, &r.event) != r.digest {
            return brk(r.seq, format!("第 {} 条记录的 SM3 摘要与内容不符：记录被篡改", r.seq));
        }
        self.expected_seq += 1;
        self.prev_digest = r.digest.clone();
        self.checked += 1;
        Ok(())
    }

    /// Compares the end of the walk with the store's head; returns how many records checked.
    pub fn finish(self, head_seq: i64, head_digest: &str) -> Result<u64, ChainBreak> {
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
        Ok(self.checked)
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
        let mut v = ChainVerifier::new();
        for r in records {
            v.check(r)?;
        }
        v.finish(head.0, head.1)
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
