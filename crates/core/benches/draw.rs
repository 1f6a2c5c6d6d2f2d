//! Benchmark of the expert draw (figures, not pass/fail): `cargo bench -p govit-core --bench
//! draw` — a panel of 7 drawn from a pool of 10,000 experts (with exclusions by employer,
//! conflict, blacklist and field), and a replacement after a decline.

use govit_core::draw::{Candidate, Request, draw};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let fields = ["软件工程", "网络安全", "数据治理", "通信", "财务"];
    let pool: Vec<Candidate> = (1..=10_000)
        .map(|id: i64| Candidate {
            id,
            name: format!("专家{id}"),
            employer: format!("单位{}", id % 300),
            fields: vec![
                fields[(id % 5) as usize].to_string(),
                fields[(id % 3) as usize].to_string(),
            ],
            conflicts: if id % 97 == 0 { vec!["区教育体育局".into()] } else { vec![] },
            blacklisted: id % 211 == 0,
            account: id % 50 != 0,
        })
        .collect();
    let request = Request {
        size: 7,
        fields: vec!["网络安全".into(), "数据治理".into()],
        owner: "区教育体育局".into(),
        bidders: vec!["单位7".into(), "单位8".into()],
    };
    let rounds = 200;
    let mut best = f64::MAX;
    let mut eligible = 0;
    for _ in 0..5 {
        let t = Instant::now();
        for seed in 0..rounds {
            let mut d = draw(black_box(&pool), &request, seed).expect("enough");
            let first = d.panel[0];
            black_box(d.replace(first, &[]));
            eligible = d.order.len();
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "draw: a panel of 7 from a pool of {} ({eligible} eligible), with one replacement: \
         {:.3} ms per draw",
        pool.len(),
        best * 1e3 / rounds as f64
    );
}
