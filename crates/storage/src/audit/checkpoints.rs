//! The checkpoint file and the signing key: the audit chain's anchor outside the database.
//!
//! Both live in the data directory by default (`audit/checkpoints.log`, `audit/sm2-key.pem`);
//! the key may be elsewhere, and any [`Signer`] (a crypto device) may replace it. The server
//! signs the head at least every interval while it moves, and once more on shutdown.

use crate::{Result, Store, StoreError};
use govit_core::audit::checkpoint::{self, Anchors, Checkpoint, FileFault};
use govit_core::crypto::{Signer, Sm2Signer};
use sqlx::Row;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where the data directory keeps the checkpoint file.
pub fn checkpoint_file(data_dir: &Path) -> PathBuf {
    data_dir.join("audit").join("checkpoints.log")
}

/// Where the data directory keeps the signing key unless another is configured.
pub fn default_key_file(data_dir: &Path) -> PathBuf {
    data_dir.join("audit").join("sm2-key.pem")
}

fn config(e: impl std::fmt::Display) -> StoreError {
    StoreError::Config(e.to_string())
}

/// Reads the SM2 key at `path`, or makes one there (readable by its owner only) when there
/// is none yet. Returns whether it was made.
pub fn load_or_create_key(path: &Path) -> Result<(Arc<dyn Signer>, bool)> {
    match std::fs::read_to_string(path) {
        Ok(pem) => {
            let signer = Sm2Signer::from_pem(&pem)
                .map_err(|e| config(format!("签名密钥 {}：{e}", path.display())))?;
            Ok((Arc::new(signer), false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(config)?;
            }
            let signer = Sm2Signer::generate();
            let pem = signer.to_pem().map_err(config)?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options
                .open(path)
                .map_err(|e| config(format!("无法写签名密钥 {}：{e}", path.display())))?;
            f.write_all(pem.as_bytes()).and_then(|_| f.sync_all()).map_err(config)?;
            Ok((Arc::new(signer), true))
        }
        Err(e) => Err(config(format!("无法读取签名密钥 {}：{e}", path.display()))),
    }
}

/// Reads a checkpoint file and checks every signature (see [`checkpoint::read`]). A file
/// that does not exist holds no checkpoints.
pub fn read_checkpoints(
    path: &Path, pinned: Option<&[u8]>,
) -> std::io::Result<Result<Anchors, FileFault>> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ok(Anchors::default())),
        Err(e) => return Err(e),
    };
    // Lines are read within bounds: a longer line is cut and then refused by the parser.
    let mut lines = Vec::new();
    let mut reader = std::io::BufReader::new(file);
    loop {
        let mut buf = Vec::new();
        let n =
            Read::take(&mut reader, checkpoint::MAX_LINE as u64 + 2).read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        lines.push(String::from_utf8_lossy(&buf).trim_end_matches('\n').to_string());
        if !buf.ends_with(b"\n") && n > checkpoint::MAX_LINE {
            break;
        }
    }
    Ok(checkpoint::read(lines.iter().map(String::as_str), pinned))
}

/// Signs the chain's head into the checkpoint file.
pub struct Checkpointer {
    signer: Arc<dyn Signer>,
    path: PathBuf,
    /// The head last signed by this process, and whether the file introduces our key.
    state: Mutex<(Option<(i64, String)>, bool)>,
}

impl Checkpointer {
    pub fn new(signer: Arc<dyn Signer>, path: PathBuf) -> Result<Self> {
        let key_line = checkpoint::key_line(signer.as_ref());
        let known = match std::fs::File::open(&path) {
            Ok(f) => {
                std::io::BufReader::new(f).lines().map_while(|l| l.ok()).any(|l| l == key_line)
            }
            Err(_) => false,
        };
        Ok(Checkpointer { signer, path, state: Mutex::new((None, known)) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Signs the head now unless this process already signed it; returns what it wrote.
    pub async fn write(&self, store: &Store, now_ms: i64) -> Result<Option<Checkpoint>> {
        let (seq, digest) = store.audit_head().await?;
        let (lines, cp) = {
            let mut state = self.state.lock().map_err(config)?;
            if state.0.as_ref().is_some_and(|(s, d)| *s == seq && *d == digest) {
                return Ok(None);
            }
            let cp =
                Checkpoint::sign(self.signer.as_ref(), seq, &digest, now_ms).map_err(config)?;
            let mut lines = String::new();
            if !state.1 {
                lines += &checkpoint::key_line(self.signer.as_ref());
                lines.push('\n');
            }
            lines += &cp.line();
            lines.push('\n');
            state.0 = Some((seq, digest));
            state.1 = true;
            (lines, cp)
        };
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || append(&path, &lines))
            .await
            .map_err(config)?
            .map_err(|e| config(format!("无法写入检查点文件：{e}")))?;
        Ok(Some(cp))
    }

    /// Signs the head every `every` while the server runs, and once more when `shutdown`
    /// completes. A failure is logged and tried again at the next tick.
    pub async fn run(
        self: Arc<Self>, store: Store, every: Duration, now_ms: impl Fn() -> i64,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = &mut shutdown => break,
            }
            if let Err(e) = self.write(&store, now_ms()).await {
                tracing::error!(error = %e, "audit checkpoint failed");
            }
        }
        if let Err(e) = self.write(&store, now_ms()).await {
            tracing::error!(error = %e, "audit checkpoint at shutdown failed");
        }
    }
}

fn append(path: &Path, lines: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    f.write_all(lines.as_bytes())?;
    f.sync_data()
}

impl Store {
    /// The chain's last record as the head row says: its sequence number and digest.
    pub async fn audit_head(&self) -> Result<(i64, String)> {
        let row = sqlx::query("SELECT seq, digest FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get("seq")?, row.try_get("digest")?))
    }
}
