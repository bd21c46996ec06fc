//! Durable in-process append: signed grants validated with core's rules,
//! appended to the replica (log tree, state map) and written to redb with one
//! durable commit per batch of 1,000 — the sequencer's path without HTTP.
//!
//! Two measurements: `append_durable` takes transactions already opened
//! (signature checked, as the HTTP handlers do in parallel before queueing);
//! `open_and_append_durable` also opens each one (strict Ed25519 verification),
//! spread over the machine's cores; `pipelined_open_then_append_durable`
//! opens the next batch while the previous one is appended, as the node does.
//!
//! `cargo bench -p assent-ledger --bench append`

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use assent_core::codes::{Action, OrgKind, Purpose, ResourceType};
use assent_core::ids::{KeyCommitment, OrgId, ProposalId};
use assent_core::keys::SigningKey;
use assent_core::replica::Replica;
use assent_core::scope::{Period, Provision, Scope};
use assent_core::state::{Genesis, Role};
use assent_core::tx::*;
use assent_ledger::storage::{RedbStore, Store};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::{Duration, Instant};

const ORIGIN: &str = "bench.assent.example";
const T: u64 = 1_790_000_000;
const BATCH: usize = 1000;
const PATIENTS: u32 = 2000;

fn key(n: u32) -> SigningKey {
    let mut secret = [0u8; 32];
    secret[..4].copy_from_slice(&n.to_be_bytes());
    secret[31] = 1;
    SigningKey::from_secret_bytes(&secret)
}

struct Bench {
    replica: Replica,
    store: RedbStore,
    _dir: tempfile::TempDir,
    clinic: OrgId,
    nonce: u64,
}

impl Bench {
    fn sign(&mut self, signer: &SigningKey, kind: Kind) -> SignedTx {
        self.nonce += 1;
        SignedTx::sign(
            &Body::new(T, self.nonce.to_be_bytes(), kind),
            signer,
            ORIGIN,
        )
    }

    fn new() -> Self {
        let gov = key(u32::MAX);
        let mut genesis = Genesis::new(ORIGIN, vec![(gov.public_key(), Role::Member)], 1);
        genesis.daily_budget = u32::MAX;
        let dir = tempfile::tempdir().unwrap();
        let mut b = Bench {
            replica: Replica::new(genesis),
            store: RedbStore::open(dir.path()).unwrap(),
            _dir: dir,
            clinic: OrgId([0; 32]),
            nonce: 0,
        };
        let propose = b.sign(
            &gov,
            Kind::Propose(Propose {
                action: GovAction::RegisterOrg {
                    kind: OrgKind::Clinic,
                    keys: vec![key(u32::MAX - 1).public_key()],
                    name: "Bench Clinic".into(),
                    endpoints: vec![],
                    member: None,
                },
                expires: T + 86_400,
            }),
        );
        b.clinic = OrgId(ProposalId(propose.id().0).0);
        let mut setup = vec![propose];
        for p in 0..PATIENTS {
            setup.push(b.sign(
                &key(p),
                Kind::Enroll(Enroll {
                    next: KeyCommitment::to(&key(p + 1_000_000).public_key()),
                }),
            ));
        }
        b.append(&setup);
        b
    }

    /// One batch of grants, signed outside the measurement.
    fn grants(&mut self) -> Vec<SignedTx> {
        let scope = Scope {
            permit: Provision {
                resource_types: [ResourceType::Observation].into(),
                actions: [Action::Access].into(),
                purposes: [Purpose::Treat].into(),
                period: Some(Period {
                    start: T,
                    end: T + 365 * 86_400,
                }),
                ..Provision::default()
            },
            deny: vec![],
        };
        (0..BATCH)
            .map(|i| {
                let patient = key((self.nonce as u32 + i as u32) % PATIENTS);
                let grant = Kind::Grant(Grant {
                    grantee: self.clinic,
                    scope: scope.clone(),
                    patient: None,
                    via: None,
                    request: None,
                });
                self.sign(&patient, grant)
            })
            .collect()
    }

    /// Appends and makes durable, as the sequencer does per batch.
    fn append(&mut self, txs: &[SignedTx]) {
        let at = self.replica.len();
        let leaves: Vec<Vec<u8>> = txs
            .iter()
            .map(|tx| self.replica.append(tx, T).expect("valid").bytes)
            .collect();
        let checkpoint = self.replica.checkpoint().to_text();
        self.store
            .append(at, &leaves, checkpoint.as_bytes())
            .unwrap();
    }
}

/// Opens every transaction, on all cores.
fn open_all(bytes: &[Vec<u8>]) -> Vec<SignedTx> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = bytes.len().div_ceil(cores);
    std::thread::scope(|s| {
        let handles: Vec<_> = bytes
            .chunks(chunk)
            .map(|c| {
                s.spawn(move || {
                    c.iter()
                        .map(|b| SignedTx::open(b, ORIGIN).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

fn append(c: &mut Criterion) {
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    let mut b = Bench::new();
    group.bench_function("append_durable", |bench| {
        bench.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let txs = b.grants();
                let start = Instant::now();
                b.append(&txs);
                total += start.elapsed();
            }
            total
        });
    });
    group.bench_function("open_and_append_durable", |bench| {
        bench.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let bytes: Vec<Vec<u8>> = b.grants().iter().map(|t| t.bytes().to_vec()).collect();
                let start = Instant::now();
                let txs = open_all(&bytes);
                b.append(&txs);
                total += start.elapsed();
            }
            total
        });
    });
    // The node's shape: HTTP handlers open the next transactions while the
    // sequencer appends the previous batch.
    group.bench_function("pipelined_open_then_append_durable", |bench| {
        bench.iter_custom(|iters| {
            let batches: Vec<Vec<Vec<u8>>> = (0..iters)
                .map(|_| b.grants().iter().map(|t| t.bytes().to_vec()).collect())
                .collect();
            let start = Instant::now();
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<SignedTx>>(2);
            std::thread::scope(|s| {
                s.spawn(move || {
                    for bytes in &batches {
                        tx.send(open_all(bytes)).unwrap();
                    }
                });
                for txs in rx {
                    b.append(&txs);
                }
            });
            start.elapsed()
        });
    });
    group.finish();
}

criterion_group!(benches, append);
criterion_main!(benches);
