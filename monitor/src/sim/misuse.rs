//! Injected misuse and its answer key. Each campaign is one kind of misuse by
//! one organisation (and, for a person, one staff member) against some
//! patients over a span of days, at the run's difficulty: easy is loud (off
//! shift, in bulk), hard is camouflaged (in shift, a plausible department, a
//! low rate, under an existing grant wherever the kind allows).
//!
//! Kinds so far: household snooping, off-shift reading, volume exfiltration
//! (a burst, or low and slow), emergency-override abuse, scope creep (more
//! kinds of data than the care needs, within the grant), billing reads with
//! no claim (purpose misuse by an insurer's batch), and plain consent
//! violations (no grant). The monitoring issue lists more; each is added
//! here with its label.

use super::rng::Rng;
use super::traffic::{grant, resources, Care, Read};
use super::world::{Department, World};
use super::{Difficulty, Planned, Profile, DAY};
use assent_core::codes::{Code, EmergencyReason, OrgKind, Purpose, ResourceType};
use assent_core::ids::GrantId;
use data_encoding::HEXLOWER;
use serde::{Deserialize, Serialize};

/// Kinds of misuse the simulator injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MisuseKind {
    /// A staff member reads relatives' records.
    HouseholdSnooping,
    /// Reading outside one's shift.
    OffShift,
    /// Reading far more patients than one's work explains.
    VolumeExfiltration,
    /// Break-glass with no emergency.
    EmergencyAbuse,
    /// Reading with no grant and no emergency.
    ConsentViolation,
    /// Reading far more kinds of data than the care needs, within the grant.
    ScopeCreep,
    /// An insurer's batch reading for billing with no claim to explain it.
    BillingWithoutClaim,
}

impl MisuseKind {
    /// Every kind.
    pub const ALL: [MisuseKind; 7] = [
        MisuseKind::HouseholdSnooping,
        MisuseKind::OffShift,
        MisuseKind::VolumeExfiltration,
        MisuseKind::EmergencyAbuse,
        MisuseKind::ConsentViolation,
        MisuseKind::ScopeCreep,
        MisuseKind::BillingWithoutClaim,
    ];

    /// Its name in answer keys.
    pub fn name(self) -> &'static str {
        match self {
            MisuseKind::HouseholdSnooping => "household_snooping",
            MisuseKind::OffShift => "off_shift",
            MisuseKind::VolumeExfiltration => "volume_exfiltration",
            MisuseKind::EmergencyAbuse => "emergency_abuse",
            MisuseKind::ConsentViolation => "consent_violation",
            MisuseKind::ScopeCreep => "scope_creep",
            MisuseKind::BillingWithoutClaim => "billing_without_claim",
        }
    }
}

/// One labelled campaign of the answer key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Campaign {
    /// Its kind.
    pub kind: MisuseKind,
    /// Its setting.
    pub difficulty: Difficulty,
    /// The organisation (its name).
    pub org: String,
    /// The staff member's pseudonym (hex), for a person's misuse.
    pub actor: Option<String>,
    /// The patients read (indices into the simulation's patients).
    pub patients: Vec<usize>,
    /// The first access (POSIX seconds).
    pub start: u64,
    /// The last access.
    pub end: u64,
}

/// Plans every campaign: a few of each kind, scaled with the patients.
pub fn plan(
    profile: &Profile,
    world: &World,
    care: &mut Care,
    rng: &mut Rng,
    difficulty: Difficulty,
) -> (Vec<Campaign>, Vec<Planned>) {
    let mut campaigns = Vec::new();
    let mut plan = Vec::new();
    let per_kind = 1 + profile.patients / 2_500;
    for kind in MisuseKind::ALL {
        for _ in 0..per_kind {
            let id = campaigns.len() as u32;
            // Room for the longest campaign (two weeks) before the run ends.
            let first = rng.between(2, profile.days.saturating_sub(15).max(2));
            let mut ctx = Ctx {
                world,
                care,
                rng,
                difficulty,
                first,
                last_day: profile.days,
                reads: Vec::new(),
                grants: Vec::new(),
            };
            let Some((org, actor)) = ctx.inject(kind) else {
                continue;
            };
            let reads = std::mem::take(&mut ctx.reads);
            plan.append(&mut ctx.grants);
            let (Some(start), Some(end)) = (
                reads.iter().map(|r| r.1.at).min(),
                reads.iter().map(|r| r.1.at).max(),
            ) else {
                continue;
            };
            let mut patients: Vec<usize> = reads.iter().map(|r| r.1.patient).collect();
            patients.sort_unstable();
            patients.dedup();
            campaigns.push(Campaign {
                kind,
                difficulty,
                org: world.orgs[org].name.clone(),
                actor: actor.map(|a| HEXLOWER.encode(&a.tag)),
                patients,
                start,
                end,
            });
            for (claimed, read) in reads {
                plan.push(match claimed {
                    Some(g) => read.without_grant(world, g, Some(id)),
                    None => read.planned(world, Some(id)),
                });
            }
        }
    }
    (campaigns, plan)
}

/// What a campaign is planned with.
struct Ctx<'a> {
    world: &'a World,
    care: &'a mut Care,
    rng: &'a mut Rng,
    difficulty: Difficulty,
    first: u32,
    last_day: u32,
    /// The reads, each with the grant id it wrongly claims (consent
    /// violations) or `None` (on the patient's grant, or break-glass).
    reads: Vec<(Option<GrantId>, Read)>,
    /// Grants the campaign hides under, planned as ordinary ones.
    grants: Vec<Planned>,
}

impl Ctx<'_> {
    fn hard(&self) -> bool {
        self.difficulty == Difficulty::Hard
    }

    /// Plans one campaign of `kind`; returns its organisation and actor.
    fn inject(&mut self, kind: MisuseKind) -> Option<(usize, Option<assent_core::tx::ActorTag>)> {
        match kind {
            MisuseKind::HouseholdSnooping => self.household(),
            MisuseKind::OffShift => self.off_shift(),
            MisuseKind::VolumeExfiltration => self.volume(),
            MisuseKind::EmergencyAbuse => self.emergency(),
            MisuseKind::ConsentViolation => self.no_grant(),
            MisuseKind::ScopeCreep => self.scope_creep(),
            MisuseKind::BillingWithoutClaim => self.billing(),
        }
    }

    /// A person's read of patient `p` at organisation `org`, on the grant
    /// (planned the day before the campaign if the patient had none: the
    /// "existing grant" the misuse hides under).
    fn read(&mut self, org: usize, p: usize, t: u64, actor: assent_core::tx::ActorTag) {
        match self.care.grants.get(&(p, org)) {
            // Granted only later (a stay to come): not a target now.
            Some(start) if *start > t => return,
            Some(_) => {}
            None => {
                let before =
                    self.world.start + u64::from(self.first.saturating_sub(1)) * DAY + 36_000;
                // A grant planned here is signed with the rest of the plan.
                self.grants
                    .extend(grant(self.world, self.care, p, org, Purpose::Treat, before));
            }
        }
        let read = Read {
            patient: p,
            org,
            emergency: None,
            resources: resources(self.rng),
            purpose: Purpose::Treat,
            at: t,
            actor: Some(actor),
        };
        self.reads.push((None, read));
    }

    /// A staff member of a hospital or clinic who stays all run, in
    /// `department` where given; with a household among the patients for
    /// `household`.
    fn person(
        &mut self,
        department: Option<Department>,
        household: bool,
    ) -> Option<(usize, usize)> {
        let candidates: Vec<(usize, usize)> = (0..self.world.orgs.len())
            .filter(|&o| matches!(self.world.orgs[o].kind, OrgKind::Hospital | OrgKind::Clinic))
            .flat_map(|o| (0..self.world.orgs[o].staff.len()).map(move |s| (o, s)))
            .filter(|&(o, s)| {
                let st = &self.world.orgs[o].staff[s];
                st.leaves.is_none()
                    && department.is_none_or(|d| st.department == d)
                    && (!household || st.household.is_some())
            })
            .collect();
        (!candidates.is_empty()).then(|| *self.rng.pick(&candidates))
    }

    /// An hour of `day` on (hard) or well off (easy) the staff member's shift.
    fn hour(&mut self, shift: super::world::Shift, on: bool) -> u8 {
        if on {
            return shift.hour(self.rng);
        }
        loop {
            let h = self.rng.below(24) as u8;
            if !shift.covers(h) && !shift.covers((h + 1) % 24) && !shift.covers((h + 23) % 24) {
                return h;
            }
        }
    }

    /// Day `k` of the campaign, kept inside the run.
    fn day(&self, k: u32) -> u32 {
        (self.first + k).min(self.last_day)
    }

    fn household(&mut self) -> Option<(usize, Option<assent_core::tx::ActorTag>)> {
        let (o, s) = self.person(None, true)?;
        let staff = self.world.orgs[o].staff[s].clone();
        let home = staff.household?;
        let relatives: Vec<usize> = (0..self.world.patients.len())
            .filter(|&p| self.world.patients[p].household == home)
            .collect();
        for (i, &p) in relatives.iter().enumerate().take(3) {
            let visits = if self.hard() { 2 } else { 4 };
            for v in 0..visits {
                let day = if self.hard() {
                    self.day(i as u32 * 3 + v * 5)
                } else {
                    self.day(v / 2)
                };
                let hour = self.hour(staff.shift, self.hard());
                let minute = self.rng.below(60);
                self.read(o, p, self.world.at(day, hour, minute), staff.actor);
            }
        }
        Some((o, Some(staff.actor)))
    }

    fn off_shift(&mut self) -> Option<(usize, Option<assent_core::tx::ActorTag>)> {
        let (o, s) = self.person(None, false)?;
        let staff = self.world.orgs[o].staff[s].clone();
        let patients = self.granted_at(o);
        let n = if self.hard() { 3 } else { 10 };
        for k in 0..n {
            let p = *self.rng.pick(&patients);
            let (day, hour) = if self.hard() {
                // An hour or two after the shift ends, on three days.
                (self.day(k * 2), (staff.shift.end + 1 + (k % 2) as u8) % 24)
            } else {
                (self.day(0), self.hour(staff.shift, false))
            };
            let minute = self.rng.below(60);
            self.read(o, p, self.world.at(day, hour, minute), staff.actor);
        }
        Some((o, Some(staff.actor)))
    }

    fn volume(&mut self) -> Option<(usize, Option<assent_core::tx::ActorTag>)> {
        let (o, s) = self.person(Some(Department::Medicine), false)?;
        let staff = self.world.orgs[o].staff[s].clone();
        let patients = self.granted_at(o);
        if self.hard() {
            // Low and slow: five more patients a day for ten days, in shift.
            for d in 0..10 {
                for _ in 0..5 {
                    let p = *self.rng.pick(&patients);
                    let hour = staff.shift.hour(self.rng);
                    let minute = self.rng.below(60);
                    self.read(o, p, self.world.at(self.day(d), hour, minute), staff.actor);
                }
            }
        } else {
            // A burst: up to 150 patients in an hour, off shift.
            let hour = self.hour(staff.shift, false);
            for k in 0..150.min(patients.len() as u32 * 2) {
                let p = *self.rng.pick(&patients);
                let minute = (k * 60 / 150).min(59);
                self.read(o, p, self.world.at(self.day(0), hour, minute), staff.actor);
            }
        }
        Some((o, Some(staff.actor)))
    }

    fn emergency(&mut self) -> Option<(usize, Option<assent_core::tx::ActorTag>)> {
        let (o, s) = self.person(Some(Department::Emergency), false)?;
        let staff = self.world.orgs[o].staff[s].clone();
        let (n, spread) = if self.hard() { (5, 3) } else { (8, 0) };
        for k in 0..n {
            let p = self.rng.below(self.world.patients.len() as u32) as usize;
            let hour = self.hour(staff.shift, self.hard());
            let read = Read {
                patient: p,
                org: o,
                emergency: Some(*self.rng.pick(EmergencyReason::ALL)),
                resources: resources(self.rng),
                purpose: Purpose::Etreat,
                at: self
                    .world
                    .at(self.day(k * spread), hour, self.rng.below(60)),
                actor: Some(staff.actor),
            };
            self.reads.push((None, read));
        }
        Some((o, Some(staff.actor)))
    }

    /// A clinician reads their own patients, on their grants, but takes
    /// many kinds of data each time: four or five (hard, over eight days)
    /// or ten (easy, twenty reads in a day). Normal reads take one to three.
    fn scope_creep(&mut self) -> Option<(usize, Option<assent_core::tx::ActorTag>)> {
        let (o, s) = self.person(None, false)?;
        let staff = self.world.orgs[o].staff[s].clone();
        let patients = self.granted_at(o);
        let (reads, kinds) = if self.hard() { (8, 4) } else { (20, 10) };
        for k in 0..reads {
            let p = *self.rng.pick(&patients);
            let day = if self.hard() {
                self.day(k)
            } else {
                self.day(0)
            };
            let hour = staff.shift.hour(self.rng);
            let mut types: Vec<_> = (0..kinds + self.rng.below(2) as usize)
                .map(|i| ResourceType::ALL[(i * 3 + k as usize) % ResourceType::ALL.len()])
                .collect();
            types.sort();
            types.dedup();
            self.reads.push((
                None,
                Read {
                    patient: p,
                    org: o,
                    emergency: None,
                    resources: types
                        .into_iter()
                        .map(|t| (t, 1 + self.rng.below(4)))
                        .collect(),
                    purpose: Purpose::Treat,
                    at: self.world.at(day, hour, self.rng.below(60)),
                    actor: Some(staff.actor),
                },
            ));
            // The grant it hides under.
            if !self.care.granted(p, o, self.world.at(day, 0, 0)) {
                self.reads.pop();
            }
        }
        Some((o, Some(staff.actor)))
    }

    /// An insurer's batch reads, for billing, the records of patients it
    /// insures with no visit to claim for: in the nightly claims hour, a few
    /// a night for a week (hard), or two hundred one afternoon (easy).
    fn billing(&mut self) -> Option<(usize, Option<assent_core::tx::ActorTag>)> {
        let insurers: Vec<usize> = (0..self.world.orgs.len())
            .filter(|&o| self.world.orgs[o].kind == OrgKind::Insurer)
            .collect();
        let o = *self.rng.pick(&insurers);
        let insured: Vec<usize> = self
            .granted_at(o)
            .into_iter()
            .filter(|&p| self.world.patients[p].insurer == Some(o))
            .collect();
        if insured.is_empty() {
            return None;
        }
        let (nights, per_night) = if self.hard() { (7, 4) } else { (1, 200) };
        for night in 0..nights {
            for k in 0..per_night {
                let p = *self.rng.pick(&insured);
                let (hour, minute) = if self.hard() {
                    (2, self.rng.below(60))
                } else {
                    (14, (k * 60 / per_night).min(59))
                };
                let at = self.world.at(self.day(night), hour, minute);
                self.reads
                    .push((None, Read::system(p, o, Purpose::Hpaymt, at)));
            }
        }
        Some((o, None))
    }

    fn no_grant(&mut self) -> Option<(usize, Option<assent_core::tx::ActorTag>)> {
        let orgs: Vec<usize> = (0..self.world.orgs.len())
            .filter(|&o| self.world.orgs[o].kind != OrgKind::Research)
            .collect();
        let o = *self.rng.pick(&orgs);
        let end = self.world.start + u64::from(self.last_day + 1) * DAY;
        let strangers: Vec<usize> = (0..self.world.patients.len())
            .filter(|&p| !self.care.grants.contains_key(&(p, o)))
            .collect();
        for _ in 0..2 {
            let p = *self.rng.pick(&strangers);
            let claimed = GrantId(self.rng.bytes());
            for k in 0..2 {
                let read = Read {
                    patient: p,
                    org: o,
                    emergency: None,
                    resources: resources(self.rng),
                    purpose: *self.rng.pick(&[Purpose::Treat, Purpose::Hpaymt]),
                    at: self
                        .world
                        .at(self.day(k), 10 + k as u8, self.rng.below(60))
                        .min(end),
                    actor: None,
                };
                self.reads.push((Some(claimed), read));
            }
        }
        Some((o, None))
    }

    /// Patients with a grant to `org` before the campaign begins (every
    /// patient if none has: the campaign then plants grants).
    fn granted_at(&self, org: usize) -> Vec<usize> {
        let t = self.world.start + u64::from(self.first) * DAY;
        let granted: Vec<usize> = (0..self.world.patients.len())
            .filter(|&p| self.care.granted(p, org, t))
            .collect();
        if granted.is_empty() {
            (0..self.world.patients.len()).collect()
        } else {
            granted
        }
    }
}
