use super::*;
use crate::testkit::{grant_to, key, lab_scope, World};
use crate::tx::{Kind, Revoke};

fn receipt(tx: &SignedTx, deadline: u64) -> Receipt {
    Receipt {
        origin: "test".into(),
        tx: tx.id(),
        received: deadline - 60,
        deadline,
        index: Some(7),
    }
}

fn two() -> (SignedTx, SignedTx) {
    let mut w = World::new();
    let clinic = w.clinic;
    let grant = w.ok(&key(10), grant_to(clinic, lab_scope()));
    let revoke = w.sign(
        &key(10),
        Kind::Revoke(Revoke {
            grant: crate::ids::GrantId(grant.id().0),
            patient: None,
            via: None,
            embedded_grant: None,
        }),
    );
    (grant, revoke)
}

#[test]
fn queues_once_and_sends_in_order() {
    let (grant, revoke) = two();
    let mut outbox = Outbox::default();
    assert!(outbox.push(&grant, 1));
    assert!(outbox.push(&revoke, 2));
    assert!(!outbox.push(&grant, 3));
    let order: Vec<_> = outbox.to_send().map(|o| o.id).collect();
    assert_eq!(order, vec![grant.id(), revoke.id()]);
    assert_eq!(outbox.items()[1].kind, "Revoke");
    assert_eq!(outbox.items()[0].bytes(), grant.bytes());
}

#[test]
fn a_receipt_moves_it_out_of_the_queue_and_its_deadline_is_watched() {
    let (grant, revoke) = two();
    let mut outbox = Outbox::default();
    outbox.push(&grant, 1);
    outbox.push(&revoke, 1);
    assert!(outbox.receipt(&receipt(&revoke, 1000), "note"));
    assert!(
        !outbox.receipt(&receipt(&revoke, 2000), "again"),
        "one receipt only"
    );
    assert_eq!(outbox.to_send().count(), 1);
    assert_eq!(outbox.awaiting().count(), 1);
    assert_eq!(outbox.overdue(1000).count(), 0);
    let overdue: Vec<_> = outbox.overdue(1001).collect();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].kind, "Revoke");
    assert!(outbox.included(&revoke.id(), 7, 9));
    assert_eq!(outbox.overdue(5000).count(), 0);
    assert!(!outbox.receipt(&receipt(&revoke, 1000), "late"));
}

#[test]
fn a_replay_answer_is_awaited_not_resent() {
    let (grant, _) = two();
    let mut outbox = Outbox::default();
    outbox.push(&grant, 1);
    assert!(outbox.already_held(&grant.id(), 10, 70));
    assert_eq!(outbox.to_send().count(), 0);
    assert!(outbox.get(&grant.id()).unwrap().is_overdue(71));
}

#[test]
fn refusals_are_kept_and_final() {
    let (grant, _) = two();
    let mut outbox = Outbox::default();
    outbox.push(&grant, 1);
    assert!(outbox.refused(&grant.id(), "no_such_org", "unknown grantee"));
    assert!(!outbox.included(&grant.id(), 1, 2));
    assert!(matches!(
        &outbox.get(&grant.id()).unwrap().state,
        State::Refused { code, .. } if code == "no_such_org"
    ));
    let json = serde_json::to_string(&outbox).unwrap();
    assert_eq!(serde_json::from_str::<Outbox>(&json).unwrap(), outbox);
}
