//! 决定签名 (issue 11 §6): every 通过, 退回 and 不予通过 on a project's path is signed with
//! SM2 by the platform's signer acting for its user, over the decision, the user, the time
//! and the SM3 digests of the materials and earlier opinions the decider saw — written in the
//! act's own transaction (an [`ActHook`]). Verifying a project reads each kept decision again:
//! its signature, its act as it stands, the records of the files it saw, and (deep) the
//! files' bytes in the file store, naming whatever changed.

use crate::projects::run::OWNER;
use crate::projects::run::subject::SubjectNow;
use crate::projects::{ActAt, ActHook, FactFuture, Project};
use crate::{Result, Store};
use govit_core::crypto::{Signer, key_id};
use govit_core::decision::{
    self, Decision, FORMAT, SeenFile, SeenOpinion, SeenReview, SeenSubject, Verdict,
    content_digest, short,
};
use govit_core::ids::ProjectId;
use govit_core::workflow::Verb;
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::HashMap;
use std::sync::Arc;

/// Signs each decision as it is written.
pub struct SignDecisions;

impl ActHook for SignDecisions {
    fn written<'a>(&'a self, at: ActAt<'a>) -> FactFuture<'a> {
        Box::pin(sign(at))
    }
}

/// The verbs that decide a step, and are signed.
fn decides(verb: &Verb) -> bool {
    matches!(verb, Verb::Pass { .. } | Verb::Return { .. } | Verb::Reject { .. })
}

/// A decision's verb in words: the owner's pass of its declaration is its submission, of a
/// later step of its own (lhasa:10's 提交评审材料) a sending (报送).
fn verb_label(
    verb: Option<&Verb>, step: &str, profile: Option<&govit_core::policy::Profile>,
) -> &'static str {
    let owners = profile
        .and_then(|p| p.chain_step(step))
        .is_some_and(|l| !l.parties.is_empty() && l.parties.iter().all(|k| k == OWNER));
    let pass = match step.starts_with("declaration/") {
        true => Some("提交申报"),
        false => owners.then_some("报送"),
    };
    verb_words(verb, pass)
}

/// A verb in words: a pass in the words given for it (a submission, a sending), else the
/// verb's own (通过, 退回 …).
fn verb_words(verb: Option<&Verb>, pass: Option<&'static str>) -> &'static str {
    match (verb, pass) {
        (Some(Verb::Pass { .. }), Some(words)) => words,
        (Some(v), _) => v.kind().label(),
        (None, _) => "",
    }
}

fn verb_of(text: &str) -> Option<Verb> {
    serde_json::from_str(text).ok()
}

async fn sign(at: ActAt<'_>) -> Result<()> {
    let ActAt { store, conn, project, seq, act, earlier, subject } = at;
    if !decides(&act.verb) {
        return Ok(());
    }
    let files: Vec<(i64, String, String, i64, String)> = sqlx::query_as(
        "SELECT id, material, file_name, size_bytes, sm3 FROM material_files \
         WHERE project_id = $1 AND removed_at_ms IS NULL ORDER BY material, id",
    )
    .bind(project.id.0)
    .fetch_all(&mut *conn)
    .await?;
    // The run's earlier acts, each verb as kept (what the digest of an opinion covers): as
    // the writer read them, else read here. One whose verb this version cannot read is no
    // decision either way.
    let earlier: Vec<(i64, String, i64, String, i64)> = match earlier {
        Some(acts) => acts
            .iter()
            .filter(|a| a.seq < seq)
            .map(|a| (a.seq, a.verb_text.clone(), a.act.user.0, a.act.step.clone(), a.act.at_ms))
            .collect(),
        None => {
            sqlx::query_as(
                "SELECT seq, verb, user_id, step, at_ms FROM run_acts \
                 WHERE project_id = $1 AND seq < $2 ORDER BY seq",
            )
            .bind(project.id.0)
            .bind(seq)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    // The earlier acts that decided their step (each verb read once).
    let decisions: Vec<&(i64, String, i64, String, i64)> =
        earlier.iter().filter(|(_, v, ..)| verb_of(v).is_some_and(|v| decides(&v))).collect();
    // The review opinions that can no longer change: each one whose author has decided its
    // step since (this decision included). One still open to its author is not yet final.
    let decided = |user: i64, step: &str, after_ms: i64| {
        (user == act.user.0 && step == act.step)
            || decisions.iter().any(|(_, _, u, s, at)| *u == user && s == step && *at >= after_ms)
    };
    let rules = store.rules();
    let profile = rules.profile(&project.profile_id);
    let final_ =
        |k: &crate::reviews::KeptOpinion| decided(k.opinion.user, &k.step, k.opinion.at_ms);
    // The review opinions are the path's; a decision on a run beside it covers its record.
    let reviews = match subject {
        None => crate::reviews::seen(conn, profile, project.id.0, &final_).await?,
        Some(_) => Vec::new(),
    };
    let d = Decision {
        format: FORMAT.into(),
        project: project.id.0,
        seq,
        step: act.step.clone(),
        verb: serde_json::to_string(&act.verb).unwrap_or_default(),
        user: act.user.0,
        at_ms: act.at_ms,
        materials: files
            .into_iter()
            .map(|(file, material, name, size, sm3)| SeenFile { material, file, name, size, sm3 })
            .collect(),
        opinions: decisions.iter().map(|(s, v, ..)| SeenOpinion::of(*s, v)).collect(),
        reviews,
        subject: subject.map(|s| SeenSubject {
            kind: s.kind.into(),
            id: s.id,
            sm3: content_digest(&s.content),
        }),
    };
    let message = d.message();
    let (public_key, signature) = store.sign_hex(&message)?;
    match subject {
        None => sqlx::query(
            "INSERT INTO decision_signatures (project_id, seq, message, public_key, signature) \
             VALUES ($1, $2, $3, $4, $5)",
        ),
        Some(s) => sqlx::query(
            "INSERT INTO subject_decision_signatures \
             (kind, subject_id, project_id, seq, message, public_key, signature) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(s.kind)
        .bind(s.id),
    }
    .bind(project.id.0)
    .bind(seq)
    .bind(message)
    .bind(public_key)
    .bind(signature)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One decision of a project as verified.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionCheck {
    /// The record whose run it is on, by name (建设合同《…》); empty: the project's own path.
    pub run: String,
    /// Where a page finds it: its act's number on the path; `kind-id-seq` beside it.
    pub anchor: String,
    pub seq: i64,
    /// The step in the regulation's words.
    pub step: String,
    /// 通过, 退回 or 不予通过.
    pub verb: &'static str,
    pub user_name: String,
    pub at_ms: i64,
    /// The fingerprint of the key that signed it (empty: unsigned).
    pub key_id: String,
    /// The files it saw.
    pub files: Vec<SeenFile>,
    /// The review opinions it saw.
    pub reviews: Vec<SeenReview>,
    pub verdict: Verdict,
    /// Whether the files' bytes were read again (deep verification).
    pub deep: bool,
}

impl DecisionCheck {
    pub fn intact(&self) -> bool {
        self.verdict.intact()
    }
}

impl Store {
    /// Signs decisions with `signer` from now on (once, at start).
    pub fn use_signer(&self, signer: Arc<dyn Signer>) {
        let _ = self.signer.set(signer);
        self.prepare_signatures();
    }

    /// The fingerprint of the key decisions are signed with, if one is configured.
    pub fn signer_key_id(&self) -> Option<String> {
        self.signer.get().map(|s| s.key_id())
    }

    /// Verifies every decision on a project the caller has read — on its path and on every
    /// run beside it (contracts, payments …); `deep` reads each file it saw from the file store
    /// again and recomputes its digest.
    pub async fn verify_decisions(&self, p: &Project, deep: bool) -> Result<Vec<DecisionCheck>> {
        let mut conn = self.pool.acquire().await?;
        let Kept { path: kept, beside } = kept(&mut conn, p.id).await?;
        let acts = acts(&mut conn, p.id).await?;
        let files = file_rows(&mut conn, p.id).await?;
        let rules = self.rules();
        let profile = rules.profile(&p.profile_id);
        let reviews = crate::reviews::seen(&mut conn, profile, p.id.0, &|_| true).await?;
        let mut subjects = Vec::new();
        for k in self.subject_kinds.iter() {
            subjects.extend(k.on_project(self, &mut conn, p.id).await?);
        }
        drop(conn);
        let name = |m: &str| {
            let n = profile
                .and_then(|pr| pr.documents.iter().find(|d| d.id == m))
                .map_or(m.to_string(), |d| d.name.clone());
            format!("《{n}》")
        };
        let step_name = |key: &str| {
            profile.and_then(|pr| pr.step_action(key)).map_or_else(|| key.to_string(), String::from)
        };
        let mut judge = Judge {
            store: self,
            platform_key: self.signer.get().map(|s| s.public_key()),
            name: &name,
            deep,
            digests: HashMap::new(),
        };
        let mut out = Vec::with_capacity(kept.len() + beside.len());
        for (seq, message, public_key, signature) in &kept {
            let signed = Decision::parse(message);
            let now = signed.as_ref().and_then(|s| reread(s, &acts, &files, &reviews));
            let seen = signed.as_ref().map(|s| s.materials.clone()).unwrap_or_default();
            let verdict = judge.verdict(message, public_key, signature, now.as_ref(), &seen).await;
            let act = acts.iter().find(|a| a.seq == *seq);
            let verb = act
                .and_then(|a| verb_of(&a.verb))
                .or_else(|| signed.as_ref().and_then(|s| verb_of(&s.verb)));
            out.push(DecisionCheck {
                run: String::new(),
                anchor: seq.to_string(),
                seq: *seq,
                step: step_name(signed.as_ref().map_or("", |s| s.step.as_str())),
                verb: verb_label(
                    verb.as_ref(),
                    signed.as_ref().map_or("", |s| s.step.as_str()),
                    profile,
                ),
                user_name: act.map(|a| a.user_name.clone()).unwrap_or_default(),
                at_ms: signed.as_ref().map_or(0, |s| s.at_ms),
                key_id: fingerprint(public_key),
                files: seen,
                reviews: signed.as_ref().map(|s| s.reviews.clone()).unwrap_or_default(),
                verdict,
                deep,
            });
        }
        // A decision whose signature record is gone is a change too.
        for a in acts.iter().filter(|a| verb_of(&a.verb).is_some_and(|v| decides(&v))) {
            if !kept.iter().any(|(s, ..)| *s == a.seq) {
                out.push(unsigned(
                    String::new(),
                    a.seq.to_string(),
                    a.seq,
                    step_name(&a.step),
                    verb_label(verb_of(&a.verb).as_ref(), &a.step, profile),
                    (a.user_name.clone(), a.at_ms),
                    deep,
                ));
            }
        }
        // The runs beside the path, each decision against its record as it stands.
        for (kind, id, seq, message, public_key, signature) in &beside {
            let subject = subjects.iter().find(|s| s.asked.kind == kind && s.asked.id == *id);
            let signed = Decision::parse(message);
            let now = match (signed.as_ref(), subject) {
                (Some(d), Some(s)) => reread_beside(d, s, &files),
                _ => None,
            };
            let seen = signed.as_ref().map(|s| s.materials.clone()).unwrap_or_default();
            let verdict = judge.verdict(message, public_key, signature, now.as_ref(), &seen).await;
            let act = subject.and_then(|s| s.run.acts.iter().find(|a| a.seq == *seq));
            let step = signed.as_ref().map_or("", |s| s.step.as_str());
            out.push(DecisionCheck {
                run: subject.map(|s| s.named.clone()).unwrap_or_default(),
                anchor: format!("{kind}-{id}-{seq}"),
                seq: *seq,
                step: subject.map_or_else(|| step.to_string(), |s| step_of(s, step)),
                verb: beside_label(
                    subject,
                    step,
                    act.map(|a| &a.act.verb)
                        .cloned()
                        .or_else(|| signed.as_ref().and_then(|s| verb_of(&s.verb)))
                        .as_ref(),
                ),
                user_name: act.map(|a| a.actor_name.clone()).unwrap_or_default(),
                at_ms: signed.as_ref().map_or(0, |s| s.at_ms),
                key_id: fingerprint(public_key),
                files: seen,
                reviews: Vec::new(),
                verdict,
                deep,
            });
        }
        for s in &subjects {
            for a in s.run.acts.iter().filter(|a| decides(&a.act.verb)) {
                let signed = beside.iter().any(|(k, id, seq, ..)| {
                    k == s.asked.kind && *id == s.asked.id && *seq == a.seq
                });
                if !signed {
                    out.push(unsigned(
                        s.named.clone(),
                        format!("{}-{}-{}", s.asked.kind, s.asked.id, a.seq),
                        a.seq,
                        step_of(s, &a.act.step),
                        beside_label(Some(s), &a.act.step, Some(&a.act.verb)),
                        (a.actor_name.clone(), a.act.at_ms),
                        deep,
                    ));
                }
            }
        }
        // In the order they were made; the path's first when two fall in one millisecond.
        out.sort_by_key(|c| (c.at_ms, !c.run.is_empty(), c.seq));
        Ok(out)
    }

    /// The SM3 of the bytes the file store holds under that digest, read again.
    async fn stored_digest(&self, sm3: &str) -> std::result::Result<String, String> {
        let store = self.files().map_err(|e| e.to_string())?;
        store.digest(&crate::materials::files::object_key(sm3)).await.map_err(|e| e.to_string())
    }

    /// [`Store::verify_decisions`] for an operator at the data directory (`govit verify
    /// project`): the project read without a data scope.
    pub async fn verify_project(
        &self, id: ProjectId, deep: bool,
    ) -> Result<Option<(Project, Vec<DecisionCheck>)>> {
        let p = {
            let mut conn = self.pool.acquire().await?;
            crate::projects::fetch(&mut conn, id).await?
        };
        let Some(p) = p else { return Ok(None) };
        let checks = self.verify_decisions(&p, deep).await?;
        Ok(Some((p, checks)))
    }
}

/// An act of a run as stored.
struct StoredAct {
    seq: i64,
    step: String,
    verb: String,
    user: i64,
    user_name: String,
    at_ms: i64,
}

/// A project's signed decisions as kept: on its path (the act's number, the signed message,
/// the key, the signature), and on the runs beside it (the same after the kind and id of its
/// record).
pub(crate) struct Kept {
    pub path: Vec<(i64, String, String, String)>,
    pub beside: Vec<(String, i64, i64, String, String, String)>,
}

/// Reads a project's signed decisions (what verification checks and the archive carries).
pub(crate) async fn kept(conn: &mut AnyConnection, id: ProjectId) -> Result<Kept> {
    let path = sqlx::query_as(
        "SELECT seq, message, public_key, signature FROM decision_signatures \
         WHERE project_id = $1 ORDER BY seq",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    let beside = sqlx::query_as(
        "SELECT kind, subject_id, seq, message, public_key, signature \
         FROM subject_decision_signatures WHERE project_id = $1 ORDER BY kind, subject_id, seq",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Kept { path, beside })
}

async fn acts(conn: &mut AnyConnection, id: ProjectId) -> Result<Vec<StoredAct>> {
    let rows: Vec<(i64, String, String, i64, String, i64)> = sqlx::query_as(
        "SELECT a.seq, a.step, a.verb, a.user_id, COALESCE(u.name, ''), a.at_ms FROM run_acts a \
         LEFT JOIN users u ON u.id = a.user_id WHERE a.project_id = $1 ORDER BY a.seq",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, step, verb, user, user_name, at_ms)| StoredAct {
            seq,
            step,
            verb,
            user,
            user_name,
            at_ms,
        })
        .collect())
}

/// Every file row of a project, removed or not, by id.
async fn file_rows(conn: &mut AnyConnection, id: ProjectId) -> Result<HashMap<i64, SeenFile>> {
    let rows: Vec<(i64, String, String, i64, String)> = sqlx::query_as(
        "SELECT id, material, file_name, size_bytes, sm3 FROM material_files WHERE project_id = $1",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(file, material, name, size, sm3)| {
            (file, SeenFile { material, file, name, size, sm3 })
        })
        .collect())
}

/// The decision `signed` as the records stand now: its act, the records of the files it
/// saw, the earlier opinions it saw. `None` when its act is gone.
fn reread(
    signed: &Decision, acts: &[StoredAct], files: &HashMap<i64, SeenFile>, reviews: &[SeenReview],
) -> Option<Decision> {
    let act = acts.iter().find(|a| a.seq == signed.seq)?;
    Some(Decision {
        format: signed.format.clone(),
        project: signed.project,
        seq: act.seq,
        step: act.step.clone(),
        verb: act.verb.clone(),
        user: act.user,
        at_ms: act.at_ms,
        materials: signed.materials.iter().filter_map(|f| files.get(&f.file).cloned()).collect(),
        opinions: acts
            .iter()
            .filter(|a| signed.opinions.iter().any(|o| o.seq == a.seq))
            .map(|a| SeenOpinion::of(a.seq, &a.verb))
            .collect(),
        reviews: reviews
            .iter()
            .filter(|r| signed.reviews.iter().any(|s| s.id == r.id))
            .cloned()
            .collect(),
        subject: None,
    })
}

/// The fingerprint of a kept public key (hex); empty for none.
fn fingerprint(public_key: &str) -> String {
    if public_key.is_empty() {
        String::new()
    } else {
        key_id(&hex::decode(public_key).unwrap_or_default())
    }
}

/// A decision kept without a signature record.
fn unsigned(
    run: String, anchor: String, seq: i64, step: String, verb: &'static str,
    (user_name, at_ms): (String, i64), deep: bool,
) -> DecisionCheck {
    DecisionCheck {
        run,
        anchor,
        seq,
        step,
        verb,
        user_name,
        at_ms,
        key_id: String::new(),
        files: Vec::new(),
        reviews: Vec::new(),
        verdict: Verdict {
            signature: decision::SignatureState::Unsigned,
            changes: vec!["没有这项决定的签名记录".into()],
        },
        deep,
    }
}

/// A decision's verb on a run beside the path in words: its owner's pass of the first step
/// sends the record (报送).
fn beside_label(s: Option<&SubjectNow>, step: &str, verb: Option<&Verb>) -> &'static str {
    let first = s.is_some_and(|s| s.run.route.sends_at(step));
    verb_words(verb, first.then_some("报送"))
}

/// A step of a run beside the path in the regulation's words.
fn step_of(s: &SubjectNow, key: &str) -> String {
    s.run
        .route
        .steps
        .iter()
        .find(|st| st.key == key)
        .map_or_else(|| key.to_string(), |st| st.action.clone())
}

/// A decision on a run beside the path as the records stand now: its act, the files it saw,
/// the earlier decisions of its run, and what its record asks — unless the record was sent
/// again since (corrected after a return or a withdrawal: what this decision saw was then
/// changed by right, and the later decisions cover the new content).
fn reread_beside(
    signed: &Decision, s: &SubjectNow, files: &HashMap<i64, SeenFile>,
) -> Option<Decision> {
    let act = s.run.acts.iter().find(|a| a.seq == signed.seq)?;
    let first = s.run.route.steps.first().map(|st| st.key.as_str());
    let sent_again = s.run.acts.iter().any(|a| {
        a.seq > signed.seq
            && Some(a.act.step.as_str()) == first
            && matches!(a.act.verb, Verb::Pass { .. })
    });
    let subject = match (&signed.subject, sent_again) {
        (Some(kept), true) => Some(kept.clone()),
        _ => Some(SeenSubject {
            kind: s.asked.kind.into(),
            id: s.asked.id,
            sm3: content_digest(&s.asked.content),
        }),
    };
    Some(Decision {
        format: signed.format.clone(),
        project: signed.project,
        seq: act.seq,
        step: act.act.step.clone(),
        verb: act.verb_text.clone(),
        user: act.act.user.0,
        at_ms: act.act.at_ms,
        materials: signed.materials.iter().filter_map(|f| files.get(&f.file).cloned()).collect(),
        opinions: s
            .run
            .acts
            .iter()
            .filter(|a| signed.opinions.iter().any(|o| o.seq == a.seq))
            .map(|a| SeenOpinion::of(a.seq, &a.verb_text))
            .collect(),
        reviews: Vec::new(),
        subject,
    })
}

/// Judges kept decisions: each signature against the platform's key, each record against the
/// records now, and (deep) each file's bytes, read once per digest.
struct Judge<'a> {
    store: &'a Store,
    platform_key: Option<Vec<u8>>,
    name: &'a (dyn Fn(&str) -> String + Sync),
    deep: bool,
    digests: HashMap<String, std::result::Result<String, String>>,
}

impl Judge<'_> {
    /// The verdict on a kept message, `seen` the files its decision saw (as parsed from it).
    async fn verdict(
        &mut self, message: &str, public_key: &str, signature: &str, now: Option<&Decision>,
        seen: &[SeenFile],
    ) -> Verdict {
        let mut verdict = decision::check(
            message,
            public_key,
            signature,
            self.platform_key.as_deref(),
            now,
            self.name,
        );
        if !self.deep {
            return verdict;
        }
        for f in seen {
            if !self.digests.contains_key(&f.sm3) {
                let d = self.store.stored_digest(&f.sm3).await;
                self.digests.insert(f.sm3.clone(), d);
            }
            let name = (self.name)(&f.material);
            match self.digests.get(&f.sm3) {
                Some(Ok(d)) if *d == f.sm3 => {}
                Some(Ok(d)) => verdict.changes.push(format!(
                    "{name}的文件“{}”的内容已被改动（签名时 SM3 {}，现为 {}）",
                    f.name,
                    short(&f.sm3),
                    short(d)
                )),
                _ => verdict.changes.push(format!("{name}的文件“{}”在附件存储中已找不到", f.name)),
            }
        }
        verdict
    }
}
