//! Demo materials: a small PDF for each required material a person hands in now, marked
//! complete, so that demo projects can be sent along their path as a clerk would.

use crate::materials::AddFile;
use crate::projects::Project;
use crate::{Result, Store, Target, Who};
use bytes::Bytes;
use govit_core::materials::{MaterialState, Requirement, max_bytes};

/// A one-page PDF whose text names the material (ASCII: the demo ships no font).
pub fn demo_pdf(title: &str) -> Vec<u8> {
    let text: String = title.chars().filter(|c| c.is_ascii_alphanumeric() || *c == ' ').collect();
    let content = format!("BT /F1 18 Tf 72 720 Td (govit demo material {text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Hands in every required material `who` may hand in now on `project` and has not
/// completed: one demo PDF each, marked complete. Returns how many.
pub async fn hand_in(store: &Store, who: Who<'_>, project: i64) -> Result<usize> {
    let p: Project = store.read(who, project).await?;
    let files = store.files()?;
    let mut n = 0;
    for row in store.materials_of(who, &p).await? {
        if !row.can_edit
            || row.requirement != Requirement::Required
            || row.state == MaterialState::Completed
        {
            continue;
        }
        let bytes = Bytes::from(demo_pdf(&row.doc.id));
        let body = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(bytes)]);
        let received = files.receive(body, max_bytes(&row.doc), &row.doc.name).await?;
        let key = files.keep(&received).await?;
        let step = AddFile {
            material: &row.doc.id,
            file_name: &format!("{}.pdf", row.doc.name),
            file: &received,
            object_key: &key,
            replaces: None,
            complete: true,
            said: Default::default(),
        };
        store.run(who, Target::any_version(project), &step).await?;
        n += 1;
    }
    Ok(n)
}
