use super::*;
use crate::ids::{GrantId, KeyCommitment};
use crate::keys::{Generation, MnemonicPhrase};
use crate::state::Refusal;
use crate::testkit::{grant_to, lab_scope, World, ORIGIN, T0};
use crate::tx::{Delegate, Enroll, Powers, Revoke};

fn wallet() -> WalletSecret {
    let words = "abandon ".repeat(23) + "art";
    WalletSecret::new(MnemonicPhrase::parse(&words).unwrap(), None)
}

fn sign(wallet: &WalletSecret, identity: IdentityRef, nonce: u8, kind: Kind) -> SignedTx {
    wallet
        .sign(identity, Body::new(T0, [nonce; 8], kind), ORIGIN)
        .unwrap()
}

fn queued(outbox: &Outbox) -> Vec<SignedTx> {
    outbox
        .items()
        .iter()
        .map(|o| SignedTx::open(&o.bytes(), ORIGIN).unwrap())
        .collect()
}

/// A world with the wallet's `Enroll` queued (not applied), then a grant, its
/// revocation carrying it, and a delegation to the world's caregiver.
fn setup() -> (World, WalletSecret, Outbox) {
    let w = World::new();
    let me = wallet();
    let id = me.identities()[0];
    let next = me.next_commitment(id).unwrap();
    let grant = sign(&me, id, 2, grant_to(w.insurer, lab_scope()));
    let txs = [
        sign(&me, id, 1, Kind::Enroll(Enroll { next })),
        grant.clone(),
        sign(
            &me,
            id,
            3,
            Kind::Revoke(Revoke {
                grant: GrantId(grant.id().0),
                patient: None,
                via: None,
                embedded_grant: Some(grant.bytes().to_vec()),
            }),
        ),
        sign(
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
        ),
    ];
    let mut outbox = Outbox::default();
    for tx in &txs {
        outbox.push(tx, w.now);
    }
    (w, me, outbox)
}

#[test]
fn what_was_queued_goes_first_as_it_was_signed_then_the_rotation() {
    let (mut w, mut me, mut outbox) = setup();
    let before = me.identities()[0];
    let handed_out = queued(&outbox);
    let rotation = rotate(&mut me, before, &mut outbox, ORIGIN, w.now, [9; 8]).unwrap();

    assert_eq!(rotation.identity.generation, Generation(1));
    assert_eq!(me.identities()[0], rotation.identity);
    assert_eq!(
        me.primary_public_key(),
        wallet().primary_public_key(),
        "the identity stays"
    );
    let old_key = wallet().signing_key(before).unwrap().public_key();
    let new_key = me.signing_key(rotation.identity).unwrap().public_key();
    assert_eq!(rotation.tx.signer(), old_key);
    let Kind::RotateKey(r) = &rotation.tx.body().kind else {
        panic!("not a RotateKey")
    };
    assert_eq!(r.identity, me.identity_id(rotation.identity));
    assert_eq!(r.new_key, new_key);
    assert_eq!(r.next, me.next_commitment(rotation.identity).unwrap());

    // Nothing handed out was touched; the rotation is last.
    let sent = queued(&outbox);
    assert_eq!(sent[..4], handed_out[..]);
    assert_eq!(sent[4].id(), rotation.tx.id());

    // What the wallet signs now names the patient and uses the new key.
    let later = sign(&me, rotation.identity, 5, grant_to(w.clinic, lab_scope()));
    assert_eq!(later.signer(), new_key);
    let Kind::Grant(g) = &later.body().kind else {
        panic!("not a grant")
    };
    assert_eq!(g.patient, Some(me.identity_id(rotation.identity)));
    outbox.push(&later, w.now);

    // The ledger takes the outbox in order; the old key is refused afterwards.
    for tx in queued(&outbox) {
        w.state
            .apply(&tx, w.now)
            .unwrap_or_else(|e| panic!("{}: {e}", tx.body().kind.name()));
    }
    let late = sign(&wallet(), before, 7, grant_to(w.clinic, lab_scope()));
    assert_eq!(w.state.apply(&late, w.now), Err(Refusal::StaleKey));
}

#[test]
fn in_the_other_order_the_old_key_would_be_refused() {
    let (mut w, mut me, outbox) = setup();
    let txs = queued(&outbox);
    let id = me.identities()[0];
    let rotation = rotate(&mut me, id, &mut Outbox::default(), ORIGIN, w.now, [9; 8]).unwrap();
    w.state.apply(&txs[0], w.now).unwrap();
    w.state.apply(&rotation.tx, w.now).unwrap();
    assert_eq!(w.state.apply(&txs[1], w.now), Err(Refusal::StaleKey));
}

#[test]
fn a_second_rotation_reveals_the_next_generation() {
    let (mut w, mut me, mut outbox) = setup();
    let id = me.identities()[0];
    let first = rotate(&mut me, id, &mut outbox, ORIGIN, w.now, [9; 8]).unwrap();
    let second = rotate(&mut me, first.identity, &mut outbox, ORIGIN, w.now, [10; 8]).unwrap();
    assert_eq!(second.identity.generation, Generation(2));
    assert_eq!(
        second.tx.signer(),
        me.signing_key(first.identity).unwrap().public_key()
    );
    for tx in queued(&outbox) {
        w.state
            .apply(&tx, w.now)
            .unwrap_or_else(|e| panic!("{}: {e}", tx.body().kind.name()));
    }
}

#[test]
fn an_identity_not_in_the_wallet_changes_nothing() {
    let (w, mut me, mut outbox) = setup();
    let stale = IdentityRef {
        generation: Generation(5),
        ..me.identities()[0]
    };
    let before = outbox.clone();
    assert!(rotate(&mut me, stale, &mut outbox, ORIGIN, w.now, [9; 8]).is_err());
    assert_eq!(outbox, before);
    assert_eq!(me.identities()[0].generation, Generation(0));
    // The commitment the enrolment carried is the key a rotation reveals.
    let next = IdentityRef {
        generation: Generation(1),
        ..me.identities()[0]
    };
    assert_eq!(
        me.next_commitment(me.identities()[0]).unwrap(),
        KeyCommitment::to(&me.signing_key(next).unwrap().public_key())
    );
}
