//! 项目档案 (issue 12 §3, linxiang:28 and lhasa:15): a project's complete electronic archive as
//! one streamed zip — its records as JSON, its signed decisions, every file of its materials
//! — with a manifest whose SM3 digests match every entry; audited; 404 outside the caller's
//! scope; a file changed in the store breaks the download off.

use crate::harness::*;
use govit_storage::audit::AuditFilter;
use reqwest::StatusCode;
use serde_json::Value;
use std::io::Read;

/// The entries of a zip: (name, bytes).
fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("entry");
        let mut b = Vec::new();
        f.read_to_end(&mut b).expect("read");
        out.push((f.name().expect("name").to_string(), b));
    }
    out
}

#[tokio::test]
async fn a_projects_archive_holds_every_record_and_file_with_their_sm3_digests() {
    let app = spawn_app().await;
    let web = app.login("clerk").await;
    let id = web.create_draft("档案导出平台").await;
    web.submit(id).await;
    let acceptance = app.accept_preliminarily(id).await;
    assert!(acceptance > 0);
    let clerk = app.api("clerk").await;
    let r = clerk
        .client
        .get(app.url(&format!("/api/v1/projects/{id}/archive")))
        .bearer_auth(&clerk.token)
        .send()
        .await
        .expect("archive");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let bytes = r.bytes().await.expect("whole");
    let all = entries(&bytes);
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    for name in [
        "项目/申报信息.json",
        "项目/审批路径.json",
        "决定签名.json",
        "项目验收.json",
        "资金拨付.json",
        "清单.json",
        "SM3SUMS",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let materials: Vec<&&str> = names.iter().filter(|n| n.starts_with("材料/")).collect();
    assert!(!materials.is_empty(), "{names:?}");
    // Every entry is in the manifest with its size and SM3 digest, and they match.
    let manifest: Value =
        serde_json::from_slice(&all.iter().find(|(n, _)| n == "清单.json").expect("manifest").1)
            .expect("json");
    assert_eq!(manifest["project_name"], "档案导出平台");
    let listed = manifest["entries"].as_array().expect("entries");
    assert_eq!(
        listed.len(),
        all.len() - 3,
        "every entry but the manifest, its signature, the sums"
    );
    // The platform's key signed the manifest.
    let sig: Value =
        serde_json::from_slice(&all.iter().find(|(n, _)| n == "清单.sig.json").expect("sig").1)
            .expect("json");
    let manifest_bytes = &all.iter().find(|(n, _)| n == "清单.json").expect("manifest").1;
    let key = hex::decode(sig["public_key"].as_str().expect("key")).expect("hex");
    let signature = hex::decode(sig["signature"].as_str().expect("signature")).expect("hex");
    assert!(govit_core::crypto::verify(&key, manifest_bytes, &signature), "{sig}");
    assert!(!govit_core::crypto::verify(&key, b"another manifest", &signature));
    for e in listed {
        let (_, b) =
            all.iter().find(|(n, _)| n == e["path"].as_str().unwrap_or("")).expect("entry");
        assert_eq!(e["size"], b.len(), "{e}");
        assert_eq!(e["sm3"], govit_core::crypto::sm3_hex(b), "{e}");
    }
    let sums = String::from_utf8(all.iter().find(|(n, _)| n == "SM3SUMS").expect("sums").1.clone())
        .expect("utf-8");
    assert_eq!(sums.lines().count(), listed.len());
    // The signed decisions are there, and the acceptance with its acts.
    let signed: Value =
        serde_json::from_slice(&all.iter().find(|(n, _)| n == "决定签名.json").expect("d").1)
            .expect("json");
    assert!(signed.as_array().is_some_and(|s| !s.is_empty() && s[0]["signature"].is_string()));
    let accepted =
        String::from_utf8_lossy(&all.iter().find(|(n, _)| n == "项目验收.json").expect("a").1)
            .to_string();
    assert!(accepted.contains("组织初步验收"), "{accepted}");
    // The export is audited; another unit gets 404; the page links it.
    let log =
        app.audit(AuditFilter { action: "project.archive".into(), ..Default::default() }).await;
    assert_eq!(log.len(), 1);
    let (s, _) = app.api("clerk2").await.get(&format!("/api/v1/projects/{id}/archive")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains(&format!("/projects/{id}/archive.zip")), "{page}");
    let r = web.get(&format!("/projects/{id}/archive.zip")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(entries(&r.bytes().await.expect("zip")).len(), all.len());

    // A file changed in the store behind govit's back breaks the archive off.
    let first = listed
        .iter()
        .find(|e| e["path"].as_str().unwrap_or("").starts_with("材料/"))
        .expect("file");
    let sm3 = first["sm3"].as_str().expect("sm3");
    let object = app.data_dir.join("files/objects/sm3").join(&sm3[..2]).join(sm3);
    let mut perms = std::fs::metadata(&object).expect("object kept").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).expect("writable");
    std::fs::write(&object, b"%PDF-1.4 changed").expect("overwrite");
    let broken = match clerk
        .client
        .get(app.url(&format!("/api/v1/projects/{id}/archive")))
        .bearer_auth(&clerk.token)
        .send()
        .await
    {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(broken, "a changed file must not arrive in a whole archive");
}
