//! Duplicate-check speed (figures, not pass/fail): `cargo bench -p govit-search`.
//! 100,000 systems and 100,000 projects of synthetic Chinese names and descriptions in one
//! jurisdiction; p50 and p99 of the similarity query over 1,000 proposals.

use chrono::NaiveDate;
use govit_core::synthetic::{Rng, project};
use govit_search::{Doc, DocKind, SimilarityIndex};
use std::time::Instant;

fn main() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    let mut rng = Rng::new(4);
    let index = SimilarityIndex::in_memory().expect("index");
    let n = 100_000;
    let t = Instant::now();
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..(2 * n) {
        let p = project(&mut rng, i, 20, today);
        let kind = if i < n { DocKind::System } else { DocKind::Project };
        batch.push(Doc { kind, id: i as i64, jurisdiction_id: 1, name: p.name, text: p.summary });
        if batch.len() == 10_000 {
            index.add_bulk(&batch).expect("add");
            batch.clear();
        }
    }
    index.add_bulk(&batch).expect("add");
    index.commit().expect("commit");
    println!("indexed {} documents in {:.1} s", index.len(), t.elapsed().as_secs_f64());

    let mut times = Vec::new();
    for i in 0..1000 {
        let p = project(&mut rng, 1_000_000 + i, 20, today);
        let t = Instant::now();
        let hits = index.similar(1, &p.name, &p.summary, None, 10).expect("query");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(hits);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "similarity query over {} documents: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (1,000 queries)",
        index.len(),
        times[499],
        times[989],
        times[999]
    );
}
