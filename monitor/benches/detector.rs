//! How fast the detector scores accesses on one core: the isolation forest
//! alone over precomputed feature rows, and the whole detector (consent
//! state, rules, features, forest) fed a simulated log one entry at a time,
//! as `assent-monitor run` is. `cargo bench -p assent-monitor --bench detector`.

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use assent_monitor::detector::{detect, Detector, Featurizer};
use assent_monitor::entries::GenesisFile;
use assent_monitor::sim::{simulate, Difficulty, Profile};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn detector(c: &mut Criterion) {
    let sim = simulate(&Profile::tiny(), 1, Difficulty::Hard);
    let genesis = GenesisFile::of(&sim.genesis());
    let entries = sim.ledger_entries();
    let (_, model) = detect(&genesis, &entries, 1).unwrap();
    let model = model.expect("tiny trains a model");
    let mut featurizer = Featurizer::default();
    let rows: Vec<Vec<i64>> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| featurizer.observe(i, e))
        .map(|r| r.features)
        .collect();
    let accesses = entries
        .iter()
        .filter(|e| matches!(e.tx.body().kind, assent_core::tx::Kind::RecordAccess(_)))
        .count();

    let mut group = c.benchmark_group("detector");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows.len() as u64));
    group.bench_function(format!("forest: score {} feature rows", rows.len()), |b| {
        b.iter(|| {
            rows.iter()
                .map(|r| u64::from(model.forest.score(r)))
                .sum::<u64>()
        })
    });
    group.throughput(Throughput::Elements(accesses as u64));
    group.bench_function(
        format!("whole detector: {accesses} accesses (tiny, seed 1)"),
        |b| {
            b.iter(|| {
                let mut d = Detector::new(sim.genesis(), 1);
                entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| d.observe(i, e).len())
                    .sum::<usize>()
            })
        },
    );
    group.finish();
}

criterion_group!(benches, detector);
criterion_main!(benches);
