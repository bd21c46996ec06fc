//! How fast the rules-only baseline scores accesses on one core: a
//! simulated consortium's log (profile tiny, seed 1, already signed and
//! opened) fed through `Rules::observe`, consent state included.
//! `cargo bench -p assent-monitor --bench rules`.

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use assent_monitor::rules::Rules;
use assent_monitor::sim::{simulate, Difficulty, Profile};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn rules(c: &mut Criterion) {
    let sim = simulate(&Profile::tiny(), 1, Difficulty::Hard);
    let genesis = sim.genesis();
    let entries = sim.ledger_entries();
    let accesses = entries
        .iter()
        .filter(|e| matches!(e.tx.body().kind, assent_core::tx::Kind::RecordAccess(_)))
        .count();
    let mut group = c.benchmark_group("rules");
    group.sample_size(10);
    group.throughput(Throughput::Elements(accesses as u64));
    group.bench_function(format!("score {accesses} accesses (tiny, seed 1)"), |b| {
        b.iter(|| {
            let mut rules = Rules::new(genesis.clone());
            entries
                .iter()
                .enumerate()
                .map(|(i, e)| rules.observe(i, e).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, rules);
criterion_main!(benches);
