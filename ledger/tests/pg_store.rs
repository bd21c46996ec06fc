//! The PostgreSQL store on a real server (scripts/with-postgres.sh): its
//! migrations, the append rule, the queue, and the lease that fences a
//! batch commit.

mod common;

use assent_core::ids::TxId;
use assent_ledger::storage::{Outcome, PgStore, SharedHead, SharedLog, Store, StoreError};
use common::fresh_database;
use std::time::Duration;

fn sequenced(index: u64) -> Outcome {
    Outcome::Sequenced {
        index,
        time: 1_700_000_000,
        receipt: format!("receipt {index}"),
    }
}

fn refusal() -> Outcome {
    Outcome::Refused {
        code: "unknown_signer".into(),
        message: "the signing key belongs to no enrolled identity".into(),
    }
}

#[test]
fn migrations_apply_once_and_a_second_opener_shares_the_log() {
    let url = fresh_database();
    let first = PgStore::open(&url).unwrap();
    first
        .append(0, &[b"a".to_vec(), b"b".to_vec()], b"cp2")
        .unwrap();
    // A second process opening the same database applies nothing again
    // and sees the same log.
    let second = PgStore::open(&url).unwrap();
    assert_eq!(second.len().unwrap(), 2);
    assert_eq!(
        second.leaves(0, 2).unwrap(),
        vec![b"a".to_vec(), b"b".to_vec()]
    );
    assert_eq!(second.checkpoint().unwrap().unwrap(), b"cp2");
    assert_eq!(second.leaf(2).unwrap(), None);
    assert!(second.leaves(1, 3).is_err());
    // An append not at the end changes nothing.
    assert!(matches!(
        second.append(1, &[b"x".to_vec()], b"bad"),
        Err(StoreError::NotAtEnd { at: 1, len: 2 })
    ));
    assert_eq!(first.len().unwrap(), 2);
    assert_eq!(
        first.checkpoints_after(0).unwrap(),
        vec![(2, b"cp2".to_vec())]
    );
    assert!(PgStore::open("postgres://nobody@127.0.0.1:1/none").is_err());
}

#[test]
fn replicas_starting_at_once_migrate_once() {
    let url = fresh_database();
    let openers: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || PgStore::open(&url).map(|s| s.len().unwrap()))
        })
        .collect();
    for opener in openers {
        assert_eq!(opener.join().unwrap().unwrap(), 0);
    }
}

#[test]
fn the_lease_fences_every_batch() {
    let url = fresh_database();
    let (a, b) = (PgStore::open(&url).unwrap(), PgStore::open(&url).unwrap());
    let ttl = Duration::from_millis(800);
    assert!(a.lease("a", ttl).unwrap());
    assert!(!b.lease("b", ttl).unwrap(), "two holders at once");
    assert!(a.lease("a", ttl).unwrap(), "the holder renews");

    let id = TxId::of(b"tx-1");
    assert!(a.enqueue(&id, b"tx-1", 10).unwrap());
    assert!(!b.enqueue(&id, b"tx-1", 11).unwrap(), "queued twice");
    let queued = b.queued(10).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!((queued[0].id, queued[0].received), (id, 10));
    assert_eq!(a.waiting().unwrap(), 1);

    // Not the holder: nothing is written.
    assert!(matches!(
        b.sequence(
            "b",
            ttl,
            0,
            &[b"leaf".to_vec()],
            b"cp1",
            &[(id, sequenced(0))]
        ),
        Err(StoreError::LeaseLost)
    ));
    assert_eq!(a.head().unwrap(), SharedHead { size: 0, batch: 0 });
    assert_eq!(a.outcome(&id).unwrap(), None);

    // The holder commits leaves, checkpoint and outcome together.
    let batch = a
        .sequence(
            "a",
            ttl,
            0,
            &[b"leaf".to_vec()],
            b"cp1",
            &[(id, sequenced(0))],
        )
        .unwrap();
    assert_eq!(batch, 1);
    assert_eq!(b.head().unwrap(), SharedHead { size: 1, batch: 1 });
    assert_eq!(b.outcome(&id).unwrap(), Some((1, sequenced(0))));
    assert_eq!(b.outcomes(0, 1).unwrap(), vec![(id, 1, sequenced(0))]);
    assert!(b.queued(10).unwrap().is_empty());
    assert_eq!(b.waiting().unwrap(), 0);
    // A decided submission is never decided again.
    let again = TxId::of(b"tx-2");
    assert!(a.enqueue(&again, b"tx-2", 12).unwrap());
    assert!(matches!(
        a.sequence(
            "a",
            ttl,
            1,
            &[],
            b"",
            &[(id, sequenced(1)), (again, sequenced(1))]
        ),
        Err(StoreError::Damaged(_))
    ));
    assert_eq!(a.head().unwrap(), SharedHead { size: 1, batch: 1 });

    // An expired lease no one took is still the holder's: its batch
    // commits (and renews it).
    std::thread::sleep(ttl + Duration::from_millis(200));
    let late = TxId::of(b"tx-3");
    assert!(a.enqueue(&late, b"tx-3", 13).unwrap());
    assert_eq!(
        a.sequence("a", ttl, 1, &[], b"", &[(late, refusal())])
            .unwrap(),
        2
    );
    assert!(!b.lease("b", ttl).unwrap(), "renewed by the batch");
    // The holder stops renewing: the lease expires and b takes it over;
    // a's next batch is refused and changes nothing.
    std::thread::sleep(ttl + Duration::from_millis(200));
    assert!(b.lease("b", ttl).unwrap(), "an expired lease is free");
    assert!(!a.lease("a", ttl).unwrap());
    assert!(matches!(
        a.sequence("a", ttl, 1, &[b"late".to_vec()], b"cp2", &[]),
        Err(StoreError::LeaseLost)
    ));
    assert_eq!(a.head().unwrap(), SharedHead { size: 1, batch: 2 });
    // A stale holder that still thinks the log is shorter cannot append.
    assert!(matches!(
        b.sequence("b", ttl, 0, &[b"fork".to_vec()], b"cp1'", &[]),
        Err(StoreError::NotAtEnd { at: 0, len: 1 })
    ));
    assert_eq!(b.len().unwrap(), 1);

    // A refusal is recorded; queueing it again decides it afresh.
    let refused = refusal();
    assert_eq!(
        b.sequence("b", ttl, 1, &[], b"", &[(again, refused.clone())])
            .unwrap(),
        3
    );
    assert_eq!(a.outcome(&again).unwrap(), Some((3, refused)));
    assert!(
        !a.requeue(&again, 2, 20).unwrap(),
        "not that batch's refusal"
    );
    assert!(a.requeue(&again, 3, 20).unwrap());
    assert!(!a.requeue(&again, 3, 21).unwrap(), "requeued once only");
    assert!(
        !a.requeue(&id, 1, 20).unwrap(),
        "an accepted one is not requeued"
    );
    assert_eq!(a.outcome(&again).unwrap(), None);
    assert_eq!(a.queued(10).unwrap()[0].received, 20);
    b.release("b").unwrap();
    assert!(a.lease("a", ttl).unwrap(), "a released lease is free");
}

#[test]
fn cosignatures_keep_the_newest_line_per_validator() {
    let store = PgStore::open(&fresh_database()).unwrap();
    store.put_cosignature(5, "v1", "— v1 old").unwrap();
    store.put_cosignature(5, "v1", "— v1 new").unwrap();
    store.put_cosignature(5, "v2", "— v2").unwrap();
    store.put_cosignature(3, "v1", "— v1 at 3").unwrap();
    let mut lines = store.cosignatures_from(4).unwrap();
    lines.sort();
    assert_eq!(
        lines,
        vec![(5, "— v1 new".to_owned()), (5, "— v2".to_owned())]
    );
}
