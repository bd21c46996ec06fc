use super::*;
use crate::note::Checkpoint;
use crate::testkit::{grant_to, key, lab_scope, replica_of, Quorum, World, ORIGIN};

/// A world with a few entries, its replica (the validator's log), and the
/// quorum's keys.
fn setup() -> (World, Replica, Quorum) {
    let mut w = World::new();
    let clinic = w.clinic;
    w.ok(&key(10), grant_to(clinic, lab_scope()));
    let log = replica_of(&w);
    (w, log, Quorum::new())
}

fn keys(q: &Quorum) -> (&Vkey, &Vkey) {
    (&q.policy.sequencer, &q.policy.receipt)
}

fn fork(q: &Quorum, a: Checkpoint, b: Checkpoint) -> Evidence {
    Evidence::Fork {
        held: q.sequenced(a),
        offered: q.sequenced(b),
        proof: Vec::new(),
    }
}

fn at(log: &Replica, size: u64) -> Checkpoint {
    Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: log.tree().root_at(size).unwrap().0,
        state_root: [0; 32],
    }
}

#[test]
fn two_roots_for_one_size_prove_equivocation() {
    let (_, log, q) = setup();
    let honest = at(&log, 3);
    let other = Checkpoint {
        root: [9; 32],
        ..honest.clone()
    };
    assert_eq!(
        judge(&fork(&q, honest, other), keys(&q), &log, 0),
        Ok(Finding::Equivocation { size: 3 })
    );
}

#[test]
fn a_root_the_log_does_not_have_proves_equivocation_and_an_older_one_does_not() {
    let (_, log, q) = setup();
    let now = log.checkpoint();
    let older = at(&log, 2);
    assert_eq!(
        judge(&fork(&q, now.clone(), older.clone()), keys(&q), &log, 0),
        Ok(Finding::Consistent),
        "a rollback of one wallet's view is not a second history"
    );
    let rewritten = Checkpoint {
        root: [7; 32],
        ..older
    };
    assert_eq!(
        judge(&fork(&q, now.clone(), rewritten), keys(&q), &log, 0),
        Ok(Finding::Equivocation { size: 2 })
    );
    // At the log's own size the state root counts too.
    let other_state = Checkpoint {
        state_root: [5; 32],
        ..now.clone()
    };
    assert_eq!(
        judge(&fork(&q, at(&log, 1), other_state), keys(&q), &log, 0),
        Ok(Finding::Equivocation { size: now.size })
    );
}

#[test]
fn a_checkpoint_past_the_log_waits() {
    let (_, log, q) = setup();
    let beyond = Checkpoint {
        size: log.len() + 5,
        ..log.checkpoint()
    };
    assert_eq!(
        judge(&fork(&q, log.checkpoint(), beyond), keys(&q), &log, 0),
        Ok(Finding::Ahead)
    );
}

#[test]
fn unsigned_or_foreign_checkpoints_prove_nothing() {
    let (_, log, q) = setup();
    let mut forged = fork(&q, log.checkpoint(), at(&log, 1));
    if let Evidence::Fork { held, .. } = &mut forged {
        // Signed by the receipt key, not the sequencer's checkpoint key.
        let cp = SignedCheckpoint::sign(at(&log, 2), "seq", &key(91)).unwrap();
        *held = String::from_utf8(cp.to_bytes()).unwrap();
    }
    assert!(matches!(
        judge(&forged, keys(&q), &log, 0),
        Err(EvidenceError::Checkpoint(_))
    ));
    let foreign = Checkpoint {
        origin: "other.example".into(),
        ..log.checkpoint()
    };
    assert_eq!(
        judge(&fork(&q, foreign, at(&log, 1)), keys(&q), &log, 0),
        Err(EvidenceError::Origin("other.example".into()))
    );
}

#[test]
fn an_overdue_receipt_is_judged_by_the_log_and_the_clock() {
    let (mut w, log, q) = setup();
    let included = w.log.last().unwrap().0.clone();
    let missing = w.sign(&key(10), grant_to(w.insurer, lab_scope()));
    // Promised a minute after the log's newest leaf.
    let deadline = log.last_time() + 60;
    let receipt = |tx: &crate::tx::SignedTx, signer: u8, deadline: u64| {
        let r = Receipt {
            origin: ORIGIN.into(),
            tx: tx.id(),
            received: deadline - 60,
            deadline,
            index: None,
        };
        q.receipt(&r, &key(signer))
    };
    let overdue = |tx: &crate::tx::SignedTx, signer: u8, deadline: u64| Evidence::Overdue {
        receipt: receipt(tx, signer, deadline),
        tx: BASE64.encode(tx.bytes()),
    };
    assert_eq!(
        judge(
            &overdue(&included, 91, deadline),
            keys(&q),
            &log,
            deadline + 1
        ),
        Ok(Finding::Included {
            index: log.index_of(&included.id()).unwrap()
        })
    );
    assert_eq!(
        judge(
            &overdue(&missing, 91, deadline),
            keys(&q),
            &log,
            deadline + 1
        ),
        Ok(Finding::BrokenPromise)
    );
    assert_eq!(
        judge(&overdue(&missing, 91, deadline), keys(&q), &log, deadline),
        Ok(Finding::NotDue { deadline })
    );
    // The log itself ran past an earlier deadline without it: broken,
    // whatever the validator's clock says.
    let passed = log.last_time() - 1;
    assert_eq!(
        judge(&overdue(&missing, 91, passed), keys(&q), &log, passed - 30),
        Ok(Finding::BrokenPromise)
    );
    assert!(matches!(
        judge(
            &overdue(&missing, 90, deadline),
            keys(&q),
            &log,
            deadline + 1
        ),
        Err(EvidenceError::Receipt(_))
    ));
    let swapped = Evidence::Overdue {
        receipt: receipt(&missing, 91, deadline),
        tx: BASE64.encode(included.bytes()),
    };
    assert_eq!(
        judge(&swapped, keys(&q), &log, deadline + 1),
        Err(EvidenceError::WrongTx)
    );
}
