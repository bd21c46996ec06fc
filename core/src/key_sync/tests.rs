use super::*;
use crate::ids::GrantId;
use crate::keys::MnemonicPhrase;
use crate::replica::Leaf;
use crate::rotation::rotate;
use crate::testkit::{grant_to, key, lab_scope, World, ORIGIN};
use crate::tx::{Enroll, Revoke};

/// Two devices holding the same words.
fn device() -> WalletSecret {
    let words = "legal winner thank year wave sausage worth useful ".repeat(3);
    let words = words.trim_end().strip_suffix("useful").unwrap().to_owned() + "title";
    WalletSecret::new(MnemonicPhrase::parse(&words).unwrap(), None)
}

fn entry(index: u64, tx: &SignedTx) -> VerifiedEntry {
    VerifiedEntry {
        leaf: Leaf {
            index,
            time: 0,
            links: Vec::new(),
            tx: tx.bytes().to_vec(),
        },
        tx: tx.clone(),
    }
}

fn counter() -> impl FnMut() -> [u8; 8] {
    let mut n = 100u64;
    move || {
        n += 1;
        n.to_be_bytes()
    }
}

/// The wallet's identity enrolled in a world; its chain so far.
fn enrolled(w: &mut World, me: &WalletSecret) -> Vec<VerifiedEntry> {
    let id = me.identities()[0];
    let enroll = me
        .sign(
            id,
            Body::new(
                w.now,
                [1; 8],
                Kind::Enroll(Enroll {
                    next: me.next_commitment(id).unwrap(),
                }),
            ),
            ORIGIN,
        )
        .unwrap();
    w.state.apply(&enroll, w.now).unwrap();
    vec![entry(0, &enroll)]
}

/// Submits everything queued, oldest first, recording each answer.
fn send(w: &mut World, outbox: &mut Outbox) -> Vec<Result<(), &'static str>> {
    let queued: Vec<_> = outbox.to_send().cloned().collect();
    queued
        .iter()
        .map(|o| {
            let tx = SignedTx::open(&o.bytes(), ORIGIN).unwrap();
            let result = w.state.apply(&tx, w.now).map(|_| ());
            if let Err(e) = &result {
                outbox.refused(&o.id, e.code(), &e.to_string());
            }
            result.map_err(|e| e.code())
        })
        .collect()
}

#[test]
fn a_device_left_behind_by_a_rotation_elsewhere_catches_up_and_signs_again() {
    let mut w = World::new();
    let (mut phone, mut laptop) = (device(), device());
    let mut chain = enrolled(&mut w, &phone);
    let id = phone.identities()[0];

    let now = w.now;
    let sign = |me: &WalletSecret, n: u8, kind: Kind| {
        me.sign(id, Body::new(now, [n; 8], kind), ORIGIN).unwrap()
    };
    let early = sign(&phone, 5, grant_to(w.clinic, lab_scope()));
    w.state.apply(&early, w.now).unwrap();
    chain.push(entry(1, &early));

    // The laptop rotates; the ledger takes it.
    let mut laptop_box = Outbox::default();
    let rotation = rotate(&mut laptop, id, &mut laptop_box, ORIGIN, w.now, [2; 8]).unwrap();
    assert_eq!(send(&mut w, &mut laptop_box), vec![Ok(())]);
    chain.push(entry(2, &rotation.tx));

    // The phone, still on the old key, grants and revokes the early grant: refused.
    let mut outbox = Outbox::default();
    let grant = sign(&phone, 3, grant_to(w.clinic, lab_scope()));
    let old_revoke = sign(
        &phone,
        4,
        Kind::Revoke(Revoke {
            grant: GrantId(early.id().0),
            patient: None,
            via: None,
            embedded_grant: None,
        }),
    );
    outbox.push(&grant, w.now);
    outbox.push(&old_revoke, w.now);
    let answers = send(&mut w, &mut outbox);
    assert!(answers.iter().all(|a| *a == Err(STALE_KEY)), "{answers:?}");

    // The verified chain moves the phone to the laptop's generation.
    let current = chain_key(&chain, &phone.identity_id(id));
    let Kind::RotateKey(r) = &rotation.tx.body().kind else {
        panic!("not a rotation")
    };
    assert_eq!(current, r.new_key);
    let moved = follow_chain(&mut phone, id, &current, &outbox, ORIGIN)
        .unwrap()
        .unwrap();
    assert_eq!(moved, rotation.identity);
    assert_eq!(
        follow_chain(&mut phone, moved, &current, &outbox, ORIGIN).unwrap(),
        None
    );

    // What was refused as stale is signed again, in order, naming the patient.
    let resigned = resign_stale(&phone, moved, &mut outbox, ORIGIN, w.now, &mut counter()).unwrap();
    let olds: Vec<TxId> = resigned.iter().map(|r| r.old).collect();
    assert_eq!(olds, vec![grant.id(), old_revoke.id()]);
    let new_grant = &resigned[0].new;
    assert_eq!(new_grant.signer(), current);
    let Kind::Grant(g) = &new_grant.body().kind else {
        panic!("not a grant")
    };
    assert_eq!(g.patient, Some(phone.identity_id(id)));
    assert!(
        outbox.get(&grant.id()).is_none(),
        "the stale one is replaced"
    );
    assert_eq!(send(&mut w, &mut outbox), vec![Ok(()), Ok(())]);
    assert!(w
        .state
        .grant(&GrantId(early.id().0))
        .unwrap()
        .revoked_at
        .is_some());
}

#[test]
fn a_rotation_the_ledger_refused_puts_the_wallet_back_one_in_flight_does_not() {
    let mut w = World::new();
    let mut me = device();
    let chain = enrolled(&mut w, &me);
    let id = me.identities()[0];
    let mut outbox = Outbox::default();
    let rotation = rotate(&mut me, id, &mut outbox, ORIGIN, w.now, [2; 8]).unwrap();
    assert_eq!(me.identities()[0], rotation.identity);
    // The chain still shows the inception key: the rotation may only be
    // waiting for a checkpoint, so the wallet stays where it is.
    let current = chain_key(&chain, &me.identity_id(id));
    assert!(!rotates(&chain, &me.identity_id(id)));
    let follow = |me: &mut WalletSecret, outbox: &Outbox| {
        follow_chain(me, rotation.identity, &current, outbox, ORIGIN).unwrap()
    };
    assert_eq!(follow(&mut me, &outbox), None);
    assert_eq!(me.identities()[0], rotation.identity);
    // Refused: back to the key the chain shows, and what the new key signed
    // meanwhile (refused as an unknown signer) is signed again with it.
    outbox.refused(&rotation.tx.id(), "too_old", "created too long ago");
    let meanwhile = me
        .sign(
            rotation.identity,
            Body::new(w.now, [3; 8], grant_to(w.clinic, lab_scope())),
            ORIGIN,
        )
        .unwrap();
    outbox.push(&meanwhile, w.now);
    outbox.refused(&meanwhile.id(), "unknown_signer", "no such key");
    assert_eq!(follow(&mut me, &outbox), Some(id));
    assert_eq!(me.identities()[0], id);
    let resigned = resign_stale(&me, id, &mut outbox, ORIGIN, w.now, &mut counter()).unwrap();
    assert_eq!(resigned.len(), 1);
    assert_eq!(resigned[0].old, meanwhile.id());
    assert_eq!(resigned[0].new.signer(), current);
    assert_eq!(send(&mut w, &mut outbox), vec![Ok(())]);
}

#[test]
fn what_another_key_signed_is_never_signed_again() {
    let w = World::new();
    let me = device();
    let id = me.identities()[0];
    // A grant someone else signed, handed over and submitted from here.
    let theirs = SignedTx::sign(
        &Body::new(w.now, [4; 8], grant_to(w.clinic, lab_scope())),
        &key(10),
        ORIGIN,
    );
    let mut outbox = Outbox::default();
    outbox.push(&theirs, w.now);
    outbox.refused(&theirs.id(), STALE_KEY, "stale");
    let later = IdentityRef {
        generation: Generation(1),
        ..id
    };
    let resigned = resign_stale(&me, later, &mut outbox, ORIGIN, w.now, &mut counter()).unwrap();
    assert!(resigned.is_empty());
    assert!(outbox.get(&theirs.id()).is_some());
}

#[test]
fn a_key_these_words_do_not_derive_moves_nothing() {
    let mut me = device();
    let id = me.identities()[0];
    let before = me.to_item();
    let err = follow_chain(
        &mut me,
        id,
        &key(99).public_key(),
        &Outbox::default(),
        ORIGIN,
    )
    .unwrap_err();
    assert!(matches!(err, KeySyncError::NotOurs), "{err}");
    assert_eq!(*me.to_item(), *before);
}

#[test]
fn a_grant_its_queued_revocation_carries_and_the_enrolment_are_not_signed_again() {
    let w = World::new();
    let me = device();
    let id = me.identities()[0];
    let sign = |n: u8, kind: Kind| me.sign(id, Body::new(w.now, [n; 8], kind), ORIGIN).unwrap();
    let enroll = sign(
        1,
        Kind::Enroll(Enroll {
            next: me.next_commitment(id).unwrap(),
        }),
    );
    let grant = sign(2, grant_to(w.clinic, lab_scope()));
    let revoke = sign(
        3,
        Kind::Revoke(Revoke {
            grant: GrantId(grant.id().0),
            patient: None,
            via: None,
            embedded_grant: Some(grant.bytes().to_vec()),
        }),
    );
    let mut outbox = Outbox::default();
    for tx in [&enroll, &grant, &revoke] {
        outbox.push(tx, w.now);
        outbox.refused(&tx.id(), STALE_KEY, "stale");
    }
    let later = IdentityRef {
        generation: Generation(1),
        ..id
    };
    let resigned = resign_stale(&me, later, &mut outbox, ORIGIN, w.now, &mut counter()).unwrap();
    assert_eq!(resigned.len(), 1);
    assert_eq!(resigned[0].old, revoke.id());
    assert!(outbox.get(&grant.id()).is_some() && outbox.get(&enroll.id()).is_some());
    // Once the revocation signed again is on the ledger, its grant still
    // stays ended: nothing more is signed.
    let new_revoke = resigned[0].new.id();
    assert!(outbox.included(&new_revoke, 9, 10));
    assert!(
        resign_stale(&me, later, &mut outbox, ORIGIN, w.now, &mut counter())
            .unwrap()
            .is_empty()
    );
    // Refused for another reason: left alone.
    let mut other = Outbox::default();
    other.push(&grant, w.now);
    other.refused(&grant.id(), "unknown_org", "no such organisation");
    assert!(
        resign_stale(&me, id, &mut other, ORIGIN, w.now, &mut counter())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn later_generations_are_tried_first_then_earlier_ones() {
    let at = |g: u32| IdentityRef {
        generation: Generation(g),
        ..IdentityRef::PRIMARY
    };
    let order: Vec<u32> = candidates(at(2)).map(|r| r.generation.0).collect();
    let mut expected: Vec<u32> = (3..=2 + LOOKAHEAD).collect();
    expected.extend([1, 0]);
    assert_eq!(order, expected);
}
