use super::*;
use crate::qr::encode_grant;
use crate::replica::Status;
use crate::scope::Period;
use crate::testkit::{grant_to, key, lab_scope, replica_of, Quorum, World, DAY, T0};
use crate::tx::{Delegate, Grant, Powers, Revoke};

fn code_for(w: &mut World, grantee: OrgId) -> (String, GrantId) {
    let grant = w.ok(&key(10), grant_to(grantee, lab_scope()));
    (encode_grant(&grant, None).unwrap(), GrantId(grant.id().0))
}

fn origin() -> &'static str {
    crate::testkit::ORIGIN
}

#[test]
fn a_genuine_grant_for_this_clinic_is_valid_offline() {
    let mut w = World::new();
    let clinic = w.clinic;
    let (text, _) = code_for(&mut w, clinic);
    let (code, verdict) = scan(&text, origin(), &clinic, T0 + DAY);
    assert!(code.is_some());
    assert_eq!(
        verdict,
        Verdict::Valid {
            on: Standing::Offline
        }
    );
    assert!(verdict.reason().contains("not checked against the ledger"));
}

#[test]
fn offline_refusals_have_their_own_verdicts() {
    let mut w = World::new();
    let (clinic, insurer) = (w.clinic, w.insurer);
    let (text, _) = code_for(&mut w, clinic);
    assert_eq!(
        scan(&text, origin(), &insurer, T0 + DAY).1,
        Verdict::NotForThisClinic { grantee: clinic }
    );
    assert_eq!(
        scan(&text, origin(), &clinic, T0 + 400 * DAY).1.word(),
        "expired"
    );
    assert_eq!(scan(&text, origin(), &clinic, T0 - DAY).1.word(), "expired");
    // One changed character: forged (or unreadable, which is also forged).
    let mut tampered = text.clone().into_bytes();
    let i = tampered.len() - 10;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_eq!(
        scan(&tampered, origin(), &clinic, T0 + DAY).1.word(),
        "forged"
    );
    // Another ledger's grant does not verify here.
    assert_eq!(
        scan(&text, "other.example", &clinic, T0 + DAY).1.word(),
        "forged"
    );
}

#[test]
fn a_caregivers_grant_needs_a_delegation_that_backs_it() {
    let mut w = World::new();
    let clinic = w.clinic;
    let patient = w.patient();
    let delegate = |w: &World, grant_power: bool| {
        Kind::Delegate(Delegate {
            caregiver: w.caregiver(),
            powers: Powers {
                grant: grant_power,
                revoke: true,
                history: true,
            },
            max_scope: lab_scope(),
            period: Period {
                start: T0,
                end: T0 + 365 * DAY,
            },
        })
    };
    let delegation = w.ok(&key(10), delegate(&w, true));
    let grant = w.ok(
        &key(20),
        Kind::Grant(Grant {
            grantee: clinic,
            scope: lab_scope(),
            patient: Some(patient),
            via: Some(crate::ids::DelegationId(delegation.id().0)),
            request: None,
        }),
    );
    let text = encode_grant(&grant, Some(&delegation)).unwrap();
    assert!(scan(&text, origin(), &clinic, T0 + DAY).1.is_valid());

    // A delegation without the power to grant (signed by the patient, but
    // not backing this grant) is forged.
    let weak = w.sign(&key(10), delegate(&w, false));
    let grant = w.sign(
        &key(20),
        Kind::Grant(Grant {
            grantee: clinic,
            scope: lab_scope(),
            patient: Some(patient),
            via: Some(crate::ids::DelegationId(weak.id().0)),
            request: None,
        }),
    );
    let text = encode_grant(&grant, Some(&weak)).unwrap();
    let verdict = scan(&text, origin(), &clinic, T0 + DAY).1;
    assert_eq!(verdict.word(), "forged", "{verdict:?}");

    // A "delegation" the caregiver signed for themself is forged.
    let selfmade = w.sign(&key(20), delegate(&w, true));
    let grant = w.sign(
        &key(20),
        Kind::Grant(Grant {
            grantee: clinic,
            scope: lab_scope(),
            patient: Some(patient),
            via: Some(crate::ids::DelegationId(selfmade.id().0)),
            request: None,
        }),
    );
    // Offline it cannot be told from a patient who rotated their key: unknown,
    // never valid (the online check below keeps it so).
    let text = encode_grant(&grant, Some(&selfmade)).unwrap();
    let verdict = scan(&text, origin(), &clinic, T0 + DAY).1;
    assert_eq!(verdict.word(), "unknown", "{verdict:?}");
    assert!(verdict.reason().contains("only the ledger can confirm"));
}

/// The ledger's answer on a grant at the world's current checkpoint: its
/// status, or, when absent, what the world's validation says of it once
/// submitted (on a copy, so the checkpoint stays the one proven).
fn answer(w: &World, code: &GrantCode) -> (LedgerAnswer, MapProof) {
    let replica = replica_of(w);
    let key = grant_key(&GrantId(code.grant().id().0));
    let status = replica
        .map_snapshot()
        .get_value(&key)
        .map(|b| Status::from_bytes(b).unwrap());
    let answer = match status {
        Some(status) => LedgerAnswer::Held(status),
        None => match w.state.clone().apply(code.grant(), w.now) {
            Ok(_) => LedgerAnswer::Accepted,
            Err(refusal) => LedgerAnswer::Refused(refusal.to_string()),
        },
    };
    (answer, replica.map_proof(&key))
}

/// The grant's status at the world's current checkpoint, judged online,
/// submitted when the ledger does not hold it.
fn online(w: &World, text: &str, now: u64) -> Verdict {
    let quorum = Quorum::new();
    let (code, offline) = scan(text, origin(), &w.clinic, now);
    let code = code.expect("a genuine code");
    let checkpoint = quorum.verified(replica_of(w).checkpoint(), now);
    let (answer, proof) = answer(w, &code);
    check_online(offline, &code, &checkpoint, 300, now, &answer, &proof)
}

#[test]
fn after_a_key_rotation_only_the_ledger_confirms_the_new_key() {
    let mut w = World::new();
    let (clinic, patient) = (w.clinic, w.patient());
    w.rotate_patient();
    let terms = Kind::Grant(Grant {
        grantee: clinic,
        scope: lab_scope(),
        patient: Some(patient),
        via: None,
        request: None,
    });
    let now = T0 + DAY;
    // On the ledger: unknown offline, valid online.
    let appended = w.ok(&key(11), terms.clone());
    let text = encode_grant(&appended, None).unwrap();
    assert_eq!(scan(&text, origin(), &clinic, now).1.word(), "unknown");
    assert!(matches!(
        online(&w, &text, now),
        Verdict::Valid {
            on: Standing::Live(_)
        }
    ));
    // Not on the ledger yet: the ledger accepts the new key's grant, and
    // it is pending (not valid) until a quorum checkpoint shows it.
    let pending = w.sign(&key(11), terms);
    let text = encode_grant(&pending, None).unwrap();
    let verdict = online(&w, &text, now);
    assert_eq!(verdict, Verdict::Pending);
    assert!(!verdict.is_valid());
    w.state.apply(&pending, w.now).unwrap();
    w.log.push((pending.clone(), w.now));
    assert!(matches!(
        online(&w, &text, now),
        Verdict::Valid {
            on: Standing::Live(_)
        }
    ));
    // The replaced key's grant looks sound offline, but the ledger refuses it.
    let old = w.sign(&key(10), grant_to(clinic, lab_scope()));
    let text = encode_grant(&old, None).unwrap();
    assert!(scan(&text, origin(), &clinic, now).1.is_valid());
    let verdict = online(&w, &text, now);
    assert_eq!(verdict.word(), "unknown", "{verdict:?}");
    assert!(verdict.reason().contains("refuses"), "{}", verdict.reason());
    // A stranger's key naming the patient is never valid either.
    let forged = w.sign(&key(99), grant_to(clinic, lab_scope()));
    let Kind::Grant(mut g) = forged.body().kind.clone() else {
        unreachable!()
    };
    g.patient = Some(patient);
    let forged = w.sign(&key(99), Kind::Grant(g));
    let text = encode_grant(&forged, None).unwrap();
    assert_eq!(online(&w, &text, now).word(), "unknown");
}

#[test]
fn online_the_ledger_decides_live_or_revoked_at_a_fresh_checkpoint() {
    let mut w = World::new();
    let clinic = w.clinic;
    let (text, _) = code_for(&mut w, clinic);
    let quorum = Quorum::new();
    let now = T0 + DAY;
    let (code, offline) = scan(&text, origin(), &clinic, now);
    let code = code.unwrap();
    let check = |w: &World, at: u64| {
        let checkpoint = quorum.verified(replica_of(w).checkpoint(), at);
        let (answer, proof) = answer(w, &code);
        let verdict = check_online(
            offline.clone(),
            &code,
            &checkpoint,
            300,
            now,
            &answer,
            &proof,
        );
        (verdict, answer, proof, checkpoint)
    };
    let (verdict, live, proof, checkpoint) = check(&w, now);
    assert_eq!(
        verdict,
        Verdict::Valid {
            on: Standing::Live(checkpoint.checkpoint().size)
        }
    );

    // A stale view is unknown, never valid.
    let (stale, ..) = check(&w, now - 3600);
    assert_eq!(stale.word(), "unknown");
    assert!(stale.reason().contains("stale"));

    // A ledger that hides the revocation (claims "live" with the old proof
    // at a newer state) is caught by the proof.
    let grant = GrantId(code.grant().id().0);
    w.ok(
        &key(10),
        Kind::Revoke(Revoke {
            grant,
            patient: None,
            via: None,
            embedded_grant: None,
        }),
    );
    let (revoked, ended, ..) = check(&w, now);
    assert!(matches!(revoked, Verdict::Revoked { .. }), "{revoked:?}");
    let newer = quorum.verified(replica_of(&w).checkpoint(), now);
    let lie = check_online(offline.clone(), &code, &newer, 300, now, &live, &proof);
    assert_eq!(lie.word(), "unknown");
    assert_ne!(live, ended);
}

#[test]
fn a_grant_the_ledger_does_not_hold_is_never_valid_before_a_quorum_shows_it() {
    let mut fresh = World::new();
    let now = T0 + DAY;
    let g = fresh.sign(&key(10), grant_to(fresh.clinic, lab_scope()));
    let text = encode_grant(&g, None).unwrap();
    let (code, offline) = scan(&text, origin(), &fresh.clinic, now);
    let code = code.unwrap();
    let replica = replica_of(&fresh);
    let checkpoint = Quorum::new().verified(replica.checkpoint(), now);
    let proof = replica.map_proof(&grant_key(&GrantId(g.id().0)));
    let judge = |answer: LedgerAnswer| {
        check_online(
            offline.clone(),
            &code,
            &checkpoint,
            300,
            now,
            &answer,
            &proof,
        )
    };
    // Accepted by the ledger is not yet confirmed by a quorum: never valid.
    let accepted = judge(LedgerAnswer::Accepted);
    assert_eq!(accepted, Verdict::Pending);
    assert_eq!(accepted.word(), "unknown");
    assert!(!accepted.is_valid());
    assert!(accepted.reason().contains("scan again"));
    let absent = judge(LedgerAnswer::Absent);
    assert_eq!(absent.word(), "unknown");
    assert!(absent.reason().contains("submit it"), "{}", absent.reason());
    let refused = judge(LedgerAnswer::Refused("key replaced".into()));
    assert_eq!(refused.word(), "unknown");
    assert!(refused.reason().contains("key replaced"));
    // An answer claiming it is held, against a proof of absence, is a lie.
    let lie = judge(LedgerAnswer::Held(Status {
        live: true,
        since: 1,
    }));
    assert_eq!(lie.word(), "unknown");
    assert!(lie.reason().contains("proof"), "{}", lie.reason());
}
