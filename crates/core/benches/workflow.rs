//! Benchmarks of the workflow engine's core (figures, not pass/fail):
//! `cargo bench -p govit-core --bench workflow`.
//!
//! - deciding transitions: 20,000 passes across 4,000 runs in flight along lhasa's approval
//!   path (6 stages, 7 steps), each checked against its run's state;
//! - folding a run's history (`replay`), as the store does when it loads a run: a run of 40
//!   acts with returns.
//!
//! What this measures is the engine alone; a transition in the store adds its durable
//! transaction (the act row, the audit record, the obligations).

use govit_core::ids::UserId;
use govit_core::policy::{self, Fact, Facts};
use govit_core::workflow::{Act, Actor, Progress, Route, Verb, decide, replay};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let lhasa = policy::builtin().into_iter().find(|p| p.head.id == "lhasa").expect("lhasa");
    let facts: Facts =
        [(Fact::IsClassified, 0), (Fact::IsCrossDepartment, 0)].into_iter().collect();
    let route = Route::for_path(&lhasa, "approval", &facts).expect("route");
    let steps = route.steps.len();
    // Who holds each step: the first listed party.
    let holder: Vec<Vec<String>> = route.steps.iter().map(|s| vec![s.parties[0].clone()]).collect();

    let runs = 4_000;
    let transitions = 20_000;
    let mut best = f64::MAX;
    for _ in 0..5 {
        let mut states: Vec<Progress> = (0..runs).map(|_| Progress::start(&route, 0)).collect();
        let t = Instant::now();
        let mut done = 0;
        let mut i = 0;
        while done < transitions {
            let p = &mut states[i % runs];
            i += 1;
            let at = p.current;
            if at >= steps {
                *p = Progress::start(&route, 0);
                continue;
            }
            let a = Actor { user: UserId(at as i64 + 1), parties: &holder[at] };
            let o = decide(&route, p, a, &Verb::Pass { note: String::new() }, done as i64)
                .expect("pass");
            *p = black_box(o.progress);
            done += 1;
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "decide: {transitions} transitions across {runs} runs in flight ({steps} steps each): \
         {:.1} ms, {:.0} transitions/s",
        best * 1e3,
        transitions as f64 / best
    );

    // A history of 40 acts: passes with a return every few steps.
    let mut p = Progress::start(&route, 0);
    let mut acts = Vec::new();
    let first = route.steps[0].key.clone();
    for n in 0..40 {
        let at = p.current;
        let returning = at > 1 && n % 7 == 0;
        let verb = if returning {
            Verb::Return { to: first.clone(), reason: "补充材料".into() }
        } else {
            Verb::Pass { note: String::new() }
        };
        let a = Actor { user: UserId(at as i64 + 1), parties: &holder[at] };
        let o = decide(&route, &p, a, &verb, n).expect("act");
        acts.push(Act {
            at_ms: n,
            user: UserId(at as i64 + 1),
            parties: holder[at].clone(),
            step: route.steps[at].key.clone(),
            verb,
        });
        p = o.progress;
        if p.current >= steps {
            break;
        }
    }
    let rounds = 20_000;
    let t = Instant::now();
    for _ in 0..rounds {
        black_box(replay(&route, 0, black_box(&acts)));
    }
    let per = t.elapsed().as_secs_f64() / rounds as f64;
    println!(
        "replay: a history of {} acts folds in {:.1} µs ({:.0} folds/s)",
        acts.len(),
        per * 1e6,
        1.0 / per
    );
}
