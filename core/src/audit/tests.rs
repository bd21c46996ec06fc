use super::*;
use crate::codes::AccessMode;
use crate::codes::Action;
use crate::codes::{EmergencyReason, Purpose, ResourceType};
use crate::policy::DenyReason;
use crate::policy::{evaluate, Request};
use crate::replica::Leaf;
use crate::scope::AccessRequest;
use crate::scope::Period;
use crate::testkit::{grant_to, key, lab_scope, World, DAY, T0};
use crate::tx::AccessGround;
use crate::tx::{Delegate, Grant, Powers, Revoke, RevokeDelegation};

/// The trust policy's `max_view_age` (the demo's).
const VIEW_AGE: u64 = 300;

fn access(
    w: &World,
    org: OrgId,
    ground: AccessGround,
    what: ResourceType,
    purpose: Purpose,
    basis: Option<u64>,
) -> Kind {
    Kind::RecordAccess(RecordAccess {
        org,
        patient: w.patient(),
        ground,
        resources: vec![(what, 2)],
        purpose,
        accessed_at: w.now,
        basis,
        mode: AccessMode::Person,
        actor: None,
    })
}

/// The patient's chain as a wallet would hold it after a verified sync.
fn chain(w: &World) -> Vec<VerifiedEntry> {
    w.log
        .iter()
        .enumerate()
        .filter(|(_, (tx, _))| {
            let k = &tx.body().kind;
            tx.signer() == key(10).public_key()
                || matches!(k, Kind::RecordAccess(_))
                || matches!(k, Kind::Grant(g) if g.patient == Some(w.patient()))
        })
        .map(|(i, (tx, time))| VerifiedEntry {
            leaf: Leaf {
                index: i as u64,
                time: *time,
                links: vec![],
                tx: tx.bytes().to_vec(),
            },
            tx: tx.clone(),
        })
        .collect()
}

fn directory(w: &World) -> Vec<(OrgId, OrgKind)> {
    vec![(w.clinic, OrgKind::Clinic), (w.insurer, OrgKind::Insurer)]
}

fn revoke(grant: GrantId) -> Kind {
    Kind::Revoke(Revoke {
        grant,
        patient: None,
        via: None,
        embedded_grant: None,
    })
}

#[test]
fn marks_each_access_and_agrees_with_the_ledgers_engine() {
    let mut w = World::new();
    let clinic = w.clinic;
    let grant = GrantId(w.ok(&key(10), grant_to(clinic, lab_scope())).id().0);
    w.now += 10;
    let obs = access(
        &w,
        clinic,
        AccessGround::Grant(grant),
        ResourceType::Observation,
        Purpose::Treat,
        Some(3),
    );
    w.ok(&key(30), obs);
    let meds = access(
        &w,
        clinic,
        AccessGround::Grant(grant),
        ResourceType::MedicationStatement,
        Purpose::Treat,
        Some(3),
    );
    w.ok(&key(30), meds);
    let insurer = w.insurer;
    let snoop = access(
        &w,
        insurer,
        AccessGround::Grant(grant),
        ResourceType::Observation,
        Purpose::Treat,
        None,
    );
    w.ok(&key(31), snoop);
    let glass = access(
        &w,
        clinic,
        AccessGround::Emergency(EmergencyReason::Unconscious),
        ResourceType::Observation,
        Purpose::Etreat,
        Some(3),
    );
    w.ok(&key(30), glass);
    let fake_glass = access(
        &w,
        insurer,
        AccessGround::Emergency(EmergencyReason::Unconscious),
        ResourceType::Observation,
        Purpose::Etreat,
        Some(3),
    );
    w.ok(&key(31), fake_glass);
    w.now += DAY;
    let revoked_at = w.log.len() as u64;
    w.ok(&key(10), revoke(grant));
    w.now += 10;
    let after = access(
        &w,
        clinic,
        AccessGround::Grant(grant),
        ResourceType::Observation,
        Purpose::Treat,
        Some(revoked_at + 1),
    );
    w.ok(&key(30), after);
    let unseen = access(
        &w,
        clinic,
        AccessGround::Grant(grant),
        ResourceType::Observation,
        Purpose::Treat,
        Some(revoked_at),
    );
    w.ok(&key(30), unseen);

    let audited = audit(&w.patient(), &chain(&w), directory(&w), VIEW_AGE);
    let verdicts: Vec<_> = audited.iter().map(AuditedAccess::verdict).collect();
    assert_eq!(
        verdicts,
        [
            "covered",
            "outside_scope",
            "no_grant",
            "emergency",
            "emergency_not_allowed",
            "after_revocation",
            "after_revocation"
        ]
    );
    assert_eq!(audited[0].decision, Decision::Permit { grant });
    assert!(audited[2].flags.offline_check);
    assert!(!audited[5].flags.revocation_after_basis);
    assert!(audited[6].flags.revocation_after_basis);
    assert!(audited[6]
        .explain("Riverside Clinic")
        .contains("had not reached"));
    assert!(audited[0]
        .explain("Riverside Clinic")
        .starts_with("Riverside Clinic read 2 records of test results and measurements"));

    // The same rule as the ledger's `decide`: the full state gives the same
    // verdicts.
    for a in &audited {
        let emergency = match a.access.ground {
            AccessGround::Emergency(r) => Some(r),
            AccessGround::Grant(_) => None,
        };
        let request = Request {
            patient: a.access.patient,
            grantee: a.access.org,
            access: AccessRequest {
                resource_type: a.access.resources[0].0,
                categories: Default::default(),
                labels: Default::default(),
                action: Action::Access,
                purpose: a.access.purpose,
                at: a.access.accessed_at,
            },
            emergency,
        };
        assert_eq!(
            evaluate(&w.state, &request),
            a.decision,
            "entry {}",
            a.index
        );
    }
}

#[test]
fn late_records_are_marked() {
    let mut w = World::new();
    let clinic = w.clinic;
    let grant = GrantId(w.ok(&key(10), grant_to(clinic, lab_scope())).id().0);
    let kind = access(
        &w,
        clinic,
        AccessGround::Grant(grant),
        ResourceType::Observation,
        Purpose::Treat,
        Some(3),
    );
    w.now += 2 * DAY;
    w.ok(&key(30), kind);
    let audited = audit(&w.patient(), &chain(&w), directory(&w), VIEW_AGE);
    assert_eq!(audited[0].verdict(), "covered");
    assert!(audited[0].flags.late);
    assert!(audited[0]
        .explain("Riverside Clinic")
        .contains("a day late"));
}

#[test]
fn a_check_against_a_view_older_than_max_view_age_is_marked_stale() {
    let mut w = World::new();
    let clinic = w.clinic;
    let grant = GrantId(w.ok(&key(10), grant_to(clinic, lab_scope())).id().0);
    // The clinic's lab reads under its grant, checked at `basis`.
    let read_at = |w: &World, basis: Option<u64>| {
        access(
            w,
            clinic,
            AccessGround::Grant(grant),
            ResourceType::Observation,
            Purpose::Treat,
            basis,
        )
    };
    // The clinic checks at the tree as it is now.
    let basis = Some(w.log.len() as u64);
    w.ok(&key(30), read_at(&w, basis));
    // The patient's chain moves on (a second grant) ...
    w.now += 60;
    w.ok(&key(10), grant_to(w.insurer, lab_scope()));
    // ... and within max_view_age the same basis is still fresh enough;
    w.now += VIEW_AGE - 60;
    w.ok(&key(30), read_at(&w, basis));
    // past it, the clinic checked an out-of-date view.
    w.now += 120;
    w.ok(&key(30), read_at(&w, basis));
    // An offline check is marked offline, not stale.
    w.ok(&key(30), read_at(&w, None));
    let audited = audit(&w.patient(), &chain(&w), directory(&w), VIEW_AGE);
    let stale: Vec<bool> = audited.iter().map(|a| a.flags.stale_check).collect();
    assert_eq!(stale, [false, false, true, false]);
    assert!(audited[3].flags.offline_check);
    assert!(audited.iter().all(|a| a.verdict() == "covered"));
    assert!(audited[2]
        .explain("Riverside Clinic")
        .contains("out-of-date view"));
    // A basis past the record's own entry is no check at all.
    let future = read_at(&w, Some(w.log.len() as u64 + 100));
    w.ok(&key(30), future);
    let audited = audit(&w.patient(), &chain(&w), directory(&w), VIEW_AGE);
    assert!(audited.last().unwrap().flags.stale_check);
}

#[test]
fn revoking_a_delegation_ends_the_grants_made_under_it() {
    let mut w = World::new();
    let clinic = w.clinic;
    let delegation = crate::ids::DelegationId(
        w.ok(
            &key(10),
            Kind::Delegate(Delegate {
                caregiver: w.caregiver(),
                powers: Powers {
                    grant: true,
                    revoke: true,
                    history: true,
                },
                max_scope: lab_scope(),
                period: Period {
                    start: T0,
                    end: T0 + 365 * DAY,
                },
            }),
        )
        .id()
        .0,
    );
    let patient = w.patient();
    let grant = GrantId(
        w.ok(
            &key(20),
            Kind::Grant(Grant {
                grantee: clinic,
                scope: lab_scope(),
                patient: Some(patient),
                via: Some(delegation),
                request: None,
            }),
        )
        .id()
        .0,
    );
    w.now += 10;
    w.ok(
        &key(10),
        Kind::RevokeDelegation(RevokeDelegation {
            delegation,
            cascade: true,
        }),
    );
    w.now += 10;
    let kind = access(
        &w,
        clinic,
        AccessGround::Grant(grant),
        ResourceType::Observation,
        Purpose::Treat,
        None,
    );
    w.ok(&key(30), kind);
    let audited = audit(&w.patient(), &chain(&w), directory(&w), VIEW_AGE);
    assert_eq!(
        audited[0].decision,
        Decision::Deny(DenyReason::Revoked { grant })
    );
}

#[test]
fn an_unknown_organisation_is_never_covered() {
    let mut w = World::new();
    let clinic = w.clinic;
    let grant = GrantId(w.ok(&key(10), grant_to(clinic, lab_scope())).id().0);
    let kind = access(
        &w,
        clinic,
        AccessGround::Grant(grant),
        ResourceType::Observation,
        Purpose::Treat,
        None,
    );
    w.ok(&key(30), kind);
    let audited = audit(&w.patient(), &chain(&w), Vec::new(), VIEW_AGE);
    assert_eq!(audited[0].verdict(), "unknown_org");
}

#[test]
fn flags_first_accesses_and_notices() {
    use crate::codes::AlertReason;
    use crate::ids::{CaseId, ContentHash, ModelId, ProposalId};
    use crate::tx::{
        ActivateModel, Approve, GovAction, MonitoringAlert, Propose, RegisterModel, Score,
        TrainingSummary,
    };
    let mut w = World::new();
    let operator = w.clinic;
    let p = w.ok(
        &key(1),
        Kind::Propose(Propose {
            action: GovAction::RegisterMonitor {
                key: key(60).public_key(),
                operator,
            },
            expires: T0 + DAY,
        }),
    );
    w.ok(
        &key(2),
        Kind::Approve(Approve {
            proposal: ProposalId(p.id().0),
        }),
    );
    let model = w.ok(
        &key(60),
        Kind::RegisterModel(RegisterModel {
            params: ContentHash([1; 32]),
            code_version: "0.1.0".into(),
            seed: 1,
            window: (0, 1),
            training: TrainingSummary {
                accesses: 0,
                orgs: 0,
                actors: 0,
                patients: 0,
            },
            evaluation: ContentHash([2; 32]),
        }),
    );
    let model = ModelId(model.id().0);
    w.ok(&key(60), Kind::ActivateModel(ActivateModel { model }));
    let g = GrantId(w.ok(&key(10), grant_to(w.clinic, lab_scope())).id().0);
    let clinic = w.clinic;
    let first = access(
        &w,
        clinic,
        AccessGround::Grant(g),
        ResourceType::Observation,
        Purpose::Treat,
        Some(1),
    );
    w.ok(&key(30), first);
    w.now += 3_600;
    let second = access(
        &w,
        clinic,
        AccessGround::Grant(g),
        ResourceType::Observation,
        Purpose::Treat,
        Some(1),
    );
    let second = w.ok(&key(30), second).id();
    w.ok(
        &key(60),
        Kind::MonitoringAlert(MonitoringAlert {
            model,
            case: CaseId([3; 32]),
            org: clinic,
            actor: None,
            score: Score::from_millionths(900_000).unwrap(),
            reasons: vec![AlertReason::NoCareRelation],
            features: ContentHash([4; 32]),
            accesses: vec![second],
        }),
    );
    // The chain as the ledger links it: the alert joins the patient's.
    let mut entries = chain(&w);
    let (alert, time) = w.log.last().unwrap().clone();
    entries.push(VerifiedEntry {
        leaf: Leaf {
            index: w.log.len() as u64 - 1,
            time,
            links: vec![],
            tx: alert.bytes().to_vec(),
        },
        tx: alert,
    });
    let audited = audit(&w.patient(), &entries, directory(&w), VIEW_AGE);
    assert_eq!(audited.len(), 2);
    assert!(audited[0].first_from_org && audited[0].flagged.is_empty());
    assert!(!audited[1].first_from_org);
    assert_eq!(audited[1].id, second);
    assert_eq!(audited[1].flagged, [AlertReason::NoCareRelation].into());
    assert!(audited[1]
        .explain("Riverside")
        .contains("no recent care at this organisation explains it"));
    let told = notices(&audited, |_| "Riverside".into());
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told[0]
        .1
        .contains("Riverside opened your record for the first time"));
    assert!(told[1].1.contains("Flagged for review"));
}
