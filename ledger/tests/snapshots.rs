//! Starting a replica from a stored snapshot, on both stores: the leaf
//! hashes the store keeps are the tree's, a good snapshot is used and
//! restores exactly the replayed replica, and a snapshot that does not fit
//! is passed over for a full replay. The PostgreSQL half runs on the real
//! server of scripts/with-postgres.sh.

mod common;

use assent_core::replica::Replica;
use assent_core::state::Genesis;
use assent_ledger::storage::{load_replica, PgStore, RedbStore, Snapshot, Store};
use common::*;

/// 9 batches of 70 enrolments (so tiles of 256 fill across batches),
/// appended to `store`; the replica, and snapshots after batches 4 and 5.
fn fill(store: &dyn Store, genesis: &Genesis) -> (Replica, Snapshot, Snapshot) {
    let mut replica = Replica::new(genesis.clone());
    let mut taken = Vec::new();
    for batch in 0..9 {
        let at = replica.len();
        let leaves: Vec<Vec<u8>> = (0..70)
            .map(|_| replica.append(&enroll(), now()).unwrap().bytes)
            .collect();
        let checkpoint = replica.checkpoint().to_text();
        store.append(at, &leaves, checkpoint.as_bytes()).unwrap();
        if batch == 3 || batch == 4 {
            taken.push(Snapshot::of(&replica));
        }
    }
    let at_350 = taken.pop().unwrap();
    let at_280 = taken.pop().unwrap();
    (replica, at_280, at_350)
}

fn assert_same(loaded: &Replica, replica: &Replica) {
    assert_eq!(loaded.checkpoint(), replica.checkpoint());
    assert_eq!(loaded.state(), replica.state());
    assert_eq!(loaded.snapshot(), replica.snapshot());
}

/// `snapshot` with `tx` added to the transactions it says it has seen: it
/// still restores and reproduces its checkpoint, but `tx`, a later entry,
/// then does not replay on it.
fn seen_too_early(snapshot: &Snapshot, tx: [u8; 32]) -> Snapshot {
    use ciborium::value::Value;
    let mut value: Value = ciborium::from_reader(snapshot.state.as_slice()).unwrap();
    let Value::Map(fields) = &mut value else {
        panic!("a snapshot is a map")
    };
    let seen = fields
        .iter_mut()
        .find(|(k, _)| *k == Value::Integer(4.into()))
        .unwrap();
    let Value::Array(ids) = &mut seen.1 else {
        panic!("seen is an array")
    };
    ids.push(Value::Bytes(tx.to_vec()));
    let mut state = Vec::new();
    ciborium::into_writer(&value, &mut state).unwrap();
    Snapshot {
        state,
        ..snapshot.clone()
    }
}

fn check(store: &dyn Store) {
    let genesis = Consortium::with_store(None).genesis.genesis;
    let (replica, at_280, at_350) = fill(store, &genesis);
    let len = replica.len();
    let body = replica.checkpoint().to_text().into_bytes();
    let expected = Some(body.as_slice());
    let tree: Vec<_> = (0..len).map(|i| replica.tree().leaf(i).unwrap()).collect();
    assert_eq!(store.leaf_hashes(0, len).unwrap(), tree);
    assert_eq!(store.leaf_hashes(250, 520).unwrap(), tree[250..520]);

    // No snapshot: the whole log is replayed.
    let loaded = load_replica(store, genesis.clone(), len, expected).unwrap();
    assert_eq!(loaded.snapshot, None);
    assert_same(&loaded.replica, &replica);

    // A good one is used, and what follows it replayed.
    store.put_snapshot(&at_350).unwrap();
    let loaded = load_replica(store, genesis.clone(), len, expected).unwrap();
    assert_eq!(loaded.snapshot, Some(350));
    assert_same(&loaded.replica, &replica);
    // Loading an earlier size than the snapshot's replays instead.
    let loaded = load_replica(store, genesis.clone(), 300, None).unwrap();
    assert_eq!(loaded.snapshot, None);
    assert_eq!(loaded.replica.len(), 300);

    // Snapshots that do not fit are passed over; the leaves still load.
    let wrong_state = Snapshot {
        state: at_280.state.clone(),
        ..at_350.clone()
    };
    let garbage = Snapshot {
        state: b"not a snapshot".to_vec(),
        ..at_350.clone()
    };
    let not_the_logs = Snapshot {
        checkpoint: at_280.checkpoint.clone(),
        ..at_350.clone()
    };
    let later = assent_core::replica::Leaf::from_bytes(&store.leaf(400).unwrap().unwrap())
        .unwrap()
        .tx;
    let later_id = assent_core::ids::TxId::of(&later).0;
    let replays_wrong = seen_too_early(&at_350, later_id);
    for bad in [wrong_state, garbage, not_the_logs, replays_wrong] {
        store.put_snapshot(&bad).unwrap();
        let loaded = load_replica(store, genesis.clone(), len, expected).unwrap();
        assert_eq!(loaded.snapshot, None, "{bad:?} was used");
        assert_same(&loaded.replica, &replica);
    }
}

#[test]
fn the_embedded_store_starts_from_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    check(&RedbStore::open(dir.path()).unwrap());
}

#[test]
fn the_postgres_store_starts_from_its_snapshot_and_tiles() {
    let url = fresh_database();
    let store = PgStore::open(&url).unwrap();
    check(&store);
    // A log written before tiles were kept: its hashes are made up from
    // the leaves (and its full tiles written then), and appends go on
    // writing tiles.
    let status = std::process::Command::new("psql")
        .arg(&url)
        .args([
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            "DELETE FROM assent_tiles",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let genesis = Consortium::with_store(None).genesis.genesis;
    let mut replica = load_replica(&store, genesis, store.len().unwrap(), None)
        .unwrap()
        .replica;
    let at = replica.len();
    let leaf = replica.append(&enroll(), now()).unwrap().bytes;
    store
        .append(at, &[leaf], replica.checkpoint().to_text().as_bytes())
        .unwrap();
    let tree: Vec<_> = (0..replica.len())
        .map(|i| replica.tree().leaf(i).unwrap())
        .collect();
    assert_eq!(store.leaf_hashes(0, replica.len()).unwrap(), tree);
}
