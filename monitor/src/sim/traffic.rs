//! Normal traffic: day 0 registers the organisations (governance proposals
//! and approvals), enrols the patients and plans their standing grants (GP,
//! insurer, research cohort, an earlier hospital stay); then each day brings
//! GP visits, hospital stays with care-team reads, emergency visits with
//! overrides, insurers' claim reads and nightly system reads. Everything
//! but the registrations is planned, and signed in time order at the end.

use super::rng::Rng;
use super::world::{Department, World};
use super::{Link, Log, Planned, Signer, DAY};
use assent_core::codes::{
    AccessMode, Action, Code, EmergencyReason, OrgKind, Purpose, ResourceType,
};
use assent_core::ids::{GrantId, KeyCommitment, OrgId, ProposalId};
use assent_core::scope::{Period, Provision, Scope};
use assent_core::tx::{
    AccessGround, ActorTag, Approve, Enroll, GovAction, Grant, Kind, Propose, RecordAccess,
};
use std::collections::BTreeMap;

/// Who may read whom: the grants planned so far, and who is in hospital.
#[derive(Debug, Default)]
pub struct Care {
    /// Grants by (patient, organisation) index, with the second they start.
    pub grants: BTreeMap<(usize, usize), u64>,
    /// Hospital stays: patient, hospital, department, last day.
    pub stays: Vec<(usize, usize, Department, u32)>,
}

impl Care {
    /// Whether patient `p` has a grant to organisation `org` by `t`.
    pub fn granted(&self, p: usize, org: usize, t: u64) -> bool {
        self.grants.get(&(p, org)).is_some_and(|start| *start <= t)
    }
}

/// How long governance proposals stay open: past the end of the longest
/// run, so a log fed to a live ledger later is still taken (the ledger
/// judges expiry by its own time, PROTOCOL §3).
const PROPOSAL_LIFE: u64 = 400 * DAY;

/// Day 0, first: governance registers every organisation (a proposal by a
/// member, approved by the regulator), which gives each its id, and then
/// the monitor.
pub fn register(world: &mut World, log: &mut Log) {
    for i in 0..world.orgs.len() {
        let org = &world.orgs[i];
        let action = GovAction::RegisterOrg {
            kind: org.kind,
            keys: vec![org.key.public_key()],
            name: org.name.clone(),
            endpoints: Vec::new(),
            member: None,
        };
        let proposal = enact(world, log, world.start + 60 + i as u64 * 2, action);
        world.orgs[i].id = OrgId(proposal.0);
    }
    // Then the monitor, run by the first hospital.
    let action = GovAction::RegisterMonitor {
        key: world.monitor.public_key(),
        operator: world.orgs[0].id,
    };
    enact(
        world,
        log,
        world.start + 60 + world.orgs.len() as u64 * 2,
        action,
    );
}

/// Governance enacts `action` at `t`: the first member proposes, the
/// regulator approves a second later.
fn enact(world: &World, log: &mut Log, t: u64, action: GovAction) -> ProposalId {
    let propose = log.sign(
        world,
        Planned {
            at: t,
            signer: Signer::Governance(0),
            kind: Kind::Propose(Propose {
                action,
                expires: t + PROPOSAL_LIFE,
            }),
            campaign: None,
            link: Link::None,
        },
    );
    let proposal = ProposalId(propose.id().0);
    log.sign(
        world,
        Planned {
            at: t + 1,
            signer: Signer::Governance(2),
            kind: Kind::Approve(Approve { proposal }),
            campaign: None,
            link: Link::None,
        },
    );
    proposal
}

/// Day 0, then: every patient enrols and signs the standing grants (GP,
/// insurer, the research cohort, one hospital after an earlier stay).
pub fn enrol(world: &World, care: &mut Care, rng: &mut Rng) -> Vec<Planned> {
    let mut plan = Vec::new();
    let hospitals = world.of_kind(OrgKind::Hospital);
    let research = world.of_kind(OrgKind::Research);
    let count = world.patients.len() as u64;
    for p in 0..world.patients.len() {
        // Spread over day 0 whatever the number of patients, so traffic
        // (from day 1) never comes before a patient's grants.
        let t = world.start + 3_600 + p as u64 * 72_000 / count;
        let patient = &world.patients[p];
        plan.push(Planned {
            at: t,
            signer: Signer::Patient(p),
            kind: Kind::Enroll(Enroll {
                next: KeyCommitment::to(&rng.key().public_key()),
            }),
            campaign: None,
            link: Link::None,
        });
        let mut standing = vec![(patient.gp, Purpose::Treat)];
        if let Some(insurer) = patient.insurer {
            standing.push((insurer, Purpose::Hpaymt));
        }
        if patient.cohort {
            standing.extend(research.iter().map(|&r| (r, Purpose::Hresch)));
        }
        if rng.below(10) < 3 {
            standing.push((*rng.pick(&hospitals), Purpose::Treat));
        }
        for (org, purpose) in standing {
            plan.extend(grant(world, care, p, org, purpose, t + 1));
        }
    }
    plan
}

/// Patient `p`'s grant to organisation `org` from `t`, for a year, unless
/// one is planned already.
pub fn grant(
    world: &World,
    care: &mut Care,
    p: usize,
    org: usize,
    purpose: Purpose,
    t: u64,
) -> Option<Planned> {
    if care.grants.contains_key(&(p, org)) {
        return None;
    }
    care.grants.insert((p, org), t);
    // A hospital also runs its service on the record (the nightly system
    // reads of a stay).
    let mut purposes = vec![purpose];
    if world.orgs[org].kind == OrgKind::Hospital && purpose == Purpose::Treat {
        purposes.push(Purpose::Hoperat);
    }
    // A patient's own clinicians see what they are treated for; research
    // sees no sensitive data.
    let labels = if world.orgs[org].kind == OrgKind::Research {
        Default::default()
    } else {
        world.patients[p].labels.iter().copied().collect()
    };
    let scope = Scope {
        permit: Provision {
            actions: [Action::Access].into_iter().collect(),
            purposes: purposes.into_iter().collect(),
            labels,
            period: Some(Period {
                start: t,
                end: t + 365 * DAY,
            }),
            ..Provision::default()
        },
        deny: Vec::new(),
    };
    Some(Planned {
        at: t,
        signer: Signer::Patient(p),
        kind: Kind::Grant(Grant {
            grantee: world.orgs[org].id,
            scope,
            patient: None,
            via: None,
            request: None,
        }),
        campaign: None,
        link: Link::Defines(p, org),
    })
}

/// What one access record says, before it is signed.
#[derive(Debug, Clone)]
pub struct Read {
    /// Whose record.
    pub patient: usize,
    /// Which organisation.
    pub org: usize,
    /// On the patient's grant to it, or break-glass with a reason.
    pub emergency: Option<EmergencyReason>,
    /// What was read.
    pub resources: Vec<(ResourceType, u32)>,
    /// Why.
    pub purpose: Purpose,
    /// When.
    pub at: u64,
    /// Who (a person), or a system job.
    pub actor: Option<ActorTag>,
}

impl Read {
    /// A system job's read of one record of patient `p` by `org` at `at`
    /// (a claim batch, a cohort extract, a nightly run).
    pub fn system(p: usize, org: usize, purpose: Purpose, at: u64) -> Read {
        Read {
            patient: p,
            org,
            emergency: None,
            resources: vec![(ResourceType::ALL[0], 1)],
            purpose,
            at,
            actor: None,
        }
    }

    /// The planned record; `campaign` marks misuse. Without an emergency
    /// reason it is on the patient's grant to the organisation, which must
    /// be planned (misuse with no grant uses [`Read::without_grant`]).
    pub fn planned(self, world: &World, campaign: Option<u32>) -> Planned {
        let (ground, link) = match self.emergency {
            Some(reason) => (AccessGround::Emergency(reason), Link::None),
            None => (
                AccessGround::Grant(GrantId([0; 32])),
                Link::Uses(self.patient, self.org),
            ),
        };
        self.record(world, ground, link, campaign)
    }

    /// The planned record on a grant id that names no grant of this
    /// patient to this organisation (a consent violation).
    pub fn without_grant(self, world: &World, claimed: GrantId, campaign: Option<u32>) -> Planned {
        self.record(world, AccessGround::Grant(claimed), Link::None, campaign)
    }

    fn record(
        self,
        world: &World,
        ground: AccessGround,
        link: Link,
        campaign: Option<u32>,
    ) -> Planned {
        Planned {
            at: self.at,
            signer: Signer::Org(self.org),
            kind: Kind::RecordAccess(RecordAccess {
                org: world.orgs[self.org].id,
                patient: world.patients[self.patient].identity(),
                ground,
                resources: self.resources,
                purpose: self.purpose,
                accessed_at: self.at,
                // The tree size, filled in when signed.
                basis: Some(0),
                mode: if self.actor.is_some() {
                    AccessMode::Person
                } else {
                    AccessMode::System
                },
                actor: self.actor,
            }),
            campaign,
            link,
        }
    }
}

/// One to three resource types read, in ascending order, with counts.
pub fn resources(rng: &mut Rng) -> Vec<(ResourceType, u32)> {
    let mut types: Vec<ResourceType> = (0..rng.between(1, 3))
        .map(|_| *rng.pick(ResourceType::ALL))
        .collect();
    types.sort();
    types.dedup();
    types.into_iter().map(|t| (t, rng.between(1, 6))).collect()
}

/// A staff member of `org` in `department` (any department if none there)
/// who has not left by `day` and does not live in household `not_home`
/// (nobody treats their own family in the simulated normal traffic: that
/// is what household snooping looks like).
pub fn staff_in(
    world: &World,
    org: usize,
    department: Department,
    day: u32,
    not_home: Option<u32>,
    rng: &mut Rng,
) -> Option<usize> {
    let staff = &world.orgs[org].staff;
    let present = |s: &usize| {
        let st = &staff[*s];
        st.leaves.is_none_or(|l| l > day) && (not_home.is_none() || st.household != not_home)
    };
    let there: Vec<usize> = (0..staff.len())
        .filter(|&s| staff[s].department == department)
        .filter(present)
        .collect();
    let any: Vec<usize> = (0..staff.len()).filter(present).collect();
    let pool = if there.is_empty() { any } else { there };
    (!pool.is_empty()).then(|| *rng.pick(&pool))
}

/// The normal traffic of day `day`.
pub fn day(world: &World, care: &mut Care, rng: &mut Rng, day: u32) -> Vec<Planned> {
    let mut plan = Vec::new();
    let hospitals = world.of_kind(OrgKind::Hospital);
    for p in 0..world.patients.len() {
        let patient = &world.patients[p];
        // A GP visit: a clinician reads the record before, during and after;
        // the insurer reads the claim that night, as a batch.
        if rng.one_in(10) {
            let on_duty = staff_in(
                world,
                patient.gp,
                Department::Practice,
                day,
                Some(patient.household),
                rng,
            );
            if let Some(s) = on_duty {
                let staff = &world.orgs[patient.gp].staff[s];
                let hour = staff.shift.hour(rng);
                for k in 0..rng.between(2, 6) {
                    let read = Read {
                        patient: p,
                        org: patient.gp,
                        emergency: None,
                        resources: resources(rng),
                        purpose: Purpose::Treat,
                        at: world.at(day, hour, k * 7 + rng.below(7)),
                        actor: Some(staff.actor),
                    };
                    plan.push(read.planned(world, None));
                }
                if let Some(insurer) = patient.insurer.filter(|_| rng.below(10) < 7) {
                    plan.push(
                        Read::system(
                            p,
                            insurer,
                            Purpose::Hpaymt,
                            world.at(day + 1, 2, rng.below(60)),
                        )
                        .planned(world, None),
                    );
                }
            }
        }
        // A hospital stay: the patient grants the hospital at admission.
        if rng.one_in(50) {
            let h = *rng.pick(&hospitals);
            let department = *rng.pick(&[
                Department::Medicine,
                Department::Surgery,
                Department::Psychiatry,
            ]);
            plan.extend(grant(
                world,
                care,
                p,
                h,
                Purpose::Treat,
                world.at(day, 0, 1),
            ));
            care.stays.push((p, h, department, day + rng.between(0, 4)));
        }
        // An emergency: A&E reads under break-glass.
        let emergency = rng
            .one_in(900)
            .then(|| *rng.pick(&hospitals))
            .and_then(|h| {
                staff_in(
                    world,
                    h,
                    Department::Emergency,
                    day,
                    Some(patient.household),
                    rng,
                )
                .map(|s| (h, s))
            });
        if let Some((h, s)) = emergency {
            let staff = &world.orgs[h].staff[s];
            let hour = staff.shift.hour(rng);
            let reason = *rng.pick(EmergencyReason::ALL);
            for k in 0..rng.between(1, 3) {
                let read = Read {
                    patient: p,
                    org: h,
                    emergency: Some(reason),
                    resources: resources(rng),
                    purpose: Purpose::Etreat,
                    at: world.at(day, hour, 2 + k * 11),
                    actor: Some(staff.actor),
                };
                plan.push(read.planned(world, None));
            }
        }
        // The research organisation's cohort extract.
        if patient.cohort && rng.one_in(15) {
            for r in world.of_kind(OrgKind::Research) {
                plan.push(
                    Read::system(p, r, Purpose::Hresch, world.at(day, 1, rng.below(60)))
                        .planned(world, None),
                );
            }
        }
    }
    // Every stay in progress: the care team reads through the day, and the
    // hospital's systems once at night.
    care.stays.retain(|s| s.3 >= day);
    for &(p, h, department, _) in &care.stays {
        let home = Some(world.patients[p].household);
        let team: Vec<usize> = (0..rng.between(2, 4))
            .filter_map(|_| staff_in(world, h, department, day, home, rng))
            .collect();
        if team.is_empty() {
            continue;
        }
        for _ in 0..rng.between(10, 30) {
            let staff = &world.orgs[h].staff[*rng.pick(&team)];
            let read = Read {
                patient: p,
                org: h,
                emergency: None,
                resources: resources(rng),
                purpose: Purpose::Treat,
                at: world
                    .at(day, staff.shift.hour(rng), rng.below(60))
                    .max(world.at(day, 0, 2)),
                actor: Some(staff.actor),
            };
            plan.push(read.planned(world, None));
        }
        plan.push(
            Read::system(p, h, Purpose::Hoperat, world.at(day, 3, rng.below(60)))
                .planned(world, None),
        );
    }
    plan
}
