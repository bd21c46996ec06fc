use super::*;
use crate::merkle::{leaf_hash, proofs};
use crate::testkit::{Quorum, ORIGIN};

struct Log {
    quorum: Quorum,
    leaves: Vec<Hash>,
}

impl Log {
    fn new() -> Self {
        Log {
            quorum: Quorum::new(),
            leaves: (0..20u8).map(|i| leaf_hash(&[i])).collect(),
        }
    }

    fn checkpoint_with(
        &self,
        size: usize,
        root: [u8; 32],
        state_root: [u8; 32],
    ) -> VerifiedCheckpoint {
        let checkpoint = Checkpoint {
            origin: ORIGIN.into(),
            size: size as u64,
            root,
            state_root,
        };
        self.quorum.verified(checkpoint, 1_790_000_000)
    }

    fn at(&self, size: usize) -> VerifiedCheckpoint {
        self.checkpoint_with(size, proofs::root(&self.leaves[..size]).0, [0; 32])
    }

    fn proof(&self, from: usize, to: usize) -> Vec<Hash> {
        proofs::consistency(from, &self.leaves[..to])
    }
}

fn holding(log: &Log, size: usize) -> CheckpointMemory {
    let mut memory = CheckpointMemory::default();
    assert!(memory.advance(&log.at(size), &[], 0).unwrap());
    memory
}

#[test]
fn adopts_then_moves_forward_only_with_a_proof() {
    let log = Log::new();
    let mut memory = holding(&log, 4);
    assert_eq!(memory.step(&log.at(4)), Step::Same);
    assert!(!memory.advance(&log.at(4), &[], 0).unwrap());
    assert_eq!(memory.step(&log.at(9)), Step::NeedProof { from: 4 });
    assert!(memory.advance(&log.at(9), &log.proof(4, 9), 0).unwrap());
    assert_eq!(memory.held().unwrap().size, 9);
    assert!(!memory.alarmed());
}

#[test]
fn a_missing_or_wrong_proof_is_an_inconsistency_and_nothing_moves() {
    let log = Log::new();
    let mut memory = holding(&log, 4);
    let before = memory.clone();
    let alarm = memory.advance(&log.at(9), &[], 5).unwrap_err();
    assert_eq!(alarm.0.kind, ForkKind::Inconsistent);
    // A proof for other sizes does not connect these roots either.
    let alarm = memory.advance(&log.at(9), &log.proof(3, 9), 6).unwrap_err();
    assert_eq!(alarm.0.kind, ForkKind::Inconsistent);
    assert_eq!(memory.held(), before.held());
    assert_eq!(memory.evidence().len(), 2);
    assert_eq!(memory.evidence()[1].detected_at, 6);
    assert!(!memory.evidence()[1].proof.is_empty());
}

#[test]
fn a_tree_built_on_other_leaves_is_inconsistent() {
    let log = Log::new();
    let mut memory = holding(&log, 4);
    let mut other = log.leaves.clone();
    other[2] = leaf_hash(b"rewritten history");
    let forged = log.checkpoint_with(9, proofs::root(&other[..9]).0, [0; 32]);
    let proof = proofs::consistency(4, &other[..9]);
    let alarm = memory.advance(&forged, &proof, 0).unwrap_err();
    assert_eq!(alarm.0.kind, ForkKind::Inconsistent);
    assert_eq!(memory.held().unwrap().size, 4);
}

#[test]
fn a_smaller_tree_is_a_rollback() {
    let log = Log::new();
    let mut memory = holding(&log, 9);
    assert_eq!(memory.step(&log.at(4)), Step::Fork(ForkKind::RolledBack));
    let alarm = memory.advance(&log.at(4), &[], 0).unwrap_err();
    assert_eq!(alarm.0.kind, ForkKind::RolledBack);
    assert_eq!(memory.held().unwrap().size, 9);
    assert!(alarm.0.held.contains("\n9\n"));
    assert!(alarm.0.offered.contains("\n4\n"));
}

#[test]
fn two_roots_or_two_states_at_one_size_are_a_split_view() {
    let log = Log::new();
    let mut memory = holding(&log, 6);
    let other_root = log.checkpoint_with(6, [9; 32], [0; 32]);
    assert_eq!(
        memory.advance(&other_root, &[], 0).unwrap_err().0.kind,
        ForkKind::SplitView
    );
    let other_state = log.checkpoint_with(6, proofs::root(&log.leaves[..6]).0, [1; 32]);
    assert_eq!(
        memory.advance(&other_state, &[], 0).unwrap_err().0.kind,
        ForkKind::SplitView
    );
    assert_eq!(memory.evidence().len(), 2);
    assert_eq!(memory.held().unwrap().state_root, [0; 32]);
}

#[test]
fn survives_a_save_and_load() {
    let log = Log::new();
    let mut memory = holding(&log, 9);
    memory.advance(&log.at(3), &[], 1).unwrap_err();
    let json = serde_json::to_string(&memory).unwrap();
    let loaded: CheckpointMemory = serde_json::from_str(&json).unwrap();
    assert_eq!(loaded, memory);
    assert_eq!(loaded.held().unwrap().size, 9);
    // A damaged note does not load.
    let damaged = json.replace("test.assent.example\\n9", "test.assent.example\\nnine");
    assert!(serde_json::from_str::<CheckpointMemory>(&damaged).is_err());
}

#[test]
fn a_validators_view_is_cross_checked_both_ways() {
    let log = Log::new();
    let mut memory = holding(&log, 9);
    let older = log.at(4);
    let newer = log.at(12);
    memory
        .cross_check(older.checkpoint(), "older", &log.proof(4, 9), 0)
        .unwrap();
    memory
        .cross_check(newer.checkpoint(), "newer", &log.proof(9, 12), 0)
        .unwrap();
    memory
        .cross_check(log.at(9).checkpoint(), "same", &[], 0)
        .unwrap();
    assert!(!memory.alarmed());
    let other = log.checkpoint_with(9, [7; 32], [0; 32]);
    let alarm = memory
        .cross_check(other.checkpoint(), "split", &[], 3)
        .unwrap_err();
    assert_eq!(alarm.0.kind, ForkKind::SplitView);
    assert_eq!(alarm.0.offered, "split");
    let alarm = memory
        .cross_check(newer.checkpoint(), "newer", &log.proof(8, 12), 3)
        .unwrap_err();
    assert_eq!(alarm.0.kind, ForkKind::Inconsistent);
    assert_eq!(memory.held().unwrap().size, 9);
}

#[test]
fn every_tree_extends_the_empty_one() {
    let log = Log::new();
    let empty = log.checkpoint_with(0, crate::merkle::empty_root().0, [0; 32]);
    let mut memory = CheckpointMemory::default();
    memory.advance(&empty, &[], 0).unwrap();
    assert!(memory.advance(&log.at(5), &[], 0).unwrap());
    memory
        .cross_check(empty.checkpoint(), "empty", &[], 0)
        .unwrap();
    let fake_empty = log.checkpoint_with(0, [3; 32], [0; 32]);
    assert_eq!(
        memory
            .cross_check(fake_empty.checkpoint(), "fake", &[], 0)
            .unwrap_err()
            .0
            .kind,
        ForkKind::Inconsistent
    );
    assert!(!memory.evidence().is_empty());
}
