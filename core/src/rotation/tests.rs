use super::*;
use crate::ids::KeyCommitment;
use crate::keys::{Generation, MnemonicPhrase};
use crate::outbox::Outbox;
use crate::state::Refusal;
use crate::testkit::{grant_to, lab_scope, World, ORIGIN};
use crate::tx::{Delegate, Enroll, Powers, Revoke};

fn wallet() -> WalletSecret {
    let words = "abandon ".repeat(23) + "art";
    WalletSecret::new(MnemonicPhrase::parse(&words).unwrap(), None)
}

fn sign(wallet: &WalletSecret, identity: IdentityRef, nonce: u8, kind: Kind) -> SignedTx {
    let key = wallet.signing_key(identity).unwrap();
    SignedTx::sign(
        &Body::new(crate::testkit::T0, [nonce; 8], kind),
        &key,
        ORIGIN,
    )
}

fn queued(outbox: &Outbox) -> Vec<SignedTx> {
    outbox
        .items()
        .iter()
        .map(|o| SignedTx::open(&o.bytes(), ORIGIN).unwrap())
        .collect()
}

/// A wallet enrolled in the world, with an outbox holding: one grant sent
/// earlier without an answer, then (never sent) a grant, its revocation
/// carrying it, and a delegation to the world's caregiver.
fn setup() -> (World, WalletSecret, Outbox, Vec<SignedTx>) {
    let mut w = World::new();
    let me = wallet();
    let id = me.identities()[0];
    let enroll = sign(
        &me,
        id,
        0,
        Kind::Enroll(Enroll {
            next: me.next_commitment(id).unwrap(),
        }),
    );
    w.state.apply(&enroll, w.now).unwrap();
    let offered = sign(&me, id, 1, grant_to(w.clinic, lab_scope()));
    let grant = sign(&me, id, 2, grant_to(w.insurer, lab_scope()));
    let revoke = sign(
        &me,
        id,
        3,
        Kind::Revoke(Revoke {
            grant: GrantId(grant.id().0),
            patient: None,
            via: None,
            embedded_grant: Some(grant.bytes().to_vec()),
        }),
    );
    let delegate = sign(
        &me,
        id,
        4,
        Kind::Delegate(Delegate {
            caregiver: w.caregiver(),
            powers: Powers {
                grant: true,
                revoke: true,
                history: false,
            },
            max_scope: lab_scope(),
            period: lab_scope().permit.period.unwrap(),
        }),
    );
    let mut outbox = Outbox::default();
    for tx in [&offered, &grant, &revoke, &delegate] {
        outbox.push(tx, w.now);
    }
    outbox.offered(&offered.id());
    (w, me, outbox, vec![offered, grant, revoke, delegate])
}

#[test]
fn the_rotation_comes_after_what_the_ledger_may_hold_and_before_what_is_re_signed() {
    let (mut w, mut me, mut outbox, txs) = setup();
    let before = me.identities()[0];
    let rotation = rotate(&mut me, before, &mut outbox, ORIGIN, w.now, [9; 8]).unwrap();

    assert_eq!(rotation.identity.generation, Generation(1));
    assert_eq!(me.identities()[0], rotation.identity);
    assert_eq!(
        me.primary_public_key(),
        wallet().primary_public_key(),
        "the identity stays"
    );
    let new_key = me.signing_key(rotation.identity).unwrap().public_key();
    assert_eq!(
        rotation.tx.signer(),
        wallet().signing_key(before).unwrap().public_key()
    );
    let Kind::RotateKey(r) = &rotation.tx.body().kind else {
        panic!("not a RotateKey")
    };
    assert_eq!(r.new_key, new_key);
    assert_eq!(r.next, me.next_commitment(rotation.identity).unwrap());

    let sent = queued(&outbox);
    let ids: Vec<TxId> = sent.iter().map(SignedTx::id).collect();
    let resigned: Vec<TxId> = rotation.resigned.iter().map(|(_, t)| t.id()).collect();
    assert_eq!(ids[0], txs[0].id(), "the offered grant is kept as it was");
    assert_eq!(ids[1], rotation.tx.id());
    assert_eq!(ids[2..], resigned[..]);
    let old: Vec<TxId> = rotation.resigned.iter().map(|(old, _)| *old).collect();
    assert_eq!(old, [txs[1].id(), txs[2].id(), txs[3].id()]);
    for tx in &sent[2..] {
        assert_eq!(tx.signer(), new_key);
    }
    // The revocation follows its grant to the new id and carries the new bytes.
    let (Kind::Grant(g), Kind::Revoke(rv)) = (&sent[2].body().kind, &sent[3].body().kind) else {
        panic!("order changed")
    };
    assert_eq!(g.patient, Some(me.identity_id(rotation.identity)));
    assert_eq!(rv.grant, GrantId(sent[2].id().0));
    assert_eq!(rv.embedded_grant.as_deref(), Some(sent[2].bytes()));
    assert_eq!(sent[2].body().created, txs[1].body().created);
    assert_eq!(sent[2].body().nonce, txs[1].body().nonce);

    // The ledger takes the outbox in order; the old key is then refused.
    for tx in &sent {
        w.state
            .apply(tx, w.now)
            .unwrap_or_else(|e| panic!("{}: {e}", tx.body().kind.name()));
    }
    let late = sign(&wallet(), before, 7, grant_to(w.clinic, lab_scope()));
    assert!(matches!(
        w.state.apply(&late, w.now),
        Err(Refusal::StaleKey)
    ));
}

#[test]
fn the_old_order_would_be_refused() {
    // Without re-signing, the queued grant lands after the rotation and is refused.
    let (mut w, mut me, _, txs) = setup();
    let id = me.identities()[0];
    let rotation = rotate(&mut me, id, &mut Outbox::default(), ORIGIN, w.now, [9; 8]).unwrap();
    w.state.apply(&txs[0], w.now).unwrap();
    w.state.apply(&rotation.tx, w.now).unwrap();
    assert_eq!(w.state.apply(&txs[1], w.now), Err(Refusal::StaleKey));
}

#[test]
fn a_second_rotation_reveals_the_next_generation() {
    let (mut w, mut me, mut outbox, _) = setup();
    let id = me.identities()[0];
    let first = rotate(&mut me, id, &mut outbox, ORIGIN, w.now, [9; 8]).unwrap();
    let second = rotate(&mut me, first.identity, &mut outbox, ORIGIN, w.now, [10; 8]).unwrap();
    assert_eq!(second.identity.generation, Generation(2));
    // Re-signed twice: the outbox holds the offered grant, both rotations and
    // the three transactions under the newest key.
    let sent = queued(&outbox);
    assert_eq!(sent.len(), 6);
    assert_eq!(sent[1].id(), first.tx.id());
    assert_eq!(sent[2].id(), second.tx.id());
    let newest = me.signing_key(second.identity).unwrap().public_key();
    assert!(sent[3..].iter().all(|t| t.signer() == newest));
    for tx in &sent {
        w.state
            .apply(tx, w.now)
            .unwrap_or_else(|e| panic!("{}: {e}", tx.body().kind.name()));
    }
}

#[test]
fn an_identity_not_in_the_wallet_changes_nothing() {
    let (w, mut me, mut outbox, _) = setup();
    let stale = IdentityRef {
        generation: Generation(5),
        ..me.identities()[0]
    };
    let before = outbox.clone();
    assert!(rotate(&mut me, stale, &mut outbox, ORIGIN, w.now, [9; 8]).is_err());
    assert_eq!(outbox, before);
    assert_eq!(me.identities()[0].generation, Generation(0));
    // The commitment the enrolment carried is the key the rotation reveals.
    let next = IdentityRef {
        generation: Generation(1),
        ..me.identities()[0]
    };
    assert_eq!(
        me.next_commitment(me.identities()[0]).unwrap(),
        KeyCommitment::to(&me.signing_key(next).unwrap().public_key())
    );
}
