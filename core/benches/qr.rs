//! Grant QR codes end to end, for a typical patient-signed grant and a
//! caregiver's grant with its delegation: the code text, the PNG, reading the
//! PNG back (rqrr), and the full offline check of the text (base45, canonical
//! CBOR, strict Ed25519).
//!
//! `cargo bench -p assent-core --bench qr` (add `-- --quick` for a short run).

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use assent_core::codes::{Action, Purpose, ResourceType, SecurityLabel};
use assent_core::ids::{DelegationId, IdentityId, OrgId};
use assent_core::keys::SigningKey;
use assent_core::qr::{decode_grant, decode_image, encode_grant, QrSymbol};
use assent_core::scope::{Period, Provision, Scope};
use assent_core::tx::{Body, Delegate, Grant, Kind, Powers, SignedTx};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

const ORIGIN: &str = "bench.assent.example";
const T: u64 = 1_790_000_000;
/// Pixels per module in the PNG (a version-10 symbol, 57 modules and a
/// 4-module quiet zone each side, is 520 px wide).
const MODULE_PX: u32 = 8;

fn key(n: u8) -> SigningKey {
    SigningKey::from_secret_bytes(&[n; 32])
}

fn scope() -> Scope {
    Scope {
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
                start: T,
                end: T + 365 * 86_400,
            }),
            ..Provision::default()
        },
        deny: vec![Provision {
            labels: [SecurityLabel::Psy].into(),
            ..Provision::default()
        }],
    }
}

fn sign(signer: &SigningKey, nonce: u8, kind: Kind) -> SignedTx {
    SignedTx::sign(&Body::new(T, [nonce; 8], kind), signer, ORIGIN)
}

/// (name, grant, delegation) for both shapes of grant code.
fn codes() -> Vec<(&'static str, SignedTx, Option<SignedTx>)> {
    let (patient, caregiver) = (key(10), key(20));
    let grant = |patient_id, via| {
        Kind::Grant(Grant {
            grantee: OrgId([0x5a; 32]),
            scope: scope(),
            patient: patient_id,
            via,
            request: None,
        })
    };
    let delegation = sign(
        &patient,
        2,
        Kind::Delegate(Delegate {
            caregiver: IdentityId(caregiver.public_key()),
            powers: Powers {
                grant: true,
                revoke: true,
                history: false,
            },
            max_scope: Scope::default(),
            period: Period {
                start: T,
                end: T + 2 * 365 * 86_400,
            },
        }),
    );
    let via = DelegationId(delegation.id().0);
    vec![
        ("patient", sign(&patient, 1, grant(None, None)), None),
        (
            "caregiver",
            sign(
                &caregiver,
                3,
                grant(Some(IdentityId(patient.public_key())), Some(via)),
            ),
            Some(delegation),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    for (name, grant, delegation) in codes() {
        let text = encode_grant(&grant, delegation.as_ref()).expect("a valid grant code");
        let symbol = QrSymbol::new(&text).expect("fits a QR symbol");
        let png = symbol.to_png(MODULE_PX).expect("PNG encodes");
        let cose = grant.bytes().len() + delegation.as_ref().map_or(0, |d| d.bytes().len());
        eprintln!(
            "{name}: grant {} B, code {} B (array head + COSE), text {} chars, \
             QR version {} at M ({} modules), PNG {} B at {MODULE_PX} px/module",
            grant.bytes().len(),
            1 + cose,
            text.len(),
            symbol.version(),
            symbol.modules(),
            png.len()
        );
        assert_eq!(decode_image(&png).expect("reads back"), text);

        let mut g = c.benchmark_group(format!("qr_{name}"));
        g.bench_function("encode_text", |b| {
            b.iter(|| encode_grant(black_box(&grant), black_box(delegation.as_ref())))
        });
        g.bench_function("render_png", |b| {
            b.iter(|| {
                QrSymbol::new(black_box(&text))
                    .and_then(|s| s.to_png(MODULE_PX))
                    .expect("renders")
            })
        });
        g.bench_function("decode_png_rqrr", |b| {
            b.iter(|| decode_image(black_box(&png)).expect("reads"))
        });
        g.bench_function("decode_grant_text", |b| {
            b.iter(|| decode_grant(black_box(&text), ORIGIN).expect("valid"))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
