//! Evidence against the sequencer reaches the validators (PROTOCOL §6): a
//! real sequencer and three validator processes on loopback; the wallet's
//! round posts what its memory caught and its broken receipts to each
//! validator's `POST /evidence`. The forged notes and receipts are signed
//! with the consortium's real keys, as a compromised sequencer would sign
//! them; the validators judge them against their own replayed logs.

mod common;

use assent_core::client::report::report;
use assent_core::client::sync::{follow, refresh, LedgerState};
use assent_core::client::LedgerClient;
use assent_core::evidence::Finding;
use assent_core::memory::ForkKind;
use assent_core::note::{Receipt, SignedCheckpoint};
use assent_core::outbox::State;
use common::*;
use std::time::Duration;
use tokio::runtime::Runtime;

/// A consortium with a few entries cosigned, and a wallet that verified the
/// newest checkpoint (talking straight to the sequencer).
fn started() -> (Consortium, Runtime, LedgerClient, LedgerState) {
    let mut c = Consortium::new();
    c.start_sequencer();
    for i in 1..=3 {
        c.start_validator(i, None);
    }
    for _ in 0..3 {
        c.ok(&enroll());
    }
    c.wait_cosigned(c.latest().size);
    let rt = Runtime::new().unwrap();
    let wallet = LedgerClient::new(&c.url, c.trust());
    let mut state = LedgerState::default();
    rt.block_on(refresh(&wallet, &mut state, now())).unwrap();
    (c, rt, wallet, state)
}

/// Waits until every validator has verified (and cosigned) `size`.
fn validators_reach(c: &Consortium, size: u64) {
    for v in &c.genesis.validators {
        wait_until(
            &format!("{} reaches {size}", v.url),
            Duration::from_secs(30),
            || {
                c.http
                    .get(format!("{}/checkpoint", v.url))
                    .send()
                    .ok()
                    .and_then(|r| r.bytes().ok())
                    .and_then(|b| SignedCheckpoint::parse(&b).ok())
                    .is_some_and(|s| s.checkpoint().size >= size)
            },
        );
    }
}

/// Validator `i`'s kept evidence (`evidence.jsonl`), empty if none.
fn kept(c: &Consortium, i: usize) -> String {
    std::fs::read_to_string(c.path(&format!("validator-{i}/evidence.jsonl"))).unwrap_or_default()
}

/// An older, genuine checkpoint shown again is a rollback of the wallet's
/// view, not a second history: every validator finds both notes in its log
/// and goes on cosigning. The evidence is posted once.
#[test]
fn a_rolled_back_view_is_reported_and_found_consistent() {
    let (c, rt, wallet, mut state) = started();
    let old = state.memory.held_note().unwrap().to_owned();
    c.ok(&enroll());
    c.wait_cosigned(c.latest().size);
    rt.block_on(refresh(&wallet, &mut state, now())).unwrap();
    let older = c.trust().verify_checkpoint(old.as_bytes()).unwrap();
    let alarm = state.memory.advance(&older, &[], now()).unwrap_err();
    assert_eq!(alarm.0.kind, ForkKind::RolledBack);

    // A validator behind the held checkpoint cannot judge yet (it answers
    // `ahead`, and the wallet asks it again next round); once all three have
    // verified it, each finds both notes in its log.
    validators_reach(&c, state.memory.held().unwrap().size);
    let reported = rt.block_on(report(&wallet, &mut state, now()));
    assert_eq!(reported.taken.len(), 3, "{reported:?}");
    assert!(
        reported
            .taken
            .iter()
            .all(|(_, f)| *f == Finding::Consistent),
        "{reported:?}"
    );
    assert_eq!(state.memory.evidence()[0].reported_to.len(), 3);
    let again = rt.block_on(report(&wallet, &mut state, now()));
    assert!(
        again.taken.is_empty() && again.failed.is_empty(),
        "{again:?}"
    );
    // Nothing proven, nothing kept, and the quorum still cosigns.
    assert!((1..=3).all(|i| kept(&c, i).is_empty()));
    let size = c.ok(&enroll())["index"].as_u64().unwrap() + 1;
    c.wait_cosigned(size);
}

/// A second root for the held size, signed with the sequencer's real key:
/// each validator's log contradicts it, so each finds the sequencer
/// equivocated, keeps the evidence and halts rather than cosign after it.
#[test]
fn a_second_history_signed_by_the_sequencer_halts_every_validator() {
    let (mut c, rt, wallet, mut state) = started();
    let mut other = state.memory.held().unwrap().clone();
    other.root[0] ^= 0x01;
    let trust = c.trust();
    let note = SignedCheckpoint::sign(
        other.clone(),
        trust.sequencer.name(),
        &c.key("sequencer.key"),
    )
    .unwrap();
    let note = String::from_utf8(note.to_bytes()).unwrap();
    let alarm = state
        .memory
        .cross_check(&other, &note, &[], now())
        .unwrap_err();
    assert_eq!(alarm.0.kind, ForkKind::SplitView);

    let reported = rt.block_on(report(&wallet, &mut state, now()));
    let proven = reported
        .taken
        .iter()
        .filter(|(_, f)| *f == Finding::Equivocation { size: other.size })
        .count();
    assert_eq!(proven, 3, "{reported:?}");
    for i in 1..=3 {
        assert!(kept(&c, i).contains("equivocation"), "validator {i}");
    }
    for v in &mut c.validators {
        wait_until(
            &format!("{} halts", v.name),
            Duration::from_secs(20),
            || v.child.try_wait().unwrap().is_some(),
        );
        let said = v.stderr();
        assert!(said.contains("equivocated"), "{}: {said}", v.name);
    }
    // The halt is kept on disk: a restart (a supervisor's) does not resume
    // cosigning until the operator removes the marker.
    assert!(c.path("validator-1/HALTED").exists());
    c.validators.clear();
    c.start_validator(1, None);
    let v = &mut c.validators[0];
    wait_until(
        "the restarted validator exits",
        Duration::from_secs(20),
        || v.child.try_wait().unwrap().is_some(),
    );
    let said = v.stderr();
    assert!(said.contains("this validator halted"), "{said}");
}

/// Postings that prove nothing are refused at the door with a reason, and
/// the validator goes on cosigning and keeps nothing.
#[test]
fn unsigned_evidence_is_refused_at_the_door() {
    let (c, _rt, _wallet, state) = started();
    let url = format!("{}/evidence", c.genesis.validators[0].url);
    let held = state.memory.held_note().unwrap().to_owned();
    for junk in [
        serde_json::json!({ "kind": "fork", "held": held, "offered": "not a note" }),
        serde_json::json!({ "kind": "overdue", "receipt": held, "tx": "AAAA" }),
        serde_json::json!({ "kind": "unheard_of" }),
    ] {
        let answer = c.http.post(&url).json(&junk).send().unwrap();
        let status = answer.status().as_u16();
        let body: serde_json::Value = answer.json().unwrap_or_default();
        assert!((400..500).contains(&status), "{junk}: {status} {body}");
        if junk["kind"] != "unheard_of" {
            assert_eq!(body["error"]["code"], "bad_evidence", "{body}");
        }
    }
    let size = c.ok(&enroll())["index"].as_u64().unwrap() + 1;
    c.wait_cosigned(size);
    assert!(kept(&c, 1).is_empty());
}

/// A receipt, signed with the real receipt key, for a transaction the
/// sequencer never logged, its deadline past: each validator it reaches
/// finds the promise broken, keeps it and forwards the transaction; the
/// sequencer's fresh receipt renews the promise and the transaction is
/// included.
#[test]
fn a_broken_receipt_is_reported_and_the_transaction_forwarded() {
    let (c, rt, wallet, mut state) = started();
    let dropped = enroll();
    let trust = c.trust();
    let t = now();
    let promise = Receipt {
        origin: trust.origin.clone(),
        tx: dropped.id(),
        received: t - 120,
        deadline: t - 60,
        index: None,
    };
    let note = promise
        .sign(trust.receipt.name(), &c.key("receipt.key"))
        .unwrap();
    state.outbox.push(&dropped, t - 120);
    assert!(state.outbox.receipt(&promise, &note));
    assert_eq!(state.outbox.overdue(t).count(), 1);

    let reported = rt.block_on(report(&wallet, &mut state, t));
    assert_eq!(
        reported.taken.first().map(|(_, f)| *f),
        Some(Finding::BrokenPromise),
        "{reported:?}"
    );
    assert_eq!(reported.renewed, [dropped.id()]);
    let item = state.outbox.get(&dropped.id()).unwrap();
    assert!(!item.is_overdue(now()), "a fresh promise: {item:?}");
    assert!(
        item.reported_to.is_empty(),
        "reported again if broken again"
    );
    assert!(kept(&c, 1).contains("broken_promise"));

    // Forwarded, it reaches the log.
    wait_until(
        "the forwarded transaction is included",
        Duration::from_secs(30),
        || {
            let Ok(cp) = rt.block_on(refresh(&wallet, &mut state, now())) else {
                return false;
            };
            rt.block_on(follow(&wallet, &mut state.outbox, &cp, now()));
            matches!(
                state.outbox.get(&dropped.id()).unwrap().state,
                State::Included { .. }
            )
        },
    );
}
