//! The house rules of the code: each crate is a floor and rooms, and a room may use only the
//! floor and the rooms this file allows it (see ARCHITECTURE.md). The test reads the sources
//! and names every `crate::<room>` reference that goes the wrong way, so a circle between
//! modules fails the build's tests instead of growing quietly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// (room, the rooms it may use besides itself). The floor is listed as a room that may use
/// nothing; items of the crate root (`crate::Store`, `crate::AppState` …) are always allowed.
const STORAGE: &[(&str, &[&str])] = &[
    ("base", &[]),
    ("accounts", &["base"]),
    ("audit", &["base"]),
    ("org", &["base", "accounts"]),
    ("rules", &["base"]),
    ("systems", &["base", "rules"]),
    ("projects", &["base", "rules", "org"]),
    ("cloud", &["base", "rules", "systems", "projects"]),
    ("search", &["base", "systems", "projects"]),
    ("materials", &["base", "rules", "projects"]),
    ("reviews", &["base", "rules", "projects"]),
    ("panels", &["base", "rules", "projects"]),
    ("plans", &["base", "rules", "org", "projects"]),
    ("contracts", &["base", "rules", "org", "projects"]),
    ("changes", &["base", "rules", "org", "projects"]),
    ("progress", &["base", "rules", "org", "projects"]),
    ("acceptances", &["base", "rules", "org", "projects"]),
    ("payments", &["base", "rules", "org", "projects"]),
    ("submissions", &["base", "rules", "org", "projects", "payments"]),
    ("sanctions", &["base", "rules", "org", "projects"]),
    ("ratings", &["base", "projects"]),
    ("credit", &["base", "projects"]),
    ("dashboard", &["base"]),
    (
        "archives",
        &[
            "base",
            "rules",
            "projects",
            "materials",
            "contracts",
            "changes",
            "progress",
            "acceptances",
            "payments",
            "submissions",
            "sanctions",
            "ratings",
            "decisions",
        ],
    ),
    ("oc4ids", &["base", "projects"]),
    ("decisions", &["base", "rules", "projects", "materials", "reviews"]),
    (
        "todo",
        &[
            "base",
            "projects",
            "cloud",
            "plans",
            "contracts",
            "changes",
            "progress",
            "acceptances",
            "payments",
            "submissions",
        ],
    ),
    (
        "seed",
        &[
            "base",
            "accounts",
            "org",
            "rules",
            "systems",
            "projects",
            "cloud",
            "materials",
            "reviews",
            "panels",
            "plans",
            "contracts",
            "changes",
            "progress",
            "acceptances",
            "payments",
            "submissions",
        ],
    ),
];

const WEB: &[(&str, &[&str])] = &[
    ("shell", &[]),
    ("accounts", &["shell"]),
    ("audit", &["shell"]),
    ("org", &["shell"]),
    ("rules", &["shell"]),
    ("systems", &["shell"]),
    ("search", &["shell"]),
    ("cloud", &["shell"]),
    ("projects", &["shell"]),
    ("materials", &["shell"]),
    ("decisions", &["shell"]),
    ("reviews", &["shell"]),
    ("panels", &["shell"]),
    ("plans", &["shell"]),
    ("contracts", &["shell"]),
    ("changes", &["shell"]),
    ("progress", &["shell"]),
    ("acceptances", &["shell"]),
    ("payments", &["shell"]),
    ("submissions", &["shell"]),
    ("sanctions", &["shell"]),
    ("ratings", &["shell"]),
    ("credit", &["shell"]),
    ("dashboard", &["shell"]),
    ("archives", &["shell"]),
    ("oc4ids", &["shell"]),
    ("home", &["shell"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `crate::<name>` a source mentions, with its line: plain paths and the members of
/// `use crate::{a, b::c}` groups.
fn crate_refs(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for member in group[..end].split(',') {
                    let name: String = member
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    out.push((n + 1, name));
                }
            } else {
                let name: String =
                    rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                out.push((n + 1, name));
            }
        }
    }
    out
}

/// The wrong-way references of one crate, as `file:line: room → other`.
fn violations(src: &Path, rooms: &[(&str, &[&str])]) -> Vec<String> {
    let known: BTreeMap<&str, &[&str]> = rooms.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut out = Vec::new();
    let mut seen_rooms = 0;
    for file in files {
        let rel = file.strip_prefix(src).unwrap_or(&file);
        let Some(room) = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|s| s.trim_end_matches(".rs"))
        else {
            continue;
        };
        // The crate root (lib.rs and the top-level files it composes from) may use every
        // room; a top-level file named as a room is that room.
        if rel.components().count() == 1 && !known.contains_key(room) {
            continue;
        }
        let Some(allowed) = known.get(room) else {
            out.push(format!(
                "{}: folder `{room}` is not a known room (add it to tests/it/layout.rs and ARCHITECTURE.md)",
                rel.display()
            ));
            continue;
        };
        seen_rooms += 1;
        let text = std::fs::read_to_string(&file).expect("read source");
        for (line, target) in crate_refs(&text) {
            if target == room || !known.contains_key(target.as_str()) {
                continue;
            }
            if !allowed.contains(&target.as_str()) {
                out.push(format!(
                    "{}:{line}: {room} uses {target}, which it may not",
                    rel.display()
                ));
            }
        }
    }
    assert!(seen_rooms > 0, "no rooms found under {}", src.display());
    out
}

#[test]
fn rooms_use_only_the_floor_and_the_rooms_below_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates");
    let mut all = violations(&root.join("storage/src"), STORAGE);
    all.extend(violations(&root.join("web/src"), WEB));
    assert!(all.is_empty(), "modules import rooms they may not:\n{}", all.join("\n"));
}

#[test]
fn the_checker_sees_grouped_and_plain_paths() {
    let refs = crate_refs(
        "use crate::{cloud::x, base};\nlet a = crate::projects::fetch(); // crate::seed",
    );
    let names: Vec<&str> = refs.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["cloud", "base", "projects"]);
    let dir = std::env::temp_dir().join(format!("govit-layout-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("base")).expect("dir");
    std::fs::create_dir_all(dir.join("cloud")).expect("dir");
    std::fs::write(dir.join("base/mod.rs"), "use crate::cloud::X;\n").expect("write");
    std::fs::write(dir.join("cloud/mod.rs"), "use crate::base::Y;\n").expect("write");
    let found = violations(&dir, &[("base", &[]), ("cloud", &["base"])]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("base uses cloud"), "{found:?}");
}
