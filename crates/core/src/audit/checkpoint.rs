//! Signed checkpoints: the chain's head (sequence number and digest), signed with a key that
//! lives outside the database, so that whoever can write the database still cannot rewrite
//! what a checkpoint has covered. Checkpoints are lines of an append-only text file:
//!
//! ```text
//! key <key id> <public key, SEC1 hex>
//! checkpoint <seq> <digest> <at_ms> <key id> <signature hex>
//! ```

use crate::crypto::{self, KeyError, Signer};
use std::collections::HashMap;

/// The longest line a checkpoint file may hold; anything longer is not govit's.
pub const MAX_LINE: usize = 512;

/// One signed head of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub digest: String,
    pub at_ms: i64,
    pub key_id: String,
    pub signature: String,
}

/// The bytes a checkpoint's signature covers.
pub fn message(seq: i64, digest: &str, at_ms: i64) -> Vec<u8> {
    format!("govit-audit-checkpoint/1\n{seq}\n{digest}\n{at_ms}").into_bytes()
}

impl Checkpoint {
    pub fn sign(signer: &dyn Signer, seq: i64, digest: &str, at_ms: i64) -> Result<Self, KeyError> {
        let signature = signer.sign(&message(seq, digest, at_ms))?;
        Ok(Checkpoint {
            seq,
            digest: digest.to_string(),
            at_ms,
            key_id: signer.key_id(),
            signature: hex::encode(signature),
        })
    }

    pub fn line(&self) -> String {
        format!(
            "checkpoint {} {} {} {} {}",
            self.seq, self.digest, self.at_ms, self.key_id, self.signature
        )
    }
}

/// The line that introduces a key to the file, before its first checkpoint.
pub fn key_line(signer: &dyn Signer) -> String {
    format!("key {} {}", signer.key_id(), hex::encode(signer.public_key()))
}

/// A checkpoint file read and every signature checked.
#[derive(Debug, Default)]
pub struct Anchors {
    /// Verified checkpoints in file order.
    pub checkpoints: Vec<Checkpoint>,
}

/// What is wrong with a checkpoint file, naming its line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFault {
    pub line: usize,
    pub reason: String,
}

/// Reads a checkpoint file's lines. Keys are taken from the file's own `key` lines unless
/// `pinned` names the only public key to accept (an auditor's own copy). A line that does
/// not parse, a signature that does not verify and an unknown key are faults: a file that
/// someone edited is not silently half-trusted.
pub fn read<'a>(
    lines: impl Iterator<Item = &'a str>, pinned: Option<&[u8]>,
) -> Result<Anchors, FileFault> {
    let mut keys: HashMap<String, Vec<u8>> = HashMap::new();
    if let Some(p) = pinned {
        keys.insert(crypto::key_id(p), p.to_vec());
    }
    let mut out = Anchors::default();
    for (i, line) in lines.enumerate() {
        let fault = |reason: String| Err(FileFault { line: i + 1, reason });
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        if line.len() > MAX_LINE {
            return fault("行过长，不是 govit 写的检查点".into());
        }
        let parts: Vec<&str> = line.split(' ').collect();
        match parts.as_slice() {
            ["key", id, public] => {
                let Ok(public) = hex::decode(public) else {
                    return fault("公钥不是十六进制".into());
                };
                if crypto::key_id(&public) != *id {
                    return fault(format!("公钥与其指纹 {id} 不符"));
                }
                if pinned.is_none() {
                    keys.insert(id.to_string(), public);
                }
            }
            ["checkpoint", seq, digest, at_ms, key_id, signature] => {
                let (Ok(seq), Ok(at_ms)) = (seq.parse::<i64>(), at_ms.parse::<i64>()) else {
                    return fault("序号或时间不是整数".into());
                };
                let Some(public) = keys.get(*key_id) else {
                    return fault(format!("由未知的密钥 {key_id} 签名"));
                };
                let Ok(sig) = hex::decode(signature) else {
                    return fault("签名不是十六进制".into());
                };
                if !crypto::verify(public, &message(seq, digest, at_ms), &sig) {
                    return fault(format!("第 {seq} 条记录处的检查点签名无效：检查点被改动"));
                }
                out.checkpoints.push(Checkpoint {
                    seq,
                    digest: digest.to_string(),
                    at_ms,
                    key_id: key_id.to_string(),
                    signature: signature.to_string(),
                });
            }
            _ => return fault("无法识别的行".into()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Sm2Signer;

    fn file(signer: &Sm2Signer, cps: &[(i64, &str)]) -> String {
        let mut s = key_line(signer) + "\n";
        for (seq, d) in cps {
            s += &Checkpoint::sign(signer, *seq, d, 1_700_000_000_000).expect("sign").line();
            s += "\n";
        }
        s
    }

    #[test]
    fn signed_checkpoints_read_back() {
        let signer = Sm2Signer::generate();
        let text = file(&signer, &[(3, "aa"), (9, "bb")]);
        let a = read(text.lines(), None).expect("valid");
        assert_eq!(a.checkpoints.len(), 2);
        assert_eq!(a.checkpoints[1].seq, 9);
        let pinned = signer.public_key();
        assert!(read(text.lines(), Some(&pinned)).is_ok());
    }

    #[test]
    fn an_edited_checkpoint_is_named_by_its_line() {
        let signer = Sm2Signer::generate();
        let text = file(&signer, &[(3, "aa"), (9, "bb")]).replace(" 9 bb ", " 9 cc ");
        assert_eq!(read(text.lines(), None).map_err(|f| f.line).expect_err("refused"), 3);
    }

    #[test]
    fn a_pinned_key_refuses_checkpoints_of_another() {
        let signer = Sm2Signer::generate();
        let forger = Sm2Signer::generate();
        let text = file(&forger, &[(3, "aa")]);
        let pinned = signer.public_key();
        let fault = read(text.lines(), Some(&pinned)).expect_err("refused");
        assert!(fault.reason.contains("未知的密钥"), "{fault:?}");
        assert!(read("garbage line".lines(), None).is_err());
        assert!(read(std::iter::once("x".repeat(MAX_LINE + 1).as_str()), None).is_err());
    }
}
