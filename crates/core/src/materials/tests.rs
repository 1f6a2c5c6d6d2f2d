use super::*;
use crate::policy::{Fact, builtin};

fn profile(id: &str) -> Profile {
    builtin().into_iter().find(|p| p.head.id == id).expect("builtin profile")
}

fn ids(needs: &[Need<'_>], r: Requirement) -> Vec<String> {
    needs.iter().filter(|n| n.requirement == r).map(|n| n.doc.id.clone()).collect()
}

#[test]
fn the_content_tells_the_type_not_the_name() {
    assert_eq!(detect(b"%PDF-1.7\n", &[]), Some(FileKind::Pdf));
    assert_eq!(detect(b"\x89PNG\r\n\x1a\n....", &[]), Some(FileKind::Image));
    assert_eq!(detect(&[0xFF, 0xD8, 0xFF, 0xE0], &[]), Some(FileKind::Image));
    let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0];
    assert_eq!(detect(&ole, &[]), Some(FileKind::LegacyOffice));
    let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let zip = b"PK\x03\x04rest";
    assert_eq!(detect(zip, &names(&["OFD.xml", "Doc_0/Document.xml"])), Some(FileKind::Ofd));
    assert_eq!(
        detect(zip, &names(&["[Content_Types].xml", "word/document.xml"])),
        Some(FileKind::Word)
    );
    assert_eq!(detect(zip, &names(&["xl/workbook.xml"])), Some(FileKind::Excel));
    assert_eq!(detect(zip, &names(&["ppt/presentation.xml"])), Some(FileKind::Slides));
    assert_eq!(detect(zip, &names(&["readme.txt"])), Some(FileKind::Zip));
    assert_eq!(detect(b"MZ\x90\x00 an executable", &[]), None);
    assert_eq!(detect(b"", &[]), None);
    // A text file named .pdf is still text.
    assert_eq!(detect(b"just text, named report.pdf", &[]), None);
}

#[test]
fn a_zip_bomb_is_refused_by_what_it_declares() {
    let fine = [ZipPart { packed: 100_000, unpacked: 900_000 }; 3];
    assert!(judge_zip(&fine).is_ok());
    // Small parts compress as they like.
    assert!(judge_zip(&[ZipPart { packed: 10, unpacked: 1_000_000 }]).is_ok());
    let bomb = [ZipPart { packed: 10_000, unpacked: 10_000 * (ZIP_MAX_RATIO + 1) }];
    assert!(judge_zip(&bomb).expect_err("refused").contains("压缩炸弹"));
    let huge = vec![ZipPart { packed: 1 << 30, unpacked: 1 << 30 }; 5];
    assert!(judge_zip(&huge).expect_err("refused").contains("4 GB"));
    let many = vec![ZipPart { packed: 1, unpacked: 1 }; ZIP_MAX_ENTRIES as usize + 1];
    assert!(judge_zip(&many).is_err());
}

#[test]
fn yeji_declaration_needs_its_five_materials_and_the_framework_only_across_departments() {
    let p = profile("yeji");
    let mut facts = Facts::new();
    let needs = needs(&p, Stage::Declaration, &facts);
    let required = ids(&needs, Requirement::Required);
    for id in ["yeji-6-basis", "yeji-6-plan", "yeji-6-budget", "yeji-6-feasibility", "yeji-6-form"]
    {
        assert!(required.contains(&id.to_string()), "{id} in {required:?}");
    }
    assert_eq!(ids(&needs, Requirement::Undecided), vec!["yeji-10-framework".to_string()]);
    facts.insert(Fact::IsCrossDepartment, 0);
    let needs_single = super::needs(&p, Stage::Declaration, &facts);
    assert_eq!(ids(&needs_single, Requirement::NotRequired), vec!["yeji-10-framework".to_string()]);
    facts.insert(Fact::IsCrossDepartment, 1);
    let needs_cross = super::needs(&p, Stage::Declaration, &facts);
    assert!(ids(&needs_cross, Requirement::Required).contains(&"yeji-10-framework".to_string()));
}

#[test]
fn a_preliminary_design_stands_in_for_the_feasibility_study_below_ten_million_when_simple() {
    let p = profile("lhasa");
    let state = |done: &'static [&'static str]| {
        move |id: &str| {
            if done.contains(&id) { MaterialState::Completed } else { MaterialState::NotStarted }
        }
    };
    let mut facts = Facts::new();
    facts.insert(Fact::InvestmentYuan, 9_999_999);
    facts.insert(Fact::IsSimple, 1);
    let n = needs(&p, Stage::ExpertReview, &facts);
    let left = missing(&n, OWNER, state(&["lhasa-10-preliminary-design", "lhasa-10-crypto-plan"]));
    assert!(!left.iter().any(|d| d.id == "lhasa-10-feasibility"), "{left:?}");
    // At 10,000,000 yuan the study itself is required.
    facts.insert(Fact::InvestmentYuan, 10_000_000);
    let n = needs(&p, Stage::ExpertReview, &facts);
    let left = missing(&n, OWNER, state(&["lhasa-10-preliminary-design", "lhasa-10-crypto-plan"]));
    assert!(left.iter().any(|d| d.id == "lhasa-10-feasibility"), "{left:?}");
    let (cite, text) = missing_refusal(&left).expect("a refusal");
    assert_eq!(cite, "lhasa:10");
    assert!(text.contains("《项目可行性研究报告》"), "{text}");
}

#[test]
fn a_file_is_checked_against_its_material() {
    let p = profile("yeji");
    let doc = p.documents.iter().find(|d| d.id == "yeji-6-plan").expect("plan");
    assert!(check_file(doc, Some(FileKind::Pdf), 10).is_ok());
    assert!(check_file(doc, Some(FileKind::Pdf), 0).expect_err("refused").contains("空"));
    let over = max_bytes(doc) + 1;
    assert!(check_file(doc, Some(FileKind::Pdf), over).expect_err("refused").contains("MB"));
    let e = check_file(doc, None, 10).expect_err("refused");
    assert!(e.contains("《项目建设方案》") && e.contains("无法识别"), "{e}");
    let form = p.documents.iter().find(|d| d.id == "yeji-6-form").expect("form");
    let e = check_file(form, Some(FileKind::Image), 10).expect_err("refused");
    assert!(e.contains("不接受"), "{e}");
}

#[test]
fn a_file_name_is_cleaned_to_its_last_part() {
    assert_eq!(clean_name("C:\\Users\\a\\方案.pdf"), "方案.pdf");
    assert_eq!(clean_name("../../etc/passwd"), "passwd");
    assert_eq!(clean_name("a\u{0}b\"<c>.pdf"), "abc.pdf");
    assert_eq!(clean_name(""), "附件");
    assert_eq!(clean_name("..."), "附件");
    assert_eq!(clean_name(&"长".repeat(300)).chars().count(), 100);
}
