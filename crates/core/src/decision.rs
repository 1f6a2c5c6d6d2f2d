//! Signed decisions (issue 11 §6): what a step's decision (通过, 退回, 不予通过) was made on,
//! written as one canonical message the platform's signer signs for the user — the decision,
//! the user, the time, and the SM3 digests of the materials and opinions the decider saw —
//! and what differs when the record is read again later.

use crate::crypto;
use serde::{Deserialize, Serialize};

/// The message format's version, the first field of every message.
pub const FORMAT: &str = "govit-decision/1";

/// One decision as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub format: String,
    pub project: i64,
    /// The act's number in the project's run.
    pub seq: i64,
    /// The step decided (its key in the route) and the verb as stored (JSON).
    pub step: String,
    pub verb: String,
    pub user: i64,
    pub at_ms: i64,
    /// The files of the project's materials as they stood when the decision was made.
    pub materials: Vec<SeenFile>,
    /// The opinions of the earlier decisions on the path (their verbs' digests).
    pub opinions: Vec<SeenOpinion>,
    /// The review opinions kept on the project (评审意见), each by its record and digest.
    /// Absent from messages signed before review forms existed, which verify unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<SeenReview>,
    /// For a decision on a run beside the path (a contract's filing, a payment …): that record
    /// and the SM3 of what it asked to be decided. Absent from the path's own decisions, whose
    /// messages read as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<SeenSubject>,
}

/// The record a decision on a run beside the path decided: its kind (`payment` …), its id,
/// and the SM3 of its content as it stood (`content_digest`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenSubject {
    pub kind: String,
    pub id: i64,
    pub sm3: String,
}

/// The SM3 of a record's content as a decision sees it (its JSON as written).
pub fn content_digest(content: &serde_json::Value) -> String {
    crypto::sm3_hex(content.to_string().as_bytes())
}

/// A review opinion a decision saw: its record, who gave it (a party's label) and the SM3
/// of the opinion as kept (`review::Opinion::digest`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenReview {
    pub id: i64,
    pub by: String,
    pub sm3: String,
}

/// A file a decision saw: its material, its record and its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenFile {
    pub material: String,
    pub file: i64,
    pub name: String,
    pub size: i64,
    pub sm3: String,
}

/// An earlier decision's opinion: its act number and the SM3 of its verb (with its note).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenOpinion {
    pub seq: i64,
    pub sm3: String,
}

impl SeenOpinion {
    pub fn of(seq: i64, verb: &str) -> Self {
        SeenOpinion { seq, sm3: crypto::sm3_hex(verb.as_bytes()) }
    }
}

impl Decision {
    /// The bytes that are signed: the decision as JSON, its fields in their declared order.
    pub fn message(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A message read back; `None` for one this version cannot read.
    pub fn parse(message: &str) -> Option<Decision> {
        serde_json::from_str::<Decision>(message).ok().filter(|d| d.format == FORMAT)
    }

    /// What differs between the decision as signed (`self`) and as the records stand now
    /// (`now`, `None` when the act is gone), in Chinese, materials named by `name`; empty when
    /// nothing does.
    pub fn differences(
        &self, now: Option<&Decision>, name: &dyn Fn(&str) -> String,
    ) -> Vec<String> {
        let Some(now) = now else {
            return vec!["决定记录已被删除".to_string()];
        };
        let mut out = Vec::new();
        record_changes(
            (&self.step, &self.verb, self.user, self.at_ms),
            (&now.step, &now.verb, now.user, now.at_ms),
            &mut out,
        );
        for f in &self.materials {
            match now.materials.iter().find(|g| g.file == f.file) {
                None => out.push(format!("{}的文件“{}”的记录已被删除", name(&f.material), f.name)),
                Some(g) if g.sm3 != f.sm3 || g.size != f.size || g.material != f.material => out
                    .push(format!(
                        "{}的文件“{}”的记录已被改动（签名时 SM3 {}，现为 {}）",
                        name(&f.material),
                        f.name,
                        short(&f.sm3),
                        short(&g.sm3)
                    )),
                Some(_) => {}
            }
        }
        opinion_changes(&self.opinions, &now.opinions, &mut out);
        for r in &self.reviews {
            match now.reviews.iter().find(|n| n.id == r.id) {
                None => out.push(format!("{}的评审意见记录已被删除", r.by)),
                Some(n) if n.sm3 != r.sm3 => out.push(format!(
                    "{}的评审意见已被改动（签名时 SM3 {}，现为 {}）",
                    r.by,
                    short(&r.sm3),
                    short(&n.sm3)
                )),
                Some(_) => {}
            }
        }
        if let Some(s) = &self.subject {
            match &now.subject {
                None => out.push("所办事项的记录已被删除".to_string()),
                Some(n) if n.kind != s.kind || n.id != s.id => {
                    out.push("决定记录所属的事项已被改动".to_string())
                }
                Some(n) if n.sm3 != s.sm3 => out.push(format!(
                    "所办事项的内容已被改动（签名时 SM3 {}，现为 {}）",
                    short(&s.sm3),
                    short(&n.sm3)
                )),
                Some(_) => {}
            }
        }
        out
    }
}

/// What differs in a decision's own record, signed and now: (step, verb, user, time).
pub fn record_changes(
    signed: (&str, &str, i64, i64), now: (&str, &str, i64, i64), out: &mut Vec<String>,
) {
    for (same, what) in [
        (signed.0 == now.0, "所在步骤"),
        (signed.1 == now.1, "决定或意见"),
        (signed.2 == now.2, "办理人"),
        (signed.3 == now.3, "办理时间"),
    ] {
        if !same {
            out.push(format!("决定记录的{what}已被改动"));
        }
    }
}

/// What differs in the earlier opinions a decision saw, signed and now.
pub fn opinion_changes(signed: &[SeenOpinion], now: &[SeenOpinion], out: &mut Vec<String>) {
    for o in signed {
        match now.iter().find(|p| p.seq == o.seq) {
            None => out.push(format!("第 {} 项办理记录的意见已被删除", o.seq)),
            Some(p) if p.sm3 != o.sm3 => out.push(format!("第 {} 项办理记录的意见已被改动", o.seq)),
            Some(_) => {}
        }
    }
}

/// The first 16 hex digits of a digest, for messages.
pub fn short(sm3: &str) -> &str {
    sm3.get(..16).unwrap_or(sm3)
}

/// How a signed decision stands when checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Whether the signature is the platform key's over the message kept.
    pub signature: SignatureState,
    /// What changed since, in Chinese (empty: intact).
    pub changes: Vec<String>,
}

impl Verdict {
    pub fn intact(&self) -> bool {
        self.signature == SignatureState::Valid && self.changes.is_empty()
    }
}

/// The state of a decision's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureState {
    /// Signed by the platform's key, over the message kept.
    Valid,
    /// Signed, but not over the message kept (the message or the signature was altered).
    Invalid,
    /// Signed by a key other than the platform's.
    OtherKey,
    /// Made while no signing key was configured.
    Unsigned,
}

impl SignatureState {
    pub fn label(self) -> &'static str {
        match self {
            SignatureState::Valid => "签名有效",
            SignatureState::Invalid => "签名无效：签名后决定记录被改动",
            SignatureState::OtherKey => "签名密钥不是本平台的密钥",
            SignatureState::Unsigned => "未签名（当时未配置签名密钥）",
        }
    }
}

/// Checks a kept decision: its message signed by `public_key` (hex) with `signature` (hex),
/// `platform_key` the key the platform signs with now, `now` the decision as re-read, and
/// materials named by `name`.
pub fn check(
    message: &str, public_key: &str, signature: &str, platform_key: Option<&[u8]>,
    now: Option<&Decision>, name: &dyn Fn(&str) -> String,
) -> Verdict {
    let changes = match Decision::parse(message) {
        Some(signed) => signed.differences(now, name),
        None => vec!["决定记录无法读取".to_string()],
    };
    Verdict { signature: signature_state(message, public_key, signature, platform_key), changes }
}

/// Whether `signature` (hex) is `public_key`'s (hex) over `message`, and that key the
/// platform's (`platform_key`, when one is configured).
pub fn signature_state(
    message: &str, public_key: &str, signature: &str, platform_key: Option<&[u8]>,
) -> SignatureState {
    let key = hex::decode(public_key).unwrap_or_default();
    if signature.is_empty() {
        SignatureState::Unsigned
    } else if !crypto::verify(&key, message.as_bytes(), &hex::decode(signature).unwrap_or_default())
    {
        SignatureState::Invalid
    } else if platform_key.is_some_and(|k| k != key.as_slice()) {
        SignatureState::OtherKey
    } else {
        SignatureState::Valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Signer as _, Sm2Signer};

    fn decision() -> Decision {
        Decision {
            format: FORMAT.into(),
            project: 7,
            seq: 2,
            step: "review".into(),
            verb: r#"{"pass":{"note":"同意"}}"#.into(),
            user: 3,
            at_ms: 1_781_575_200_000,
            materials: vec![SeenFile {
                material: "yeji-6-plan".into(),
                file: 11,
                name: "建设方案.pdf".into(),
                size: 1024,
                sm3: crypto::sm3_hex(b"plan"),
            }],
            opinions: vec![SeenOpinion::of(1, r#"{"pass":{"note":""}}"#)],
            reviews: vec![],
            subject: None,
        }
    }

    fn named(m: &str) -> String {
        format!("《{m}》")
    }

    fn signed(d: &Decision, s: &Sm2Signer) -> (String, String, String) {
        let m = d.message();
        let sig = hex::encode(s.sign(m.as_bytes()).expect("sign"));
        (m, hex::encode(s.public_key()), sig)
    }

    #[test]
    fn an_untouched_decision_is_intact() {
        let s = Sm2Signer::generate();
        let d = decision();
        let (m, k, sig) = signed(&d, &s);
        assert_eq!(Decision::parse(&m).as_ref(), Some(&d));
        let v = check(&m, &k, &sig, Some(&s.public_key()), Some(&d), &named);
        assert!(v.intact(), "{v:?}");
    }

    #[test]
    fn each_change_is_named() {
        let s = Sm2Signer::generate();
        let d = decision();
        let (m, k, sig) = signed(&d, &s);
        let mut now = d.clone();
        now.verb = r#"{"pass":{"note":"同意（改）"}}"#.into();
        now.materials[0].sm3 = crypto::sm3_hex(b"other");
        now.opinions[0].sm3 = crypto::sm3_hex(b"x");
        let v = check(&m, &k, &sig, Some(&s.public_key()), Some(&now), &named);
        assert_eq!(v.signature, SignatureState::Valid);
        assert_eq!(v.changes.len(), 3, "{:?}", v.changes);
        assert!(v.changes[0].contains("决定或意见"));
        assert!(v.changes[1].contains("建设方案.pdf"), "{:?}", v.changes);
        assert!(v.changes[2].contains("第 1 项"));
        now.materials.clear();
        let v = check(&m, &k, &sig, None, Some(&now), &named);
        assert!(v.changes.iter().any(|c| c.contains("记录已被删除")));
        let v = check(&m, &k, &sig, None, None, &named);
        assert_eq!(v.changes, vec!["决定记录已被删除".to_string()]);
    }

    #[test]
    fn a_review_opinion_seen_is_covered_and_old_messages_read_unchanged() {
        let s = Sm2Signer::generate();
        let old = decision();
        let (m, ..) = signed(&old, &s);
        assert!(!m.contains("reviews"), "a message without reviews keeps its old form");
        let mut d = decision();
        d.reviews =
            vec![SeenReview { id: 4, by: "区财政局".into(), sm3: crypto::sm3_hex(b"88") }];
        let (m, k, sig) = signed(&d, &s);
        assert_eq!(Decision::parse(&m).as_ref(), Some(&d));
        let mut now = d.clone();
        now.reviews[0].sm3 = crypto::sm3_hex(b"98");
        let v = check(&m, &k, &sig, Some(&s.public_key()), Some(&now), &named);
        assert_eq!(v.changes.len(), 1, "{:?}", v.changes);
        assert!(v.changes[0].starts_with("区财政局的评审意见已被改动"), "{:?}", v.changes);
        now.reviews.clear();
        let v = check(&m, &k, &sig, Some(&s.public_key()), Some(&now), &named);
        assert!(v.changes[0].contains("评审意见记录已被删除"), "{:?}", v.changes);
    }

    #[test]
    fn a_message_altered_after_signing_or_another_key_is_told() {
        let s = Sm2Signer::generate();
        let d = decision();
        let (m, k, sig) = signed(&d, &s);
        let altered = m.replace("同意", "不同意");
        let v = check(&altered, &k, &sig, Some(&s.public_key()), Some(&d), &named);
        assert_eq!(v.signature, SignatureState::Invalid);
        let other = Sm2Signer::generate();
        let v = check(&m, &k, &sig, Some(&other.public_key()), Some(&d), &named);
        assert_eq!(v.signature, SignatureState::OtherKey);
        let v = check(&m, &k, "", None, Some(&d), &named);
        assert_eq!(v.signature, SignatureState::Unsigned);
        assert!(!v.intact());
        let v = check("{}", &k, &sig, None, Some(&d), &named);
        assert_eq!(v.changes, vec!["决定记录无法读取".to_string()]);
    }

    #[test]
    fn a_decided_record_is_covered_by_its_content() {
        let s = Sm2Signer::generate();
        let old = decision();
        let (m, ..) = signed(&old, &s);
        assert!(!m.contains("subject"), "a decision of the path keeps its old form");
        let content = serde_json::json!({"terms": {"amount_yuan": 300_000}});
        let mut d = decision();
        d.subject =
            Some(SeenSubject { kind: "payment".into(), id: 5, sm3: content_digest(&content) });
        let (m, k, sig) = signed(&d, &s);
        assert_eq!(Decision::parse(&m).as_ref(), Some(&d));
        assert!(check(&m, &k, &sig, Some(&s.public_key()), Some(&d), &named).intact());
        let mut now = d.clone();
        let raised = serde_json::json!({"terms": {"amount_yuan": 3_000_000}});
        now.subject = Some(SeenSubject {
            sm3: content_digest(&raised),
            ..d.subject.clone().expect("subject")
        });
        let v = check(&m, &k, &sig, Some(&s.public_key()), Some(&now), &named);
        assert_eq!(v.changes.len(), 1, "{:?}", v.changes);
        assert!(v.changes[0].starts_with("所办事项的内容已被改动"), "{:?}", v.changes);
        now.subject = None;
        let v = check(&m, &k, &sig, Some(&s.public_key()), Some(&now), &named);
        assert_eq!(v.changes, vec!["所办事项的记录已被删除".to_string()]);
    }
}
