use super::*;
use crate::cbor::{self, MapWriter};
use crate::codes::*;
use crate::ids::*;
use crate::keys::SigningKey;
use crate::scope::{Period, Provision, Scope};
use ciborium::value::Value;

const ORIGIN: &str = "test.assent.example";

fn key(n: u8) -> SigningKey {
    SigningKey::from_secret_bytes(&[n; 32])
}

/// One grant of the size the issue names: one grantee, three resource
/// types, one deny label, one purpose, a one-year period.
pub(crate) fn typical_grant() -> Grant {
    Grant {
        grantee: OrgId([0xab; 32]),
        scope: Scope {
            permit: Provision {
                resource_types: [
                    ResourceType::Observation,
                    ResourceType::DiagnosticReport,
                    ResourceType::MedicationRequest,
                ]
                .into(),
                actions: [Action::Access].into(),
                purposes: [Purpose::Treat].into(),
                period: Some(Period {
                    start: 1_790_000_000,
                    end: 1_790_000_000 + 365 * 86_400,
                }),
                ..Provision::default()
            },
            deny: vec![Provision {
                labels: [SecurityLabel::Psy].into(),
                ..Provision::default()
            }],
        },
        patient: None,
        via: None,
        request: None,
    }
}

fn every_kind() -> Vec<Kind> {
    let k = |n| key(n).public_key();
    vec![
        Kind::Enroll(Enroll {
            next: KeyCommitment::to(&k(2)),
        }),
        Kind::RotateKey(RotateKey {
            identity: IdentityId(k(1)),
            new_key: k(2),
            next: KeyCommitment([3; 32]),
        }),
        Kind::Grant(typical_grant()),
        Kind::Grant(Grant {
            patient: Some(IdentityId(k(1))),
            via: Some(DelegationId([9; 32])),
            request: Some([4; 16]),
            ..typical_grant()
        }),
        Kind::Revoke(Revoke {
            grant: GrantId([5; 32]),
            patient: None,
            via: None,
            embedded_grant: Some(vec![1, 2, 3]),
        }),
        Kind::Delegate(Delegate {
            caregiver: IdentityId(k(4)),
            powers: Powers {
                grant: true,
                revoke: true,
                history: false,
            },
            max_scope: typical_grant().scope,
            period: Period { start: 1, end: 2 },
        }),
        Kind::RevokeDelegation(RevokeDelegation {
            delegation: DelegationId([6; 32]),
            cascade: false,
        }),
        Kind::RevokeDelegation(RevokeDelegation {
            delegation: DelegationId([6; 32]),
            cascade: true,
        }),
        Kind::RecordAccess(RecordAccess {
            org: OrgId([7; 32]),
            patient: IdentityId(k(1)),
            ground: AccessGround::Emergency(EmergencyReason::Unconscious),
            resources: vec![
                (ResourceType::Condition, 2),
                (ResourceType::Observation, 40),
            ],
            purpose: Purpose::Etreat,
            accessed_at: 1_790_000_100,
            basis: None,
            mode: AccessMode::Person,
            actor: Some(ActorTag {
                epoch: 20264,
                tag: [8; 16],
            }),
        }),
        Kind::Propose(Propose {
            action: GovAction::RegisterOrg {
                kind: OrgKind::Clinic,
                keys: vec![k(7)],
                name: "Riverside Clinic".into(),
                endpoints: vec!["https://clinic.example/api".into()],
                member: None,
            },
            expires: 1_800_000_000,
        }),
        Kind::Approve(Approve {
            proposal: ProposalId([1; 32]),
        }),
        Kind::Propose(Propose {
            action: GovAction::RegisterOrg {
                kind: OrgKind::Hospital,
                keys: vec![k(8)],
                name: "St Mary's".into(),
                endpoints: vec![],
                member: Some(k(9)),
            },
            expires: 1_800_000_000,
        }),
        Kind::Propose(Propose {
            action: GovAction::RegisterMonitor {
                key: k(10),
                operator: OrgId([2; 32]),
            },
            expires: 1_800_000_000,
        }),
        Kind::Propose(Propose {
            action: GovAction::SuspendOrg(Suspension {
                org: OrgId([3; 32]),
                purposes: vec![Purpose::Treat, Purpose::Hpaymt],
                hours: 72,
                evidence: ContentHash([4; 32]),
                case: Some(CaseId([5; 32])),
            }),
            expires: 1_800_000_000,
        }),
        Kind::Propose(Propose {
            action: GovAction::ReinstateOrg {
                suspension: ProposalId([6; 32]),
            },
            expires: 1_800_000_000,
        }),
        Kind::RegisterModel(RegisterModel {
            params: ContentHash([7; 32]),
            code_version: "assent-monitor-0.1.0+abc".into(),
            seed: u64::MAX,
            window: (0, 264_178),
            training: TrainingSummary {
                accesses: 246_045,
                orgs: 12,
                actors: 900,
                patients: 5_000,
            },
            evaluation: ContentHash([8; 32]),
        }),
        Kind::ActivateModel(ActivateModel {
            model: ModelId([9; 32]),
        }),
        monitoring_alert(),
        Kind::DisputeAccess(DisputeAccess {
            access: TxId([10; 32]),
            reason: DisputeReason::NoEmergency,
        }),
    ]
}

fn monitoring_alert() -> Kind {
    Kind::MonitoringAlert(MonitoringAlert {
        model: ModelId([9; 32]),
        case: CaseId([11; 32]),
        org: OrgId([12; 32]),
        actor: Some(ActorTag {
            epoch: 20264,
            tag: [13; 16],
        }),
        score: Score::MAX,
        reasons: vec![AlertReason::UnusualHour, AlertReason::OutsideUsualPatients],
        features: ContentHash([14; 32]),
        accesses: vec![TxId([1; 32]), TxId([2; 32])],
    })
}

#[test]
fn monitoring_fields_have_one_encoding_and_bounds() {
    let open = |body: &Value| SignedTx::open(&signed(cbor::encode(body), &key(1)), ORIGIN);
    let alert =
        cbor::decode(&Body::new(1_790_000_000, [0; 8], monitoring_alert()).to_bytes()).unwrap();
    assert!(open(&alert).is_ok());
    let with = |field: u64, value: Value| {
        let mut v = alert.clone();
        if let Value::Map(entries) = &mut v {
            for (k, x) in entries.iter_mut() {
                if *k == cbor::u(field) {
                    *x = value.clone();
                }
            }
        }
        v
    };
    let id = |n: u8| Value::Bytes(vec![n; 32]);
    // Sets: sorted, each once, never empty, bounded.
    for bad in [
        Value::Array(vec![id(2), id(1)]),
        Value::Array(vec![id(1), id(1)]),
    ] {
        assert!(matches!(
            open(&with(11, bad)),
            Err(TxError::NonCanonical(_))
        ));
    }
    assert!(matches!(
        open(&with(11, Value::Array(vec![]))),
        Err(TxError::Malformed(_))
    ));
    let many = Value::Array((0..=MAX_FLAGGED as u8).map(id).collect());
    assert!(open(&with(11, many)).is_err());
    assert!(matches!(
        open(&with(9, Value::Array(vec![cbor::u(99)]))),
        Err(TxError::UnknownCode(_))
    ));
    assert!(matches!(
        open(&with(9, Value::Array(vec![cbor::u(6), cbor::u(3)]))),
        Err(TxError::NonCanonical(_))
    ));
    // A score above one.
    assert!(matches!(
        open(&with(8, cbor::u(1_000_001))),
        Err(TxError::Malformed(_))
    ));

    // A model's code version is a version string, not free text.
    let Some(Kind::RegisterModel(mut model)) = every_kind()
        .into_iter()
        .find(|k| matches!(k, Kind::RegisterModel(_)))
    else {
        panic!("every_kind has a model")
    };
    model.code_version = "hello world".into();
    let body = Body::new(1_790_000_000, [0; 8], Kind::RegisterModel(model.clone()));
    assert!(matches!(
        open(&cbor::decode(&body.to_bytes()).unwrap()),
        Err(TxError::Malformed(_))
    ));
    model.code_version = "v1".into();
    model.window = (5, 5);
    let body = Body::new(1_790_000_000, [0; 8], Kind::RegisterModel(model));
    assert!(matches!(
        open(&cbor::decode(&body.to_bytes()).unwrap()),
        Err(TxError::Malformed(_))
    ));
}

#[test]
fn every_kind_signs_and_opens() {
    for kind in every_kind() {
        let body = Body::new(1_790_000_000, [1, 2, 3, 4, 5, 6, 7, 8], kind);
        let tx = SignedTx::sign(&body, &key(1), ORIGIN);
        let opened = SignedTx::open(tx.bytes(), ORIGIN).unwrap();
        assert_eq!(opened.body(), &body, "{}", body.kind.name());
        assert_eq!(opened.id(), TxId::of(tx.bytes()));
        assert_eq!(opened.signer(), key(1).public_key());
    }
}

#[test]
fn a_typical_grant_fits_a_small_qr_code() {
    let body = Body::new(1_790_000_000, [0; 8], Kind::Grant(typical_grant()));
    let tx = SignedTx::sign(&body, &key(1), ORIGIN);
    // 300 bytes is the hard ceiling; about 200 keeps the QR at version 10.
    assert!(tx.bytes().len() <= 300, "{} bytes", tx.bytes().len());
    assert!(tx.bytes().len() <= 215, "{} bytes", tx.bytes().len());
}

fn signed(body_bytes: Vec<u8>, signer: &SigningKey) -> Vec<u8> {
    let mut sign1 = coset::CoseSign1Builder::new()
        .protected(
            coset::HeaderBuilder::new()
                .algorithm(coset::iana::Algorithm::EdDSA)
                .key_id(signer.public_key().to_bytes().to_vec())
                .build(),
        )
        .payload(body_bytes)
        .build();
    sign1.signature = signer.sign(&sign1.tbs_data(&aad("tx", ORIGIN))).to_vec();
    coset::TaggedCborSerializable::to_tagged_vec(sign1).unwrap()
}

fn good() -> SignedTx {
    SignedTx::sign(
        &Body::new(1_790_000_000, [0; 8], Kind::Grant(typical_grant())),
        &key(1),
        ORIGIN,
    )
}

#[test]
fn envelope_faults_are_distinct_errors() {
    let tx = good();
    let open = |b: &[u8]| SignedTx::open(b, ORIGIN).unwrap_err();

    assert_eq!(
        SignedTx::open(tx.bytes(), "another.ledger").unwrap_err(),
        TxError::BadSignature
    );
    let mut flipped = tx.bytes().to_vec();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert_eq!(open(&flipped), TxError::BadSignature);

    let mut trailing = tx.bytes().to_vec();
    trailing.push(0);
    assert_eq!(open(&trailing), TxError::TrailingBytes);
    assert!(matches!(
        open(&vec![0u8; MAX_TX_SIZE + 1]),
        TxError::TooLarge { .. }
    ));
    assert!(matches!(open(b"\xa0"), TxError::NotCose(_)));
    // Untagged COSE_Sign1 is refused too.
    assert!(matches!(open(&tx.bytes()[1..]), TxError::NotCose(_)));

    // Another algorithm.
    let mut sign1: coset::CoseSign1 =
        coset::TaggedCborSerializable::from_tagged_slice(tx.bytes()).unwrap();
    sign1.protected = coset::ProtectedHeader {
        original_data: None,
        header: coset::HeaderBuilder::new()
            .algorithm(coset::iana::Algorithm::ES256)
            .key_id(key(1).public_key().to_bytes().to_vec())
            .build(),
    };
    let es256 = coset::TaggedCborSerializable::to_tagged_vec(sign1.clone()).unwrap();
    assert_eq!(open(&es256), TxError::WrongAlgorithm);

    // Anything in the unprotected header, or extra protected fields.
    let mut sign1: coset::CoseSign1 =
        coset::TaggedCborSerializable::from_tagged_slice(tx.bytes()).unwrap();
    sign1.unprotected = coset::HeaderBuilder::new()
        .content_type("application/cbor".into())
        .build();
    let unprotected = coset::TaggedCborSerializable::to_tagged_vec(sign1).unwrap();
    assert_eq!(open(&unprotected), TxError::UnprotectedHeader);
    let mut sign1: coset::CoseSign1 =
        coset::TaggedCborSerializable::from_tagged_slice(tx.bytes()).unwrap();
    sign1.protected = coset::ProtectedHeader {
        original_data: None,
        header: coset::HeaderBuilder::new()
            .algorithm(coset::iana::Algorithm::EdDSA)
            .key_id(key(1).public_key().to_bytes().to_vec())
            .content_type("application/cbor".into())
            .build(),
    };
    let extra = coset::TaggedCborSerializable::to_tagged_vec(sign1).unwrap();
    assert_eq!(open(&extra), TxError::ProtectedHeader);
}

#[test]
fn a_reordered_protected_header_is_not_canonical() {
    // {4: kid, 1: -8} instead of {1: -8, 4: kid}: same header, other bytes.
    // The signature over those bytes is valid; only the canonical check stops it.
    let k = key(1);
    let mut protected = vec![0xa2, 0x04, 0x58, 0x20];
    protected.extend_from_slice(&k.public_key().to_bytes());
    protected.extend_from_slice(&[0x01, 0x27]);
    let body = Body::new(
        1_790_000_000,
        [0; 8],
        Kind::Approve(Approve {
            proposal: ProposalId([1; 32]),
        }),
    );
    let mut sign1 = coset::CoseSign1Builder::new()
        .payload(body.to_bytes())
        .build();
    sign1.protected = coset::ProtectedHeader {
        original_data: Some(protected.clone()),
        header: coset::HeaderBuilder::new()
            .algorithm(coset::iana::Algorithm::EdDSA)
            .key_id(k.public_key().to_bytes().to_vec())
            .build(),
    };
    sign1.signature = k.sign(&sign1.tbs_data(&aad("tx", ORIGIN))).to_vec();
    let bytes = coset::TaggedCborSerializable::to_tagged_vec(sign1).unwrap();
    assert!(
        bytes.windows(protected.len()).any(|w| w == protected),
        "the odd order is on the wire"
    );
    assert!(matches!(
        SignedTx::open(&bytes, ORIGIN).unwrap_err(),
        TxError::NonCanonical(_)
    ));
}

#[test]
fn organisation_names_refuse_bidi_controls() {
    let propose = |name: &str| {
        Kind::Propose(Propose {
            action: GovAction::RegisterOrg {
                kind: OrgKind::Clinic,
                keys: vec![key(7).public_key()],
                name: name.into(),
                endpoints: vec![],
                member: None,
            },
            expires: 1,
        })
    };
    let ok = SignedTx::sign(
        &Body::new(1, [0; 8], propose("Riverside Clinic")),
        &key(1),
        ORIGIN,
    );
    assert!(SignedTx::open(ok.bytes(), ORIGIN).is_ok());
    let spoof = SignedTx::sign(
        &Body::new(1, [0; 8], propose("cinilC \u{202E}edisreviR")),
        &key(1),
        ORIGIN,
    );
    assert!(matches!(
        SignedTx::open(spoof.bytes(), ORIGIN),
        Err(TxError::Malformed(_))
    ));
}

#[test]
fn a_malleated_signature_is_refused() {
    // S + L verifies under lax rules; verify_strict (PROTOCOL §9) refuses it.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let tx = good();
    let mut sign1: coset::CoseSign1 =
        coset::TaggedCborSerializable::from_tagged_slice(tx.bytes()).unwrap();
    let mut carry = 0u16;
    for (s_byte, l_byte) in sign1.signature[32..].iter_mut().zip(L) {
        let sum = u16::from(*s_byte) + u16::from(l_byte) + carry;
        *s_byte = sum as u8;
        carry = sum >> 8;
    }
    let bytes = coset::TaggedCborSerializable::to_tagged_vec(sign1).unwrap();
    assert_eq!(
        SignedTx::open(&bytes, ORIGIN).unwrap_err(),
        TxError::BadSignature
    );
}

fn header(kind: u64) -> MapWriter {
    MapWriter::new()
        .put(0, cbor::u(1))
        .put(1, cbor::u(kind))
        .put(2, cbor::u(1_790_000_000))
        .put(3, Value::Bytes(vec![0; 8]))
}

#[test]
fn payload_faults_are_distinct_errors() {
    let open = |payload: Vec<u8>| SignedTx::open(&signed(payload, &key(1)), ORIGIN).unwrap_err();
    let approve = |m: MapWriter| m.put(4, Value::Bytes(vec![1; 32]));

    // The good case, written by hand, opens.
    assert!(SignedTx::open(
        &signed(cbor::encode(&approve(header(9)).build()), &key(1)),
        ORIGIN
    )
    .is_ok());

    let v2 = MapWriter::new()
        .put(0, cbor::u(2))
        .put(1, cbor::u(9))
        .put(2, cbor::u(0))
        .put(3, Value::Bytes(vec![0; 8]));
    assert_eq!(
        open(cbor::encode(&approve(v2).build())),
        TxError::UnsupportedVersion(2)
    );
    assert_eq!(
        open(cbor::encode(&approve(header(42)).build())),
        TxError::UnknownKind(42)
    );
    assert!(matches!(
        open(cbor::encode(&approve(header(9)).put(5, cbor::u(0)).build())),
        TxError::Malformed(_)
    ));
    assert!(matches!(
        open(cbor::encode(&header(9).build())),
        TxError::Malformed(_)
    ));

    // An unknown code: access record with purpose 99.
    let mut body = Body::new(1, [0; 8], every_kind().remove(8));
    let Kind::RecordAccess(_) = &mut body.kind else {
        panic!()
    };
    let good = body.to_bytes();
    let mut value = cbor::decode(&good).unwrap();
    if let Value::Map(entries) = &mut value {
        for (k, v) in entries.iter_mut() {
            if *k == cbor::u(9) {
                *v = cbor::u(99);
            }
        }
    }
    assert!(matches!(
        open(cbor::encode(&value)),
        TxError::UnknownCode(_)
    ));

    // Non-canonical: a created time written in 8 bytes instead of 4.
    let mut long = cbor::encode(&approve(header(9)).build());
    let mut created = vec![0x02];
    created.extend(cbor::encode(&cbor::u(1_790_000_000)));
    assert_eq!(created[1], 0x1a, "a four-byte integer");
    let at = long
        .windows(created.len())
        .position(|w| w == created)
        .unwrap();
    long.splice(at + 1..at + 2, [0x1b, 0, 0, 0, 0]);
    assert!(matches!(open(long), TxError::NonCanonical(_)));

    // Keys out of order, and a duplicate key.
    let swapped = Value::Map(vec![
        (cbor::u(1), cbor::u(9)),
        (cbor::u(0), cbor::u(1)),
        (cbor::u(2), cbor::u(0)),
        (cbor::u(3), Value::Bytes(vec![0; 8])),
        (cbor::u(4), Value::Bytes(vec![1; 32])),
    ]);
    assert!(matches!(
        open(cbor::encode(&swapped)),
        TxError::NonCanonical(_)
    ));
    let mut dup = match approve(header(9)).build() {
        Value::Map(e) => e,
        _ => unreachable!(),
    };
    dup.push((cbor::u(4), Value::Bytes(vec![1; 32])));
    assert!(matches!(
        open(cbor::encode(&Value::Map(dup))),
        TxError::NonCanonical(_)
    ));

    // A nonce of the wrong length.
    let short_nonce = MapWriter::new()
        .put(0, cbor::u(1))
        .put(1, cbor::u(9))
        .put(2, cbor::u(0))
        .put(3, Value::Bytes(vec![0; 7]));
    assert!(matches!(
        open(cbor::encode(&approve(short_nonce).build())),
        TxError::Malformed(_)
    ));
}
