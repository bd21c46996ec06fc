//! Writes one signed transaction of each kind into a folder (the fuzz
//! targets' seed corpus) and prints each one's size in bytes; the first line
//! is the typical grant recorded in BENCHMARKS.md.
//!
//! `cargo run -p assent-core --example sample_transactions [DIR]`

use assent_core::codes::*;
use assent_core::ids::*;
use assent_core::keys::SigningKey;
use assent_core::scope::{Period, Provision, Scope};
use assent_core::tx::*;

fn main() -> std::io::Result<()> {
    let dir = std::env::args().nth(1).map(std::path::PathBuf::from);
    let key = |n: u8| SigningKey::from_secret_bytes(&[n; 32]);
    let t0 = 1_790_000_000;
    // One grantee, three resource types, one deny label, one purpose, a year.
    let typical = Scope {
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
                start: t0,
                end: t0 + 365 * 86_400,
            }),
            ..Provision::default()
        },
        deny: vec![Provision {
            labels: [SecurityLabel::Psy].into(),
            ..Provision::default()
        }],
    };
    let grant = Grant {
        grantee: OrgId([0xab; 32]),
        scope: typical.clone(),
        patient: None,
        via: None,
        request: None,
    };
    let samples = [
        ("typical-grant", Kind::Grant(grant.clone())),
        (
            "delegate-grant",
            Kind::Grant(Grant {
                patient: Some(IdentityId(key(1).public_key())),
                via: Some(DelegationId([9; 32])),
                ..grant
            }),
        ),
        (
            "enroll",
            Kind::Enroll(Enroll {
                next: KeyCommitment::to(&key(2).public_key()),
            }),
        ),
        (
            "rotate-key",
            Kind::RotateKey(RotateKey {
                identity: IdentityId(key(1).public_key()),
                new_key: key(2).public_key(),
                next: KeyCommitment([3; 32]),
            }),
        ),
        (
            "revoke",
            Kind::Revoke(Revoke {
                grant: GrantId([5; 32]),
                patient: None,
                via: None,
                embedded_grant: None,
            }),
        ),
        (
            "delegate",
            Kind::Delegate(Delegate {
                caregiver: IdentityId(key(4).public_key()),
                powers: Powers {
                    grant: true,
                    revoke: true,
                    history: true,
                },
                max_scope: typical,
                period: Period {
                    start: t0,
                    end: t0 + 86_400,
                },
            }),
        ),
        (
            "revoke-delegation",
            Kind::RevokeDelegation(RevokeDelegation {
                delegation: DelegationId([6; 32]),
                cascade: false,
            }),
        ),
        (
            "record-access",
            Kind::RecordAccess(RecordAccess {
                org: OrgId([7; 32]),
                patient: IdentityId(key(1).public_key()),
                ground: AccessGround::Grant(GrantId([5; 32])),
                resources: vec![(ResourceType::Observation, 12)],
                purpose: Purpose::Treat,
                accessed_at: t0,
                basis: Some(1234),
                mode: AccessMode::Person,
                actor: Some(ActorTag {
                    epoch: 20264,
                    tag: [8; 16],
                }),
            }),
        ),
        (
            "propose-register-org",
            Kind::Propose(Propose {
                action: GovAction::RegisterOrg {
                    kind: OrgKind::Hospital,
                    keys: vec![key(7).public_key()],
                    name: "St Example Hospital".into(),
                    endpoints: vec![],
                    member: None,
                },
                expires: t0 + 86_400,
            }),
        ),
        (
            "approve",
            Kind::Approve(Approve {
                proposal: ProposalId([1; 32]),
            }),
        ),
    ];
    for (name, kind) in samples {
        let tx = SignedTx::sign(
            &Body::new(t0, [1, 2, 3, 4, 5, 6, 7, 8], kind),
            &key(1),
            "fuzz.assent.example",
        );
        println!("{name}: {} bytes", tx.bytes().len());
        if let Some(dir) = &dir {
            std::fs::create_dir_all(dir)?;
            std::fs::write(dir.join(format!("{name}.cose")), tx.bytes())?;
        }
    }
    Ok(())
}
