use super::*;
use crate::replica::Replica;
use crate::testkit::*;

/// A replica of a busy world and every leaf's bytes.
fn ledger() -> (World, Replica, Vec<Vec<u8>>) {
    let mut w = World::new();
    for _ in 0..3 {
        w.ok(&key(10), grant_to(w.clinic, lab_scope()));
        w.ok(&key(20), grant_to(w.insurer, lab_scope()));
    }
    let mut replica = Replica::new(w.state.genesis().clone());
    let leaves = w
        .log
        .iter()
        .map(|(tx, t)| replica.append(tx, *t).unwrap().bytes)
        .collect();
    (w, replica, leaves)
}

/// What an honest ledger serves.
fn serve(
    replica: &mut Replica,
    leaves: &[Vec<u8>],
    identity: &IdentityId,
    since: Option<Synced>,
) -> ServedHistory {
    let head = replica.head(identity);
    let head_proof = replica.map_proof(&identity_key(identity));
    let stop = since.map(|s| s.index);
    let mut entries = Vec::new();
    let mut next = head.map(|h| h.index);
    while let Some(index) = next {
        if Some(index) == stop {
            break;
        }
        let bytes = leaves[index as usize].clone();
        let leaf = Leaf::from_bytes(&bytes).unwrap();
        next = leaf.link_for(identity).unwrap().prev.map(|(i, _)| i);
        entries.push(ServedEntry {
            index,
            inclusion: replica.tree().inclusion(index, replica.len()).unwrap(),
            leaf: bytes,
        });
    }
    ServedHistory {
        head,
        head_proof,
        entries,
    }
}

#[test]
fn a_full_sync_returns_the_whole_chain_oldest_first() {
    let (w, mut replica, leaves) = ledger();
    let checkpoint = replica.checkpoint();
    let served = serve(&mut replica, &leaves, &w.patient(), None);
    let (entries, synced) = verify_history(&checkpoint, &w.patient(), None, &served).unwrap();
    assert_eq!(entries.len(), 4, "enroll and three grants");
    assert!(entries
        .windows(2)
        .all(|p| p[0].leaf.index < p[1].leaf.index));
    assert_eq!(synced.unwrap().count, 4);
}

#[test]
fn an_incremental_sync_walks_back_to_the_last_verified_entry() {
    let (mut w, mut replica, mut leaves) = ledger();
    let first = replica.checkpoint();
    let served = serve(&mut replica, &leaves, &w.patient(), None);
    let (_, synced) = verify_history(&first, &w.patient(), None, &served).unwrap();
    for _ in 0..2 {
        let tx = w.ok(&key(10), grant_to(w.clinic, lab_scope()));
        leaves.push(replica.append(&tx, w.now).unwrap().bytes);
    }
    let second = replica.checkpoint();
    let served = serve(&mut replica, &leaves, &w.patient(), synced);
    let (entries, now) = verify_history(&second, &w.patient(), synced, &served).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(now.unwrap().count, 6);
    // Nothing new: an empty answer with the same head verifies.
    let served = serve(&mut replica, &leaves, &w.patient(), now);
    let (entries, again) = verify_history(&second, &w.patient(), now, &served).unwrap();
    assert!(entries.is_empty());
    assert_eq!(again, now);
}

#[test]
fn an_identity_with_no_entries_proves_it() {
    let (_, mut replica, leaves) = ledger();
    let checkpoint = replica.checkpoint();
    let stranger = IdentityId(key(99).public_key());
    let served = serve(&mut replica, &leaves, &stranger, None);
    assert_eq!(
        verify_history(&checkpoint, &stranger, None, &served)
            .unwrap()
            .1,
        None
    );
}

#[test]
fn a_lying_ledger_is_caught() {
    let (w, mut replica, leaves) = ledger();
    let checkpoint = replica.checkpoint();
    let patient = w.patient();
    let honest = serve(&mut replica, &leaves, &patient, None);
    let check = |served: &ServedHistory, since: Option<Synced>| {
        verify_history(&checkpoint, &patient, since, served).unwrap_err()
    };

    // Withholding the newest entry, or one in the middle.
    let mut s = honest.clone();
    s.entries.remove(0);
    assert!(matches!(check(&s, None), HistoryError::WrongEntry { .. }));
    let mut s = honest.clone();
    s.entries.remove(2);
    assert!(matches!(check(&s, None), HistoryError::WrongEntry { .. }));
    // Withholding the oldest.
    let mut s = honest.clone();
    s.entries.pop();
    assert!(matches!(
        check(&s, None),
        HistoryError::WrongEntry { found: None, .. }
    ));
    // Claiming a smaller head than the map commits to.
    let mut s = honest.clone();
    let mut head = s.head.unwrap();
    head.count -= 1;
    s.head = Some(head);
    assert!(matches!(check(&s, None), HistoryError::HeadProof(_)));
    // Another leaf's bytes in place of the patient's.
    let mut s = honest.clone();
    s.entries[1].leaf = leaves[0].clone();
    assert!(matches!(check(&s, None), HistoryError::LeafHashMismatch(_)));
    // A broken inclusion proof.
    let mut s = honest.clone();
    s.entries[1].inclusion[0].0[0] ^= 1;
    assert!(matches!(check(&s, None), HistoryError::NotIncluded { .. }));
    // Extra entries after the chain's start.
    let mut s = honest.clone();
    s.entries.push(s.entries[0].clone());
    assert!(matches!(check(&s, None), HistoryError::ExtraEntries(1)));
    // Fewer entries than the wallet already verified: rolled back.
    let verified = Synced {
        count: 9,
        index: 3,
        leaf_hash: Hash([0; 32]),
    };
    assert!(matches!(
        check(&honest, Some(verified)),
        HistoryError::RolledBack { before: 9, now: 4 }
    ));
    // Same count, different head: a fork.
    let forked = Synced {
        count: 4,
        index: 3,
        leaf_hash: Hash([0; 32]),
    };
    assert_eq!(check(&honest, Some(forked)), HistoryError::Forked);
    // A last-verified entry that is not in the chain.
    let elsewhere = Synced {
        count: 2,
        index: 1,
        leaf_hash: Hash([0; 32]),
    };
    assert!(matches!(
        check(&honest, Some(elsewhere)),
        HistoryError::ChainBroken | HistoryError::ExtraEntries(_)
    ));
}

/// After the patient rotates, a delegation signed by the new key still
/// names the patient's identity through its leaf, not its signer.
#[test]
fn a_delegation_names_its_patient_through_the_leaf() {
    use crate::tx::{Delegate, Kind, Powers};
    let mut w = World::new();
    let (patient, caregiver) = (w.patient(), w.caregiver());
    w.rotate_patient();
    let delegation = w.ok(
        &key(11),
        Kind::Delegate(Delegate {
            caregiver,
            powers: Powers {
                grant: true,
                revoke: true,
                history: true,
            },
            max_scope: lab_scope(),
            period: lab_scope().permit.period.unwrap(),
        }),
    );
    let grant = w.ok(&key(20), grant_to(w.clinic, lab_scope()));
    let mut replica = Replica::new(w.state.genesis().clone());
    let entries: Vec<VerifiedEntry> = w
        .log
        .iter()
        .map(|(tx, t)| VerifiedEntry {
            leaf: Leaf::from_bytes(&replica.append(tx, *t).unwrap().bytes).unwrap(),
            tx: tx.clone(),
        })
        .collect();
    assert_ne!(IdentityId(delegation.signer()), patient);
    assert_eq!(
        delegating_patient(&entries, &delegation.id(), &caregiver),
        Some(patient)
    );
    // Not a delegation, or not in the history: nothing.
    assert_eq!(delegating_patient(&entries, &grant.id(), &caregiver), None);
    let absent = crate::ids::TxId([9; 32]);
    assert_eq!(delegating_patient(&entries, &absent, &caregiver), None);
}
