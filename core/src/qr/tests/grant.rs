use super::*;
use crate::codes::{Action, Category};
use crate::ids::{GrantId, KeyCommitment};
use crate::qr::{
    decode_grant, encode_grant, CodeKind, Item, QrError, MAX_GRANT_BYTES, MAX_GRANT_TEXT,
};
use crate::scope::MAX_DENIES;
use crate::tx::{Enroll, Revoke, TxError};

fn decode(text: &str) -> Result<crate::qr::GrantCode, QrError> {
    decode_grant(text, ORIGIN)
}

#[test]
fn a_patient_grant_round_trips_with_its_ledger_id() {
    let mut w = World::new();
    let grant = patient_grant(&mut w);
    let text = encode_grant(&grant, None).unwrap();
    assert!(text.starts_with("AS1:") && base45::is_alphabet(&text));
    let code = decode(&text).unwrap();
    assert_eq!(code.grant(), &grant);
    assert_eq!(code.grant().id(), grant.id());
    assert_eq!(code.terms().scope, typical_scope());
    assert_eq!(code.delegation(), None);
    assert_eq!(code.to_text(), text);
    // Embedded items: one array byte on top of the grant's own bytes.
    assert_eq!(
        base45::decode(&text[4..]).unwrap().len(),
        1 + grant.bytes().len()
    );
}

#[test]
fn a_caregiver_grant_round_trips_with_its_delegation() {
    let mut w = World::new();
    let (grant, delegation) = delegate_grant(&mut w);
    let text = encode_grant(&grant, Some(&delegation)).unwrap();
    let code = decode(&text).unwrap();
    assert_eq!(code.grant().id(), grant.id());
    assert_eq!(code.delegation().map(SignedTx::id), Some(delegation.id()));
    assert_eq!(code.to_text(), text);
    let (g, d) = code.into_parts();
    assert_eq!((g, d), (grant, Some(delegation)));
}

#[test]
fn encode_refuses_what_decode_would_refuse() {
    let mut w = World::new();
    let grant = patient_grant(&mut w);
    let (via_grant, delegation) = delegate_grant(&mut w);
    let (_, other) = delegate_grant(&mut w);
    assert_eq!(
        encode_grant(&delegation, None),
        Err(QrError::NotAGrant { kind: "Delegate" })
    );
    assert_eq!(
        encode_grant(&via_grant, None),
        Err(QrError::MissingDelegation {
            via: DelegationId(delegation.id().0)
        })
    );
    assert_eq!(
        encode_grant(&grant, Some(&delegation)),
        Err(QrError::UnexpectedDelegation)
    );
    assert_eq!(
        encode_grant(&via_grant, Some(&other)),
        Err(QrError::WrongDelegation {
            named: DelegationId(delegation.id().0),
            found: DelegationId(other.id().0),
        })
    );
    assert_eq!(
        encode_grant(&via_grant, Some(&grant)),
        Err(QrError::NotADelegation { kind: "Grant" })
    );
    let elsewhere = SignedTx::sign(delegation.body(), &key(10), "other.example");
    assert_eq!(
        encode_grant(&via_grant, Some(&elsewhere)),
        Err(QrError::OriginMismatch)
    );
}

/// A grant above the 300-byte ceiling: many deny exceptions.
fn oversized_grant(w: &mut World) -> SignedTx {
    let mut scope = typical_scope();
    scope.deny = (0..MAX_DENIES)
        .map(|i| Provision {
            categories: [Category::Notes].into(),
            actions: [Action::Disclose].into(),
            period: Some(Period {
                start: T0 + i as u64,
                end: T0 + DAY,
            }),
            ..Provision::default()
        })
        .collect();
    let clinic = w.clinic;
    w.ok(&key(10), grant_to(clinic, scope))
}

#[test]
fn a_grant_above_the_ceiling_is_refused_both_ways() {
    let mut w = World::new();
    let big = oversized_grant(&mut w);
    let len = big.bytes().len();
    assert!(len > MAX_GRANT_BYTES, "{len}");
    let too_large = QrError::ItemTooLarge {
        item: Item::Grant,
        len,
        max: MAX_GRANT_BYTES,
    };
    assert_eq!(encode_grant(&big, None), Err(too_large.clone()));
    assert_eq!(
        decode(&grant_text(&array(&[big.bytes()]))).err(),
        Some(too_large)
    );
}

#[test]
fn prefixes_are_checked_first() {
    let mut w = World::new();
    let text = encode_grant(&patient_grant(&mut w), None).unwrap();
    let missing = QrError::MissingPrefix {
        expected: CodeKind::Grant,
    };
    for bad in [
        "",
        "HC1:NCFOXN",
        &text[4..],
        &text.to_lowercase(),
        &format!(" {text}"),
    ] {
        assert_eq!(decode(bad).err(), Some(missing.clone()), "{bad:.12}");
    }
    let request = text.replacen("AS1:", "AR1:", 1);
    let err = decode(&request).unwrap_err();
    assert_eq!(
        err,
        QrError::WrongPrefix {
            expected: CodeKind::Grant,
            found: CodeKind::ConsentRequest
        }
    );
    assert_eq!(
        err.to_string(),
        "this is a consent request (AR1:), not a grant code (AS1:)"
    );
}

#[test]
fn text_is_bounded_before_it_is_decoded() {
    // Not even valid base45: the length alone refuses it.
    let long = format!("AS1:{}", "a".repeat(MAX_GRANT_TEXT));
    assert_eq!(
        decode(&long).err(),
        Some(QrError::TextTooLong {
            len: MAX_GRANT_TEXT + 4,
            max: MAX_GRANT_TEXT
        })
    );
    assert!(matches!(decode("AS1:BB8b"), Err(QrError::Base45(_))));
    assert!(matches!(decode("AS1:GGW"), Err(QrError::Base45(_))));
}

#[test]
fn the_code_must_be_a_canonical_array_of_one_or_two() {
    let mut w = World::new();
    let g = patient_grant(&mut w);
    let g = g.bytes();
    let cases: Vec<(Vec<u8>, QrError)> = vec![
        (g.to_vec(), QrError::NotAnArray),
        (vec![0xa0], QrError::NotAnArray),
        (array(&[]), QrError::ItemCount { found: 0 }),
        (array(&[g, g, g]), QrError::ItemCount { found: 3 }),
        // One item, with its count in a needless one-byte argument.
        (
            [&[0x98, 0x01], g].concat(),
            QrError::NonCanonical("the code's array"),
        ),
        // Indefinite length.
        (
            [&[0x9f], g, &[0xff]].concat(),
            QrError::NonCanonical("the code's array"),
        ),
        (
            [array(&[g]), vec![0x00]].concat(),
            QrError::TrailingBytes(1),
        ),
    ];
    for (bytes, want) in cases {
        assert_eq!(decode(&grant_text(&bytes)).err(), Some(want));
    }
}

#[test]
fn a_truncated_code_is_refused() {
    let mut w = World::new();
    let text = encode_grant(&patient_grant(&mut w), None).unwrap();
    // Cut at a group boundary: valid base45, cut-short CBOR.
    let cut = &text[..4 + ((text.len() - 4) / 3 - 10) * 3];
    assert!(
        matches!(decode(cut), Err(QrError::Cbor(_))),
        "{:?}",
        decode(cut)
    );
    // Cut mid-group: not base45 at all.
    let odd = &text[..text.len() - 1];
    assert!(matches!(decode(odd), Err(QrError::Base45(_))));
}

#[test]
fn a_forged_or_foreign_grant_fails_its_signature() {
    let mut w = World::new();
    let grant = patient_grant(&mut w);
    let mut bytes = grant.bytes().to_vec();
    let last = bytes.len() - 1; // inside the signature, the last item
    bytes[last] ^= 0x01;
    let forged = QrError::Tx {
        item: Item::Grant,
        source: TxError::BadSignature,
    };
    assert_eq!(
        decode(&grant_text(&array(&[&bytes]))).err(),
        Some(forged.clone())
    );
    let text = encode_grant(&grant, None).unwrap();
    assert_eq!(decode_grant(&text, "other.example").err(), Some(forged));
    assert_eq!(
        decode_grant(&text, "other.example")
            .unwrap_err()
            .to_string(),
        "the grant is invalid: the signature does not verify"
    );
}

#[test]
fn other_transactions_are_not_grants() {
    let mut w = World::new();
    let grant = patient_grant(&mut w);
    let revoke = w.ok(
        &key(10),
        Kind::Revoke(Revoke {
            grant: GrantId(grant.id().0),
            patient: None,
            via: None,
            embedded_grant: None,
        }),
    );
    assert_eq!(
        decode(&grant_text(&array(&[revoke.bytes()]))).err(),
        Some(QrError::NotAGrant { kind: "Revoke" })
    );
}

#[test]
fn the_delegation_must_be_exactly_the_one_named() {
    let mut w = World::new();
    let patient = patient_grant(&mut w);
    let (grant, delegation) = delegate_grant(&mut w);
    let via = DelegationId(delegation.id().0);
    let (_, other) = delegate_grant(&mut w);
    let enroll = w.sign(
        &key(40),
        Kind::Enroll(Enroll {
            next: KeyCommitment::to(&key(41).public_key()),
        }),
    );
    let mut forged = delegation.bytes().to_vec();
    let last = forged.len() - 1;
    forged[last] ^= 0x80;
    let cases: Vec<(Vec<u8>, QrError)> = vec![
        (array(&[grant.bytes()]), QrError::MissingDelegation { via }),
        (
            array(&[grant.bytes(), other.bytes()]),
            QrError::WrongDelegation {
                named: via,
                found: DelegationId(other.id().0),
            },
        ),
        (
            array(&[grant.bytes(), enroll.bytes()]),
            QrError::NotADelegation { kind: "Enroll" },
        ),
        (
            array(&[grant.bytes(), &forged]),
            QrError::Tx {
                item: Item::Delegation,
                source: TxError::BadSignature,
            },
        ),
        (
            array(&[patient.bytes(), delegation.bytes()]),
            QrError::UnexpectedDelegation,
        ),
        // The order is fixed: the grant first.
        (
            array(&[delegation.bytes(), grant.bytes()]),
            QrError::NotAGrant { kind: "Delegate" },
        ),
    ];
    for (bytes, want) in cases {
        assert_eq!(decode(&grant_text(&bytes)).err(), Some(want));
    }
}
