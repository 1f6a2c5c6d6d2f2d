//! Where the bytes of materials live: a folder of the data directory by default, or an
//! S3-compatible bucket (`object_store`). A file is received as a stream into a temporary
//! file — its SM3 digest and size counted on the way, refused past its material's limit —
//! then told by its content (a zip's parts read within bounds) and stored under its digest,
//! so a file uploaded twice is kept once. Nothing of it is ever held whole in memory.

use crate::{Result, StoreError};
use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use govit_core::DomainError;
use govit_core::crypto::Sm3Stream;
use govit_core::materials::{FileKind, ZipPart, detect, is_zip, judge_zip};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A file as received: where it waits, and what it is.
#[derive(Debug)]
pub struct Received {
    temp: PathBuf,
    pub size: u64,
    pub sm3: String,
    pub kind: Option<FileKind>,
    /// Why its content cannot be accepted whatever the material (a zip bomb).
    pub refused: Option<String>,
}

impl Drop for Received {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// The file store.
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    temp: PathBuf,
    /// What it is, for the operator (`本地目录 …` or `s3://bucket`).
    pub describe: String,
}

/// The largest piece written to the store at once.
const PART: usize = 8 * 1024 * 1024;

impl FileStore {
    /// Files under `dir/objects`, waiting under `dir/tmp` while they arrive.
    pub fn local(dir: &Path) -> Result<FileStore> {
        let objects = dir.join("objects");
        std::fs::create_dir_all(&objects).map_err(|e| config(&objects, e))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(&objects)
            .map_err(|e| StoreError::Config(format!("无法使用附件目录：{e}")))?;
        FileStore::with(Arc::new(store), dir, format!("本地目录 {}", objects.display()))
    }

    /// `s3://bucket` with the endpoint, region and keys of the usual `AWS_*` variables
    /// (`AWS_ENDPOINT`, `AWS_ALLOW_HTTP` for a server on this network), or as query
    /// parameters of the URL (`?endpoint=…&region=…&allow_http=true`, any key `object_store`
    /// knows), files waiting under `temp_dir/tmp`; any other URL is a local folder.
    pub fn open(url: &str, temp_dir: &Path) -> Result<FileStore> {
        let Some(rest) = url.strip_prefix("s3://") else {
            return FileStore::local(Path::new(url.strip_prefix("file://").unwrap_or(url)));
        };
        let (bucket, query) = rest.split_once('?').unwrap_or((rest, ""));
        let bucket = bucket.trim_end_matches('/');
        let bad = |e: String| StoreError::Config(format!("无法使用对象存储 s3://{bucket}：{e}"));
        let mut builder = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let key: object_store::aws::AmazonS3ConfigKey =
                k.parse().map_err(|e: object_store::Error| bad(e.to_string()))?;
            builder = builder.with_config(key, v);
        }
        let store = builder.build().map_err(|e| bad(e.to_string()))?;
        FileStore::with(Arc::new(store), temp_dir, format!("s3://{bucket}"))
    }

    fn with(store: Arc<dyn ObjectStore>, dir: &Path, describe: String) -> Result<FileStore> {
        let temp = dir.join("tmp");
        std::fs::create_dir_all(&temp).map_err(|e| config(&temp, e))?;
        let swept = sweep(&temp, STALE_UPLOAD);
        if swept > 0 {
            tracing::info!(folder = %temp.display(), swept, "removed uploads left by an interrupted run");
        }
        Ok(FileStore { store, temp, describe })
    }

    /// Receives a body into a temporary file, refusing it past `limit` bytes (`what` names
    /// the material in the message) without reading the rest.
    pub async fn receive<S, E>(&self, body: S, limit: u64, what: &str) -> Result<Received>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let temp = self
            .temp
            .join(format!("upload-{:016x}", rand::RngExt::random::<u64>(&mut rand::rng())));
        let mut file = tokio::fs::File::create(&temp).await.map_err(|e| config(&temp, e))?;
        let mut received =
            Received { temp, size: 0, sm3: String::new(), kind: None, refused: None };
        let mut digest = Sm3Stream::default();
        let mut body = body;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                DomainError::invalid("file", format!("《{what}》：文件没有传完（{e}），请重新上传"))
            })?;
            received.size += chunk.len() as u64;
            if received.size > limit {
                return Err(DomainError::invalid(
                    "file",
                    format!("《{what}》：文件超过 {} MB", limit / 1024 / 1024),
                )
                .into());
            }
            digest.update(&chunk);
            file.write_all(&chunk).await.map_err(|e| config(&received.temp, e))?;
        }
        file.flush().await.map_err(|e| config(&received.temp, e))?;
        drop(file);
        received.sm3 = digest.finish_hex();
        let path = received.temp.clone();
        let (kind, refused) = tokio::task::spawn_blocking(move || inspect(&path))
            .await
            .map_err(|e| StoreError::Config(format!("检查文件失败：{e}")))?;
        received.kind = kind;
        received.refused = refused;
        Ok(received)
    }

    /// Stores a received file under its digest (once: the same bytes are kept once).
    pub async fn keep(&self, file: &Received) -> Result<String> {
        let key = object_key(&file.sm3);
        let location = ObjectPath::from(key.as_str());
        if self.store.head(&location).await.is_ok() {
            return Ok(key);
        }
        let mut source =
            tokio::fs::File::open(&file.temp).await.map_err(|e| config(&file.temp, e))?;
        let upload = self.store.put_multipart(&location).await.map_err(store_err)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = source.read(&mut buf).await.map_err(|e| config(&file.temp, e))?;
            if n == 0 {
                break;
            }
            writer.wait_for_capacity(2).await.map_err(store_err)?;
            writer.write(&buf[..n]);
        }
        writer.finish().await.map_err(store_err)?;
        Ok(key)
    }

    /// A stored file's bytes, as a stream.
    pub async fn read(
        &self, key: &str,
    ) -> Result<impl Stream<Item = std::result::Result<Bytes, std::io::Error>> + Send + 'static>
    {
        let got = self.store.get(&ObjectPath::from(key)).await.map_err(store_err)?;
        Ok(got.into_stream().map_err(std::io::Error::other))
    }

    /// A stored file's bytes checked as they go against the digest and size recorded when it
    /// was received. The last chunk is held back until the end: when the bytes are longer,
    /// shorter or other than recorded, the stream ends with an error instead, so a download
    /// breaks off rather than hand over a changed file as the recorded one. Holds one chunk.
    pub async fn read_checked(
        &self, key: &str, sm3: &str, size: u64,
    ) -> Result<impl Stream<Item = std::result::Result<Bytes, std::io::Error>> + Send + 'static>
    {
        let got = self.store.get(&ObjectPath::from(key)).await.map_err(store_err)?;
        let inner = Box::pin(got.into_stream().map_err(std::io::Error::other));
        let (key, want) = (key.to_string(), sm3.to_string());
        let start = Checked { inner, digest: Some(Sm3Stream::default()), n: 0, held: None };
        Ok(futures_util::stream::unfold(start, move |mut st| {
            let (want, key) = (want.clone(), key.clone());
            async move {
                let digest = st.digest.as_mut()?;
                match st.inner.next().await {
                    Some(Ok(chunk)) => {
                        st.n += chunk.len() as u64;
                        if st.n > size {
                            st.digest = None;
                            let why = format!("比记录的 {size} 字节长");
                            return Some((Err(changed_error(&key, &why)), st));
                        }
                        digest.update(&chunk);
                        let out = st.held.replace(chunk).unwrap_or_default();
                        Some((Ok(out), st))
                    }
                    Some(Err(e)) => {
                        st.digest = None;
                        Some((Err(e), st))
                    }
                    None => {
                        let got = st.digest.take().map(Sm3Stream::finish_hex).unwrap_or_default();
                        if st.n != size || got != want {
                            let why =
                                format!("长度 {} 字节、SM3 {}", st.n, &got[..16.min(got.len())]);
                            return Some((Err(changed_error(&key, &why)), st));
                        }
                        st.held.take().map(|last| (Ok(last), st))
                    }
                }
            }
        })
        .filter(|chunk| std::future::ready(!matches!(chunk, Ok(b) if b.is_empty()))))
    }

    /// Recomputes a stored file's SM3 digest from its bytes, streamed (to verify it).
    pub async fn digest(&self, key: &str) -> Result<String> {
        let mut stream = Box::pin(self.read(key).await?);
        let mut digest = Sm3Stream::default();
        while let Some(chunk) = stream.next().await {
            digest.update(&chunk.map_err(|e| StoreError::Config(format!("读取附件失败：{e}")))?);
        }
        Ok(digest.finish_hex())
    }
}

/// How old an upload's temporary file must be before a store opened later takes it for one
/// left by an interrupted run (a crash, a kill) and removes it; one still arriving is newer.
const STALE_UPLOAD: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

/// Removes the `upload-*` files in `temp` last written more than `older_than` ago; how many.
fn sweep(temp: &Path, older_than: std::time::Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(temp) else { return 0 };
    let now = std::time::SystemTime::now();
    let mut n = 0;
    for e in entries.flatten() {
        let stale = e.file_name().to_string_lossy().starts_with("upload-")
            && e.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > older_than));
        if stale && std::fs::remove_file(e.path()).is_ok() {
            n += 1;
        }
    }
    n
}

/// Where [`FileStore::read_checked`] stands in a file.
struct Checked<S> {
    inner: std::pin::Pin<Box<S>>,
    /// `None` once the stream has ended.
    digest: Option<Sm3Stream>,
    n: u64,
    /// The last chunk read, sent once the next one (or the end, checked) comes.
    held: Option<Bytes>,
}

fn changed_error(key: &str, why: &str) -> std::io::Error {
    tracing::error!(object = %key, "附件存储中的文件与记录不符：{why}");
    std::io::Error::other(format!("附件存储中的文件与记录不符（{why}），已停止下载"))
}

/// Where a file with this digest is kept.
pub(crate) fn object_key(sm3: &str) -> String {
    format!("sm3/{}/{sm3}", sm3.get(..2).unwrap_or("00"))
}

fn config(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Config(format!("附件存储出错（{}）：{e}", path.display()))
}

fn store_err(e: object_store::Error) -> StoreError {
    StoreError::Config(format!("附件存储出错：{e}"))
}

/// What a received file is, and whether its content is refused whatever the material.
fn inspect(path: &Path) -> (Option<FileKind>, Option<String>) {
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    let head = &head[..n];
    if !is_zip(head) {
        return (detect(head, &[]), None);
    }
    match zip_names(path) {
        Ok(names) => (detect(head, &names), None),
        Err(why) => (Some(FileKind::Zip), Some(why)),
    }
}

/// The names of a zip's parts, once its declared sizes are within bounds and each part has
/// been unpacked (and thrown away) with its declared size as the cap: a part that unpacks to
/// more than it declares is a bomb.
fn zip_names(path: &Path) -> std::result::Result<Vec<String>, String> {
    fn unreadable<E>(_: E) -> String {
        "压缩文件已损坏，无法读取".to_string()
    }
    let entries = declared_entries(path).ok_or_else(|| "压缩文件已损坏，无法读取".to_string())?;
    if entries > govit_core::materials::ZIP_MAX_ENTRIES {
        return Err(format!("压缩文件内的文件超过 {} 个", govit_core::materials::ZIP_MAX_ENTRIES));
    }
    let file = std::fs::File::open(path).map_err(|_| "无法读取文件".to_string())?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(unreadable)?;
    let mut parts = Vec::with_capacity(zip.len());
    let mut names = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(unreadable)?;
        parts.push(ZipPart { packed: entry.compressed_size(), unpacked: entry.size() });
        names.push(entry.name().map_err(unreadable)?.to_string());
    }
    judge_zip(&parts)?;
    let mut sink = std::io::sink();
    for (i, part) in parts.iter().enumerate() {
        let entry = zip.by_index(i).map_err(unreadable)?;
        let mut capped = std::io::Read::take(entry, part.unpacked + 1);
        let n = std::io::copy(&mut capped, &mut sink).map_err(unreadable)?;
        if n > part.unpacked {
            return Err("压缩文件声明的大小与实际不符（疑似压缩炸弹）".into());
        }
    }
    Ok(names)
}

/// How many parts a zip's end record declares, read from its tail before any reader lists
/// them (a directory of millions of parts is refused without being read).
fn declared_entries(path: &Path) -> Option<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let tail_len = len.min(65_557);
    f.seek(SeekFrom::Start(len - tail_len)).ok()?;
    let mut tail = vec![0u8; tail_len as usize];
    f.read_exact(&mut tail).ok()?;
    let at = tail.windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let record = tail.get(at..at + 22)?;
    let count = u64::from(u16::from_le_bytes([record[10], record[11]]));
    if count != 0xFFFF {
        return Some(count);
    }
    // ZIP64: the count is in the ZIP64 end record, found through its locator.
    let locator = tail.get(at.checked_sub(20)?..at)?;
    if &locator[..4] != b"PK\x06\x07" {
        return None;
    }
    let offset = u64::from_le_bytes(locator[8..16].try_into().ok()?);
    f.seek(SeekFrom::Start(offset)).ok()?;
    let mut z64 = [0u8; 56];
    f.read_exact(&mut z64).ok()?;
    if &z64[..4] != b"PK\x06\x06" {
        return None;
    }
    Some(u64::from_le_bytes(z64[32..40].try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_opened_later_sweeps_uploads_left_by_an_interrupted_run() {
        let dir = std::env::temp_dir().join(format!("govit-sweep-{}", std::process::id()));
        let tmp = dir.join("tmp");
        std::fs::create_dir_all(&tmp).expect("tmp");
        let old = tmp.join("upload-00000000000000aa");
        let fresh = tmp.join("upload-00000000000000bb");
        let other = tmp.join("keep.txt");
        for p in [&old, &fresh, &other] {
            std::fs::write(p, b"x").expect("write");
        }
        let day_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(86_400);
        for p in [&old, &other] {
            std::fs::File::options()
                .write(true)
                .open(p)
                .expect("open")
                .set_modified(day_ago)
                .expect("age");
        }
        let store = FileStore::local(&dir).expect("store");
        assert!(!old.exists(), "an upload older than six hours is gone");
        assert!(fresh.exists(), "one still arriving stays");
        assert!(other.exists(), "only uploads are swept");
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
