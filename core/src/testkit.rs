//! A small consortium for unit tests: governance, two organisations, a
//! patient and a caregiver, and helpers to sign and apply transactions.
#![allow(clippy::result_large_err)]

use crate::codes::*;
use crate::ids::*;
use crate::keys::SigningKey;
use crate::scope::{Period, Provision, Scope};
use crate::state::{ConsentState, Effect, Genesis, Refusal, Role};
use crate::tx::*;

pub const ORIGIN: &str = "test.assent.example";
pub const T0: u64 = 1_790_000_000;
pub const DAY: u64 = 86_400;

pub fn key(n: u8) -> SigningKey {
    SigningKey::from_secret_bytes(&[n; 32])
}

/// Keys: 1–3 governance (3 = regulator), 10 patient (11 its next key,
/// 12 the one after), 20 caregiver (21 next), 30 clinic, 31 insurer.
pub struct World {
    pub state: ConsentState,
    pub now: u64,
    nonce: u64,
    pub clinic: OrgId,
    pub insurer: OrgId,
    /// Every accepted transaction with its leaf time, in order.
    pub log: Vec<(SignedTx, u64)>,
}

impl World {
    pub fn new() -> Self {
        let genesis = Genesis::new(
            ORIGIN,
            vec![
                (key(1).public_key(), Role::Member),
                (key(2).public_key(), Role::Member),
                (key(3).public_key(), Role::Regulator),
            ],
            2,
        );
        let mut w = World {
            state: ConsentState::new(genesis),
            now: T0,
            nonce: 0,
            clinic: OrgId([0; 32]),
            insurer: OrgId([0; 32]),
            log: Vec::new(),
        };
        w.clinic = w.register(OrgKind::Clinic, 30, "Riverside Clinic");
        w.insurer = w.register(OrgKind::Insurer, 31, "Acme Insurance");
        w.ok(
            &key(10),
            Kind::Enroll(Enroll {
                next: KeyCommitment::to(&key(11).public_key()),
            }),
        );
        w.ok(
            &key(20),
            Kind::Enroll(Enroll {
                next: KeyCommitment::to(&key(21).public_key()),
            }),
        );
        w
    }

    pub fn patient(&self) -> IdentityId {
        IdentityId(key(10).public_key())
    }

    pub fn caregiver(&self) -> IdentityId {
        IdentityId(key(20).public_key())
    }

    pub fn sign(&mut self, signer: &SigningKey, kind: Kind) -> SignedTx {
        self.nonce += 1;
        SignedTx::sign(
            &Body::new(self.now, self.nonce.to_be_bytes(), kind),
            signer,
            ORIGIN,
        )
    }

    pub fn apply(
        &mut self,
        signer: &SigningKey,
        kind: Kind,
    ) -> Result<(SignedTx, Effect), Refusal> {
        let tx = self.sign(signer, kind);
        let now = self.now;
        let effect = self.state.apply(&tx, now)?;
        self.log.push((tx.clone(), now));
        Ok((tx, effect))
    }

    pub fn ok(&mut self, signer: &SigningKey, kind: Kind) -> SignedTx {
        self.apply(signer, kind)
            .unwrap_or_else(|e| panic!("refused: {e}"))
            .0
    }

    /// The patient rotates: key 10 (which enrolled committing to key 11)
    /// reveals key 11 and commits to key 12.
    pub fn rotate_patient(&mut self) -> SignedTx {
        let identity = self.patient();
        self.ok(
            &key(10),
            Kind::RotateKey(RotateKey {
                identity,
                new_key: key(11).public_key(),
                next: KeyCommitment::to(&key(12).public_key()),
            }),
        )
    }

    /// Applies and expects a refusal, checking that nothing changed.
    pub fn refused(&mut self, signer: &SigningKey, kind: Kind) -> Refusal {
        let before = self.state.clone();
        let err = self.apply(signer, kind).expect_err("should be refused");
        assert_eq!(
            self.state, before,
            "a refused transaction changed the state"
        );
        err
    }

    fn register(&mut self, kind: OrgKind, n: u8, name: &str) -> OrgId {
        let propose = self.ok(
            &key(1),
            Kind::Propose(Propose {
                action: GovAction::RegisterOrg {
                    kind,
                    keys: vec![key(n).public_key()],
                    name: name.into(),
                    endpoints: vec![],
                    member: None,
                },
                expires: self.now + 7 * DAY,
            }),
        );
        let proposal = ProposalId(propose.id().0);
        self.ok(&key(2), Kind::Approve(Approve { proposal }));
        OrgId(proposal.0)
    }
}

/// Observations and reports, for treatment, to read, for a year from T0.
pub fn lab_scope() -> Scope {
    Scope {
        permit: Provision {
            resource_types: [ResourceType::Observation, ResourceType::DiagnosticReport].into(),
            actions: [Action::Access].into(),
            purposes: [Purpose::Treat].into(),
            period: Some(Period {
                start: T0,
                end: T0 + 365 * DAY,
            }),
            ..Provision::default()
        },
        deny: vec![],
    }
}

pub fn grant_to(grantee: OrgId, scope: Scope) -> Kind {
    Kind::Grant(Grant {
        grantee,
        scope,
        patient: None,
        via: None,
        request: None,
    })
}

/// The world's log replayed into a replica (a ledger's view of it).
pub fn replica_of(w: &World) -> crate::replica::Replica {
    let mut replica = crate::replica::Replica::new(w.state.genesis().clone());
    for (tx, time) in &w.log {
        replica.append(tx, *time).expect("the world's log replays");
    }
    replica
}

/// A one-validator trust policy for the world's origin, and the keys to
/// sign checkpoints under it.
pub struct Quorum {
    pub policy: crate::trust::TrustPolicy,
    sequencer: SigningKey,
    validator: SigningKey,
}

impl Quorum {
    pub fn new() -> Self {
        use crate::note::{Vkey, VkeyKind};
        let (sequencer, receipt, validator) = (key(90), key(91), key(92));
        let policy = crate::trust::TrustPolicy {
            origin: ORIGIN.into(),
            sequencer: Vkey::new("seq", VkeyKind::Ed25519, sequencer.public_key()).unwrap(),
            receipt: Vkey::new("rcpt", VkeyKind::Ed25519, receipt.public_key()).unwrap(),
            validators: vec![crate::trust::ValidatorEntry {
                vkey: Vkey::new("v1", VkeyKind::CosignatureV1, validator.public_key()).unwrap(),
                url: "http://v1.test".into(),
            }],
            k: 1,
            max_view_age: 300,
            merge_delay: 60,
            protocol: 1,
        };
        Quorum {
            policy,
            sequencer,
            validator,
        }
    }

    /// A checkpoint note with the sequencer's signature only.
    pub fn sequenced(&self, checkpoint: crate::note::Checkpoint) -> String {
        let signed =
            crate::note::SignedCheckpoint::sign(checkpoint, "seq", &self.sequencer).unwrap();
        String::from_utf8(signed.to_bytes()).unwrap()
    }

    /// A receipt note signed with `key` (the receipt key is `key(91)`).
    pub fn receipt(&self, receipt: &crate::note::Receipt, key: &SigningKey) -> String {
        receipt.sign("rcpt", key).unwrap()
    }

    /// Signs and cosigns (at `time`) a checkpoint, and verifies it.
    pub fn verified(
        &self,
        checkpoint: crate::note::Checkpoint,
        time: u64,
    ) -> crate::trust::VerifiedCheckpoint {
        let mut signed =
            crate::note::SignedCheckpoint::sign(checkpoint, "seq", &self.sequencer).unwrap();
        signed.cosign("v1", &self.validator, time).unwrap();
        self.policy.verify_checkpoint(signed.to_bytes()).unwrap()
    }
}
