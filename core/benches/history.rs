//! A wallet's full verification of a 10,000-entry history (DESIGN §6,
//! issue #5's target: under 250 ms on one core): the state-map proof of the
//! chain head, every inclusion proof, the hash links, every signature
//! (strict Ed25519), then the audit of every access with the policy engine.
//!
//! `cargo bench -p assent-core --bench history`.

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use assent_core::audit::audit;
use assent_core::codes::{AccessMode, Action, OrgKind, Purpose, ResourceType};
use assent_core::history::{verify_history, ServedEntry, ServedHistory};
use assent_core::ids::{GrantId, IdentityId, KeyCommitment, OrgId, ProposalId};
use assent_core::keys::SigningKey;
use assent_core::replica::{identity_key, Head, Replica};
use assent_core::scope::{Period, Provision, Scope};
use assent_core::state::{Genesis, Role};
use assent_core::tx::{
    AccessGround, Body, Enroll, GovAction, Grant, Kind, Propose, RecordAccess, SignedTx,
};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

const ORIGIN: &str = "bench.assent.example";
const T0: u64 = 1_790_000_000;
const ENTRIES: u64 = 10_000;

fn key(n: u8) -> SigningKey {
    SigningKey::from_secret_bytes(&[n; 32])
}

struct Log {
    replica: Replica,
    leaves: Vec<Vec<u8>>,
    nonce: u64,
}

impl Log {
    fn append(&mut self, signer: &SigningKey, kind: Kind, t: u64) -> SignedTx {
        self.nonce += 1;
        let tx = SignedTx::sign(
            &Body::new(t, self.nonce.to_be_bytes(), kind),
            signer,
            ORIGIN,
        );
        let appended = self.replica.append(&tx, t).expect("valid");
        self.leaves.push(appended.bytes);
        tx
    }
}

/// A patient with one grant to a clinic and 9,998 recorded accesses.
fn history() -> (Replica, ServedHistory, IdentityId, OrgId) {
    let genesis = Genesis::new(ORIGIN, vec![(key(1).public_key(), Role::Member)], 1);
    let mut log = Log {
        replica: Replica::new(genesis),
        leaves: Vec::new(),
        nonce: 0,
    };
    let clinic_key = key(30);
    let propose = log.append(
        &key(1),
        Kind::Propose(Propose {
            action: GovAction::RegisterOrg {
                kind: OrgKind::Clinic,
                keys: vec![clinic_key.public_key()],
                name: "Riverside Clinic".into(),
                endpoints: vec![],
                member: None,
            },
            expires: T0 + 86_400,
        }),
        T0,
    );
    let clinic = OrgId(ProposalId(propose.id().0).0);
    let patient = key(10);
    let identity = IdentityId(patient.public_key());
    log.append(
        &patient,
        Kind::Enroll(Enroll {
            next: KeyCommitment::to(&key(11).public_key()),
        }),
        T0,
    );
    let scope = Scope {
        permit: Provision {
            resource_types: [ResourceType::Observation].into(),
            actions: [Action::Access].into(),
            purposes: [Purpose::Treat].into(),
            period: Some(Period {
                start: T0,
                end: T0 + 365 * 86_400,
            }),
            ..Provision::default()
        },
        deny: vec![],
    };
    let grant = log.append(
        &patient,
        Kind::Grant(Grant {
            grantee: clinic,
            scope,
            patient: None,
            via: None,
            request: None,
        }),
        T0,
    );
    for i in 0..ENTRIES - 2 {
        let t = T0 + 60 + i;
        log.append(
            &clinic_key,
            Kind::RecordAccess(RecordAccess {
                org: clinic,
                patient: identity,
                ground: AccessGround::Grant(GrantId(grant.id().0)),
                resources: vec![(ResourceType::Observation, 1)],
                purpose: Purpose::Treat,
                accessed_at: t,
                basis: Some(3),
                mode: AccessMode::Person,
                actor: None,
            }),
            t,
        );
    }
    let replica = log.replica;
    let size = replica.len();
    let key = identity_key(&identity);
    let head_bytes = replica
        .map_snapshot()
        .get_value(&key)
        .expect("a head")
        .to_vec();
    let head = Head::from_bytes(&head_bytes).expect("a head");
    let entries = (1..size)
        .rev()
        .map(|index| ServedEntry {
            index,
            leaf: log.leaves[index as usize].clone(),
            inclusion: replica.tree().inclusion(index, size).expect("in the tree"),
        })
        .collect();
    let served = ServedHistory {
        head: Some(head),
        head_proof: replica.map_proof(&key),
        entries,
    };
    (replica, served, identity, clinic)
}

fn bench(c: &mut Criterion) {
    let (replica, served, identity, clinic) = history();
    let checkpoint = replica.checkpoint();
    let mut group = c.benchmark_group("history");
    group.sample_size(10);
    group.bench_function("verify_10k", |b| {
        b.iter(|| verify_history(&checkpoint, &identity, None, black_box(&served)).expect("valid"))
    });
    let (entries, _) = verify_history(&checkpoint, &identity, None, &served).expect("valid");
    assert_eq!(entries.len() as u64, ENTRIES);
    group.bench_function("audit_10k", |b| {
        b.iter(|| {
            audit(
                &identity,
                black_box(&entries),
                [(clinic, OrgKind::Clinic)],
                300,
            )
        })
    });
    group.bench_function("verify_and_audit_10k", |b| {
        b.iter(|| {
            let (entries, _) =
                verify_history(&checkpoint, &identity, None, black_box(&served)).expect("valid");
            audit(&identity, &entries, [(clinic, OrgKind::Clinic)], 300)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
