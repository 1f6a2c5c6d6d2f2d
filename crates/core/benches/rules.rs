//! Benchmarks of the rules engine (figures, not pass/fail): `cargo bench -p govit-core`.
//!
//! - all obligations of 100,000 projects of mixed profiles and stages, on one core;
//! - adding working days, per call.

use chrono::{Days, NaiveDate};
use govit_core::calendar::Calendar;
use govit_core::obligation::{ProjectContext, obligations};
use govit_core::policy;
use govit_core::synthetic::{Rng, project};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    let cal = Calendar::builtin();
    let profiles = policy::builtin();
    assert_eq!(profiles.len(), 5);

    let n = 100_000;
    let mut rng = Rng::new(2026);
    let projects: Vec<_> = (0..n).map(|i| project(&mut rng, i, 20, today)).collect();
    let events: usize = projects.iter().map(|p| p.events.len()).sum();

    let mut best = f64::MAX;
    let mut count = 0;
    for _ in 0..5 {
        let t = Instant::now();
        count = 0;
        for (i, p) in projects.iter().enumerate() {
            let profile = &profiles[i % profiles.len()];
            let ctx = ProjectContext {
                facts: &p.facts,
                events: &p.events,
                waivers: &[],
                plan_year: Some(chrono::Datelike::year(&p.period_start)),
            };
            count += black_box(obligations(profile, &cal, &ctx, today)).len();
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "obligations: {n} projects ({events} events, 5 profiles) → {count} obligations in {:.3} s (best of 5, one core)",
        best
    );

    let start = NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
    let calls = 10_000_000u64;
    let t = Instant::now();
    let mut acc = 0i64;
    for i in 0..calls {
        let d = start + Days::new(i % 2500);
        let r = cal.add_working_days(black_box(d), black_box((i % 40) as u32));
        acc += r.date.to_epoch_days() as i64;
    }
    let per_call = t.elapsed().as_nanos() as f64 / calls as f64;
    println!(
        "add_working_days: {per_call:.1} ns per call over {calls} calls (checksum {})",
        acc % 1000
    );
}
