//! Two `assent-ledger serve` processes on one real PostgreSQL database
//! (scripts/with-postgres.sh starts it): both take submissions and serve
//! reads, exactly one sequences, and when that one is killed with SIGKILL
//! in the middle of a load the other takes over and nothing is lost or
//! sequenced twice.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn health(http: &reqwest::blocking::Client, url: &str) -> Value {
    http.get(format!("{url}/health"))
        .send()
        .unwrap()
        .json()
        .unwrap()
}

/// What one submission came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Acknowledged with this index.
    Acked(u64),
    /// Refused as a replay: an earlier attempt of it landed.
    Landed,
}

/// Submits `tx` to the replicas in turn, starting at `first`, until one
/// answers; a replica that is down or busy is skipped.
fn submit_until_answered(
    http: &reqwest::blocking::Client,
    urls: &[String],
    first: usize,
    tx: &assent_core::tx::SignedTx,
) -> Answer {
    let start = Instant::now();
    for attempt in 0.. {
        assert!(start.elapsed() < Duration::from_secs(60), "never answered");
        let url = &urls[(first + attempt) % urls.len()];
        let Ok(r) = http
            .post(format!("{url}/api/v1/submit"))
            .body(tx.bytes().to_vec())
            .send()
        else {
            continue;
        };
        let status = r.status().as_u16();
        let body: Value = r.json().unwrap_or_default();
        match status {
            200 => return Answer::Acked(body["index"].as_u64().unwrap()),
            422 if body["error"]["code"] == "replay" => return Answer::Landed,
            503 => std::thread::sleep(Duration::from_millis(50)),
            _ => panic!("unexpected answer {status}: {body}"),
        }
    }
    unreachable!()
}

/// Waits until one of two replicas sequences (never both); which (0 or 1).
fn which_sequences(c: &Consortium, url_a: &str, url_b: &str) -> usize {
    let start = Instant::now();
    loop {
        let (ha, hb) = (health(&c.http, url_a), health(&c.http, url_b));
        let (sa, sb) = (ha["sequencing"] == true, hb["sequencing"] == true);
        assert!(!(sa && sb), "both replicas sequence: {ha} {hb}");
        if sa || sb {
            return usize::from(sb);
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no replica sequences"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn two_replicas_one_killed_mid_load_lose_nothing() {
    killed_mid_load(fresh_database());
}

/// The same where every transaction is `SERIALIZABLE` (as on CockroachDB):
/// the store retries what the database aborts as conflicting.
#[test]
fn the_same_under_serializable_isolation() {
    killed_mid_load(fresh_serializable_database());
}

fn killed_mid_load(database: String) {
    let mut c = Consortium::with_store(Some(database));
    let (a, url_a) = c.serve("127.0.0.1:0", "replica-a");
    let (b, url_b) = c.serve("127.0.0.1:0", "replica-b");

    let a_sequences = which_sequences(&c, &url_a, &url_b) == 0;
    let (mut victim, victim_url, _survivor, survivor_url) = if a_sequences {
        (a, url_a, b, url_b)
    } else {
        (b, url_b, a, url_a)
    };
    c.url = survivor_url.clone();
    c.start_validator(1, Some(&survivor_url));
    c.start_validator(2, Some(&survivor_url));

    // Four clients submit to both replicas in turn.
    let urls = vec![victim_url.clone(), survivor_url.clone()];
    let answers: Arc<Mutex<BTreeMap<String, Answer>>> = Arc::default();
    let acked = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|n| {
            let (answers, acked, stop, urls) =
                (answers.clone(), acked.clone(), stop.clone(), urls.clone());
            std::thread::spawn(move || {
                let http = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(40))
                    .build()
                    .unwrap();
                let mut turn = n;
                while !stop.load(Ordering::Relaxed) {
                    let tx = enroll();
                    let answer = submit_until_answered(&http, &urls, turn, &tx);
                    turn += 1;
                    if matches!(answer, Answer::Acked(_)) {
                        acked.fetch_add(1, Ordering::Relaxed);
                    }
                    answers.lock().unwrap().insert(tx.id().to_string(), answer);
                }
            })
        })
        .collect();

    // Let batches land on both, remember a checkpoint, kill the sequencer.
    wait_until(
        "the replicas stopped acknowledging",
        Duration::from_secs(60),
        || acked.load(Ordering::Relaxed) >= 200,
    );
    let before = c.latest();
    victim.child.kill().unwrap(); // SIGKILL
    victim.child.wait().unwrap();
    // The survivor takes the lease over and the load goes on.
    let killed_at = acked.load(Ordering::Relaxed);
    wait_until(
        "the survivor never took over",
        Duration::from_secs(60),
        || acked.load(Ordering::Relaxed) >= killed_at + 150,
    );
    assert_eq!(health(&c.http, &survivor_url)["sequencing"], true);
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let answers = answers.lock().unwrap().clone();
    let landed = answers.values().filter(|a| **a == Answer::Landed).count();
    eprintln!(
        "{} transactions, {landed} answered as landed by an earlier attempt; \
         {killed_at} acknowledged before the kill",
        answers.len()
    );

    // Every submission is on the log exactly once: the log holds as many
    // entries as distinct transactions were submitted, and each one's
    // inclusion proof names the index it was acknowledged with.
    let after = c.latest();
    assert_eq!(
        after.size as usize,
        answers.len(),
        "lost or doubled entries"
    );
    for (tx, answer) in &answers {
        let inc = c.json(&format!("/api/v1/inclusion?tx={tx}&size={}", after.size));
        let index = inc["index"].as_u64().expect("on the log");
        if let Answer::Acked(acked) = answer {
            assert_eq!(index, *acked, "{tx}");
        }
    }
    // The log after the take-over extends the one before, and the
    // validators cosign it.
    c.assert_extends(&before, &after);
    let note = c.wait_cosigned(after.size);
    assert!(c.trust().verify_checkpoint(note.as_bytes()).is_ok());

    // The killed replica, restarted, replays the shared log and serves the
    // same checkpoint without sequencing.
    let (_back, back_url) = c.serve("127.0.0.1:0", "replica-back");
    let served = c.http.get(format!("{back_url}/checkpoint")).send().unwrap();
    let served = assent_core::note::SignedCheckpoint::parse(served.bytes().unwrap()).unwrap();
    assert_eq!(served.checkpoint(), &after);
    assert_eq!(health(&c.http, &back_url)["sequencing"], false);
    assert_eq!(health(&c.http, &survivor_url)["sequencing"], true);
}

fn post(c: &Consortium, url: &str, tx: &assent_core::tx::SignedTx) -> (u16, Value) {
    let r = c
        .http
        .post(format!("{url}/api/v1/submit"))
        .body(tx.bytes().to_vec())
        .send()
        .unwrap();
    (r.status().as_u16(), r.json().unwrap())
}

#[test]
fn a_refused_transaction_sent_again_is_decided_afresh_on_either_replica() {
    use assent_core::ids::{IdentityId, KeyCommitment};
    use assent_core::tx::{Enroll, Kind, RotateKey};
    let c = Consortium::with_store(Some(fresh_database()));
    let (_a, url_a) = c.serve("127.0.0.1:0", "replica-a");
    let (_b, url_b) = c.serve("127.0.0.1:0", "replica-b");
    let keys = [fresh_key(), fresh_key(), fresh_key()];
    let enrol = sign(
        &keys[0],
        Kind::Enroll(Enroll {
            next: KeyCommitment::to(&keys[1].public_key()),
        }),
    );
    let rotate = sign(
        &keys[0],
        Kind::RotateKey(RotateKey {
            identity: IdentityId(keys[0].public_key()),
            new_key: keys[1].public_key(),
            next: KeyCommitment::to(&keys[2].public_key()),
        }),
    );
    // Before the enrolment the rotation is refused…
    let (status, refused) = post(&c, &url_a, &rotate);
    assert_eq!(status, 422, "{refused}");
    assert_ne!(refused["error"]["code"], "replay");
    assert_eq!(post(&c, &url_b, &enrol).0, 200);
    // …and the very same bytes, sent again to the other replica, are
    // decided afresh and accepted; a third time they are a replay.
    let (status, accepted) = post(&c, &url_b, &rotate);
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(accepted["index"], 1);
    let (status, again) = post(&c, &url_a, &rotate);
    assert_eq!(
        (status, &again["error"]["code"]),
        (422, &Value::from("replay"))
    );
}

#[test]
fn a_replica_stopped_with_sigterm_gives_the_lease_up() {
    let mut c = Consortium::with_store(Some(fresh_database()));
    let (a, url_a) = c.serve("127.0.0.1:0", "replica-a");
    let (b, url_b) = c.serve("127.0.0.1:0", "replica-b");
    let (mut holder, other_url) = match which_sequences(&c, &url_a, &url_b) {
        0 => (a, url_b),
        _ => (b, url_a),
    };
    let pid = holder.child.id();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(holder.child.wait().unwrap().success(), "not a clean exit");
    // Released on the way out: no live lease is the stopped process's
    // (without the release it would hold one for another 3 s).
    let db = c.store.clone().unwrap();
    let out = std::process::Command::new("psql")
        .arg(&db)
        .args([
            "-At",
            "-c",
            "SELECT COALESCE(holder, '') FROM assent_lease WHERE expires_at > CURRENT_TIMESTAMP",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let live = String::from_utf8(out.stdout).unwrap();
    assert!(
        !live.trim().starts_with(&format!("pid{pid}-")),
        "the stopped process still holds the lease: {live}"
    );
    // The other replica sequences and takes transactions.
    c.url = other_url;
    c.ok(&enroll());
    assert_eq!(c.json("/health")["sequencing"], true);
}
