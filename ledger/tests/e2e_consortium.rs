//! A sequencer and three validators as real processes on loopback: consent
//! transactions go in, and a wallet-side check verifies the quorum
//! checkpoint, inclusion, consistency and one patient's complete history.

mod common;

use assent_core::codes::{AccessMode, OrgKind, Purpose, ResourceType};
use assent_core::history::{verify_history, ServedEntry, ServedHistory};
use assent_core::ids::{DelegationId, GrantId, IdentityId, KeyCommitment, OrgId, ProposalId};
use assent_core::merkle::tile_path::{split_bundle, TilePath};
use assent_core::merkle::{self, leaf_hash, Hash};
use assent_core::replica::{grant_key, Head, Status};
use assent_core::scope::{Period, Provision, Scope};
use assent_core::smt::MapProof;
use assent_core::tx::*;
use common::*;
use serde_json::{json, Value};

fn register(
    c: &Consortium,
    kind: OrgKind,
    name: &str,
    key: &assent_core::keys::SigningKey,
) -> OrgId {
    let propose = sign(
        &c.key("governance-1.key"),
        Kind::Propose(Propose {
            action: GovAction::RegisterOrg {
                kind,
                keys: vec![key.public_key()],
                name: name.into(),
                endpoints: vec![],
                member: None,
            },
            expires: now() + 86_400,
        }),
    );
    c.ok(&propose);
    let proposal = ProposalId(propose.id().0);
    c.ok(&sign(
        &c.key("governance-2.key"),
        Kind::Approve(Approve { proposal }),
    ));
    OrgId(proposal.0)
}

fn scope() -> Scope {
    Scope {
        permit: Provision {
            resource_types: [ResourceType::Observation].into(),
            actions: [assent_core::codes::Action::Access].into(),
            purposes: [Purpose::Treat].into(),
            period: Some(Period {
                start: now() - 60,
                end: now() + 86_400 * 30,
            }),
            ..Provision::default()
        },
        deny: vec![],
    }
}

fn served_history(answer: &Value) -> ServedHistory {
    ServedHistory {
        head: answer["head"].as_object().map(|h| Head {
            count: h["count"].as_u64().unwrap(),
            index: h["index"].as_u64().unwrap(),
            leaf_hash: Hash(b64(&h["leaf_hash"]).try_into().unwrap()),
        }),
        head_proof: MapProof::from_bytes(&b64(&answer["head_proof"])).unwrap(),
        entries: answer["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| ServedEntry {
                index: e["index"].as_u64().unwrap(),
                leaf: b64(&e["leaf"]),
                inclusion: hashes(&e["inclusion"]),
            })
            .collect(),
    }
}

#[test]
fn a_consortium_sequences_validates_cosigns_and_proves() {
    let mut c = Consortium::new();
    c.start_sequencer();
    for i in 1..=3 {
        c.start_validator(i, None);
    }
    let trust = c.trust();

    // Governance registers a clinic; a patient and a caregiver enrol.
    let clinic_key = fresh_key();
    let clinic = register(&c, OrgKind::Clinic, "Riverside Clinic", &clinic_key);
    let (patient, patient_next) = (fresh_key(), fresh_key());
    let (caregiver, caregiver_next) = (fresh_key(), fresh_key());
    for (key, next) in [(&patient, &patient_next), (&caregiver, &caregiver_next)] {
        c.ok(&sign(
            key,
            Kind::Enroll(Enroll {
                next: KeyCommitment::to(&next.public_key()),
            }),
        ));
    }
    let patient_id = IdentityId(patient.public_key());

    // A grant, a delegation, an access record; note the checkpoint.
    let grant = sign(
        &patient,
        Kind::Grant(Grant {
            grantee: clinic,
            scope: scope(),
            patient: None,
            via: None,
            request: None,
        }),
    );
    let receipt = c.ok(&grant);
    let grant_id = GrantId(grant.id().0);
    let delegation = sign(
        &patient,
        Kind::Delegate(Delegate {
            caregiver: IdentityId(caregiver.public_key()),
            powers: Powers {
                grant: true,
                revoke: true,
                history: true,
            },
            max_scope: scope(),
            period: Period {
                start: now() - 60,
                end: now() + 86_400,
            },
        }),
    );
    c.ok(&delegation);
    let access = sign(
        &clinic_key,
        Kind::RecordAccess(RecordAccess {
            org: clinic,
            patient: patient_id,
            ground: AccessGround::Grant(grant_id),
            resources: vec![(ResourceType::Observation, 2)],
            purpose: Purpose::Treat,
            accessed_at: now(),
            basis: None,
            mode: AccessMode::Person,
            actor: None,
        }),
    );
    c.ok(&access);
    let first = c.latest();
    let first_note = c.wait_cosigned(first.size);
    let first_verified = trust.verify_checkpoint(first_note.as_bytes()).unwrap();

    // The receipt is signed by the receipt key and names the transaction.
    let r =
        assent_core::note::Receipt::verify(receipt["receipt"].as_str().unwrap(), &trust.receipt)
            .unwrap();
    assert_eq!(r.tx, grant.id());
    assert_eq!(r.index, receipt["index"].as_u64());

    // A replay and a revocation.
    let (status, body) = c.submit(&grant);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("replay"))
    );
    c.ok(&sign(
        &caregiver,
        Kind::Revoke(Revoke {
            grant: grant_id,
            patient: Some(patient_id),
            via: Some(DelegationId(delegation.id().0)),
            embedded_grant: None,
        }),
    ));
    let second = c.latest();
    let note = c.wait_cosigned(second.size);

    // Wallet side: the quorum checkpoint, fresh.
    let verified = trust.verify_checkpoint(note.as_bytes()).unwrap();
    assert!(verified.cosigned_by().len() >= 2);
    assert!(verified.is_fresh(now(), trust.max_view_age));
    let cp = verified.checkpoint().clone();

    // Consistency from the first verified checkpoint.
    let cons = c.json(&format!(
        "/api/v1/consistency?first={}&second={}",
        first.size, cp.size
    ));
    merkle::verify_consistency(
        first.size,
        cp.size,
        &Hash(first_verified.checkpoint().root),
        &Hash(cp.root),
        &hashes(&cons["proof"]),
    )
    .unwrap();

    // Inclusion of the grant by its id.
    let inc = c.json(&format!(
        "/api/v1/inclusion?tx={}&size={}",
        grant.id(),
        cp.size
    ));
    let leaf = Hash(b64(&inc["leaf_hash"]).try_into().unwrap());
    merkle::verify_inclusion(
        inc["index"].as_u64().unwrap(),
        cp.size,
        &leaf,
        &hashes(&inc["proof"]),
        &Hash(cp.root),
    )
    .unwrap();

    // The patient's history: complete, every entry included and linked.
    let history = format!("/api/v1/history/{}?size={}", patient.public_key(), cp.size);
    let answer = c.signed_json(&history, &patient);
    // Reads are signed: none, a stranger's, or one for another request is refused.
    assert_eq!(c.get(&history).status().as_u16(), 401);
    assert_eq!(c.signed_get(&history, &fresh_key()).status().as_u16(), 403);
    let other = assent_core::read_auth::sign(
        &patient,
        "local.assent.example",
        "GET",
        "/api/v1/orgs",
        now(),
    );
    let replayed = c
        .http
        .get(format!("{}{history}", c.url))
        .header("authorization", other)
        .send()
        .unwrap();
    assert_eq!(replayed.status().as_u16(), 401);
    // The caregiver holds the history power.
    assert_eq!(c.signed_json(&history, &caregiver), answer);
    let (entries, synced) =
        verify_history(&cp, &patient_id, None, &served_history(&answer)).unwrap();
    let kinds: Vec<&str> = entries.iter().map(|e| e.tx.body().kind.name()).collect();
    assert_eq!(
        kinds,
        ["Enroll", "Grant", "Delegate", "RecordAccess", "Revoke"]
    );
    assert_eq!(synced.unwrap().count, 5);
    // Withholding one entry is caught.
    let mut lying = served_history(&answer);
    lying.entries.remove(1);
    assert!(verify_history(&cp, &patient_id, None, &lying).is_err());

    // The grant's status: revoked, with a map proof at the checkpoint.
    let status = c.signed_json(
        &format!("/api/v1/status/grant/{grant_id}?size={}", cp.size),
        &clinic_key,
    );
    let value = Status {
        live: false,
        since: status["status"]["since"].as_u64().unwrap(),
    };
    MapProof::from_bytes(&b64(&status["proof"]))
        .unwrap()
        .verify(
            cp.state_root,
            &grant_key(&grant_id),
            Some(value.value_hash()),
        )
        .unwrap();

    // A decision after the revocation is a denial.
    let question = json!({
        "patient": patient.public_key().to_string(), "grantee": clinic.to_string(),
        "resource_type": "Observation", "action": "access", "purpose": "TREAT",
    });
    let decide: Value = c
        .signed_post("/api/v1/decide", &clinic_key, &question)
        .json()
        .unwrap();
    assert_eq!(decide["decision"], "deny", "{decide}");
    // Only the organisation asked about may ask.
    let status = c
        .signed_post("/api/v1/decide", &patient, &question)
        .status();
    assert_eq!(status.as_u16(), 403);

    // The organisation directory.
    let orgs = c.json("/api/v1/orgs");
    assert!(orgs
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["id"] == clinic.to_string()));

    // The tiles read path: every entry, and the root recomputed from them.
    let mut leaves = Vec::new();
    let mut tile = 0;
    while (tile * 256) < cp.size {
        let width = (cp.size - tile * 256).min(256);
        let path = TilePath {
            level: None,
            index: tile,
            width,
        };
        let bundle = c.get(&format!("/{path}")).bytes().unwrap();
        leaves.extend(split_bundle(&bundle).unwrap().into_iter().map(leaf_hash));
        tile += 1;
    }
    assert_eq!(
        merkle::proofs::root(&leaves[..cp.size as usize]),
        Hash(cp.root)
    );
    let level0 = c.get(&format!(
        "/{}",
        TilePath {
            level: Some(0),
            index: 0,
            width: cp.size.min(256)
        }
    ));
    assert_eq!(level0.bytes().unwrap().len() as u64, 32 * cp.size.min(256));

    // Bad input: clear JSON 4xx errors, never a 500.
    let bad = |method: &str, path: &str, body: Vec<u8>| {
        let r = c
            .http
            .request(method.parse().unwrap(), format!("{}{path}", c.url))
            .body(body)
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().unwrap_or(Value::Null);
        assert!((400..500).contains(&status), "{method} {path}: {status}");
        body["error"]["code"].as_str().unwrap_or("").to_owned()
    };
    assert_eq!(
        bad("POST", "/api/v1/submit", b"not cose".to_vec()),
        "tx_not_cose"
    );
    assert_eq!(
        bad("POST", "/api/v1/submit", vec![0; 100_000]),
        "body_too_large"
    );
    let mut forged = grant.bytes().to_vec();
    let n = forged.len();
    forged[n - 1] ^= 1;
    assert_eq!(bad("POST", "/api/v1/submit", forged), "tx_bad_signature");
    assert_eq!(
        bad("GET", "/api/v1/inclusion?index=99999", vec![]),
        "not_in_tree"
    );
    assert_eq!(bad("GET", "/api/v1/inclusion?index=x", vec![]), "bad_query");
    assert_eq!(
        bad("GET", "/api/v1/history/nonsense", vec![]),
        "bad_identity"
    );
    assert_eq!(bad("GET", "/tile/0/x000/001", vec![]), "bad_tile_path");
    assert_eq!(bad("GET", "/tile/entries/999", vec![]), "no_such_tile");
    assert_eq!(bad("GET", "/nowhere", vec![]), "no_such_route");
    assert_eq!(
        bad("DELETE", "/api/v1/submit", vec![]),
        "method_not_allowed"
    );
    assert_eq!(
        bad("POST", "/api/v1/cosignature", b"{}".to_vec()),
        "bad_json"
    );
    let metrics = c.get("/metrics").text().unwrap();
    assert!(metrics.contains("assent_accepted_total"), "{metrics}");
}
