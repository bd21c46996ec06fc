//! Oversight rules: suspensions need the regulator and never the accused
//! organisation's member, and never block emergency care; only a registered
//! monitor registers models and posts alerts, naming its active model and
//! real accesses of the organisation it names; only the patient disputes.

use crate::codes::*;
use crate::ids::*;
use crate::policy::{evaluate, Decision, DenyReason, Request};
use crate::scope::AccessRequest;
use crate::state::{Effect, Refusal};
use crate::testkit::*;
use crate::tx::*;

/// Key 60 is the monitor's; key 2 speaks for the hospital (key 40).
struct Oversee {
    w: World,
    hospital: OrgId,
    monitor: MonitorId,
}

fn enact(w: &mut World, action: GovAction, approvers: &[u8]) -> ProposalId {
    let proposal = ProposalId(
        w.ok(
            &key(approvers[0]),
            Kind::Propose(Propose {
                action,
                expires: w.now + 7 * DAY,
            }),
        )
        .id()
        .0,
    );
    for n in &approvers[1..] {
        w.ok(&key(*n), Kind::Approve(Approve { proposal }));
    }
    proposal
}

fn oversee() -> Oversee {
    let mut w = World::new();
    let hospital = OrgId(
        enact(
            &mut w,
            GovAction::RegisterOrg {
                kind: OrgKind::Hospital,
                keys: vec![key(40).public_key()],
                name: "St Mary's".into(),
                endpoints: vec![],
                member: Some(key(2).public_key()),
            },
            &[1, 2],
        )
        .0,
    );
    let operator = w.clinic;
    let monitor = MonitorId(
        enact(
            &mut w,
            GovAction::RegisterMonitor {
                key: key(60).public_key(),
                operator,
            },
            &[1, 3],
        )
        .0,
    );
    Oversee {
        w,
        hospital,
        monitor,
    }
}

fn suspend(org: OrgId, purposes: Vec<Purpose>, hours: u32) -> Kind {
    Kind::Propose(Propose {
        action: GovAction::SuspendOrg(Suspension {
            org,
            purposes,
            hours,
            evidence: ContentHash([5; 32]),
            case: Some(CaseId([6; 32])),
        }),
        expires: T0 + 30 * DAY,
    })
}

fn approve(p: ProposalId) -> Kind {
    Kind::Approve(Approve { proposal: p })
}

fn request(org: OrgId, patient: IdentityId, purpose: Purpose, at: u64) -> Request {
    Request {
        patient,
        grantee: org,
        access: AccessRequest {
            resource_type: ResourceType::Observation,
            categories: Default::default(),
            labels: Default::default(),
            action: Action::Access,
            purpose,
            at,
        },
        emergency: None,
    }
}

#[test]
fn a_suspension_needs_the_regulator_and_never_the_accused() {
    let Oversee {
        mut w, hospital, ..
    } = oversee();
    assert_eq!(w.state.member_org(&key(2).public_key()), Some(hospital));
    // The monitor proposes; its proposal is no approval.
    let p = ProposalId(
        w.ok(&key(60), suspend(hospital, vec![Purpose::Hoperat], 24))
            .id()
            .0,
    );
    assert!(w.state.proposal(&p).unwrap().approvals.is_empty());
    // The member who speaks for the hospital may not decide its case.
    assert_eq!(
        w.refused(&key(2), approve(p)),
        Refusal::AccusedMayNotDecide(hospital)
    );
    assert_eq!(
        w.refused(&key(2), suspend(hospital, vec![Purpose::Hoperat], 24)),
        Refusal::AccusedMayNotDecide(hospital)
    );
    w.ok(&key(1), approve(p));
    assert!(
        w.state.suspensions().next().is_none(),
        "one approval of two"
    );
    w.ok(&key(3), approve(p));
    let at = w.now;
    assert_eq!(w.state.suspension(&hospital, Purpose::Hoperat, at), Some(p));
    assert_eq!(w.state.suspension(&hospital, Purpose::Treat, at), None);
    assert_eq!(
        w.state
            .suspension(&hospital, Purpose::Hoperat, at + 24 * 3600),
        None,
        "it lapses by itself"
    );

    // Two members meet the threshold, but without the regulator nothing
    // happens until the regulator approves.
    let clinic = w.clinic;
    let q = ProposalId(
        w.ok(&key(1), suspend(clinic, vec![Purpose::Hpaymt], 72))
            .id()
            .0,
    );
    w.ok(&key(2), approve(q));
    assert_eq!(w.state.suspension(&clinic, Purpose::Hpaymt, at), None);
    assert!(!w.state.proposal(&q).unwrap().done);
    w.ok(&key(3), approve(q));
    assert_eq!(w.state.suspension(&clinic, Purpose::Hpaymt, at), Some(q));

    // Reinstating follows the same rules.
    let r = ProposalId(
        w.ok(
            &key(1),
            Kind::Propose(Propose {
                action: GovAction::ReinstateOrg { suspension: p },
                expires: T0 + 30 * DAY,
            }),
        )
        .id()
        .0,
    );
    assert_eq!(
        w.refused(&key(2), approve(r)),
        Refusal::AccusedMayNotDecide(hospital)
    );
    w.now += 60;
    w.ok(&key(3), approve(r));
    assert_eq!(w.state.suspension(&hospital, Purpose::Hoperat, w.now), None);
    assert_eq!(
        w.state.suspension(&hospital, Purpose::Hoperat, at),
        Some(p),
        "history keeps the span it held"
    );
}

#[test]
fn a_suspension_never_blocks_emergency_care_and_is_narrow() {
    let Oversee {
        mut w, hospital, ..
    } = oversee();
    assert_eq!(
        w.refused(
            &key(60),
            suspend(hospital, vec![Purpose::Treat, Purpose::Etreat], 24)
        ),
        Refusal::WouldBlockEmergency
    );
    assert_eq!(
        w.refused(&key(1), suspend(hospital, vec![Purpose::Treat], 73)),
        Refusal::SuspensionLength(73)
    );
    assert_eq!(
        w.refused(&key(1), suspend(hospital, vec![Purpose::Treat], 0)),
        Refusal::SuspensionLength(0)
    );
    assert_eq!(
        w.refused(&key(1), suspend(OrgId([9; 32]), vec![Purpose::Treat], 1)),
        Refusal::UnknownOrg(OrgId([9; 32]))
    );
    // Someone who is neither a member nor a monitor; a monitor proposing
    // anything but a suspension.
    assert_eq!(
        w.refused(&key(30), suspend(hospital, vec![Purpose::Treat], 1)),
        Refusal::NotAGovernanceMember
    );
    assert_eq!(
        w.refused(
            &key(60),
            Kind::Propose(Propose {
                action: GovAction::RegisterMonitor {
                    key: key(61).public_key(),
                    operator: hospital,
                },
                expires: T0 + DAY,
            })
        ),
        Refusal::NotAGovernanceMember
    );

    // Suspend the hospital's treatment access; it has the patient's grant.
    w.ok(&key(10), grant_to(hospital, lab_scope()));
    let patient = w.patient();
    let at = w.now + 10;
    let asked = request(hospital, patient, Purpose::Treat, at);
    assert!(matches!(
        evaluate(&w.state, &asked),
        Decision::Permit { .. }
    ));
    let p = ProposalId(
        w.ok(&key(60), suspend(hospital, vec![Purpose::Treat], 12))
            .id()
            .0,
    );
    w.ok(&key(1), approve(p));
    w.ok(&key(3), approve(p));
    assert_eq!(
        evaluate(&w.state, &asked),
        Decision::Deny(DenyReason::Suspended { suspension: p })
    );
    // Break-glass is untouched.
    let mut emergency = request(hospital, patient, Purpose::Etreat, at);
    emergency.emergency = Some(EmergencyReason::Unconscious);
    assert!(matches!(
        evaluate(&w.state, &emergency),
        Decision::EmergencyOverride { .. }
    ));
    // And the grant is not revoked: after the suspension it covers again.
    let later = request(hospital, patient, Purpose::Treat, at + 13 * 3600);
    assert!(matches!(
        evaluate(&w.state, &later),
        Decision::Permit { .. }
    ));
}

fn access(w: &World, org: OrgId, ground: AccessGround) -> Kind {
    Kind::RecordAccess(RecordAccess {
        org,
        patient: w.patient(),
        ground,
        resources: vec![(ResourceType::Observation, 1)],
        purpose: Purpose::Treat,
        accessed_at: w.now,
        basis: Some(3),
        mode: AccessMode::Person,
        actor: Some(ActorTag::derive(&[1; 32], 20264, "n-1")),
    })
}

fn model() -> Kind {
    Kind::RegisterModel(RegisterModel {
        params: ContentHash([1; 32]),
        code_version: "assent-monitor-0.1.0".into(),
        seed: 7,
        window: (0, 100),
        training: TrainingSummary {
            accesses: 90,
            orgs: 3,
            actors: 10,
            patients: 40,
        },
        evaluation: ContentHash([2; 32]),
    })
}

fn alert(model: ModelId, org: OrgId, accesses: Vec<TxId>) -> Kind {
    Kind::MonitoringAlert(MonitoringAlert {
        model,
        case: CaseId([3; 32]),
        org,
        actor: None,
        score: Score::from_millionths(912_000).unwrap(),
        reasons: vec![
            AlertReason::NoCareRelation,
            AlertReason::OutsideUsualPatients,
        ],
        features: ContentHash([4; 32]),
        accesses,
    })
}

#[test]
fn alerts_name_the_active_model_and_real_accesses() {
    let Oversee { mut w, monitor, .. } = oversee();
    assert_eq!(w.refused(&key(30), model()), Refusal::NotAMonitor);
    let m = ModelId(w.ok(&key(60), model()).id().0);
    assert_eq!(w.state.model(&m).unwrap().monitor, monitor);
    let clinic = w.clinic;
    let g = GrantId(w.ok(&key(10), grant_to(clinic, lab_scope())).id().0);
    let kind = access(&w, clinic, AccessGround::Grant(g));
    let a = w.ok(&key(30), kind).id();

    assert_eq!(
        w.refused(&key(60), alert(m, clinic, vec![a])),
        Refusal::ModelNotActive(m)
    );
    let activate = Kind::ActivateModel(ActivateModel { model: m });
    assert_eq!(w.refused(&key(1), activate.clone()), Refusal::NotAMonitor);
    assert_eq!(
        w.refused(
            &key(60),
            Kind::ActivateModel(ActivateModel {
                model: ModelId([8; 32])
            })
        ),
        Refusal::UnknownModel(ModelId([8; 32]))
    );
    w.ok(&key(60), activate.clone());
    assert_eq!(
        w.refused(&key(60), activate),
        Refusal::ModelAlreadyActive(m)
    );
    assert_eq!(w.state.monitor(&monitor).unwrap().active_model, Some(m));

    let unknown = TxId([7; 32]);
    assert_eq!(
        w.refused(&key(60), alert(m, clinic, vec![unknown])),
        Refusal::UnknownAccess(unknown)
    );
    let insurer = w.insurer;
    assert_eq!(
        w.refused(&key(60), alert(m, insurer, vec![a])),
        Refusal::AccessOfAnotherOrg(a)
    );
    assert_eq!(
        w.refused(&key(30), alert(m, clinic, vec![a])),
        Refusal::NotAMonitor,
        "an organisation cannot post alerts"
    );
    let (_, effect) = w.apply(&key(60), alert(m, clinic, vec![a])).unwrap();
    assert_eq!(
        effect,
        Effect::Alerted {
            monitor,
            patients: vec![w.patient()]
        }
    );
    // The alert joins the patient's chain, and a snapshot keeps it all.
    let replica = replica_of(&w);
    let restored = crate::replica::Replica::restore(
        w.state.genesis().clone(),
        &replica.snapshot(),
        (0..replica.len())
            .map(|i| replica.tree().leaf(i).unwrap())
            .collect(),
    )
    .unwrap();
    assert_eq!(restored.checkpoint(), replica.checkpoint());
    assert_eq!(restored.state(), replica.state());
    assert_eq!(replica.state(), &w.state);
}

#[test]
fn only_the_patient_disputes_an_access_once() {
    let Oversee { mut w, .. } = oversee();
    let clinic = w.clinic;
    let kind = access(
        &w,
        clinic,
        AccessGround::Emergency(EmergencyReason::Unconscious),
    );
    let a = w.ok(&key(30), kind).id();
    let dispute = Kind::DisputeAccess(DisputeAccess {
        access: a,
        reason: DisputeReason::NoEmergency,
    });
    assert_eq!(w.refused(&key(20), dispute.clone()), Refusal::NotThePatient);
    assert_eq!(w.refused(&key(30), dispute.clone()), Refusal::UnknownSigner);
    let unknown = Kind::DisputeAccess(DisputeAccess {
        access: TxId([1; 32]),
        reason: DisputeReason::Unexpected,
    });
    assert_eq!(
        w.refused(&key(10), unknown),
        Refusal::UnknownAccess(TxId([1; 32]))
    );
    let (_, effect) = w.apply(&key(10), dispute.clone()).unwrap();
    assert_eq!(
        effect,
        Effect::Disputed {
            patient: w.patient(),
            access: a
        }
    );
    assert!(w.state.is_disputed(&a));
    assert_eq!(w.refused(&key(10), dispute), Refusal::AlreadyDisputed(a));
}

#[test]
fn a_member_speaks_for_one_organisation_and_monitor_keys_are_unique() {
    let Oversee { mut w, .. } = oversee();
    let again = |member: u8, keyn: u8| {
        Kind::Propose(Propose {
            action: GovAction::RegisterOrg {
                kind: OrgKind::Clinic,
                keys: vec![key(keyn).public_key()],
                name: "Second".into(),
                endpoints: vec![],
                member: Some(key(member).public_key()),
            },
            expires: T0 + DAY,
        })
    };
    assert_eq!(w.refused(&key(1), again(2, 41)), Refusal::MemberTaken);
    assert_eq!(
        w.refused(&key(1), again(30, 41)),
        Refusal::NotAGovernanceMember,
        "only a governance member can speak for an organisation"
    );
    let clinic = w.clinic;
    let monitor_with = |n: u8| {
        Kind::Propose(Propose {
            action: GovAction::RegisterMonitor {
                key: key(n).public_key(),
                operator: clinic,
            },
            expires: T0 + DAY,
        })
    };
    assert_eq!(w.refused(&key(1), monitor_with(60)), Refusal::KeyInUse);
    assert_eq!(w.refused(&key(1), monitor_with(10)), Refusal::KeyInUse);
    assert_eq!(w.refused(&key(1), monitor_with(3)), Refusal::KeyInUse);
    // A monitor key signs nothing else.
    assert_eq!(
        w.refused(&key(60), grant_to(clinic, lab_scope())),
        Refusal::NotEnrolled(IdentityId(key(60).public_key()))
    );
}
