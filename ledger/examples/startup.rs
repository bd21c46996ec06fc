//! Start-up cost: how long a node takes to load a log of N entries by
//! replaying every leaf with core, against restoring the newest snapshot
//! (with the tree rebuilt from the stored leaf hashes) and replaying none.
//!
//! `cargo run --release -p assent-ledger --example startup -- [N] [STORE]`
//!
//! STORE is `embedded` (the default) or a `postgres://` URL of an empty
//! database. The log is N enrolments, appended in batches of 1,000.

use anyhow::Result;
use assent_core::ids::KeyCommitment;
use assent_core::keys::SigningKey;
use assent_core::replica::Replica;
use assent_core::tx::{Body, Enroll, Kind, SignedTx};
use assent_ledger::demo::{self, DEMO_ORIGIN};
use assent_ledger::storage::{load_replica, replay_to, PgStore, RedbStore, Snapshot, Store};
use indicatif::{ProgressBar, ProgressStyle};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

fn enroll(n: u64) -> SignedTx {
    let mut secret = [7u8; 32];
    secret[..8].copy_from_slice(&n.to_be_bytes());
    let key = SigningKey::from_secret_bytes(&secret);
    let time = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let next = KeyCommitment::to(&SigningKey::from_secret_bytes(&[n as u8; 32]).public_key());
    SignedTx::sign(
        &Body::new(time, n.to_be_bytes(), Kind::Enroll(Enroll { next })),
        &key,
        DEMO_ORIGIN,
    )
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).map_or(Ok(50_000), |s| s.parse())?;
    let dir = tempfile::tempdir()?;
    let urls = [1, 2, 3].map(|i| format!("http://127.0.0.1:{}", 7440 + i));
    let genesis = demo::prepare(dir.path(), &urls)?.genesis;
    let store: Box<dyn Store> = match args.get(2).map(String::as_str) {
        None | Some("embedded") => Box::new(RedbStore::open(&dir.path().join("store"))?),
        Some(url) => Box::new(PgStore::open(url)?),
    };

    let bar = ProgressBar::new(n).with_style(ProgressStyle::with_template(
        "filling {bar:40} {pos}/{len} entries",
    )?);
    let mut replica = Replica::new(genesis.clone());
    while replica.len() < n {
        let at = replica.len();
        let leaves: Vec<Vec<u8>> = (at..(at + 1000).min(n))
            .map(|i| {
                let tx = enroll(i);
                let time = tx.body().created.max(replica.last_time());
                replica
                    .append(&tx, time)
                    .map(|a| a.bytes)
                    .map_err(|e| anyhow::anyhow!("{e}"))
            })
            .collect::<Result<_>>()?;
        store.append(at, &leaves, replica.checkpoint().to_text().as_bytes())?;
        bar.set_position(replica.len());
    }
    bar.finish();

    let started = Instant::now();
    let snapshot = Snapshot::of(&replica);
    let encode = started.elapsed();
    let started = Instant::now();
    store.put_snapshot(&snapshot)?;
    let put = started.elapsed();

    let started = Instant::now();
    let mut replayed = Replica::new(genesis.clone());
    replay_to(store.as_ref(), &mut replayed, n)?;
    let replay = started.elapsed();

    let started = Instant::now();
    let expected = replica.checkpoint().to_text();
    let loaded = load_replica(store.as_ref(), genesis, n, Some(expected.as_bytes()))?;
    let restore = started.elapsed();
    assert_eq!(loaded.snapshot, Some(n), "the snapshot was not used");
    assert_eq!(loaded.replica.checkpoint(), replayed.checkpoint());

    println!("entries: {n}");
    println!(
        "snapshot: {} bytes, encoded in {encode:.2?}, stored in {put:.2?}",
        snapshot.state.len()
    );
    println!("start by replaying every entry: {replay:.2?}");
    println!("start from the snapshot:       {restore:.2?}");
    Ok(())
}
