use super::*;
use crate::ids::{DelegationId, GrantId};
use crate::scope::Period;
use crate::testkit::*;
use crate::tx::{Delegate, Kind, Powers, Revoke};

/// A world with a grant, a delegation and a revocation, and a replica that
/// appended the same transactions.
fn busy_world() -> (World, Replica, GrantId, DelegationId) {
    let mut w = World::new();
    let grant = GrantId(w.ok(&key(10), grant_to(w.clinic, lab_scope())).id().0);
    let caregiver = w.caregiver();
    let delegation = DelegationId(
        w.ok(
            &key(10),
            Kind::Delegate(Delegate {
                caregiver,
                powers: Powers {
                    grant: true,
                    revoke: true,
                    history: true,
                },
                max_scope: lab_scope(),
                period: Period {
                    start: T0,
                    end: T0 + 30 * DAY,
                },
            }),
        )
        .id()
        .0,
    );
    w.now += 60;
    w.ok(
        &key(10),
        Kind::Revoke(Revoke {
            grant,
            patient: None,
            via: None,
            embedded_grant: None,
        }),
    );
    let mut replica = Replica::new(w.state.genesis().clone());
    for (tx, time) in &w.log {
        replica.append(tx, *time).expect("the world accepted it");
    }
    (w, replica, grant, delegation)
}

#[test]
fn appending_the_log_reaches_the_same_state() {
    let (w, replica, _, _) = busy_world();
    assert_eq!(replica.state(), &w.state);
    assert_eq!(replica.len(), w.log.len() as u64);
    let first = w.log[0].0.id();
    assert_eq!(replica.index_of(&first), Some(0));
}

#[test]
fn chains_link_each_identitys_entries() {
    let (w, replica, _, _) = busy_world();
    // The patient: enroll, grant, delegate, revoke.
    let head = replica.head(&w.patient()).unwrap();
    assert_eq!(head.count, 4);
    assert_eq!(head.index, replica.len() - 1);
    // The caregiver: enroll, then the delegation (which joins both chains).
    let caregiver = replica.head(&w.caregiver()).unwrap();
    assert_eq!(caregiver.count, 2);
    assert_eq!(caregiver.index, replica.len() - 2);
    // Governance entries concern nobody.
    assert!(replica.tree().leaf(0).is_some());
}

#[test]
fn the_state_map_proves_heads_and_statuses() {
    let (w, replica, grant, delegation) = busy_world();
    let root = replica.state_root();
    let head = replica.head(&w.patient()).unwrap();
    let key = identity_key(&w.patient());
    let proof = replica.map_proof(&key);
    assert!(proof.verify(root, &key, Some(head.value_hash())).is_ok());

    let revoked = Status {
        live: false,
        since: replica.len() - 1,
    };
    let key = grant_key(&grant);
    let proof = replica.map_proof(&key);
    assert!(proof.verify(root, &key, Some(revoked.value_hash())).is_ok());
    let live = Status {
        live: true,
        since: revoked.since,
    };
    assert!(proof.verify(root, &key, Some(live.value_hash())).is_err());

    let key = delegation_key(&delegation);
    let proof = replica.map_proof(&key);
    let since = replica.len() - 2;
    let status = Status { live: true, since };
    assert!(proof.verify(root, &key, Some(status.value_hash())).is_ok());

    // A grant that never existed proves absent.
    let key = grant_key(&GrantId([7; 32]));
    assert!(replica.map_proof(&key).verify(root, &key, None).is_ok());
}

#[test]
fn a_validator_replaying_the_leaves_reaches_the_same_checkpoint() {
    let (w, sequencer, _, _) = busy_world();
    // The sequencer's leaf bytes, rebuilt by appending to a fresh copy.
    let mut copy = Replica::new(w.state.genesis().clone());
    let mut validator = Replica::new(w.state.genesis().clone());
    for (tx, time) in &w.log {
        let appended = copy.append(tx, *time).unwrap();
        validator.replay(&appended.bytes).unwrap();
    }
    assert_eq!(validator.checkpoint(), sequencer.checkpoint());
}

#[test]
fn a_tampered_leaf_is_refused_and_changes_nothing() {
    let (w, _, _, _) = busy_world();
    let mut source = Replica::new(w.state.genesis().clone());
    let leaves: Vec<Appended> = w
        .log
        .iter()
        .map(|(tx, time)| source.append(tx, *time).unwrap())
        .collect();
    let (last, earlier) = leaves.split_last().unwrap();
    let mut validator = Replica::new(w.state.genesis().clone());
    for a in earlier {
        validator.replay(&a.bytes).unwrap();
    }
    let before = validator.checkpoint();
    let n = validator.len();

    let mut later = last.leaf.clone();
    later.index += 1;
    assert!(matches!(
        validator.replay(&later.to_bytes()),
        Err(ReplayError::WrongIndex { .. })
    ));
    let mut unlinked = last.leaf.clone();
    unlinked.links[0].prev = None;
    assert_eq!(
        validator.replay(&unlinked.to_bytes()).unwrap_err(),
        ReplayError::LinksDiffer { index: n }
    );
    let mut back_in_time = last.leaf.clone();
    back_in_time.time = 1;
    assert!(matches!(
        validator.replay(&back_in_time.to_bytes()),
        Err(ReplayError::Invalid {
            source: AppendError::TimeWentBack { .. },
            ..
        })
    ));
    let mut forged = last.leaf.clone();
    let at = forged.tx.len() - 1;
    forged.tx[at] ^= 1;
    assert!(matches!(
        validator.replay(&forged.to_bytes()),
        Err(ReplayError::Tx { .. })
    ));
    // Replaying an entry twice is a replay refused by the rules.
    let mut again = earlier[earlier.len() - 1].leaf.clone();
    again.index = n;
    assert!(matches!(
        validator.replay(&again.to_bytes()),
        Err(ReplayError::Invalid { .. })
    ));
    let mut garbage = last.bytes.clone();
    garbage.push(0);
    assert!(matches!(
        validator.replay(&garbage),
        Err(ReplayError::Leaf { .. })
    ));

    assert_eq!(validator.len(), n);
    assert_eq!(validator.checkpoint(), before);
    validator.replay(&last.bytes).unwrap();
    assert_eq!(validator.checkpoint(), source.checkpoint());
}

#[test]
fn refused_transactions_change_nothing() {
    let (mut w, mut replica, grant, _) = busy_world();
    let before = replica.checkpoint();
    // Revoking the revoked grant again.
    let tx = w.sign(
        &key(10),
        Kind::Revoke(Revoke {
            grant,
            patient: None,
            via: None,
            embedded_grant: None,
        }),
    );
    assert!(matches!(
        replica.append(&tx, w.now),
        Err(AppendError::Refused(_))
    ));
    // A leaf time before the last one.
    let tx = w.sign(&key(10), grant_to(w.clinic, lab_scope()));
    assert_eq!(
        replica.append(&tx, w.now - 1).unwrap_err(),
        AppendError::TimeWentBack {
            last: w.now,
            time: w.now - 1
        }
    );
    assert_eq!(replica.checkpoint(), before);
    // The same transaction at a good time is accepted.
    let appended = replica.append(&tx, w.now).unwrap();
    assert_eq!(appended.leaf.links.len(), 1);
    assert_ne!(replica.checkpoint(), before);
}

/// The busy world plus a key rotation and a proposal still open.
fn snapshot_world() -> (World, Replica) {
    let (mut w, mut replica, _, _) = busy_world();
    let before = w.log.len();
    w.ok(
        &key(20),
        Kind::RotateKey(crate::tx::RotateKey {
            identity: w.caregiver(),
            new_key: key(21).public_key(),
            next: crate::ids::KeyCommitment::to(&key(22).public_key()),
        }),
    );
    w.ok(
        &key(1),
        Kind::Propose(crate::tx::Propose {
            action: crate::tx::GovAction::RegisterOrg {
                kind: crate::codes::OrgKind::Clinic,
                keys: vec![key(40).public_key()],
                name: "Hillside Clinic".into(),
                endpoints: vec!["https://hillside.example".into()],
                member: None,
            },
            expires: w.now + 7 * DAY,
        }),
    );
    for (tx, time) in &w.log[before..] {
        replica.append(tx, *time).expect("the world accepted it");
    }
    (w, replica)
}

fn leaf_hashes(replica: &Replica) -> Vec<crate::merkle::Hash> {
    (0..replica.len())
        .map(|i| replica.tree().leaf(i).unwrap())
        .collect()
}

#[test]
fn a_restored_snapshot_is_the_replica_and_goes_on_alike() {
    let (mut w, mut replica) = snapshot_world();
    let bytes = replica.snapshot();
    let mut restored =
        Replica::restore(w.state.genesis().clone(), &bytes, leaf_hashes(&replica)).unwrap();
    assert_eq!(restored.state(), replica.state());
    assert_eq!(restored.checkpoint(), replica.checkpoint());
    assert_eq!(restored.last_time(), replica.last_time());
    assert_eq!(restored.head(&w.caregiver()), replica.head(&w.caregiver()));
    assert_eq!(restored.snapshot(), bytes, "one replica, one encoding");
    // Both take the next transaction the same way: same leaf, same roots.
    w.now += 60;
    let next = w.sign(&key(10), grant_to(w.insurer, lab_scope()));
    let a = replica.append(&next, w.now).unwrap();
    let b = restored.append(&next, w.now).unwrap();
    assert_eq!(a.bytes, b.bytes);
    assert_eq!(restored.checkpoint(), replica.checkpoint());
    // And refuse a replay of an old one alike.
    let old = w.log[3].0.clone();
    assert_eq!(
        replica.append(&old, w.now).unwrap_err(),
        restored.append(&old, w.now).unwrap_err()
    );
}

#[test]
fn a_snapshot_that_does_not_fit_is_refused() {
    let (w, replica) = snapshot_world();
    let genesis = w.state.genesis().clone();
    let bytes = replica.snapshot();
    let hashes = leaf_hashes(&replica);

    let mut other = genesis.clone();
    other.origin = "another.example".into();
    assert!(matches!(
        Replica::restore(other, &bytes, hashes.clone()),
        Err(SnapshotError::Origin { .. })
    ));
    assert!(matches!(
        Replica::restore(genesis.clone(), &bytes, hashes[1..].to_vec()),
        Err(SnapshotError::Size { .. })
    ));
    let mut stricter = genesis.clone();
    stricter.daily_budget = 1;
    assert!(matches!(
        Replica::restore(stricter, &bytes, hashes.clone()),
        Err(SnapshotError::Genesis)
    ));
    // A leaf hash that is not the one a chain head names.
    let mut wrong = hashes.clone();
    let head = replica.head(&w.caregiver()).unwrap().index as usize;
    wrong[head].0[0] ^= 1;
    assert!(matches!(
        Replica::restore(genesis.clone(), &bytes, wrong),
        Err(SnapshotError::Inconsistent(_))
    ));
    for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
        assert!(matches!(
            Replica::restore(genesis.clone(), &bytes[..cut], hashes.clone()),
            Err(SnapshotError::Malformed(_))
        ));
    }
    // Any flipped byte is refused or restores to a replica whose checkpoint
    // or state differs; it never passes for the original.
    let original = replica.checkpoint();
    for at in (0..bytes.len()).step_by(7) {
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x20;
        if let Ok(r) = Replica::restore(genesis.clone(), &flipped, hashes.clone()) {
            assert!(
                r.checkpoint() != original || r.state() != replica.state() || r.snapshot() != bytes,
                "flipping byte {at} went unnoticed"
            );
        }
    }
}
