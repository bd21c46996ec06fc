//! The simulated consortium: governance, organisations with departments and
//! staff on shifts, and patients in households with a GP, an insurer and a
//! few conditions. Drawn once from the seed; the traffic and the misuse are
//! played over it.

use super::rng::Rng;
use super::Profile;
use assent_core::codes::{Code, OrgKind, SecurityLabel};
use assent_core::ids::{IdentityId, OrgId};
use assent_core::keys::SigningKey;
use assent_core::tx::ActorTag;

/// When a staff member works, as hours of the day (UTC), `start..end`
/// wrapping past midnight for nights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    /// First hour on duty.
    pub start: u8,
    /// First hour off duty.
    pub end: u8,
}

impl Shift {
    /// Days (07–19), nights (19–07) and office hours (09–17).
    pub const DAY: Shift = Shift { start: 7, end: 19 };
    /// Nights.
    pub const NIGHT: Shift = Shift { start: 19, end: 7 };
    /// Office hours.
    pub const OFFICE: Shift = Shift { start: 9, end: 17 };

    /// Whether `hour` is on duty.
    pub fn covers(self, hour: u8) -> bool {
        if self.start <= self.end {
            (self.start..self.end).contains(&hour)
        } else {
            hour >= self.start || hour < self.end
        }
    }

    /// A random hour on duty.
    pub fn hour(self, rng: &mut Rng) -> u8 {
        let len = (u32::from(self.end) + 24 - u32::from(self.start)) % 24;
        ((u32::from(self.start) + rng.below(len.max(1))) % 24) as u8
    }
}

/// A department of an organisation (a hospital has several).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Department {
    /// A&E: emergency overrides happen here.
    Emergency,
    /// General medicine.
    Medicine,
    /// Surgery.
    Surgery,
    /// Mental health.
    Psychiatry,
    /// A GP or specialist clinic's whole staff.
    Practice,
    /// An insurer's claims team.
    Claims,
    /// A research team.
    Research,
}

/// One member of staff.
#[derive(Debug, Clone)]
pub struct Staff {
    /// The organisation's own id for them (never on the ledger).
    pub id: String,
    /// Their department.
    pub department: Department,
    /// When they work.
    pub shift: Shift,
    /// Their pseudonym on the ledger.
    pub actor: ActorTag,
    /// The household they live in, if it is among the patients'.
    pub household: Option<u32>,
    /// The day they leave (no access is theirs after it), if they do.
    pub leaves: Option<u32>,
}

/// One organisation.
#[derive(Debug)]
pub struct Org {
    /// Its id on the ledger (its `RegisterOrg` proposal id, once registered).
    pub id: OrgId,
    /// Its kind.
    pub kind: OrgKind,
    /// Its name.
    pub name: String,
    /// Its signing key.
    pub key: SigningKey,
    /// Its staff.
    pub staff: Vec<Staff>,
}

/// One patient.
#[derive(Debug)]
pub struct Patient {
    /// Their key (and so their identity).
    pub key: SigningKey,
    /// Their household.
    pub household: u32,
    /// Their GP (an index into the organisations).
    pub gp: usize,
    /// Their insurer (an index), if insured.
    pub insurer: Option<usize>,
    /// Sensitive labels of their records.
    pub labels: Vec<SecurityLabel>,
    /// In the research organisation's cohort.
    pub cohort: bool,
}

impl Patient {
    /// Their identity.
    pub fn identity(&self) -> IdentityId {
        IdentityId(self.key.public_key())
    }
}

/// Everything drawn from the seed before day one.
#[derive(Debug)]
pub struct World {
    /// Governance keys: two members and the regulator (threshold 2).
    pub governance: [SigningKey; 3],
    /// The organisations, hospitals first.
    pub orgs: Vec<Org>,
    /// The patients.
    pub patients: Vec<Patient>,
    /// The monitor's key, registered by governance on day 0.
    pub monitor: SigningKey,
    /// The first simulated second (midnight UTC of a Monday).
    pub start: u64,
}

impl World {
    /// Draws the world for `profile`, starting at `start`, watched by the
    /// monitor whose key is `monitor`.
    pub fn draw(profile: &Profile, rng: &mut Rng, start: u64, monitor: SigningKey) -> World {
        let governance = [rng.key(), rng.key(), rng.key()];
        let mut orgs = Vec::new();
        let mut households = 0u32;
        let mix = [
            (OrgKind::Hospital, profile.hospitals, "Hospital"),
            (OrgKind::Clinic, profile.clinics, "Clinic"),
            (OrgKind::Insurer, profile.insurers, "Insurance"),
            (OrgKind::Research, 1, "Research Institute"),
        ];
        for (kind, count, noun) in mix {
            for n in 0..count {
                let name = format!("{} {noun}", PLACES[orgs.len() % PLACES.len()]);
                let secret = rng.bytes();
                let size = match kind {
                    OrgKind::Hospital => profile.hospital_staff,
                    _ => profile.small_staff,
                };
                let staff = (0..size)
                    .map(|j| {
                        let department = department(kind, j);
                        let shift = match department {
                            Department::Emergency | Department::Medicine if j % 3 == 2 => {
                                Shift::NIGHT
                            }
                            Department::Emergency | Department::Medicine | Department::Surgery => {
                                Shift::DAY
                            }
                            _ => Shift::OFFICE,
                        };
                        let id = format!("{}-{n}-{j:04}", kind.fhir_code());
                        // One in five staff lives with patients of the consortium.
                        let household = (rng.below(5) == 0).then(|| {
                            households += 1;
                            households - 1
                        });
                        let leaves = (rng.below(40) == 0).then(|| rng.below(profile.days));
                        Staff {
                            actor: ActorTag::derive(&secret, EPOCH, &id),
                            id,
                            department,
                            shift,
                            household,
                            leaves,
                        }
                    })
                    .collect();
                orgs.push(Org {
                    id: OrgId([0; 32]),
                    kind,
                    name,
                    key: rng.key(),
                    staff,
                });
            }
        }
        let clinics: Vec<usize> = (0..orgs.len())
            .filter(|&i| orgs[i].kind == OrgKind::Clinic)
            .collect();
        let insurers: Vec<usize> = (0..orgs.len())
            .filter(|&i| orgs[i].kind == OrgKind::Insurer)
            .collect();
        let mut patients = Vec::with_capacity(profile.patients as usize);
        // Staff households first (so each has patients in it), then others
        // of one to four people.
        let mut household = 0u32;
        while patients.len() < profile.patients as usize {
            let members = if household < households {
                1 + rng.below(3)
            } else {
                1 + rng.below(4)
            };
            let gp = clinics[rng.below(clinics.len() as u32) as usize];
            for _ in 0..members {
                let labels = SecurityLabel::ALL
                    .iter()
                    .copied()
                    .filter(|_| rng.below(12) == 0)
                    .collect();
                patients.push(Patient {
                    key: rng.key(),
                    household,
                    gp,
                    insurer: (rng.below(10) < 8)
                        .then(|| insurers[rng.below(insurers.len() as u32) as usize]),
                    labels,
                    cohort: rng.below(20) == 0,
                });
            }
            household += 1;
        }
        patients.truncate(profile.patients as usize);
        World {
            governance,
            orgs,
            patients,
            monitor,
            start,
        }
    }

    /// The hour `hour` of day `day`, plus `minute`.
    pub fn at(&self, day: u32, hour: u8, minute: u32) -> u64 {
        self.start + u64::from(day) * super::DAY + u64::from(hour) * 3_600 + u64::from(minute) * 60
    }

    /// The organisations of `kind`, by index.
    pub fn of_kind(&self, kind: OrgKind) -> Vec<usize> {
        (0..self.orgs.len())
            .filter(|&i| self.orgs[i].kind == kind)
            .collect()
    }
}

/// The actor-key epoch the simulation runs in (a calendar quarter).
pub const EPOCH: u32 = 20_264;

/// Town names for organisations.
const PLACES: [&str; 12] = [
    "Riverside",
    "Northside",
    "Harbour",
    "Elm Park",
    "Westgate",
    "Millbrook",
    "Southfield",
    "Ashford",
    "Kingsway",
    "Lakeview",
    "Hillcrest",
    "Brookside",
];

/// The department of staff member `j` of an organisation of `kind`.
fn department(kind: OrgKind, j: u32) -> Department {
    match kind {
        OrgKind::Hospital => match j % 8 {
            0 | 1 => Department::Emergency,
            2..=4 => Department::Medicine,
            5 | 6 => Department::Surgery,
            _ => Department::Psychiatry,
        },
        OrgKind::Insurer => Department::Claims,
        OrgKind::Research => Department::Research,
        _ => Department::Practice,
    }
}
